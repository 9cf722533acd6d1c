/**
 * The one thing introspection needs from a database connection. The Neon HTTP driver, node-postgres
 * and PGlite are adapted to it elsewhere; values may arrive parsed (pg, PGlite) or as Postgres text
 * (Neon's raw text mode), so readers normalise them (see values.ts).
 */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** A catalog query failed: which part of the snapshot, and the database's message. */
export class IntrospectionError extends Error {
  constructor(
    readonly concern: string,
    override readonly cause: unknown,
  ) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`Could not read ${concern} from the database: ${detail}`);
    this.name = 'IntrospectionError';
  }
}

/** Runs one catalog query, labelling a failure with what was being read. */
export async function runCatalogQuery(q: Queryable, concern: string, sql: string, params?: unknown[]): Promise<Record<string, unknown>[]> {
  try {
    return (await q.query(sql, params)).rows;
  } catch (e) {
    throw new IntrospectionError(concern, e);
  }
}
