/**
 * The run-as-user engine end to end on the playground, on PGlite and on a real PostgreSQL server, with
 * the Authorize guides' todos (alice's two rows, bob's one), personas alice / bob / anonymous, all three
 * paths, write confirmation, and every pain point of docs/rls-pitfalls.md produced for real.
 */
import assert from 'node:assert/strict';
import { SignJWT, generateKeyPair } from 'jose';
import { splitConnectionSecret } from '../../src/core/connections/url';
import { decodeTokenUnverified } from '../../src/core/jwt/decode';
import { generateSigningKey, mintToken } from '../../src/core/jwt/mint';
import { neonConfig } from '@neondatabase/serverless';
import { endpointFor, routeConnectionToEndpoint } from '../../src/core/connections';
import { RunAsUserEngine, type QueryEvent, type RunAsUserOutcome, type RunAsUserRequest, type RunPath, type RunResult, type SideOutcome } from '../../src/core/runAsUser';
import { validateResult } from '../../src/core/runAsUserProtocol/messages';
import { runResponseOf } from '../../src/extension/runAsUser/host';
import { freePort } from '../../src/playground/net';
import { BACKENDS, SEED_SQL, startTestPlayground, type TestPlayground } from '../support/playgrounds';

type Ran = { kind: 'ran' } & RunResult;

function ran(outcome: RunAsUserOutcome): Ran {
  if (outcome.kind !== 'ran') assert.fail(`expected a run, got ${outcome.kind}: ${JSON.stringify(outcome)}`);
  // What the host sends to the webview must pass the protocol's own validator.
  const checked = validateResult('run', runResponseOf(outcome));
  assert.ok(checked.ok, `the outcome is a valid RunResponse: ${!checked.ok && checked.error}`);
  return outcome;
}

function rowsOf(side: SideOutcome | Ran['owner']): (string | null)[][] {
  if (side.kind !== 'rows') assert.fail(`expected rows, got ${JSON.stringify(side)}`);
  return side.result.rows;
}

function errorOf(side: SideOutcome | Ran['owner']) {
  if (side.kind !== 'error') assert.fail(`expected an error, got ${JSON.stringify(side).slice(0, 400)}`);
  return side.error;
}

const PATHS: RunPath[] = ['playground', 'authorize-http', 'self-verified'];

describe('run as user: where the HTTP driver sends each connection', () => {
  const before = neonConfig.fetchEndpoint;
  after(() => {
    neonConfig.fetchEndpoint = before;
  });

  it('Neon hosts keep the cloud endpoint; registered local endpoints and other local hosts go to http://host:port/sql', () => {
    neonConfig.fetchEndpoint = neonConfig.defaults.fetchEndpoint;
    const neonUrl = 'postgresql://authenticated:npg_x@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb?sslmode=require';
    assert.equal(endpointFor(neonUrl, true), 'https://apiauth.us-east-2.aws.neon.tech/sql');
    assert.equal(endpointFor(neonUrl, false), 'https://api.us-east-2.aws.neon.tech/sql');
    routeConnectionToEndpoint('postgresql://neondb_owner:pw@127.0.0.1:5999/neondb', 'http://127.0.0.1:6000/sql');
    assert.equal(endpointFor('postgresql://authenticated:pw@127.0.0.1:5999/neondb', true), 'http://127.0.0.1:6000/sql');
    assert.equal(endpointFor('postgresql://authenticated:pw@localhost:4444/neondb', true), 'http://localhost:4444/sql');
    // Whatever the embedding code configured before stays in charge of hosts nobody registered.
    neonConfig.fetchEndpoint = (host) => `https://proxy.example/${host}`;
    assert.equal(endpointFor(neonUrl, true), 'https://proxy.example/ep-cool-darkness-123456.us-east-2.aws.neon.tech');
    assert.equal(endpointFor('postgresql://authenticated:pw@127.0.0.1:5999/neondb', true), 'http://127.0.0.1:6000/sql');
  });
});

for (const backend of BACKENDS) {
  describe(`run as user (${backend})`, function () {
    let t: TestPlayground;
    let engine: RunAsUserEngine;
    let events: QueryEvent[] = [];
    const requests: { role: string; authenticated: 'jwt' | 'password' }[] = [];
    const secrets: string[] = [];
    const tokens: Record<'alice' | 'bob' | 'anonymous' | 'nosub', string> = { alice: '', bob: '', anonymous: '', nosub: '' };

    /** Every outcome is checked for leaked tokens and passwords. */
    async function run(request: RunAsUserRequest, using: RunAsUserEngine = engine): Promise<RunAsUserOutcome> {
      const outcome = await using.run(request);
      const text = JSON.stringify(outcome);
      for (const secret of [...secrets, ...Object.values(tokens), request.token ?? '']) {
        if (secret) assert.ok(!text.includes(secret), `the outcome must not contain a secret (${secret.slice(0, 6)}…)`);
      }
      return outcome;
    }

    const owner = async (sql: string) => ((await t.owner.query(sql)) as Record<string, unknown>[]);
    const count = async (where = 'true') => Number((await owner(`select count(*)::int as n from todos where ${where}`))[0].n);

    before(async () => {
      t = await startTestPlayground(backend, { onRequest: (e) => requests.push({ role: e.role, authenticated: e.authenticated }) });
      const p = t.playground;
      for (const url of [p.ownerUrl, p.authenticatedUrl, p.anonymousUrl]) secrets.push(splitConnectionSecret(url).password!);
      const target = (url: string) => ({ url, fetchEndpoint: p.fetchEndpoint });
      const urls = { authenticated: target(p.authenticatedUrl), anonymous: target(p.anonymousUrl) };
      engine = new RunAsUserEngine({
        owner: target(p.ownerUrl),
        playground: urls,
        // Neon's Authorize path is the same protocol: pointed at the playground it exercises the same code.
        authorize: urls,
        // The playground's authenticated role logs in with its password; SET ROLE to itself is always allowed.
        selfVerified: { login: target(p.authenticatedUrl), providers: () => p.listProviders() },
        onQuery: (e) => events.push(e),
      });
      tokens.alice = await p.mint({ sub: 'alice' });
      tokens.bob = await p.mint({ sub: 'bob' });
      tokens.anonymous = await p.mint({ role: 'anonymous' });
      tokens.nosub = await p.mint({ role: 'authenticated' });
    });
    after(async () => {
      await engine?.close();
      await t?.close();
    });

    describe('before pg_session_jwt is installed', () => {
      it('explains the missing extension on both sides', async () => {
        const r = ran(await run({ sql: 'select auth.user_id()', path: 'playground', token: tokens.alice }));
        // The app roles come with pg_session_jwt: without it there is no role "authenticated" to log in as
        // (PGlite says so; a real server answers a login to a missing role as a wrong password).
        const user = errorOf(r.user);
        assert.match(user.title, backend === 'pglite' ? /^The role does not exist$/ : /^The database refused the password$/);
        assert.match(user.message, /pg_session_jwt/);
        assert.deepEqual(user.fixes?.map((f) => f.action), ['installPgSessionJwt', 'chooseConnection']);
        const own = errorOf(r.owner);
        assert.equal(own.code, '3F000');
        assert.equal(own.title, 'pg_session_jwt is not installed');
        assert.deepEqual(own.fixes?.map((f) => f.action), ['installPgSessionJwt']);
      });

      it('explains "function auth.user_id() does not exist" when only the schema exists', async () => {
        await owner('create schema auth');
        try {
          const r = ran(await run({ sql: 'select auth.user_id() as uid', path: 'playground', token: tokens.alice }));
          const own = errorOf(r.owner);
          assert.equal(own.code, '42883');
          assert.match(own.message, /^Function auth\.user_id\(\) does not exist: .*CREATE EXTENSION IF NOT EXISTS pg_session_jwt/);
          assert.deepEqual(own.fixes?.map((f) => f.action), ['installPgSessionJwt']);
        } finally {
          await owner('drop schema auth');
        }
      });

      after(async () => {
        for (const statement of SEED_SQL) await owner(statement);
        await owner("insert into todos (task, user_id) values ('buy milk', 'alice'), ('walk dog', 'alice'), ('fix bike', 'bob')");
        // A table with an INSERT policy and no SELECT policy (INSERT … RETURNING then fails).
        await owner('create table notes (id bigint generated by default as identity primary key, user_id text not null default auth.user_id(), body text)');
        await owner('alter table notes enable row level security');
        await owner('create policy "insert own notes" on notes for insert to authenticated with check ((select auth.user_id()) = user_id)');
      });
    });

    describe('reads on every path', () => {
      for (const path of PATHS) {
        it(`${path}: alice sees her two rows; bob's row is marked hidden in the owner's grid`, async () => {
          const r = ran(await run({ sql: 'select id, user_id, task from todos order by id', path, token: tokens.alice }));
          assert.equal(r.path, path);
          assert.equal(r.identityLabel, 'alice (role authenticated)');
          assert.deepEqual(rowsOf(r.user).map((row) => row[1]), ['alice', 'alice']);
          assert.deepEqual(rowsOf(r.owner).map((row) => row[2]), ['buy milk', 'walk dog', 'fix bike']);
          assert.deepEqual(r.hiddenOwnerRows, [2]);
          assert.equal(r.hiddenMatchedBy, 'primary-key');
          assert.ok(r.user.kind === 'rows' && r.owner.kind === 'rows');
          assert.deepEqual(r.owner.result.keyColumns, [0]);
          assert.deepEqual(r.user.result.fields.map((f) => [f.name, f.typeName]), [['id', 'bigint'], ['user_id', 'text'], ['task', 'text']]);
          assert.equal(r.user.result.command, 'SELECT');
          assert.ok(r.notes.some((n) => n.message.startsWith('RLS hid 1 row: the owner sees 3, alice (role authenticated) sees 2')), JSON.stringify(r.notes));
        });

        it(`${path}: bob sees his one row; anonymous sees none and the note says RLS hid them`, async () => {
          const bob = ran(await run({ sql: 'select * from todos order by id', path, token: tokens.bob }));
          assert.deepEqual(rowsOf(bob.user).map((row) => row[2]), ['fix bike']);
          assert.deepEqual(bob.hiddenOwnerRows, [0, 1]);
          const anon = ran(await run({ sql: 'select * from todos order by id', path, token: tokens.anonymous }));
          if (path === 'self-verified') {
            // This fixture's login role is the playground's "authenticated", which is not a member of "anonymous".
            assert.equal(errorOf(anon.user).title, 'The login role cannot switch to "anonymous"');
            assert.match(errorOf(anon.user).message, /GRANT anonymous TO authenticated;/);
            return;
          }
          assert.equal(anon.identityLabel, 'token without sub (role anonymous)');
          assert.deepEqual(rowsOf(anon.user), []);
          assert.deepEqual(anon.hiddenOwnerRows, [0, 1, 2]);
          const hid = anon.notes.find((n) => n.message.startsWith('RLS hid 3 rows'));
          assert.ok(hid, JSON.stringify(anon.notes));
          assert.match(hid.message, /not because there is nothing there/);
          assert.ok(anon.notes.some((n) => /no SELECT policy for role anonymous/.test(n.message)));
        });
      }

      it('anonymous without any token runs on the anonymous URL, with no claims', async () => {
        for (const path of ['playground', 'authorize-http'] as const) {
          const r = ran(await run({ sql: 'select count(*) from todos', path }));
          assert.equal(r.identityLabel, 'no token (role anonymous)');
          assert.deepEqual(rowsOf(r.user), [['0']]);
          assert.deepEqual(rowsOf(r.owner), [['3']]);
          assert.deepEqual(r.hiddenOwnerRows, [0]);
          assert.ok(r.notes.some((n) => /1 of the owner's 1 row differ/.test(n.message)), JSON.stringify(r.notes));
        }
      });

      it('a join is matched by whole row even when it carries a primary key', async () => {
        const r = ran(await run({ sql: 'select a.id, a.task, b.task as other from todos a join todos b on a.user_id = b.user_id order by a.id, b.id', path: 'playground', token: tokens.alice }));
        assert.equal(rowsOf(r.user).length, 4);
        assert.equal(rowsOf(r.owner).length, 5);
        assert.ok(r.owner.kind === 'rows' && r.owner.result.keyColumns === undefined);
        assert.equal(r.hiddenMatchedBy, 'whole-row');
        assert.deepEqual(r.hiddenOwnerRows, [4]);
      });

      it('a token without a role claim runs as authenticated, with a note about the Data API', async () => {
        const noRole = await t.playground.mint({ sub: 'alice', role: '' });
        const r = ran(await run({ sql: 'select count(*) from todos', path: 'self-verified', token: noRole }));
        assert.deepEqual(rowsOf(r.user), [['2']]);
        assert.ok(r.notes.some((n) => /no "role" claim: it ran as role authenticated here, but Neon's Data API refuses/.test(n.message)), JSON.stringify(r.notes));
      });

      it('keeps NULL apart from empty text, and matches by whole row without a primary key', async () => {
        const r = ran(await run({ sql: "select user_id, nullif(task, task) as nothing, '' as empty from todos order by task", path: 'playground', token: tokens.bob }));
        assert.deepEqual(rowsOf(r.user), [['bob', null, '']]);
        assert.equal(r.hiddenMatchedBy, 'whole-row');
        assert.deepEqual(r.hiddenOwnerRows, [0, 2]);
      });

      it('auth.user_id() is the sub on the user side, NULL on the owner\'s, and a token without sub is noted', async () => {
        const r = ran(await run({ sql: 'select auth.user_id() as uid', path: 'self-verified', token: tokens.alice }));
        assert.deepEqual(rowsOf(r.user), [['alice']]);
        assert.deepEqual(rowsOf(r.owner), [[null]]);
        assert.ok(r.notes.some((n) => /owner's view runs without a token: auth.user_id\(\) is NULL/.test(n.message)));
        const nosub = ran(await run({ sql: 'select auth.user_id() as uid', path: 'playground', token: tokens.nosub }));
        assert.deepEqual(rowsOf(nosub.user), [[null]]);
        assert.ok(nosub.notes.some((n) => /auth.user_id\(\) is NULL on the user side: the token has no "sub" claim/.test(n.message)));
      });
    });

    describe('the owner connection never serves the user side', () => {
      it('user-side transactions go to the app role with the token or the claims; the owner only reads', async () => {
        events = [];
        const before = requests.length;
        const r = ran(await run({ sql: 'select user_id from todos', path: 'playground', token: tokens.alice }));
        // A wrong wiring (the owner's executor on the user side) would show bob's row as alice's.
        assert.deepEqual(rowsOf(r.user).map((x) => x[0]).sort(), ['alice', 'alice']);
        assert.equal(rowsOf(r.owner).length, 3);
        const userEvents = events.filter((e) => e.side === 'user');
        const ownerEvents = events.filter((e) => e.side === 'owner');
        assert.equal(userEvents.length, 1);
        assert.match(userEvents[0].connection, /^authenticated@/);
        assert.equal(userEvents[0].withToken, true);
        assert.ok(ownerEvents.length >= 2, 'facts and the owner view');
        for (const e of ownerEvents) {
          assert.match(e.connection, /^neondb_owner@|^[a-z_]+@/);
          assert.equal(e.readOnly, true);
          assert.equal(e.withToken, false);
        }
        // What the endpoint saw: the user's query came as role authenticated with a JWT, never as the owner.
        const seen = requests.slice(before);
        const byJwt = seen.filter((q) => q.authenticated === 'jwt');
        const byPassword = seen.filter((q) => q.authenticated === 'password');
        assert.deepEqual(byJwt.map((q) => q.role), ['authenticated']);
        assert.ok(byPassword.length > 0, `the owner's queries reached the endpoint too: ${JSON.stringify(seen)}`);
        assert.ok(byPassword.every((q) => q.role !== 'authenticated'), JSON.stringify(byPassword));

        events = [];
        ran(await run({ sql: 'select user_id from todos', path: 'self-verified', token: tokens.alice }));
        const sv = events.filter((e) => e.side === 'user');
        assert.equal(sv.length, 1);
        assert.deepEqual(sv[0].statements.slice(0, 2), ["select set_config('request.jwt.claims', $1, true)", 'set local role authenticated']);
        assert.match(sv[0].statements[2], /^DO \$naw_rls_guard\$/);
        assert.equal(sv[0].statements[3], 'select user_id from todos');
      });
    });

    describe('writes', () => {
      it('an INSERT needs confirmation, then runs exactly once, on the user side only', async () => {
        const sql = "insert into todos (task) values ('water plants')";
        const before = await count();
        const asked = await run({ sql, path: 'playground', token: tokens.alice });
        assert.equal(asked.kind, 'confirm-write');
        if (asked.kind !== 'confirm-write') return;
        assert.equal(asked.command, 'INSERT');
        assert.equal(asked.table, 'todos');
        assert.deepEqual(asked.targetTables, ['todos']);
        assert.match(asked.message, /Confirm to run it once, as alice \(role authenticated\), on the user side only/);
        assert.ok(validateResult('run', runResponseOf(asked)).ok);
        assert.equal(await count(), before, 'nothing ran before the confirmation');

        const wrongId = await run({ sql, path: 'playground', token: tokens.alice, confirmationId: 'not-this-one' });
        assert.equal(wrongId.kind, 'confirm-write');
        assert.equal(await count(), before, 'a confirmation for another statement runs nothing');

        events = [];
        const r = ran(await run({ sql, path: 'playground', token: tokens.alice, confirmationId: asked.confirmationId }));
        assert.equal(await count(), before + 1, 'ran once');
        assert.equal(await count("task = 'water plants' and user_id = 'alice'"), 1);
        assert.ok(r.user.kind === 'rows');
        assert.equal(r.user.result.command, 'INSERT');
        assert.equal(r.user.result.rowCount, 1);
        assert.ok(r.owner.kind === 'rows');
        assert.match(r.owner.caption ?? '', /^todos after the INSERT \(owner's view, read only\)$/);
        assert.equal(rowsOf(r.owner).length, before + 1);
        assert.equal(r.hiddenOwnerRows, undefined);
        assert.ok(r.notes.some((n) => n.message === 'INSERT ran once, as alice (role authenticated), on the user side only: 1 row.'));
        const inserts = events.filter((e) => e.statements.some((s) => s === sql));
        assert.deepEqual(inserts.map((e) => e.side), ['user'], 'the INSERT reached the user side once and the owner never');
        const ownerEvents = events.filter((e) => e.side === 'owner');
        assert.ok(ownerEvents.length > 0 && ownerEvents.every((e) => e.readOnly), `the owner side ran read only: ${JSON.stringify(ownerEvents)}`);
        await owner("delete from todos where task = 'water plants'");
      });

      it('self-verified: a confirmed INSERT takes user_id from the verified claims', async () => {
        const r = ran(await run({ sql: "insert into todos (task) values ('self verified') returning user_id", path: 'self-verified', token: tokens.bob, ownerConfirmedOutsidePanel: true }));
        assert.deepEqual(rowsOf(r.user), [['bob']]);
        assert.equal(await count("task = 'self verified' and user_id = 'bob'"), 1);
        await owner("delete from todos where task = 'self verified'");
      });

      it("an UPDATE of bob's row as alice affects 0 rows, and the note says the USING clause hid it", async () => {
        for (const path of ['playground', 'self-verified'] as const) {
          const r = ran(await run({ sql: "update todos set task = 'hacked' where task = 'fix bike'", path, token: tokens.alice, ownerConfirmedOutsidePanel: true }));
          assert.ok(r.user.kind === 'rows');
          assert.equal(r.user.result.rowCount, 0);
          const note = r.notes.find((n) => n.level === 'warning' && n.message.startsWith('UPDATE affected 0 rows'));
          assert.ok(note, JSON.stringify(r.notes));
          assert.match(note.message, /owner's view has 1 row matching its WHERE clause: the USING clause of the UPDATE \(or SELECT\) policy hid it/);
          assert.equal(await count("task = 'fix bike'"), 1);
        }
      });

      it('a DELETE of everyone\'s rows as bob deletes his only, and says how many RLS kept from him', async () => {
        await owner("insert into todos (task, user_id) values ('temp a', 'alice'), ('temp b', 'bob')");
        const r = ran(await run({ sql: "delete from todos where task like 'temp%'", path: 'authorize-http', token: tokens.bob, ownerConfirmedOutsidePanel: true }));
        assert.ok(r.user.kind === 'rows');
        assert.equal(r.user.result.rowCount, 1);
        assert.ok(r.notes.some((n) => n.message === 'DELETE affected 1 of the 2 rows its WHERE clause matches for the owner: the USING clause of the DELETE (or SELECT) policy hid 1 from bob (role authenticated).'), JSON.stringify(r.notes));
        assert.equal(await count("task like 'temp%'"), 1);
        await owner("delete from todos where task like 'temp%'");
      });

      it('an INSERT violating WITH CHECK raises, explained, and changes nothing', async () => {
        const before = await count();
        const r = ran(await run({ sql: "insert into todos (task, user_id) values ('sneaky', 'bob')", path: 'playground', token: tokens.alice, ownerConfirmedOutsidePanel: true }));
        const e = errorOf(r.user);
        assert.equal(e.code, '42501');
        assert.equal(e.title, "The row fails todos's policy check (WITH CHECK)");
        assert.match(e.message, /WITH CHECK expression of "authenticated"'s INSERT policy rejects/);
        assert.deepEqual(e.fixes, [{ action: 'scaffoldPolicies', target: 'todos' }]);
        assert.match((r.owner.kind === 'rows' && r.owner.caption) || '', /^todos unchanged: the INSERT failed/);
        assert.equal(await count(), before);
      });

      it('INSERT … RETURNING without a SELECT policy is explained; without RETURNING it works', async () => {
        for (const path of ['playground', 'self-verified'] as const) {
          const r = ran(await run({ sql: "insert into notes (body) values ('hello') returning id", path, token: tokens.alice, ownerConfirmedOutsidePanel: true }));
          const e = errorOf(r.user);
          assert.equal(e.title, 'INSERT … RETURNING needs a SELECT policy on notes');
          assert.match(e.message, /no SELECT policy lets "authenticated" see rows of notes/);
        }
        const ok = ran(await run({ sql: "insert into notes (body) values ('hello')", path: 'playground', token: tokens.alice, ownerConfirmedOutsidePanel: true }));
        assert.ok(ok.user.kind === 'rows' && ok.user.result.rowCount === 1);
        assert.equal(Number((await owner("select count(*)::int as n from notes where user_id = 'alice'"))[0].n), 1);
      });

      it('a token without sub: auth.user_id() is NULL, so the policy refuses the row', async () => {
        const r = ran(await run({ sql: "insert into todos (task) values ('no sub')", path: 'playground', token: tokens.nosub, ownerConfirmedOutsidePanel: true }));
        const e = errorOf(r.user);
        assert.equal(e.title, 'auth.user_id() is NULL, so the policy refuses the row');
        assert.match(e.message, /the token has no "sub" claim/);
      });

      it('a read that writes through a function is stopped and asked to be confirmed', async () => {
        await owner("create function add_todo(t text) returns bigint language sql as $$ insert into todos (task) values (t) returning id $$");
        const before = await count();
        const asked = await run({ sql: "select add_todo('via function')", path: 'playground', token: tokens.alice });
        assert.equal(asked.kind, 'confirm-write');
        if (asked.kind !== 'confirm-write') return;
        assert.match(asked.message, /looked like a read, but it tried to write/);
        assert.equal(await count(), before);
        const r = ran(await run({ sql: "select add_todo('via function')", path: 'playground', token: tokens.alice, confirmationId: asked.confirmationId }));
        assert.ok(r.user.kind === 'rows');
        assert.equal(r.owner.kind, 'skipped-write');
        assert.equal(await count("task = 'via function' and user_id = 'alice'"), 1);
        await owner("delete from todos where task = 'via function'");
        await owner('drop function add_todo(text)');
      });

      it('DDL runs once on the user side when confirmed', async () => {
        const asked = await run({ sql: 'create table scratch (id int)', path: 'playground', token: tokens.alice });
        assert.equal(asked.kind, 'confirm-write');
        const r = ran(await run({ sql: 'create table scratch (id int)', path: 'playground', token: tokens.alice, ownerConfirmedOutsidePanel: true }));
        // authenticated may not create tables in public: the refusal is explained as a grant problem.
        const e = errorOf(r.user);
        assert.equal(e.code, '42501');
        assert.equal(e.title, 'Missing grant: "authenticated" may not create objects in schema public');
        assert.match(e.message, /run schema changes with the owner connection/);
        assert.equal(r.owner.kind, 'skipped-write');
      });
    });

    describe('missing grants', () => {
      it('permission denied for table', async () => {
        await owner('revoke select on todos from authenticated');
        try {
          for (const path of ['playground', 'self-verified'] as const) {
            const r = ran(await run({ sql: 'select * from todos', path, token: tokens.alice }));
            const e = errorOf(r.user);
            assert.equal(e.code, '42501');
            assert.equal(e.title, 'Missing grant: "authenticated" may not use table todos');
            assert.match(e.message, /GRANT SELECT, INSERT, UPDATE, DELETE ON todos TO authenticated;/);
            assert.deepEqual(e.fixes, [{ action: 'scaffoldGrants', target: 'todos' }]);
            assert.equal(rowsOf(r.owner).length, 3, 'the owner side still shows the rows');
          }
        } finally {
          await owner('grant select on todos to authenticated');
        }
      });

      it('permission denied for schema', async () => {
        await owner('create schema private');
        await owner('create table private.secrets (id int primary key)');
        await owner('grant select on private.secrets to authenticated');
        const r = ran(await run({ sql: 'select * from private.secrets', path: 'playground', token: tokens.alice }));
        const e = errorOf(r.user);
        assert.equal(e.title, 'Missing grant: "authenticated" may not use schema private');
        assert.match(e.message, /GRANT USAGE ON SCHEMA private TO authenticated;/);
        assert.deepEqual(e.fixes?.map((f) => [f.action, f.target]), [['scaffoldGrants', 'private']]);
      });

      it('permission denied for function', async () => {
        await owner("create function current_tenant() returns text language sql as $$ select 'acme' $$");
        await owner('revoke execute on function current_tenant() from public');
        const r = ran(await run({ sql: 'select current_tenant()', path: 'self-verified', token: tokens.alice }));
        const e = errorOf(r.user);
        assert.equal(e.title, 'Missing grant: "authenticated" may not run current_tenant()');
        assert.match(e.message, /GRANT EXECUTE ON FUNCTION current_tenant TO authenticated;/);
        assert.deepEqual(rowsOf(r.owner), [['acme']]);
      });

      it('permission denied for sequence', async () => {
        await owner('create table counters (id serial primary key, n int)');
        const r = ran(await run({ sql: 'insert into counters (n) values (1)', path: 'playground', token: tokens.alice, ownerConfirmedOutsidePanel: true }));
        const e = errorOf(r.user);
        assert.equal(e.title, 'Missing grant: "authenticated" may not use sequence counters_id_seq');
        assert.match(e.message, /GRANT USAGE, SELECT ON SEQUENCE counters_id_seq TO authenticated;/);
        assert.ok(r.notes.length === 0 || r.notes.every((n) => !/ran once/.test(n.message)));
      });
    });

    describe('tokens Neon refuses', () => {
      it('the owner URL with a token: jwk not found, explained as the wrong role', async () => {
        const wrong = new RunAsUserEngine({
          owner: { url: t.playground.ownerUrl, fetchEndpoint: t.playground.fetchEndpoint },
          authorize: { authenticated: { url: t.playground.ownerUrl, fetchEndpoint: t.playground.fetchEndpoint } },
        });
        try {
          const r = ran(await run({ sql: 'select * from todos', path: 'authorize-http', token: tokens.alice }, wrong));
          const e = errorOf(r.user);
          assert.equal(e.title, 'No key for this token: the connection uses role "neondb_owner"');
          assert.match(e.message, /"jwk not found"\. \(1\) The connection's role is "neondb_owner" \(the owner role\)/);
          assert.deepEqual(e.fixes?.map((f) => f.action), ['chooseConnection', 'addProvider']);
          assert.equal(e.detail, 'Neon says: "jwk not found".');
        } finally {
          await wrong.close();
        }
      });

      it('a kid no registered JWKS has, a token without kid, an unsupported algorithm', async () => {
        const stranger = await generateSigningKey('ES256');
        const unknownKid = await mintToken({ privateKey: stranger.privateJwk, kid: 'not-registered', sub: 'alice', role: 'authenticated' });
        const { privateKey } = await generateKeyPair('ES256');
        const noKid = await new SignJWT({ sub: 'alice', role: 'authenticated' }).setProtectedHeader({ alg: 'ES256' }).setExpirationTime('1h').sign(privateKey);
        const kid = decodeTokenUnverified(tokens.alice).header.kid!;
        const hs256 = await new SignJWT({ sub: 'alice', role: 'authenticated' }).setProtectedHeader({ alg: 'HS256', kid }).setExpirationTime('1h').sign(new TextEncoder().encode('a shared secret of thirty-two bytes!'));
        for (const path of ['playground', 'self-verified'] as const) {
          const notFound = errorOf(ran(await run({ sql: 'select 1', path, token: unknownKid })).user);
          assert.equal(notFound.title, 'No key for this token (jwk not found)');
          assert.match(notFound.message, /No JWKS is registered.*"kid" is not in the registered JWKS/);
          assert.deepEqual(notFound.fixes?.map((f) => f.action), ['addProvider', 'chooseConnection']);

          const missingKid = errorOf(ran(await run({ sql: 'select 1', path, token: noKid })).user);
          assert.equal(missingKid.title, 'The token has no key id (kid)');

          const alg = errorOf(ran(await run({ sql: 'select 1', path, token: hs256 })).user);
          assert.equal(alg.title, 'Neon cannot verify this kind of signature');
          assert.match(alg.message, /only ES256 \(P-256 keys\) and RS256/);
        }
      });

      it('expired and not-yet-valid tokens', async () => {
        const expired = await t.playground.mint({ sub: 'alice', expiresIn: '-5m' });
        const future = await t.playground.mint({ sub: 'alice', claims: { nbf: Math.floor(Date.now() / 1000) + 3600 } });
        for (const path of ['playground', 'self-verified'] as const) {
          const e = errorOf(ran(await run({ sql: 'select 1', path, token: expired })).user);
          assert.equal(e.title, 'The token has expired');
          const n = errorOf(ran(await run({ sql: 'select 1', path, token: future })).user);
          assert.equal(n.title, 'The token is not valid yet');
        }
      });

      it('an audience the provider does not accept (self-verified registration with an audience)', async () => {
        const strict = new RunAsUserEngine({
          owner: { url: t.playground.ownerUrl, fetchEndpoint: t.playground.fetchEndpoint },
          selfVerified: {
            login: { url: t.playground.authenticatedUrl, fetchEndpoint: t.playground.fetchEndpoint },
            providers: [{ id: 'p', providerName: 'Playground (audience)', jwksUrl: t.playground.jwksUrl, audience: 'my-app', roleNames: ['authenticated', 'anonymous'] }],
          },
        });
        try {
          const e = errorOf(ran(await run({ sql: 'select 1', path: 'self-verified', token: tokens.alice }, strict)).user);
          assert.equal(e.title, 'The token is for another audience');
          assert.deepEqual(e.fixes?.map((f) => f.action), ['addProvider']);
          const withAud = await t.playground.mint({ sub: 'alice', audience: 'my-app' });
          const r = ran(await run({ sql: 'select count(*) from todos', path: 'self-verified', token: withAud }, strict));
          assert.deepEqual(rowsOf(r.user), [['2']]);
        } finally {
          await strict.close();
        }
      });
    });

    describe('RLS that would not apply is refused (the owner is a false green)', () => {
      it('self-verified logged in as the owner: SET ROLE is refused, with the GRANT to run', async () => {
        const asOwner = new RunAsUserEngine({
          owner: { url: t.playground.ownerUrl, fetchEndpoint: t.playground.fetchEndpoint },
          selfVerified: { login: { url: t.playground.ownerUrl, fetchEndpoint: t.playground.fetchEndpoint }, providers: () => t.playground.listProviders() },
        });
        try {
          const r = ran(await run({ sql: 'select * from todos', path: 'self-verified', token: tokens.alice }, asOwner));
          const e = errorOf(r.user);
          assert.equal(e.title, 'The login role cannot switch to "authenticated"');
          assert.match(e.message, /GRANT authenticated TO neondb_owner;/);
          assert.equal(rowsOf(r.owner).length, 3);
        } finally {
          await asOwner.close();
        }
      });

      it('a view owned by the owner without security_invoker is refused on every path, then shown once fixed', async () => {
        await owner('create view todo_list as select id, task from todos');
        try {
          for (const path of PATHS) {
            const r = ran(await run({ sql: 'select * from todo_list', path, token: tokens.alice }));
            const e = errorOf(r.user);
            assert.equal(e.title, 'Not shown: RLS would not apply to "authenticated"');
            assert.match(e.message, /View public\.todo_list is owned by "neondb_owner" and runs with its owner's rights .* ALTER VIEW public\.todo_list SET \(security_invoker = on\);/);
            assert.equal(rowsOf(r.owner).length, 3);
            assert.equal(r.hiddenOwnerRows, undefined);
          }
          await owner('alter view todo_list set (security_invoker = on)');
          const ok = ran(await run({ sql: 'select * from todo_list', path: 'self-verified', token: tokens.alice }));
          assert.equal(rowsOf(ok.user).length, 2);
        } finally {
          await owner('drop view todo_list');
        }
      });

      it('a table the app role owns is refused (owners skip policies), for reads and writes', async () => {
        // The app role creates its own table (e.g. migrations run as the app role): it then owns it.
        await owner('grant create on schema public to authenticated');
        try {
          const created = ran(await run({ sql: 'create table own_todos (id int primary key, user_id text default auth.user_id())', path: 'self-verified', token: tokens.alice, ownerConfirmedOutsidePanel: true }));
          assert.ok(created.user.kind === 'rows', JSON.stringify(created.user));
          ran(await run({ sql: 'alter table own_todos enable row level security', path: 'self-verified', token: tokens.alice, ownerConfirmedOutsidePanel: true }));
          const alice = await t.as('alice');
          await alice.query("insert into own_todos values (1, 'alice'), (2, 'bob')");
          for (const path of PATHS) {
            const r = ran(await run({ sql: 'select * from own_todos', path, token: tokens.alice }));
            const e = errorOf(r.user);
            assert.equal(e.title, 'Not shown: RLS would not apply to "authenticated"');
            assert.match(e.message, /"authenticated" owns public\.own_todos, and owners skip its policies unless the table has FORCE ROW LEVEL SECURITY/);
            assert.deepEqual(e.fixes?.map((f) => f.action), ['chooseConnection']);
          }
          const w = ran(await run({ sql: 'delete from own_todos', path: 'self-verified', token: tokens.alice, ownerConfirmedOutsidePanel: true }));
          assert.match(errorOf(w.user).title, /^Not shown: RLS would not apply/);
          assert.deepEqual(await alice.query('select count(*)::int as n from own_todos'), [{ n: 2 }], 'the guard aborted the DELETE before it ran');
        } finally {
          const alice = await t.as('alice');
          await alice.query('drop table if exists own_todos');
          await owner('revoke create on schema public from authenticated');
        }
      });
    });

    describe('statements that are refused before anything runs', () => {
      it('several statements, an empty text, a syntax error, transaction control and SET ROLE', async () => {
        const refused = async (sql: string) => {
          const o = await run({ sql, path: 'playground', token: tokens.alice });
          if (o.kind !== 'refused') assert.fail(`expected a refusal for ${sql}`);
          return o.error;
        };
        assert.equal((await refused('select 1; select 2')).title, 'One statement at a time');
        assert.equal((await refused('  -- nothing\n')).title, 'No statement to run');
        assert.match((await refused('selec 1')).message, /syntax error at or near "selec" \(line 1, column 1\)/);
        assert.equal((await refused('begin')).title, 'BEGIN is not needed here');
        assert.equal((await refused('set role neondb_owner')).title, 'SET does not carry over');
      }).timeout(10_000);
    });

    describe('connection errors', () => {
      it('nothing listening: explained, without the password', async () => {
        const port = await freePort(); // free, and nothing listens on it
        const dead = `postgresql://authenticated:s3cret-password@127.0.0.1:${port}/neondb`;
        secrets.push('s3cret-password');
        const broken = new RunAsUserEngine({ playground: { authenticated: { url: dead, fetchEndpoint: `http://127.0.0.1:${port}/sql` } } });
        try {
          const r = ran(await run({ sql: 'select 1', path: 'playground', token: tokens.alice }, broken));
          const e = errorOf(r.user);
          assert.equal(e.title, 'Nothing answered at the database address');
          assert.deepEqual(e.fixes?.map((f) => f.action), ['openPlayground', 'chooseConnection']);
          assert.equal(errorOf(r.owner).title, 'No owner connection');
        } finally {
          await broken.close();
        }
      });
    });
  });
}
