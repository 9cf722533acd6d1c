// What the setup commands tell the user: the JWKS check report (from live checks of local JWKS servers),
// the pg_session_jwt install summary, and the explanations of extension problems.
import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair, generateSecret } from 'jose';
import { checkJwks } from '../../src/core/jwksCheck';
import type { RoleInfo } from '../../src/core/introspect';
import { explainExtensionUnavailable, jwksFailureSummary, jwksReportMarkdown, pgSessionJwtSummary } from '../../src/extension/setup/reports';
import { startJwksServer, type JwksTestServer } from '../support/jwksServer';

const role = (name: string, extra: Partial<RoleInfo> = {}): RoleInfo => ({
  name,
  superuser: false,
  bypassRls: false,
  canLogin: false,
  inherit: true,
  currentUserIsMember: true,
  ...extra,
});

describe('extension reports: JWKS check document', () => {
  let server: JwksTestServer;
  let goodBody: string;
  let hmacBody: string;

  before(async () => {
    const es = await generateKeyPair('ES256', { extractable: true });
    goodBody = JSON.stringify({ keys: [{ ...(await exportJWK(es.publicKey)), kid: 'key-1', use: 'sig', alg: 'ES256' }] });
    const secret = await generateSecret('HS256', { extractable: true });
    hmacBody = JSON.stringify({ keys: [{ ...(await exportJWK(secret)), kid: 'hs-1', alg: 'HS256' }] });
    server = await startJwksServer((path) => {
      if (path.startsWith('/.well-known/jwks.json')) return { body: goodBody };
      if (path.startsWith('/hmac')) return { body: hmacBody };
      return { status: 404, contentType: 'text/html', body: '<html>not here</html>' };
    });
  });
  after(() => server?.close());

  it('says first that Neon can use a good key set, then lists every check and key', async () => {
    const report = await checkJwks(server.url, { retries: 0 });
    const md = jwksReportMarkdown(report, { providerName: 'Local IdP', target: 'the playground', audience: 'my-api', notes: ['A note.'] });
    const lines = md.split('\n');
    assert.equal(lines[0], '# JWKS check: Local IdP');
    assert.match(md, /\*\*✅ Neon can use this key set\*\* \(1 usable key: 1 ES256, 0 RS256\)/);
    assert.match(md, /It can be registered on the playground\./);
    assert.match(md, /Audience \(aud\): `my-api`/);
    assert.match(md, /\| ⚠️ \| Reachable by Neon \| 127\.0\.0\.1 is a local address/);
    assert.match(md, /kid "key-1"/);
    assert.match(md, /## Notes\n\n- A note\./);
  });

  it('says plainly that nothing was registered and why, for a 404 and for HMAC-only keys', async () => {
    const missing = await checkJwks(server.url.replace('/.well-known/jwks.json', '/nope'), { retries: 0 });
    const md = jwksReportMarkdown(missing, { providerName: 'Broken', target: 'Neon project p-1' });
    assert.match(md, /\*\*❌ Neon cannot use this key set\.\*\* Nothing was registered on Neon project p-1\./);
    assert.match(md, /- \*\*HTTP status\*\*: HTTP 404/);
    assert.match(jwksFailureSummary(missing), /^HTTP status: HTTP 404/);

    const hmac = await checkJwks(server.url.replace('/.well-known/jwks.json', '/hmac'), { retries: 0 });
    assert.equal(hmac.ok, false);
    assert.match(jwksFailureSummary(hmac), /symmetric|ES256|RS256/);
  });

  it('escapes table cells so a message with "|" keeps the table intact', () => {
    const md = jwksReportMarkdown(
      { url: 'https://x/jwks', ok: false, items: [{ check: 'json', title: 'JSON key set', status: 'fail', message: 'a | b\nc' }], keys: { lines: [] } } as never,
      { providerName: 'X', target: 't' },
    );
    assert.match(md, /\| ❌ \| JSON key set \| a \\\| b c \|/);
  });
});

describe('extension reports: pg_session_jwt', () => {
  const installed = { installed: true, installedVersion: '0.3.1', schema: 'auth' } as never;
  const auth = (usage: boolean) => [{ name: 'auth', privileges: { authenticated: { usage, create: false }, anonymous: { usage, create: false } } }];

  it('reports the version, the roles and USAGE on auth, then the next step', () => {
    const summary = pgSessionJwtSummary({ installed: false }, installed, { authenticated: role('authenticated'), anonymous: role('anonymous') }, auth(true));
    assert.deepEqual(summary.problems, []);
    assert.equal(
      summary.message,
      'pg_session_jwt 0.3.1 is installed in schema auth. Roles: authenticated ✓, anonymous ✓. Next: Scaffold Grants, then Scaffold Policies.',
    );
  });

  it('says what to do about missing roles, BYPASSRLS and missing USAGE', () => {
    const summary = pgSessionJwtSummary({ installed: true }, installed, { authenticated: role('authenticated', { bypassRls: true }), anonymous: null }, auth(false));
    assert.match(summary.message, /^pg_session_jwt 0\.3\.1 was already installed/);
    assert.match(summary.message, /anonymous missing/);
    assert.ok(summary.problems.some((p) => /CREATE ROLE anonymous NOLOGIN/.test(p)));
    assert.ok(summary.problems.some((p) => /ALTER ROLE authenticated NOBYPASSRLS/.test(p)));
    assert.ok(summary.problems.some((p) => /GRANT USAGE ON SCHEMA auth TO authenticated/.test(p)));
  });

  it('explains a server without the extension, for Neon and for other servers', () => {
    assert.match(explainExtensionUnavailable({ isNeon: true, label: 'Neon: app' }), /Postgres 16 and later/);
    assert.match(explainExtensionUnavailable({ isNeon: false, label: 'db@host' }), /pg_available_extensions.*playground/);
  });
});
