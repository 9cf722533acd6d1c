// The RLS Advisor's vocabulary: rules, the database objects they talk about, and findings.
import type { SqlScaffold } from '../scaffold/script';

export type AdvisorLevel = 'error' | 'warn' | 'info';
export type AdvisorCategory = 'security' | 'performance';

/** Most severe first. */
export const ADVISOR_LEVELS: readonly AdvisorLevel[] = ['error', 'warn', 'info'];

/** The database object a finding is about: where an editor places it and what SARIF names. */
export type AdvisorObject =
  | { readonly kind: 'table'; readonly schema: string; readonly name: string }
  | { readonly kind: 'policy'; readonly schema: string; readonly table: string; readonly name: string }
  | { readonly kind: 'view'; readonly schema: string; readonly name: string }
  /** `args`: the identity arguments, as pg_get_function_identity_arguments prints them. */
  | { readonly kind: 'function'; readonly schema: string; readonly name: string; readonly args: string }
  | { readonly kind: 'role'; readonly name: string }
  | { readonly kind: 'extension'; readonly name: string };

export interface AdvisorRuleInfo {
  /** Stable, kebab-case: what CI configuration and `disabledRules` name. */
  readonly id: string;
  readonly level: AdvisorLevel;
  readonly category: AdvisorCategory;
  /** One line. */
  readonly title: string;
  /** One paragraph: what is wrong, why it matters on Neon, what the fix does. */
  readonly explanation: string;
}

export interface AdvisorFinding {
  readonly ruleId: string;
  readonly level: AdvisorLevel;
  readonly category: AdvisorCategory;
  readonly title: string;
  /** About this object, in words. */
  readonly message: string;
  readonly object: AdvisorObject;
  /** SQL that fixes it: `sql` to show (with comments), `statements` to run in order. */
  readonly fix: SqlScaffold;
}

export interface LintReport {
  readonly database: { readonly name: string; readonly version: string };
  /** The role whose connection the app uses with a JWT (its RLS is what the rules judge). */
  readonly authenticatedRole: string;
  readonly anonymousRole: string;
  /** Most severe first, then by object. */
  readonly findings: readonly AdvisorFinding[];
  readonly counts: Readonly<Record<AdvisorLevel, number>>;
  /** The rules that ran (disabled ones left out). */
  readonly rules: readonly AdvisorRuleInfo[];
}

/** `schema.name` as a person reads it (quoted only where Postgres needs it). */
export function objectKey(object: AdvisorObject): string {
  switch (object.kind) {
    case 'table':
    case 'view':
      return `${object.kind}:${object.schema}.${object.name}`;
    case 'policy':
      return `policy:${object.schema}.${object.table}:${object.name}`;
    case 'function':
      return `function:${object.schema}.${object.name}(${object.args})`;
    case 'role':
    case 'extension':
      return `${object.kind}:${object.name}`;
  }
}

/** A short human label: `table public.todos`, `policy "own rows" on public.todos`. */
export function describeObject(object: AdvisorObject): string {
  switch (object.kind) {
    case 'table':
    case 'view':
      return `${object.kind} ${object.schema}.${object.name}`;
    case 'policy':
      return `policy "${object.name}" on ${object.schema}.${object.table}`;
    case 'function':
      return `function ${object.schema}.${object.name}(${object.args})`;
    case 'role':
      return `role ${object.name}`;
    case 'extension':
      return `extension ${object.name}`;
  }
}

/** Whether `level` is at least as severe as `threshold`. */
export function atLeast(level: AdvisorLevel, threshold: AdvisorLevel): boolean {
  return ADVISOR_LEVELS.indexOf(level) <= ADVISOR_LEVELS.indexOf(threshold);
}
