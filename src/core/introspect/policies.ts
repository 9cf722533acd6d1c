// RLS policies of every user table, read from pg_policy in one query (the same data as pg_policies,
// plus nothing the view hides).
import type { PolicyCommand } from './types';
import { runCatalogQuery, type Queryable } from './queryable';
import { NOT_EXTENSION_MEMBER, USER_SCHEMA_FILTER } from './tables';
import { asBool, asJson, asNullableString, asString } from './values';

export interface PolicyInfo {
  readonly schema: string;
  readonly table: string;
  readonly name: string;
  readonly command: PolicyCommand;
  readonly permissive: boolean;
  /** Role names sorted, 'public' for PUBLIC (as pg_policies shows them). */
  readonly roles: readonly string[];
  readonly using: string | null;
  readonly withCheck: string | null;
}

const POLICIES_SQL = `
SELECT n.nspname AS schema,
       c.relname AS table,
       p.polname AS name,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END AS command,
       p.polpermissive AS permissive,
       (SELECT coalesce(json_agg(r.name ORDER BY r.name), '[]'::json)
          FROM (SELECT CASE WHEN o = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(o) END AS name
                  FROM unnest(p.polroles) AS o) r) AS roles,
       pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS using,
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
  FROM pg_catalog.pg_policy p
  JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE ${USER_SCHEMA_FILTER}
   AND ${NOT_EXTENSION_MEMBER}
 ORDER BY n.nspname, c.relname, p.polname`;

const COMMANDS: readonly PolicyCommand[] = ['ALL', 'SELECT', 'INSERT', 'UPDATE', 'DELETE'];

export async function introspectPolicies(q: Queryable): Promise<PolicyInfo[]> {
  const rows = await runCatalogQuery(q, 'RLS policies', POLICIES_SQL);
  return rows.map((r) => {
    const command = asString(r.command) as PolicyCommand;
    return {
      schema: asString(r.schema),
      table: asString(r.table),
      name: asString(r.name),
      command: COMMANDS.includes(command) ? command : 'ALL',
      permissive: asBool(r.permissive),
      roles: asJson<string[]>(r.roles, []),
      using: asNullableString(r.using),
      withCheck: asNullableString(r.with_check),
    };
  });
}
