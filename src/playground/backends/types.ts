/**
 * What the /sql endpoint needs from a database: run one request (one statement, or a batch in
 * one transaction) as a role, optionally with verified JWT claims, and reset the session after.
 */

/** One statement and its parameters in Postgres text form (null = SQL NULL), as Neon's driver sends them. */
export interface SqlQuery {
  query: string;
  params: (string | null)[];
}

/** A RowDescription field, with the names Neon's HTTP protocol uses. */
export interface FieldDescription {
  name: string;
  dataTypeID: number;
  tableID: number;
  columnID: number;
  dataTypeSize: number;
  dataTypeModifier: number;
  format: 'text';
}

/** A RowDescription field from either driver, as Neon reports it (values always in text form). */
export function toFieldDescription(f: Omit<FieldDescription, 'format'>): FieldDescription {
  return {
    name: f.name,
    dataTypeID: f.dataTypeID,
    tableID: f.tableID,
    columnID: f.columnID,
    dataTypeSize: f.dataTypeSize,
    dataTypeModifier: f.dataTypeModifier,
    format: 'text',
  };
}

export interface QueryResult {
  fields: FieldDescription[];
  /** Postgres text form of every value; null is SQL NULL. */
  rows: (string | null)[][];
  /** First word of the command tag (SELECT, INSERT, CREATE, …). */
  command: string;
  /** The count in the command tag, or null when the tag has none. */
  rowCount: number | null;
}

/** The fields of a Postgres ErrorResponse, with the names Neon's error body uses. */
export interface PostgresErrorFields {
  message: string;
  code: string;
  severity?: string;
  detail?: string;
  hint?: string;
  position?: string;
  internalPosition?: string;
  internalQuery?: string;
  where?: string;
  schema?: string;
  table?: string;
  column?: string;
  dataType?: string;
  constraint?: string;
  file?: string;
  line?: string;
  routine?: string;
}

export const POSTGRES_ERROR_FIELD_NAMES = [
  'severity', 'code', 'detail', 'hint', 'position', 'internalPosition', 'internalQuery', 'where',
  'schema', 'table', 'column', 'dataType', 'constraint', 'file', 'line', 'routine',
] as const;

/** An error Postgres itself reported (or that a backend reports exactly as Postgres would). */
export class PostgresError extends Error {
  constructor(readonly fields: PostgresErrorFields) {
    super(fields.message);
    this.name = 'PostgresError';
  }
}

/**
 * An error Neon's proxy reports itself rather than Postgres: answered with 400 and a body whose
 * `code` is "" (as for a bad token).
 */
export class NeonProxyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NeonProxyError';
  }
}

/**
 * Neon's answer to a statement that starts the COPY sub-protocol (COPY … FROM STDIN / TO STDOUT):
 * the proxy's driver meets CopyInResponse or CopyOutResponse where it expects rows.
 */
export function copyRefusal(): NeonProxyError {
  return new NeonProxyError('unexpected message from server');
}

/**
 * Postgres's answer for a request a backend cancelled: after the statement timeout ('timeout'), or
 * because its client went away ('client'), which is what the panel's Cancel does.
 */
export function cancelledRequestError(reason: 'timeout' | 'client', timeoutMs: number): PostgresError {
  if (reason === 'client') return new PostgresError({ message: 'canceling statement due to user request', code: '57014', severity: 'ERROR' });
  const limit = timeoutMs % 1000 === 0 ? `${timeoutMs / 1000} s` : `${timeoutMs} ms`;
  return new PostgresError({
    message: 'canceling statement due to statement timeout',
    code: '57014',
    severity: 'ERROR',
    hint: `The playground cancels a request that runs longer than ${limit} (naw serve --statement-timeout; in VS Code the setting neonAuthorize.playground.statementTimeout).`,
  });
}

/** Reads the error fields from node-postgres or PGlite's DatabaseError. */
export function toPostgresError(err: unknown): PostgresError | undefined {
  if (err instanceof PostgresError) return err;
  const e = err as Record<string, unknown> | null;
  if (!e || typeof e !== 'object' || typeof e.code !== 'string' || !/^[0-9A-Z]{5}$/.test(e.code)) return undefined;
  const fields: PostgresErrorFields = { message: String(e.message ?? ''), code: e.code };
  for (const name of POSTGRES_ERROR_FIELD_NAMES) {
    const value = e[name];
    if (value !== undefined && value !== null && name !== 'code') (fields as unknown as Record<string, string>)[name] = String(value);
  }
  return new PostgresError(fields);
}

export type IsolationLevel = 'ReadUncommitted' | 'ReadCommitted' | 'RepeatableRead' | 'Serializable';

export interface BatchOptions {
  isolationLevel?: IsolationLevel;
  readOnly?: boolean;
  deferrable?: boolean;
}

export interface RequestIdentity {
  role: string;
  database: string;
  /** Verified JWT claims (JWT-authenticated request) or null (password-authenticated). */
  claims: Record<string, unknown> | null;
}

export interface ExecuteOptions {
  /** Aborts when the request's client is gone: the running statement is cancelled. */
  signal?: AbortSignal;
}

export interface SqlBackend {
  readonly kind: 'pglite' | 'postgres';
  /** Checks a password login as Postgres would; throws PostgresError (28P01, 28000, 3D000). */
  checkLogin(role: string, password: string, database: string): Promise<void>;
  /**
   * Runs the queries; a batch (batch !== null) runs in one transaction and the first error rolls it
   * back. A request running longer than the backend's statement timeout, or whose signal aborts
   * (its client went away), is cancelled: it fails with 57014 and what it did is rolled back.
   */
  execute(identity: RequestIdentity, queries: SqlQuery[], batch: BatchOptions | null, options?: ExecuteOptions): Promise<QueryResult[]>;
  close(): Promise<void>;
}

/** `BEGIN` for a batch, as Neon builds it from the Neon-Batch-* headers. */
export function beginStatement(batch: BatchOptions): string {
  const parts = ['BEGIN'];
  const levels: Record<IsolationLevel, string> = {
    ReadUncommitted: 'READ UNCOMMITTED',
    ReadCommitted: 'READ COMMITTED',
    RepeatableRead: 'REPEATABLE READ',
    Serializable: 'SERIALIZABLE',
  };
  if (batch.isolationLevel) parts.push(`ISOLATION LEVEL ${levels[batch.isolationLevel]}`);
  if (batch.readOnly !== undefined) parts.push(batch.readOnly ? 'READ ONLY' : 'READ WRITE');
  if (batch.deferrable !== undefined) parts.push(batch.deferrable ? 'DEFERRABLE' : 'NOT DEFERRABLE');
  return parts.join(' ');
}

/** Splits a command tag ("INSERT 0 3", "SELECT 2", "CREATE TABLE") into Neon's command and rowCount. */
export function parseCommandTag(tag: string): { command: string; rowCount: number | null } {
  const words = tag.trim().split(/\s+/);
  const last = words[words.length - 1];
  const rowCount = words.length > 1 && /^\d+$/.test(last) ? Number(last) : null;
  return { command: words[0] ?? '', rowCount };
}
