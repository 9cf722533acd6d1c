// What every rule reads: the snapshot, the advisor's own catalog facts, the app roles, and each policy
// expression parsed once.
import type { DatabaseSnapshot, PolicyInfo, TableSnapshot } from '../introspect';
import type { PolicyCommand } from '../introspect/types';
import type { AdvisorCatalog } from './catalog';
import { analyzeExpression, type ExpressionAnalysis } from './expressions';

export interface PolicyAnalysis {
  readonly using?: ExpressionAnalysis;
  readonly withCheck?: ExpressionAnalysis;
}

export interface LintContext {
  readonly snapshot: DatabaseSnapshot;
  readonly catalog: AdvisorCatalog;
  /** The role of the authenticated connection (DATABASE_AUTHENTICATED_URL's user; default authenticated). */
  readonly authenticatedRole: string;
  readonly anonymousRole: string;
  /** authenticatedRole and anonymousRole, those that exist. */
  readonly appRoles: readonly string[];
  /** Both expressions of a policy, parsed once (an expression the parser cannot read is left out). */
  analysis(table: TableSnapshot, policy: PolicyInfo): PolicyAnalysis;
  /** The role may use the schema (USAGE). */
  schemaUsable(schema: string, role: string): boolean;
  /** The role may create objects in the schema. */
  schemaWritable(schema: string, role: string): boolean;
  table(schema: string, name: string): TableSnapshot | undefined;
}

export const COMMANDS: readonly Exclude<PolicyCommand, 'ALL'>[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];

/** The policy applies to `role` (named, or TO public). */
export function appliesTo(policy: PolicyInfo, role: string): boolean {
  return policy.roles.includes(role) || policy.roles.includes('public');
}

/** The policy covers `command` (its own, or ALL). */
export function covers(policy: PolicyInfo, command: Exclude<PolicyCommand, 'ALL'>): boolean {
  return policy.command === 'ALL' || policy.command === command;
}

export function createLintContext(
  snapshot: DatabaseSnapshot,
  catalog: AdvisorCatalog,
  roles: { authenticatedRole: string; anonymousRole: string },
): LintContext {
  const existing = new Set(snapshot.roles.roles.map((r) => r.name));
  const appRoles = [...new Set([roles.authenticatedRole, roles.anonymousRole])].filter((r) => existing.has(r));
  const analyses = new WeakMap<PolicyInfo, PolicyAnalysis>();
  const schemas = new Map(snapshot.schemas.map((s) => [s.name, s]));
  const tables = new Map(snapshot.tables.map((t) => [`${t.schema}\u0000${t.name}`, t]));
  const parse = (text: string | null, table: TableSnapshot): ExpressionAnalysis | undefined => {
    if (text === null) return undefined;
    try {
      return analyzeExpression(text, table.name, table.columns.map((c) => c.name));
    } catch {
      return undefined;
    }
  };
  return {
    snapshot,
    catalog,
    authenticatedRole: roles.authenticatedRole,
    anonymousRole: roles.anonymousRole,
    appRoles,
    analysis(table, policy) {
      let a = analyses.get(policy);
      if (!a) {
        a = { using: parse(policy.using, table), withCheck: parse(policy.withCheck, table) };
        analyses.set(policy, a);
      }
      return a;
    },
    schemaUsable: (schema, role) => schemas.get(schema)?.privileges[role]?.usage === true,
    schemaWritable: (schema, role) => schemas.get(schema)?.privileges[role]?.create === true,
    table: (schema, name) => tables.get(`${schema}\u0000${name}`),
  };
}
