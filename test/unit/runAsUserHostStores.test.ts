// The Run-as-User host's per-workspace stores (personas, SQL history), path choice and command helpers,
// in plain Node, with in-memory workspaceState and SecretStorage.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, generateKeyPair, jwtVerify, importJWK, decodeProtectedHeader } from 'jose';
import { findSecretsInSettings } from '../../src/core/connections/settingsSafety';
import { decodeTokenUnverified } from '../../src/core/jwt/decode';
import { HISTORY_LIMIT, SqlHistory } from '../../src/extension/runAsUser/history';
import { choosePaths } from '../../src/extension/runAsUser/paths';
import { mintPersonaToken, PersonaStore, personaMintOptions } from '../../src/extension/runAsUser/personas';
import { containsSecret, maskSecrets } from '../../src/core/secrets';
import { keyLabel, readPrivateKey } from '../../src/extension/runAsUser/signingKeys';
import { statementFromEditor, tableFromArgument, tableQuery } from '../../src/extension/runAsUser/commands';
import { personaSecretKey } from '../../src/extension/runAsUser/storage';
import type { ActiveConnection } from '../../src/extension/connections/types';
import { MemoryState, MemorySecrets } from '../support/memoryStores';

async function ecPrivateJwk() {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return exportJWK(privateKey);
}

describe('run as user: SQL history', () => {
  it('keeps the most recent first, without duplicates, capped', async () => {
    const state = new MemoryState();
    const history = new SqlHistory(state);
    await history.add('select 1');
    await history.add('select 2');
    await history.add('  select 1  ');
    assert.deepEqual(history.list(), ['select 1', 'select 2']);
    for (let i = 0; i < HISTORY_LIMIT + 10; i++) await history.add(`select ${i + 100}`);
    assert.equal(history.list().length, HISTORY_LIMIT);
    assert.equal(history.list()[0], `select ${HISTORY_LIMIT + 109}`);
  });

  it('never stores a statement that holds a token, a private key or a password', async () => {
    const state = new MemoryState();
    const history = new SqlHistory(state);
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlX2J5dGVz';
    assert.equal(await history.add(`select auth.jwt_session_init('${jwt}')`), 'skipped-secret');
    assert.equal(await history.add("select dblink('postgresql://u:hunter22@db/x', 'select 1')"), 'skipped-secret');
    assert.equal(await history.add("create role x login password 'hunter22'"), 'skipped-secret');
    assert.equal(await history.add("select * from users where password_hash = crypt('x', password_hash)"), 'added');
    await history.setLastSql(`select '${jwt}'`);
    assert.deepEqual(history.list(), ["select * from users where password_hash = crypt('x', password_hash)"]);
    assert.equal(history.lastSql(), '');
  });

  it('masks tokens, keys and connection passwords in free text', () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
    const text = `token ${jwt} url postgresql://owner:s3cretpass@127.0.0.1:5432/db`;
    assert.ok(containsSecret(text));
    const masked = maskSecrets(text);
    assert.ok(!masked.includes(jwt) && !masked.includes('s3cretpass'), masked);
    assert.match(masked, /\*\*\*\*/);
    assert.equal(containsSecret('select * from todos'), false);
  });
});

describe('run as user: personas', () => {
  it('offers alice and bob once per workspace, signed by the playground key', async () => {
    const store = new PersonaStore(new MemoryState(), new MemorySecrets());
    assert.equal(await store.offerStarters(), true);
    assert.deepEqual(
      store.list().map((p) => [p.name, p.sub, p.role, p.keySource.kind]),
      [
        ['alice', 'alice', 'authenticated', 'playground'],
        ['bob', 'bob', 'authenticated', 'playground'],
      ],
    );
    await store.delete('starter-bob');
    assert.equal(await store.offerStarters(), false, 'a deleted starter is not offered again');
    assert.deepEqual(store.list().map((p) => p.name), ['alice']);
  });

  it('keeps a private key in SecretStorage and only a label in workspaceState', async () => {
    const state = new MemoryState();
    const secrets = new MemorySecrets();
    const store = new PersonaStore(state, secrets, () => 'p1');
    const jwk = await ecPrivateJwk();
    const persona = await store.save({
      name: 'carol',
      sub: 'user_carol',
      role: 'authenticated',
      expiresIn: '30m',
      extraClaims: '{"org_id":"acme"}',
      keySource: { kind: 'private-key', key: JSON.stringify(jwk), kid: 'carol-key', alg: 'ES256' },
    });
    assert.deepEqual(persona.keySource, { kind: 'private-key', label: 'ES256 private key (kid carol-key)' });
    assert.deepEqual(findSecretsInSettings(state.dump()), [], 'workspaceState holds no secret');
    assert.ok(!JSON.stringify(state.dump()).includes(jwk.d as string));
    const stored = JSON.parse((await secrets.get(personaSecretKey('p1')))!);
    assert.equal(JSON.parse(stored.key).d, jwk.d);

    // The stored key signs the persona's tokens, with its kid and claims.
    const token = await mintPersonaToken(persona, await store.keyOf(persona), undefined);
    const { header, claims } = decodeTokenUnverified(token);
    assert.equal(header.kid, 'carol-key');
    assert.equal(header.alg, 'ES256');
    assert.equal(claims.sub, 'user_carol');
    assert.equal(claims.org_id, 'acme');
    const publicJwk = { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
    await jwtVerify(token, await importJWK(publicJwk, 'ES256'));
    assert.ok((claims.exp as number) - (claims.iat as number) === 1800);

    // Editing with the stored key keeps it; deleting removes the secret.
    const edited = await store.save({ ...persona, sub: 'user_carol2', keySource: { kind: 'stored-key', personaId: 'p1' } }, 'p1');
    assert.equal(edited.sub, 'user_carol2');
    assert.equal(store.list().length, 1);
    assert.equal(await store.delete('p1'), true);
    assert.equal(await secrets.get(personaSecretKey('p1')), undefined);
    assert.equal(await store.delete('p1'), false);
  });

  it('reads PEM keys, derives the kid from the key, and says what is wrong with bad keys', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const read = await readPrivateKey(pem);
    assert.equal(read.alg, 'RS256');
    assert.match(read.kid, /^[\w-]{43}$/, 'RFC 7638 thumbprint');
    assert.match(keyLabel(read), /^RS256 private key \(kid .{16}…\)$/);
    const token = await mintPersonaToken({ name: 'x', sub: 'x', role: '', expiresIn: '1h', extraClaims: '{}' }, { kind: 'private-key', key: read }, undefined);
    assert.equal(decodeProtectedHeader(token).kid, read.kid);
    assert.equal(decodeTokenUnverified(token).claims.role, undefined, 'an empty role field mints no role claim');

    await assert.rejects(readPrivateKey(pem, undefined, 'ES256'), /RSA key, which signs RS256, but ES256 was chosen/);
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    await assert.rejects(readPrivateKey(JSON.stringify(await exportJWK(publicKey))), /public key/);
    await assert.rejects(readPrivateKey('not a key'), /neither a PEM private key/);
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await assert.rejects(readPrivateKey(ed), /Neon verifies only ES256/);
  });

  it('rejects claims that are not a JSON object and expiries that are not a time span', () => {
    const base = { name: 'a', sub: 'a', role: 'authenticated', expiresIn: '1h', extraClaims: '{}' };
    assert.throws(() => personaMintOptions({ ...base, extraClaims: '[1]' }), /must be a JSON object/);
    assert.throws(() => personaMintOptions({ ...base, extraClaims: '{oops' }), /not valid JSON/);
    assert.throws(() => personaMintOptions({ ...base, expiresIn: 'soon' }), /Invalid duration "soon"/);
    assert.deepEqual(personaMintOptions({ ...base, sub: '', extraClaims: ' ' }), { role: 'authenticated', claims: {}, expiresIn: '1h' });
  });

  it('refuses the playground key when the playground is not the connection', async () => {
    await assert.rejects(
      mintPersonaToken({ name: 'a', sub: 'a', role: 'authenticated', expiresIn: '1h', extraClaims: '{}' }, { kind: 'playground' }, undefined),
      /playground key can only sign tokens while the playground is the connection/,
    );
  });
});

describe('run as user: paths', () => {
  const base = { label: 'neondb_owner@ep-x.neon.tech/neondb', ownerUrl: 'postgresql://neondb_owner:pw@ep-x.neon.tech/neondb' };
  it('offers Authorize HTTP only with an authenticated URL, the playground only on the playground', () => {
    const env = choosePaths({ kind: 'env', ...base } as ActiveConnection);
    assert.deepEqual(env.paths.map((p) => [p.path, p.available]), [
      ['authorize-http', false],
      ['self-verified', true],
      ['playground', false],
    ]);
    assert.match(env.paths[0]!.unavailableReason!, /DATABASE_AUTHENTICATED_URL/);
    assert.equal(env.selectedPath, 'self-verified');
    const authorize = choosePaths({ kind: 'env', ...base, authenticatedUrl: 'postgresql://authenticated@ep-x.neon.tech/neondb' } as ActiveConnection);
    assert.equal(authorize.selectedPath, 'authorize-http');
    const none = choosePaths(undefined, 'starting');
    assert.ok(none.paths.every((p) => !p.available && p.unavailableReason === 'starting'));
    assert.equal(none.selectedPath, null);
  });

  it('never shows a password in the connection label', () => {
    const choice = choosePaths({ kind: 'manual', ...base, label: 'postgresql://owner:hunter22@db.example.com/app' } as ActiveConnection);
    assert.ok(!choice.connectionLabel.includes('hunter22'), choice.connectionLabel);
  });
});

describe('run as user: command helpers', () => {
  it('builds the table query with quoted names', () => {
    assert.equal(tableQuery('public', 'todos'), 'select * from "public"."todos" limit 200');
    assert.equal(tableQuery('My Schema', 'we"ird'), 'select * from "My Schema"."we""ird" limit 200');
  });

  it('reads the table from a command argument or a tree item', () => {
    assert.deepEqual(tableFromArgument({ schema: 'app', table: 'todos' }), { schema: 'app', table: 'todos' });
    assert.deepEqual(tableFromArgument({ schema: 'app', name: 'todos', kind: 'table' }), { schema: 'app', table: 'todos' });
    assert.deepEqual(tableFromArgument({ label: 'x', table: { schema: 's', table: 't' } }), { schema: 's', table: 't' });
    assert.equal(tableFromArgument(undefined), undefined);
    assert.equal(tableFromArgument({ name: 'todos' }), undefined);
  });

  it('takes the selection, else the statement at the cursor (real SQL parser)', async () => {
    const text = 'select 1;\nselect * from todos where task = \'a;b\';\nselect 3;';
    const doc = {
      getText: (range?: { start: number; end: number }) => (range ? text.slice(range.start, range.end) : text),
      offsetAt: (p: number) => p,
    };
    const editor = (start: number, end: number) =>
      ({ document: doc, selection: { isEmpty: start === end, active: end, start, end } }) as unknown as Parameters<typeof statementFromEditor>[0];
    assert.equal(await statementFromEditor(editor(0, 8)), 'select 1');
    assert.equal(await statementFromEditor(editor(15, 15)), "select * from todos where task = 'a;b'");
    assert.equal(await statementFromEditor(editor(text.length, text.length)), 'select 3');
  });
});
