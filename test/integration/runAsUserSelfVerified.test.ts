/**
 * Self-verified claims over a plain Postgres connection (node-postgres, TCP) on a real PostgreSQL server:
 * a dedicated LOGIN role `app_verifier` (no BYPASSRLS, owns nothing) that is a member of the app roles,
 * as Neon's self-verification guide sets it up. The owner's side also goes over TCP here.
 *
 * Only the real server: on PGlite the playground's endpoint is the only way in, and it logs in only the
 * roles whose passwords it manages (the owner and the two app roles), so a new LOGIN role cannot connect
 * (runAsUser.test.ts covers self-verified claims on PGlite through the endpoint as "authenticated").
 * The server is started here rather than with startTestPlayground because granting an app role to a login
 * role needs the superuser (the owner has no ADMIN OPTION on roles pg_session_jwt created).
 */
import assert from 'node:assert/strict';
import pg from 'pg';
import { RunAsUserEngine, type QueryEvent, type RunAsUserOutcome, type RunResult, type SideOutcome } from '../../src/core/runAsUser';
import { makeTempDir, removeTempDir } from '../support/cleanup.mjs';
import { waitFor } from '../support/waitFor.mjs';
import { startManagedPostgres, type ManagedPostgres } from '../support/managedPostgres';
import { startPlayground, type Playground } from '../../src/playground/playground';
import { SEED_SQL } from '../support/playgrounds';

type Ran = { kind: 'ran' } & RunResult;
const ran = (o: RunAsUserOutcome): Ran => {
  if (o.kind !== 'ran') assert.fail(`expected a run, got ${JSON.stringify(o)}`);
  return o;
};
const rowsOf = (side: SideOutcome | Ran['owner']) => {
  if (side.kind !== 'rows') assert.fail(`expected rows, got ${JSON.stringify(side).slice(0, 500)}`);
  return side.result.rows;
};
const errorOf = (side: SideOutcome | Ran['owner']) => {
  if (side.kind !== 'error') assert.fail(`expected an error, got ${JSON.stringify(side).slice(0, 500)}`);
  return side.error;
};

describe('run as user: self-verified claims over TCP (postgres)', function () {
  let server: ManagedPostgres;
  let playground: Playground;
  let dataDir: string;
  let superuser: pg.Client;
  let engine: RunAsUserEngine;
  let verifierUrl: string;
  const events: QueryEvent[] = [];
  const VERIFIER_PASSWORD = 'verifier-pass-1234';

  const su = async (sql: string) => (await superuser.query(sql)).rows;
  const count = async (where = 'true') => Number((await su(`select count(*)::int as n from todos where ${where}`))[0].n);

  before(async () => {
    dataDir = makeTempDir('naw-test-');
    server = await startManagedPostgres();
    playground = await startPlayground({ dataDir, port: 0, databaseUrl: server.ownerUrl, adminUrl: server.superuserUrl });
    const owner = new pg.Client({ connectionString: server.ownerUrl });
    await owner.connect();
    try {
      for (const statement of SEED_SQL) await owner.query(statement);
      await owner.query("insert into todos (task, user_id) values ('buy milk', 'alice'), ('walk dog', 'alice'), ('fix bike', 'bob')");
    } finally {
      await owner.end();
    }
    superuser = new pg.Client({ connectionString: server.superuserUrl });
    await superuser.connect();
    await su(`create role app_verifier login password '${VERIFIER_PASSWORD}'`);
    await su('grant authenticated, anonymous to app_verifier');
    verifierUrl = server.ownerUrl.replace(/\/\/[^@]+@/, `//app_verifier:${VERIFIER_PASSWORD}@`);
    engine = new RunAsUserEngine({
      owner: { url: server.ownerUrl },
      selfVerified: { login: { url: verifierUrl }, providers: () => playground.listProviders() },
      onQuery: (e) => events.push(e),
    });
  });

  after(async () => {
    await engine?.close();
    await superuser?.end();
    await playground?.close();
    await server?.stop();
    removeTempDir(dataDir);
  });

  it('app_verifier: alice, bob and anonymous see what their policies allow; both sides over TCP', async () => {
    const alice = ran(await engine.run({ sql: 'select id, user_id from todos order by id', path: 'self-verified', token: await playground.mint({ sub: 'alice' }) }));
    assert.equal(alice.pathLabel, `Self-verified claims on app_verifier@127.0.0.1:${new URL(server.ownerUrl).port}/neondb (SET ROLE authenticated)`);
    assert.deepEqual(rowsOf(alice.user).map((r) => r[1]), ['alice', 'alice']);
    assert.equal(rowsOf(alice.owner).length, 3);
    assert.deepEqual(alice.hiddenOwnerRows, [2]);
    assert.equal(alice.hiddenMatchedBy, 'primary-key');
    const bob = ran(await engine.run({ sql: 'select id, user_id from todos order by id', path: 'self-verified', token: await playground.mint({ sub: 'bob' }) }));
    assert.deepEqual(rowsOf(bob.user).map((r) => r[1]), ['bob']);
    const anonymous = ran(await engine.run({ sql: 'select count(*) from todos', path: 'self-verified' }));
    assert.deepEqual(rowsOf(anonymous.user), [['0']]);
    const anonymousToken = ran(await engine.run({ sql: 'select current_user, auth.user_id()', path: 'self-verified', token: await playground.mint({ role: 'anonymous' }) }));
    assert.deepEqual(rowsOf(anonymousToken.user), [['anonymous', null]]);
    const last = events.filter((e) => e.side === 'user').at(-1)!;
    assert.equal(last.driver, 'pg');
    assert.match(last.connection, /^app_verifier@/);
    const ownerEvents = events.filter((e) => e.side === 'owner');
    assert.ok(ownerEvents.length > 0 && ownerEvents.every((e) => e.driver === 'pg' && e.readOnly), `the owner side ran read only over pg: ${JSON.stringify(ownerEvents)}`);
  });

  it('a confirmed INSERT runs once, with user_id from the verified claims', async () => {
    const token = await playground.mint({ sub: 'alice' });
    const sql = "insert into todos (task) values ('over tcp')";
    const before = await count();
    const asked = await engine.run({ sql, path: 'self-verified', token });
    assert.equal(asked.kind, 'confirm-write');
    assert.equal(await count(), before);
    const r = ran(await engine.run({ sql, path: 'self-verified', token, ownerConfirmedOutsidePanel: true }));
    assert.ok(r.user.kind === 'rows' && r.user.result.rowCount === 1);
    assert.equal(await count(), before + 1);
    assert.equal(await count("task = 'over tcp' and user_id = 'alice'"), 1);
    assert.equal(rowsOf(r.owner).length, before + 1);
    await su("delete from todos where task = 'over tcp'");
  });

  it('the owner as login role: after GRANT authenticated TO neondb_owner, SET ROLE makes RLS apply', async () => {
    // RLS is decided by the current role after SET ROLE: the login role's BYPASSRLS no longer counts.
    await su('grant authenticated to neondb_owner');
    const viaOwner = new RunAsUserEngine({ owner: { url: server.ownerUrl }, selfVerified: { login: { url: server.ownerUrl }, providers: () => playground.listProviders() } });
    try {
      const r = ran(await viaOwner.run({ sql: 'select user_id from todos', path: 'self-verified', token: await playground.mint({ sub: 'alice' }) }));
      assert.deepEqual(rowsOf(r.user).map((x) => x[0]), ['alice', 'alice']);
    } finally {
      await viaOwner.close();
      await su('revoke authenticated from neondb_owner');
    }
  });

  it('a token whose role is the owner (BYPASSRLS): refused inside the transaction, a write never runs', async () => {
    // A provider registered for the owner role too, and a login that may become it: the guard must stop it.
    const providers = playground.listProviders().map((p) => ({ ...p, roleNames: [...p.roleNames, 'neondb_owner'] }));
    const viaOwner = new RunAsUserEngine({ owner: { url: server.ownerUrl }, selfVerified: { login: { url: server.ownerUrl }, providers } });
    try {
      const token = await playground.mint({ sub: 'alice', role: 'neondb_owner' });
      const r = ran(await viaOwner.run({ sql: 'select * from todos', path: 'self-verified', token }));
      const e = errorOf(r.user);
      assert.equal(e.title, 'Not shown: RLS would not apply to "neondb_owner"');
      assert.match(e.message, /"neondb_owner" has BYPASSRLS, so no policy applies to it/);
      assert.equal(rowsOf(r.owner).length, 3);
      const before = await count();
      const w = ran(await viaOwner.run({ sql: "insert into todos (task, user_id) values ('as owner', 'bob')", path: 'self-verified', token, ownerConfirmedOutsidePanel: true }));
      assert.match(errorOf(w.user).title, /^Not shown: RLS would not apply/);
      assert.equal(await count(), before, 'the guard aborted the transaction before the INSERT');
    } finally {
      await viaOwner.close();
    }
  });

  it('a BYPASSRLS app role granted to the login role is refused too', async () => {
    await su('create role rls_admin nologin bypassrls');
    await su('grant rls_admin to app_verifier');
    await su('grant select on todos to rls_admin');
    const providers = playground.listProviders().map((p) => ({ ...p, roleNames: [...p.roleNames, 'rls_admin'] }));
    const admin = new RunAsUserEngine({ owner: { url: server.ownerUrl }, selfVerified: { login: { url: verifierUrl }, providers } });
    try {
      const r = ran(await admin.run({ sql: 'select * from todos', path: 'self-verified', token: await playground.mint({ sub: 'alice', role: 'rls_admin' }) }));
      const e = errorOf(r.user);
      assert.equal(e.title, 'Not shown: RLS would not apply to "rls_admin"');
      assert.match(e.message, /has BYPASSRLS/);
      assert.match(e.detail ?? '', /Checked in the user side's own transaction, after switching role: todos/);
    } finally {
      await admin.close();
    }
  });

  it('a run can be cancelled: both sides stop and say so', async () => {
    const controller = new AbortController();
    const running = engine.run({ sql: 'select pg_sleep(60)', path: 'self-verified', token: await playground.mint({ sub: 'alice' }), signal: controller.signal });
    // Cancel once both sides are in the database (their transactions are observable in pg_stat_activity).
    await waitFor(async () => (await su("select count(*)::int as n from pg_stat_activity where query = 'select pg_sleep(60)'"))[0].n >= 2, {
      message: 'both sides running select pg_sleep(60)',
    });
    controller.abort();
    const r = ran(await running);
    assert.equal(errorOf(r.user).title, 'Run cancelled');
    assert.equal(errorOf(r.owner).title, 'Run cancelled');
  });

  it('a wrong password is explained without the password', async () => {
    const wrong = new RunAsUserEngine({ selfVerified: { login: { url: verifierUrl.replace(VERIFIER_PASSWORD, 'not-the-password') }, providers: () => playground.listProviders() } });
    try {
      const r = ran(await wrong.run({ sql: 'select 1', path: 'self-verified', token: await playground.mint({ sub: 'alice' }) }));
      const e = errorOf(r.user);
      assert.equal(e.title, 'The database refused the password');
      assert.ok(!JSON.stringify(r).includes('not-the-password'));
      assert.deepEqual(e.fixes?.map((f) => f.action), ['chooseConnection']);
    } finally {
      await wrong.close();
    }
  });
});
