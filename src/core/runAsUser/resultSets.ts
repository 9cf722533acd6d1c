/**
 * Driver results → the panel's ResultSet: type names for the fields, and the primary key columns when
 * the result carries a whole primary key of its source table (so hidden rows are matched by key).
 */
import type { ResultField, ResultSet } from './outcome';
import type { RawField, RawResult } from './executor';

/** format_type() of built-in types (stable OIDs from pg_type.dat), so most results need no lookup. */
export const BUILTIN_TYPE_NAMES: Readonly<Record<number, string>> = {
  16: 'boolean', 17: 'bytea', 18: '"char"', 19: 'name', 20: 'bigint', 21: 'smallint', 23: 'integer', 25: 'text', 26: 'oid',
  114: 'json', 142: 'xml', 199: 'json[]', 600: 'point', 650: 'cidr', 700: 'real', 701: 'double precision', 705: 'unknown',
  774: 'macaddr8', 790: 'money', 829: 'macaddr', 869: 'inet', 1000: 'boolean[]', 1001: 'bytea[]', 1005: 'smallint[]',
  1007: 'integer[]', 1009: 'text[]', 1015: 'character varying[]', 1016: 'bigint[]', 1021: 'real[]', 1022: 'double precision[]',
  1042: 'character', 1043: 'character varying', 1082: 'date', 1083: 'time without time zone', 1114: 'timestamp without time zone',
  1115: 'timestamp without time zone[]', 1182: 'date[]', 1183: 'time without time zone[]', 1184: 'timestamp with time zone',
  1185: 'timestamp with time zone[]', 1186: 'interval', 1231: 'numeric[]', 1266: 'time with time zone', 1560: 'bit',
  1562: 'bit varying', 1700: 'numeric', 1790: 'refcursor', 2205: 'regclass', 2206: 'regtype', 2249: 'record', 2278: 'void',
  2950: 'uuid', 2951: 'uuid[]', 3220: 'pg_lsn', 3614: 'tsvector', 3615: 'tsquery', 3802: 'jsonb', 3807: 'jsonb[]',
  3904: 'int4range', 3906: 'numrange', 3926: 'int8range', 4089: 'regnamespace', 4096: 'regrole',
};

/** What the catalog told us about the result's columns: type names, primary keys by table OID. */
export interface ResultCatalog {
  typeNames: Map<number, string>;
  /** Table OID → attribute numbers of its primary key (empty: the table has none). */
  primaryKeys: Map<number, number[]>;
}

export function emptyCatalog(): ResultCatalog {
  return { typeNames: new Map(), primaryKeys: new Map() };
}

/** Type OIDs and table OIDs the catalog does not know yet (what a lookup query needs). */
export function missingFromCatalog(results: RawResult[], catalog: ResultCatalog): { typeOids: number[]; tableOids: number[] } {
  const typeOids = new Set<number>();
  const tableOids = new Set<number>();
  for (const r of results) {
    for (const f of r.fields) {
      if (BUILTIN_TYPE_NAMES[f.dataTypeID] === undefined && !catalog.typeNames.has(f.dataTypeID)) typeOids.add(f.dataTypeID);
      if (f.tableID && !catalog.primaryKeys.has(f.tableID)) tableOids.add(f.tableID);
    }
  }
  return { typeOids: [...typeOids], tableOids: [...tableOids] };
}

/** One catalog query for both: `$1` type OIDs, `$2` table OIDs (as Postgres array text). */
export const RESULT_CATALOG_QUERY = `
select 'type' as what, t.oid::bigint as id, pg_catalog.format_type(t.oid, null) as info
  from pg_catalog.pg_type t where t.oid = any($1::oid[])
union all
select 'key', c.oid::bigint, coalesce((select array_to_string(i.indkey::int2[], ',') from pg_catalog.pg_index i where i.indrelid = c.oid and i.indisprimary), '')
  from pg_catalog.pg_class c where c.oid = any($2::oid[])`;

export function oidArrayParam(oids: number[]): string {
  return `{${oids.join(',')}}`;
}

/** Adds the rows of RESULT_CATALOG_QUERY to a catalog. */
export function addCatalogRows(catalog: ResultCatalog, rows: (string | null)[][]): void {
  for (const [what, id, info] of rows) {
    if (id === null) continue;
    if (what === 'type' && info) catalog.typeNames.set(Number(id), info);
    if (what === 'key') catalog.primaryKeys.set(Number(id), info ? info.split(',').map(Number) : []);
  }
}

/**
 * Indices of the result's primary-key columns: every table the result's columns come from must have its
 * whole primary key among those columns, each key column once (a self-join shows the same column twice).
 * The caller decides whether the statement reads a single relation: a join's rows are not identified by
 * the key of one table.
 */
export function keyColumnsOf(fields: RawField[], primaryKeys: Map<number, number[]>): number[] | undefined {
  const tables = [...new Set(fields.map((f) => f.tableID).filter((id) => id !== 0))];
  if (!tables.length) return undefined;
  const key: number[] = [];
  for (const table of tables) {
    const pk = primaryKeys.get(table);
    if (!pk || !pk.length) return undefined;
    for (const attnum of pk) {
      const matching = fields.flatMap((f, i) => (f.tableID === table && f.columnID === attnum ? [i] : []));
      if (matching.length !== 1) return undefined;
      key.push(matching[0]);
    }
  }
  return key;
}

export function toResultSet(raw: RawResult, durationMs: number, catalog: ResultCatalog, options: { keys: boolean }): ResultSet {
  const fields: ResultField[] = raw.fields.map((f) => {
    const typeName = BUILTIN_TYPE_NAMES[f.dataTypeID] ?? catalog.typeNames.get(f.dataTypeID);
    return typeName ? { name: f.name, dataTypeID: f.dataTypeID, typeName } : { name: f.name, dataTypeID: f.dataTypeID };
  });
  const keyColumns = options.keys ? keyColumnsOf(raw.fields, catalog.primaryKeys) : undefined;
  return {
    fields,
    rows: raw.rows,
    rowCount: raw.rowCount,
    command: raw.command,
    durationMs: Math.round(durationMs * 100) / 100,
    ...(keyColumns ? { keyColumns } : {}),
  };
}
