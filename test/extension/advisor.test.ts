// The RLS Advisor in the real extension host: the sample workspace (test/fixtures/advisor/workspace) is
// copied into the open folder, its schema applied to the in-process playground, and `Run RLS Advisor`
// must put each finding in the Problems panel on the CREATE statement or Drizzle call that defines its
// object (the rest on the "RLS Advisor" report document), offer a Quick Fix that opens the fix as an
// untitled SQL document, and run again when a SQL file is saved.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { WorkbenchConnectionService } from '../../src/extension/connections/connectionService';
import type { AdvisorRunSummary } from '../../src/extension/advisor';
import { waitFor } from '../support/waitFor.mjs';
import { getExtensionUnderTest } from './extensionUnderTest';

const SAMPLE = 'advisor-sample';
const FILES = ['db/schema.sql', 'db/wip.sql', 'src/db/schema.ts'];
const REPORT_URI = vscode.Uri.from({ scheme: 'neon-advisor', path: '/RLS Advisor.md' });

/** The tables behind the Drizzle file's pgTable/app.table calls, plus one the workspace does not define. */
const EXTRA_SQL = [
  'CREATE SCHEMA app',
  'GRANT USAGE ON SCHEMA app TO authenticated',
  'CREATE TABLE app.comments (id bigint primary key, body text not null)',
  'GRANT SELECT ON app.comments TO authenticated',
  'CREATE POLICY "comments are readable" ON app.comments FOR SELECT TO authenticated USING (true)',
  'CREATE TABLE invites (id bigint primary key, email text not null, note text)',
  'ALTER TABLE invites ENABLE ROW LEVEL SECURITY',
  'GRANT SELECT ON invites TO authenticated',
  `CREATE POLICY "invitees read their invites" ON invites FOR SELECT TO authenticated USING ((auth.session()->>'email') = email)`,
  'CREATE TABLE advisor_audit_log (id bigint primary key, what text)',
  'GRANT SELECT ON advisor_audit_log TO authenticated',
];

const CLEANUP = [
  'DROP VIEW IF EXISTS project_names',
  'DROP FUNCTION IF EXISTS count_projects()',
  'DROP TABLE IF EXISTS notes, projects, invites, advisor_audit_log CASCADE',
  'DROP SCHEMA IF EXISTS app CASCADE',
];

function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `${needle} not found`);
  return text.slice(0, at).split('\n').length - 1;
}

describe('RLS Advisor (extension host)', function () {
  this.timeout(180_000);
  let connections: WorkbenchConnectionService;
  let folder: vscode.Uri;
  const texts = new Map<string, string>();
  const uri = (file: string) => vscode.Uri.joinPath(folder, SAMPLE, file);
  const advisorDiagnostics = (file: vscode.Uri) => vscode.languages.getDiagnostics(file).filter((d) => d.source === 'RLS Advisor');
  const runScript = async (statements: string[]) => (await connections.owner()).database.runScript(statements);

  before(async () => {
    const extension = getExtensionUnderTest();
    connections = ((await extension.activate()) as { connections: WorkbenchConnectionService }).connections;
    folder = vscode.workspace.workspaceFolders![0]!.uri;
    const fixtures = join(extension.extensionPath, 'test', 'fixtures', 'advisor', 'workspace');
    for (const file of FILES) {
      const text = readFileSync(join(fixtures, file), 'utf8');
      texts.set(file, text);
      await vscode.workspace.fs.writeFile(uri(file), new TextEncoder().encode(text));
    }
    await connections.startPlayground();
    // Loaded here, after the activation suite checked that activation loads no WASM.
    const [{ loadSqlParser }, { splitStatements }] = await Promise.all([import('../../src/core/sql/parser'), import('../../src/core/sqlClassify')]);
    await loadSqlParser();
    await runScript(CLEANUP);
    await runScript([...splitStatements(texts.get('db/schema.sql')!).map((s) => s.text), ...EXTRA_SQL]);
  });

  after(async () => {
    await runScript(CLEANUP).catch(() => undefined);
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(folder, SAMPLE), { recursive: true }).then(undefined, () => undefined);
  });

  it('Run RLS Advisor puts findings on the CREATE statements of the SQL file that defines them', async () => {
    const summary = await vscode.commands.executeCommand<AdvisorRunSummary>('neonAuthorize.lint');
    assert.ok(summary && summary.findings > 0, 'the command returns its summary');
    const sql = texts.get('db/schema.sql')!;
    const at = (rule: string) =>
      advisorDiagnostics(uri('db/schema.sql'))
        .filter((d) => d.code === rule)
        .map((d) => [d.range.start.line, d.severity]);
    const E = vscode.DiagnosticSeverity.Error;
    const W = vscode.DiagnosticSeverity.Warning;
    assert.deepEqual(at('rls-disabled-granted'), [[lineOf(sql, 'CREATE TABLE notes'), E]]);
    assert.deepEqual(at('auth-call-per-row'), [[lineOf(sql, 'CREATE POLICY "Owners can read projects"'), W]]);
    assert.deepEqual(at('write-policy-always-true'), [[lineOf(sql, 'CREATE POLICY "Owners can change projects"'), W]]);
    assert.deepEqual(at('view-without-security-invoker'), [[lineOf(sql, 'CREATE VIEW project_names'), E]]);
    assert.deepEqual(at('security-definer-executable'), [[lineOf(sql, 'CREATE FUNCTION count_projects'), W]]);
    assert.deepEqual(at('security-definer-search-path'), [[lineOf(sql, 'CREATE FUNCTION count_projects'), W]]);
    const notes = advisorDiagnostics(uri('db/schema.sql')).find((d) => d.code === 'rls-disabled-granted')!;
    assert.match(notes.message, /Row-level security is off on public\.notes/);
    assert.equal(notes.range.end.character, 'CREATE TABLE notes ('.length);
  });

  it('puts findings on the Drizzle calls, and those defined nowhere on the RLS Advisor report', async () => {
    const ts = texts.get('src/db/schema.ts')!;
    // Other suites' tables may share the playground: only this workspace's objects are checked.
    const drizzle = advisorDiagnostics(uri('src/db/schema.ts'))
      .filter((d) => /app\.comments|public\.invites/.test(d.message))
      .map((d) => [d.code, d.range.start.line]);
    assert.deepEqual(
      drizzle.sort(),
      [
        ['auth-call-per-row', lineOf(ts, "pgPolicy('invitees read their invites'")],
        ['policies-without-rls', lineOf(ts, 'app.table(')],
      ].sort(),
    );
    const report = advisorDiagnostics(REPORT_URI);
    assert.ok(report.some((d) => d.code === 'rls-disabled-granted' && /advisor_audit_log/.test(d.message)), 'a table no file defines is on the report');
    const doc = await vscode.workspace.openTextDocument(REPORT_URI);
    assert.match(doc.getText(), /^# RLS Advisor: /);
    for (const d of report) assert.match(doc.lineAt(d.range.start.line).text, /^## (Error|Warning|Info): /);
    assert.match(doc.getText(), /Defined at: advisor-sample\/db\/schema\.sql:\d+/);
  });

  it('the Quick Fix opens the fix as an untitled SQL document', async () => {
    const notes = advisorDiagnostics(uri('db/schema.sql')).find((d) => d.code === 'rls-disabled-granted')!;
    await vscode.window.showTextDocument(uri('db/schema.sql')); // code actions are asked of an open document
    // Code action providers answer once the document is open in an editor, which on a loaded machine can lag.
    let titles: string[] = [];
    const fix = await waitFor(
      async () => {
        const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri('db/schema.sql'), notes.range, vscode.CodeActionKind.QuickFix.value);
        titles = actions.map((a) => a.title);
        return actions.find((a) => a.title.startsWith('Open fix SQL') && a.command);
      },
      { message: () => `the RLS Advisor quick fix among: ${titles.join(', ')}` },
    );
    assert.ok(fix.command);
    await vscode.commands.executeCommand(fix.command.command, ...(fix.command.arguments ?? []));
    const editor = await waitFor(
      () => {
        const e = vscode.window.activeTextEditor;
        return e?.document.isUntitled && e.document.languageId === 'sql' ? e : undefined;
      },
      { message: 'the fix document' },
    );
    assert.match(editor.document.getText(), /^-- RLS Advisor: Table reachable by the app roles with row-level security off\n/);
    assert.match(editor.document.getText(), /\nALTER TABLE public\.notes ENABLE ROW LEVEL SECURITY;\n/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('runs again when a SQL file is saved: the fixed table loses its diagnostic', async () => {
    await runScript(['ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY']);
    const document = await vscode.workspace.openTextDocument(uri('db/schema.sql'));
    const edit = new vscode.WorkspaceEdit();
    edit.insert(document.uri, new vscode.Position(document.lineCount, 0), '-- edited\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(await document.save());
    await waitFor(() => !advisorDiagnostics(uri('db/schema.sql')).some((d) => d.code === 'rls-disabled-granted'), {
      message: 'the diagnostic on notes to go',
    });
    // RLS on without a policy: the info rule now speaks about notes instead.
    const info = advisorDiagnostics(uri('db/schema.sql')).find((d) => d.code === 'rls-enabled-no-policy');
    assert.equal(info?.range.start.line, lineOf(texts.get('db/schema.sql')!, 'CREATE TABLE notes'));
    assert.equal(info?.severity, vscode.DiagnosticSeverity.Information);
  });
});
