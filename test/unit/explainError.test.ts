/**
 * Every error a run can hit (tokens Neon refuses, the RLS pitfalls of docs/rls-pitfalls.md,
 * pg_session_jwt, connections) maps to what happened, what to do and the fix buttons; nothing shown ever contains a password or a token. Errors are built the
 * way the drivers build them: NeonDbError (HTTP), pg's DatabaseError (TCP), NeonJwtError (the extension's
 * own Neon-rules check).
 */
import assert from 'node:assert/strict';
import { NeonDbError } from '@neondatabase/serverless';
import pg from 'pg';
import { NEON_JWT_MESSAGES as M, NeonJwtError } from '../../src/core/jwt/neonJwtError';
import {
  explainError,
  explainMissingToken,
  explainRlsBypass,
  explainSqlProblem,
  explainUnrunnable,
  type ExplainContext,
  type RoleFacts,
} from '../../src/core/runAsUser';
import { isExplainedError } from '../../src/core/runAsUserProtocol/messages';
import { explainedErrorMessage } from '../../src/extension/runAsUser/host';
import { maskSecrets } from '../../src/core/secrets';

/** What Neon's HTTP endpoint gives the driver: a 400 body turned into a NeonDbError. */
function neonError(message: string, fields: Record<string, string> = {}): NeonDbError {
  const e = new NeonDbError(message);
  Object.assign(e, { code: '', ...fields });
  return e;
}

/** What node-postgres throws for an ErrorResponse. */
function pgError(code: string, message: string, fields: Record<string, string> = {}): Error {
  const e = new pg.DatabaseError(message, message.length, 'error');
  Object.assign(e, { code, severity: 'ERROR', ...fields });
  return e;
}

const user = (extra: Partial<ExplainContext> = {}): ExplainContext => ({ side: 'user', path: 'playground', role: 'authenticated', claims: { sub: 'alice', role: 'authenticated' }, ...extra });
const actions = (e: { fixes?: { action: string }[] }) => e.fixes?.map((f) => f.action) ?? [];

describe('explainError', () => {
  describe('tokens Neon refuses, from the HTTP endpoint', () => {
    const cases: [string, RegExp, string[]][] = [
      [M.missingCredentials, /^No usable token was sent$/, []],
      [M.invalidAuthorizationHeader, /^No usable token was sent$/, []],
      [M.invalidEncoding, /^The token is not a valid JWT$/, []],
      [M.missingKeyId, /^The token has no key id \(kid\)$/, []],
      [M.jwkNotFound, /^No key for this token \(jwk not found\)$/, ['addProvider', 'chooseConnection']],
      [M.signatureAlgorithmNotSupported, /^Neon cannot verify this kind of signature$/, []],
      [M.unsupportedEcKeyType('P384'), /^Neon cannot verify this kind of signature$/, []],
      [M.unsupportedKeyType('Oct'), /^Neon cannot verify this kind of signature$/, []],
      [M.invalidRsaSigningAlgorithm, /^Neon cannot verify this kind of signature$/, []],
      [M.invalidP256Key, /^Neon cannot verify this kind of signature$/, []],
      [M.invalidRsaKey, /^Neon cannot verify this kind of signature$/, []],
      [M.signature, /^The token's signature does not match$/, []],
      [M.invalidAudience, /^The token is for another audience$/, ['addProvider']],
      [M.expired(1700000000), /^The token has expired$/, []],
      [M.notYetValid(4102444800), /^The token is not valid yet$/, []],
    ];
    for (const [message, title, fixes] of cases) {
      it(message, () => {
        const e = explainError(neonError(message), user());
        assert.match(e.title, title);
        assert.deepEqual(actions(e), fixes);
        assert.equal(e.detail, `Neon says: "${message}".`);
        assert.ok(e.message.length > 60, 'says what to do');
        assert.ok(isExplainedError(explainedErrorMessage(e)), 'the panel can show it');
      });
    }

    it('jwk not found with the owner role in the URL puts the wrong role first', () => {
      const e = explainError(neonError(M.jwkNotFound), user({ role: 'neondb_owner', ownerRole: 'neondb_owner' }));
      assert.equal(e.title, 'No key for this token: the connection uses role "neondb_owner"');
      assert.match(e.message, /\(1\) The connection's role is "neondb_owner" \(the owner role\).*never the owner URL/);
      assert.deepEqual(actions(e), ['chooseConnection', 'addProvider']);
    });

    it('jwk not found for an app role lists the registration and kid causes', () => {
      const e = explainError(neonError(M.jwkNotFound), user());
      assert.match(e.message, /\(1\) No JWKS is registered .* \(2\) The token's "kid" is not in the registered JWKS/);
    });

    it("the extension's own check (self-verified) keeps its precise diagnosis as detail", () => {
      const err = new NeonJwtError('jwk-not-found', M.jwkNotFound, 'No registered JWKS provider lists the role "rls_admin".');
      const e = explainError(err, user({ path: 'self-verified' }));
      assert.match(e.message, /^The workbench checked the token as Neon does and refused it/);
      assert.equal(e.detail, 'No registered JWKS provider lists the role "rls_admin".');
    });
  });

  describe('missing grants', () => {
    it('permission denied for table', () => {
      const e = explainError(pgError('42501', 'permission denied for table todos'), user({ statement: { kind: 'insert', command: 'INSERT', returning: false, targetTables: [] } }));
      assert.equal(e.title, 'Missing grant: "authenticated" may not use table todos');
      assert.match(e.message, /no INSERT privilege on todos.*GRANT SELECT, INSERT, UPDATE, DELETE ON todos TO authenticated;/);
      assert.deepEqual(e.fixes, [{ action: 'scaffoldGrants', target: 'todos' }]);
      assert.equal(e.code, '42501');
    });

    it('permission denied for schema auth, another schema, and CREATE in a schema', () => {
      const auth = explainError(neonError('permission denied for schema auth', { code: '42501' }), user());
      assert.equal(auth.title, 'Missing grant: "authenticated" may not use schema auth');
      assert.match(auth.message, /GRANT USAGE ON SCHEMA auth TO authenticated;/);
      assert.deepEqual(actions(auth), ['scaffoldGrants', 'installPgSessionJwt']);
      const other = explainError(pgError('42501', 'permission denied for schema private'), user());
      assert.match(other.message, /GRANT USAGE ON SCHEMA private TO authenticated;/);
      const ddl = explainError(pgError('42501', 'permission denied for schema public'), user({ statement: { kind: 'ddl', command: 'CREATE TABLE', returning: false, targetTables: [] } }));
      assert.equal(ddl.title, 'Missing grant: "authenticated" may not create objects in schema public');
    });

    it('permission denied for function, and for auth functions', () => {
      const f = explainError(pgError('42501', 'permission denied for function current_tenant'), user());
      assert.equal(f.title, 'Missing grant: "authenticated" may not run current_tenant()');
      assert.deepEqual(actions(f), ['scaffoldGrants']);
      const a = explainError(pgError('42501', 'permission denied for function auth.user_id'), user());
      assert.deepEqual(actions(a), ['scaffoldGrants', 'installPgSessionJwt']);
    });

    it('permission denied for sequence', () => {
      const e = explainError(pgError('42501', 'permission denied for sequence todos_id_seq'), user());
      assert.match(e.message, /GRANT USAGE, SELECT ON SEQUENCE todos_id_seq TO authenticated;/);
    });

    it('permission denied to set role (self-verified login role not a member)', () => {
      const e = explainError(pgError('42501', 'permission denied to set role "authenticated"'), user({ path: 'self-verified', loginRole: 'app_verifier' }));
      assert.equal(e.title, 'The login role cannot switch to "authenticated"');
      assert.match(e.message, /GRANT authenticated TO app_verifier;.*neither owns your tables nor has BYPASSRLS/);
      assert.deepEqual(actions(e), ['chooseConnection']);
    });

    it('permission denied to create extension pg_session_jwt', () => {
      const e = explainError(pgError('42501', 'permission denied to create extension "pg_session_jwt"'), user());
      assert.equal(e.title, 'This role may not install pg_session_jwt');
      assert.deepEqual(actions(e), ['installPgSessionJwt', 'chooseConnection']);
    });

    it('any other permission error keeps the message', () => {
      const e = explainError(pgError('42501', 'must be owner of table todos'), user());
      assert.equal(e.title, 'Permission denied for "authenticated"');
      assert.match(e.message, /^must be owner of table todos\./);
    });
  });

  describe('row-level security errors', () => {
    const rls = (table = 'todos', using = false) => pgError('42501', `new row violates row-level security policy ${using ? '(USING expression) ' : ''}for table "${table}"`);

    it('WITH CHECK on INSERT', () => {
      const e = explainError(rls(), user({ statement: { kind: 'insert', command: 'INSERT', returning: false, targetTables: [{ name: 'todos' }] } }));
      assert.equal(e.title, "The row fails todos's policy check (WITH CHECK)");
      assert.match(e.message, /WITH CHECK expression of "authenticated"'s INSERT policy rejects.*skipped silently/);
      assert.deepEqual(e.fixes, [{ action: 'scaffoldPolicies', target: 'todos' }]);
    });

    it('INSERT … RETURNING without a SELECT policy', () => {
      const statement = { kind: 'insert' as const, command: 'INSERT', returning: true, targetTables: [{ name: 'notes' }] };
      const sure = explainError(rls('notes'), user({ statement, selectPolicyMissing: true }));
      assert.equal(sure.title, 'INSERT … RETURNING needs a SELECT policy on notes');
      const unsure = explainError(rls('notes'), user({ statement }));
      assert.match(unsure.message, /INSERT … RETURNING needs a SELECT policy too/);
    });

    it('auth.user_id() is NULL: a token without sub, or no token', () => {
      const nosub = explainError(rls(), user({ claims: { role: 'authenticated' } }));
      assert.equal(nosub.title, 'auth.user_id() is NULL, so the policy refuses the row');
      assert.match(nosub.message, /the token has no "sub" claim/);
      const none = explainError(rls(), user({ claims: null }));
      assert.match(none.message, /no token was sent/);
      const notNull = explainError(pgError('23502', 'null value in column "user_id" of relation "todos" violates not-null constraint'), user({ claims: { role: 'authenticated' } }));
      assert.equal(notNull.title, 'auth.user_id() is NULL: the token has no sub');
    });

    it('an UPDATE whose new row fails the USING expression', () => {
      const e = explainError(rls('todos', true), user({ statement: { kind: 'update', command: 'UPDATE', returning: false, targetTables: [{ name: 'todos' }] } }));
      assert.match(e.message, /would no longer be visible to "authenticated" under the policy's USING expression/);
    });
  });

  describe('pg_session_jwt', () => {
    it('schema auth does not exist / function auth.user_id() does not exist', () => {
      const schema = explainError(neonError('schema "auth" does not exist', { code: '3F000' }), user({ side: 'owner' }));
      assert.equal(schema.title, 'pg_session_jwt is not installed');
      assert.deepEqual(actions(schema), ['installPgSessionJwt']);
      const fn = explainError(pgError('42883', 'function auth.user_id() does not exist', { hint: 'No function matches the given name and argument types.' }), user());
      assert.equal(fn.title, 'pg_session_jwt is not installed');
      assert.equal(fn.hint, 'No function matches the given name and argument types.');
    });

    it('auth.uid() on an older pg_session_jwt', () => {
      const e = explainError(pgError('42883', 'function auth.uid() does not exist'), user());
      assert.equal(e.title, 'auth.uid() needs a newer pg_session_jwt');
      assert.match(e.message, /0\.4\.0/);
    });

    it('missing pg_session_jwt.jwk, and the extension refusing the session token', () => {
      assert.equal(explainError(pgError('02000', 'Missing runtime parameter: pg_session_jwt.jwk'), user()).title, 'pg_session_jwt has no session key');
      assert.equal(explainError(pgError('23514', 'Token used after it has expired'), user()).title, 'pg_session_jwt rejected the session token');
      assert.equal(explainError(pgError('42804', 'invalid subject claim in the JWT'), user()).title, 'pg_session_jwt rejected the session token');
    });
  });

  describe('other database errors', () => {
    it('read-only transactions, on each side', () => {
      const err = () => pgError('25006', 'cannot execute INSERT in a read-only transaction');
      assert.equal(explainError(err(), { side: 'owner' }).title, "The owner's view only reads");
      assert.equal(explainError(err(), user()).title, 'The statement tried to write');
    });

    it('a missing table, the playground refusing, anything else', () => {
      assert.equal(explainError(pgError('42P01', 'relation "todoz" does not exist'), user()).title, 'No table todoz for "authenticated"');
      const guard = explainError(pgError('0A000', 'the embedded playground cannot check dynamic SQL', { hint: 'Connect to a real server.' }), user());
      assert.equal(guard.title, 'The playground cannot run this statement');
      assert.match(guard.message, /Connect to a real server\.$/);
      const other = explainError(pgError('22012', 'division by zero'), user());
      assert.equal(other.title, 'The database refused the statement');
      assert.equal(other.message, 'division by zero.');
      assert.equal(other.code, '22012');
    });
  });

  describe('connections', () => {
    const url = 'postgresql://authenticated:npg_secretPassword@127.0.0.1:4444/neondb';

    it('refused, not found, timed out', () => {
      const refused = explainError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4444'), { code: 'ECONNREFUSED' }), user({ connectionUrl: url }));
      assert.equal(refused.title, 'Nothing answered at the database address');
      assert.deepEqual(actions(refused), ['openPlayground', 'chooseConnection']);
      const viaNeon = neonError('Error connecting to database: TypeError: fetch failed');
      Object.assign(viaNeon, { code: undefined, sourceError: Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('getaddrinfo ENOTFOUND ep-x.neon.tech'), { code: 'ENOTFOUND', hostname: 'ep-x.neon.tech' }) }) });
      assert.equal(explainError(viaNeon, user({ path: 'authorize-http' })).title, 'The database host was not found');
      assert.equal(explainError(Object.assign(new Error('timeout expired'), {}), user()).title, 'Connecting to the database timed out');
    });

    it('a wrong password for an app role points at pg_session_jwt; the password is never shown', () => {
      const e = explainError(pgError('28P01', 'password authentication failed for user "authenticated"'), user({ connectionUrl: url }));
      assert.equal(e.title, 'The database refused the password');
      assert.deepEqual(actions(e), ['installPgSessionJwt', 'chooseConnection']);
      const server = explainError(neonError(`Server error (HTTP status 500): could not connect with ${url}`), user({ connectionUrl: url }));
      assert.ok(!JSON.stringify(server).includes('npg_secretPassword'));
      assert.ok(!JSON.stringify(e).includes('npg_secretPassword'));
    });
  });

  describe('secrets', () => {
    const token = 'eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlc2lnbmF0dXJl';

    it('never returns a token or a password, wherever the error put them', () => {
      const err = pgError('XX000', `boom postgresql://neondb_owner:hunter22pw@ep-a.neon.tech/neondb token ${token} password=topsecret`, {
        detail: `Authorization: Bearer ${token}`,
        hint: 'retry with hunter22pw',
      });
      const e = explainError(err, user({ secrets: [token, 'hunter22pw'] }));
      const text = JSON.stringify(e);
      for (const secret of [token, 'hunter22pw', 'topsecret']) assert.ok(!text.includes(secret), secret);
      assert.match(e.message, /neondb_owner:\*\*\*\*@ep-a\.neon\.tech/);
    });

    it('masks JWT-shaped text even when the token was not given as a secret', () => {
      assert.equal(maskSecrets(`bad token ${token} here`), 'bad token **** here');
    });
  });

  it('a cancelled run', () => {
    const abort = new DOMException('This operation was aborted', 'AbortError');
    assert.equal(explainError(abort, user()).title, 'Run cancelled');
  });

  it('anything else is still a sentence, never a stack', () => {
    const e = explainError(new Error('something odd\n    at foo (bar.js:1:1)'), user());
    assert.equal(e.title, 'The run failed');
    assert.equal(e.message, 'something odd. Check the connection and the statement, then run it again.');
  });

  describe('built by the engine', () => {
    const facts = (over: Partial<RoleFacts>): RoleFacts => ({ role: 'authenticated', superuser: false, bypassRls: false, relations: [], bypassed: true, ...over });

    it('RLS bypass: superuser, BYPASSRLS, owner, view', () => {
      assert.match(explainRlsBypass(facts({ superuser: true }), user()).message, /"authenticated" is a superuser/);
      assert.match(explainRlsBypass(facts({ role: 'neondb_owner', bypassRls: true }), user()).message, /"neondb_owner" has BYPASSRLS/);
      const owned = explainRlsBypass(
        facts({ relations: [{ name: 'todos', found: true, schema: 'public', relname: 'todos', kind: 'r', owner: 'authenticated', roleOwns: true, rlsEnabled: true, rlsForced: false, bypassed: true }] }),
        user({ path: 'self-verified', loginRole: 'app_verifier' }),
      );
      assert.equal(owned.title, 'Not shown: RLS would not apply to "authenticated"');
      assert.match(owned.message, /"authenticated" owns public\.todos.*FORCE ROW LEVEL SECURITY.*GRANT authenticated TO app_verifier;/);
      assert.deepEqual(actions(owned), ['chooseConnection']);
      const inherited = explainRlsBypass(facts({ relations: [{ name: 'todos', found: true, schema: 'public', relname: 'todos', kind: 'r', owner: 'migrator', roleOwns: true, rlsEnabled: true, rlsForced: false, bypassed: true }] }), user());
      assert.match(inherited.message, /has the privileges of "migrator", the owner of public\.todos/);
      assert.match(inherited.message, /DATABASE_AUTHENTICATED_URL/);
      const view = explainRlsBypass(facts({ relations: [{ name: 'v', found: true, schema: 'public', relname: 'v', kind: 'v', owner: 'neondb_owner', viewBypassedTables: ['todos'], bypassed: true }] }), user());
      assert.match(view.message, /ALTER VIEW public\.v SET \(security_invoker = on\);/);
      assert.deepEqual(actions(view), ['chooseConnection']);
    });

    it('statements that are refused, and a missing token', () => {
      assert.equal(explainSqlProblem({ code: 'multiple-statements', message: 'The text has 2 statements' }).title, 'One statement at a time');
      assert.equal(explainUnrunnable({ kind: 'transaction', command: 'BEGIN' }).title, 'BEGIN is not needed here');
      assert.equal(explainUnrunnable({ kind: 'session', command: 'SET' }).title, 'SET does not carry over');
      assert.match(explainMissingToken('self-verified').message, /Self-verified claims/);
    });
  });
});
