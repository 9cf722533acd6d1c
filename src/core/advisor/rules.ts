/**
 * The RLS Advisor's rules, in Neon Authorize's terms: the `authenticated`/`anonymous` roles, pg_session_jwt's
 * auth.user_id()/auth.session()/auth.jwt(), Neon's SQL-over-HTTP (where the user's own SQL runs). Each rule
 * reads the LintContext and returns findings with the SQL that fixes them.
 */
import type { PolicyInfo, TableSnapshot } from '../introspect';
import type { ColumnDescription, PolicyCommand, TablePrivilege } from '../introspect/types';
import { guessUserColumn, scaffoldPolicies, userIdDefaultExpression } from '../scaffold/policies';
import { ScriptBuilder, type SqlScaffold } from '../scaffold/script';
import { fitIdentifier, qualifiedName, quoteIdent } from '../sql/quote';
import { appliesTo, COMMANDS, covers, type LintContext } from './context';
import { replaceClaimSettingReads, wrapPerRowCalls, type ExpressionAnalysis, type PerRowReason } from './expressions';
import type { AdvisorObject, AdvisorRuleInfo } from './types';

/** The version of pg_session_jwt Neon's computes run (docs/pg-session-jwt.md#versions). */
export const NEON_PG_SESSION_JWT_VERSION = '0.3.1';

export interface RuleFinding {
  readonly object: AdvisorObject;
  readonly message: string;
  readonly fix: SqlScaffold;
}

export interface AdvisorRule extends AdvisorRuleInfo {
  check(ctx: LintContext): RuleFinding[];
}

const tableObject = (t: { schema: string; name: string }): AdvisorObject => ({ kind: 'table', schema: t.schema, name: t.name });
const policyObject = (t: TableSnapshot, p: PolicyInfo): AdvisorObject => ({ kind: 'policy', schema: t.schema, table: t.name, name: p.name });
const target = (t: { schema: string; name: string }) => qualifiedName(t.schema, t.name);
const list = (items: readonly string[]) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
const quoted = (names: readonly string[]) => list(names.map((n) => `"${n}"`));
const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);

const ACCESS_PRIVILEGES: readonly TablePrivilege[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'];
const WRITE_PRIVILEGES: readonly TablePrivilege[] = ['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'];

/** App roles that can reach the table: USAGE on its schema and at least one data privilege. */
function rolesWithAccess(ctx: LintContext, t: TableSnapshot): string[] {
  return ctx.appRoles.filter((r) => ctx.schemaUsable(t.schema, r) && (t.grants[r] ?? []).some((p) => ACCESS_PRIVILEGES.includes(p)));
}

function enableRlsFix(t: TableSnapshot, why: string): SqlScaffold {
  return new ScriptBuilder()
    .comment(why)
    .statement(`ALTER TABLE ${target(t)} ENABLE ROW LEVEL SECURITY`)
    .build();
}

/** A policy's expression for a command: WITH CHECK falls back to USING where Postgres does the same. */
function checkExpression(p: PolicyInfo): string | null {
  return p.withCheck ?? (p.command === 'INSERT' ? null : p.using);
}

function alterPolicy(t: TableSnapshot, p: PolicyInfo, using: string | undefined, withCheck: string | undefined): string {
  const parts = [`ALTER POLICY ${quoteIdent(p.name)} ON ${target(t)}`];
  if (using !== undefined) parts.push(`USING (${using})`);
  if (withCheck !== undefined) parts.push(`WITH CHECK (${withCheck})`);
  return parts.join('\n  ');
}

function createPolicy(
  t: TableSnapshot,
  spec: { name: string; command: PolicyCommand; roles: readonly string[]; using?: string; withCheck?: string },
): string {
  const parts = [`CREATE POLICY ${quoteIdent(spec.name)} ON ${target(t)} AS PERMISSIVE FOR ${spec.command}`];
  parts.push(`TO ${spec.roles.map((r) => (r === 'public' ? 'PUBLIC' : quoteIdent(r))).join(', ')}`);
  if (spec.using !== undefined) parts.push(`USING (${spec.using})`);
  if (spec.withCheck !== undefined) parts.push(`WITH CHECK (${spec.withCheck})`);
  return parts.join('\n  ');
}

/** A policy name not yet used on the table (Postgres' 63-byte limit kept). */
function freshPolicyName(t: TableSnapshot, wanted: string, taken: Set<string> = new Set(t.policies.map((p) => p.name))): string {
  let name = fitIdentifier(wanted);
  for (let i = 2; taken.has(name); i++) name = fitIdentifier(`${fitIdentifier(wanted, 58)} ${i}`);
  taken.add(name);
  return name;
}

const orAll = (exprs: readonly string[]) => (exprs.length === 1 ? exprs[0]! : exprs.map((e) => `(${e})`).join(' OR '));

/** The owner check for a guessed user column, as the scaffolds write it: `(select auth.user_id()) = user_id`. */
function ownerCheck(column: ColumnDescription): string {
  return `(select ${userIdDefaultExpression(column)}) = ${quoteIdent(column.name)}`;
}

function userColumnOf(t: TableSnapshot): ColumnDescription | undefined {
  const name = guessUserColumn(t.columns);
  return name ? t.columns.find((c) => c.name === name) : undefined;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

const REASON_TEXT: Record<PerRowReason, string> = {
  bare: 'is called directly in the expression',
  correlated: "sits in a sub-select that also reads the row (the shape of drizzle's authUid()), so the sub-select runs per row",
  'in-subquery': 'sits in a sub-query with a FROM clause, which calls it for every row it reads',
};

function callName(analysis: ExpressionAnalysis, start: number, end: number): string {
  const text = analysis.text.slice(start, end);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

// ---------------------------------------------------------------------------------------------------------
// RLS on and off

const rlsDisabledGranted: AdvisorRule = {
  id: 'rls-disabled-granted',
  level: 'error',
  category: 'security',
  title: 'Table reachable by the app roles with row-level security off',
  explanation:
    'The table is in a schema the app roles can use and is granted to authenticated or anonymous, but row-level security is off. ' +
    "Every query made with a user's token (Neon's SQL-over-HTTP, the Data API) then reads and writes all rows, whatever user the token names: " +
    'the grant alone decides. Enabling RLS makes Postgres deny every row to those roles until policies say otherwise; add policies next (Scaffold Policies).',
  check(ctx) {
    return ctx.snapshot.tables.flatMap((t) => {
      if (t.rlsEnabled || t.policies.length > 0) return [];
      const roles = rolesWithAccess(ctx, t);
      if (!roles.length) return [];
      const privileges = [...new Set(roles.flatMap((r) => t.grants[r] ?? []).filter((p) => ACCESS_PRIVILEGES.includes(p)))];
      return [
        {
          object: tableObject(t),
          message: `Row-level security is off on ${t.schema}.${t.name}, and ${list(roles)} ${plural(roles.length, 'has', 'have')} ${privileges.join(', ')} on it: every signed-in (or signed-out) user reads and changes every row.`,
          fix: enableRlsFix(t, `${t.schema}.${t.name}: with RLS on and no policy yet, ${list(roles)} see no rows until you add policies.`),
        },
      ];
    });
  },
};

const policiesWithoutRls: AdvisorRule = {
  id: 'policies-without-rls',
  level: 'error',
  category: 'security',
  title: 'Policies exist but row-level security is off',
  explanation:
    'Policies only apply once row-level security is enabled on their table. With RLS off they are ignored: the table looks protected in the schema ' +
    '(and in Drizzle, where pgPolicy() does not enable RLS on its own in every version) while every role with a grant reads and writes all rows. ' +
    'The fix enables RLS so the existing policies take effect.',
  check(ctx) {
    return ctx.snapshot.tables
      .filter((t) => !t.rlsEnabled && t.policies.length > 0)
      .map((t) => ({
        object: tableObject(t),
        message: `${t.schema}.${t.name} has ${t.policies.length} ${plural(t.policies.length, 'policy', 'policies')} (${quoted(t.policies.map((p) => p.name))}) but row-level security is off, so Postgres applies none of them.`,
        fix: enableRlsFix(t, `Makes the existing policies on ${t.schema}.${t.name} take effect.`),
      }));
  },
};

const rlsEnabledNoPolicy: AdvisorRule = {
  id: 'rls-enabled-no-policy',
  level: 'info',
  category: 'security',
  title: 'Row-level security on, no policy: every row denied',
  explanation:
    'Row-level security is on and the table has no policy, so Postgres denies every row to every role that does not bypass RLS: ' +
    'authenticated and anonymous see an empty table and cannot insert, update or delete anything, without any error on reads. ' +
    'Only the owner (which bypasses RLS) sees rows, so a test run as the owner looks fine. If that is intended, there is nothing to do; otherwise add policies.',
  check(ctx) {
    return ctx.snapshot.tables.flatMap((t) => {
      if (!t.rlsEnabled || t.policies.length > 0) return [];
      const roles = rolesWithAccess(ctx, t);
      if (!roles.length) return [];
      const userColumn = guessUserColumn(t.columns);
      let fix: SqlScaffold;
      if (userColumn) {
        const scaffold = scaffoldPolicies(t, { template: 'owner-crud', userColumn, authenticatedRole: ctx.authenticatedRole, replaceExisting: false });
        fix = { sql: scaffold.sql, statements: scaffold.statements };
      } else {
        fix = new ScriptBuilder()
          .comment(
            `${t.schema}.${t.name} has no column that looks like a user id, so no policy is written for you.`,
            'Example to adapt (not run):',
          )
          .raw(`-- CREATE POLICY "Users can view their rows" ON ${target(t)} FOR SELECT TO ${quoteIdent(ctx.authenticatedRole)}\n--   USING ((select auth.user_id()) = user_id);`)
          .build();
      }
      return [
        {
          object: tableObject(t),
          message: `Row-level security is on and ${t.schema}.${t.name} has no policy: ${list(roles)} see no rows and cannot write any (only the owner, which bypasses RLS, sees them).`,
          fix,
        },
      ];
    });
  },
};

// ---------------------------------------------------------------------------------------------------------
// Policy expressions

const authCallPerRow: AdvisorRule = {
  id: 'auth-call-per-row',
  level: 'warn',
  category: 'performance',
  title: 'auth.user_id() / auth.session() / current_setting() evaluated per row',
  explanation:
    'Postgres evaluates a function call in a policy once for every row the query reads, unless the call is wrapped in a scalar sub-select that does not ' +
    'reference the row: `(select auth.user_id())` becomes an InitPlan, computed once per query. On a large table a bare auth.user_id() (or auth.session(), ' +
    "auth.jwt(), current_setting()) costs one call per row and keeps an index on the user column from being used. drizzle-orm's authUid() writes " +
    '`(select auth.user_id() = user_id)`, which reads the row inside the sub-select and so still runs per row. The fix rewrites the expression with each call wrapped.',
  check(ctx) {
    return ctx.snapshot.tables.flatMap((t) =>
      t.policies.flatMap((p) => {
        const a = ctx.analysis(t, p);
        const slow = [a.using, a.withCheck].flatMap((e) => (e ? e.calls.filter((c) => !c.once).map((c) => ({ e, c })) : []));
        if (!slow.length) return [];
        const described = [...new Set(slow.map(({ e, c }) => `${callName(e, c.start, c.end)} ${REASON_TEXT[c.reason!]}`))];
        const using = a.using && a.using.calls.some((c) => !c.once) ? wrapPerRowCalls(a.using) : undefined;
        const withCheck = a.withCheck && a.withCheck.calls.some((c) => !c.once) ? wrapPerRowCalls(a.withCheck) : undefined;
        return [
          {
            object: policyObject(t, p),
            message: `In policy "${p.name}" on ${t.schema}.${t.name}, ${described.join('; ')}: it is evaluated once per row instead of once per query.`,
            fix: new ScriptBuilder()
              .comment('Each call wrapped in (select ...): Postgres evaluates it once per query (an InitPlan).')
              .statement(alterPolicy(t, p, using, withCheck))
              .build(),
          },
        ];
      }),
    );
  },
};

const jwtClaimsForgeable: AdvisorRule = {
  id: 'jwt-claims-forgeable',
  level: 'warn',
  category: 'security',
  title: 'Policy reads request.jwt.claims directly',
  explanation:
    "`request.jwt.claims` is an ordinary setting: any session can change it with `select set_config('request.jwt.claims', '{\"sub\":\"someone-else\"}', true)`. " +
    "On a connection that runs the user's own SQL (Neon's SQL-over-HTTP with a JWT, where the client sends the statements) a policy that reads it directly " +
    "can be fooled. pg_session_jwt's auth.user_id() and auth.session() read the token Neon's proxy verified and re-signed for the session when " +
    '`pg_session_jwt.jwk` is set (JWK mode), which a session cannot forge. The fix reads the claims through pg_session_jwt instead.',
  check(ctx) {
    return ctx.snapshot.tables.flatMap((t) =>
      t.policies.flatMap((p) => {
        const a = ctx.analysis(t, p);
        const reads = [a.using, a.withCheck].flatMap((e) => e?.claimSettingReads ?? []);
        if (!reads.length) return [];
        const settings = [...new Set(reads.map((c) => c.setting!))];
        const using = a.using?.claimSettingReads.length ? replaceClaimSettingReads(a.using) : undefined;
        const withCheck = a.withCheck?.claimSettingReads.length ? replaceClaimSettingReads(a.withCheck) : undefined;
        return [
          {
            object: policyObject(t, p),
            message: `Policy "${p.name}" on ${t.schema}.${t.name} reads current_setting(${settings.map((s) => `'${s}'`).join(', ')}) directly: any session can set it, so without pg_session_jwt's JWK mode the claims can be forged.`,
            fix: new ScriptBuilder()
              .comment("Reads the claims through pg_session_jwt (the token Neon verified), not the settable request.jwt.claims.")
              .statement(alterPolicy(t, p, using, withCheck))
              .build(),
          },
        ];
      }),
    );
  },
};

interface MergeSpec {
  name: string;
  command: PolicyCommand;
  roles: string[];
  using?: string;
  withCheck?: string;
}

/** One policy doing what `policies` do together for `command` (their USINGs ORed, their checks ORed). */
function mergedClauses(policies: readonly PolicyInfo[], command: PolicyCommand): { using?: string; withCheck?: string } {
  const usings = policies.map((p) => p.using).filter((u): u is string => u !== null);
  const checks = policies.map(checkExpression).filter((c): c is string => c !== null);
  switch (command) {
    case 'SELECT':
    case 'DELETE':
      return { using: usings.length ? orAll(usings) : 'false' };
    case 'INSERT':
      return { withCheck: checks.length ? orAll(checks) : 'false' };
    default: {
      // UPDATE and ALL: WITH CHECK defaults to USING, so it is only written when some policy differs.
      const explicit = policies.some((p) => p.withCheck !== null);
      return {
        ...(usings.length ? { using: orAll(usings) } : {}),
        ...(explicit && checks.length ? { withCheck: orAll(checks) } : {}),
      };
    }
  }
}

function mergePoliciesFix(t: TableSnapshot, group: readonly PolicyInfo[]): SqlScaffold {
  const out = new ScriptBuilder();
  const taken = new Set(t.policies.filter((p) => !group.includes(p)).map((p) => p.name));
  const sameShape = group.every((p) => p.command === group[0]!.command && p.roles.join('\u0000') === group[0]!.roles.join('\u0000'));
  const specs: MergeSpec[] = [];
  if (sameShape) {
    const first = group[0]!;
    specs.push({ name: freshPolicyName(t, group.map((p) => p.name).join(' or '), taken), command: first.command, roles: [...first.roles], ...mergedClauses(group, first.command) });
  } else if (!group.some((p) => p.roles.includes('public'))) {
    // Recreate the group's coverage command by command: each role gets exactly one policy per command,
    // doing what its overlapping policies did together.
    const roles = [...new Set(group.flatMap((p) => p.roles))].sort();
    for (const command of COMMANDS) {
      const byApplicable = new Map<string, { roles: string[]; policies: PolicyInfo[] }>();
      for (const role of roles) {
        const applicable = group.filter((p) => covers(p, command) && p.roles.includes(role));
        if (!applicable.length) continue;
        const key = applicable.map((p) => p.name).join('\u0000');
        const entry = byApplicable.get(key) ?? { roles: [], policies: applicable };
        entry.roles.push(role);
        byApplicable.set(key, entry);
      }
      for (const { roles: rs, policies } of byApplicable.values()) {
        const base = policies.length === 1 ? policies[0]!.name : policies.map((p) => p.name).join(' or ');
        specs.push({ name: freshPolicyName(t, `${base} (${command.toLowerCase()})`, taken), command, roles: rs, ...mergedClauses(policies, command) });
      }
    }
  } else {
    out.comment(
      `These policies overlap, and one of them applies TO PUBLIC, which cannot be split per role: merge them by hand.`,
      `Policies: ${group.map((p) => `"${p.name}" (${p.command} TO ${p.roles.join(', ')})`).join('; ')}.`,
      'For one command and role set, combine the conditions with OR in a single policy, e.g.:',
    );
    out.raw(
      createPolicy(t, { name: group.map((p) => p.name).join(' or '), command: group[0]!.command, roles: group[0]!.roles, ...mergedClauses(group, group[0]!.command) })
        .split('\n')
        .map((l) => `-- ${l}`)
        .join('\n'),
    );
    return out.build();
  }
  out.comment('One permissive policy per table, role and command: the conditions are ORed in one expression, evaluated once per row.');
  out.comment('Run as one transaction, so the table is never without its policies.');
  out.raw('BEGIN;');
  for (const p of group) out.statement(`DROP POLICY ${quoteIdent(p.name)} ON ${target(t)}`);
  for (const s of specs) out.statement(createPolicy(t, s));
  out.raw('COMMIT;');
  return out.build();
}

const multiplePermissivePolicies: AdvisorRule = {
  id: 'multiple-permissive-policies',
  level: 'warn',
  category: 'performance',
  title: 'Several permissive policies for the same table, role and command',
  explanation:
    'When several permissive policies apply to the same role and command, Postgres evaluates every one of them for each row and ORs the results. ' +
    "This is common with crudPolicy() next to hand-written policies, or a FOR ALL policy next to a FOR SELECT one. One policy whose condition ORs " +
    'the others does the same filtering with a single expression (and is easier to read). The fix replaces the overlapping policies with merged ones, in one transaction.',
  check(ctx) {
    return ctx.snapshot.tables.flatMap((t) => {
      if (!t.rlsEnabled) return [];
      const permissive = t.policies.filter((p) => p.permissive);
      const parent = new Map(permissive.map((p) => [p, p]));
      const find = (p: PolicyInfo): PolicyInfo => (parent.get(p) === p ? p : find(parent.get(p)!));
      const overlaps: { role: string; command: string; policies: PolicyInfo[] }[] = [];
      for (const role of ctx.appRoles) {
        for (const command of COMMANDS) {
          const applicable = permissive.filter((p) => covers(p, command) && appliesTo(p, role));
          if (applicable.length < 2) continue;
          overlaps.push({ role, command, policies: applicable });
          for (const p of applicable.slice(1)) parent.set(find(p), find(applicable[0]!));
        }
      }
      const groups = new Map<PolicyInfo, PolicyInfo[]>();
      for (const p of permissive) {
        if (!overlaps.some((o) => o.policies.includes(p))) continue;
        const root = find(p);
        groups.set(root, [...(groups.get(root) ?? []), p]);
      }
      return [...groups.values()].map((group) => {
        const pairs = overlaps.filter((o) => o.policies.some((p) => group.includes(p)));
        const byRole = new Map<string, string[]>();
        for (const o of pairs) byRole.set(o.role, [...(byRole.get(o.role) ?? []), o.command]);
        const where = [...byRole].map(([role, commands]) => `${role} on ${commands.join(', ')}`).join('; ');
        return {
          object: tableObject(t),
          message: `Policies ${quoted(group.map((p) => p.name))} on ${t.schema}.${t.name} are all permissive for ${where}: Postgres evaluates each of them for every row.`,
          fix: mergePoliciesFix(t, group),
        };
      });
    });
  },
};

/** The write commands a policy lets through with a literal `true`, and which clause says so. */
function alwaysTrueClauses(ctx: LintContext, t: TableSnapshot, p: PolicyInfo): { using: boolean; withCheck: boolean } {
  const a = ctx.analysis(t, p);
  const using = p.command !== 'INSERT' && a.using?.alwaysTrue === true;
  // UPDATE and ALL without WITH CHECK use USING for new rows too.
  const withCheck = a.withCheck ? a.withCheck.alwaysTrue : p.command === 'INSERT' ? false : using;
  return { using, withCheck };
}

const writePolicyAlwaysTrue: AdvisorRule = {
  id: 'write-policy-always-true',
  level: 'warn',
  category: 'security',
  title: 'Write policy whose USING or WITH CHECK is true',
  explanation:
    'A policy for INSERT, UPDATE, DELETE or ALL whose USING or WITH CHECK is `true` lets every user the role covers (authenticated, anonymous, or PUBLIC: everyone) ' +
    "write any row: change or delete other users' rows, or insert rows owned by someone else. crudPolicy({ modify: true }) writes exactly this. " +
    "Unless the table is meant to be shared, check the row's owner instead: the fix replaces `true` with `(select auth.user_id()) = <user column>`.",
  check(ctx) {
    const watched = new Set([ctx.authenticatedRole, ctx.anonymousRole, 'public']);
    return ctx.snapshot.tables.flatMap((t) =>
      t.policies.flatMap((p) => {
        if (p.command === 'SELECT' || !p.permissive || !p.roles.some((r) => watched.has(r))) return [];
        const open = alwaysTrueClauses(ctx, t, p);
        if (!open.using && !open.withCheck) return [];
        const clause = [open.using ? 'USING' : '', open.withCheck && (p.withCheck !== null || p.command === 'INSERT') ? 'WITH CHECK' : ''].filter(Boolean).join(' and ');
        const who = p.roles.filter((r) => watched.has(r)).map((r) => (r === 'public' ? 'everyone (PUBLIC)' : r));
        const column = userColumnOf(t);
        const out = new ScriptBuilder();
        if (column) {
          out.comment(`Only the row's owner (${column.name} = the token's sub) may write it.`);
          const check = ownerCheck(column);
          const using = open.using ? check : undefined;
          const withCheck = open.withCheck && (p.withCheck !== null || p.command === 'INSERT') ? check : undefined;
          out.statement(alterPolicy(t, p, using, withCheck));
        } else {
          out.comment(`${t.schema}.${t.name} has no column that looks like a user id: drop the policy, then write one that checks ownership.`);
          out.statement(`DROP POLICY ${quoteIdent(p.name)} ON ${target(t)}`);
        }
        return [
          {
            object: policyObject(t, p),
            message: `Policy "${p.name}" (${p.command}) on ${t.schema}.${t.name} has ${clause || 'USING'} true for ${list(who)}: any of them can write any row.`,
            fix: out.build(),
          },
        ];
      }),
    );
  },
};

// ---------------------------------------------------------------------------------------------------------
// The user column

/** Columns compared with the token's subject in the table's policies (optionally only some policies). */
function userIdColumns(ctx: LintContext, t: TableSnapshot, filter: (p: PolicyInfo) => boolean = () => true, clause: 'both' | 'check' = 'both'): string[] {
  const out = new Set<string>();
  for (const p of t.policies.filter(filter)) {
    const a = ctx.analysis(t, p);
    const exprs = clause === 'both' ? [a.using, a.withCheck] : [a.withCheck ?? (p.command === 'INSERT' ? undefined : a.using)];
    for (const e of exprs) for (const c of e?.userIdColumns ?? []) out.add(c);
  }
  return [...out];
}

const userColumnNotIndexed: AdvisorRule = {
  id: 'user-column-not-indexed',
  level: 'warn',
  category: 'performance',
  title: 'The column compared with auth.user_id() has no index',
  explanation:
    "Every query a user makes filters the table on the column their policies compare with auth.user_id(). Without an index whose first column is that one, " +
    "Postgres reads the whole table to find the user's rows, on every query; the cost grows with the table, not with the user's rows. " +
    'The fix creates a btree index on the column (with `(select auth.user_id())` in the policy, Postgres can use it).',
  check(ctx) {
    return ctx.snapshot.tables.flatMap((t) => {
      if (!t.rlsEnabled) return [];
      return userIdColumns(ctx, t)
        .filter((column) => !t.indexes.some((i) => i.columns[0] === column && i.predicate === null))
        .map((column) => {
          const policies = t.policies.filter((p) => {
            const a = ctx.analysis(t, p);
            return a.using?.userIdColumns.includes(column) || a.withCheck?.userIdColumns.includes(column);
          });
          return {
            object: tableObject(t),
            message: `${plural(policies.length, 'Policy', 'Policies')} ${quoted(policies.map((p) => p.name))} on ${t.schema}.${t.name} compare auth.user_id() with ${column}, which no index starts with: every query scans the whole table.`,
            fix: new ScriptBuilder()
              .comment(`The policies filter on ${column}: index it.`)
              .statement(`CREATE INDEX IF NOT EXISTS ${quoteIdent(fitIdentifier(`${t.name}_${column}_idx`))} ON ${target(t)} (${quoteIdent(column)})`)
              .build(),
          };
        });
    });
  },
};

const USER_ID_DEFAULT = /\bauth\.(user_id|uid)\(\)|\bcurrent_setting\('request\.jwt\.claim/;

const userColumnNoDefault: AdvisorRule = {
  id: 'user-column-no-default',
  level: 'info',
  category: 'security',
  title: 'The user column has no default of auth.user_id()',
  explanation:
    "An INSERT policy that checks `(select auth.user_id()) = user_id` only accepts rows whose user column already holds the caller's id, " +
    "so every insert from the app has to send the user's id itself (and gets \"new row violates row-level security policy\" when it does not). " +
    'With `DEFAULT auth.user_id()` Postgres fills it from the verified token, and the app cannot get it wrong. The fix sets that default.',
  check(ctx) {
    return ctx.snapshot.tables.flatMap((t) => {
      if (!t.rlsEnabled) return [];
      const insertPolicy = (p: PolicyInfo) => p.permissive && (p.command === 'INSERT' || p.command === 'ALL');
      return userIdColumns(ctx, t, insertPolicy, 'check').flatMap((name) => {
        const column = t.columns.find((c) => c.name === name);
        if (!column || column.identity || column.generated || (column.default !== null && USER_ID_DEFAULT.test(column.default))) return [];
        return [
          {
            object: tableObject(t),
            message: `${t.schema}.${t.name}.${name} must equal auth.user_id() on insert but ${column.default === null ? 'has no default' : `defaults to ${column.default}`}: every INSERT has to send the user's id itself.`,
            fix: new ScriptBuilder()
              .comment('New rows belong to the signed-in user unless the insert says otherwise.')
              .statement(`ALTER TABLE ${target(t)} ALTER COLUMN ${quoteIdent(name)} SET DEFAULT ${userIdDefaultExpression(column)}`)
              .build(),
          },
        ];
      });
    });
  },
};

const insertWithoutSelectPolicy: AdvisorRule = {
  id: 'insert-without-select-policy',
  level: 'info',
  category: 'security',
  title: 'INSERT allowed but no SELECT policy for the same role',
  explanation:
    'With row-level security, `INSERT … RETURNING` (what ORMs send for `.returning()` or to read generated ids) also checks the new rows against the ' +
    'SELECT policies. When a role may insert but no SELECT policy covers it, the insert fails with "new row violates row-level security policy" ' +
    'as soon as RETURNING is used, and the rows it wrote are invisible to it afterwards. The fix adds a SELECT policy with the insert policy\'s condition.',
  check(ctx) {
    return ctx.snapshot.tables.flatMap((t) => {
      if (!t.rlsEnabled) return [];
      const taken = new Set(t.policies.map((p) => p.name));
      return ctx.appRoles.flatMap((role) => {
        if (!ctx.schemaUsable(t.schema, role) || !(t.grants[role] ?? []).includes('INSERT')) return [];
        const permissive = t.policies.filter((p) => p.permissive && appliesTo(p, role));
        const inserts = permissive.filter((p) => covers(p, 'INSERT'));
        if (!inserts.length || permissive.some((p) => covers(p, 'SELECT'))) return [];
        const condition = orAll([...new Set(inserts.map((p) => checkExpression(p) ?? 'false'))]);
        return [
          {
            object: tableObject(t),
            message: `${role} may insert into ${t.schema}.${t.name} (${quoted(inserts.map((p) => p.name))}) but no SELECT policy covers it: INSERT … RETURNING fails and it cannot read the rows it wrote.`,
            fix: new ScriptBuilder()
              .comment(`${role} reads the rows its insert policy lets it write.`)
              .statement(createPolicy(t, { name: freshPolicyName(t, `${role} can view own ${t.name}`, taken), command: 'SELECT', roles: [role], using: condition }))
              .build(),
          },
        ];
      });
    });
  },
};

// ---------------------------------------------------------------------------------------------------------
// Who can write, views and functions that skip RLS

const anonymousCanWrite: AdvisorRule = {
  id: 'anonymous-can-write',
  level: 'warn',
  category: 'security',
  title: 'anonymous can write to a table',
  explanation:
    'The anonymous role is what signed-out visitors use. It can change this table: it has INSERT, UPDATE, DELETE or TRUNCATE, and either row-level ' +
    "security is off, a write policy covers anonymous (or PUBLIC), or it has TRUNCATE, which row-level security never checks. Neon's guides grant " +
    'anonymous every table privilege, so the policies are the only barrier. Unless signed-out users are meant to write here, revoke the write privileges.',
  check(ctx) {
    const anon = ctx.anonymousRole;
    if (!ctx.appRoles.includes(anon)) return [];
    return ctx.snapshot.tables.flatMap((t) => {
      if (!ctx.schemaUsable(t.schema, anon)) return [];
      const writes = (t.grants[anon] ?? []).filter((p) => WRITE_PRIVILEGES.includes(p));
      if (!writes.length) return [];
      const reasons: string[] = [];
      if (writes.includes('TRUNCATE')) reasons.push('it has TRUNCATE, which row-level security never checks');
      if (!t.rlsEnabled) reasons.push('row-level security is off');
      else {
        const policies = t.policies.filter((p) => {
          if (!p.permissive || !appliesTo(p, anon)) return false;
          const commands = (['INSERT', 'UPDATE', 'DELETE'] as const).filter((c) => writes.includes(c) && covers(p, c));
          if (!commands.length) return false;
          const a = ctx.analysis(t, p);
          const expr = p.command === 'INSERT' ? a.withCheck : a.using;
          return !(expr && /^\s*false\s*$/i.test(expr.text));
        });
        if (policies.length) reasons.push(`${plural(policies.length, 'policy', 'policies')} ${quoted(policies.map((p) => p.name))} ${plural(policies.length, 'lets', 'let')} it write`);
      }
      if (!reasons.length) return [];
      const fromPublic = ctx.catalog.publicTableGrants.find((g) => g.schema === t.schema && g.table === t.name)?.privileges.filter((p) => WRITE_PRIVILEGES.includes(p as TablePrivilege)) ?? [];
      const out = new ScriptBuilder().comment('Signed-out users read at most; if they are meant to write here, keep the grant and narrow the policy instead.');
      out.statement(`REVOKE ${WRITE_PRIVILEGES.join(', ')} ON ${target(t)} FROM ${quoteIdent(anon)}`);
      if (fromPublic.length) out.statement(`REVOKE ${fromPublic.join(', ')} ON ${target(t)} FROM PUBLIC`, 'Granted to PUBLIC, which includes anonymous');
      return [
        {
          object: tableObject(t),
          message: `${anon} (signed-out users) can ${writes.join(', ')} on ${t.schema}.${t.name}: ${reasons.join('; ')}.`,
          fix: out.build(),
        },
      ];
    });
  },
};

const viewWithoutSecurityInvoker: AdvisorRule = {
  id: 'view-without-security-invoker',
  level: 'error',
  category: 'security',
  title: 'View over an RLS table without security_invoker',
  explanation:
    "A view runs its query with its owner's privileges unless it is created with `security_invoker = true` (Postgres 15+). Row-level security on the " +
    "tables it reads is then checked for the view's owner, not for the user: with an owner that bypasses RLS (Neon's neondb_owner) every user " +
    'reading the view sees every row. The fix makes the view check RLS as the user who queries it.',
  check(ctx) {
    const views = new Map(ctx.catalog.views.map((v) => [`${v.schema}\u0000${v.name}`, v]));
    const rlsTablesRead = (schema: string, name: string, seen: Set<string>): string[] => {
      const key = `${schema}\u0000${name}`;
      if (seen.has(key)) return [];
      seen.add(key);
      const v = views.get(key);
      if (!v) {
        const t = ctx.table(schema, name);
        return t?.rlsEnabled ? [`${schema}.${name}`] : [];
      }
      return v.reads.flatMap((r) => rlsTablesRead(r.schema, r.name, seen));
    };
    return ctx.catalog.views.flatMap((v) => {
      if (v.securityInvoker) return [];
      const readers = v.selectableBy.filter((r) => ctx.appRoles.includes(r));
      if (!readers.length) return [];
      const tables = [...new Set(v.reads.flatMap((r) => rlsTablesRead(r.schema, r.name, new Set([`${v.schema}\u0000${v.name}`]))))];
      if (!tables.length) return [];
      const out = new ScriptBuilder();
      const viewName = qualifiedName(v.schema, v.name);
      if (ctx.snapshot.server.versionNum >= 150000) {
        out.comment('Row-level security of the tables it reads is checked for the user who queries the view.');
        out.statement(`ALTER VIEW ${viewName} SET (security_invoker = true)`);
      } else {
        out.comment(`Postgres ${ctx.snapshot.server.version} has no security_invoker (15+): keep the app roles away from the view.`);
        out.statement(`REVOKE SELECT ON ${viewName} FROM ${readers.map(quoteIdent).join(', ')}`);
      }
      return [
        {
          object: { kind: 'view', schema: v.schema, name: v.name },
          message: `View ${v.schema}.${v.name} reads ${list(tables)} (row-level security on) as its owner ${v.owner}, and ${list(readers)} can select from it: the owner's access decides what every user sees.`,
          fix: out.build(),
        },
      ];
    });
  },
};

const functionKeyword = (f: { kind: 'function' | 'procedure' }) => (f.kind === 'procedure' ? 'PROCEDURE' : 'FUNCTION');
const functionSignature = (f: { schema: string; name: string; args: string }) => `${qualifiedName(f.schema, f.name)}(${f.args})`;

const securityDefinerExecutable: AdvisorRule = {
  id: 'security-definer-executable',
  level: 'warn',
  category: 'security',
  title: 'SECURITY DEFINER function executable by the app roles',
  explanation:
    "A SECURITY DEFINER function runs with its owner's privileges; when its owner bypasses RLS (Neon's neondb_owner does), whatever it reads or writes " +
    "skips the caller's policies. Functions get EXECUTE for PUBLIC by default, so authenticated and anonymous can call it through Neon's SQL-over-HTTP " +
    '(or the Data API) unless it is revoked. Keep it only if it is meant to be called by users and checks auth.user_id() itself; otherwise revoke EXECUTE.',
  check(ctx) {
    return ctx.catalog.securityDefinerFunctions.flatMap((f) => {
      const callers = f.executableBy.filter((r) => ctx.appRoles.includes(r));
      if (!callers.length) return [];
      return [
        {
          object: { kind: 'function', schema: f.schema, name: f.name, args: f.args },
          message: `${f.schema}.${f.name}(${f.args}) runs as its owner ${f.owner} (SECURITY DEFINER) and ${list(callers)} can execute it: what it touches skips their row-level security.`,
          fix: new ScriptBuilder()
            .comment('Only roles you grant EXECUTE to again may call it (PUBLIC has it by default).')
            .statement(`REVOKE EXECUTE ON ${functionKeyword(f)} ${functionSignature(f)} FROM PUBLIC, ${callers.map(quoteIdent).join(', ')}`)
            .build(),
        },
      ];
    });
  },
};

const securityDefinerSearchPath: AdvisorRule = {
  id: 'security-definer-search-path',
  level: 'warn',
  category: 'security',
  title: 'SECURITY DEFINER function with a mutable search_path',
  explanation:
    "A SECURITY DEFINER function that does not fix its search_path resolves unqualified names with the caller's search_path. A caller who can create " +
    "objects in a schema that comes first (or in pg_temp) can put a function or operator there with the name the body uses and have it run with the " +
    "owner's privileges. The fix pins search_path for the function; schema-qualify the names its body uses.",
  check(ctx) {
    return ctx.catalog.securityDefinerFunctions.flatMap((f) => {
      if (f.config.some((c) => c.toLowerCase().startsWith('search_path='))) return [];
      // The function's own schema stays on the path when no app role can create objects in it.
      const ownSchemaSafe = f.schema !== 'pg_temp' && !ctx.appRoles.some((r) => ctx.schemaWritable(f.schema, r));
      const path = ownSchemaSafe ? `pg_catalog, ${quoteIdent(f.schema)}, pg_temp` : 'pg_catalog, pg_temp';
      return [
        {
          object: { kind: 'function', schema: f.schema, name: f.name, args: f.args },
          message: `${f.schema}.${f.name}(${f.args}) is SECURITY DEFINER without a fixed search_path: names in its body resolve with the caller's search_path.`,
          fix: new ScriptBuilder()
            .comment("Names in the body resolve in these schemas only (pg_temp last, so a caller's temporary objects cannot shadow them).")
            .statement(`ALTER ${functionKeyword(f)} ${functionSignature(f)} SET search_path = ${path}`)
            .build(),
        },
      ];
    });
  },
};

// ---------------------------------------------------------------------------------------------------------
// Roles and the extension

const appRoleBypassesRls: AdvisorRule = {
  id: 'app-role-bypasses-rls',
  level: 'error',
  category: 'security',
  title: 'The authenticated connection\'s role bypasses row-level security',
  explanation:
    'Superusers and roles with BYPASSRLS skip every row-level security policy. If the role the app uses with a JWT (DATABASE_AUTHENTICATED_URL\'s user, ' +
    'authenticated by default) or anonymous has either attribute, every user reads and writes every row, and tests run through it pass while ' +
    'proving nothing. On Neon the owner role (neondb_owner) has BYPASSRLS: never use it for user requests. The fix removes the attribute.',
  check(ctx) {
    return ctx.appRoles.flatMap((name) => {
      const role = ctx.snapshot.roles.roles.find((r) => r.name === name);
      if (!role || (!role.superuser && !role.bypassRls)) return [];
      const attributes = [role.superuser ? 'a superuser' : '', role.bypassRls ? 'BYPASSRLS' : ''].filter(Boolean).join(' and ');
      return [
        {
          object: { kind: 'role', name },
          message: `${name}${name === ctx.authenticatedRole ? " (the authenticated connection's role)" : ''} is ${attributes}: Postgres skips every row-level security policy for it.`,
          fix: new ScriptBuilder()
            .comment(`Row-level security applies to ${name} again.`)
            .statement(`ALTER ROLE ${quoteIdent(name)} ${[role.superuser ? 'NOSUPERUSER' : '', role.bypassRls ? 'NOBYPASSRLS' : ''].filter(Boolean).join(' ')}`)
            .build(),
        },
      ];
    });
  },
};

const appRoleOwnsTable: AdvisorRule = {
  id: 'app-role-owns-table',
  level: 'error',
  category: 'security',
  title: "The authenticated connection's role owns the table",
  explanation:
    "Postgres does not apply a table's row-level security to its owner (or to roles that inherit the owner's privileges) unless the table has " +
    "FORCE ROW LEVEL SECURITY. When the app's authenticated or anonymous role owns a table (it created it in a migration, or was granted the owner role), " +
    'its queries see and change every row. The fix forces RLS on the table; moving ownership to a role the app does not use is the alternative.',
  check(ctx) {
    const bypassing = new Set(ctx.snapshot.roles.roles.filter((r) => r.superuser || r.bypassRls).map((r) => r.name));
    return ctx.catalog.ownedTables.flatMap((o) => {
      if (!ctx.appRoles.includes(o.role) || bypassing.has(o.role)) return [];
      const t = ctx.table(o.schema, o.table);
      if (!t || (t.rlsEnabled && t.rlsForced)) return [];
      const how = o.owner === o.role ? 'owns' : `inherits the privileges of ${o.owner}, the owner of`;
      const out = new ScriptBuilder().comment(`Policies apply to the owner too. Alternative: ALTER TABLE ${target(t)} OWNER TO ${quoteIdent(ctx.snapshot.roles.currentUser || 'neondb_owner')};`);
      if (!t.rlsEnabled) out.statement(`ALTER TABLE ${target(t)} ENABLE ROW LEVEL SECURITY`);
      out.statement(`ALTER TABLE ${target(t)} FORCE ROW LEVEL SECURITY`);
      return [
        {
          object: tableObject(t),
          message: `${o.role}${o.role === ctx.authenticatedRole ? " (the authenticated connection's role)" : ''} ${how} ${t.schema}.${t.name}: ${t.rlsEnabled ? 'row-level security is not forced, so it is skipped for that role' : 'row-level security is off'}.`,
          fix: out.build(),
        },
      ];
    });
  },
};

const pgSessionJwtMissing: AdvisorRule = {
  id: 'pg-session-jwt-missing',
  level: 'info',
  category: 'security',
  title: 'pg_session_jwt is not installed',
  explanation:
    "pg_session_jwt provides auth.user_id(), auth.session() and auth.jwt(), which Neon's SQL-over-HTTP fills from the user's verified JWT. Without it " +
    'policies cannot name the user, and requests with a token fail when the session starts. On Neon, installing it also creates the authenticated ' +
    'and anonymous roles. The fix installs it.',
  check(ctx) {
    const ext = ctx.snapshot.pgSessionJwt;
    if (ext.installed) return [];
    const out = new ScriptBuilder();
    if (ext.defaultVersion === null) out.comment('This server does not offer pg_session_jwt (it is not in pg_available_extensions): use Neon or the playground, or install the extension on the server first.');
    out.statement('CREATE EXTENSION IF NOT EXISTS pg_session_jwt');
    const lookalike = ext.authSchemaExists && ext.authFunctions.includes('user_id') ? ' (an auth schema with user_id() exists, but not the extension)' : '';
    return [
      {
        object: { kind: 'extension', name: 'pg_session_jwt' },
        message: `pg_session_jwt is not installed${lookalike}: auth.user_id(), auth.session() and auth.jwt() are missing and token sessions cannot start.`,
        fix: out.build(),
      },
    ];
  },
};

const pgSessionJwtOutdated: AdvisorRule = {
  id: 'pg-session-jwt-outdated',
  level: 'info',
  category: 'security',
  title: `pg_session_jwt older than the version Neon runs (${NEON_PG_SESSION_JWT_VERSION})`,
  explanation:
    `Neon's computes run pg_session_jwt ${NEON_PG_SESSION_JWT_VERSION}. An older version behaves differently from production: before 0.3.0 ` +
    'auth.session() does not fall back to request.jwt.claims, so the Data API and JWT self-verification do not work, and older releases lack fixes. ' +
    'Develop against the version you deploy on. The fix updates the extension to the version the server offers.',
  check(ctx) {
    const ext = ctx.snapshot.pgSessionJwt;
    if (!ext.installed || !ext.installedVersion || compareVersions(ext.installedVersion, NEON_PG_SESSION_JWT_VERSION) >= 0) return [];
    const out = new ScriptBuilder();
    if (ext.defaultVersion && compareVersions(ext.defaultVersion, NEON_PG_SESSION_JWT_VERSION) < 0) {
      out.comment(`This server offers pg_session_jwt ${ext.defaultVersion} at most: install ${NEON_PG_SESSION_JWT_VERSION} or later on the server first.`);
    }
    out.statement('ALTER EXTENSION pg_session_jwt UPDATE');
    return [
      {
        object: { kind: 'extension', name: 'pg_session_jwt' },
        message: `pg_session_jwt ${ext.installedVersion} is installed; Neon's computes run ${NEON_PG_SESSION_JWT_VERSION}${ext.defaultVersion ? ` (this server offers ${ext.defaultVersion})` : ''}.`,
        fix: out.build(),
      },
    ];
  },
};

/** Every rule, in the order reports list them when levels tie. */
export const ADVISOR_RULES: readonly AdvisorRule[] = [
  rlsDisabledGranted,
  policiesWithoutRls,
  appRoleBypassesRls,
  appRoleOwnsTable,
  viewWithoutSecurityInvoker,
  writePolicyAlwaysTrue,
  anonymousCanWrite,
  jwtClaimsForgeable,
  securityDefinerExecutable,
  securityDefinerSearchPath,
  authCallPerRow,
  multiplePermissivePolicies,
  userColumnNotIndexed,
  rlsEnabledNoPolicy,
  insertWithoutSelectPolicy,
  userColumnNoDefault,
  pgSessionJwtMissing,
  pgSessionJwtOutdated,
];

/** The rules' descriptions (for SARIF, `naw lint --format json` and the editor's hovers). */
export const ADVISOR_RULE_INFO: readonly AdvisorRuleInfo[] = ADVISOR_RULES.map(({ id, level, category, title, explanation }) => ({ id, level, category, title, explanation }));
