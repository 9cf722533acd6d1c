// A typed snapshot of everything the Authorize view and the linter read from a database. Each concern
// is one catalog query; introspectDatabase runs them side by side and joins them per table.
import type { TablePrivilege } from './types';
import { introspectPgSessionJwt, type PgSessionJwtInfo } from './pgSessionJwt';
import { introspectPolicies, type PolicyInfo } from './policies';
import {
  DEFAULT_GRANT_ROLES,
  introspectDefaultPrivileges,
  introspectSchemas,
  introspectSequences,
  introspectTableGrants,
  type DefaultPrivilegeInfo,
  type SchemaInfo,
  type SequenceInfo,
  type TableGrantInfo,
} from './privileges';
import { runCatalogQuery, type Queryable } from './queryable';
import { introspectRoles, type RolesInfo } from './roles';
import { introspectTables, type TableInfo } from './tables';
import { asNumber, asString } from './values';

export type { Queryable } from './queryable';
export { IntrospectionError } from './queryable';
export type { PgSessionJwtInfo } from './pgSessionJwt';
export type { PolicyInfo } from './policies';
export type { DefaultPrivilegeInfo, DefaultPrivilegeObjectType, SchemaInfo, SequenceInfo, TableGrantInfo } from './privileges';
export type { RoleInfo, RolesInfo } from './roles';
export type { ColumnInfo, IndexInfo, TableInfo } from './tables';
export { TABLE_PRIVILEGES, type ColumnDescription, type PolicyCommand, type TableDescription, type TablePrivilege } from './types';
export {
  DEFAULT_GRANT_ROLES,
  introspectDefaultPrivileges,
  introspectPgSessionJwt,
  introspectPolicies,
  introspectRoles,
  introspectSchemas,
  introspectSequences,
  introspectTableGrants,
  introspectTables,
};

export interface ServerInfo {
  readonly database: string;
  /** e.g. 170004 */
  readonly versionNum: number;
  /** e.g. "17.4" */
  readonly version: string;
}

export async function introspectServer(q: Queryable): Promise<ServerInfo> {
  const [row = {}] = await runCatalogQuery(
    q,
    'the server version',
    `SELECT current_database() AS database, current_setting('server_version_num') AS version_num, current_setting('server_version') AS version`,
  );
  return { database: asString(row.database), versionNum: asNumber(row.version_num) ?? 0, version: asString(row.version) };
}

export interface TableSnapshot extends TableInfo {
  readonly policies: readonly PolicyInfo[];
  /** Effective privileges per role asked about (a role that does not exist is absent). */
  readonly grants: Readonly<Record<string, readonly TablePrivilege[]>>;
  readonly sequences: readonly SequenceInfo[];
}

export interface DatabaseSnapshot {
  readonly server: ServerInfo;
  readonly roles: RolesInfo;
  readonly pgSessionJwt: PgSessionJwtInfo;
  readonly schemas: readonly SchemaInfo[];
  readonly tables: readonly TableSnapshot[];
  readonly defaultPrivileges: readonly DefaultPrivilegeInfo[];
  /** The roles whose privileges were read. */
  readonly grantRoles: readonly string[];
}

export interface IntrospectOptions {
  /** Roles whose privileges are read (default authenticated, anonymous). */
  readonly roles?: readonly string[];
}

const tableKey = (schema: string, table: string) => `${schema}\u0000${table}`;

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

/** Reads the whole snapshot: eight catalog queries whatever the number of tables. */
export async function introspectDatabase(q: Queryable, options: IntrospectOptions = {}): Promise<DatabaseSnapshot> {
  const grantRoles = options.roles ?? DEFAULT_GRANT_ROLES;
  const [server, roles, pgSessionJwt, schemas, tables, policies, grants, sequences, defaultPrivileges] = await Promise.all([
    introspectServer(q),
    introspectRoles(q),
    introspectPgSessionJwt(q),
    introspectSchemas(q, grantRoles),
    introspectTables(q),
    introspectPolicies(q),
    introspectTableGrants(q, grantRoles),
    introspectSequences(q, grantRoles),
    introspectDefaultPrivileges(q),
  ]);
  const policiesByTable = groupBy(policies, (p) => tableKey(p.schema, p.table));
  const grantsByTable = groupBy<TableGrantInfo>(grants, (g) => tableKey(g.schema, g.table));
  const sequencesByTable = groupBy(sequences, (s) => tableKey(s.tableSchema, s.table));
  return {
    server,
    roles,
    pgSessionJwt,
    schemas,
    defaultPrivileges,
    grantRoles,
    tables: tables.map((t) => {
      const key = tableKey(t.schema, t.name);
      return {
        ...t,
        policies: policiesByTable.get(key) ?? [],
        grants: Object.fromEntries((grantsByTable.get(key) ?? []).map((g) => [g.role, g.privileges])),
        sequences: sequencesByTable.get(key) ?? [],
      };
    }),
  };
}
