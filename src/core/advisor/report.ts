// A lint report as text (people), JSON (scripts) and SARIF 2.1.0 (code-scanning UIs), and the exit code
// a CI job gets.
import { relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Definition } from './placement';
import { atLeast, describeObject, objectKey, type AdvisorFinding, type AdvisorLevel, type AdvisorObject, type LintReport } from './types';

export type FailOn = AdvisorLevel | 'never';
export const FAIL_ON_VALUES: readonly FailOn[] = ['error', 'warn', 'info', 'never'];
export type ReportFormat = 'text' | 'json' | 'sarif';
export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'sarif'];

export const ADVISOR_TOOL_NAME = 'Neon Authorize Workbench RLS Advisor';

export interface FormatOptions {
  /** Where each finding is defined in the sources, if they were scanned. */
  readonly placements?: ReadonlyMap<AdvisorFinding, readonly Definition[]>;
  /** Paths in the output are relative to this folder (and SARIF's %SRCROOT% is it). */
  readonly root?: string;
  readonly toolVersion?: string;
}

/** 1 when a finding is at least as severe as `failOn`, else 0. */
export function exitCodeFor(report: LintReport, failOn: FailOn): 0 | 1 {
  if (failOn === 'never') return 0;
  return report.findings.some((f) => atLeast(f.level, failOn)) ? 1 : 0;
}

function displayPath(path: string, root: string | undefined): string {
  const rel = root ? relative(root, path) : path;
  return rel.split(sep).join('/');
}

const LEVEL_LABEL: Record<AdvisorLevel, string> = { error: 'error', warn: 'warning', info: 'info' };

export function formatText(report: LintReport, options: FormatOptions = {}): string {
  const lines: string[] = [`RLS Advisor: database ${report.database.name} (PostgreSQL ${report.database.version}), authenticated role ${report.authenticatedRole}`];
  if (!report.findings.length) {
    lines.push('', `No problems found (${report.rules.length} rules).`);
    return `${lines.join('\n')}\n`;
  }
  for (const f of report.findings) {
    lines.push('');
    const where = options.placements?.get(f)?.[0];
    const at = where ? `${displayPath(where.path, options.root)}:${where.range.start.line + 1}:${where.range.start.character + 1}  ` : '';
    lines.push(`${LEVEL_LABEL[f.level].padEnd(7)} ${f.ruleId}  ${at}${describeObject(f.object)}`);
    lines.push(`        ${f.message}`);
    const fix = f.fix.sql.trimEnd().split('\n');
    lines.push('        fix:', ...fix.map((l) => `          ${l}`));
  }
  const { error, warn, info } = report.counts;
  const total = error + warn + info;
  lines.push('', `${total} ${total === 1 ? 'problem' : 'problems'} (${error} ${error === 1 ? 'error' : 'errors'}, ${warn} ${warn === 1 ? 'warning' : 'warnings'}, ${info} info)`);
  return `${lines.join('\n')}\n`;
}

export function formatJson(report: LintReport, options: FormatOptions = {}): string {
  return `${JSON.stringify(
    {
      tool: { name: ADVISOR_TOOL_NAME, ...(options.toolVersion ? { version: options.toolVersion } : {}) },
      database: report.database,
      authenticatedRole: report.authenticatedRole,
      anonymousRole: report.anonymousRole,
      counts: report.counts,
      findings: report.findings.map((f) => ({
        ruleId: f.ruleId,
        level: f.level,
        category: f.category,
        title: f.title,
        message: f.message,
        object: f.object,
        objectKey: objectKey(f.object),
        fix: f.fix.sql,
        fixStatements: f.fix.statements,
        locations: (options.placements?.get(f) ?? []).map((d) => ({
          path: displayPath(d.path, options.root),
          line: d.range.start.line + 1,
          column: d.range.start.character + 1,
        })),
      })),
      rules: report.rules,
    },
    null,
    2,
  )}\n`;
}

const SARIF_LEVEL: Record<AdvisorLevel, 'error' | 'warning' | 'note'> = { error: 'error', warn: 'warning', info: 'note' };

function logicalLocation(object: AdvisorObject): { name: string; fullyQualifiedName: string; kind: string } {
  switch (object.kind) {
    case 'table':
    case 'view':
      return { name: object.name, fullyQualifiedName: `${object.schema}.${object.name}`, kind: 'resource' };
    case 'policy':
      return { name: object.name, fullyQualifiedName: `${object.schema}.${object.table}.${object.name}`, kind: 'resource' };
    case 'function':
      return { name: object.name, fullyQualifiedName: `${object.schema}.${object.name}(${object.args})`, kind: 'function' };
    case 'role':
    case 'extension':
      return { name: object.name, fullyQualifiedName: object.name, kind: 'resource' };
  }
}

/** SARIF 2.1.0: one run, the rules in tool.driver.rules, database objects as logical locations. */
export function formatSarif(report: LintReport, options: FormatOptions = {}): string {
  const ruleIndex = new Map(report.rules.map((r, i) => [r.id, i]));
  const root = options.root;
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: ADVISOR_TOOL_NAME,
            ...(options.toolVersion ? { version: options.toolVersion, semanticVersion: options.toolVersion } : {}),
            rules: report.rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)([a-z0-9])/g, (_, _dash, c: string) => c.toUpperCase()),
              shortDescription: { text: r.title },
              fullDescription: { text: r.explanation },
              help: { text: r.explanation, markdown: `**${r.title}**\n\n${r.explanation}` },
              defaultConfiguration: { level: SARIF_LEVEL[r.level] },
              properties: { category: r.category, tags: [r.category, 'rls', 'postgres'] },
            })),
          },
        },
        ...(root ? { originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(root.endsWith(sep) ? root : root + sep).href } } } : {}),
        invocations: [{ executionSuccessful: true }],
        results: report.findings.map((f) => {
          const places = options.placements?.get(f) ?? [];
          const logical = [logicalLocation(f.object)];
          const locations = places.length
            ? places.map((d) => ({
                physicalLocation: {
                  artifactLocation: root ? { uri: displayPath(d.path, root), uriBaseId: 'SRCROOT' } : { uri: pathToFileURL(d.path).href },
                  region: {
                    startLine: d.range.start.line + 1,
                    startColumn: d.range.start.character + 1,
                    endLine: d.range.end.line + 1,
                    endColumn: d.range.end.character + 1,
                  },
                },
                logicalLocations: logical,
              }))
            : [{ logicalLocations: logical }];
          return {
            ruleId: f.ruleId,
            ruleIndex: ruleIndex.get(f.ruleId) ?? -1,
            level: SARIF_LEVEL[f.level],
            message: { text: `${f.message} Fix:\n${f.fix.sql.trimEnd()}` },
            locations,
            partialFingerprints: { 'databaseObject/v1': `${f.ruleId}|${objectKey(f.object)}` },
            properties: { category: f.category, fixSql: f.fix.sql },
          };
        }),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

export function formatReport(report: LintReport, format: ReportFormat, options: FormatOptions = {}): string {
  return format === 'json' ? formatJson(report, options) : format === 'sarif' ? formatSarif(report, options) : formatText(report, options);
}
