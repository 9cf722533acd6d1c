/**
 * Errors of a run-as-user turned into what happened and what to do (docs/jwt-rules.md, docs/rls-pitfalls.md), with the fix
 * buttons that exist. Sources of errors: Neon's proxy refusing a token (HTTP 400, `code: ""`, the exact
 * texts of NEON_JWT_MESSAGES), the same checks done in the extension (`NeonJwtError` from verifyLikeNeon),
 * Postgres (SQLSTATE + message, through either driver or the playground), the connection itself
 * (classifyConnectionError), and the engine's own RLS-bypass guard.
 *
 * Every text that leaves here went through `maskSecrets` (core/secrets.ts): connection passwords, the
 * token (and anything shaped like a JWT) never appear.
 */
import { classifyConnectionError } from '../connections/classifyError';
import { splitConnectionSecret } from '../connections/url';
import { fixAction, type FixAction } from '../fixActions';
import { NEON_JWT_MESSAGES as M, NeonJwtError } from '../jwt/neonJwtError';
import type { ExplainedError, RunPath } from './outcome';
import { maskSecrets } from '../secrets';
import type { ClassifiedStatement, SqlProblem } from '../sqlClassify';
import { quoteIdentAlways } from '../sql/quote';
import type { RoleFacts } from './relationFacts';

export interface ExplainContext {
  side?: 'user' | 'owner';
  path?: RunPath;
  /** The URL of the connection that failed (used to classify connection errors; never shown unmasked). */
  connectionUrl?: string;
  /** Values that must never be shown: the token, passwords. URL passwords are added automatically. */
  secrets?: string[];
  /** The role the user side ran as (the URL's role, or the role SET by self-verified claims). */
  role?: string;
  /** The role the connection logged in as, when it differs from `role` (self-verified claims). */
  loginRole?: string;
  /** The owner connection's role, to recognise "the owner role with a token". */
  ownerRole?: string;
  /** The token's claims (verified or not); null when the side ran without a token. */
  claims?: Record<string, unknown> | null;
  statement?: Pick<ClassifiedStatement, 'kind' | 'command' | 'returning' | 'targetTables'>;
  /** From the catalog: no SELECT policy applies to `role` on the table an RLS error names. */
  selectPolicyMissing?: boolean;
}

interface ErrorFields {
  message: string;
  code?: string;
  detail?: string;
  hint?: string;
  schema?: string;
  table?: string;
  column?: string;
  constraint?: string;
}

function fieldsOf(err: unknown): ErrorFields {
  if (err === null || err === undefined) return { message: 'unknown error' };
  if (typeof err !== 'object') return { message: String(err) };
  const e = err as Record<string, unknown>;
  // The playground's PostgresError keeps its fields under `fields`.
  const f = (typeof e.fields === 'object' && e.fields !== null && !Array.isArray(e.fields) ? e.fields : e) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    message: text(f.message) ?? text(e.message) ?? String(err),
    code: text(f.code),
    detail: text(f.detail),
    hint: text(f.hint),
    schema: text(f.schema),
    table: text(f.table),
    column: text(f.column),
    constraint: text(f.constraint),
  };
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** The Neon proxy's JWT messages (docs/jwt-rules.md#error-texts), matched exactly as Neon sends them. */
function jwtKindOf(err: unknown, message: string): NeonJwtError['kind'] | undefined {
  if (err instanceof NeonJwtError) return err.kind;
  if (message === M.missingCredentials) return 'missing-credentials';
  if (message === M.invalidAuthorizationHeader) return 'invalid-authorization-header';
  if (message === M.invalidEncoding) return 'invalid-encoding';
  if (message === M.missingKeyId) return 'missing-key-id';
  if (message === M.jwkNotFound) return 'jwk-not-found';
  if (message === M.signatureAlgorithmNotSupported) return 'signature-algorithm-not-supported';
  if (message === M.invalidP256Key) return 'invalid-p256-key';
  if (message === M.invalidRsaKey) return 'invalid-rsa-key';
  if (message === M.invalidRsaSigningAlgorithm) return 'invalid-rsa-signing-algorithm';
  if (/^unsupported EC key type /.test(message)) return 'unsupported-ec-key-type';
  if (/^unsupported key type /.test(message)) return 'unsupported-key-type';
  if (message === M.signature) return 'signature';
  if (message === M.invalidAudience) return 'invalid-audience';
  if (/^JWT token has expired\b/.test(message)) return 'expired';
  if (/^JWT token is not yet ready to use\b/.test(message)) return 'not-yet-valid';
  return undefined;
}

const isAppRole = (role: string | undefined) => role === 'authenticated' || role === 'anonymous';
const q = quoteIdentAlways;

export function explainError(err: unknown, context: ExplainContext = {}): ExplainedError {
  const secrets = [...(context.secrets ?? [])];
  if (context.connectionUrl) {
    try {
      const password = splitConnectionSecret(context.connectionUrl).password;
      if (password) secrets.push(password);
    } catch {
      // Not a URL we can parse: redaction of URL-shaped text still applies.
    }
  }
  const explained = explain(err, context);
  const clean = (text: string | undefined) => (text === undefined ? undefined : maskSecrets(text, secrets));
  const out: ExplainedError = { title: clean(explained.title)!, message: clean(explained.message)! };
  if (explained.code) out.code = explained.code;
  const detail = clean(explained.detail);
  if (detail) out.detail = detail;
  const hint = clean(explained.hint);
  if (hint) out.hint = hint;
  if (explained.fixes?.length) out.fixes = explained.fixes.map((f) => ({ ...f, ...(f.target ? { target: clean(f.target) } : {}) }));
  return out;
}

function explain(err: unknown, ctx: ExplainContext): ExplainedError {
  if (isAbort(err)) return { title: 'Run cancelled', message: 'The run was cancelled before it finished. Nothing is shown for this side; a write that was cancelled was rolled back.' };
  const f = fieldsOf(err);
  const jwtKind = jwtKindOf(err, f.message);
  if (jwtKind) return explainJwt(jwtKind, f, err instanceof NeonJwtError ? err.explanation : undefined, ctx);
  if (f.code && SQLSTATE.test(f.code)) {
    const pgExplained = explainPostgres(f, ctx);
    if (pgExplained) return pgExplained;
  }
  if (isConnectionFailure(err, f)) return explainConnection(err, ctx);
  if (f.code && SQLSTATE.test(f.code)) return genericPostgres(f);
  return {
    title: 'The run failed',
    message: `${firstLine(f.message)}. Check the connection and the statement, then run it again.`,
    ...(f.detail ? { detail: f.detail } : {}),
  };
}

function isAbort(err: unknown): boolean {
  const e = err as { name?: unknown } | null;
  return !!e && typeof e === 'object' && e.name === 'AbortError';
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? text).trim().replace(/\.$/, '');
}

// ---------------------------------------------------------------------------------------------
// Tokens Neon refuses (docs/jwt-rules.md)

function explainJwt(kind: NeonJwtError['kind'], f: ErrorFields, ownDiagnosis: string | undefined, ctx: ExplainContext): ExplainedError {
  const neonSays = `Neon says: "${f.message}".`;
  const base = { code: f.code || undefined, detail: ownDiagnosis ?? neonSays };
  const where = ctx.path === 'self-verified' ? 'The workbench checked the token as Neon does and refused it' : 'Neon refused the token';
  switch (kind) {
    case 'missing-credentials':
    case 'invalid-authorization-header':
      return {
        ...base,
        title: 'No usable token was sent',
        message:
          'Neon\'s authenticated endpoint needs "Authorization: Bearer <jwt>" on every request (with @neondatabase/serverless: neon(url, { authToken })). Paste a token or pick a persona; on Neon Authorize the anonymous role also needs a token.',
      };
    case 'invalid-encoding':
      return {
        ...base,
        title: 'The token is not a valid JWT',
        message: `${where}: it is not three base64url parts of JSON (header.payload.signature) with well-formed claims. Copy the whole token again (no quotes, no "Bearer " prefix, no line breaks), or mint one.`,
      };
    case 'missing-key-id':
      return {
        ...base,
        title: 'The token has no key id (kid)',
        message: `${where}: its header has no "kid", so Neon cannot tell which key of the provider's JWKS signed it. Configure the auth provider (or your signing code) to put the key id in the header; when minting with your own key, give its kid.`,
      };
    case 'jwk-not-found': {
      const role = ctx.loginRole ?? ctx.role;
      const wrongRole = role !== undefined && !isAppRole(role);
      const reasons = [
        wrongRole
          ? `The connection's role is ${q(role!)}${role === ctx.ownerRole ? ' (the owner role)' : ''}: Neon only looks for keys registered for the URL's role, and providers are registered for "authenticated" and "anonymous". Use DATABASE_AUTHENTICATED_URL (role authenticated) with a token, never the owner URL.`
          : undefined,
        'No JWKS is registered for this project or branch: add your auth provider\'s JWKS URL (Neon Console → RLS/Authorize, or Add Authentication Provider here).',
        'The token\'s "kid" is not in the registered JWKS: the token comes from another provider, another environment (test vs live), or a rotated key.',
        !wrongRole && role ? `The provider is registered for other roles than ${q(role)}.` : undefined,
      ].filter((r): r is string => !!r);
      return {
        ...base,
        title: wrongRole ? `No key for this token: the connection uses role ${q(role!)}` : 'No key for this token (jwk not found)',
        message: `${where} with "jwk not found". ${reasons.map((r, i) => `(${i + 1}) ${r}`).join(' ')}`,
        fixes: wrongRole ? [fixAction('chooseConnection'), fixAction('addProvider')] : [fixAction('addProvider'), fixAction('chooseConnection')],
      };
    }
    case 'signature-algorithm-not-supported':
    case 'unsupported-ec-key-type':
    case 'unsupported-key-type':
    case 'invalid-rsa-signing-algorithm':
    case 'invalid-p256-key':
    case 'invalid-rsa-key':
      return {
        ...base,
        title: 'Neon cannot verify this kind of signature',
        message: `${where}: Neon verifies only ES256 (P-256 keys) and RS256 (RSA keys of 2048 bits or more) signatures. Configure the provider to sign with ES256 or RS256; shared-secret (HS256) providers and EdDSA are not supported.`,
      };
    case 'signature':
      return {
        ...base,
        title: 'The token\'s signature does not match',
        message: `${where}: the signature does not verify with the key its "kid" names. The token was altered, or signed by a different key that reuses the kid. Get a fresh token from the provider.`,
      };
    case 'invalid-audience':
      return {
        ...base,
        title: 'The token is for another audience',
        message: `${where}: the provider is registered with an audience and the token's "aud" does not contain it. Issue tokens for that audience, or register the provider with the audience your tokens carry.`,
        fixes: [fixAction('addProvider')],
      };
    case 'expired':
      return {
        ...base,
        title: 'The token has expired',
        message: `${where}: its "exp" is in the past (Neon allows 30 s of clock skew). Paste a fresh token, or mint the persona again.`,
      };
    case 'not-yet-valid':
      return {
        ...base,
        title: 'The token is not valid yet',
        message: `${where}: its "nbf" is more than 30 s in the future. Check the clock of the machine that issued it, or mint it again without a future nbf.`,
      };
  }
}

// ---------------------------------------------------------------------------------------------
// Postgres errors (docs/rls-pitfalls.md, docs/pg-session-jwt.md#errors)

function explainPostgres(f: ErrorFields, ctx: ExplainContext): ExplainedError | undefined {
  const role = ctx.role ?? 'this role';
  const roleQ = ctx.role ? q(ctx.role) : role;
  const grantee = ctx.role ?? 'authenticated';
  const base = { code: f.code, ...(f.detail ? { detail: f.detail } : {}), ...(f.hint ? { hint: f.hint } : {}) };
  const m = f.message;
  let match: RegExpExecArray | null;

  if (f.code === '42501') {
    if ((match = /^permission denied for (table|view|materialized view|relation|foreign table) (.+)$/.exec(m))) {
      const table = match[2];
      const verb = statementPrivilege(ctx.statement?.kind);
      return {
        ...base,
        title: `Missing grant: ${roleQ} may not use ${match[1]} ${table}`,
        message: `Role ${roleQ} has no ${verb} privilege on ${table}, so Postgres refuses before any policy is checked. Grant it with the owner connection: GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO ${grantee}; (RLS policies then decide which rows).`,
        fixes: [fixAction('scaffoldGrants', table)],
      };
    }
    if ((match = /^permission denied for schema (.+)$/.exec(m))) {
      const schema = match[1];
      if (ctx.statement?.kind === 'ddl')
        return {
          ...base,
          title: `Missing grant: ${roleQ} may not create objects in schema ${schema}`,
          message: `Creating objects in schema ${schema} needs the CREATE privilege, which role ${roleQ} does not have. Usually that is right: run schema changes with the owner connection. To let this role create objects there: GRANT CREATE ON SCHEMA ${schema} TO ${grantee}; (it then owns what it creates, and owners skip RLS).`,
          fixes: [fixAction('scaffoldGrants', schema)],
        };
      if (schema === 'auth')
        return {
          ...base,
          title: `Missing grant: ${roleQ} may not use schema auth`,
          message: `Policies call pg_session_jwt's functions (auth.user_id()) in schema auth, and role ${roleQ} has no USAGE on it. Grant it with the owner connection: GRANT USAGE ON SCHEMA auth TO ${grantee}; (installing pg_session_jwt on Neon grants it).`,
          fixes: [fixAction('scaffoldGrants', 'auth'), fixAction('installPgSessionJwt')],
        };
      return {
        ...base,
        title: `Missing grant: ${roleQ} may not use schema ${schema}`,
        message: `Role ${roleQ} has no USAGE privilege on schema ${schema}, so none of its tables can be reached. Grant it with the owner connection: GRANT USAGE ON SCHEMA ${schema} TO ${grantee};`,
        fixes: [fixAction('scaffoldGrants', schema)],
      };
    }
    if ((match = /^permission denied for (function|procedure|routine) (.+)$/.exec(m))) {
      const fn = match[2];
      const inAuth = /^auth\./.test(fn);
      return {
        ...base,
        title: `Missing grant: ${roleQ} may not run ${fn}()`,
        message: `Role ${roleQ} has no EXECUTE privilege on ${match[1]} ${fn}. Grant it with the owner connection: GRANT EXECUTE ON FUNCTION ${fn} TO ${grantee};${inAuth ? ' (pg_session_jwt grants its auth.* functions to PUBLIC when installed; reinstalling it restores them.)' : ''}`,
        fixes: inAuth ? [fixAction('scaffoldGrants', fn), fixAction('installPgSessionJwt')] : [fixAction('scaffoldGrants', fn)],
      };
    }
    if ((match = /^permission denied for sequence (.+)$/.exec(m))) {
      const seq = match[1];
      return {
        ...base,
        title: `Missing grant: ${roleQ} may not use sequence ${seq}`,
        message: `Inserting takes the next value of ${seq} (a serial column), and role ${roleQ} has no USAGE on it. Grant it with the owner connection: GRANT USAGE, SELECT ON SEQUENCE ${seq} TO ${grantee}; (identity columns need no grant).`,
        fixes: [fixAction('scaffoldGrants', seq)],
      };
    }
    if ((match = /^permission denied to set role "(.+)"$/.exec(m))) {
      const target = match[1];
      const login = ctx.loginRole ?? 'the login role';
      return {
        ...base,
        title: `The login role cannot switch to ${q(target)}`,
        message: `Self-verified claims check the token in the workbench, then run SET LOCAL ROLE ${target} so RLS applies; role ${ctx.loginRole ? q(login) : login} is not a member of ${q(target)}. Grant it: GRANT ${target} TO ${ctx.loginRole ?? '<login role>'}; — run it as a role that may grant ${q(target)} (a superuser, or a role with ADMIN OPTION on it). Use a login role that neither owns your tables nor has BYPASSRLS.`,
        // Granting role membership needs ADMIN rights the workbench's connections rarely have: the message carries the statement.
        fixes: [fixAction('chooseConnection')],
      };
    }
    if ((match = /^new row violates row-level security policy (\(USING expression\) )?for table "(.+)"$/.exec(m))) {
      return explainWithCheck(match[2], !!match[1], base, ctx);
    }
    if (/permission denied to create extension "pg_session_jwt"/.test(m)) {
      return {
        ...base,
        title: 'This role may not install pg_session_jwt',
        message: 'Installing pg_session_jwt needs the database owner (on Neon: the role that created the project, e.g. neondb_owner) on a database created in the Neon Console or API. Run it with the owner connection; on databases created with SQL, ask Neon support or create the database in the Console.',
        fixes: [fixAction('installPgSessionJwt'), fixAction('chooseConnection')],
      };
    }
    return {
      ...base,
      title: `Permission denied for ${roleQ}`,
      message: `${firstLine(m)}. Role ${roleQ} lacks a privilege this statement needs; grant it with the owner connection, or run a statement this role may run.`,
      fixes: [fixAction('scaffoldGrants')],
    };
  }

  if (f.code === '3F000' && /^schema "auth" does not exist$/.test(m)) return pgSessionJwtMissing(base, 'schema auth does not exist');

  if (f.code === '42883' && (match = /^function auth\.(\w+)\((.*)\) does not exist$/.exec(m))) {
    const fn = match[1];
    const newer: Record<string, string> = { uid: '0.4.0', organization: '0.5.0', organization_id: '0.5.0' };
    if (newer[fn])
      return {
        ...base,
        title: `auth.${fn}() needs a newer pg_session_jwt`,
        message: `auth.${fn}() exists from pg_session_jwt ${newer[fn]} on; this database has an older version (Neon's computes pin 0.3.1). Use auth.user_id() (every version), or check SELECT extversion FROM pg_extension WHERE extname = 'pg_session_jwt'.`,
        fixes: [fixAction('installPgSessionJwt')],
      };
    return pgSessionJwtMissing(base, `function auth.${fn}() does not exist`);
  }

  if (f.code === '02000' && /pg_session_jwt\.jwk/.test(m)) {
    return {
      ...base,
      title: 'pg_session_jwt has no session key',
      message: `auth.init() needs the per-connection key Neon's Authorize proxy sets (pg_session_jwt.jwk), which a plain connection does not have. Outside Neon's Authorize path use self-verified claims: auth.user_id() then reads request.jwt.claims.`,
    };
  }

  if ((f.code === '42804' || f.code === '23514') && /JWT|Token|jti|subject claim/.test(m)) {
    return {
      ...base,
      title: 'pg_session_jwt rejected the session token',
      message: `${firstLine(m)}. pg_session_jwt checks the token the proxy passes to auth.jwt_session_init() (integer jti increasing per connection, exp/nbf with 60 s leeway, a string sub). Run again with a fresh token; if it persists, the proxy and the extension disagree on the key.`,
    };
  }

  if (f.code === '23502' && ctx.claims !== undefined && !hasSub(ctx.claims)) {
    return {
      ...base,
      title: 'auth.user_id() is NULL: the token has no sub',
      message: `${firstLine(m)}. The column's default is probably auth.user_id(), which is NULL because ${ctx.claims === null ? 'no token was sent' : 'the token has no "sub" claim'}. Run with a token for a user (a persona with a sub), or give the column a value.`,
    };
  }

  if (f.code === '25006') {
    return ctx.side === 'owner'
      ? {
          ...base,
          title: 'The owner\'s view only reads',
          message: `${firstLine(m)}. The owner's side runs in a READ ONLY transaction so it can never change data; this statement writes (or calls a function that writes). Its effect is shown on the user's side only.`,
        }
      : {
          ...base,
          title: 'The statement tried to write',
          message: `${firstLine(m)}. It looked like a read, so it ran read-only; a function it calls changes data. Confirm it as a write to run it once.`,
        };
  }

  if (f.code === '42P01' && (match = /^relation "(.+)" does not exist$/.exec(m))) {
    return {
      ...base,
      title: `No table ${match[1]} for ${roleQ}`,
      message: `Postgres cannot find ${match[1]} in the search path of role ${roleQ}. Check the name and schema (write schema.table), and that the table exists on this branch; RLS never causes this error (missing grants give "permission denied").`,
    };
  }

  if (f.code === '0A000') {
    return {
      ...base,
      title: 'The playground cannot run this statement',
      message: `${firstLine(m)}.${f.hint ? ` ${f.hint}` : ''}`,
      fixes: [fixAction('chooseConnection')],
    };
  }
  return undefined;
}

function statementPrivilege(kind: string | undefined): string {
  switch (kind) {
    case 'insert':
      return 'INSERT';
    case 'update':
      return 'UPDATE';
    case 'delete':
      return 'DELETE';
    case 'merge':
      return 'INSERT/UPDATE/DELETE';
    default:
      return 'SELECT';
  }
}

function hasSub(claims: Record<string, unknown> | null | undefined): boolean {
  return !!claims && typeof claims.sub === 'string' && claims.sub !== '';
}

function pgSessionJwtMissing(base: Partial<ExplainedError>, what: string): ExplainedError {
  return {
    ...base,
    title: 'pg_session_jwt is not installed',
    message: `${what[0].toUpperCase()}${what.slice(1)}: the policies call auth.user_id(), which pg_session_jwt provides. Install it with the owner connection: CREATE EXTENSION IF NOT EXISTS pg_session_jwt; (on Neon it also creates the authenticated and anonymous roles).`,
    fixes: [fixAction('installPgSessionJwt')],
  };
}

function explainWithCheck(table: string, usingExpression: boolean, base: Partial<ExplainedError>, ctx: ExplainContext): ExplainedError {
  const role = ctx.role ? q(ctx.role) : 'this role';
  const fixes = [fixAction('scaffoldPolicies', table)];
  if (ctx.claims !== undefined && !hasSub(ctx.claims)) {
    return {
      ...base,
      title: 'auth.user_id() is NULL, so the policy refuses the row',
      message: `Postgres refused the row for table ${table}: ${ctx.claims === null ? 'no token was sent' : 'the token has no "sub" claim'}, so auth.user_id() is NULL and a check like (auth.user_id() = user_id) is never true. Run with a persona that has a sub.`,
      fixes,
    };
  }
  if (ctx.statement?.returning && ctx.selectPolicyMissing) {
    return {
      ...base,
      title: `${ctx.statement.command} … RETURNING needs a SELECT policy on ${table}`,
      message: `The row passed the ${ctx.statement.command} policy, but RETURNING reads it back, and no SELECT policy lets ${role} see rows of ${table} (Postgres then reports the new row as violating row-level security). Add a SELECT policy for ${role}, or drop RETURNING.`,
      fixes,
    };
  }
  const command = ctx.statement?.command ?? 'INSERT/UPDATE';
  const maybeReturning = ctx.statement?.returning
    ? ' Because of RETURNING, the row must also pass a SELECT policy: INSERT … RETURNING needs a SELECT policy too.'
    : '';
  return {
    ...base,
    title: `The row fails ${table}'s policy check (WITH CHECK)`,
    message: usingExpression
      ? `The updated row of ${table} would no longer be visible to ${role} under the policy's USING expression, which Postgres checks on the new row too. Keep rows owned by the same user (e.g. do not change user_id), or change the policy.${maybeReturning}`
      : `The ${command} wrote a row of ${table} that the WITH CHECK expression of ${role}'s ${ctx.statement?.kind === 'update' ? 'UPDATE' : 'INSERT'} policy rejects (for example user_id must equal auth.user_id()). Unlike rows hidden by USING, which are skipped silently, a WITH CHECK failure raises this error. Write rows that belong to this user, or change the policy.${maybeReturning}`,
    fixes,
  };
}

function genericPostgres(f: ErrorFields): ExplainedError {
  return {
    title: 'The database refused the statement',
    message: `${firstLine(f.message)}.${f.hint ? ` Hint: ${f.hint}` : ''}`,
    code: f.code,
    ...(f.detail ? { detail: f.detail } : {}),
    ...(f.hint ? { hint: f.hint } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Connections

const CONNECTION_SQLSTATE = /^(08|28|3D|53|57P)/;
const NETWORK_CODES = /^(E[A-Z]+|UND_ERR_[A-Z_]+|ERR_TLS\w*|ERR_SSL\w*|[A-Z_]*CERT[A-Z_]*)$/;

function isConnectionFailure(err: unknown, f: ErrorFields): boolean {
  if (f.code && CONNECTION_SQLSTATE.test(f.code)) return true;
  if (f.code && NETWORK_CODES.test(f.code)) return true;
  if (/^(Error connecting to database|Server error \(HTTP status \d+\)|Connection terminated|connect E|getaddrinfo|timeout expired|self[- ]signed certificate)/i.test(f.message)) return true;
  const cause = (err as { cause?: unknown; sourceError?: unknown } | null) ?? {};
  return cause.cause !== undefined || cause.sourceError !== undefined ? isConnectionFailure(cause.cause ?? cause.sourceError, fieldsOf(cause.cause ?? cause.sourceError)) : false;
}

function explainConnection(err: unknown, ctx: ExplainContext): ExplainedError {
  const problem = classifyConnectionError(err, ctx.connectionUrl);
  const titles: Record<string, string> = {
    dns: 'The database host was not found',
    refused: 'Nothing answered at the database address',
    timeout: 'Connecting to the database timed out',
    password: 'The database refused the password',
    'role-missing': 'The role does not exist',
    'database-missing': 'The database does not exist',
    ssl: 'The TLS/SSL connection failed',
    permission: 'The role may not connect',
    jwt: 'Neon refused the token',
    unknown: 'Could not reach the database',
  };
  const fixes: FixAction[] = [fixAction('chooseConnection')];
  // Postgres answers a login to a role that does not exist as a wrong password: for the app roles, the
  // likely cause is that pg_session_jwt (which creates them) is not installed.
  if ((problem.kind === 'role-missing' || problem.kind === 'password') && /role "(authenticated|anonymous)"/i.test(problem.message)) fixes.unshift(fixAction('installPgSessionJwt'));
  if (problem.kind === 'refused' && ctx.path === 'playground') fixes.unshift(fixAction('openPlayground'));
  return {
    title: titles[problem.kind] ?? titles.unknown,
    message: problem.message,
    ...(problem.code ? { code: problem.code } : {}),
    detail: problem.detail,
    fixes,
  };
}

// ---------------------------------------------------------------------------------------------
// Built by the engine, not from an error

/** The user side was not shown because RLS would not apply to its role (the owner role is a false green: docs/rls-pitfalls.md#owner-bypass). */
export function explainRlsBypass(facts: RoleFacts, ctx: ExplainContext & { loginRole?: string }): ExplainedError {
  const role = q(facts.role || ctx.role || 'this role');
  const reasons: string[] = [];
  // The remedies (another owner, FORCE ROW LEVEL SECURITY, security_invoker) are in the message as SQL;
  // the only button that helps right away is picking another connection.
  const fixes: FixAction[] = [fixAction('chooseConnection')];
  if (facts.superuser) reasons.push(`${role} is a superuser, and superusers skip every policy.`);
  else if (facts.bypassRls) reasons.push(`${role} has BYPASSRLS, so no policy applies to it (Neon's owner role has it).`);
  for (const r of facts.relations) {
    if (!r.bypassed || facts.superuser || facts.bypassRls) continue;
    const name = r.schema && r.relname ? `${r.schema}.${r.relname}` : r.name;
    if (r.viewBypassedTables?.length) {
      reasons.push(
        `View ${name} is owned by ${q(r.owner ?? '?')} and runs with its owner's rights (security_invoker is off), so the policies of ${r.viewBypassedTables.join(', ')} are checked for its owner, who skips them. ALTER VIEW ${name} SET (security_invoker = on);`,
      );
    } else {
      reasons.push(
        `${role} ${r.owner === facts.role ? 'owns' : `has the privileges of ${q(r.owner ?? '?')}, the owner of`} ${name}, and owners skip its policies unless the table has FORCE ROW LEVEL SECURITY. Give the table another owner, or ALTER TABLE ${name} FORCE ROW LEVEL SECURITY;`,
      );
    }
  }
  const login = ctx.loginRole;
  const what =
    ctx.path === 'self-verified'
      ? `Run self-verified claims with a login role that is a member of the app role (GRANT authenticated TO ${login ?? '<login role>'};) and whose SET ROLE target is neither the tables' owner nor BYPASSRLS.`
      : 'Connect the user side with DATABASE_AUTHENTICATED_URL (role authenticated), not with the owner role.';
  return {
    title: `Not shown: RLS would not apply to ${role}`,
    message: `The user's side would show rows no policy filtered — a false green. ${reasons.join(' ')} ${what}`,
    detail: `Checked in the user side's own transaction, after switching role: ${facts.relations.map((r) => `${r.name}${r.found ? '' : ' (not found)'}`).join(', ') || 'no tables'}.`,
    fixes,
  };
}

/** A statement the engine will not run: empty, several statements, a syntax error. */
export function explainSqlProblem(problem: SqlProblem): ExplainedError {
  const titles: Record<SqlProblem['code'], string> = {
    empty: 'No statement to run',
    'multiple-statements': 'One statement at a time',
    'syntax-error': 'The statement does not parse',
  };
  return { title: titles[problem.code], message: problem.message };
}

/** Statements that cannot mean anything in a one-statement, one-transaction run. */
export function explainUnrunnable(statement: Pick<ClassifiedStatement, 'kind' | 'command'>): ExplainedError {
  return statement.kind === 'transaction'
    ? {
        title: `${statement.command} is not needed here`,
        message: `Each run is one transaction of its own (the user side's claims and role are set inside it), so ${statement.command} has nothing to do. Run the statement itself.`,
      }
    : {
        title: `${statement.command} does not carry over`,
        message: `${statement.command} only changes the session, and each run starts a fresh one with the persona's claims and role; changing roles or settings here would also hide what RLS does for this user. Run the query itself.`,
      };
}

/** Shown on the user side when the path needs a token and none was given. */
export function explainMissingToken(path: RunPath): ExplainedError {
  return {
    title: 'A token is needed',
    message:
      path === 'self-verified'
        ? 'Self-verified claims run as role authenticated only with a verified token. Paste a token or pick a persona, or pick the anonymous persona.'
        : 'Neon\'s authenticated path needs a JWT. Paste a token or pick a persona, or pick the anonymous persona.',
  };
}
