// RLS policy scaffolds for one table, in the SQL shape of the Stytch and Stack Auth Authorize guides'
// four "Individuals can …" policies (docs/authorize-guides.md#policies) and in the initplan-safe
// `(select auth.user_id())` form: the sub-select makes Postgres evaluate auth.user_id() once per query
// instead of once per row.
import { ScaffoldOptionError, ScriptBuilder, type SqlScaffold } from './script';
import type { ColumnDescription, PolicyCommand, TableDescription } from '../introspect/types';
import { fitIdentifier, qualifiedName, quoteIdent, quoteLiteral } from '../sql/quote';

export type PolicyTemplateId = 'owner-crud' | 'public-read-owner-write' | 'org-by-claim' | 'anonymous-read-only' | 'blank';

export interface PolicyTemplateInfo {
  readonly id: PolicyTemplateId;
  readonly label: string;
  readonly description: string;
  readonly needsUserColumn: boolean;
  readonly needsOrgColumn: boolean;
}

export const POLICY_TEMPLATES: readonly PolicyTemplateInfo[] = [
  {
    id: 'owner-crud',
    label: 'Owner-only CRUD',
    description: 'The Authorize guides\' four policies: signed-in users see, create, change and delete only their own rows.',
    needsUserColumn: true,
    needsOrgColumn: false,
  },
  {
    id: 'public-read-owner-write',
    label: 'Public read, owner write',
    description: 'Everyone (signed in or anonymous) reads every row; only the owner creates, changes and deletes.',
    needsUserColumn: true,
    needsOrgColumn: false,
  },
  {
    id: 'org-by-claim',
    label: 'Organisation by claim',
    description: 'Signed-in users work on the rows of the organisation named by their token\'s org claim.',
    needsUserColumn: false,
    needsOrgColumn: true,
  },
  {
    id: 'anonymous-read-only',
    label: 'Anonymous read-only',
    description: 'The anonymous role reads every row and cannot write; signed-in users get no policy here.',
    needsUserColumn: false,
    needsOrgColumn: false,
  },
  {
    id: 'blank',
    label: 'Blank',
    description: 'Row-level security on with no policy (nobody but the owner sees rows), plus commented examples.',
    needsUserColumn: false,
    needsOrgColumn: false,
  },
];

export interface PolicyScaffoldOptions {
  readonly template: PolicyTemplateId;
  /** Column holding the token's `sub`; default guessUserColumn(). */
  readonly userColumn?: string;
  /** For org-by-claim; default guessOrgColumn(). */
  readonly orgColumn?: string;
  /** For org-by-claim: the claim read from auth.session() (default 'org_id'). */
  readonly orgClaim?: string;
  /** Role of signed-in users (default 'authenticated'). */
  readonly authenticatedRole?: string;
  /** Role of signed-out users (default 'anonymous'). */
  readonly anonymousRole?: string;
  /** ALTER COLUMN <user column> SET DEFAULT auth.user_id() (default true). */
  readonly setUserColumnDefault?: boolean;
  /** CREATE INDEX IF NOT EXISTS on the column the policies filter on (default true). */
  readonly createIndex?: boolean;
  /** ALTER TABLE … FORCE ROW LEVEL SECURITY so the table owner is filtered too (default false). */
  readonly forceRls?: boolean;
  /** DROP POLICY IF EXISTS before each CREATE POLICY, so the script can be re-run (default true). */
  readonly replaceExisting?: boolean;
}

export interface PolicySpec {
  readonly name: string;
  readonly command: PolicyCommand;
  readonly roles: readonly string[];
  readonly permissive: boolean;
  readonly using?: string;
  readonly withCheck?: string;
}

export interface PolicyScaffold extends SqlScaffold {
  readonly template: PolicyTemplateId;
  readonly policies: readonly PolicySpec[];
  readonly userColumn?: string;
  readonly orgColumn?: string;
  readonly indexName?: string;
  /** Things the user should know (casts, missing grants…), in words. */
  readonly notes: readonly string[];
}

/** snake_case form of a column name, so `userId` and `user_id` are guessed alike. */
function snake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[\s-]+/g, '_')
    .toLowerCase();
}

function rankUserColumn(name: string): number | undefined {
  const s = snake(name);
  if (s === 'user_id') return 0;
  if (s === 'owner_id') return 1;
  if (s === 'owner' || s === 'userid' || s === 'user') return 2;
  if (s.endsWith('_user_id')) return 3;
  if (s === 'created_by') return 4;
  if (s.endsWith('_by')) return 5;
  return undefined;
}

/** Guesses the column holding the row owner's user id: user_id, owner_id, *_user_id, created_by, *_by. */
export function guessUserColumn(columns: readonly Pick<ColumnDescription, 'name' | 'type'>[]): string | undefined {
  let best: { name: string; rank: number; index: number } | undefined;
  columns.forEach((c, index) => {
    const rank = rankUserColumn(c.name);
    if (rank === undefined || !canHoldUserId(c.type)) return;
    if (!best || rank < best.rank || (rank === best.rank && index < best.index)) best = { name: c.name, rank, index };
  });
  return best?.name;
}

/** Guesses the organisation column for org-by-claim: org_id, organization_id, organisation_id, tenant_id, team_id. */
export function guessOrgColumn(columns: readonly Pick<ColumnDescription, 'name' | 'type'>[]): string | undefined {
  const order = ['org_id', 'organization_id', 'organisation_id', 'tenant_id', 'team_id', 'workspace_id', 'account_id'];
  let best: { name: string; rank: number } | undefined;
  for (const c of columns) {
    const rank = order.indexOf(snake(c.name));
    if (rank >= 0 && (!best || rank < best.rank)) best = { name: c.name, rank };
  }
  return best?.name;
}

const TEXT_TYPES = /^(text|character varying|varchar|character|char|bpchar|citext|name)\b/;

/** Whether a format_type() string is a string type that compares with text without a cast. */
export function isTextType(type: string): boolean {
  return TEXT_TYPES.test(type);
}

/** User ids are strings in tokens; numbers, uuids and strings can hold them, booleans or dates cannot. */
function canHoldUserId(type: string): boolean {
  return TEXT_TYPES.test(type) || /^(uuid|integer|bigint|smallint|numeric)\b/.test(type);
}

function findColumn(table: TableDescription, name: string, purpose: string): ColumnDescription {
  const col = table.columns.find((c) => c.name === name);
  if (!col) {
    const names = table.columns.map((c) => c.name).join(', ') || '(none)';
    throw new ScaffoldOptionError(`${table.schema}.${table.name} has no column "${name}" for ${purpose}. Its columns: ${names}.`);
  }
  return col;
}

function policyTarget(table: TableDescription): string {
  return qualifiedName(table.schema, table.name);
}

/** The guides' sentence-style names, kept within Postgres' 63-byte identifier limit. */
function policyName(text: string): string {
  return fitIdentifier(text);
}

/** Describes what the template creates; shared by the SQL and Drizzle outputs. */
export function planPolicies(table: TableDescription, options: PolicyScaffoldOptions): {
  policies: PolicySpec[];
  userColumn?: ColumnDescription;
  orgColumn?: ColumnDescription;
  indexColumn?: ColumnDescription;
  /** The claim side of the owner check, e.g. `(select auth.user_id())`. */
  ownerClaim?: string;
  /** The claim side of the org check, e.g. `(select auth.session()->>'org_id')`. */
  orgClaim?: string;
  notes: string[];
} {
  const info = POLICY_TEMPLATES.find((t) => t.id === options.template);
  if (!info) throw new ScaffoldOptionError(`Unknown policy template "${options.template}": use ${POLICY_TEMPLATES.map((t) => t.id).join(', ')}.`);
  const auth = options.authenticatedRole ?? 'authenticated';
  const anon = options.anonymousRole ?? 'anonymous';
  const t = table.name;
  const notes: string[] = [];

  let userColumn: ColumnDescription | undefined;
  if (info.needsUserColumn || options.userColumn) {
    const name = options.userColumn ?? guessUserColumn(table.columns);
    if (!name) {
      throw new ScaffoldOptionError(
        `${table.schema}.${table.name} has no column that looks like a user id (user_id, owner_id, *_user_id, *_by): choose the column that holds the user's id, or add one (user_id text not null default auth.user_id()).`,
      );
    }
    userColumn = findColumn(table, name, 'the user id');
  }
  let orgColumn: ColumnDescription | undefined;
  if (info.needsOrgColumn) {
    const name = options.orgColumn ?? guessOrgColumn(table.columns);
    if (!name) {
      throw new ScaffoldOptionError(
        `${table.schema}.${table.name} has no organisation column (org_id, organization_id, tenant_id…): choose the column that holds the organisation id.`,
      );
    }
    orgColumn = findColumn(table, name, 'the organisation id');
  }

  const ownerClaim = userColumn ? `(select ${userIdDefaultExpression(userColumn)})` : undefined;
  const owner = userColumn ? `${ownerClaim} = ${quoteIdent(userColumn.name)}` : undefined;
  if (userColumn && !TEXT_TYPES.test(userColumn.type)) {
    notes.push(
      `${userColumn.name} is ${userColumn.type}: the token's sub claim is cast to ${userColumn.type}, so a token whose sub is not a valid ${userColumn.type} raises an error.`,
    );
  }
  const claim = options.orgClaim ?? 'org_id';
  const claimValue = `auth.session()->>${quoteLiteral(claim)}`;
  const orgClaim = orgColumn ? `(select ${TEXT_TYPES.test(orgColumn.type) ? claimValue : `(${claimValue})::${orgColumn.type}`})` : undefined;
  const orgMatch = orgColumn ? `${orgClaim} = ${quoteIdent(orgColumn.name)}` : undefined;

  const ownerCrud = (expr: string): PolicySpec[] => [
    { name: policyName(`Individuals can create ${t}.`), command: 'INSERT', roles: [auth], permissive: true, withCheck: expr },
    { name: policyName(`Individuals can view their own ${t}.`), command: 'SELECT', roles: [auth], permissive: true, using: expr },
    { name: policyName(`Individuals can update their own ${t}.`), command: 'UPDATE', roles: [auth], permissive: true, using: expr, withCheck: expr },
    { name: policyName(`Individuals can delete their own ${t}.`), command: 'DELETE', roles: [auth], permissive: true, using: expr },
  ];

  let policies: PolicySpec[] = [];
  switch (options.template) {
    case 'owner-crud':
      policies = ownerCrud(owner!);
      break;
    case 'public-read-owner-write':
      policies = [
        { name: policyName(`Anyone can view ${t}.`), command: 'SELECT', roles: [auth, anon], permissive: true, using: 'true' },
        ...ownerCrud(owner!).filter((p) => p.command !== 'SELECT'),
      ];
      break;
    case 'org-by-claim':
      policies = [
        { name: policyName(`Organization members can create ${t}.`), command: 'INSERT', roles: [auth], permissive: true, withCheck: orgMatch },
        { name: policyName(`Organization members can view ${t}.`), command: 'SELECT', roles: [auth], permissive: true, using: orgMatch },
        {
          name: policyName(`Organization members can update ${t}.`),
          command: 'UPDATE',
          roles: [auth],
          permissive: true,
          using: orgMatch,
          withCheck: orgMatch,
        },
        { name: policyName(`Organization members can delete ${t}.`), command: 'DELETE', roles: [auth], permissive: true, using: orgMatch },
      ];
      notes.push(
        `Tokens must carry an "${claim}" claim (Clerk organisations put it there; Neon Auth uses o.id, read by auth.organization_id() in pg_session_jwt 0.5). Without it the user sees no rows.`,
      );
      if (!TEXT_TYPES.test(orgColumn!.type)) {
        notes.push(`${orgColumn!.name} is ${orgColumn!.type}: the claim is cast to ${orgColumn!.type}.`);
      }
      break;
    case 'anonymous-read-only':
      policies = [{ name: policyName(`Anonymous users can view ${t}.`), command: 'SELECT', roles: [anon], permissive: true, using: 'true' }];
      notes.push(`${auth} gets no policy from this template, so signed-in users see no rows unless another policy lets them.`);
      break;
    case 'blank':
      notes.push('With row-level security on and no policy, only the table owner (and BYPASSRLS roles) see rows.');
      break;
  }
  const indexColumn = options.template === 'org-by-claim' ? orgColumn : userColumn;
  return { policies, userColumn, orgColumn, indexColumn, ownerClaim, orgClaim, notes };
}

function indexNameFor(table: TableDescription, column: string): string {
  return fitIdentifier(`${table.name}_${column}_idx`);
}

/** Whether a column can get a default (identity and generated columns cannot). */
function acceptsDefault(col: ColumnDescription): boolean {
  return !col.identity && !col.generated;
}

export function userIdDefaultExpression(col: ColumnDescription): string {
  return TEXT_TYPES.test(col.type) ? 'auth.user_id()' : `auth.user_id()::${col.type}`;
}

function policyStatement(target: string, p: PolicySpec): string {
  const lines = [`CREATE POLICY ${quoteIdent(p.name)} ON ${target}${p.permissive ? '' : ' AS RESTRICTIVE'} FOR ${p.command}`];
  lines.push(`TO ${p.roles.map(quoteIdent).join(', ')}`);
  if (p.using !== undefined) lines.push(`USING (${p.using})`);
  if (p.withCheck !== undefined) lines.push(`WITH CHECK (${p.withCheck})`);
  return lines.join('\n');
}

/** SQL for the chosen template on one table. Throws ScaffoldOptionError with a clear message on bad input. */
export function scaffoldPolicies(table: TableDescription, options: PolicyScaffoldOptions): PolicyScaffold {
  const plan = planPolicies(table, options);
  const target = policyTarget(table);
  const info = POLICY_TEMPLATES.find((t) => t.id === options.template)!;
  const replace = options.replaceExisting ?? true;
  const out = new ScriptBuilder();

  out.comment(
    `${info.label} policies for ${table.schema}.${table.name}: ${info.description}`,
    'Needs pg_session_jwt (CREATE EXTENSION IF NOT EXISTS pg_session_jwt;) and the table grants (Scaffold Grants).',
    ...plan.notes,
  );
  out.blank();

  if (plan.userColumn && (options.setUserColumnDefault ?? true) && acceptsDefault(plan.userColumn)) {
    out.comment('New rows belong to the signed-in user unless the insert says otherwise');
    out.statement(`ALTER TABLE ${target}\n  ALTER COLUMN ${quoteIdent(plan.userColumn.name)} SET DEFAULT ${userIdDefaultExpression(plan.userColumn)}`);
    out.blank();
  }

  let indexName: string | undefined;
  if (plan.indexColumn && (options.createIndex ?? true)) {
    indexName = indexNameFor(table, plan.indexColumn.name);
    out.comment(`Every policy filters on ${plan.indexColumn.name}: index it`);
    out.statement(`CREATE INDEX IF NOT EXISTS ${quoteIdent(indexName)} ON ${target} (${quoteIdent(plan.indexColumn.name)})`);
    out.blank();
  }

  out.comment('1st enable row level security for your table');
  out.statement(`ALTER TABLE ${target} ENABLE ROW LEVEL SECURITY`);
  if (options.forceRls) {
    out.comment('The table owner is filtered too (otherwise it bypasses every policy)');
    out.statement(`ALTER TABLE ${target} FORCE ROW LEVEL SECURITY`);
  }
  out.blank();

  if (plan.policies.length > 0) {
    out.comment('2nd create policies for your table');
    for (const p of plan.policies) {
      if (replace) out.statement(`DROP POLICY IF EXISTS ${quoteIdent(p.name)} ON ${target}`);
      out.statement(policyStatement(target, p));
      out.blank();
    }
  } else {
    const auth = quoteIdent(options.authenticatedRole ?? 'authenticated');
    const example = plan.userColumn ? `(select auth.user_id()) = ${quoteIdent(plan.userColumn.name)}` : '(select auth.user_id()) = user_id';
    out.raw(
      [
        '-- Examples to adapt (not run):',
        `-- CREATE POLICY ${quoteIdent(`Individuals can view their own ${table.name}.`)} ON ${target} FOR SELECT`,
        `-- TO ${auth}`,
        `-- USING (${example});`,
        '--',
        `-- CREATE POLICY ${quoteIdent(`Individuals can create ${table.name}.`)} ON ${target} FOR INSERT`,
        `-- TO ${auth}`,
        `-- WITH CHECK (${example});`,
      ].join('\n'),
    );
  }

  const built = out.build();
  return {
    ...built,
    template: options.template,
    policies: plan.policies,
    userColumn: plan.userColumn?.name,
    orgColumn: plan.orgColumn?.name,
    indexName,
    notes: plan.notes,
  };
}
