/**
 * A database handle over one connection URL (the owner's, for introspection and scripts): Neon's HTTP
 * driver for Neon hosts and for local `/sql` endpoints (the playground), node-postgres for any other
 * host. No `vscode` import: tested in plain Node. The drivers load on first use (dynamic import), so
 * activation stays light.
 */
import type { Queryable } from '../introspect/queryable';
import { classifyConnectionError, type ConnectionProblem } from './classifyError';
import { describeConnection } from './url';

export type Transport = 'neon-http' | 'node-postgres';

export interface ScriptResult {
  /** Statements run (all of them: a script runs in one transaction, all or nothing). */
  readonly statements: number;
  readonly transport: Transport;
}

export interface OwnerDatabase extends Queryable {
  readonly transport: Transport;
  /** Runs the statements in one transaction: the first failure rolls every one back. */
  runScript(statements: readonly string[]): Promise<ScriptResult>;
  close(): Promise<void>;
}

/** The connection could not be made (DNS, password, role, database…): `problem.message` says what to do. */
export class ConnectionFailedError extends Error {
  override readonly name = 'ConnectionFailedError';
  constructor(readonly problem: ConnectionProblem) {
    super(problem.message);
  }
}

/** The connection failure behind an error (introspection wraps it as its `cause`). */
export function findConnectionFailure(error: unknown): ConnectionFailedError | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ConnectionFailedError) return e;
  }
  return undefined;
}

/** The database refused a statement (syntax, permission, missing object…). The message is the database's own. */
export class StatementError extends Error {
  override readonly name = 'StatementError';
  constructor(
    message: string,
    /** SQLSTATE, e.g. 42501. */
    readonly code: string | undefined,
    /** 1-based statement number within a script, when known. */
    readonly statementNumber?: number,
    readonly statementText?: string,
  ) {
    super(message);
  }
}

/**
 * SQLSTATE classes that mean "could not connect" rather than "this statement failed": connection exceptions
 * (08), invalid authorization (28), invalid catalog name (3D), and the server refusing sessions.
 */
const CONNECTION_STATES = /^(08|28|3D)|^(57P03|53300)$/;

interface DriverError {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
  hint?: unknown;
}

/** A 5-character SQLSTATE on the error, if any. */
function sqlState(err: unknown): string | undefined {
  const code = (err as DriverError | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * Turns a driver error into what the user should read: a statement the database refused keeps the
 * database's message (with its detail and hint); anything else is a connection problem explained by
 * classifyConnectionError (what went wrong, what to do), with the password never in the text.
 */
export function explainDatabaseError(err: unknown, url: string, statement?: { number: number; text: string }): Error {
  if (err instanceof ConnectionFailedError || err instanceof StatementError) return err;
  const state = sqlState(err);
  if (state && !CONNECTION_STATES.test(state)) {
    const e = err as DriverError;
    const parts = [String(e.message ?? err)];
    if (typeof e.detail === 'string' && e.detail) parts.push(`Detail: ${e.detail}`);
    if (typeof e.hint === 'string' && e.hint) parts.push(`Hint: ${e.hint}`);
    return new StatementError(parts.join(' '), state, statement?.number, statement?.text);
  }
  return new ConnectionFailedError(classifyConnectionError(err, url));
}

/** Which driver a URL needs: HTTP for Neon hosts and for URLs with a local `/sql` endpoint. */
export function transportFor(url: string, fetchEndpoint?: string): Transport {
  if (fetchEndpoint) return 'neon-http';
  return describeConnection(url).isNeon ? 'neon-http' : 'node-postgres';
}

/** Opens a handle; nothing connects until the first query. */
export async function openDatabase(url: string, options: { fetchEndpoint?: string } = {}): Promise<OwnerDatabase> {
  return transportFor(url, options.fetchEndpoint) === 'neon-http' ? openHttp(url, options.fetchEndpoint) : openPostgres(url);
}

async function openHttp(url: string, fetchEndpoint: string | undefined): Promise<OwnerDatabase> {
  // neonConfig.fetchEndpoint is global: one router sends local endpoints' hosts there and leaves Neon hosts
  // on the driver's default.
  const { neonHttp } = await import('./neonHttp');
  const sql = neonHttp(url, fetchEndpoint);
  return {
    transport: 'neon-http',
    async query(text, params) {
      try {
        const result = await sql.query(text, params ?? []);
        return { rows: result.rows as Record<string, unknown>[] };
      } catch (err) {
        throw explainDatabaseError(err, url);
      }
    },
    async runScript(statements) {
      if (statements.length === 0) return { statements: 0, transport: 'neon-http' };
      try {
        // One HTTP batch = one transaction on Neon's endpoint (and the playground's).
        await sql.transaction(statements.map((s) => sql.query(s)));
      } catch (err) {
        const explained = explainDatabaseError(err, url);
        if (explained instanceof StatementError && statements.length === 1) {
          throw new StatementError(explained.message, explained.code, 1, statements[0]);
        }
        throw explained;
      }
      return { statements: statements.length, transport: 'neon-http' };
    },
    async close() {
      // Stateless: every HTTP request stands alone.
    },
  };
}

async function openPostgres(url: string): Promise<OwnerDatabase> {
  const pg = await import('pg');
  const Pool = pg.Pool ?? (pg as unknown as { default: typeof pg }).default.Pool;
  const pool = new Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 15_000, idleTimeoutMillis: 10_000 });
  // An idle client's error (server restart) must not crash the extension host.
  pool.on('error', () => {});
  const connect = async () => {
    try {
      return await pool.connect();
    } catch (err) {
      throw new ConnectionFailedError(classifyConnectionError(err, url));
    }
  };
  return {
    transport: 'node-postgres',
    async query(text, params) {
      const client = await connect();
      try {
        const result = await client.query(text, params as unknown[] | undefined);
        return { rows: result.rows as Record<string, unknown>[] };
      } catch (err) {
        throw explainDatabaseError(err, url);
      } finally {
        client.release();
      }
    },
    async runScript(statements) {
      const client = await connect();
      let index = 0;
      try {
        await client.query('BEGIN');
        for (; index < statements.length; index++) await client.query(statements[index]!);
        await client.query('COMMIT');
        return { statements: statements.length, transport: 'node-postgres' };
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        const failed = statements[index];
        throw explainDatabaseError(err, url, failed === undefined ? undefined : { number: index + 1, text: failed });
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end().catch(() => {});
    },
  };
}
