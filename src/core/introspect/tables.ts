// Tables in user schemas with their columns, primary key, indexes, owner and RLS flags: one catalog
// query for the whole database (columns, keys and indexes aggregated per table as JSON), so a
// 500-table schema costs one round trip.
import type { ColumnDescription, TableDescription } from './types';
import { runCatalogQuery, type Queryable } from './queryable';
import { asBool, asJson, asNullableString, asNumber, asString } from './values';

export interface ColumnInfo extends ColumnDescription {
  readonly name: string;
  readonly type: string;
  readonly default: string | null;
  readonly identity: 'always' | 'by-default' | null;
  readonly generated: boolean;
  readonly nullable: boolean;
  readonly position: number;
}

export interface IndexInfo {
  readonly name: string;
  /** Column names in order; an expression column appears as null. */
  readonly columns: readonly (string | null)[];
  readonly unique: boolean;
  readonly primary: boolean;
  /** Partial index predicate, if any. */
  readonly predicate: string | null;
  readonly definition: string;
}

export interface TableInfo extends TableDescription {
  readonly schema: string;
  readonly name: string;
  readonly kind: 'table' | 'partitioned';
  readonly isPartition: boolean;
  readonly owner: string;
  readonly rlsEnabled: boolean;
  readonly rlsForced: boolean;
  /** pg_class.reltuples: an estimate, null when never analysed. */
  readonly estimatedRows: number | null;
  readonly columns: readonly ColumnInfo[];
  readonly primaryKey: readonly string[];
  readonly indexes: readonly IndexInfo[];
}

/**
 * Schemas the workbench never reports: the catalogs, TOAST and temp schemas. `n` is a pg_namespace alias.
 * Shared by every introspection query so they agree on what a "user schema" is.
 */
export const USER_SCHEMA_FILTER = `n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'`;

/** Relations created by an extension's script (e.g. its private tables) are not the user's. `c` is a pg_class alias. */
export const NOT_EXTENSION_MEMBER = `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')`;

const TABLES_SQL = `
SELECT n.nspname AS schema,
       c.relname AS name,
       CASE c.relkind WHEN 'p' THEN 'partitioned' ELSE 'table' END AS kind,
       c.relispartition AS is_partition,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       c.relrowsecurity AS rls_enabled,
       c.relforcerowsecurity AS rls_forced,
       c.reltuples::float8 AS estimated_rows,
       (SELECT coalesce(json_agg(json_build_object(
                 'name', a.attname,
                 'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
                 'default', pg_catalog.pg_get_expr(ad.adbin, ad.adrelid),
                 'identity', a.attidentity,
                 'generated', a.attgenerated,
                 'notNull', a.attnotnull,
                 'position', a.attnum) ORDER BY a.attnum), '[]'::json)
          FROM pg_catalog.pg_attribute a
          LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
       (SELECT coalesce(json_agg(json_build_object(
                 'name', ic.relname,
                 'columns', (SELECT json_agg(CASE WHEN k.attnum = 0 THEN NULL ELSE ia.attname END ORDER BY k.ord)
                               FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                               LEFT JOIN pg_catalog.pg_attribute ia ON ia.attrelid = i.indrelid AND ia.attnum = k.attnum
                              WHERE k.ord <= i.indnkeyatts),
                 'unique', i.indisunique,
                 'primary', i.indisprimary,
                 'predicate', pg_catalog.pg_get_expr(i.indpred, i.indrelid),
                 'definition', pg_catalog.pg_get_indexdef(i.indexrelid)) ORDER BY ic.relname), '[]'::json)
          FROM pg_catalog.pg_index i
          JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
         WHERE i.indrelid = c.oid) AS indexes
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p')
   AND ${USER_SCHEMA_FILTER}
   AND ${NOT_EXTENSION_MEMBER}
 ORDER BY n.nspname, c.relname`;

interface RawColumn {
  name: string;
  type: string;
  default: string | null;
  identity: string;
  generated: string;
  notNull: boolean;
  position: number;
}

interface RawIndex {
  name: string;
  columns: (string | null)[] | null;
  unique: boolean;
  primary: boolean;
  predicate: string | null;
  definition: string;
}

export async function introspectTables(q: Queryable): Promise<TableInfo[]> {
  const rows = await runCatalogQuery(q, 'tables and columns', TABLES_SQL);
  return rows.map((r) => {
    const columns = asJson<RawColumn[]>(r.columns, []).map(
      (c): ColumnInfo => ({
        name: c.name,
        type: c.type,
        default: c.default ?? null,
        identity: c.identity === 'a' ? 'always' : c.identity === 'd' ? 'by-default' : null,
        generated: c.generated !== '' && c.generated !== null && c.generated !== undefined,
        nullable: !c.notNull,
        position: Number(c.position),
      }),
    );
    const indexes = asJson<RawIndex[]>(r.indexes, []).map(
      (i): IndexInfo => ({
        name: i.name,
        columns: i.columns ?? [],
        unique: i.unique,
        primary: i.primary,
        predicate: i.predicate ?? null,
        definition: i.definition,
      }),
    );
    const pk = indexes.find((i) => i.primary);
    const estimated = asNumber(r.estimated_rows);
    return {
      schema: asString(r.schema),
      name: asString(r.name),
      kind: asString(r.kind) === 'partitioned' ? 'partitioned' : 'table',
      isPartition: asBool(r.is_partition),
      owner: asNullableString(r.owner) ?? '',
      rlsEnabled: asBool(r.rls_enabled),
      rlsForced: asBool(r.rls_forced),
      estimatedRows: estimated === null || estimated < 0 ? null : estimated,
      columns,
      primaryKey: pk ? pk.columns.filter((c): c is string => c !== null) : [],
      indexes,
    };
  });
}
