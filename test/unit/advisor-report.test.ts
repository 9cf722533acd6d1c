// The report formats (text, JSON, SARIF 2.1.0) and the exit code a CI job gets.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { exitCodeFor, formatJson, formatSarif, formatText, indexDefinitions, placeFinding, type AdvisorFinding, type Definition, type LintReport } from '../../src/core/advisor';
import { loadSqlParser } from '../../src/core/sql/parser';
import { collectSourceFiles } from '../../src/playground/lintCommand';
import { sampleReport } from '../fixtures/advisor/sampleReport';

const root = join(__dirname, '..', 'fixtures', 'advisor', 'workspace');

interface SarifLog {
  $schema: string;
  version: string;
  runs: {
    tool: { driver: { name: string; rules: { id: string; name: string; shortDescription: { text: string }; fullDescription: { text: string }; help: { text: string }; defaultConfiguration: { level: string } }[] } };
    originalUriBaseIds?: Record<string, { uri: string }>;
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: { physicalLocation?: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number; startColumn: number; endLine: number; endColumn: number } }; logicalLocations: { name: string; fullyQualifiedName: string; kind: string }[] }[];
      partialFingerprints: Record<string, string>;
    }[];
  }[];
}

describe('advisor: report formats', () => {
  let report: LintReport;
  let placements: Map<AdvisorFinding, readonly Definition[]>;

  before(async () => {
    await loadSqlParser();
    report = sampleReport();
    const index = indexDefinitions(collectSourceFiles(root));
    placements = new Map(report.findings.map((f) => [f, placeFinding(f, index)]));
  });

  it('exit code: 1 when a finding reaches --fail-on, 0 below it or with never', () => {
    assert.equal(exitCodeFor(report, 'error'), 1);
    assert.equal(exitCodeFor(report, 'info'), 1);
    assert.equal(exitCodeFor(report, 'never'), 0);
    const warnOnly: LintReport = { ...report, findings: report.findings.filter((f) => f.level === 'warn') };
    assert.equal(exitCodeFor(warnOnly, 'error'), 0);
    assert.equal(exitCodeFor(warnOnly, 'warn'), 1);
    assert.equal(exitCodeFor({ ...report, findings: [] }, 'info'), 0);
  });

  it('text: one block per finding with level, rule, place, message and fix, then the counts', () => {
    const text = formatText(report, { placements, root });
    assert.match(text, /^RLS Advisor: database neondb \(PostgreSQL 18\.6\), authenticated role authenticated\n/);
    assert.match(text, /\nerror {3}rls-disabled-granted {2}db\/schema\.sql:\d+:1 {2}table public\.notes\n {8}Row-level security is off on public\.notes\.\n {8}fix:\n {10}-- fix\n {10}ALTER TABLE public\.notes ENABLE ROW LEVEL SECURITY;\n/);
    assert.match(text, /\nerror {3}app-role-bypasses-rls {2}role authenticated\n/);
    assert.match(text, /\n3 problems \(2 errors, 1 warning, 0 info\)\n$/);
    assert.match(formatText({ ...report, findings: [] }), /No problems found \(18 rules\)/);
  });

  it('JSON: findings with object keys, fix statements and 1-based locations', () => {
    const json = JSON.parse(formatJson(report, { placements, root, toolVersion: '1.2.3' }));
    assert.equal(json.tool.version, '1.2.3');
    assert.deepEqual(json.counts, { error: 2, warn: 1, info: 0 });
    const notes = json.findings.find((f: { ruleId: string }) => f.ruleId === 'rls-disabled-granted');
    assert.equal(notes.objectKey, 'table:public.notes');
    assert.deepEqual(notes.fixStatements, ['ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;']);
    assert.equal(notes.locations.length, 1);
    assert.equal(notes.locations[0].path, 'db/schema.sql');
    assert.ok(notes.locations[0].line > 1 && notes.locations[0].column === 1);
    assert.equal(json.rules.length, 18);
  });

  it('SARIF 2.1.0: rules with ids and help, results pointing at them, logical and physical locations', () => {
    const log = JSON.parse(formatSarif(report, { placements, root, toolVersion: '1.2.3' })) as SarifLog;
    assert.equal(log.version, '2.1.0');
    assert.equal(log.$schema, 'https://json.schemastore.org/sarif-2.1.0.json');
    assert.equal(log.runs.length, 1);
    const [run] = log.runs;
    const rules = run!.tool.driver.rules;
    assert.equal(rules.length, 18);
    assert.equal(new Set(rules.map((r) => r.id)).size, rules.length);
    for (const r of rules) {
      assert.match(r.id, /^[a-z0-9-]+$/);
      assert.match(r.name, /^[A-Z][A-Za-z0-9]+$/);
      assert.ok(r.shortDescription.text && r.fullDescription.text && r.help.text);
      assert.ok(['error', 'warning', 'note'].includes(r.defaultConfiguration.level));
    }
    assert.equal(run!.results.length, 3);
    for (const result of run!.results) {
      assert.equal(rules[result.ruleIndex]!.id, result.ruleId);
      assert.equal(result.level, rules[result.ruleIndex]!.defaultConfiguration.level);
      assert.ok(result.message.text.length > 0);
      assert.ok(result.locations.length >= 1);
      for (const location of result.locations) {
        assert.equal(location.logicalLocations.length, 1);
        if (location.physicalLocation) {
          const { artifactLocation, region } = location.physicalLocation;
          assert.equal(artifactLocation.uriBaseId, 'SRCROOT');
          assert.ok(run!.originalUriBaseIds?.SRCROOT?.uri.endsWith('/'));
          assert.ok(!artifactLocation.uri.startsWith('/'));
          assert.ok(region.startLine >= 1 && region.startColumn >= 1 && region.endLine >= region.startLine);
        }
      }
      assert.ok(Object.values(result.partialFingerprints)[0]!.startsWith(`${result.ruleId}|`));
    }
    const role = run!.results.find((r) => r.ruleId === 'app-role-bypasses-rls')!;
    assert.equal(role.locations[0]!.physicalLocation, undefined, 'a role defined nowhere has only a logical location');
    assert.deepEqual(role.locations[0]!.logicalLocations[0], { name: 'authenticated', fullyQualifiedName: 'authenticated', kind: 'resource' });
    const policy = run!.results.find((r) => r.ruleId === 'auth-call-per-row')!;
    assert.equal(policy.locations[0]!.logicalLocations[0]!.fullyQualifiedName, 'public.projects.Owners can read projects');
    assert.equal(policy.locations[0]!.physicalLocation!.artifactLocation.uri, 'db/schema.sql');
  });
});
