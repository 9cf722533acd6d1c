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

export interface SqlBackend {
  readonly kind: 'pglite' | 'postgres';
  /** Checks a password login as Postgres would; throws PostgresError (28P01, 28000, 3D000). */
  checkLogin(role: string, password: string, database: string): Promise<void>;
  /** Runs the queries; a batch (batch !== null) runs in one transaction and the first error rolls it back. */
  execute(identity: RequestIdentity, queries: SqlQuery[], batch: BatchOptions | null): Promise<QueryResult[]>;
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
