/**
 * A SQL-level emulation of Neon's `pg_session_jwt` extension (v0.5.0), so the literal
 * `CREATE EXTENSION IF NOT EXISTS pg_session_jwt;` works on the playground's databases.
 *
 * The real extension keeps its state in backend memory and verifies the token Neon's proxy
 * re-signs per connection with an Ed25519 key given in the backend-only GUC `pg_session_jwt.jwk`.
 * SQL cannot define a backend-only GUC nor verify Ed25519, so the emulation keeps the same
 * contract with two substitutions:
 *   - the per-connection key lives in `_pg_session_jwt.backend_keys`, a table only the
 *     bootstrap superuser can write, keyed by `pg_backend_pid()` (the endpoint registers it
 *     when it opens a connection for a JWT-authenticated role);
 *   - tokens are signed with HMAC-SHA-256 under that key (built from the builtin `sha256()`).
 * Everything the user observes — function names, JSON null vs SQL NULL, SQLSTATEs and messages,
 * `jti` monotonicity, 60 s leeway, the fallback to `request.jwt.claims` when no key is set —
 * follows the real extension's source.
 */
import type { PGlite } from '@electric-sql/pglite';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PG_SESSION_JWT_VERSION = '0.5.0';

const control = `# pg_session_jwt (SQL emulation by Neon Authorize Workbench's playground)
comment = 'Manage authentication sessions using JWTs (playground emulation)'
default_version = '${PG_SESSION_JWT_VERSION}'
relocatable = false
schema = auth
superuser = true
trusted = true
`;

const script = `-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\\echo Use "CREATE EXTENSION pg_session_jwt" to load this file. \\quit

DO $roles$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticated') THEN
    CREATE ROLE authenticated NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'anonymous') THEN
    CREATE ROLE anonymous NOLOGIN;
  END IF;
END
$roles$;

GRANT USAGE ON SCHEMA auth TO PUBLIC;

-- Private state: per-backend keys registered by the trusted endpoint. No one but the
-- bootstrap superuser (and SECURITY DEFINER functions below) can read or write it.
CREATE SCHEMA _pg_session_jwt;
-- USAGE lets auth.* resolve its helpers; the state table and the state-changing functions
-- stay revoked from PUBLIC.
GRANT USAGE ON SCHEMA _pg_session_jwt TO PUBLIC;
CREATE TABLE _pg_session_jwt.backend_keys (
  pid integer PRIMARY KEY,
  inner_key bytea NOT NULL,   -- HMAC key XOR ipad
  outer_key bytea NOT NULL,   -- HMAC key XOR opad
  last_jti bigint NOT NULL DEFAULT 0,
  jwt text,                   -- the token last validated by jwt_session_init (the real one caches it)
  claims jsonb
);
REVOKE ALL ON _pg_session_jwt.backend_keys FROM PUBLIC;

-- Registers this backend's key (what Neon passes as pg_session_jwt.jwk at connection start),
-- given as the HMAC-SHA-256 key already XORed with ipad and opad (64 bytes each).
CREATE FUNCTION _pg_session_jwt.register_backend_key(backend_pid integer, inner_key bytea, outer_key bytea) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
  IF length(inner_key) <> 64 OR length(outer_key) <> 64 THEN
    RAISE EXCEPTION USING ERRCODE = '42804', MESSAGE = 'pg_session_jwt.jwk requires a 64-byte HMAC block';
  END IF;
  INSERT INTO _pg_session_jwt.backend_keys (pid, inner_key, outer_key)
  VALUES (backend_pid, inner_key, outer_key)
  ON CONFLICT (pid) DO UPDATE SET inner_key = EXCLUDED.inner_key, outer_key = EXCLUDED.outer_key,
    last_jti = 0, jwt = NULL, claims = NULL;
END
$fn$;
REVOKE ALL ON FUNCTION _pg_session_jwt.register_backend_key(integer, bytea, bytea) FROM PUBLIC;

CREATE FUNCTION _pg_session_jwt.unregister_backend_key(backend_pid integer) RETURNS void
LANGUAGE sql AS $fn$ DELETE FROM _pg_session_jwt.backend_keys WHERE pid = backend_pid $fn$;
REVOKE ALL ON FUNCTION _pg_session_jwt.unregister_backend_key(integer) FROM PUBLIC;

CREATE FUNCTION _pg_session_jwt.b64url_decode(part text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT AS $fn$
DECLARE
  s text := translate(part, '-_', '+/');
BEGIN
  IF s !~ '^[A-Za-z0-9+/]*$' THEN
    RAISE EXCEPTION USING ERRCODE = '42804', MESSAGE = 'could not decode JWT component';
  END IF;
  RETURN decode(s || repeat('=', (4 - length(s) % 4) % 4), 'base64');
END
$fn$;

CREATE FUNCTION _pg_session_jwt.b64url_encode(data bytea) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $fn$
  SELECT rtrim(translate(replace(encode(data, 'base64'), E'\\n', ''), '+/', '-_'), '=')
$fn$;

CREATE FUNCTION _pg_session_jwt.json_component(part text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE STRICT AS $fn$
DECLARE
  raw bytea := _pg_session_jwt.b64url_decode(part);
  doc jsonb;
BEGIN
  BEGIN
    doc := convert_from(raw, 'UTF8')::jsonb;
  EXCEPTION WHEN others THEN
    RAISE EXCEPTION USING ERRCODE = '42804', MESSAGE = 'could not parse JWT component', DETAIL = SQLERRM;
  END;
  RETURN doc;
END
$fn$;

-- Validates a token against this backend's key; returns its claims. Mirrors validate_jwt():
-- signature, then jti, then nbf/exp with 60 s leeway. When remember is true the backend's
-- state advances (jti and the cached token), as jwt_session_init does.
CREATE FUNCTION _pg_session_jwt.validate(jwt text, remember boolean) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  st _pg_session_jwt.backend_keys;
  body text;
  sig text;
  payload jsonb;
  jti bigint;
  now_s numeric := extract(epoch FROM clock_timestamp());
BEGIN
  SELECT * INTO st FROM _pg_session_jwt.backend_keys WHERE pid = pg_backend_pid();
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '02000', MESSAGE = 'Missing runtime parameter: pg_session_jwt.jwk';
  END IF;
  IF st.jwt = validate.jwt THEN
    RETURN st.claims;
  END IF;
  IF jwt !~ '^[^.]*\\.[^.]*\\.[^.]*$' THEN
    RAISE EXCEPTION USING ERRCODE = '42804', MESSAGE = 'invalid JWT encoding';
  END IF;
  body := regexp_replace(jwt, '\\.[^.]*$', '');
  sig := substring(jwt FROM '[^.]*$');
  IF sig !~ '^[A-Za-z0-9_-]{43}$' THEN
    RAISE EXCEPTION USING ERRCODE = '42804', MESSAGE = 'invalid JWT signature encoding';
  END IF;
  IF _pg_session_jwt.b64url_encode(
       sha256(st.outer_key || sha256(st.inner_key || convert_to(body, 'UTF8')))) <> sig THEN
    RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'invalid JWT signature';
  END IF;
  payload := _pg_session_jwt.json_component(split_part(body, '.', 2));
  IF jsonb_typeof(payload) IS DISTINCT FROM 'object' THEN
    RAISE EXCEPTION USING ERRCODE = '42804', MESSAGE = 'could not parse JWT component';
  END IF;
  IF jsonb_typeof(payload->'jti') IS DISTINCT FROM 'number' OR (payload->>'jti') !~ '^-?[0-9]+$' THEN
    RAISE EXCEPTION USING ERRCODE = '42804', MESSAGE = 'JWT payload must contain a valid ''jti'' (JWT ID)';
  END IF;
  jti := (payload->>'jti')::bigint;
  IF jti <= st.last_jti THEN
    RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'Token ID must be strictly monotonically increasing.';
  END IF;
  IF payload ? 'nbf' THEN
    IF jsonb_typeof(payload->'nbf') <> 'number' OR (payload->>'nbf') !~ '^-?[0-9]+$' THEN
      RAISE EXCEPTION USING ERRCODE = '42804',
        MESSAGE = '''nbf'' (Not Before) must be an integer representing seconds since unix epoch';
    END IF;
    IF now_s + 60 < (payload->>'nbf')::numeric THEN
      RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = format('Token used before it is ready (nbf=%s)', payload->>'nbf');
    END IF;
  END IF;
  IF payload ? 'exp' THEN
    IF jsonb_typeof(payload->'exp') <> 'number' OR (payload->>'exp') !~ '^-?[0-9]+$' THEN
      RAISE EXCEPTION USING ERRCODE = '42804',
        MESSAGE = '''exp'' (Expiration) must be an integer representing seconds since unix epoch';
    END IF;
    IF (payload->>'exp')::numeric + 60 < now_s THEN
      RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = format('Token used after it has expired (exp=%s)', payload->>'exp');
    END IF;
  END IF;
  IF remember THEN
    UPDATE _pg_session_jwt.backend_keys SET last_jti = jti, jwt = validate.jwt, claims = payload
    WHERE pid = st.pid;
  END IF;
  RETURN payload;
END
$fn$;
REVOKE ALL ON FUNCTION _pg_session_jwt.validate(text, boolean) FROM PUBLIC;

-- Claims for this session: the verified token in JWK mode, else request.jwt.claims.
CREATE FUNCTION _pg_session_jwt.claims() RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  st _pg_session_jwt.backend_keys;
  token text;
  raw text;
BEGIN
  SELECT * INTO st FROM _pg_session_jwt.backend_keys WHERE pid = pg_backend_pid();
  IF NOT FOUND THEN
    raw := current_setting('request.jwt.claims', true);
    IF raw IS NULL OR raw = '' THEN
      RETURN NULL;
    END IF;
    BEGIN
      RETURN raw::jsonb;
    EXCEPTION WHEN others THEN
      RETURN NULL;
    END;
  END IF;
  token := current_setting('pg_session_jwt.jwt', true);
  IF token IS NULL OR token = '' THEN
    RETURN NULL;
  END IF;
  -- The token jwt_session_init validated: its claims, without validating it again.
  IF st.jwt = token THEN
    RETURN st.claims;
  END IF;
  RETURN _pg_session_jwt.validate(token, false);
END
$fn$;

CREATE FUNCTION auth.init() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF NOT EXISTS (SELECT FROM _pg_session_jwt.backend_keys WHERE pid = pg_backend_pid()) THEN
    RAISE EXCEPTION USING ERRCODE = '02000', MESSAGE = 'Missing runtime parameter: pg_session_jwt.jwk';
  END IF;
END
$fn$;

CREATE FUNCTION auth.jwt_session_init(jwt text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  PERFORM set_config('pg_session_jwt.jwt', jwt, false);
  PERFORM _pg_session_jwt.validate(jwt, true);
END
$fn$;

CREATE FUNCTION auth.session() RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT coalesce(_pg_session_jwt.claims(), 'null'::jsonb)
$fn$;

CREATE FUNCTION auth.jwt() RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$ SELECT auth.session() $fn$;

CREATE FUNCTION auth.user_id() RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  c jsonb := _pg_session_jwt.claims();
BEGIN
  IF c IS NULL OR jsonb_typeof(c) <> 'object' OR NOT c ? 'sub' THEN
    RETURN NULL;
  END IF;
  IF jsonb_typeof(c->'sub') <> 'string' THEN
    IF EXISTS (SELECT FROM _pg_session_jwt.backend_keys WHERE pid = pg_backend_pid()) THEN
      RAISE EXCEPTION USING ERRCODE = '42804', MESSAGE = 'invalid subject claim in the JWT';
    END IF;
    RETURN NULL;
  END IF;
  RETURN c->>'sub';
END
$fn$;

CREATE FUNCTION auth.uid() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$ SELECT auth.user_id()::uuid $fn$;

CREATE FUNCTION auth.organization() RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$ SELECT auth.session()->'o' $fn$;

CREATE FUNCTION auth.organization_id() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $fn$ SELECT auth.session()->'o'->>'id' $fn$;
`;

export function pgSessionJwtFiles(): { control: string; script: string; version: string } {
  return { control, script, version: PG_SESSION_JWT_VERSION };
}

function extensionFileNames(): { control: string; script: string } {
  return { control: 'pg_session_jwt.control', script: `pg_session_jwt--${PG_SESSION_JWT_VERSION}.sql` };
}

/** Writes the extension into PGlite's in-memory share directory (needed once per PGlite instance). */
export async function installPgSessionJwtIntoPglite(pg: PGlite): Promise<void> {
  await pg.waitReady;
  const shareDir = (await pg.query<{ setting: string }>("select setting from pg_catalog.pg_config() where name OPERATOR(pg_catalog.=) 'SHAREDIR'")).rows[0]?.setting;
  if (!shareDir) throw new Error('PGlite did not report its share directory');
  const fs = (pg as unknown as { mod: { FS: { writeFile(path: string, data: string): void } } }).mod.FS;
  const names = extensionFileNames();
  fs.writeFile(`${shareDir}/extension/${names.control}`, control);
  fs.writeFile(`${shareDir}/extension/${names.script}`, script);
}

/** Writes the extension into a real server's share directory (`pg_config --sharedir`). */
export function installPgSessionJwtIntoShareDir(shareDir: string): void {
  const dir = join(shareDir, 'extension');
  mkdirSync(dir, { recursive: true });
  const names = extensionFileNames();
  writeFileSync(join(dir, names.control), control);
  writeFileSync(join(dir, names.script), script);
}
