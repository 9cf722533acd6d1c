// Which schemas and tables of a snapshot are the user's own (not an extension's), and how a table is named
// to the user: shared by the Authorize view and the setup commands.
import type { DatabaseSnapshot, TableSnapshot } from './index';

/** Schemas the user owns tables in: not an extension's own schema (auth, _pg_session_jwt…). */
export function userSchemas(s: DatabaseSnapshot): string[] {
  const extensionSchemas = new Set(s.schemas.filter((x) => x.extension).map((x) => x.name));
  if (s.pgSessionJwt.schema) extensionSchemas.add(s.pgSessionJwt.schema);
  return s.schemas.map((x) => x.name).filter((name) => !extensionSchemas.has(name));
}

/** The tables the view lists and the commands offer: those of the user's schemas, without partitions. */
export function userTables(s: DatabaseSnapshot): TableSnapshot[] {
  const schemas = new Set(userSchemas(s));
  return s.tables.filter((t) => schemas.has(t.schema) && !t.isPartition);
}

/** How a table is named to the user: `todos` in public, `app.todos` elsewhere. */
export function tableLabel(t: { readonly schema: string; readonly name: string }): string {
  return t.schema === 'public' ? t.name : `${t.schema}.${t.name}`;
}
