/**
 * How a lint report shows in the editor, as plain data (no `vscode` import, tested in plain Node): a
 * diagnostic on every place a finding's object is defined in the workspace (CREATE statement, Drizzle
 * call), and the "RLS Advisor" report document listing every finding, which carries the diagnostics of
 * the findings defined nowhere in the workspace (created by hand, by a migration tool, by an extension).
 */
import type { Definition, SourceRange } from '../../core/advisor/placement';
import { describeObject, type AdvisorFinding, type AdvisorLevel, type LintReport } from '../../core/advisor/types';

export const DIAGNOSTIC_SOURCE = 'RLS Advisor';

export interface PresentedDiagnostic {
  /** A workspace file (absolute path), or the report document. */
  readonly target: { readonly kind: 'file'; readonly path: string } | { readonly kind: 'report' };
  readonly range: SourceRange;
  readonly level: AdvisorLevel;
  readonly ruleId: string;
  readonly message: string;
  readonly finding: AdvisorFinding;
}

export interface Presentation {
  /** The report document's text (Markdown). */
  readonly reportText: string;
  readonly diagnostics: readonly PresentedDiagnostic[];
  /** Findings shown in workspace files / only in the report. */
  readonly placed: number;
  readonly unplaced: number;
}

const LEVEL_WORD: Record<AdvisorLevel, string> = { error: 'Error', warn: 'Warning', info: 'Info' };

function relativeTo(root: string | undefined, path: string): string {
  if (!root) return path;
  const base = root.endsWith('/') || root.endsWith('\\') ? root : `${root}/`;
  return path.startsWith(base) ? path.slice(base.length) : path;
}

/** The diagnostic text: the finding's own sentence (the rule id is the diagnostic's code). */
export function diagnosticMessage(finding: AdvisorFinding): string {
  return finding.message;
}

export function buildPresentation(
  report: LintReport,
  placements: ReadonlyMap<AdvisorFinding, readonly Definition[]>,
  options: { connectionLabel: string; workspaceRoot?: string },
): Presentation {
  const lines: string[] = [];
  const diagnostics: PresentedDiagnostic[] = [];
  const { error, warn, info } = report.counts;
  lines.push(`# RLS Advisor: ${report.database.name}`);
  lines.push('');
  lines.push(`Connection: ${options.connectionLabel}. PostgreSQL ${report.database.version}. Authenticated role: ${report.authenticatedRole}.`);
  lines.push('');
  lines.push(
    report.findings.length
      ? `${report.findings.length} finding${report.findings.length === 1 ? '' : 's'}: ${error} error${error === 1 ? '' : 's'}, ${warn} warning${warn === 1 ? '' : 's'}, ${info} info. ` +
          'Findings about objects defined in the workspace (CREATE statements, Drizzle pgTable/pgPolicy) are shown there too; ' +
          'the Quick Fix on each opens its fix as SQL.'
      : `No problems found (${report.rules.length} rules).`,
  );
  let placed = 0;
  let unplaced = 0;
  for (const finding of report.findings) {
    const where = placements.get(finding) ?? [];
    lines.push('');
    const headingLine = lines.length;
    lines.push(`## ${LEVEL_WORD[finding.level]}: ${finding.title}`);
    lines.push('');
    lines.push(`\`${finding.ruleId}\` (${finding.category}) on ${describeObject(finding.object)}`);
    lines.push('');
    lines.push(finding.message);
    lines.push('');
    if (where.length) {
      lines.push(`Defined at: ${where.map((d) => `${relativeTo(options.workspaceRoot, d.path)}:${d.range.start.line + 1}`).join(', ')}`);
      lines.push('');
      placed++;
      for (const d of where) {
        diagnostics.push({ target: { kind: 'file', path: d.path }, range: d.range, level: finding.level, ruleId: finding.ruleId, message: diagnosticMessage(finding), finding });
      }
    } else {
      unplaced++;
      const heading = lines[headingLine]!;
      diagnostics.push({
        target: { kind: 'report' },
        range: { start: { line: headingLine, character: 0 }, end: { line: headingLine, character: heading.length } },
        level: finding.level,
        ruleId: finding.ruleId,
        message: diagnosticMessage(finding),
        finding,
      });
    }
    lines.push('```sql');
    lines.push(...finding.fix.sql.trimEnd().split('\n'));
    lines.push('```');
  }
  return { reportText: `${lines.join('\n')}\n`, diagnostics, placed, unplaced };
}

/** The untitled SQL document a Quick Fix opens. */
export function fixDocumentText(finding: AdvisorFinding): string {
  return [
    `-- RLS Advisor: ${finding.title}`,
    `-- ${finding.ruleId} (${finding.level}, ${finding.category}) on ${describeObject(finding.object)}`,
    `-- ${finding.message}`,
    '-- Review, then run it as the owner (e.g. Run SQL on Owner).',
    '',
    finding.fix.sql.trimEnd(),
    '',
  ].join('\n');
}
