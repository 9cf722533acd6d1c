/**
 * SQL an app role (or the owner) could send to get back to the playground's superuser login
 * (PGlite authenticates as `postgres`), each one statement that PostgreSQL 18 parses. Every one
 * must leave session_user, current_user and auth.user_id() unchanged.
 *
 * `expect` is the playground guard's verdict for a query sent on its own (not in a transaction
 * block) as any role other than `postgres`: 'refuse' (an error, nothing runs) or 'noop' (success,
 * nothing runs; what Postgres does for a non-superuser). Inside a batch (a transaction block)
 * "DISCARD ALL" is refused instead (25001), as Postgres does.
 */
export const escapeAttempts: Array<{ name: string; sql: string; expect: 'refuse' | 'noop' }> = [
  // --- SET / RESET SESSION AUTHORIZATION, spelled in every way the grammar accepts
  { name: 'SET SESSION AUTHORIZATION postgres', sql: 'SET SESSION AUTHORIZATION postgres', expect: 'refuse' },
  { name: 'string literal role name', sql: "set session authorization 'postgres'", expect: 'refuse' },
  { name: 'mixed-case keywords', sql: 'SeT SeSsIoN AuThOrIzAtIoN postgres', expect: 'refuse' },
  { name: 'comments between keywords', sql: 'SET /* nothing to see */ SESSION -- here either\n AUTHORIZATION postgres', expect: 'refuse' },
  { name: 'generic SET of the quoted GUC', sql: `SET "session_authorization" = 'postgres'`, expect: 'refuse' },
  { name: 'generic SET of the upper-case quoted GUC', sql: 'SET "SESSION_AUTHORIZATION" TO postgres', expect: 'refuse' },
  { name: 'SET LOCAL SESSION AUTHORIZATION', sql: 'SET LOCAL SESSION AUTHORIZATION postgres', expect: 'refuse' },
  { name: 'RESET SESSION AUTHORIZATION', sql: 'RESET SESSION AUTHORIZATION', expect: 'noop' },
  { name: 'SET SESSION AUTHORIZATION DEFAULT', sql: 'SET SESSION AUTHORIZATION DEFAULT', expect: 'noop' },
  { name: 'RESET of the GUC by name', sql: 'RESET session_authorization', expect: 'noop' },
  { name: 'SET the GUC TO DEFAULT', sql: 'set "Session_Authorization" to default', expect: 'noop' },
  { name: 'DISCARD ALL', sql: 'DISCARD ALL', expect: 'noop' },

  // --- set_config(), wherever an expression may stand
  { name: 'set_config in SELECT', sql: "SELECT set_config('session_authorization', 'postgres', false)", expect: 'refuse' },
  { name: 'pg_catalog.set_config, upper-case GUC name', sql: "SELECT pg_catalog.set_config('SESSION_AUTHORIZATION', 'postgres', true)", expect: 'refuse' },
  { name: 'set_config in a subquery', sql: "SELECT * FROM (SELECT set_config('session_authorization', 'postgres', false) AS x) AS s", expect: 'refuse' },
  { name: 'set_config in a CTE', sql: "WITH x AS (SELECT set_config('session_authorization', 'postgres', false)) SELECT * FROM x", expect: 'refuse' },
  { name: 'set_config in VALUES', sql: "VALUES (set_config('session_authorization', 'postgres', false))", expect: 'refuse' },
  { name: 'set_config in ORDER BY', sql: "SELECT 1 ORDER BY set_config('session_authorization', 'postgres', false)", expect: 'refuse' },
  { name: 'set_config in FROM (table function)', sql: "SELECT * FROM pg_catalog.set_config('session_authorization', 'postgres', false)", expect: 'refuse' },
  { name: 'set_config under EXPLAIN ANALYZE', sql: "EXPLAIN ANALYZE SELECT set_config('session_authorization', 'postgres', false)", expect: 'refuse' },
  { name: 'GUC name from concatenated constants', sql: "SELECT set_config('session_' || 'authorization', 'postgres', false)", expect: 'refuse' },
  { name: 'GUC name in an E-string escape', sql: "SELECT set_config(E'session\\x5fauthorization', 'postgres', false)", expect: 'refuse' },
  { name: 'GUC name in a Unicode escape', sql: "SELECT set_config(U&'session\\005fauthorization', 'postgres', false)", expect: 'refuse' },
  { name: 'GUC name in a dollar quote after a comment', sql: "SELECT set_config(/* 'request.jwt.claims' */ $q$session_authorization$q$, 'postgres', false)", expect: 'refuse' },
  { name: 'quoted function name', sql: `SELECT "set_config"('session_authorization', 'postgres', false)`, expect: 'refuse' },
  { name: 'function name as a Unicode-escaped identifier', sql: `SELECT U&"set\\005fconfig"('session_authorization', 'postgres', false)`, expect: 'refuse' },
  { name: 'GUC name computed at run time', sql: "SELECT set_config(lower('SESSION_AUTHORIZATION'), 'postgres', false)", expect: 'refuse' },
  { name: 'set_config resetting to NULL', sql: "SELECT set_config('session_authorization', NULL, false)", expect: 'refuse' },
  { name: 'set_config inside PREPARE', sql: "PREPARE escape_prepared AS SELECT set_config('session_authorization', 'postgres', false)", expect: 'refuse' },
  { name: 'set_config in a temp view', sql: "CREATE TEMP VIEW escape_view AS SELECT set_config('session_authorization', 'postgres', false)", expect: 'refuse' },
  { name: 'set_config in a column default', sql: "CREATE TEMP TABLE escape_table (x text DEFAULT set_config('session_authorization', 'postgres', false))", expect: 'refuse' },
  { name: 'set_config in a policy', sql: "CREATE POLICY escape_policy ON todos USING (set_config('session_authorization', 'postgres', false) IS NOT NULL)", expect: 'refuse' },
  { name: 'set_config in a rule action', sql: "CREATE RULE escape_rule AS ON INSERT TO todos DO ALSO SELECT set_config('session_authorization', 'postgres', false)", expect: 'refuse' },

  // --- functions that run their text argument as SQL
  { name: 'query_to_xml running set_config', sql: "SELECT query_to_xml('SELECT set_config(''session_authorization'', ''postgres'', false)', true, false, '')", expect: 'refuse' },
  { name: 'ts_stat running set_config', sql: "SELECT * FROM ts_stat('SELECT set_config(''session_authorization'', ''postgres'', false)::tsvector')", expect: 'refuse' },
  { name: 'ts_rewrite running set_config', sql: "SELECT ts_rewrite('a'::tsquery, 'SELECT set_config(''session_authorization'', ''postgres'', false)::tsquery, ''b''::tsquery')", expect: 'refuse' },
  { name: 'query_to_xml with a computed query', sql: "SELECT query_to_xml(concat('SELECT ', 'set_config(''session_authorization'', ''postgres'', false)'), true, false, '')", expect: 'refuse' },

  // --- DO blocks
  { name: 'DO with PERFORM set_config', sql: "DO $$ BEGIN PERFORM set_config('session_authorization', 'postgres', false); END $$", expect: 'refuse' },
  { name: 'DO with SET SESSION AUTHORIZATION', sql: 'DO $$ BEGIN SET SESSION AUTHORIZATION postgres; END $$', expect: 'refuse' },
  { name: 'DO with RESET SESSION AUTHORIZATION', sql: 'DO LANGUAGE plpgsql $$ BEGIN RESET SESSION AUTHORIZATION; END $$', expect: 'refuse' },
  { name: 'DO with EXECUTE of a constant', sql: "DO $$ BEGIN EXECUTE 'SET SESSION AUTHORIZATION postgres'; END $$", expect: 'refuse' },
  { name: 'DO with EXECUTE of concatenated constants', sql: "DO $$ BEGIN EXECUTE 'SET SESSION ' || 'AUTHORIZATION postgres'; END $$", expect: 'refuse' },
  { name: 'DO with EXECUTE of a variable', sql: "DO $$ DECLARE target text := 'postgres'; BEGIN EXECUTE 'SET SESSION AUTHORIZATION ' || target; END $$", expect: 'refuse' },
  { name: 'DO with EXECUTE format()', sql: "DO $$ BEGIN EXECUTE format('SET SESSION AUTHORIZATION %I', 'postgres'); END $$", expect: 'refuse' },
  { name: 'DO with OPEN ... FOR EXECUTE', sql: "DO $$ DECLARE c refcursor; v text; BEGIN OPEN c FOR EXECUTE 'SELECT set_config(''session_authorization'', ''postgres'', false)'; FETCH c INTO v; END $$", expect: 'refuse' },
  { name: 'DO with set_config in a DECLARE default', sql: "DO $$ DECLARE v text := set_config('session_authorization', 'postgres', false); BEGIN NULL; END $$", expect: 'refuse' },
  { name: 'DO with set_config in an assignment subscript', sql: "DO $$ DECLARE a int[] := '{1}'; BEGIN a[length(set_config('session_authorization', 'postgres', false))] := 1; END $$", expect: 'refuse' },
  { name: 'DO nested in EXECUTE in DO', sql: "DO $outer$ BEGIN EXECUTE $q$DO $inner$ BEGIN PERFORM set_config('session_authorization', 'postgres', false); END $inner$$q$; END $outer$", expect: 'refuse' },
  { name: 'DO that PL/pgSQL-parses only with the catalog, calling set_config', sql: "DO $$ DECLARE t todos%ROWTYPE; BEGIN t.task := 'x'; PERFORM set_config('session_authorization', 'postgres', false); END $$", expect: 'refuse' },

  // --- functions and procedures
  { name: 'pg_temp SQL function calling set_config', sql: "CREATE FUNCTION pg_temp.escape_sql() RETURNS text LANGUAGE sql AS $$ SELECT set_config('session_authorization', 'postgres', false) $$", expect: 'refuse' },
  { name: 'BEGIN ATOMIC function calling set_config', sql: "CREATE FUNCTION pg_temp.escape_atomic() RETURNS text LANGUAGE sql BEGIN ATOMIC SELECT set_config('session_authorization', 'postgres', false); END", expect: 'refuse' },
  { name: 'PL/pgSQL function with EXECUTE of a constant', sql: "CREATE FUNCTION pg_temp.escape_plpgsql() RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'SET SESSION AUTHORIZATION postgres'; END $$", expect: 'refuse' },
  { name: 'PL/pgSQL function with EXECUTE of a concatenation', sql: "CREATE FUNCTION pg_temp.escape_dynamic(target text) RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'SET SESSION AUTHORIZATION ' || target; END $$", expect: 'refuse' },
  { name: 'procedure with SET SESSION AUTHORIZATION', sql: 'CREATE PROCEDURE pg_temp.escape_procedure() LANGUAGE plpgsql AS $$ BEGIN SET SESSION AUTHORIZATION postgres; END $$', expect: 'refuse' },
  { name: 'function SET clause', sql: "CREATE FUNCTION pg_temp.escape_set_clause() RETURNS int LANGUAGE sql SET session_authorization = 'postgres' AS 'SELECT 1'", expect: 'refuse' },
  { name: 'function SET clause FROM CURRENT', sql: "CREATE FUNCTION pg_temp.escape_from_current() RETURNS int LANGUAGE sql SET session_authorization FROM CURRENT AS 'SELECT 1'", expect: 'refuse' },
  { name: 'ALTER FUNCTION ... SET', sql: "ALTER FUNCTION auth.user_id() SET session_authorization = 'postgres'", expect: 'refuse' },
  { name: 'SQL function with a computed GUC name', sql: "CREATE FUNCTION pg_temp.escape_setter(setting text, value text) RETURNS text LANGUAGE sql AS 'SELECT set_config(setting, value, false)'", expect: 'refuse' },
  { name: 'function body in an E-string with escapes', sql: "CREATE FUNCTION pg_temp.escape_escaped() RETURNS text LANGUAGE sql AS E'SELECT s\\145t_config(''session_authorization'', ''postgres'', false)'", expect: 'refuse' },
  { name: 'aggregate whose state function is set_config', sql: "CREATE AGGREGATE pg_temp.escape_aggregate(text, boolean) (sfunc = set_config, stype = text, initcond = 'session_authorization')", expect: 'refuse' },

  // --- pg_session_jwt's backend-only key (Neon: set at connection start only)
  { name: 'SET pg_session_jwt.jwk', sql: `SET pg_session_jwt.jwk = '{"kty":"OKP","crv":"Ed25519","x":"AAAA"}'`, expect: 'refuse' },
  { name: 'RESET pg_session_jwt.jwk', sql: 'RESET pg_session_jwt.jwk', expect: 'refuse' },
  { name: 'set_config of pg_session_jwt.jwk', sql: `SELECT set_config('pg_session_jwt.JWK', '{"kty":"OKP"}', false)`, expect: 'refuse' },
];
