/**
 * The playground under hostile and careless input, through the unmodified driver and plain HTTP,
 * on both backends: nothing a request sends can hang the server, lock other users out, let one
 * user act as another, or outlive the request in the session.
 */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { neon } from '@neondatabase/serverless';
import type { PgliteBackend } from '../../src/playground/backends/pgliteBackend';
import { startPlayground } from '../../src/playground/playground';
import { ensureCliBuilt, runCli, serveCli, stopCli } from '../support/cli';
import { applySeed, BACKENDS, startTestPlayground, type TestPlayground } from '../support/playgrounds';

/** Neon's answer when a statement starts the COPY sub-protocol (its driver cannot take part in it). */
const NEON_COPY_ANSWER = 'unexpected message from server';

type Sql = ReturnType<typeof neon>;

const STATEMENT_TIMEOUT_MS = 3_000;
const STATEMENT_TIMEOUT_MESSAGE = 'canceling statement due to statement timeout';

async function rejection(work: Promise<unknown>): Promise<Error & { code?: string; hint?: string }> {
  try {
    await work;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('the request succeeded');
}

for (const backend of BACKENDS) {
  describe(`playground under hostile input (${backend})`, function () {
    let t: TestPlayground;

    before(async () => {
      t = await startTestPlayground(backend);
      await applySeed(t.owner);
      await t.owner.query("insert into todos (user_id, task) values ('alice', 'a1'), ('bob', 'b1')");
      // Granted to the app roles by the seed's default privileges; no RLS.
      await t.owner.query('create table notes (body text)');
    });
    after(async () => t?.close());

    /** A raw request to /sql; fails after 20 s rather than waiting for an answer that never comes. */
    async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
      const res = await fetch(t.playground.fetchEndpoint, {
        method: 'POST',
        headers: { 'Neon-Connection-String': url, ...headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    }

    /** Everyone still gets their own answer, with the defaults. */
    async function everyoneStillWorks(): Promise<void> {
      const alice = await t.as('alice');
      const bob = await t.as('bob');
      assert.deepEqual(await alice.query('select user_id, task from todos order by id'), [{ user_id: 'alice', task: 'a1' }]);
      assert.deepEqual(await bob.query('select user_id, task from todos order by id'), [{ user_id: 'bob', task: 'b1' }]);
      const [{ n }] = (await t.owner.query('select count(*)::int as n from todos')) as { n: number }[];
      assert.ok(n >= 2, `the owner counts ${n} todos`);
      const jwks = await fetch(t.playground.jwksUrl, { signal: AbortSignal.timeout(20_000) });
      assert.equal(jwks.status, 200);
    }

    describe('COPY … FROM STDIN / TO STDOUT get Neon\'s answer and never hang', () => {
      it('a batch as anonymous: create temp table, then COPY FROM STDIN', async () => {
        const anonymous = await t.as(null);
        const err = await rejection(anonymous.transaction([anonymous.query('create temp table x (a int)'), anonymous.query('copy x from stdin')]));
        assert.equal(err.message, NEON_COPY_ANSWER);
        await everyoneStillWorks();
      });

      it('a single COPY FROM STDIN on a granted table, through the driver and plain HTTP', async () => {
        const alice = await t.as('alice');
        assert.equal((await rejection(alice.query('copy notes from stdin'))).message, NEON_COPY_ANSWER);
        const token = await t.playground.mint({ sub: 'alice' });
        const raw = await post(t.playground.authenticatedUrl, { query: 'copy notes (body) from stdin', params: [] }, { Authorization: `Bearer ${token}` });
        assert.equal(raw.status, 400);
        assert.equal(raw.body.message, NEON_COPY_ANSWER);
        assert.equal(raw.body.code, '');
        const batch = await post(t.playground.ownerUrl, { queries: [{ query: "insert into notes values ('n1')", params: [] }, { query: 'copy todos from stdin', params: [] }] });
        assert.equal(batch.status, 400);
        assert.equal(batch.body.message, NEON_COPY_ANSWER);
        assert.deepEqual(await t.owner.query('select count(*)::int as n from notes'), [{ n: 0 }]);
        await everyoneStillWorks();
      });

      it('Postgres refuses some COPY before it starts: that error is the answer, as on Neon', async () => {
        const alice = await t.as('alice');
        const err = await rejection(alice.transaction([alice.query('select 1'), alice.query('copy todos (task) from stdin')]));
        assert.equal(err.code, '0A000');
        assert.equal(err.message, 'COPY FROM not supported with row-level security');
        await everyoneStillWorks();
      });

      it('COPY TO STDOUT, single and in a batch (whose writes are rolled back)', async () => {
        assert.equal((await rejection(t.owner.query('copy todos to stdout'))).message, NEON_COPY_ANSWER);
        const raw = await post(t.playground.ownerUrl, { query: 'copy (select 1) to stdout', params: [] });
        assert.equal(raw.status, 400);
        assert.equal(raw.body.message, NEON_COPY_ANSWER);
        const err = await rejection(t.owner.transaction([t.owner.query("insert into todos (user_id, task) values ('carol', 'c1')"), t.owner.query('copy todos to stdout')]));
        assert.equal(err.message, NEON_COPY_ANSWER);
        assert.deepEqual(await t.owner.query("select count(*)::int as n from todos where user_id = 'carol'"), [{ n: 0 }]);
        await everyoneStillWorks();
      });
    });

    describe('every session setting a request changes is undone after it', () => {
      /** What a request sees of its session: every visible setting, and who it runs as. */
      async function sessionState(sql: Sql): Promise<unknown> {
        const [settings, who] = await sql.transaction([
          // Placeholders of custom settings stay defined but empty after a reset, on Postgres as on Neon.
          sql.query("select name, setting from pg_settings where name not in ('transaction_read_only', 'transaction_isolation', 'transaction_deferrable') and not (name like '%.%' and setting = '') order by name"),
          sql.query('select current_user, session_user'),
        ]);
        return { settings, who };
      }

      let baseline: { alice: unknown; owner: unknown };
      before(async () => {
        await t.owner.query('CREATE ROLE naw_helper NOLOGIN');
        await t.owner.query('GRANT naw_helper TO neondb_owner');
        baseline = { alice: await sessionState(await t.as('alice')), owner: await sessionState(t.owner) };
      });

      const changes: { name: string; sql: string[]; as: 'alice' | 'owner' }[] = [
        { name: 'SET default_transaction_read_only = on', sql: ['SET default_transaction_read_only = on'], as: 'alice' },
        { name: 'SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY', sql: ['SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY'], as: 'alice' },
        { name: 'both, as the owner', sql: ['SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY', 'SET default_transaction_read_only = on'], as: 'owner' },
        { name: 'isolation and deferrable defaults', sql: ['SET default_transaction_isolation = serializable', 'SET default_transaction_deferrable = on'], as: 'alice' },
        { name: 'search_path', sql: ['SET search_path = nowhere'], as: 'owner' },
        { name: 'statement_timeout and lock_timeout', sql: ["SET statement_timeout = '1ms'", "SET lock_timeout = '1ms'"], as: 'alice' },
        { name: 'SET ROLE', sql: ['SET ROLE naw_helper'], as: 'owner' },
        { name: 'set_config of custom and built-in settings', sql: ["select set_config('work_mem', '64kB', false)", "select set_config('app.x', 'y', false)"], as: 'alice' },
      ];

      for (const change of changes) {
        for (const shape of ['single', 'batch'] as const) {
          it(`${change.name} (${shape}, as ${change.as})`, async () => {
            const sql = change.as === 'alice' ? await t.as('alice') : t.owner;
            if (shape === 'single') for (const s of change.sql) await sql.query(s);
            else await sql.transaction(change.sql.map((s) => sql.query(s)));
            await everyoneStillWorks();
            assert.deepEqual(await sessionState(await t.as('alice')), baseline.alice);
            assert.deepEqual(await sessionState(t.owner), baseline.owner);
          });
        }
      }
    });

    describe('settings an app role stores for itself apply to its later requests, alike on both backends', () => {
      it('ALTER ROLE authenticated SET …: bob gets it on his next request, the owner does not; RESET takes it back', async () => {
        const alice = await t.as('alice');
        await alice.query("ALTER ROLE authenticated SET work_mem = '77kB'");
        try {
          assert.deepEqual(await (await t.as('bob')).query('show work_mem'), [{ work_mem: '77kB' }]);
          assert.notDeepEqual(await t.owner.query('show work_mem'), [{ work_mem: '77kB' }]);
        } finally {
          await alice.query('ALTER ROLE authenticated RESET work_mem');
        }
        assert.notDeepEqual(await (await t.as('bob')).query('show work_mem'), [{ work_mem: '77kB' }]);
      });

      it('a stored session_authorization or role never changes who the session is', async () => {
        const alice = await t.as('alice');
        // Whether Postgres lets these be stored or not, they must not apply.
        await alice.query("ALTER ROLE authenticated SET session_authorization = 'neondb_owner'").catch(() => undefined);
        await alice.query("ALTER ROLE authenticated SET role = 'neondb_owner'").catch(() => undefined);
        try {
          assert.deepEqual(await (await t.as('bob')).query('select current_user, session_user, auth.user_id() as uid'), [{ current_user: 'authenticated', session_user: 'authenticated', uid: 'bob' }]);
        } finally {
          await alice.query('ALTER ROLE authenticated RESET ALL');
        }
      });
    });
  });
}

for (const backend of BACKENDS) {
  describe(`playground: runaway statements (${backend}, statement timeout ${STATEMENT_TIMEOUT_MS} ms)`, function () {
    let t: TestPlayground;

    before(async () => {
      t = await startTestPlayground(backend, { statementTimeoutMs: STATEMENT_TIMEOUT_MS });
      await applySeed(t.owner);
      await t.owner.query('create table notes (body text)');
    });
    after(async () => t?.close());

    /** Resolves with how long the work took (ms) and its error, if any. */
    async function timed(work: Promise<unknown>): Promise<{ ms: number; error?: Error & { code?: string; hint?: string } }> {
      const started = performance.now();
      try {
        await work;
        return { ms: performance.now() - started };
      } catch (err) {
        return { ms: performance.now() - started, error: err as Error & { code?: string } };
      }
    }

    const runaways = [
      { name: 'pg_sleep(30)', sql: 'select pg_sleep(30)' },
      { name: 'a count over ten billion rows', sql: 'select count(*) from generate_series(1, 10000000000)' },
      { name: 'a string_agg building a gigabyte', sql: "select length(string_agg(repeat('x', 1000), '')) from generate_series(1, 1000000)" },
    ];
    for (const runaway of runaways) {
      it(`${runaway.name}: cancelled after the timeout with Postgres's error; bob is answered meanwhile or right after`, async () => {
        const alice = await t.as('alice');
        const bob = await t.as('bob');
        const stopped = timed(alice.query(runaway.sql));
        await new Promise((resolve) => setTimeout(resolve, 200));
        const answered = await timed(bob.query('select auth.user_id() as uid'));
        const { ms, error } = await stopped;
        assert.equal(error?.code, '57014', `the runaway ended with ${error?.message ?? 'success'} after ${Math.round(ms)} ms`);
        assert.equal(error?.message, STATEMENT_TIMEOUT_MESSAGE);
        assert.match(error?.hint ?? '', /--statement-timeout/);
        assert.ok(ms < STATEMENT_TIMEOUT_MS + 2_500, `stopped after ${Math.round(ms)} ms`);
        assert.equal(answered.error, undefined);
        assert.ok(answered.ms < STATEMENT_TIMEOUT_MS + 2_500, `bob waited ${Math.round(answered.ms)} ms`);
      });
    }

    it('the HTTP thread keeps answering while a statement runs (JWKS route, no database)', async () => {
      const alice = await t.as('alice');
      const stopped = timed(alice.query('select count(*) from generate_series(1, 10000000000)'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const jwks = await timed(fetch(t.playground.jwksUrl, { signal: AbortSignal.timeout(10_000) }));
      assert.equal(jwks.error, undefined);
      assert.ok(jwks.ms < 1_000, `the JWKS took ${Math.round(jwks.ms)} ms while the statement ran`);
      assert.equal((await stopped).error?.code, '57014');
    });

    it('nothing committed is lost when a runaway is stopped; its own writes are rolled back', async () => {
      for (let i = 0; i < 20; i++) await t.owner.query('insert into notes values ($1)', [`kept ${i}`]);
      const batch = timed(t.owner.transaction([t.owner.query("insert into notes values ('rolled back')"), t.owner.query('select pg_sleep(30)')]));
      assert.equal((await batch).error?.code, '57014');
      assert.deepEqual(await t.owner.query("select count(*) filter (where body like 'kept %')::int as kept, count(*) filter (where body = 'rolled back')::int as lost from notes"), [{ kept: 20, lost: 0 }]);
    });

    it("a client that goes away (the panel's Cancel) stops its statement", async () => {
      const token = await t.playground.mint({ sub: 'alice' });
      const controller = new AbortController();
      const running = fetch(t.playground.fetchEndpoint, {
        method: 'POST',
        headers: { 'Neon-Connection-String': t.playground.authenticatedUrl, Authorization: `Bearer ${token}` },
        // Writes a row after 2 s, unless it is stopped before.
        body: JSON.stringify({ query: "insert into notes select 'too late' from pg_sleep(2)", params: [] }),
        signal: controller.signal,
      }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 400));
      controller.abort();
      await running;
      // Stopped at once: the next request does not wait for the 2 s (on PGlite it would queue behind it).
      const next = await timed(t.owner.query('select 1'));
      assert.ok(next.ms < 1_500, `the next request waited ${Math.round(next.ms)} ms`);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      assert.deepEqual(await t.owner.query("select count(*)::int as n from notes where body = 'too late'"), [{ n: 0 }]);
    });

    if (backend === 'pglite') {
      it('when the database worker dies, the database opens again from its folder with every committed row', async () => {
        await t.owner.query("insert into notes values ('before the crash')");
        const worker = (t.playground.backend as unknown as { worker: { terminate(): Promise<number> } }).worker;
        await worker.terminate();
        assert.deepEqual(await t.owner.query("select count(*)::int as n from notes where body = 'before the crash'"), [{ n: 1 }]);
        assert.ok((t.playground.backend as PgliteBackend).restarts >= 1);
        const alice = await t.as('alice');
        assert.deepEqual(await alice.query('select auth.user_id() as uid'), [{ uid: 'alice' }]);
      });
    }
  });

  describe(`playground: keep-alive connections during a long statement (${backend})`, function () {
    let t: TestPlayground;

    before(async () => {
      t = await startTestPlayground(backend);
    });
    after(async () => t?.close());

    /** POSTs a query through the agent; resolves with the status and body. */
    function post(agent: Agent, query: string): Promise<{ status: number; body: string }> {
      const url = new URL(t.playground.fetchEndpoint);
      return new Promise((resolve, reject) => {
        const req = httpRequest(
          { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'Neon-Connection-String': t.playground.ownerUrl, 'Content-Type': 'application/json' } },
          (res) => {
            let body = '';
            res.on('data', (chunk) => (body += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ query, params: [] }));
      });
    }

    it('a request sent on an idle kept-alive socket while another request runs 7 s gets its answer', async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 2 });
      try {
        // Two sockets, both idle and kept alive.
        await Promise.all([post(agent, 'select 1'), post(agent, 'select 2')]);
        const long = post(agent, 'select pg_sleep(7)');
        // The other socket has been idle 4 s (less than the server's keep-alive time-out) when it is used.
        await new Promise((resolve) => setTimeout(resolve, 4_000));
        const next = await post(agent, 'select 3 as n');
        assert.equal(next.status, 200, next.body);
        assert.equal((await long).status, 200);
      } finally {
        agent.destroy();
      }
    });
  });
}

for (const backend of BACKENDS) {
  describe(`playground: malformed request bodies get a 400 that says what is wrong (${backend})`, function () {
    let t: TestPlayground;

    before(async () => {
      t = await startTestPlayground(backend);
    });
    after(async () => t?.close());

    async function postRaw(body: string | Buffer): Promise<{ status: number; body: Record<string, unknown> }> {
      const res = await fetch(t.playground.fetchEndpoint, { method: 'POST', headers: { 'Neon-Connection-String': t.playground.ownerUrl }, body: typeof body === 'string' ? body : new Uint8Array(body), signal: AbortSignal.timeout(30_000) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    }

    it('a parameter nested 100,000 levels deep', async () => {
      const deep = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
      const res = await postRaw(`{"query":"select $1::text","params":[${deep}]}`);
      assert.equal(res.status, 400);
      assert.equal(res.body.message, 'could not parse the HTTP request body: recursion limit exceeded (parameter $1 is nested more than 128 levels deep)');
    });

    it('70,000 parameters: Neon\'s answer, with what to do; 32,767 still reach Postgres', async () => {
      const many = await postRaw(JSON.stringify({ query: 'select 1', params: Array.from({ length: 70_000 }, (_, i) => String(i)) }));
      assert.equal(many.status, 400);
      assert.equal(many.body.message, 'error encoding message to server: value too large to transmit');
      assert.match(String(many.body.hint), /70000 parameters.*at most 32767/);
      const most = await postRaw(JSON.stringify({ query: 'select $1::int as n', params: Array.from({ length: 32_767 }, (_, i) => String(i)) }));
      assert.equal(most.status, 400);
      assert.equal(most.body.code, '08P01');
      assert.match(String(most.body.message), /bind message supplies 32767 parameters, but prepared statement "" requires 1/);
    });

    it('invalid UTF-8 in the query is refused, not replaced', async () => {
      const body = Buffer.concat([Buffer.from('{"query":"select \'a'), Buffer.from([0xff, 0xfe]), Buffer.from('b\' as x","params":[]}')]);
      const res = await postRaw(body);
      assert.equal(res.status, 400);
      assert.equal(res.body.message, 'could not parse the HTTP request body: invalid UTF-8');
      assert.equal(res.body.code, '');
    });
  });
}

describe('playground data folders are their owner\'s only', function () {
  let parent: string;
  before(() => {
    parent = mkdtempSync(join(tmpdir(), 'naw-perm-'));
  });
  after(() => rmSync(parent, { recursive: true, force: true }));

  /** Everything under root whose mode lets anyone but its owner in. */
  function openToOthers(root: string): string[] {
    const found: string[] = [];
    const walk = (path: string) => {
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) return;
      const mode = stat.mode & 0o777;
      if (stat.isDirectory()) {
        if (mode !== 0o700) found.push(`${path} ${mode.toString(8)}`);
        for (const name of readdirSync(path)) walk(join(path, name));
      } else if (mode !== 0o600) found.push(`${path} ${mode.toString(8)}`);
    };
    walk(root);
    return found;
  }

  it('--data: folders 0700 and files 0600, also what the database writes later and after a restart', async () => {
    const dataDir = join(parent, 'data');
    for (let run = 0; run < 2; run++) {
      const playground = await startPlayground({ dataDir, port: 0 });
      try {
        const owner = neon(playground.ownerUrl);
        await owner.query(`create table t${run} (id int primary key, body text)`);
        await owner.query(`insert into t${run} select i, repeat('x', 100) from generate_series(1, 1000) i`);
        assert.deepEqual(openToOthers(dataDir), []);
      } finally {
        await playground.close();
      }
      assert.deepEqual(openToOthers(dataDir), []);
    }
  });

  it('--memory: the temporary folder is private while it runs and gone after close', async () => {
    const playground = await startPlayground({ dataDir: join(parent, 'memory'), memory: true, port: 0 });
    const folder = (playground.backend as PgliteBackend).dataDir;
    try {
      await neon(playground.ownerUrl).query('create table t (a int)');
      assert.deepEqual(openToOthers(folder), []);
      assert.deepEqual(openToOthers(join(parent, 'memory')), []);
    } finally {
      await playground.close();
    }
    assert.equal(existsSync(folder), false);
  });
});

describe('naw: careless command lines', function () {
  before(function () {
    this.timeout(120_000);
    ensureCliBuilt();
  });

  /** stderr of a failed run: exactly one line, and a non-zero exit. */
  function oneLineFailure(args: string[]): string {
    const started = performance.now();
    const r = runCli(args);
    const ms = Math.round(performance.now() - started);
    // Not killed by runCli's time-out: it exits by itself, at once.
    assert.ok(r.signal === null && typeof r.status === 'number' && r.status !== 0 && ms < 30_000, `exit ${r.status} (signal ${r.signal}) after ${ms} ms: ${r.stdout}${r.stderr}`);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `stderr has ${lines.length} lines:\n${r.stderr}`);
    return lines[0];
  }

  it('--port -1 and other mistakes: one line each, exit 2', () => {
    assert.match(oneLineFailure(['serve', '--port', '-1']), /--port/);
    assert.match(oneLineFailure(['serve', '--port=-1']), /--port "-1" is not a port number/);
    assert.match(oneLineFailure(['serve', '--statement-timeout', 'soon']), /--statement-timeout "soon" is not a duration/);
    assert.match(oneLineFailure(['serve', '--bogus']), /--bogus/);
    assert.match(oneLineFailure(['mint']), /--sub/);
  });

  if (existsSync('/proc/self')) {
    for (const command of [['serve', '--memory', '--port', '0'], ['mint', '--sub', 'alice']]) {
      it(`naw ${command[0]} --data /proc/x: one clear line, exit 1, at once`, () => {
        const line = oneLineFailure([...command, '--data', '/proc/x']);
        assert.match(line, /^naw: Cannot create the (data|key) folder \/proc\/x/);
      });
    }
  }

  it('--statement-timeout 1s: naw serve cancels a longer request', async () => {
    const { child, firstLine } = await serveCli(['--memory', '--port', '0', '--json', '--statement-timeout', '1s', '--data', mkdtempSync(join(tmpdir(), 'naw-cli-'))]);
    try {
      const urls = JSON.parse(firstLine) as { ownerUrl: string; fetchEndpoint: string };
      const started = performance.now();
      const res = await fetch(urls.fetchEndpoint, { method: 'POST', headers: { 'Neon-Connection-String': urls.ownerUrl }, body: JSON.stringify({ query: 'select pg_sleep(20)', params: [] }) });
      const body = (await res.json()) as Record<string, string>;
      assert.equal(res.status, 400);
      assert.deepEqual({ code: body.code, message: body.message }, { code: '57014', message: STATEMENT_TIMEOUT_MESSAGE });
      assert.match(body.hint, /longer than 1 s/);
      assert.ok(performance.now() - started < 5_000, `answered after ${Math.round(performance.now() - started)} ms`);
    } finally {
      await stopCli(child);
    }
  });
});
