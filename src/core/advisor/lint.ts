// Runs the advisor over a live database: one snapshot (introspectDatabase) and the advisor's own catalog
// queries, side by side, then every rule in memory.
import { introspectDatabase, type DatabaseSnapshot, type Queryable } from '../introspect';
import { loadSqlParser } from '../sql/parser';
import { introspectAdvisorCatalog, type AdvisorCatalog } from './catalog';
import { createLintContext } from './context';
import { ADVISOR_RULES } from './rules';
import { ADVISOR_LEVELS, objectKey, type AdvisorFinding, type AdvisorLevel, type LintReport } from './types';

export interface LintOptions {
  /** The role of the authenticated connection (its URL's user); default `authenticated`. */
  readonly authenticatedRole?: string;
  /** Default `anonymous`. */
  readonly anonymousRole?: string;
  /** Rule ids to skip. */
  readonly disabledRules?: readonly string[];
}

export class UnknownRuleError extends Error {
  override readonly name = 'UnknownRuleError';
}

function checkRuleIds(ids: readonly string[]): void {
  const unknown = ids.filter((id) => !ADVISOR_RULES.some((r) => r.id === id));
  if (unknown.length) {
    throw new UnknownRuleError(`Unknown rule ${unknown.map((u) => `"${u}"`).join(', ')}. Rules: ${ADVISOR_RULES.map((r) => r.id).join(', ')}.`);
  }
}

/** Reads the database (about a dozen catalog queries, whatever its size) and applies every rule. */
export async function lintDatabase(q: Queryable, options: LintOptions = {}): Promise<LintReport> {
  checkRuleIds(options.disabledRules ?? []);
  const authenticatedRole = options.authenticatedRole ?? 'authenticated';
  const anonymousRole = options.anonymousRole ?? 'anonymous';
  const roles = [...new Set([authenticatedRole, anonymousRole])];
  const [snapshot, catalog] = await Promise.all([
    introspectDatabase(q, { roles }),
    introspectAdvisorCatalog(q, roles),
    loadSqlParser(),
  ]);
  return lintSnapshot(snapshot, catalog, options);
}

/** Applies the rules to data already read (the parser must be loaded: `await loadSqlParser()`). */
export function lintSnapshot(snapshot: DatabaseSnapshot, catalog: AdvisorCatalog, options: LintOptions = {}): LintReport {
  const disabled = new Set(options.disabledRules ?? []);
  checkRuleIds([...disabled]);
  const authenticatedRole = options.authenticatedRole ?? 'authenticated';
  const anonymousRole = options.anonymousRole ?? 'anonymous';
  const ctx = createLintContext(snapshot, catalog, { authenticatedRole, anonymousRole });
  const rules = ADVISOR_RULES.filter((r) => !disabled.has(r.id));
  const findings: AdvisorFinding[] = rules.flatMap((rule) =>
    rule.check(ctx).map((f) => ({ ruleId: rule.id, level: rule.level, category: rule.category, title: rule.title, ...f })),
  );
  const order = new Map(ADVISOR_RULES.map((r, i) => [r.id, i]));
  findings.sort(
    (a, b) =>
      ADVISOR_LEVELS.indexOf(a.level) - ADVISOR_LEVELS.indexOf(b.level) ||
      objectKey(a.object).localeCompare(objectKey(b.object)) ||
      order.get(a.ruleId)! - order.get(b.ruleId)!,
  );
  const counts = { error: 0, warn: 0, info: 0 } as Record<AdvisorLevel, number>;
  for (const f of findings) counts[f.level]++;
  return {
    database: { name: snapshot.server.database, version: snapshot.server.version },
    authenticatedRole,
    anonymousRole,
    findings,
    counts,
    rules: rules.map(({ id, level, category, title, explanation }) => ({ id, level, category, title, explanation })),
  };
}
