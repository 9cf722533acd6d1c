// The ledger of writes waiting for confirmation: an id confirms one run of the write it was issued for,
// and only until it expires; and what the engine binds an id to.
import assert from 'node:assert/strict';
import { RunAsUserEngine, writeFingerprint } from '../../src/core/runAsUser/engine';
import type { RunPath } from '../../src/core/runAsUser/outcome';
import { WriteConfirmations } from '../../src/core/runAsUser/writeConfirmations';

describe('run as user: write confirmations', () => {
  it('confirms the write it was issued for, once', () => {
    const ledger = new WriteConfirmations();
    const id = ledger.issue('insert A');
    assert.equal(ledger.take(id, 'insert A'), 'confirmed');
    assert.equal(ledger.take(id, 'insert A'), 'used-or-expired');
  });

  it('refuses an id issued for another write, and uses it up', () => {
    const ledger = new WriteConfirmations();
    const id = ledger.issue('insert A');
    assert.equal(ledger.take(id, 'insert B'), 'changed');
    assert.equal(ledger.take(id, 'insert A'), 'used-or-expired');
  });

  it('does not know ids it never issued', () => {
    assert.equal(new WriteConfirmations().take('not-this-one', 'insert A'), 'unknown');
  });

  it('expires, says so for a while, then forgets', () => {
    let now = 0;
    const ledger = new WriteConfirmations(1000, () => now);
    const id = ledger.issue('insert A');
    now = 1001;
    assert.equal(ledger.take(id, 'insert A'), 'used-or-expired');
    now = 2002;
    assert.equal(ledger.take(id, 'insert A'), 'unknown');
  });
});

/** A token as the engine reads it before any check (signature not verified). */
function tokenWith(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'ES256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

describe('run as user: what a write confirmation is bound to', () => {
  const alice = { sub: 'alice', role: 'authenticated', org_id: 'acme' };
  const fingerprintOf = (claims: Record<string, unknown> | null, path: RunPath = 'playground', sql = 'delete from todos') =>
    writeFingerprint(path, sql, { role: 'authenticated', claims });

  it('binds the statement, the path, the role and every claim a policy could read', () => {
    const base = fingerprintOf(alice);
    assert.notEqual(fingerprintOf({ ...alice, org_id: 'globex' }), base, 'same sub and role, another org_id');
    assert.notEqual(fingerprintOf({ sub: 'alice', role: 'authenticated' }), base, 'a claim less');
    assert.notEqual(fingerprintOf(alice, 'self-verified'), base);
    assert.notEqual(fingerprintOf(alice, 'playground', 'delete from notes'), base);
    assert.notEqual(fingerprintOf(null), base);
    assert.notEqual(writeFingerprint('playground', 'delete from todos', { role: 'anonymous', claims: alice }), base);
  });

  it('does not bind what changes with every token minted for the same identity', () => {
    assert.equal(fingerprintOf({ ...alice, iat: 1, exp: 2, nbf: 1, jti: 'a' }), fingerprintOf({ jti: 'b', exp: 20, org_id: 'acme', iat: 10, role: 'authenticated', sub: 'alice' }));
  });

  it('an id issued for one persona does not run the write for another with the same sub and role', async () => {
    // No connection is opened: the engine answers both runs before it runs anything.
    const engine = new RunAsUserEngine({ playground: { authenticated: { url: 'postgresql://authenticated@127.0.0.1:9/app' } } });
    const sql = "delete from todos where task = 'x'";
    const asked = await engine.run({ sql, path: 'playground', token: tokenWith({ ...alice, iat: 1 }) });
    assert.equal(asked.kind, 'confirm-write');
    if (asked.kind !== 'confirm-write') return;
    const other = await engine.run({ sql, path: 'playground', token: tokenWith({ ...alice, org_id: 'globex', iat: 2 }), confirmationId: asked.confirmationId });
    assert.equal(other.kind, 'refused');
    assert.match(other.kind === 'refused' ? other.error.message : '', /changed after you were asked to confirm/);
    await engine.close();
  });
});
