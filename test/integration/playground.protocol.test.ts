/**
 * Neon's HTTP SQL protocol as the playground's /sql endpoint speaks it, through the unmodified
 * driver and raw HTTP, on both backends.
 */
import assert from 'node:assert/strict';
import { BACKENDS, startTestPlayground, type TestPlayground } from '../support/playgrounds';

for (const backend of BACKENDS) {
  describe(`playground /sql protocol (${backend})`, function () {
    let t: TestPlayground;

    before(async () => {
      t = await startTestPlayground(backend);
      await t.owner.query('CREATE TABLE items (id int primary key, name text unique, done boolean, meta jsonb, at timestamp)');
    });
    after(async () => t?.close());

    function post(body: unknown, headers: Record<string, string> = {}) {
      return fetch(t.playground.fetchEndpoint, {
        method: 'POST',
        headers: { 'Neon-Connection-String': t.playground.ownerUrl, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    }

    it('returns fields with real type OIDs and table/column ids, command and rowCount', async () => {
      const inserted = await t.owner.query(`insert into items values (1, 'a', true, '{"k":1}', '2024-01-02 03:04:05'), (2, '', null, null, null)`, [], { fullResults: true });
      assert.equal(inserted.command, 'INSERT');
      assert.equal(inserted.rowCount, 2);
      const r = await t.owner.query('select id, name, done, meta, at from items order by id', [], { fullResults: true, arrayMode: true });
      assert.equal(r.command, 'SELECT');
      assert.equal(r.rowCount, 2);
      assert.deepEqual(r.fields.map((f) => f.dataTypeID), [23, 25, 16, 3802, 1114]);
      assert.ok(r.fields.every((f) => f.tableID > 0), 'table columns carry their table oid');
      assert.deepEqual(r.fields.map((f) => f.columnID), [1, 2, 3, 4, 5]);
      assert.deepEqual(r.rows, [
        [1, 'a', true, { k: 1 }, new Date('2024-01-02T03:04:05')],
        [2, '', null, null, null],
      ]);
      const created = await t.owner.query('create table other (x int)', [], { fullResults: true });
      assert.equal(created.command, 'CREATE');
      assert.equal(created.rowCount, null);
    });

    it('keeps Postgres text with Neon-Raw-Text-Output, JSON values without it, objects without array mode', async () => {
      const raw = await (await post({ query: 'select 1::int as n, true as b, $1::text as p', params: [null] }, { 'Neon-Raw-Text-Output': 'true', 'Neon-Array-Mode': 'true' })).json();
      assert.deepEqual(raw.rows, [['1', 't', null]]);
      assert.equal(raw.rowAsArray, true);
      const typed = await (await post({ query: 'select 1::int as n, true as b', params: [] })).json();
      assert.deepEqual(typed.rows, [{ n: 1, b: true }]);
      assert.equal(typed.rowAsArray, false);
    });

    it('runs one statement per query, as Neon does', async () => {
      await assert.rejects(t.owner.query('select 1; select 2'), (err: Error & { code?: string }) => err.code === '42601' && /cannot insert multiple commands into a prepared statement/.test(err.message));
    });

    it("resets session state after every request", async () => {
      await t.owner.query("select set_config('app.note', 'kept?', false)");
      const [{ v }] = (await t.owner.query("select current_setting('app.note', true) as v")) as { v: string | null }[];
      assert.ok(v === null || v === '', `the setting survived the request: ${v}`);
      await t.owner.query('create temp table scratch (x int)');
      await assert.rejects(t.owner.query('select * from scratch'), /relation "scratch" does not exist/);
    });

    it('gives Postgres errors with their fields in Neon\'s error body', async () => {
      const res = await post({ query: "insert into items (id, name) values (3, 'a')", params: [] });
      assert.equal(res.status, 400);
      const body = await res.json();
      assert.equal(body.code, '23505');
      assert.equal(body.constraint, 'items_name_key');
      assert.equal(body.table, 'items');
      assert.equal(body.schema, 'public');
      assert.equal(body.severity, 'ERROR');
      assert.match(body.detail, /Key \(name\)=\(a\) already exists/);
      for (const key of ['hint', 'position', 'internalPosition', 'internalQuery', 'where', 'column', 'dataType', 'file', 'line', 'routine']) assert.ok(key in body, key);
    });

    it('runs batches in one transaction with the isolation, read-only and deferrable headers', async () => {
      const [level, ro] = await t.owner.transaction(
        (sql) => [sql`show transaction_isolation`, sql`show transaction_read_only`],
        { isolationLevel: 'Serializable', readOnly: true, deferrable: true },
      );
      assert.deepEqual(level, [{ transaction_isolation: 'serializable' }]);
      assert.deepEqual(ro, [{ transaction_read_only: 'on' }]);
      await assert.rejects(
        t.owner.transaction((sql) => [sql`insert into items (id) values (10)`], { readOnly: true }),
        (err: Error & { code?: string }) => err.code === '25006',
      );
      await assert.rejects(t.owner.transaction((sql) => [sql`insert into items (id) values (11)`, sql`select 1/0`]), /division by zero/);
      assert.deepEqual(await t.owner.query('select count(*)::int as n from items where id in (10, 11)'), [{ n: 0 }]);
    });

    it('answers CORS preflight and sends CORS headers on every response', async () => {
      const pre = await fetch(t.playground.fetchEndpoint, { method: 'OPTIONS', headers: { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'POST' } });
      assert.equal(pre.status, 200);
      assert.equal(pre.headers.get('access-control-allow-origin'), '*');
      assert.match(pre.headers.get('access-control-allow-headers') ?? '', /Neon-Connection-String/);
      const res = await post({ query: 'select 1', params: [] });
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
    });

    it('refuses other paths with "query is not supported"', async () => {
      const res = await fetch(t.playground.fetchEndpoint.replace('/sql', '/other'), { method: 'POST', body: '{}' });
      assert.equal(res.status, 400);
      assert.equal((await res.json()).message, 'query is not supported');
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
    });

    it('refuses a request body over 10 MiB with 413', async () => {
      const res = await post({ query: `select '${'x'.repeat(10 * 1024 * 1024)}'`, params: [] });
      assert.equal(res.status, 413);
    });

    it('refuses a response over 10 MiB with 507', async () => {
      const res = await post({ query: "select repeat('x', 1024 * 1024) from generate_series(1, 11)", params: [] }, { 'Neon-Raw-Text-Output': 'true', 'Neon-Array-Mode': 'true' });
      assert.equal(res.status, 507);
    });

    it('serves the playground JWKS', async () => {
      const jwks = await (await fetch(t.playground.jwksUrl)).json();
      assert.equal(jwks.keys.length, 1);
      assert.equal(jwks.keys[0].alg, 'ES256');
      assert.equal(jwks.keys[0].use, 'sig');
      assert.equal(jwks.keys[0].d, undefined, 'no private part');
    });
  });
}
