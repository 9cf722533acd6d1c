// Introspection against real catalogs: PGlite and a real PostgreSQL (the playground's managed server,
// read as the Neon-like owner). Checks what is read, that system and extension objects stay out,
// that Neon's raw-text values read the same as parsed ones, and that the number of catalog queries
// does not grow with the number of tables.
import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import {
  IntrospectionError,
  introspectDatabase,
  introspectPgSessionJwt,
  introspectPolicies,
  introspectRoles,
  introspectTables,
  type Queryable,
} from '../../src/core/introspect/index';
import { scaffoldGrants } from '../../src/core/scaffold/grants';
import { startManagedPostgres, type ManagedPostgres } from '../support/managedPostgres';
import { installPgSessionJwtIntoPglite } from '../../src/playground/pgSessionJwt';

interface Target {
  backend: 'pglite' | 'postgres';
  /** Parsed values (pg / PGlite defaults). */
  q: Queryable;
  /** Every value in Postgres text form, as Neon's HTTP API returns it in raw text mode. */
  raw: Queryable;
  /** A database where pg_session_jwt is not installed. */
  bare: Queryable;
  close(): Promise<void>;
}

/** Postgres text output of a parsed value (what raw text mode would have sent). */
function toPgText(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

async function startTarget(backend: 'pglite' | 'postgres'): Promise<Target> {
  if (backend === 'pglite') {
    const db = new PGlite();
    const bareDb = new PGlite();
    await installPgSessionJwtIntoPglite(db);
    await installPgSessionJwtIntoPglite(bareDb);
    await db.exec('CREATE EXTENSION pg_session_jwt');
    const q: Queryable = { query: async (sql, params) => ({ rows: (await db.query<Record<string, unknown>>(sql, params as unknown[])).rows }) };
    return {
      backend,
      q,
      raw: {
        async query(sql, params) {
          const { rows } = await q.query(sql, params);
          return { rows: rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, toPgText(v)]))) };
        },
      },
      bare: { query: async (sql, params) => ({ rows: (await bareDb.query<Record<string, unknown>>(sql, params as unknown[])).rows }) },
      async close() {
        await db.close();
        await bareDb.close();
      },
    };
  }
  const server: ManagedPostgres = await startManagedPostgres();
  const owner = new pg.Client({ connectionString: server.ownerUrl });
  await owner.connect();
  await owner.query('CREATE EXTENSION pg_session_jwt');
  await owner.query('CREATE DATABASE bare');
  const bare = new pg.Client({ connectionString: server.ownerUrl.replace(/\/neondb$/, '/bare') });
  await bare.connect();
  const textOnly = { getTypeParser: () => (value: string) => value };
  return {
    backend,
    q: { query: async (sql, params) => ({ rows: (await owner.query(sql, params as unknown[])).rows }) },
    raw: { query: async (sql, params) => ({ rows: (await owner.query({ text: sql, values: params as unknown[], types: textOnly })).rows }) },
    bare: { query: async (sql, params) => ({ rows: (await bare.query(sql, params as unknown[])).rows }) },
    async close() {
      await owner.end();
      await bare.end();
      await server.stop();
    },
  };
}

function counting(q: Queryable): Queryable & { count: number } {
  const wrapper = {
    count: 0,
    query(sql: string, params?: unknown[]) {
      wrapper.count++;
      return q.query(sql, params);
    },
  };
  return wrapper;
}

const FIXTURE = [
  'CREATE SCHEMA shop',
  `CREATE TABLE shop.orders (
     id bigint generated always as identity primary key,
     user_id text not null default auth.user_id(),
     org_id uuid,
     total numeric(10,2) not null default 0,
     total_with_tax numeric generated always as (total * 1.2) stored,
     legacy_no serial,
     note text)`,
  'CREATE INDEX orders_user_idx ON shop.orders (user_id)',
  'CREATE UNIQUE INDEX orders_org_lower_note ON shop.orders (org_id, lower(note)) WHERE note IS NOT NULL',
  'ALTER TABLE shop.orders ENABLE ROW LEVEL SECURITY',
  'ALTER TABLE shop.orders FORCE ROW LEVEL SECURITY',
  `CREATE POLICY "own orders" ON shop.orders FOR ALL TO authenticated USING ((select auth.user_id()) = user_id) WITH CHECK ((select auth.user_id()) = user_id)`,
  `CREATE POLICY "no archived" ON shop.orders AS RESTRICTIVE FOR SELECT TO authenticated, anonymous USING (note IS DISTINCT FROM 'archived')`,
  `CREATE POLICY "everyone inserts" ON shop.orders FOR INSERT WITH CHECK (true)`,
  `CREATE TABLE shop.events (id int, at date not null, "Kind" text) PARTITION BY RANGE (at)`,
  `CREATE TABLE shop.events_2026 PARTITION OF shop.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')`,
  `CREATE TABLE public."Mixed Case" ("Id" int primary key, "select" text)`,
  'CREATE VIEW shop.order_totals AS SELECT user_id, sum(total) FROM shop.orders GROUP BY user_id',
];

for (const backend of ['pglite', 'postgres'] as const) {
  describe(`introspection on ${backend === 'pglite' ? 'PGlite' : 'embedded PostgreSQL'}`, function () {
    this.timeout(120_000);
    let t: Target;

    before(async () => {
      t = await startTarget(backend);
      for (const s of FIXTURE) await t.q.query(s);
      for (const s of scaffoldGrants({ schema: 'shop', privileges: { anonymous: ['SELECT'] } }).statements) await t.q.query(s);
    });
    after(async () => {
      await t?.close();
    });

    it('reads tables, columns, keys, indexes and RLS flags; leaves out views, catalogs and extension tables', async () => {
      const tables = await introspectTables(t.q);
      const names = tables.map((x) => `${x.schema}.${x.name}`);
      assert.deepEqual(names, ['public.Mixed Case', 'shop.events', 'shop.events_2026', 'shop.orders']);
      const orders = tables.find((x) => x.name === 'orders')!;
      assert.deepEqual([orders.rlsEnabled, orders.rlsForced, orders.kind, orders.isPartition], [true, true, 'table', false]);
      assert.equal(orders.owner, backend === 'pglite' ? 'postgres' : 'neondb_owner');
      assert.deepEqual(
        orders.columns.map((c) => [c.name, c.type, c.nullable, c.identity, c.generated, c.default]),
        [
          ['id', 'bigint', false, 'always', false, null],
          ['user_id', 'text', false, null, false, 'auth.user_id()'],
          ['org_id', 'uuid', true, null, false, null],
          ['total', 'numeric(10,2)', false, null, false, '0'],
          ['total_with_tax', 'numeric', true, null, true, '(total * 1.2)'],
          ['legacy_no', 'integer', false, null, false, "nextval('shop.orders_legacy_no_seq'::regclass)"],
          ['note', 'text', true, null, false, null],
        ],
      );
      assert.deepEqual(orders.primaryKey, ['id']);
      assert.deepEqual(
        orders.indexes.map((i) => [i.name, i.columns, i.unique, i.primary, i.predicate]),
        [
          ['orders_org_lower_note', ['org_id', null], true, false, '(note IS NOT NULL)'],
          ['orders_pkey', ['id'], true, true, null],
          ['orders_user_idx', ['user_id'], false, false, null],
        ],
      );
      const events = tables.find((x) => x.name === 'events')!;
      assert.deepEqual([events.kind, events.primaryKey, events.columns.map((c) => c.name)], ['partitioned', [], ['id', 'at', 'Kind']]);
      assert.equal(tables.find((x) => x.name === 'events_2026')!.isPartition, true);
      assert.deepEqual(tables.find((x) => x.name === 'Mixed Case')!.primaryKey, ['Id']);
    });

    it('reads policies as pg_policies shows them', async () => {
      const policies = (await introspectPolicies(t.q)).filter((p) => p.table === 'orders');
      assert.deepEqual(
        policies.map((p) => [p.name, p.command, p.permissive, p.roles, p.using, p.withCheck]),
        [
          ['everyone inserts', 'INSERT', true, ['public'], null, 'true'],
          ['no archived', 'SELECT', false, ['anonymous', 'authenticated'], "(note IS DISTINCT FROM 'archived'::text)", null],
          ['own orders', 'ALL', true, ['authenticated'], '(( SELECT auth.user_id() AS user_id) = user_id)', '(( SELECT auth.user_id() AS user_id) = user_id)'],
        ],
      );
      const view = await t.q.query(`SELECT policyname, cmd, permissive, roles::text[] AS roles, qual, with_check FROM pg_policies WHERE tablename = 'orders' ORDER BY policyname`);
      assert.deepEqual(
        view.rows.map((r) => [r.policyname, r.cmd, r.permissive === 'PERMISSIVE', r.roles, r.qual, r.with_check]),
        policies.map((p) => [p.name, p.command, p.permissive, p.roles, p.using, p.withCheck]),
      );
    });

    it('reads roles: the JWT roles, who bypasses RLS, the current user', async () => {
      const roles = await introspectRoles(t.q);
      assert.ok(roles.authenticated && roles.anonymous);
      assert.deepEqual([roles.authenticated.bypassRls, roles.authenticated.superuser, roles.authenticated.canLogin], [false, false, false]);
      if (backend === 'postgres') {
        assert.equal(roles.currentUser, 'neondb_owner');
        assert.deepEqual([roles.current?.superuser, roles.current?.bypassRls, roles.current?.canLogin], [false, true, true]);
        assert.equal(roles.authenticated.currentUserIsMember, false, 'the owner cannot SET ROLE authenticated here');
        assert.ok(roles.roles.some((r) => r.name === 'postgres' && r.superuser));
      } else {
        assert.equal(roles.currentUser, 'postgres');
        assert.equal(roles.current?.superuser, true);
        assert.equal(roles.authenticated.currentUserIsMember, true);
      }
      assert.ok(roles.roles.every((r) => !r.name.startsWith('pg_')));
    });

    it('reads pg_session_jwt: installed version, what is offered, the auth functions; and a database without it', async () => {
      const info = await introspectPgSessionJwt(t.q);
      assert.deepEqual([info.installed, info.installedVersion, info.schema, info.defaultVersion], [true, '0.5.0', 'auth', '0.5.0']);
      assert.deepEqual(info.availableVersions, ['0.5.0']);
      assert.equal(info.trusted, true);
      assert.equal(info.authSchemaExists, true);
      for (const fn of ['init', 'jwt_session_init', 'session', 'user_id']) assert.ok(info.authFunctions.includes(fn), fn);
      assert.equal(info.currentUserIsSuperuser, backend === 'pglite');
      assert.equal(info.currentUserCanCreateInDatabase, true);
      const bare = await introspectPgSessionJwt(t.bare);
      assert.deepEqual([bare.installed, bare.installedVersion, bare.schema, bare.defaultVersion, bare.authSchemaExists], [false, null, null, '0.5.0', false]);
      assert.deepEqual(bare.authFunctions, []);
    });

    it('combines everything into one snapshot: grants, schema usage, default privileges, sequences', async () => {
      const snap = await introspectDatabase(t.q);
      assert.equal(snap.server.versionNum >= 180000, true);
      assert.deepEqual(snap.grantRoles, ['authenticated', 'anonymous']);
      const orders = snap.tables.find((x) => x.name === 'orders')!;
      assert.deepEqual(orders.grants, { authenticated: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], anonymous: ['SELECT'] });
      assert.equal(orders.policies.length, 3);
      assert.deepEqual(
        orders.sequences.map((s) => [s.name, s.column, s.kind, s.privileges.authenticated?.usage]),
        [
          ['orders_id_seq', 'id', 'identity', false],
          ['orders_legacy_no_seq', 'legacy_no', 'serial', false],
        ],
      );
      const mixed = snap.tables.find((x) => x.name === 'Mixed Case')!;
      assert.deepEqual(mixed.grants, { authenticated: [], anonymous: [] });
      const shop = snap.schemas.find((s) => s.name === 'shop')!;
      assert.deepEqual(shop.privileges, { authenticated: { usage: true, create: false }, anonymous: { usage: true, create: false } });
      const auth = snap.schemas.find((s) => s.name === 'auth')!;
      assert.equal(auth.privileges.authenticated?.usage, true);
      assert.ok(!snap.schemas.some((s) => s.name === 'pg_catalog' || s.name === 'information_schema'));
      const defaults = snap.defaultPrivileges.find((d) => d.schema === 'shop' && d.objectType === 'tables')!;
      assert.equal(defaults.owner, backend === 'pglite' ? 'postgres' : 'neondb_owner');
      assert.deepEqual(defaults.grants, [
        { grantee: 'anonymous', privileges: ['SELECT'] },
        { grantee: 'authenticated', privileges: ['DELETE', 'INSERT', 'SELECT', 'UPDATE'] },
      ]);
      assert.equal(snap.pgSessionJwt.installed, true);
      assert.equal(snap.roles.authenticated?.name, 'authenticated');
    });

    it('reads Neon\'s raw text values the same as parsed values', async () => {
      const [parsed, raw] = [await introspectDatabase(t.q), await introspectDatabase(t.raw)];
      assert.deepEqual(raw, parsed);
      // The raw adapter really sends text: a boolean column arrives as 't'.
      const { rows } = await t.raw.query('SELECT true AS b, 1 AS n');
      assert.deepEqual(rows[0], { b: 't', n: '1' });
    });

    it('uses the same number of catalog queries for 3 tables or 150 tables with 600 policies', async () => {
      const small = counting(t.q);
      await introspectDatabase(small);
      await t.q.query(`DO $$
        BEGIN
          CREATE SCHEMA bulk;
          FOR i IN 1..150 LOOP
            EXECUTE format('CREATE TABLE bulk.t%s (id int primary key, user_id text, org_id text, note text)', i);
            EXECUTE format('ALTER TABLE bulk.t%s ENABLE ROW LEVEL SECURITY', i);
            EXECUTE format('CREATE POLICY s ON bulk.t%s FOR SELECT TO authenticated USING ((select auth.user_id()) = user_id)', i);
            EXECUTE format('CREATE POLICY i ON bulk.t%s FOR INSERT TO authenticated WITH CHECK ((select auth.user_id()) = user_id)', i);
            EXECUTE format('CREATE POLICY u ON bulk.t%s FOR UPDATE TO authenticated USING ((select auth.user_id()) = user_id)', i);
            EXECUTE format('CREATE POLICY d ON bulk.t%s FOR DELETE TO authenticated USING ((select auth.user_id()) = user_id)', i);
          END LOOP;
        END $$`);
      const big = counting(t.q);
      const snap = await introspectDatabase(big);
      assert.equal(big.count, small.count);
      assert.equal(big.count, 9);
      const bulk = snap.tables.filter((x) => x.schema === 'bulk');
      assert.equal(bulk.length, 150);
      assert.equal(bulk.reduce((n, x) => n + x.policies.length, 0), 600);
      assert.ok(bulk.every((x) => x.rlsEnabled && x.columns.length === 4 && x.primaryKey[0] === 'id'));
      await t.q.query('DROP SCHEMA bulk CASCADE');
    });

    it('says which part failed when a query fails', async () => {
      const broken: Queryable = {
        async query(sql) {
          if (sql.includes('pg_policy')) throw new Error('connection terminated unexpectedly');
          return t.q.query(sql);
        },
      };
      await assert.rejects(introspectDatabase(broken), (e: unknown) => {
        assert.ok(e instanceof IntrospectionError);
        assert.equal(e.concern, 'RLS policies');
        assert.equal(e.message, 'Could not read RLS policies from the database: connection terminated unexpectedly');
        return true;
      });
    });
  });
}
