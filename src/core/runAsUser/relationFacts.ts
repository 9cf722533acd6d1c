/**
 * What the catalog says about the tables a statement touches, for one role: does row-level security
 * apply to that role at all (neon-facts §7: "the owner role bypasses RLS — a test run as the owner is a
 * false green"), is RLS enabled, which policies apply, what the primary key is.
 *
 * Postgres skips RLS for a role that is a superuser or has BYPASSRLS, and for a table's owner (any role
 * with the owner's privileges) unless the table has FORCE ROW LEVEL SECURITY. A view without
 * security_invoker reads its tables with its owner's rights, so the same test applies to the view's owner.
 *
 * The same SQL runs in two places: inside the user side's transaction (role = current_user, after SET
 * ROLE) as a guard that aborts the transaction before the user's statement runs, and on the owner
 * connection for a named role (to check the Authorize path's URL role, and for notes and keys).
 */
import { quoteLiteral } from '../scaffold/sqlIdent';

export interface RelationFacts {
  /** The name as the statement wrote it. */
  name: string;
  found: boolean;
  oid?: number;
  schema?: string;
  relname?: string;
  /** pg_class.relkind: r table, p partitioned, v view, m materialized view, f foreign table. */
  kind?: string;
  owner?: string;
  /** The role has the owner's privileges (it owns the table, or inherits from its owner). */
  roleOwns?: boolean;
  rlsEnabled?: boolean;
  rlsForced?: boolean;
  /** Views: security_invoker is on (the view's tables are checked as the caller). */
  securityInvoker?: boolean;
  /** Views without security_invoker: base tables with RLS whose policies the view's owner skips. */
  viewBypassedTables?: string[];
  /** Attribute numbers of the primary key, in key order. */
  primaryKey?: number[];
  /** Column names of the primary key, in key order. */
  primaryKeyColumns?: string[];
  /** Policies that apply to the role, by command: select/insert/update/delete (an ALL policy counts for each). */
  policies?: { select: number; insert: number; update: number; delete: number };
  /** RLS does not apply to the role on this relation. */
  bypassed: boolean;
}

export interface RoleFacts {
  role: string;
  superuser: boolean;
  bypassRls: boolean;
  relations: RelationFacts[];
  /** RLS would not filter what this role reads or writes here: the user side must not be shown. */
  bypassed: boolean;
}

/** Prefix of the guard's error message; the facts ride in its DETAIL as JSON. */
export const RLS_GUARD_MESSAGE = 'naw: row-level security would be bypassed for this role';

/**
 * One catalog query: `$tables` is a text[] expression of relation names, `$role` a name expression
 * (`current_user`, or a parameter). Returns one jsonb value.
 */
function factsSql(tables: string, role: string): string {
  return `(
with who as (
  select r.oid, r.rolname::text as rolname, r.rolsuper, r.rolbypassrls from pg_catalog.pg_roles r where r.rolname = ${role}
),
rel as (
  select t.ord, t.name, c.oid, c.relkind::text as relkind, c.relowner, c.relrowsecurity, c.relforcerowsecurity, n.nspname, c.relname,
    coalesce((select lower(o.option_value) in ('true', 'on', '1', 'yes') from pg_catalog.pg_options_to_table(c.reloptions) o where o.option_name = 'security_invoker'), false) as security_invoker,
    c.oid is not null and exists (select from who where pg_catalog.pg_has_role(who.oid, c.relowner, 'USAGE')) as role_owns
  from unnest(${tables}) with ordinality as t(name, ord)
  left join pg_catalog.pg_class c on c.oid = pg_catalog.to_regclass(t.name)
  left join pg_catalog.pg_namespace n on n.oid = c.relnamespace
),
facts as (
  select rel.*,
    (select coalesce(jsonb_agg(distinct b.oid::regclass::text), '[]'::jsonb)
       from pg_catalog.pg_rewrite rw
       join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::regclass and d.objid = rw.oid and d.refclassid = 'pg_catalog.pg_class'::regclass
       join pg_catalog.pg_class b on b.oid = d.refobjid and b.oid <> rel.oid and b.relkind in ('r', 'p') and b.relrowsecurity
       join pg_catalog.pg_roles vo on vo.oid = rel.relowner
      where rel.relkind = 'v' and not rel.security_invoker and rw.ev_class = rel.oid
        and (vo.rolsuper or vo.rolbypassrls or (pg_catalog.pg_has_role(rel.relowner, b.relowner, 'USAGE') and not b.relforcerowsecurity))
    ) as view_bypassed,
    (select coalesce(jsonb_agg(k.attnum order by k.ord), '[]'::jsonb)
       from pg_catalog.pg_index i, unnest(i.indkey::int2[]) with ordinality as k(attnum, ord)
      where i.indrelid = rel.oid and i.indisprimary) as primary_key,
    (select coalesce(jsonb_agg(a.attname::text order by k.ord), '[]'::jsonb)
       from pg_catalog.pg_index i, unnest(i.indkey::int2[]) with ordinality as k(attnum, ord), pg_catalog.pg_attribute a
      where i.indrelid = rel.oid and i.indisprimary and a.attrelid = rel.oid and a.attnum = k.attnum) as primary_key_columns,
    (select jsonb_build_object(
        'select', count(*) filter (where p.polcmd in ('r', '*')),
        'insert', count(*) filter (where p.polcmd in ('a', '*')),
        'update', count(*) filter (where p.polcmd in ('w', '*')),
        'delete', count(*) filter (where p.polcmd in ('d', '*')))
       from pg_catalog.pg_policy p
      where p.polrelid = rel.oid
        and exists (select from unnest(p.polroles) pr(oid), who where pr.oid = 0 or pg_catalog.pg_has_role(who.oid, pr.oid, 'MEMBER'))) as policies
  from rel
)
select jsonb_build_object(
  'role', (select rolname from who),
  'superuser', coalesce((select rolsuper from who), false),
  'bypassRls', coalesce((select rolbypassrls from who), false),
  'relations', coalesce((select jsonb_agg(jsonb_build_object(
      'name', f.name, 'found', f.oid is not null, 'oid', f.oid::bigint, 'schema', f.nspname, 'relname', f.relname, 'kind', f.relkind,
      'owner', pg_catalog.pg_get_userbyid(f.relowner), 'roleOwns', f.role_owns, 'rlsEnabled', f.relrowsecurity,
      'rlsForced', f.relforcerowsecurity, 'securityInvoker', f.security_invoker, 'viewBypassedTables', f.view_bypassed,
      'primaryKey', f.primary_key, 'primaryKeyColumns', f.primary_key_columns, 'policies', f.policies,
      'bypassed', coalesce((select rolsuper or rolbypassrls from who), false)
        or (f.relkind in ('r', 'p') and f.relrowsecurity and f.role_owns and not f.relforcerowsecurity)
        or jsonb_array_length(f.view_bypassed) > 0
    ) order by f.ord) from facts f), '[]'::jsonb)
))`;
}

function finish(raw: unknown): RoleFacts {
  const facts = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Omit<RoleFacts, 'bypassed'>;
  const relations = (facts.relations ?? []).map((r) => ({ ...r, bypassed: !!r.bypassed }));
  return {
    role: facts.role ?? '',
    superuser: !!facts.superuser,
    bypassRls: !!facts.bypassRls,
    relations,
    bypassed: !!facts.superuser || !!facts.bypassRls || relations.some((r) => r.bypassed),
  };
}

/** The query to run on the owner connection: `$1` text[] of names, `$2` the role name. */
export function roleFactsQuery(): string {
  return `select ${factsSql('$1::text[]', '$2::text')} as facts`;
}

/** Postgres array literal for `$1` (text[] parameters travel as text). */
export function textArrayParam(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

export function parseRoleFacts(value: unknown): RoleFacts {
  return finish(value);
}

/**
 * A statement for inside the user side's transaction, after SET ROLE: aborts the transaction with
 * {@link RLS_GUARD_MESSAGE} (facts as JSON in DETAIL) when RLS would not apply to current_user, so the
 * user's statement never runs unfiltered. A DO block because an HTTP batch cannot branch: the error is
 * the only way to stop the statements after it.
 */
export function rlsGuardStatement(tableNames: string[]): string {
  const tables = tableNames.length ? `array[${tableNames.map(quoteLiteral).join(', ')}]::text[]` : 'array[]::text[]';
  return `DO $naw_rls_guard$
DECLARE
  facts jsonb := ${factsSql(tables, 'current_user')};
BEGIN
  IF (facts->>'superuser')::boolean OR (facts->>'bypassRls')::boolean
     OR EXISTS (SELECT FROM jsonb_array_elements(facts->'relations') r WHERE (r->>'bypassed')::boolean) THEN
    RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = ${quoteLiteral(RLS_GUARD_MESSAGE)}, DETAIL = facts::text;
  END IF;
END
$naw_rls_guard$`;
}

/** The facts a guard error carries, or undefined when the error is not the guard's. */
export function rlsGuardFacts(err: unknown): RoleFacts | undefined {
  const e = err as { message?: unknown; detail?: unknown } | null;
  if (!e || typeof e !== 'object' || e.message !== RLS_GUARD_MESSAGE || typeof e.detail !== 'string') return undefined;
  try {
    return finish(JSON.parse(e.detail));
  } catch {
    return undefined;
  }
}
