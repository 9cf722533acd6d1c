// What the advisor reads beyond introspectDatabase(): views (security_invoker and what they read),
// SECURITY DEFINER functions (search_path, who may execute them), tables the app roles own (directly or
// through membership: Postgres treats both as the owner, which skips RLS), and table privileges granted
// to PUBLIC (a REVOKE from one role does not remove those). One catalog query each.
import { runCatalogQuery, type Queryable } from '../introspect/queryable';
import { NOT_EXTENSION_MEMBER, USER_SCHEMA_FILTER } from '../introspect/tables';
import { ROLE_FILTER } from '../introspect/privileges';
import { asBool, asJson, asString } from '../introspect/values';

export interface ViewInfo {
  readonly schema: string;
  readonly name: string;
  readonly owner: string;
  readonly securityInvoker: boolean;
  /** Relations the view's query reads directly (tables and other views). */
  readonly reads: readonly { schema: string; name: string }[];
  /** App roles that may SELECT from it (schema USAGE and the table privilege). */
  readonly selectableBy: readonly string[];
}

export interface SecurityDefinerFunctionInfo {
  readonly schema: string;
  readonly name: string;
  /** pg_get_function_identity_arguments(): what ALTER/REVOKE … FUNCTION name(args) needs. */
  readonly args: string;
  readonly owner: string;
  /** proconfig: `name=value` settings fixed for the call, e.g. `search_path=pg_catalog, pg_temp`. */
  readonly config: readonly string[];
  /** App roles with EXECUTE on it and USAGE on its schema. */
  readonly executableBy: readonly string[];
  readonly kind: 'function' | 'procedure';
}

export interface OwnedTableInfo {
  /** The app role that has the owner's privileges. */
  readonly role: string;
  readonly schema: string;
  readonly table: string;
  /** The table's actual owner (the app role itself, or a role it inherits). */
  readonly owner: string;
}

export interface PublicTableGrantInfo {
  readonly schema: string;
  readonly table: string;
  /** Privileges granted to PUBLIC directly, e.g. INSERT, TRUNCATE. */
  readonly privileges: readonly string[];
}

export interface AdvisorCatalog {
  readonly views: readonly ViewInfo[];
  readonly securityDefinerFunctions: readonly SecurityDefinerFunctionInfo[];
  readonly ownedTables: readonly OwnedTableInfo[];
  readonly publicTableGrants: readonly PublicTableGrantInfo[];
}

const VIEWS_SQL = `
SELECT n.nspname AS schema,
       c.relname AS name,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       coalesce((SELECT lower(o.option_value) IN ('true', 'on', '1', 'yes')
                   FROM pg_catalog.pg_options_to_table(c.reloptions) o
                  WHERE o.option_name = 'security_invoker'), false) AS security_invoker,
       (SELECT coalesce(json_agg(DISTINCT jsonb_build_object('schema', dn.nspname, 'name', dc.relname)), '[]'::json)
          FROM pg_catalog.pg_rewrite rw
          JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = rw.oid
                                     AND d.refclassid = 'pg_catalog.pg_class'::regclass
          JOIN pg_catalog.pg_class dc ON dc.oid = d.refobjid
          JOIN pg_catalog.pg_namespace dn ON dn.oid = dc.relnamespace
         WHERE rw.ev_class = c.oid AND dc.oid <> c.oid) AS reads,
       (SELECT coalesce(json_agg(r.rolname ORDER BY r.rolname), '[]'::json)
          FROM pg_catalog.pg_roles r
         WHERE ${ROLE_FILTER}
           AND pg_catalog.has_schema_privilege(r.oid, n.oid, 'USAGE')
           AND pg_catalog.has_table_privilege(r.oid, c.oid, 'SELECT')) AS selectable_by
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'v'
   AND ${USER_SCHEMA_FILTER}
   AND ${NOT_EXTENSION_MEMBER}
 ORDER BY n.nspname, c.relname`;

const SECURITY_DEFINER_SQL = `
SELECT n.nspname AS schema,
       p.proname AS name,
       pg_catalog.pg_get_function_identity_arguments(p.oid) AS args,
       pg_catalog.pg_get_userbyid(p.proowner) AS owner,
       coalesce(to_json(p.proconfig), '[]'::json) AS config,
       p.prokind AS kind,
       (SELECT coalesce(json_agg(r.rolname ORDER BY r.rolname), '[]'::json)
          FROM pg_catalog.pg_roles r
         WHERE ${ROLE_FILTER}
           AND pg_catalog.has_schema_privilege(r.oid, n.oid, 'USAGE')
           AND pg_catalog.has_function_privilege(r.oid, p.oid, 'EXECUTE')) AS executable_by
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE p.prosecdef
   AND ${USER_SCHEMA_FILTER}
   AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
 ORDER BY n.nspname, p.proname, 3`;

// pg_has_role(…, 'USAGE') is has_privs_of_role(), the test Postgres' ownership check uses: a member that
// inherits the owner role counts as the owner too. Superusers pass it for every table: left out here,
// the bypass rule reports them once.
const OWNED_TABLES_SQL = `
SELECT r.rolname AS role,
       n.nspname AS schema,
       c.relname AS table,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN pg_catalog.pg_roles r
 WHERE c.relkind IN ('r', 'p')
   AND ${USER_SCHEMA_FILTER}
   AND ${NOT_EXTENSION_MEMBER}
   AND ${ROLE_FILTER}
   AND NOT r.rolsuper
   AND pg_catalog.pg_has_role(r.oid, c.relowner, 'USAGE')
 ORDER BY 1, 2, 3`;

const PUBLIC_GRANTS_SQL = `
SELECT n.nspname AS schema,
       c.relname AS table,
       json_agg(DISTINCT a.privilege_type) AS privileges
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
 WHERE c.relkind IN ('r', 'p')
   AND c.relacl IS NOT NULL
   AND a.grantee = 0
   AND ${USER_SCHEMA_FILTER}
   AND ${NOT_EXTENSION_MEMBER}
 GROUP BY n.nspname, c.relname
 ORDER BY 1, 2`;

/** Reads the advisor's own catalog facts for `appRoles` (the roles whose access the rules judge). */
export async function introspectAdvisorCatalog(q: Queryable, appRoles: readonly string[]): Promise<AdvisorCatalog> {
  const roles = JSON.stringify([...appRoles]);
  const [views, functions, owned, publicGrants] = await Promise.all([
    runCatalogQuery(q, 'views', VIEWS_SQL, [roles]),
    runCatalogQuery(q, 'SECURITY DEFINER functions', SECURITY_DEFINER_SQL, [roles]),
    runCatalogQuery(q, 'tables owned by the app roles', OWNED_TABLES_SQL, [roles]),
    runCatalogQuery(q, 'privileges granted to PUBLIC', PUBLIC_GRANTS_SQL),
  ]);
  return {
    views: views.map((r) => ({
      schema: asString(r.schema),
      name: asString(r.name),
      owner: asString(r.owner),
      securityInvoker: asBool(r.security_invoker),
      reads: asJson<{ schema: string; name: string }[]>(r.reads, []),
      selectableBy: asJson<string[]>(r.selectable_by, []),
    })),
    securityDefinerFunctions: functions.map((r) => ({
      schema: asString(r.schema),
      name: asString(r.name),
      args: asString(r.args),
      owner: asString(r.owner),
      config: parseTextArray(r.config),
      kind: asString(r.kind) === 'p' ? 'procedure' : 'function',
      executableBy: asJson<string[]>(r.executable_by, []),
    })),
    ownedTables: owned.map((r) => ({ role: asString(r.role), schema: asString(r.schema), table: asString(r.table), owner: asString(r.owner) })),
    publicTableGrants: publicGrants.map((r) => ({ schema: asString(r.schema), table: asString(r.table), privileges: asJson<string[]>(r.privileges, []) })),
  };
}

/** to_json(text[]) arrives as a JSON array (parsed or as text). */
function parseTextArray(value: unknown): string[] {
  const parsed = asJson<unknown>(value, []);
  return Array.isArray(parsed) ? parsed.map((v) => String(v)) : [];
}
