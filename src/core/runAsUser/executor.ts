/**
 * One way to run statements in one transaction, over either driver the workbench speaks:
 * - Neon's HTTP driver (`@neondatabase/serverless`), for Neon hosts and local `/sql` endpoints (the
 *   playground): a batch is one transaction on the server, and a token goes in `authToken`;
 * - node-postgres over TCP, for any other Postgres (self-verified claims need no Neon feature).
 * Every value comes back in Postgres text form (null is SQL NULL), with the fields' type and origin ids.
 */
import { neon } from '@neondatabase/serverless';
import pg from 'pg';
import { describeConnection } from '../connections/url';
import { ensureFetchRouting, routeConnectionToEndpoint } from '../connections/fetchEndpoints';

export type DriverKind = 'neon-http' | 'pg';

export interface ConnectionTarget {
  /** postgres:// URL with its password (kept in memory only; never logged or returned). */
  url: string;
  /** A local Neon-protocol endpoint serving this URL (the playground's `http://127.0.0.1:PORT/sql`). */
  fetchEndpoint?: string;
  /** Force a driver; by default Neon hosts and URLs with a fetchEndpoint use HTTP, others TCP. */
  driver?: DriverKind;
}

export interface SqlStatement {
  text: string;
  /** Postgres text form of each `$n` parameter; null is SQL NULL. */
  params?: (string | null)[];
}

export interface RawField {
  name: string;
  dataTypeID: number;
  /** OID of the table the column comes from (0 for expressions). */
  tableID: number;
  /** Attribute number of that column (0 for expressions). */
  columnID: number;
}

export interface RawResult {
  fields: RawField[];
  rows: (string | null)[][];
  /** First word of the command tag. */
  command: string;
  rowCount: number | null;
}

export interface TransactionOptions {
  readOnly: boolean;
  signal?: AbortSignal;
}

export interface SqlExecutor {
  readonly driver: DriverKind;
  /** Role, host and database for labels; never the password. */
  readonly label: string;
  /** Runs the statements in one transaction (all or nothing) and returns each one's result. */
  transaction(statements: SqlStatement[], options: TransactionOptions): Promise<RawResult[]>;
  close(): Promise<void>;
}

export function chooseDriver(target: ConnectionTarget): DriverKind {
  if (target.driver) return target.driver;
  if (target.fetchEndpoint) return 'neon-http';
  return describeConnection(target.url).isNeon ? 'neon-http' : 'pg';
}

/** Values stay in Postgres text form, as the HTTP protocol's raw text output sends them. */
const RAW_TEXT = { getTypeParser: () => (value: string) => value };

/** Opens an executor for a connection; `authToken` is only possible over HTTP (Neon's Authorize path). */
export function openExecutor(target: ConnectionTarget, options: { authToken?: string } = {}): SqlExecutor {
  const driver = chooseDriver(target);
  if (driver === 'neon-http') return new NeonHttpExecutor(target, options.authToken);
  if (options.authToken !== undefined) {
    throw new Error('A token can only be sent over Neon\'s HTTP protocol (a Neon host or a local /sql endpoint), not over a plain Postgres connection.');
  }
  return new PgExecutor(target);
}

class NeonHttpExecutor implements SqlExecutor {
  readonly driver = 'neon-http' as const;
  readonly label: string;
  private readonly sql: ReturnType<typeof neon<true, true>>;

  constructor(target: ConnectionTarget, authToken: string | undefined) {
    this.label = describeConnection(target.url).label;
    if (target.fetchEndpoint) routeConnectionToEndpoint(target.url, target.fetchEndpoint);
    else ensureFetchRouting();
    this.sql = neon<true, true>(target.url, { arrayMode: true, fullResults: true, ...(authToken !== undefined ? { authToken } : {}) });
  }

  async transaction(statements: SqlStatement[], options: TransactionOptions): Promise<RawResult[]> {
    options.signal?.throwIfAborted();
    const queries = statements.map((s) => this.sql.query(s.text, s.params ?? [], { arrayMode: true, fullResults: true, types: RAW_TEXT as never }));
    const results = await this.sql.transaction(queries, {
      readOnly: options.readOnly,
      ...(options.signal ? { fetchOptions: { signal: options.signal } } : {}),
    });
    return results.map((r) => ({
      fields: r.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID, tableID: f.tableID, columnID: f.columnID })),
      rows: r.rows as (string | null)[][],
      command: r.command,
      rowCount: r.rowCount ?? null,
    }));
  }

  async close(): Promise<void> {
    // Stateless: every request is its own HTTP call.
  }
}

class PgExecutor implements SqlExecutor {
  readonly driver = 'pg' as const;
  readonly label: string;
  private readonly pool: pg.Pool;

  constructor(private readonly target: ConnectionTarget) {
    this.label = describeConnection(target.url).label;
    this.pool = new pg.Pool({
      connectionString: target.url,
      max: 2,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: 15_000,
      types: RAW_TEXT as unknown as pg.CustomTypesConfig,
    });
    // An idle client dropped by the server must not crash the extension host.
    this.pool.on('error', () => undefined);
  }

  async transaction(statements: SqlStatement[], options: TransactionOptions): Promise<RawResult[]> {
    options.signal?.throwIfAborted();
    const client = await this.pool.connect();
    let broken = false;
    const cancel = () => void this.cancelBackend((client as unknown as { processID?: number }).processID);
    options.signal?.addEventListener('abort', cancel, { once: true });
    try {
      await client.query(options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
      const results: RawResult[] = [];
      for (const s of statements) {
        options.signal?.throwIfAborted();
        // Extended protocol, as Neon's endpoint uses: one statement per query, no multi-statement strings.
        const r = await client.query({ text: s.text, values: s.params ?? [], rowMode: 'array', queryMode: 'extended' } as pg.QueryConfig & { queryMode: 'extended' });
        results.push({
          fields: r.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID, tableID: f.tableID, columnID: f.columnID })),
          rows: r.rows as unknown as (string | null)[][],
          command: r.command ?? '',
          rowCount: COUNTED_COMMANDS.has(r.command ?? '') ? r.rowCount : null,
        });
      }
      await client.query('COMMIT');
      return results;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw err;
    } finally {
      options.signal?.removeEventListener('abort', cancel);
      client.release(broken);
    }
  }

  /** Cancels the running statement from a second connection, as psql's Ctrl-C does. */
  private async cancelBackend(pid: number | undefined): Promise<void> {
    if (!pid) return;
    const canceller = new pg.Client({ connectionString: this.target.url, connectionTimeoutMillis: 5_000 });
    canceller.on('error', () => undefined);
    try {
      await canceller.connect();
      await canceller.query('select pg_cancel_backend($1)', [pid]);
    } catch {
      // Best effort: the statement may have finished already.
    } finally {
      await canceller.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

/** Command tags that carry a row count (node-postgres gives null or 0 for the others). */
const COUNTED_COMMANDS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'FETCH', 'MOVE', 'COPY']);
