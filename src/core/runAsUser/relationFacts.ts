/**
 * What the catalog says about the tables a statement touches, for one role: does row-level security
 * apply to that role at all (the owner role bypasses RLS, so a test run as the owner is a false green:
 * docs/rls-pitfalls.md#owner-bypass), is RLS enabled, which policies apply, what the primary key is.
 *
 * Postgres skips RLS for a role that is a superuser or has BYPASSRLS, and for a table's owner (any role
 * with the owner's privileges) unless the table has FORCE ROW LEVEL SECURITY. A view without
 * security_invoker reads its tables with its owner's rights, so the same test applies to the view's owner.
 *
 * Two places ask:
 * - inside the user side's own transaction, after SET ROLE (self-verified claims): a guard statement that
 *   aborts the transaction before the user's statement runs; its cheap test runs every time, the detailed
 *   facts (for the message) only when it trips;
 * - the owner connection, for a named role (the Authorize path's URL role; notes and keys for every path).
 * Both are kept flat because planning dominates: on PGlite a query with a dozen sub-plans costs more to
 * plan than the user's own query costs to run.
 */
import { quoteLiteral } from '../sql/quote';

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
  /** The role has the owner's privileges (it owns the relation, or inherits from its owner). */
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
  /** Policies that apply to the role, by command (an ALL policy counts for each). */
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

/** Message of the guard's error; the facts ride in its DETAIL as JSON. */
export const RLS_GUARD_MESSAGE = 'naw: row-level security would be bypassed for this role';

const SECURITY_INVOKER = /(^|,)security_invoker=(true|on|1|yes)(,|$)/i;

/**
 * The owner-side query: `$1` text[] of relation names as written, `$2` the role. One flat UNION of kinds
 * of rows (role, rel, pk, policy, viewbase), every value as text; {@link parseRoleFacts} assembles them.
 */
export const RELATION_FACTS_QUERY = `
with rel as materialized (
  select t.ord, t.name, c.oid, c.relkind, c.relowner, c.relrowsecurity, c.relforcerowsecurity, c.reloptions, n.nspname, c.relname
    from unnest($1::text[]) with ordinality as t(name, ord)
    left join pg_catalog.pg_class c on c.oid = pg_catalog.to_regclass(t.name)
    left join pg_catalog.pg_namespace n on n.oid = c.relnamespace
), who as materialized (
  select r.oid, r.rolsuper, r.rolbypassrls from pg_catalog.pg_roles r where r.rolname = $2::text
)
select 'role' as what, 0::bigint as ord, who.rolsuper::text as a, who.rolbypassrls::text as b, null::text as c, null::text as d, null::text as e, null::text as f, null::text as g, null::text as h, null::text as i, null::text as j
  from who
union all
select 'rel', rel.ord, rel.name, rel.oid::text, rel.nspname::text, rel.relname::text, rel.relkind::text, pg_catalog.pg_get_userbyid(rel.relowner)::text,
       pg_catalog.pg_has_role(who.oid, rel.relowner, 'USAGE')::text, rel.relrowsecurity::text, rel.relforcerowsecurity::text, pg_catalog.array_to_string(rel.reloptions, ',')
  from rel left join who on true
union all
select 'pk', rel.ord, a.attnum::text, a.attname::text, pg_catalog.array_position(i.indkey::int2[], a.attnum)::text, null, null, null, null, null, null, null
  from rel
  join pg_catalog.pg_index i on i.indrelid = rel.oid and i.indisprimary
  join pg_catalog.pg_attribute a on a.attrelid = rel.oid and a.attnum = any(i.indkey::int2[])
union all
select 'policy', rel.ord, p.polcmd::text, (exists (select from unnest(p.polroles) as pr(oid) where pr.oid = 0 or pg_catalog.pg_has_role(who.oid, pr.oid, 'MEMBER')))::text, null, null, null, null, null, null, null, null
  from rel join pg_catalog.pg_policy p on p.polrelid = rel.oid left join who on true
union all
select 'viewbase', rel.ord, b.oid::regclass::text, (vo.rolsuper or vo.rolbypassrls or (pg_catalog.pg_has_role(rel.relowner, b.relowner, 'USAGE') and not b.relforcerowsecurity))::text, null, null, null, null, null, null, null, null
  from rel
  join pg_catalog.pg_rewrite rw on rw.ev_class = rel.oid and rel.relkind = 'v'
  join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::regclass and d.objid = rw.oid and d.refclassid = 'pg_catalog.pg_class'::regclass
  join pg_catalog.pg_class b on b.oid = d.refobjid and b.oid <> rel.oid and b.relkind in ('r', 'p') and b.relrowsecurity
  join pg_catalog.pg_roles vo on vo.oid = rel.relowner`;

/** Postgres array literal for a text[] parameter (parameters travel as text). */
export function textArrayParam(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

const POLICY_COMMANDS: Record<string, (keyof NonNullable<RelationFacts['policies']>)[]> = {
  r: ['select'],
  a: ['insert'],
  w: ['update'],
  d: ['delete'],
  '*': ['select', 'insert', 'update', 'delete'],
};

/** Assembles the rows of {@link RELATION_FACTS_QUERY} (raw text) and decides, per relation, whether RLS applies. */
export function parseRoleFacts(rows: (string | null)[][], names: string[], role: string): RoleFacts {
  const t = (v: string | null | undefined) => v === 't' || v === 'true';
  const roleRow = rows.find((r) => r[0] === 'role');
  const superuser = t(roleRow?.[2]);
  const bypassRls = t(roleRow?.[3]);
  const byOrd = new Map<number, RelationFacts>();
  names.forEach((name, i) => byOrd.set(i + 1, { name, found: false, bypassed: superuser || bypassRls }));
  const pkParts = new Map<number, { attnum: number; name: string; position: number }[]>();
  const viewBases = new Map<number, { table: string; bypass: boolean }[]>();
  for (const row of rows) {
    const ord = Number(row[1]);
    const rel = byOrd.get(ord);
    if (!rel) continue;
    switch (row[0]) {
      case 'rel':
        if (row[3] === null) break;
        Object.assign(rel, {
          found: true,
          oid: Number(row[3]),
          schema: row[4] ?? undefined,
          relname: row[5] ?? undefined,
          kind: row[6] ?? undefined,
          owner: row[7] ?? undefined,
          roleOwns: t(row[8]),
          rlsEnabled: t(row[9]),
          rlsForced: t(row[10]),
          securityInvoker: SECURITY_INVOKER.test(row[11] ?? ''),
          policies: { select: 0, insert: 0, update: 0, delete: 0 },
        });
        break;
      case 'pk': {
        const list = pkParts.get(ord) ?? [];
        list.push({ attnum: Number(row[2]), name: row[3] ?? '', position: Number(row[4]) });
        pkParts.set(ord, list);
        break;
      }
      case 'policy':
        if (t(row[3])) for (const command of POLICY_COMMANDS[row[2] ?? ''] ?? []) rel.policies![command]++;
        break;
      case 'viewbase': {
        const list = viewBases.get(ord) ?? [];
        list.push({ table: row[2] ?? '', bypass: t(row[3]) });
        viewBases.set(ord, list);
        break;
      }
    }
  }
  for (const [ord, rel] of byOrd) {
    if (!rel.found) continue;
    const pk = (pkParts.get(ord) ?? []).sort((a, b) => a.position - b.position);
    rel.primaryKey = pk.map((p) => p.attnum);
    rel.primaryKeyColumns = pk.map((p) => p.name);
    rel.viewBypassedTables =
      rel.kind === 'v' && !rel.securityInvoker ? [...new Set((viewBases.get(ord) ?? []).filter((b) => b.bypass).map((b) => b.table))] : [];
    rel.bypassed =
      superuser ||
      bypassRls ||
      ((rel.kind === 'r' || rel.kind === 'p') && !!rel.rlsEnabled && !!rel.roleOwns && !rel.rlsForced) ||
      rel.viewBypassedTables.length > 0;
  }
  const relations = [...byOrd.values()];
  return { role, superuser, bypassRls, relations, bypassed: superuser || bypassRls || relations.some((r) => r.bypassed) };
}

// ---------------------------------------------------------------------------------------------
// The guard inside the user side's transaction

/** True when RLS would not apply to current_user for any of the relations in `tables` (a text[] expression). */
function bypassTest(tables: string): string {
  return `(
  coalesce((select r.rolsuper or r.rolbypassrls from pg_catalog.pg_roles r where r.rolname = current_user), false)
  or exists (
    select from unnest(${tables}) as t(name)
      join pg_catalog.pg_class c on c.oid = pg_catalog.to_regclass(t.name)
     where (c.relkind in ('r', 'p') and c.relrowsecurity and not c.relforcerowsecurity and pg_catalog.pg_has_role(current_user, c.relowner, 'USAGE'))
        or (c.relkind = 'v' and coalesce(pg_catalog.array_to_string(c.reloptions, ','), '') !~* '(^|,)security_invoker=(true|on|1|yes)(,|$)'
            and exists (
              select from pg_catalog.pg_rewrite rw
                join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::regclass and d.objid = rw.oid and d.refclassid = 'pg_catalog.pg_class'::regclass
                join pg_catalog.pg_class b on b.oid = d.refobjid and b.oid <> c.oid and b.relkind in ('r', 'p') and b.relrowsecurity
                join pg_catalog.pg_roles vo on vo.oid = c.relowner
               where rw.ev_class = c.oid
                 and (vo.rolsuper or vo.rolbypassrls or (pg_catalog.pg_has_role(c.relowner, b.relowner, 'USAGE') and not b.relforcerowsecurity))))
  ))`;
}

/**
 * The facts as one JSON array of RELATION_FACTS_QUERY's rows, for the guard's error DETAIL (planned and
 * run only when the guard trips).
 */
function factsAsJson(tables: string): string {
  const query = RELATION_FACTS_QUERY.replace(/\$1::text\[\]/g, tables).replace(/\$2::text/g, 'current_user::text');
  return `(select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_array(f.what, f.ord::text, f.a, f.b, f.c, f.d, f.e, f.f, f.g, f.h, f.i, f.j)) from (${query}) f)`;
}

/**
 * A statement for inside the user side's transaction, after SET ROLE: aborts the transaction with
 * {@link RLS_GUARD_MESSAGE} (facts as JSON in DETAIL) when RLS would not apply to current_user, so the
 * user's statement never runs unfiltered. A DO block because an HTTP batch cannot branch: an error is the
 * only way to stop the statements after it.
 */
export function rlsGuardStatement(tableNames: string[]): string {
  const tables = tableNames.length ? `array[${tableNames.map(quoteLiteral).join(', ')}]::text[]` : 'array[]::text[]';
  return `DO $naw_rls_guard$
BEGIN
  IF ${bypassTest(tables)} THEN
    RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = ${quoteLiteral(RLS_GUARD_MESSAGE)},
      DETAIL = pg_catalog.jsonb_build_object('role', current_user::text, 'names', to_jsonb(${tables}), 'rows', ${factsAsJson(tables)})::text;
  END IF;
END
$naw_rls_guard$`;
}

/** The facts a guard error carries, or undefined when the error is not the guard's. */
export function rlsGuardFacts(err: unknown): RoleFacts | undefined {
  const e = err as { message?: unknown; detail?: unknown } | null;
  if (!e || typeof e !== 'object' || e.message !== RLS_GUARD_MESSAGE || typeof e.detail !== 'string') return undefined;
  try {
    const detail = JSON.parse(e.detail) as { role: string; names: string[]; rows: (string | null)[][] | null };
    return parseRoleFacts(detail.rows ?? [], detail.names ?? [], detail.role);
  } catch {
    return undefined;
  }
}
