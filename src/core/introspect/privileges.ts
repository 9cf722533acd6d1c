// What the JWT roles may do before RLS is even consulted: table privileges, USAGE on schemas, default
// privileges for future objects, and the sequences behind serial/identity columns. Effective privileges
// (has_*_privilege: direct grants, PUBLIC and role membership) for the roles asked about.
import { TABLE_PRIVILEGES, type TablePrivilege } from './types';
import { runCatalogQuery, type Queryable } from './queryable';
import { NOT_EXTENSION_MEMBER, USER_SCHEMA_FILTER } from './tables';
import { asJson, asNullableString, asString } from './values';

export const DEFAULT_GRANT_ROLES: readonly string[] = ['authenticated', 'anonymous'];

export interface TableGrantInfo {
  readonly schema: string;
  readonly table: string;
  readonly role: string;
  /** Effective table-level privileges, in TABLE_PRIVILEGES order. */
  readonly privileges: readonly TablePrivilege[];
}

export interface SchemaInfo {
  readonly name: string;
  readonly owner: string;
  /** The extension that created the schema, if any. */
  readonly extension: string | null;
  /** Per role asked about (roles that do not exist are absent). */
  readonly privileges: Readonly<Record<string, { usage: boolean; create: boolean }>>;
}

export type DefaultPrivilegeObjectType = 'tables' | 'sequences' | 'functions' | 'types' | 'schemas';

export interface DefaultPrivilegeInfo {
  /** Objects created later by this role get the grants. */
  readonly owner: string;
  /** null: for every schema. */
  readonly schema: string | null;
  readonly objectType: DefaultPrivilegeObjectType;
  readonly grants: readonly { grantee: string; privileges: readonly string[] }[];
}

export interface SequenceInfo {
  readonly schema: string;
  readonly name: string;
  readonly tableSchema: string;
  readonly table: string;
  readonly column: string;
  /** serial: the column's default calls nextval() and inserting roles need USAGE; identity: no grant needed. */
  readonly kind: 'serial' | 'identity';
  readonly privileges: Readonly<Record<string, { usage: boolean; select: boolean; update: boolean }>>;
}

/** Rows of pg_roles `r` named in the JSON array given as $1. */
export const ROLE_FILTER = `r.rolname IN (SELECT json_array_elements_text($1::json))`;

const TABLE_GRANTS_SQL = `
SELECT n.nspname AS schema,
       c.relname AS table,
       r.rolname AS role,
       json_build_array(
         pg_catalog.has_table_privilege(r.oid, c.oid, 'SELECT'),
         pg_catalog.has_table_privilege(r.oid, c.oid, 'INSERT'),
         pg_catalog.has_table_privilege(r.oid, c.oid, 'UPDATE'),
         pg_catalog.has_table_privilege(r.oid, c.oid, 'DELETE'),
         pg_catalog.has_table_privilege(r.oid, c.oid, 'TRUNCATE'),
         pg_catalog.has_table_privilege(r.oid, c.oid, 'REFERENCES'),
         pg_catalog.has_table_privilege(r.oid, c.oid, 'TRIGGER')) AS privileges
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN pg_catalog.pg_roles r
 WHERE c.relkind IN ('r', 'p')
   AND ${USER_SCHEMA_FILTER}
   AND ${NOT_EXTENSION_MEMBER}
   AND ${ROLE_FILTER}
 ORDER BY n.nspname, c.relname, r.rolname`;

const SCHEMAS_SQL = `
SELECT n.nspname AS name,
       pg_catalog.pg_get_userbyid(n.nspowner) AS owner,
       (SELECT e.extname FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
         WHERE d.classid = 'pg_catalog.pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e' LIMIT 1) AS extension,
       (SELECT coalesce(json_object_agg(r.rolname, json_build_object(
                 'usage', pg_catalog.has_schema_privilege(r.oid, n.oid, 'USAGE'),
                 'create', pg_catalog.has_schema_privilege(r.oid, n.oid, 'CREATE'))), '{}'::json)
          FROM pg_catalog.pg_roles r WHERE ${ROLE_FILTER}) AS privileges
  FROM pg_catalog.pg_namespace n
 WHERE ${USER_SCHEMA_FILTER}
 ORDER BY n.nspname`;

const DEFAULT_PRIVILEGES_SQL = `
SELECT pg_catalog.pg_get_userbyid(d.defaclrole) AS owner,
       n.nspname AS schema,
       d.defaclobjtype AS object_type,
       (SELECT coalesce(json_agg(json_build_object('grantee', g.grantee, 'privileges', g.privileges) ORDER BY g.grantee), '[]'::json)
          FROM (SELECT CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(a.grantee) END AS grantee,
                       json_agg(a.privilege_type ORDER BY a.privilege_type) AS privileges
                  FROM aclexplode(d.defaclacl) a
                 GROUP BY a.grantee) g) AS grants
  FROM pg_catalog.pg_default_acl d
  LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
 ORDER BY 1, 2, 3`;

const SEQUENCES_SQL = `
SELECT n.nspname AS schema,
       c.relname AS name,
       tn.nspname AS table_schema,
       t.relname AS table,
       a.attname AS column,
       CASE dep.deptype WHEN 'i' THEN 'identity' ELSE 'serial' END AS kind,
       (SELECT coalesce(json_object_agg(r.rolname, json_build_object(
                 'usage', pg_catalog.has_sequence_privilege(r.oid, c.oid, 'USAGE'),
                 'select', pg_catalog.has_sequence_privilege(r.oid, c.oid, 'SELECT'),
                 'update', pg_catalog.has_sequence_privilege(r.oid, c.oid, 'UPDATE'))), '{}'::json)
          FROM pg_catalog.pg_roles r WHERE ${ROLE_FILTER}) AS privileges
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_depend dep ON dep.classid = 'pg_catalog.pg_class'::regclass AND dep.objid = c.oid
                               AND dep.refclassid = 'pg_catalog.pg_class'::regclass AND dep.deptype IN ('a', 'i')
  JOIN pg_catalog.pg_class t ON t.oid = dep.refobjid
  JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = dep.refobjsubid
 WHERE c.relkind = 'S'
   AND ${USER_SCHEMA_FILTER}
   AND ${NOT_EXTENSION_MEMBER}
 ORDER BY n.nspname, c.relname`;

const OBJECT_TYPES: Record<string, DefaultPrivilegeObjectType> = { r: 'tables', S: 'sequences', f: 'functions', T: 'types', n: 'schemas' };

function rolesParam(roles: readonly string[]): string {
  return JSON.stringify([...roles]);
}

/** Effective table privileges of `roles` (default authenticated, anonymous) on every user table. */
export async function introspectTableGrants(q: Queryable, roles: readonly string[] = DEFAULT_GRANT_ROLES): Promise<TableGrantInfo[]> {
  const rows = await runCatalogQuery(q, 'table privileges', TABLE_GRANTS_SQL, [rolesParam(roles)]);
  return rows.map((r) => {
    const flags = asJson<unknown[]>(r.privileges, []);
    return {
      schema: asString(r.schema),
      table: asString(r.table),
      role: asString(r.role),
      privileges: TABLE_PRIVILEGES.filter((_, i) => flags[i] === true || flags[i] === 't'),
    };
  });
}

/** User schemas with USAGE/CREATE for `roles`. */
export async function introspectSchemas(q: Queryable, roles: readonly string[] = DEFAULT_GRANT_ROLES): Promise<SchemaInfo[]> {
  const rows = await runCatalogQuery(q, 'schemas', SCHEMAS_SQL, [rolesParam(roles)]);
  return rows.map((r) => ({
    name: asString(r.name),
    owner: asString(r.owner),
    extension: asNullableString(r.extension),
    privileges: asJson<Record<string, { usage: boolean; create: boolean }>>(r.privileges, {}),
  }));
}

/** ALTER DEFAULT PRIVILEGES entries: what future objects will grant, per creating role and schema. */
export async function introspectDefaultPrivileges(q: Queryable): Promise<DefaultPrivilegeInfo[]> {
  const rows = await runCatalogQuery(q, 'default privileges', DEFAULT_PRIVILEGES_SQL);
  return rows.map((r) => ({
    owner: asString(r.owner),
    schema: asNullableString(r.schema),
    objectType: OBJECT_TYPES[asString(r.object_type)] ?? 'tables',
    grants: asJson<{ grantee: string; privileges: string[] }[]>(r.grants, []),
  }));
}

/** Sequences owned by serial and identity columns, with `roles`' privileges on them. */
export async function introspectSequences(q: Queryable, roles: readonly string[] = DEFAULT_GRANT_ROLES): Promise<SequenceInfo[]> {
  const rows = await runCatalogQuery(q, 'sequences', SEQUENCES_SQL, [rolesParam(roles)]);
  return rows.map((r) => ({
    schema: asString(r.schema),
    name: asString(r.name),
    tableSchema: asString(r.table_schema),
    table: asString(r.table),
    column: asString(r.column),
    kind: asString(r.kind) === 'identity' ? 'identity' : 'serial',
    privileges: asJson<Record<string, { usage: boolean; select: boolean; update: boolean }>>(r.privileges, {}),
  }));
}
