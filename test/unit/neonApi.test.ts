import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { createNeonApi, NeonApiError, parseRetryAfter, type NeonApi } from '../../src/core/neonApi';
import { FakeNeonApi, makeProject } from '../fixtures/neon-api/fakeNeonApi';
import { loadNeonOpenApiSpec } from '../fixtures/neon-api/openApiSpec';

const API_KEY = 'napi_' + 'k3yUnderTest0123456789abcdefghijklmnopqrstuvwx';
const PROJECT = 'shiny-wind-028834';
const MAIN = 'br-aged-salad-637688';

async function expectNeonError(promise: Promise<unknown>): Promise<NeonApiError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof NeonApiError, `expected NeonApiError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

/** Everything a careless caller might print about an error. */
function everyRendering(err: unknown): string {
  return [String(err), JSON.stringify(err), inspect(err, { depth: 10, showHidden: true }), (err as Error).stack ?? ''].join('\n');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('OpenAPI checker (the oracle of the fake)', () => {
  const spec = loadNeonOpenApiSpec();

  it('reads the document shipped in @neondatabase/api-client and finds operations by method and path', () => {
    assert.equal(spec.findOperation('GET', '/projects/abc/jwks')?.operation.operationId, 'getProjectJWKS');
    assert.equal(spec.findOperation('POST', '/projects/abc/jwks')?.operation.operationId, 'addProjectJWKS');
    assert.equal(spec.findOperation('DELETE', '/projects/abc/jwks/xyz')?.pathParams.jwks_id, 'xyz');
    assert.equal(spec.findOperation('GET', '/users/me/organizations')?.operation.operationId, 'getCurrentUserOrganizations');
    assert.equal(spec.findOperation('GET', '/projects/abc/nonsense'), undefined);
  });

  it('rejects bodies with missing, mistyped or unknown properties', () => {
    const schema = spec.requestBodySchema(spec.findOperation('POST', '/projects/p/jwks')!.operation)!.schema!;
    assert.deepEqual(spec.validate(schema, { jwks_url: 'https://x/jwks', provider_name: 'clerk' }), []);
    assert.match(spec.validate(schema, { provider_name: 'clerk' }).join(), /"jwks_url" is missing/);
    assert.match(spec.validate(schema, { jwks_url: 1, provider_name: 'clerk' }).join(), /expected string/);
    assert.match(spec.validate(schema, { jwksUrl: 'https://x', jwks_url: 'https://x', provider_name: 'c' }).join(), /"jwksUrl" is not in the schema/);
    assert.match(spec.validate(schema, { jwks_url: 'u', provider_name: 'c', role_names: 'authenticated' }).join(), /expected array/);
  });

  it('checks allOf responses, enums and required fields', () => {
    const schema = spec.responseSchema(spec.findOperation('POST', '/projects/p/jwks')!.operation, 201)!;
    const jwks = { id: 'j', project_id: 'p', jwks_url: 'u', provider_name: 'c', created_at: '2025-01-01T00:00:00Z', updated_at: '2025-01-01T00:00:00Z' };
    const operation = { id: 'o', project_id: 'p', action: 'apply_config', status: 'running', failures_count: 0, created_at: '2025-01-01T00:00:00Z', updated_at: '2025-01-01T00:00:00Z', total_duration_ms: 0 };
    assert.deepEqual(spec.validate(schema, { jwks, operations: [operation] }), []);
    assert.match(spec.validate(schema, { jwks }).join(), /"operations" is missing/);
    assert.match(spec.validate(schema, { jwks, operations: [{ ...operation, status: 'sleeping' }] }).join(), /not one of/);
    assert.match(spec.validate(schema, { jwks: { ...jwks, created_at: 'yesterday' }, operations: [] }).join(), /date-time/);
  });

  it('coerces query parameters by their schema', () => {
    const op = spec.findOperation('GET', '/projects/p/connection_uri')!;
    const pooled = op.parameters.find((p) => p.name === 'pooled')!;
    assert.deepEqual(spec.coerceParameter(pooled, 'true'), { value: true });
    assert.ok(spec.coerceParameter(pooled, 'yes').error);
  });
});

describe('Neon API wrapper against the spec-checked fake', () => {
  let fake: FakeNeonApi;
  let api: NeonApi;
  let logLines: string[];

  beforeEach(async () => {
    fake = await new FakeNeonApi(API_KEY).start();
    logLines = [];
    api = createNeonApi({ apiKey: API_KEY, baseURL: fake.baseURL, maxRetryWaitSeconds: 1, log: (line) => logLines.push(line) });
  });

  afterEach(async () => {
    await fake.stop();
    assert.deepEqual(fake.takeViolations(), [], 'requests and answers must match the OpenAPI document');
    for (const line of logLines) assert.ok(!line.includes(API_KEY), `log line leaks the API key: ${line}`);
  });

  it('the fake itself refuses requests the spec does not allow', async () => {
    const auth = { authorization: `Bearer ${API_KEY}` };
    const badLimit = await fetch(`${fake.baseURL}/projects?limit=lots`, { headers: auth });
    assert.equal(badLimit.status, 400);
    const undeclared = await fetch(`${fake.baseURL}/projects/${PROJECT}/connection_uri?database_name=neondb&role_name=x&projectId=1`, { headers: auth });
    assert.equal(undeclared.status, 400);
    const missing = await fetch(`${fake.baseURL}/projects/${PROJECT}/connection_uri?role_name=x`, { headers: auth });
    assert.equal(missing.status, 400);
    const badBody = await fetch(`${fake.baseURL}/projects/${PROJECT}/jwks`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ jwksUrl: 'https://x', providerName: 'clerk' }),
    });
    assert.equal(badBody.status, 400);
    const violations = fake.takeViolations().join('\n');
    assert.match(violations, /limit: not an integer/);
    assert.match(violations, /projectId is not declared/);
    assert.match(violations, /database_name is missing/);
    assert.match(violations, /"jwks_url" is missing/);
    assert.match(violations, /"jwksUrl" is not in the schema/);
  });

  it('listOrganizations returns the current user organizations', async () => {
    const orgs = await api.listOrganizations();
    assert.deepEqual(orgs.map((o) => o.id), ['org-morning-bread-81040908']);
    assert.equal(fake.requests.at(-1)?.operationId, 'getCurrentUserOrganizations');
    assert.equal(fake.requests.at(-1)?.authorization, `Bearer ${API_KEY}`);
  });

  it('listProjects filters by organization and follows the cursor past one page', async () => {
    const org = 'org-morning-bread-81040908';
    for (let i = 0; i < 401; i++) fake.state.projects.push(makeProject(`bulk-project-${String(i).padStart(4, '0')}`, `bulk ${i}`, org));
    fake.state.projects.push(makeProject('other-org-project', 'elsewhere', 'org-other-1'));
    const projects = await api.listProjects({ org_id: org });
    assert.equal(projects.length, 402);
    assert.ok(!projects.some((p) => p.id === 'other-org-project'));
    const calls = fake.requests.filter((r) => r.operationId === 'listProjects');
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[0]?.query, { limit: 400, org_id: org });
    assert.equal(calls[1]?.query.cursor, projects[399]?.id);
  });

  it('listBranches, listDatabases and listRoles return what the project has', async () => {
    assert.deepEqual((await api.listBranches(PROJECT)).map((b) => [b.name, b.default]), [['main', true], ['dev', false]]);
    assert.deepEqual((await api.listDatabases(PROJECT, MAIN)).map((d) => [d.name, d.owner_name]), [['neondb', 'neondb_owner']]);
    assert.deepEqual((await api.listRoles(PROJECT, MAIN)).map((r) => r.name), ['neondb_owner', 'authenticated']);
  });

  it('getConnectionUri asks for one database and role, pooled or direct', async () => {
    const direct = await api.getConnectionUri({ projectId: PROJECT, branchId: MAIN, databaseName: 'neondb', roleName: 'authenticated' });
    assert.match(direct, /^postgresql:\/\/authenticated:npg_AuthSecret456@ep-aged-salad-637688\.us-east-2\.aws\.neon\.tech\/neondb\?/);
    assert.deepEqual(fake.requests.at(-1)?.query, { branch_id: MAIN, database_name: 'neondb', role_name: 'authenticated' });
    const pooled = await api.getConnectionUri({ projectId: PROJECT, branchId: MAIN, databaseName: 'neondb', roleName: 'neondb_owner', pooled: true });
    assert.match(pooled, /@ep-aged-salad-637688-pooler\./);
    assert.equal(fake.requests.at(-1)?.query.pooled, true);
  });

  it('addJwks, listJwks and deleteJwks manage the project providers', async () => {
    const added = await api.addJwks(PROJECT, {
      jwksUrl: 'https://api.stack-auth.com/api/v1/projects/p1/.well-known/jwks.json',
      providerName: 'Stack Auth',
      branchId: MAIN,
      jwtAudience: 'p1',
      roleNames: ['authenticated', 'anonymous'],
    });
    assert.deepEqual(fake.requests.at(-1)?.body, {
      jwks_url: 'https://api.stack-auth.com/api/v1/projects/p1/.well-known/jwks.json',
      provider_name: 'Stack Auth',
      branch_id: MAIN,
      jwt_audience: 'p1',
      role_names: ['authenticated', 'anonymous'],
    });
    assert.equal(added.jwks.provider_name, 'Stack Auth');
    assert.equal(added.operations.length, 1);
    const minimal = await api.addJwks(PROJECT, { jwksUrl: 'https://test.stytch.com/v1/sessions/jwks/project-test-1', providerName: 'Stytch' });
    assert.deepEqual(Object.keys(fake.requests.at(-1)?.body as object).sort(), ['jwks_url', 'provider_name']);
    assert.deepEqual((await api.listJwks(PROJECT)).map((j) => j.provider_name), ['Stack Auth', 'Stytch']);
    const removed = await api.deleteJwks(PROJECT, minimal.jwks.id);
    assert.equal(removed.id, minimal.jwks.id);
    assert.deepEqual((await api.listJwks(PROJECT)).map((j) => j.provider_name), ['Stack Auth']);
  });

  it('401: says the key is invalid or revoked and where to create a new one', async () => {
    const wrong = createNeonApi({ apiKey: 'napi_revokedKey0000000000000000000', baseURL: fake.baseURL });
    const err = await expectNeonError(wrong.listProjects());
    assert.equal(err.kind, 'unauthorized');
    assert.equal(err.status, 401);
    assert.match(err.message, /^Could not list Neon projects: the Neon API key is invalid or has been revoked \(HTTP 401\)/);
    assert.match(err.message, /Neon Console \(Account settings → API keys/);
    assert.match(err.message, /run the command again/);
    assert.ok(!everyRendering(err).includes('napi_revokedKey0000000000000000000'));
  });

  it('404: names the project and says to pick it again', async () => {
    const err = await expectNeonError(api.listBranches('gone-project-123'));
    assert.equal(err.kind, 'not-found');
    assert.match(err.message, /project "gone-project-123" was not found \(HTTP 404: project gone-project-123 not found\)/);
    assert.match(err.message, /pick the project again/);
    const branchErr = await expectNeonError(api.listRoles(PROJECT, 'br-deleted-000001'));
    assert.match(branchErr.message, /branch "br-deleted-000001"/);
    assert.match(branchErr.message, /pick the project and branch again/);
  });

  it('429: honours a long Retry-After by telling the user how long to wait', async () => {
    fake.inject('listProjects', { status: 429, headers: { 'retry-after': '120' }, body: { code: '', message: 'rate limit exceeded' } });
    const err = await expectNeonError(api.listProjects());
    assert.equal(err.kind, 'rate-limited');
    assert.equal(err.retryAfterSeconds, 120);
    assert.match(err.message, /rate-limiting requests from this key \(HTTP 429\)\. Wait 120 s and run the command again\./);
  });

  it('429 with a short Retry-After is retried automatically', async () => {
    fake.inject('getCurrentUserOrganizations', { status: 429, headers: { 'retry-after': '0' }, body: { code: '', message: 'slow down' } });
    const orgs = await api.listOrganizations();
    assert.equal(orgs.length, 1);
    assert.equal(fake.requests.filter((r) => r.operationId === 'getCurrentUserOrganizations').length, 2);
    assert.ok(logLines.some((l) => /retrying "list your Neon organizations" in 0 s after HTTP 429/.test(l)));
  });

  it('423 / 409: an operation in progress means retry later', async () => {
    const noRetry = createNeonApi({ apiKey: API_KEY, baseURL: fake.baseURL, maxRetries: 0 });
    fake.inject('addProjectJWKS', { status: 423, body: { code: 'LOCKED', message: 'project already has running operations' } });
    const locked = await expectNeonError(noRetry.addJwks(PROJECT, { jwksUrl: 'https://x.example/jwks', providerName: 'Clerk' }));
    assert.equal(locked.kind, 'busy');
    assert.equal(locked.code, 'LOCKED');
    assert.match(locked.message, /still running another operation on this project \(HTTP 423: project already has running operations\)\. Wait a few seconds/);
    fake.inject('addProjectJWKS', { status: 409, body: { code: '', message: 'conflict' } });
    assert.equal((await expectNeonError(noRetry.addJwks(PROJECT, { jwksUrl: 'https://x.example/jwks', providerName: 'Clerk' }))).kind, 'busy');
  });

  it('403, 400 and 5xx carry Neon\'s message, the request id and what to do', async () => {
    fake.inject('getProjectJWKS', { status: 403, body: { code: '', message: 'project is not accessible with this key' } });
    const forbidden = await expectNeonError(api.listJwks(PROJECT));
    assert.equal(forbidden.kind, 'forbidden');
    assert.match(forbidden.message, /not allowed to do that \(HTTP 403: project is not accessible with this key\)/);
    fake.inject('addProjectJWKS', { status: 400, body: { code: '', message: 'jwks_url must use https', request_id: 'req-42' } });
    const bad = await expectNeonError(api.addJwks(PROJECT, { jwksUrl: 'http://insecure.example/jwks', providerName: 'X' }));
    assert.equal(bad.kind, 'bad-request');
    assert.equal(bad.requestId, 'req-42');
    assert.match(bad.message, /rejected the request \(HTTP 400: jwks_url must use https\) \(request id req-42\)\. Check the values/);
    fake.inject('listProjectBranchDatabases', { status: 500, times: 1, body: { code: '', message: 'internal error' } });
    const server = await expectNeonError(api.listDatabases(PROJECT, MAIN));
    assert.equal(server.kind, 'server');
    assert.match(server.message, /failed on its side \(HTTP 500: internal error\).*neonstatus\.com/);
  });

  it('a server message that echoes the key is redacted', async () => {
    fake.inject('listProjects', { status: 400, body: { code: '', message: `bad token ${API_KEY} for org` } });
    const err = await expectNeonError(api.listProjects());
    assert.match(err.message, /bad token \*\*\*\* for org/);
    assert.ok(!everyRendering(err).includes(API_KEY));
  });

  it('network errors: refused, unknown host, timeout — each with what to check', async () => {
    const port = await freePort();
    const refused = await expectNeonError(createNeonApi({ apiKey: API_KEY, baseURL: `http://127.0.0.1:${port}/api/v2` }).listProjects());
    assert.equal(refused.kind, 'network');
    assert.equal(refused.code, 'ECONNREFUSED');
    assert.match(refused.message, new RegExp(`connection to the Neon API at 127\\.0\\.0\\.1:${port} was refused.*proxy settings`));

    const dns = await expectNeonError(createNeonApi({ apiKey: API_KEY, baseURL: 'http://neon-api.invalid/api/v2' }).listOrganizations());
    assert.equal(dns.kind, 'network');
    assert.match(dns.code ?? '', /^(ENOTFOUND|EAI_AGAIN)$/);
    assert.match(dns.message, /host neon-api\.invalid could not be resolved.*Check your network connection, DNS and proxy settings/);

    fake.inject('listProjectBranches', { status: 200, hang: true });
    const slow = createNeonApi({ apiKey: API_KEY, baseURL: fake.baseURL, timeoutMs: 300 });
    const timeout = await expectNeonError(slow.listBranches(PROJECT));
    assert.equal(timeout.kind, 'network');
    assert.equal(timeout.code, 'ECONNABORTED');
    assert.match(timeout.message, /the Neon API at 127\.0\.0\.1:\d+ did not answer within 0\.3 s \(ECONNABORTED\)\. Check your network/);
    for (const err of [refused, dns, timeout]) assert.ok(!everyRendering(err).includes(API_KEY));
  });

  it('an empty key is refused before any request', () => {
    assert.throws(() => createNeonApi({ apiKey: '  ', baseURL: fake.baseURL }), (err: unknown) => err instanceof NeonApiError && /No Neon API key is set/.test(err.message));
    assert.equal(fake.requests.length, 0);
  });

  it('the key never reaches the log, even on failures', async () => {
    await api.listOrganizations();
    fake.inject('listProjects', { status: 500, body: { code: '', message: 'boom' } });
    await expectNeonError(api.listProjects());
    assert.ok(logLines.some((l) => l.startsWith('GET /users/me/organizations -> 200')));
    assert.ok(logLines.some((l) => /^GET \/projects\?limit=400 -> 500/.test(l)));
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    assert.equal(parseRetryAfter('30'), 30);
    assert.equal(parseRetryAfter(['7']), 7);
    assert.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });
});
