/**
 * The RLS Advisor in the editor: `Neon Authorize: Run RLS Advisor` lints the active connection's
 * database, puts each finding in the Problems panel on the CREATE statement or Drizzle call that defines its
 * object (or in the "RLS Advisor" report document when the workspace does not define it), and offers a
 * Quick Fix that opens the fix as an untitled SQL document. It runs again when a .sql/.ts file is saved and
 * when refresh() is called (the Authorize view's refresh). Nothing heavy loads at activation: the advisor
 * (and the SQL parser's WASM) is imported on the first run.
 */
import * as vscode from 'vscode';
import { describeConnection } from '../../core/connections';
import { definitionSourceOf } from '../../core/advisor/sources';
import type { AdvisorFinding, AdvisorLevel, LintReport } from '../../core/advisor/types';
import type { SourceFile } from '../../core/advisor/placement';
import { registerCommand } from '../commands';
import { COMMANDS } from '../commands/registry';
import type { WorkbenchConnectionService } from '../connections/connectionService';
import { buildPresentation, DIAGNOSTIC_SOURCE, fixDocumentText } from './present';

export const ADVISOR_SCHEME = 'neon-advisor';
export const ADVISOR_REPORT_URI = vscode.Uri.from({ scheme: ADVISOR_SCHEME, path: '/RLS Advisor.md' });

const SOURCE_GLOB = '**/*.{sql,ts,tsx,mts,cts,js,mjs,cjs}';
const DEFAULT_EXCLUDE = '**/{node_modules,dist,out,build,.git,.next,coverage,.neon-playground}/**';
const MAX_FILES = 5000;
const MAX_FILE_BYTES = 1_000_000;
const SAVE_DEBOUNCE_MS = 400;

export type AdvisorConnections = Pick<WorkbenchConnectionService, 'current' | 'peek' | 'owner' | 'onDidChange'>;

export interface AdvisorRunSummary {
  readonly database: string;
  readonly counts: Readonly<Record<AdvisorLevel, number>>;
  readonly findings: number;
  /** Findings shown on workspace files; the rest are in the report document. */
  readonly placed: number;
  readonly unplaced: number;
}

/** What the extension (and the Authorize view) can call. */
export interface AdvisorApi {
  /** Lints now (starting the default connection if none is open); resolves with the summary. */
  run(): Promise<AdvisorRunSummary>;
  /** Lints again if a connection is open and the advisor ran before (for the view's refresh); never starts one. */
  refresh(): Promise<AdvisorRunSummary | undefined>;
  /** The last report, if any. */
  readonly report: LintReport | undefined;
  /**
   * Findings about the Authorize view node with this id (`table:public.todos`, `policy:public.todos:name`,
   * `role:authenticated`, `extension`), for its tooltips and icons.
   */
  findingsForNode(nodeId: string): readonly AdvisorFinding[];
  /** Fires after every run (and when the findings are cleared). */
  readonly onDidChange: vscode.Event<LintReport | undefined>;
}

interface ShownDiagnostic {
  readonly diagnostic: vscode.Diagnostic;
  readonly finding: AdvisorFinding;
}

const SEVERITY: Record<AdvisorLevel, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warn: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

function nodeIdOf(finding: AdvisorFinding): string {
  const o = finding.object;
  switch (o.kind) {
    case 'table':
      return `table:${o.schema}.${o.name}`;
    case 'policy':
      return `policy:${o.schema}.${o.table}:${o.name}`;
    case 'role':
      return `role:${o.name}`;
    case 'extension':
      return 'extension';
    case 'view':
      return `view:${o.schema}.${o.name}`;
    case 'function':
      return `function:${o.schema}.${o.name}`;
  }
}

function settings() {
  const c = vscode.workspace.getConfiguration('neonAuthorize.advisor');
  return {
    runOnSave: c.get<boolean>('runOnSave', true),
    disabledRules: c.get<string[]>('disabledRules', []),
    exclude: c.get<string>('exclude', DEFAULT_EXCLUDE) || DEFAULT_EXCLUDE,
  };
}

async function readWorkspaceSources(exclude: string): Promise<SourceFile[]> {
  const uris = await vscode.workspace.findFiles(SOURCE_GLOB, exclude, MAX_FILES);
  const open = new Map(vscode.workspace.textDocuments.map((d) => [d.uri.toString(), d]));
  const files: SourceFile[] = [];
  for (const uri of uris) {
    if (uri.scheme !== 'file') continue;
    const doc = open.get(uri.toString());
    if (doc) {
      files.push({ path: uri.fsPath, text: doc.getText() });
      continue;
    }
    try {
      const bytes = await vscode.workspace.fs.readFile(uri);
      if (bytes.byteLength <= MAX_FILE_BYTES) files.push({ path: uri.fsPath, text: new TextDecoder().decode(bytes) });
    } catch {
      // gone since findFiles: not a source
    }
  }
  return files;
}

export function registerAdvisor(context: vscode.ExtensionContext, connections: AdvisorConnections): AdvisorApi {
  const collection = vscode.languages.createDiagnosticCollection('neonAuthorize.advisor');
  const changed = new vscode.EventEmitter<LintReport | undefined>();
  const reportChanged = new vscode.EventEmitter<vscode.Uri>();
  let reportText = '# RLS Advisor\n\nRun "Neon Authorize: Run RLS Advisor" to lint the connected database.\n';
  let report: LintReport | undefined;
  let shown = new Map<string, ShownDiagnostic[]>();
  let findingsById = new Map<string, AdvisorFinding>();
  let generation = 0;
  let hasRun = false;
  let running: Promise<AdvisorRunSummary> | undefined;
  let again = false;
  let saveTimer: ReturnType<typeof setTimeout> | undefined;

  const clear = () => {
    collection.clear();
    shown = new Map();
    findingsById = new Map();
    report = undefined;
    changed.fire(undefined);
  };

  const lintOnce = async (): Promise<AdvisorRunSummary> => {
    const connection = await connections.current();
    const { database } = await connections.owner();
    let authenticatedRole: string | undefined;
    try {
      authenticatedRole = connection.authenticatedUrl ? describeConnection(connection.authenticatedUrl).role || undefined : undefined;
    } catch {
      authenticatedRole = undefined;
    }
    const config = settings();
    const advisor = await import('../../core/advisor');
    const [result, files] = await Promise.all([
      advisor.lintDatabase(database, { authenticatedRole, disabledRules: config.disabledRules }),
      readWorkspaceSources(config.exclude),
    ]);
    const index = advisor.indexDefinitions(files);
    const placements = new Map(result.findings.map((f) => [f, advisor.placeFinding(f, index)]));
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const presentation = buildPresentation(result, placements, { connectionLabel: connection.label, workspaceRoot: root });

    const gen = ++generation;
    const byUri = new Map<string, { uri: vscode.Uri; items: ShownDiagnostic[] }>();
    const ids = new Map<string, AdvisorFinding>();
    result.findings.forEach((f, i) => ids.set(`${gen}:${i}`, f));
    for (const d of presentation.diagnostics) {
      const uri = d.target.kind === 'file' ? vscode.Uri.file(d.target.path) : ADVISOR_REPORT_URI;
      const range = new vscode.Range(d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character);
      const diagnostic = new vscode.Diagnostic(range, d.message, SEVERITY[d.level]);
      diagnostic.source = DIAGNOSTIC_SOURCE;
      diagnostic.code = d.ruleId;
      const entry = byUri.get(uri.toString()) ?? { uri, items: [] };
      entry.items.push({ diagnostic, finding: d.finding });
      byUri.set(uri.toString(), entry);
    }
    collection.clear();
    for (const { uri, items } of byUri.values()) collection.set(uri, items.map((i) => i.diagnostic));
    shown = new Map([...byUri].map(([k, v]) => [k, v.items]));
    findingsById = ids;
    report = result;
    reportText = presentation.reportText;
    reportChanged.fire(ADVISOR_REPORT_URI);
    hasRun = true;
    changed.fire(result);
    return {
      database: result.database.name,
      counts: result.counts,
      findings: result.findings.length,
      placed: presentation.placed,
      unplaced: presentation.unplaced,
    };
  };

  /** One run at a time; a request during a run makes one more run after it. */
  const run = (): Promise<AdvisorRunSummary> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        let summary = await lintOnce();
        while (again) {
          again = false;
          summary = await lintOnce();
        }
        return summary;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const refresh = async (): Promise<AdvisorRunSummary | undefined> => {
    if (!hasRun || !connections.peek()) return undefined;
    return run();
  };

  const findingFor = (document: vscode.TextDocument, diagnostic: vscode.Diagnostic): AdvisorFinding | undefined =>
    shown
      .get(document.uri.toString())
      ?.find((s) => s.diagnostic.range.isEqual(diagnostic.range) && s.diagnostic.code === diagnostic.code && s.diagnostic.message === diagnostic.message)?.finding;

  const idOf = (finding: AdvisorFinding): string | undefined => [...findingsById].find(([, f]) => f === finding)?.[0];

  context.subscriptions.push(
    collection,
    changed,
    reportChanged,
    vscode.workspace.registerTextDocumentContentProvider(ADVISOR_SCHEME, {
      onDidChange: reportChanged.event,
      provideTextDocumentContent: () => reportText,
    }),
    vscode.languages.registerCodeActionsProvider(
      [{ scheme: 'file' }, { scheme: ADVISOR_SCHEME }],
      {
        provideCodeActions(document, _range, ctx) {
          const actions: vscode.CodeAction[] = [];
          for (const diagnostic of ctx.diagnostics) {
            if (diagnostic.source !== DIAGNOSTIC_SOURCE) continue;
            const finding = findingFor(document, diagnostic);
            const id = finding && idOf(finding);
            if (!finding || !id) continue;
            const action = new vscode.CodeAction(`Open fix SQL: ${finding.title}`, vscode.CodeActionKind.QuickFix);
            action.diagnostics = [diagnostic];
            action.isPreferred = true;
            action.command = { command: COMMANDS.openAdvisorFix.id, title: COMMANDS.openAdvisorFix.title, arguments: [id] };
            actions.push(action);
          }
          return actions;
        },
      },
      { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
    ),
    vscode.workspace.onDidSaveTextDocument((document) => {
      if (document.uri.scheme !== 'file' || !definitionSourceOf(document.fileName)) return;
      if (!hasRun || !settings().runOnSave || !connections.peek()) return;
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = setTimeout(() => {
        saveTimer = undefined;
        run().catch(() => undefined); // a failed background run keeps the last diagnostics
      }, SAVE_DEBOUNCE_MS);
    }),
    connections.onDidChange((connection) => {
      if (!hasRun) return;
      if (!connection) clear();
      else run().catch(() => clear());
    }),
    { dispose: () => saveTimer && clearTimeout(saveTimer) },
  );

  registerCommand(context, COMMANDS.lint.id, async () => {
    const summary = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'RLS Advisor: linting the database' },
      () => run(),
    );
    const total = summary.findings;
    const text = total
      ? `RLS Advisor: ${summary.counts.error} errors, ${summary.counts.warn} warnings, ${summary.counts.info} info on ${summary.database} (see the Problems panel).`
      : `RLS Advisor: no problems found on ${summary.database}.`;
    void vscode.window.showInformationMessage(text, 'Show Report').then((choice) => {
      if (choice === 'Show Report') void vscode.window.showTextDocument(ADVISOR_REPORT_URI, { preview: true });
    });
    return summary;
  });

  registerCommand(context, COMMANDS.openAdvisorFix.id, async (id: unknown) => {
    const finding = typeof id === 'string' ? findingsById.get(id) : undefined;
    if (!finding) throw new Error('This fix belongs to an older RLS Advisor run: run "Neon Authorize: Run RLS Advisor" again.');
    const document = await vscode.workspace.openTextDocument({ language: 'sql', content: fixDocumentText(finding) });
    await vscode.window.showTextDocument(document, { preview: false });
    return document.uri.toString();
  });

  return {
    run,
    refresh,
    get report() {
      return report;
    },
    findingsForNode: (nodeId) => (report?.findings ?? []).filter((f) => nodeIdOf(f) === nodeId),
    onDidChange: changed.event,
  };
}
