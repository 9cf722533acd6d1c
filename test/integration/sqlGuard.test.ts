import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { loadSqlParser, parseSql } from '../../src/core/sql/parser';
import { loadSqlGuard, type GuardVerdict, type SqlGuard } from '../../src/playground/sqlGuard';
import { startManagedPostgres, type ManagedPostgres } from '../support/managedPostgres';
import { escapeAttempts } from '../unit/sqlEscapeCorpus';

const asRole = (role: string, inTransactionBlock = false) => ({ role, inTransactionBlock });

const deniedPostgres: GuardVerdict = { kind: 'refuse', error: { code: '42501', message: 'permission denied to set session authorization "postgres"' } };
const jwkCannotBeSet: GuardVerdict = { kind: 'refuse', error: { code: '55P02', message: 'parameter "pg_session_jwt.jwk" cannot be set after connection start' } };
const playground = (message: string): GuardVerdict => ({ kind: 'refuse', error: { code: '0A000', message } });
const noop = (command: string): GuardVerdict => ({ kind: 'noop', command });

/**
 * How real PostgreSQL 18 answers the same statement from a non-superuser login role (the owner):
 * `same` - exactly the guard's verdict (the same error, or success with the same command tag);
 * `after` - accepts it now (it is stored code) and running these statements next gives exactly
 *           the guard's error; `differs` - why it answers otherwise.
 */
type RealPostgres = { same: true } | { after: string[] } | { differs: string };
const same: RealPostgres = { same: true };
const afterRunning = (...statements: string[]): RealPostgres => ({ after: statements });
const differs = (why: string): RealPostgres => ({ differs: why });

/** The guard's verdict as role "authenticated", for each attempt of the exported corpus. */
const expected: Record<string, { verdict: GuardVerdict; realPostgres: RealPostgres }> = {
  'SET SESSION AUTHORIZATION postgres': { verdict: deniedPostgres, realPostgres: same },
  'string literal role name': { verdict: deniedPostgres, realPostgres: same },
  'mixed-case keywords': { verdict: deniedPostgres, realPostgres: same },
  'comments between keywords': { verdict: deniedPostgres, realPostgres: same },
  'generic SET of the quoted GUC': { verdict: deniedPostgres, realPostgres: same },
  'generic SET of the upper-case quoted GUC': { verdict: deniedPostgres, realPostgres: same },
  'SET LOCAL SESSION AUTHORIZATION': { verdict: deniedPostgres, realPostgres: same },
  'RESET SESSION AUTHORIZATION': { verdict: noop('RESET'), realPostgres: same },
  'SET SESSION AUTHORIZATION DEFAULT': { verdict: noop('SET'), realPostgres: same },
  'RESET of the GUC by name': { verdict: noop('RESET'), realPostgres: same },
  'SET the GUC TO DEFAULT': { verdict: noop('SET'), realPostgres: same },
  'DISCARD ALL': { verdict: noop('DISCARD'), realPostgres: same },
  'set_config in SELECT': { verdict: deniedPostgres, realPostgres: same },
  'pg_catalog.set_config, upper-case GUC name': { verdict: deniedPostgres, realPostgres: same },
  'set_config in a subquery': { verdict: deniedPostgres, realPostgres: same },
  'set_config in a CTE': { verdict: deniedPostgres, realPostgres: same },
  'set_config in VALUES': { verdict: deniedPostgres, realPostgres: same },
  'set_config in ORDER BY': { verdict: deniedPostgres, realPostgres: same },
  'set_config in FROM (table function)': { verdict: deniedPostgres, realPostgres: same },
  'set_config under EXPLAIN ANALYZE': { verdict: deniedPostgres, realPostgres: same },
  'GUC name from concatenated constants': { verdict: deniedPostgres, realPostgres: same },
  'GUC name in an E-string escape': { verdict: deniedPostgres, realPostgres: same },
  'GUC name in a Unicode escape': { verdict: deniedPostgres, realPostgres: same },
  'GUC name in a dollar quote after a comment': { verdict: deniedPostgres, realPostgres: same },
  'quoted function name': { verdict: deniedPostgres, realPostgres: same },
  'function name as a Unicode-escaped identifier': { verdict: deniedPostgres, realPostgres: same },
  'GUC name computed at run time': {
    verdict: playground('the embedded playground cannot check set_config() with a setting name computed at run time for role "authenticated"'),
    realPostgres: differs('Postgres computes the name at run time, then refuses with 42501'),
  },
  'set_config resetting to NULL': {
    verdict: playground('the embedded playground does not let role "authenticated" change session_authorization with set_config()'),
    realPostgres: differs('a no-op for a non-superuser; PGlite resets to a different value (its login user is the superuser)'),
  },
  'set_config inside PREPARE': { verdict: deniedPostgres, realPostgres: afterRunning('EXECUTE escape_prepared') },
  'set_config in a temp view': { verdict: deniedPostgres, realPostgres: afterRunning('SELECT * FROM escape_view') },
  'set_config in a column default': { verdict: deniedPostgres, realPostgres: afterRunning('INSERT INTO escape_table DEFAULT VALUES') },
  'set_config in a policy': { verdict: deniedPostgres, realPostgres: afterRunning('SET ROLE authenticated', 'SELECT * FROM todos') },
  'set_config in a rule action': { verdict: deniedPostgres, realPostgres: afterRunning("INSERT INTO todos (user_id, task) VALUES ('u1', 'rule fires')") },
  'query_to_xml running set_config': { verdict: deniedPostgres, realPostgres: same },
  'ts_stat running set_config': { verdict: deniedPostgres, realPostgres: same },
  'ts_rewrite running set_config': { verdict: deniedPostgres, realPostgres: same },
  'query_to_xml with a computed query': {
    verdict: playground('the embedded playground cannot check a query computed at run time and passed to query_to_xml() for role "authenticated"'),
    realPostgres: differs('Postgres builds the query at run time, then refuses with 42501'),
  },
  'DO with PERFORM set_config': { verdict: deniedPostgres, realPostgres: same },
  'DO with SET SESSION AUTHORIZATION': { verdict: deniedPostgres, realPostgres: same },
  'DO with RESET SESSION AUTHORIZATION': {
    verdict: playground('the embedded playground does not run SET or RESET SESSION AUTHORIZATION inside functions, DO blocks or dynamic SQL for role "authenticated"'),
    realPostgres: differs('a no-op for a non-superuser'),
  },
  'DO with EXECUTE of a constant': { verdict: deniedPostgres, realPostgres: same },
  'DO with EXECUTE of concatenated constants': { verdict: deniedPostgres, realPostgres: same },
  'DO with EXECUTE of a variable': {
    verdict: playground('the embedded playground cannot check dynamic SQL (EXECUTE of a string built at run time) for role "authenticated"'),
    realPostgres: differs('Postgres builds the SQL at run time, then refuses with 42501'),
  },
  'DO with EXECUTE format()': {
    verdict: playground('the embedded playground cannot check dynamic SQL (EXECUTE of a string built at run time) for role "authenticated"'),
    realPostgres: differs('Postgres builds the SQL at run time, then refuses with 42501'),
  },
  'DO with OPEN ... FOR EXECUTE': { verdict: deniedPostgres, realPostgres: same },
  'DO with set_config in a DECLARE default': { verdict: deniedPostgres, realPostgres: same },
  'DO with set_config in an assignment subscript': { verdict: deniedPostgres, realPostgres: same },
  'DO nested in EXECUTE in DO': { verdict: deniedPostgres, realPostgres: same },
  'DO that PL/pgSQL-parses only with the catalog, calling set_config': {
    verdict: playground('the embedded playground could not check this DO block before running it as role "authenticated"'),
    realPostgres: differs('Postgres reads the row type from the catalog, runs the block, then refuses with 42501'),
  },
  'pg_temp SQL function calling set_config': { verdict: deniedPostgres, realPostgres: afterRunning('SELECT pg_temp.escape_sql()') },
  'BEGIN ATOMIC function calling set_config': { verdict: deniedPostgres, realPostgres: afterRunning('SELECT pg_temp.escape_atomic()') },
  'PL/pgSQL function with EXECUTE of a constant': { verdict: deniedPostgres, realPostgres: afterRunning('SELECT pg_temp.escape_plpgsql()') },
  'PL/pgSQL function with EXECUTE of a concatenation': {
    verdict: playground('the embedded playground cannot check dynamic SQL (EXECUTE of a string built at run time) for role "authenticated"'),
    realPostgres: differs('Postgres creates it; calling it with \'postgres\' is refused with 42501'),
  },
  'procedure with SET SESSION AUTHORIZATION': { verdict: deniedPostgres, realPostgres: afterRunning('CALL pg_temp.escape_procedure()') },
  'function SET clause': { verdict: deniedPostgres, realPostgres: same },
  'function SET clause FROM CURRENT': {
    verdict: playground('the embedded playground does not let role "authenticated" create or alter functions that SET session_authorization'),
    realPostgres: differs('Postgres accepts it: the function sets the session user to its creator, which fails when another role calls it'),
  },
  'ALTER FUNCTION ... SET': { verdict: deniedPostgres, realPostgres: afterRunning('SELECT auth.user_id()') },
  'SQL function with a computed GUC name': {
    verdict: playground('the embedded playground cannot check set_config() with a setting name computed at run time for role "authenticated"'),
    realPostgres: differs('Postgres creates it; calling it with session_authorization is refused with 42501'),
  },
  'function body in an E-string with escapes': { verdict: deniedPostgres, realPostgres: afterRunning('SELECT pg_temp.escape_escaped()') },
  'aggregate whose state function is set_config': {
    verdict: playground('the embedded playground does not let role "authenticated" use set_config() other than by calling it directly'),
    realPostgres: differs('Postgres creates it; aggregating \'postgres\' with it is refused with 42501'),
  },
  'SET pg_session_jwt.jwk': { verdict: jwkCannotBeSet, realPostgres: differs('stock Postgres has no pg_session_jwt (see the backend-only stand-in test)') },
  'RESET pg_session_jwt.jwk': { verdict: jwkCannotBeSet, realPostgres: differs('stock Postgres has no pg_session_jwt (see the backend-only stand-in test)') },
  'set_config of pg_session_jwt.jwk': { verdict: jwkCannotBeSet, realPostgres: differs('stock Postgres has no pg_session_jwt (see the backend-only stand-in test)') },
};

/** Statements that must run untouched, and what real Postgres answers the owner (ok or SQLSTATE). */
const ordinaryStatements: Array<{ name: string; sql: string; params?: string[]; realPostgres: 'ok' | string }> = [
  { name: 'guide: own todos', sql: 'SELECT * FROM todos WHERE user_id = auth.user_id()', realPostgres: 'ok' },
  { name: 'guide: insert a todo', sql: "INSERT INTO todos (user_id, task) VALUES ('user_123', 'buy milk') RETURNING id", realPostgres: 'ok' },
  { name: 'guide: complete a todo', sql: 'UPDATE todos SET is_complete = true WHERE id = $1', params: ['1'], realPostgres: 'ok' },
  { name: 'guide: delete a todo', sql: 'DELETE FROM todos WHERE id = 1', realPostgres: 'ok' },
  { name: 'latest todos', sql: 'SELECT id, task FROM todos ORDER BY inserted_at DESC LIMIT 10', realPostgres: 'ok' },
  { name: 'who am I', sql: 'SELECT current_user, session_user, auth.user_id()', realPostgres: 'ok' },
  { name: 'set_config of request.jwt.claims', sql: `SELECT set_config('request.jwt.claims', '{"sub":"user_123"}', true)`, realPostgres: 'ok' },
  { name: 'set_config of request.jwt.claims from a parameter', sql: "SELECT set_config('request.jwt.claims', $1, true)", params: ['{"sub":"user_123"}'], realPostgres: 'ok' },
  { name: 'set_config with a computed value', sql: "SELECT set_config('request.jwt.claims', json_build_object('sub', 'u1')::text, true)", realPostgres: 'ok' },
  { name: 'claims in a CTE, then auth.user_id()', sql: `WITH c AS (SELECT set_config('request.jwt.claims', '{"sub":"a"}', true)) SELECT auth.user_id() FROM c`, realPostgres: 'ok' },
  { name: 'set_config of search_path', sql: "SELECT set_config('search_path', 'public, auth', true)", realPostgres: 'ok' },
  { name: 'SET ROLE to a role the owner is not a member of', sql: 'SET ROLE anonymous', realPostgres: '42501' },
  { name: 'RESET ROLE', sql: 'RESET ROLE', realPostgres: 'ok' },
  { name: 'SET search_path', sql: 'SET search_path TO public, auth', realPostgres: 'ok' },
  { name: 'SET LOCAL statement_timeout', sql: "SET LOCAL statement_timeout = '5s'", realPostgres: 'ok' },
  { name: 'RESET ALL', sql: 'RESET ALL', realPostgres: 'ok' },
  { name: 'SET SESSION AUTHORIZATION to the role itself', sql: 'SET SESSION AUTHORIZATION neondb_owner', realPostgres: 'ok' },
  { name: 'SET session_authorization FROM CURRENT', sql: 'SET session_authorization FROM CURRENT', realPostgres: 'ok' },
  { name: 'DISCARD PLANS', sql: 'DISCARD PLANS', realPostgres: 'ok' },
  { name: 'DO with RAISE NOTICE', sql: "DO $$ BEGIN RAISE NOTICE 'hello %', auth.user_id(); END $$", realPostgres: 'ok' },
  { name: 'DO with SELECT INTO and IF', sql: "DO $$ DECLARE n int; BEGIN SELECT count(*) INTO n FROM todos; IF n > 100 THEN RAISE EXCEPTION 'too many'; END IF; END $$", realPostgres: 'ok' },
  { name: 'DO with a FOR loop', sql: 'DO $$ DECLARE r record; BEGIN FOR r IN SELECT id FROM todos LOOP NULL; END LOOP; END $$', realPostgres: 'ok' },
  { name: 'DO with EXECUTE of a constant', sql: "DO $$ BEGIN EXECUTE 'SELECT count(*) FROM todos'; END $$", realPostgres: 'ok' },
  { name: 'DO setting request.jwt.claims', sql: `DO $$ BEGIN PERFORM set_config('request.jwt.claims', '{"sub":"x"}', true); END $$`, realPostgres: 'ok' },
  { name: 'DO with a table%ROWTYPE field (parser needs the catalog)', sql: "DO $$ DECLARE t todos%ROWTYPE; BEGIN t.task := 'x'; END $$", realPostgres: 'ok' },
  { name: 'DO with DISCARD ALL (Postgres refuses it by itself)', sql: "DO $$ BEGIN EXECUTE 'DISCARD ALL'; END $$", realPostgres: '25001' },
  { name: 'CREATE TABLE', sql: 'CREATE TABLE notes (id bigint generated by default as identity primary key, user_id text not null default (auth.user_id()), body text)', realPostgres: 'ok' },
  { name: 'CREATE POLICY', sql: 'CREATE POLICY "own todos" ON todos FOR SELECT TO authenticated USING (user_id = auth.user_id())', realPostgres: 'ok' },
  { name: 'SQL function', sql: 'CREATE FUNCTION pg_temp.todo_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM todos $$', realPostgres: 'ok' },
  { name: 'PL/pgSQL function', sql: 'CREATE FUNCTION pg_temp.mark_done(todo_id bigint) RETURNS void LANGUAGE plpgsql AS $$ BEGIN UPDATE todos SET is_complete = true WHERE id = todo_id; END $$', realPostgres: 'ok' },
  { name: 'trigger function', sql: 'CREATE FUNCTION pg_temp.stamp_user() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.user_id := auth.user_id(); RETURN NEW; END $$', realPostgres: 'ok' },
  { name: 'PREPARE', sql: 'PREPARE todo_by_id AS SELECT * FROM todos WHERE id = $1', realPostgres: 'ok' },
  { name: 'EXPLAIN', sql: 'EXPLAIN SELECT * FROM todos', realPostgres: 'ok' },
  { name: 'query_to_xml of a constant query', sql: "SELECT query_to_xml('SELECT 1 AS one', true, false, '')", realPostgres: 'ok' },
  { name: 'the words in a string literal', sql: "SELECT 'SET SESSION AUTHORIZATION postgres; select set_config(''session_authorization'', ''postgres'', false)' AS just_text", realPostgres: 'ok' },
  { name: 'the words in a comment', sql: 'COMMENT ON TABLE todos IS $c$DISCARD ALL and set_config are not run$c$', realPostgres: 'ok' },
  { name: 'ALTER ROLE ... SET session_authorization (next logins only)', sql: "ALTER ROLE neondb_owner SET session_authorization = 'postgres'", realPostgres: 'ok' },
  { name: 'ALTER SYSTEM (Postgres refuses non-superusers)', sql: "ALTER SYSTEM SET session_authorization = 'postgres'", realPostgres: '42501' },
  { name: 'syntax error', sql: 'SELEC * FROM todos', realPostgres: '42601' },
  { name: 'PL/pgSQL syntax error without guarded words', sql: 'DO $$ BEGIN foo bar; END $$', realPostgres: '42601' },
  { name: 'SQL function body with a syntax error', sql: "CREATE FUNCTION pg_temp.broken() RETURNS text LANGUAGE sql AS $$ SELEC set_config('session_authorization', 'postgres', false) $$", realPostgres: '42601' },
];

/** The Authorize guides' schema, created by the owner as on Neon; auth.user_id() reads the claims as
 * pg_session_jwt does without a key. */
const seedSchema = `
  CREATE SCHEMA auth;
  GRANT USAGE ON SCHEMA auth TO PUBLIC;
  CREATE FUNCTION auth.user_id() RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub' $$;
  CREATE TABLE todos (
    id bigint generated by default as identity primary key,
    user_id text not null default (auth.user_id()),
    task text check (char_length(task) > 0),
    is_complete boolean default false,
    inserted_at timestamp not null default now()
  );
  ALTER TABLE todos ENABLE ROW LEVEL SECURITY;
  CREATE POLICY "Individuals can view their own todos." ON todos FOR SELECT TO authenticated USING ((select auth.user_id()) = user_id);
  GRANT ALL ON todos TO authenticated;
  INSERT INTO todos (user_id, task) VALUES ('someone', 'a row for policies to look at');
`;

describe('sqlGuard', () => {
  let guard: SqlGuard;
  before(async () => {
    guard = await loadSqlGuard();
  });

  describe('escape corpus', () => {
    it('has at least 30 attempts, each one statement PostgreSQL 18 parses, each with an expected verdict', async () => {
      await loadSqlParser();
      assert.ok(escapeAttempts.length >= 30);
      assert.equal(new Set(escapeAttempts.map((a) => a.name)).size, escapeAttempts.length, 'names are unique');
      for (const attempt of escapeAttempts) {
        const parsed = parseSql(attempt.sql);
        assert.equal(parsed.stmts?.length, 1, attempt.name);
        assert.ok(expected[attempt.name], `no expected verdict for "${attempt.name}"`);
        assert.equal(expected[attempt.name].verdict.kind, attempt.expect, attempt.name);
      }
      assert.deepEqual(Object.keys(expected).sort(), escapeAttempts.map((a) => a.name).sort());
    });

    for (const attempt of escapeAttempts) {
      it(`${attempt.expect}s: ${attempt.name}`, () => {
        const verdict = guard.check(attempt.sql, asRole('authenticated'));
        assertVerdict(verdict, expected[attempt.name].verdict, attempt.sql);
      });
    }

    it('gives every role the same kind of verdict, in and outside a transaction block', () => {
      for (const attempt of escapeAttempts) {
        for (const role of ['anonymous', 'neondb_owner']) {
          for (const inTransactionBlock of [false, true]) {
            const verdict = guard.check(attempt.sql, asRole(role, inTransactionBlock));
            const expectKind = attempt.sql === 'DISCARD ALL' && inTransactionBlock ? 'refuse' : attempt.expect;
            assert.equal(verdict.kind, expectKind, `${attempt.name} as ${role}${inTransactionBlock ? ' in a block' : ''}`);
          }
        }
      }
    });
  });

  describe('exact verdicts', () => {
    it('refuses DISCARD ALL inside a transaction block as Postgres does', () => {
      assert.deepEqual(guard.check('discard all', asRole('authenticated', true)), {
        kind: 'refuse',
        error: { code: '25001', message: 'DISCARD ALL cannot run inside a transaction block' },
      });
    });

    it('lets a role set the session authorization to itself and no one else', () => {
      assert.deepEqual(guard.check('SET SESSION AUTHORIZATION authenticated', asRole('authenticated')), { kind: 'run' });
      assert.deepEqual(guard.check("SET session_authorization = 'authenticated'", asRole('authenticated', true)), { kind: 'run' });
      assert.deepEqual(guard.check('SET SESSION AUTHORIZATION authenticated', asRole('anonymous')), {
        kind: 'refuse',
        error: { code: '42501', message: 'permission denied to set session authorization "authenticated"' },
      });
      // An unquoted name is folded to lower case by the parser; a quoted one keeps its case.
      assert.deepEqual(guard.check('SET SESSION AUTHORIZATION Authenticated', asRole('authenticated')), { kind: 'run' });
      assertVerdict(guard.check(`SET SESSION AUTHORIZATION "Authenticated"`, asRole('authenticated')), {
        kind: 'refuse',
        error: { code: '42501', message: 'permission denied to set session authorization "Authenticated"' },
      });
    });

    it('refuses more than one value as Postgres does', () => {
      assert.deepEqual(guard.check("SET session_authorization = 'postgres', 'authenticated'", asRole('authenticated')), {
        kind: 'refuse',
        error: { code: '22023', message: 'SET session_authorization takes only one argument' },
      });
    });

    it('treats a no-op mixed with other statements as something to send on its own', () => {
      const verdict = guard.check('SELECT 1; RESET SESSION AUTHORIZATION', asRole('authenticated'));
      assert.equal(verdict.kind, 'refuse');
      assert.equal(verdict.kind === 'refuse' && verdict.error.code, '0A000');
      assertVerdict(guard.check("SELECT 1; SELECT set_config('session_authorization', 'postgres', false)", asRole('authenticated')), deniedPostgres);
      assert.deepEqual(guard.check('SELECT 1; SELECT 2', asRole('authenticated')), { kind: 'run' });
    });

    it('lets Postgres report syntax errors itself', () => {
      assert.deepEqual(guard.check("SET SESSION AUTHORIZATION postgres, 'x'", asRole('authenticated')), { kind: 'run' });
      assert.deepEqual(guard.check('SELECT set_config(', asRole('authenticated')), { kind: 'run' });
      assert.deepEqual(guard.check('', asRole('authenticated')), { kind: 'run' });
    });

    it('checks the backend-only key wherever it is set, and leaves future-login settings to Postgres', () => {
      assertVerdict(guard.check("ALTER ROLE authenticated SET pg_session_jwt.jwk = 'x'", asRole('neondb_owner')), jwkCannotBeSet);
      assertVerdict(guard.check("ALTER DATABASE neondb SET pg_session_jwt.jwk = 'x'", asRole('neondb_owner')), jwkCannotBeSet);
      assertVerdict(guard.check("CREATE FUNCTION f() RETURNS int LANGUAGE sql SET pg_session_jwt.jwk = 'x' AS 'SELECT 1'", asRole('neondb_owner')), jwkCannotBeSet);
      assertVerdict(guard.check('DO $$ BEGIN RESET "pg_session_jwt"."jwk"; END $$', asRole('neondb_owner')), jwkCannotBeSet);
      assert.deepEqual(guard.check("ALTER ROLE authenticated SET session_authorization = 'postgres'", asRole('neondb_owner')), { kind: 'run' });
      assert.deepEqual(guard.check("ALTER SYSTEM SET session_authorization = 'postgres'", asRole('neondb_owner')), { kind: 'run' });
    });

    it('lets functions drop a session_authorization setting but not add one', () => {
      assert.deepEqual(guard.check('ALTER FUNCTION f() RESET session_authorization', asRole('neondb_owner')), { kind: 'run' });
      assert.deepEqual(guard.check('ALTER FUNCTION f() SET session_authorization TO DEFAULT', asRole('neondb_owner')), { kind: 'run' });
      assertVerdict(guard.check("ALTER PROCEDURE p() SET session_authorization = 'neondb_owner'", asRole('neondb_owner')), playground('the embedded playground does not let role "neondb_owner" create or alter functions that SET session_authorization'));
    });

    it('refuses set_config calls it cannot read', () => {
      assertVerdict(guard.check("SELECT set_config(setting_name => 'session_authorization', new_value => 'postgres', is_local => false)", asRole('authenticated')), playground('the embedded playground cannot check set_config() called with named or VARIADIC arguments for role "authenticated"'));
      assertVerdict(guard.check("SELECT set_config(VARIADIC ARRAY['session_authorization', 'postgres'])", asRole('authenticated')), playground('the embedded playground cannot check set_config() called with named or VARIADIC arguments for role "authenticated"'));
      assertVerdict(guard.check("SELECT set_config(current_setting('my.name'), 'postgres', false)", asRole('authenticated')), playground('the embedded playground cannot check set_config() with a setting name computed at run time for role "authenticated"'));
      assertVerdict(guard.check("SELECT set_config('session_authorization', 'authenticated', false)", asRole('authenticated')), playground('the embedded playground does not let role "authenticated" change session_authorization with set_config()'));
      assertVerdict(guard.check("CALL set_config('session_authorization', 'postgres', false)", asRole('authenticated')), deniedPostgres);
      assert.deepEqual(guard.check("SELECT set_config(NULL, 'x', false)", asRole('authenticated')), { kind: 'run' });
    });

    it('follows functions that run SQL text, and refuses the ones it cannot follow', () => {
      assert.deepEqual(guard.check("SELECT * FROM crosstab('SELECT 1, 2, 3', 'SELECT 1') AS t(a int, b int)", asRole('authenticated')), { kind: 'run' });
      assertVerdict(guard.check("SELECT * FROM crosstab('SELECT 1, 2, 3', 'SELECT set_config(''session_authorization'', ''postgres'', false)') AS t(a int, b int)", asRole('authenticated')), deniedPostgres);
      assertVerdict(guard.check("SELECT * FROM connectby('todos', 'id', 'parent', '1', 0) AS t(id int, parent int, level int)", asRole('authenticated')), playground('the embedded playground cannot check the SQL that connectby() builds when running as role "authenticated"'));
      assertVerdict(guard.check("SELECT query_to_xml(query => 'SELECT 1', nulls => true, tableforest => false, targetns => '')", asRole('authenticated')), playground('the embedded playground cannot check query_to_xml() called with named or VARIADIC arguments for role "authenticated"'));
      assert.deepEqual(guard.check("SELECT ts_rewrite('a'::tsquery, 'a'::tsquery, 'b'::tsquery)", asRole('authenticated')), { kind: 'run' });
    });

    it('checks every kind of PL/pgSQL dynamic SQL', () => {
      const dynamic = playground('the embedded playground cannot check dynamic SQL (EXECUTE of a string built at run time) for role "authenticated"');
      for (const body of [
        'DECLARE q text := $q$SELECT 1$q$; r record; BEGIN FOR r IN EXECUTE q LOOP END LOOP; END',
        'DECLARE q text := $q$SELECT 1$q$; c refcursor; BEGIN OPEN c FOR EXECUTE q; END',
        'DECLARE q text := $q$SELECT 1$q$; BEGIN EXECUTE q INTO STRICT q; END',
      ]) {
        assertVerdict(guard.check(`DO $$ ${body} $$`, asRole('authenticated')), dynamic);
      }
      assertVerdict(guard.check("CREATE FUNCTION pg_temp.q(t text) RETURNS SETOF int LANGUAGE plpgsql AS $$ BEGIN RETURN QUERY EXECUTE t; END $$", asRole('authenticated')), dynamic);
      assertVerdict(guard.check("CREATE FUNCTION pg_temp.q() RETURNS SETOF text LANGUAGE plpgsql AS $$ BEGIN RETURN QUERY EXECUTE 'SELECT set_config(''session_authorization'', ''postgres'', false)'; END $$", asRole('authenticated')), deniedPostgres);
      assert.deepEqual(guard.check("DO $$ BEGIN EXECUTE 'SELECT $1' USING 1; EXECUTE NULL; END $$", asRole('authenticated')), { kind: 'run' });
    });

    it('checks code in other languages only where Postgres would not refuse it itself', () => {
      assertVerdict(guard.check("CREATE FUNCTION pg_temp.p() RETURNS text LANGUAGE plv8 AS 'return 1'", asRole('authenticated')), playground('the embedded playground cannot check code in language "plv8" for role "authenticated"'));
      assertVerdict(guard.check("DO LANGUAGE plperl $$ 1 $$", asRole('authenticated')), playground('the embedded playground cannot check code in language "plperl" for role "authenticated"'));
      assert.deepEqual(guard.check("CREATE FUNCTION pg_temp.c() RETURNS text LANGUAGE internal AS 'set_config_by_name'", asRole('authenticated')), { kind: 'run' });
      assert.deepEqual(guard.check("DO LANGUAGE sql $$ SELECT set_config('session_authorization', 'postgres', false) $$", asRole('authenticated')), { kind: 'run' });
    });

    it('lets PL/pgSQL it cannot parse through only when it cannot reach anything guarded', () => {
      // The PL/pgSQL parser here has no catalog: it cannot read a field of a table%ROWTYPE variable.
      const sql = (extra: string) => `CREATE FUNCTION pg_temp.rowtype() RETURNS text LANGUAGE plpgsql AS $$ DECLARE t todos%ROWTYPE; BEGIN t.task := 'x';${extra} RETURN t.task; END $$`;
      assert.deepEqual(guard.check(sql(''), asRole('authenticated')), { kind: 'run' });
      const verdict = guard.check(sql(" PERFORM set_config('request.jwt.claims', '{}', true);"), asRole('authenticated'));
      assertVerdict(verdict, playground('the embedded playground could not check this PL/pgSQL function body before running it as role "authenticated"'));
      assert.match((verdict.kind === 'refuse' && verdict.error.hint) || '', /contains "set_config"/);
      // SQL bodies are parsed by Postgres with the same grammar: a syntax error fails there too.
      assert.deepEqual(guard.check("CREATE FUNCTION pg_temp.broken() RETURNS text LANGUAGE sql AS $$ SELEC set_config('session_authorization', 'postgres', false) $$", asRole('authenticated')), { kind: 'run' });
    });

    it('refuses indirect references to guarded functions, not columns that share the name', () => {
      assertVerdict(guard.check('CREATE OPERATOR pg_temp.### (function = pg_catalog.set_config, leftarg = text, rightarg = text)', asRole('authenticated')), playground('the embedded playground does not let role "authenticated" use set_config() other than by calling it directly'));
      assert.deepEqual(guard.check('SELECT t.set_config, (t).ts_stat FROM (SELECT 1 AS set_config, 2 AS ts_stat) AS t', asRole('authenticated')), { kind: 'run' });
    });

    it('refuses nesting deeper than it checks', () => {
      let sql = 'SELECT 1';
      for (let level = 0; level < 40; level++) sql = `DO $d${level}$ BEGIN EXECUTE $s${level}$${sql}$s${level}$; END $d${level}$`;
      assertVerdict(guard.check(sql, asRole('authenticated')), playground('the embedded playground cannot check SQL nested this deeply'));
    });

    it('refuses an expression too deep for the parser or the walk, rather than taking it for a syntax error', () => {
      const tooDeep = playground('the embedded playground cannot check SQL nested this deeply');
      for (const terms of [6_000, 20_000]) {
        const sql = `SELECT 1${' + 1'.repeat(terms)} + length(set_config('session_authorization', 'postgres', false))`;
        assertVerdict(guard.check(sql, asRole('authenticated')), tooDeep, `${terms} terms`);
      }
      // The parser still works afterwards.
      assertVerdict(guard.check(`SELECT 1 + 1 + length(set_config('session_authorization', 'postgres', false))`, asRole('authenticated')), deniedPostgres);
    });

    it('counts statement positions in bytes, as the parser does', () => {
      const sql = "SELECT 'é€😀'; CREATE FUNCTION pg_temp.f(x int) RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM set_config('session_authorization', 'postgres', false); END $$";
      assertVerdict(guard.check(sql, asRole('authenticated')), deniedPostgres);
    });
  });

  describe('ordinary statements', () => {
    it('has at least 20', () => assert.ok(ordinaryStatements.length >= 20));
    for (const statement of ordinaryStatements) {
      it(`runs: ${statement.name}`, () => {
        for (const role of ['authenticated', 'neondb_owner']) {
          const ctx = asRole(role);
          // "to the role itself" names the owner.
          if (statement.sql === 'SET SESSION AUTHORIZATION neondb_owner' && role !== 'neondb_owner') continue;
          assert.deepEqual(guard.check(statement.sql, ctx), { kind: 'run' }, `as ${role}`);
        }
      });
    }
  });

  describe('on PGlite without the guard (why it exists)', function () {
    this.timeout(60_000);
    let lite: PGlite | undefined;

    before(async () => {
      lite = await PGlite.create();
      await lite.exec(`CREATE ROLE neondb_owner LOGIN CREATEDB CREATEROLE BYPASSRLS; CREATE ROLE authenticated NOLOGIN;
        GRANT authenticated TO neondb_owner; ALTER DATABASE postgres OWNER TO neondb_owner;`);
      await lite.exec('SET SESSION AUTHORIZATION neondb_owner');
      await lite.exec(seedSchema);
      await lite.exec('SET SESSION AUTHORIZATION postgres');
    });

    after(async () => {
      await lite?.close();
    });

    // Each attempt that Postgres refuses with 42501 (now, or when its stored code runs) succeeds on
    // PGlite when nothing stops it, and reaches the superuser: the login user there is `postgres`.
    // A function's SET clause holds only while the function runs.
    const escapesOnlyDuringTheCall = new Set(['function SET clause', 'ALTER FUNCTION ... SET']);
    const refusedByPostgres = escapeAttempts.filter((a) => {
      const e = expected[a.name];
      return e.verdict.kind === 'refuse' && e.verdict.error.code === '42501' && !('differs' in e.realPostgres);
    });
    it('covers at least 30 attempts', () => assert.ok(refusedByPostgres.length >= 30));

    for (const attempt of refusedByPostgres) {
      it(`reaches the superuser: ${attempt.name}`, async () => {
        const db = lite!;
        const realPostgres = expected[attempt.name].realPostgres;
        const then = 'after' in realPostgres ? realPostgres.after : [];
        await db.exec('SET SESSION AUTHORIZATION neondb_owner'); // what the endpoint does
        await db.exec('BEGIN');
        try {
          for (const sql of [attempt.sql, ...then]) await db.exec(sql); // no error, unlike real Postgres
          const who = (await db.query<{ session_user: string }>('SELECT session_user::text AS session_user')).rows[0];
          assert.equal(who.session_user, escapesOnlyDuringTheCall.has(attempt.name) ? 'neondb_owner' : 'postgres');
        } finally {
          await db.exec('ROLLBACK');
          await db.exec('RESET ROLE; SET SESSION AUTHORIZATION postgres');
        }
      });
    }
  });

  describe('against real PostgreSQL 18 (non-superuser login role)', function () {
    this.timeout(180_000);
    const owner = 'neondb_owner';
    let server: ManagedPostgres | undefined;
    let ownerUrl = '';

    before(async () => {
      // Neon's owner: a LOGIN role that owns the database, not a superuser.
      server = await startManagedPostgres({ ownerRole: owner, database: 'neondb' });
      await withClient(server.superuserUrl, async (c) => {
        await c.query(`CREATE ROLE authenticated NOLOGIN; CREATE ROLE anonymous NOLOGIN; GRANT authenticated TO ${owner};`);
      });
      ownerUrl = server.ownerUrl;
      await withClient(ownerUrl, (c) => c.query(seedSchema));
    });

    after(async () => {
      await server?.stop();
    });

    for (const attempt of escapeAttempts) {
      it(`${attempt.name}`, async () => {
        const { verdict: expectedVerdict, realPostgres } = expected[attempt.name];
        const verdict = guard.check(attempt.sql, asRole(owner));
        assert.equal(verdict.kind, expectedVerdict.kind);
        const outcome = await runAsOwner(attempt.sql, 'after' in realPostgres ? realPostgres.after : []);
        assert.deepEqual(outcome.who, { session_user: owner, current_user: owner }, 'the role is unchanged afterwards');
        assert.ok(outcome.firstResult.ok || outcome.firstResult.code !== '42601', `Postgres 18 parses it: ${JSON.stringify(outcome.firstResult)}`);
        if ('differs' in realPostgres) return;
        if (verdict.kind === 'noop') {
          assert.deepEqual(outcome.result, { ok: true, command: verdict.command });
        } else if (verdict.kind === 'refuse') {
          if ('after' in realPostgres) assert.equal(outcome.firstResult.ok, true, 'Postgres accepts the stored code itself');
          assert.deepEqual(outcome.result, { ok: false, code: verdict.error.code, message: verdict.error.message });
        }
      });
    }

    for (const statement of ordinaryStatements) {
      it(`ordinary: ${statement.name}`, async () => {
        const outcome = await runAsOwner(statement.sql, [], statement.params);
        const summary = outcome.result.ok ? 'ok' : outcome.result.code;
        assert.equal(summary, statement.realPostgres, JSON.stringify(outcome.result));
      });
    }

    it('answers DISCARD ALL in a transaction block as the guard does', async () => {
      const outcome = await runAsOwner('DISCARD ALL', [], undefined, true);
      const verdict = guard.check('DISCARD ALL', asRole(owner, true));
      assert.equal(verdict.kind, 'refuse');
      assert.deepEqual(outcome.result, verdict.kind === 'refuse' && { ok: false, code: verdict.error.code, message: verdict.error.message });
    });

    it('answers several values as the guard does', async () => {
      const sql = "SET session_authorization = 'postgres', 'authenticated'";
      const verdict = guard.check(sql, asRole(owner));
      const outcome = await runAsOwner(sql, []);
      assert.deepEqual(outcome.result, verdict.kind === 'refuse' && { ok: false, code: verdict.error.code, message: verdict.error.message });
    });

    it('answers a backend-only setting the way the guard answers pg_session_jwt.jwk', async () => {
      // Stock Postgres has no pg_session_jwt; ignore_system_indexes is a backend-only (PGC_BACKEND)
      // setting like Neon's pg_session_jwt.jwk, so Postgres answers both the same way.
      const verdict = guard.check("SET pg_session_jwt.jwk = 'x'", asRole(owner));
      assert.equal(verdict.kind, 'refuse');
      for (const sql of ['SET ignore_system_indexes = on', 'RESET ignore_system_indexes', "SELECT set_config('ignore_system_indexes', 'on', false)"]) {
        const outcome = await runAsOwner(sql, []);
        assert.deepEqual(outcome.result, verdict.kind === 'refuse' && {
          ok: false,
          code: verdict.error.code,
          message: verdict.error.message.replace('pg_session_jwt.jwk', 'ignore_system_indexes'),
        }, sql);
      }
    });

    type Result = { ok: true; command: string } | { ok: false; code: string; message: string };

    /**
     * Runs a statement as the owner in a transaction that is rolled back (DISCARD ALL and ALTER
     * SYSTEM, which cannot run in one, on their own unless asked), then the `then` statements if
     * it succeeded.
     */
    async function runAsOwner(sql: string, then: string[], params?: string[], forceBlock = false) {
      return withClient(ownerUrl, async (client) => {
        const block = forceBlock || !/^\s*(discard\s+all|alter\s+system)\b/i.test(sql);
        if (block) await client.query('BEGIN');
        const firstResult = await attempt(client, sql, params);
        let result = firstResult;
        for (const next of then) {
          if (!result.ok) break;
          result = await attempt(client, next);
        }
        if (block) await client.query('ROLLBACK');
        await client.query('RESET ROLE');
        const who = (await client.query('SELECT session_user::text AS session_user, current_user::text AS current_user')).rows[0];
        return { firstResult, result, who };
      });
    }

    async function attempt(client: pg.Client, sql: string, params?: string[]): Promise<Result> {
      try {
        const r = await client.query(sql, params);
        return { ok: true, command: r.command };
      } catch (error) {
        const e = error as { code?: string; message: string };
        return { ok: false, code: e.code ?? '', message: e.message };
      }
    }
  });
});

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('notice', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** Compares kind, and for refusals the code and message (detail and hint are for people). */
function assertVerdict(actual: GuardVerdict, wanted: GuardVerdict, sql?: string): void {
  if (wanted.kind !== 'refuse' || actual.kind !== 'refuse') {
    assert.deepEqual(actual, wanted, sql);
    return;
  }
  assert.deepEqual({ code: actual.error.code, message: actual.error.message }, { code: wanted.error.code, message: wanted.error.message }, sql);
}
