// classifyConnectionError on errors raised by the real @neondatabase/serverless driver (HTTP path), talking
// to a local server that answers like Neon's proxy, plus the Node error shapes node-postgres passes on.
// The node-postgres path against a real server is in test/integration/connections-postgres.test.ts.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { neon, neonConfig } from '@neondatabase/serverless';
import { classifyConnectionError } from '../../src/core/connections';

const NEON_URL = 'postgresql://authenticated:npg_Secret77@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb?sslmode=require';

describe('classifyConnectionError (Neon HTTP driver)', () => {
  let server: Server;
  let port: number;
  let answer: { status: number; body: string } = { status: 200, body: '{}' };
  const savedEndpoint = neonConfig.fetchEndpoint;

  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(answer.status, { 'content-type': answer.status === 400 ? 'application/json' : 'text/plain' });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  after(async () => {
    neonConfig.fetchEndpoint = savedEndpoint;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** Runs a query through the real driver against the local endpoint and classifies what it throws. */
  async function failWith(status: number, body: unknown, options: { authToken?: string } = {}) {
    neonConfig.fetchEndpoint = `http://127.0.0.1:${port}/sql`;
    answer = { status, body: typeof body === 'string' ? body : JSON.stringify(body) };
    const sql = neon(NEON_URL, options.authToken ? { authToken: options.authToken } : {});
    try {
      await sql`select 1`;
    } catch (err) {
      neonConfig.fetchEndpoint = savedEndpoint;
      return classifyConnectionError(err, NEON_URL);
    }
    assert.fail('the query unexpectedly succeeded');
  }

  const proxyError = (message: string, code = '') => ({
    message, code, detail: null, hint: null, position: null, internalPosition: null, internalQuery: null,
    severity: '', where: null, table: null, column: null, schema: null, dataType: null, constraint: null,
    file: null, line: null, routine: null,
  });

  it('password failures reported by the proxy (code "")', async () => {
    const p = await failWith(400, proxyError("password authentication failed for user 'authenticated'"));
    assert.equal(p.kind, 'password');
    assert.match(p.message, /^Password authentication failed for role "authenticated" on authenticated@ep-cool-darkness-123456\/neondb\./);
    assert.match(p.message, /exist only once pg_session_jwt is installed/);
    assert.ok(!p.message.includes('npg_Secret77') && !p.detail.includes('npg_Secret77'));
  });

  it('Postgres errors relayed with their SQLSTATE', async () => {
    const db = await failWith(400, proxyError('database "nodb" does not exist', '3D000'));
    assert.equal(db.kind, 'database-missing');
    assert.equal(db.code, '3D000');
    assert.match(db.message, /^Database "nodb" does not exist on ep-cool-darkness-123456\./);
    const role = await failWith(400, proxyError('role "authenticated" does not exist', '28000'));
    assert.equal(role.kind, 'role-missing');
    assert.match(role.message, /Install pg_session_jwt/);
    const perm = await failWith(400, proxyError('permission denied for database neondb', '42501'));
    assert.equal(perm.kind, 'permission');
  });

  it('JWT refusals on the Authorize path are not mistaken for password errors', async () => {
    const p = await failWith(400, proxyError("password authentication failed for user 'jwk not found'"), { authToken: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.sig' });
    assert.equal(p.kind, 'jwt');
    assert.match(p.message, /Neon refused the JWT .*: password authentication failed for user 'jwk not found'\. Check that the provider's JWKS URL is registered/);
    const expired = await failWith(400, proxyError('JWT token has expired (exp=1700000000)'));
    assert.equal(expired.kind, 'jwt');
  });

  it('"Server error (HTTP status N)" answers', async () => {
    const down = await failWith(500, "Couldn't connect to compute node");
    assert.equal(down.kind, 'unknown');
    assert.match(down.message, /Neon could not start or reach the compute/);
    const gateway = await failWith(502, 'bad gateway');
    assert.equal(gateway.kind, 'unknown');
    assert.match(gateway.message, /SQL-over-HTTP endpoint for .* failed \(HTTP 502\)\. This is on the server side/);
    const missing = await failWith(404, 'not found');
    assert.equal(missing.kind, 'dns');
    const denied = await failWith(401, 'unauthorized');
    assert.equal(denied.kind, 'permission');
  });

  it('fetch failures wrap the network cause (unknown host, refused port)', async () => {
    const unknownHost = 'postgresql://u:p@ep-nowhere-000000.naw-test.invalid/db';
    neonConfig.fetchEndpoint = (host) => `http://${host}:8080/sql`;
    try {
      const dns = await neon(unknownHost)`select 1`.then(
        () => assert.fail('unexpected success'),
        (err: unknown) => classifyConnectionError(err, unknownHost),
      );
      assert.equal(dns.kind, 'dns');
      assert.match(dns.message, /"ep-nowhere-000000\.naw-test\.invalid" could not be resolved/);

      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const closedPort = (closed.address() as { port: number }).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      neonConfig.fetchEndpoint = `http://127.0.0.1:${closedPort}/sql`;
      const refused = await neon(NEON_URL)`select 1`.then(
        () => assert.fail('unexpected success'),
        (err: unknown) => classifyConnectionError(err, NEON_URL),
      );
      assert.equal(refused.kind, 'refused');
      assert.match(refused.detail, /Error connecting to database/);
    } finally {
      neonConfig.fetchEndpoint = savedEndpoint;
    }
  });
});

describe('classifyConnectionError (other shapes)', () => {
  it('TLS certificate errors by code', () => {
    const err = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    const p = classifyConnectionError(err, 'postgres://u:p@db.example.com/app?sslmode=verify-full');
    assert.equal(p.kind, 'ssl');
    assert.equal(p.code, 'SELF_SIGNED_CERT_IN_CHAIN');
    assert.match(p.message, /self-signed certificate in certificate chain\. .*trust its CA/);
  });

  it('a server that requires SSL (pg_hba "SSL off")', () => {
    const err = Object.assign(new Error('no pg_hba.conf entry for host "10.0.0.5", user "app", database "app", SSL off'), { code: '28000' });
    const p = classifyConnectionError(err, 'postgres://app:pw@db.example.com/app');
    assert.equal(p.kind, 'ssl');
    assert.match(p.message, /only accepts encrypted connections\. Add sslmode=require/);
  });

  it('pg_hba refusals without an SSL hint point at the server configuration', () => {
    const err = Object.assign(new Error('no pg_hba.conf entry for host "10.0.0.5", user "app", database "app", no encryption'), { code: '28000' });
    assert.equal(classifyConnectionError(err).kind, 'ssl');
    const plain = Object.assign(new Error('no pg_hba.conf entry for host "10.0.0.5", user "app", database "app", SSL encryption'), { code: '28000' });
    const p = classifyConnectionError(plain, 'postgres://app@db.example.com/app');
    assert.equal(p.kind, 'permission');
    assert.match(p.message, /^The server refuses role "app" from this machine: its pg_hba\.conf has no entry/);
  });

  it('AggregateError from dual-stack connects (localhost → ::1 and 127.0.0.1)', () => {
    const inner = [
      Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ];
    const p = classifyConnectionError(new AggregateError(inner, ''), 'postgres://u@localhost/db');
    assert.equal(p.kind, 'refused');
    assert.match(p.message, /localhost:5432 .*for the playground: start it again/);
  });

  it('Neon asks for SNI; unknown errors keep the driver text without secrets', () => {
    const sni = classifyConnectionError(new Error('Endpoint ID is not specified. Either please upgrade the postgres client library (libpq) for SNI support or pass the endpoint ID (first part of the domain name) as a parameter'), 'postgres://u:p@ep-a-1.us-east-2.aws.neon.tech/db');
    assert.equal(sni.kind, 'ssl');
    assert.match(sni.message, /options=endpoint%3D<endpoint-id>/);
    const url = 'postgres://u:veryS3cret@h.example.com/db';
    const odd = classifyConnectionError(new Error(`weird failure for ${url} with veryS3cret`), url);
    assert.equal(odd.kind, 'unknown');
    assert.ok(!odd.message.includes('veryS3cret') && !odd.detail.includes('veryS3cret'));
    assert.match(odd.message, /^Could not connect to u@h\.example\.com\/db: weird failure for postgres:\/\/u:\*\*\*\*@h\.example\.com\/db with \*\*\*\*\./);
    assert.equal(classifyConnectionError('just a string').kind, 'unknown');
  });
});

describe('classifyConnectionError keeps its own words when the password is an ordinary word', () => {
  it('redacts the password where the driver repeated it, not in the explanation', () => {
    const url = 'postgresql://neondb_owner:wrong@ep-cool-darkness-123456.us-east-2.aws.neon.tech/neondb';
    const err = Object.assign(new Error('password authentication failed for user "neondb_owner" (tried password wrong)'), { code: '28P01' });
    const problem = classifyConnectionError(err, url);
    assert.equal(problem.kind, 'password');
    assert.match(problem.message, /The password in the URL is wrong or was reset/);
    assert.doesNotMatch(problem.detail, /wrong/);
    assert.match(problem.detail, /tried password \*\*\*\*/);
  });
});
