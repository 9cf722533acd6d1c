/**
 * Run SQL on Owner (the active SQL editor, its selection, or given text; one transaction, after a
 * confirmation) and Enable Row-Level Security (a table from the view).
 */
import { posix } from 'node:path';
import * as vscode from 'vscode';
import { describeConnection } from '../../core/connections';
import { introspectTables } from '../../core/introspect';
import { qualifiedName } from '../../core/sql/quote';
import { StatementError } from '../../core/connections/database';
import { fixAction } from '../../core/fixActions';
import { tableLabel } from '../../core/introspect/userTables';
import { executeCommand } from '../commands';
import { COMMANDS } from '../commands/registry';
import type { WorkbenchConnectionService } from '../connections/connectionService';
import type { TableCommandArgument } from '../connections/types';
import { NeedsFirstError } from './prerequisites';
import { RUN_HINT } from './scaffold';

export interface RunSqlArgs {
  /** Text to run instead of an editor's. */
  sql?: string;
  /** The document to run (default: the active editor; its selection when there is one). */
  uri?: string | vscode.Uri;
  /** Skip the confirmation (tests; the view's own actions confirm themselves). */
  confirmed?: boolean;
}

export interface RunSqlResult {
  statements: number;
  connection: string;
}

async function splitSql(text: string): Promise<string[]> {
  const [{ loadSqlParser }, { splitStatements }] = await Promise.all([import('../../core/sql/parser'), import('../../core/sqlClassify')]);
  await loadSqlParser();
  return splitStatements(text).map((s) => s.text);
}

/**
 * Whether `document` is one Scaffold Grants or Scaffold Policies opened (scaffold.ts): an untitled document
 * named grants-<schema>.sql or policies-<table>.sql, or, when that name could not be used, one that still
 * starts with the scaffold's run hint.
 */
function isScaffoldDocument(document: vscode.TextDocument): boolean {
  if (!document.isUntitled) return false;
  return /^(grants|policies)-.+\.sql$/.test(posix.basename(document.uri.path)) || (document.lineCount > 0 && document.lineAt(0).text === RUN_HINT);
}

/** How the messages name a whole document: "the scaffold", an untitled document's title (Untitled-1), a file's workspace path. */
function documentName(document: vscode.TextDocument): string {
  if (isScaffoldDocument(document)) return 'the scaffold';
  if (document.isUntitled) return posix.basename(document.uri.path) || document.uri.toString();
  return vscode.workspace.asRelativePath(document.uri);
}

async function sourceText(args: RunSqlArgs): Promise<{ text: string; name: string }> {
  if (typeof args.sql === 'string') return { text: args.sql, name: 'the given SQL' };
  const uri = typeof args.uri === 'string' ? vscode.Uri.parse(args.uri) : args.uri;
  if (uri) {
    const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
    return selectionOrWhole(editor?.document ?? (await vscode.workspace.openTextDocument(uri)), editor);
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    throw new NeedsFirstError('Run SQL on Owner runs the SQL of the active editor: open a .sql file or a scaffold (Scaffold Grants, Scaffold Policies) first.', [fixAction('scaffoldGrants')]);
  }
  const document = editor.document;
  if (document.languageId !== 'sql') {
    throw new Error(`The active editor is ${document.languageId}, not SQL: open the .sql file (or scaffold) to run, then run Neon Authorize: Run SQL on Owner.`);
  }
  return selectionOrWhole(document, editor);
}

/** The editor's selection when there is one, else the whole document. */
function selectionOrWhole(document: vscode.TextDocument, editor: vscode.TextEditor | undefined): { text: string; name: string } {
  const selection = editor && !editor.selection.isEmpty ? document.getText(editor.selection) : undefined;
  return { text: selection ?? document.getText(), name: selection ? 'the selection' : documentName(document) };
}

export async function runSqlOnOwner(connections: Pick<WorkbenchConnectionService, 'owner'>, refresh: () => Promise<unknown>, args?: RunSqlArgs | vscode.Uri): Promise<RunSqlResult | undefined> {
  const options: RunSqlArgs = args instanceof vscode.Uri ? { uri: args } : (args ?? {});
  const { text, name } = await sourceText(options);
  const statements = await splitSql(text);
  if (statements.length === 0) throw new Error(`There is no SQL statement in ${name}.`);
  const { connection, database } = await connections.owner();
  const role = describeConnection(connection.ownerUrl).role || 'the owner';
  if (!options.confirmed) {
    const answer = await vscode.window.showWarningMessage(
      `Run ${statements.length} statement${statements.length === 1 ? '' : 's'} from ${name} on ${connection.label} as ${role}?`,
      { modal: true, detail: 'They run in one transaction: if one fails, nothing is changed.' },
      'Run',
    );
    if (answer !== 'Run') return undefined;
  }
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Running ${statements.length} statement(s) on ${connection.label} …` },
      () => database.runScript(statements),
    );
  } catch (err) {
    if (err instanceof StatementError) {
      const which = err.statementNumber ? `statement ${err.statementNumber} of ${statements.length}` : statements.length > 1 ? `one of the ${statements.length} statements` : 'the statement';
      const snippet = err.statementText ? ` (${err.statementText.split('\n')[0]!.slice(0, 80)}…)` : '';
      const fix = /auth\.\w+\(.*does not exist|schema "auth" does not exist/.test(err.message) ? ' Install pg_session_jwt first (Neon Authorize: Install pg_session_jwt).' : '';
      throw new Error(`Nothing was changed on ${connection.label}: ${which}${snippet} failed: ${err.message}${fix}`);
    }
    throw err;
  }
  await refresh();
  void vscode.window.showInformationMessage(`Ran ${statements.length} statement${statements.length === 1 ? '' : 's'} from ${name} on ${connection.label}.`);
  return { statements: statements.length, connection: connection.label };
}

export interface EnableRlsArgs extends Partial<TableCommandArgument> {
  table?: string;
  confirmed?: boolean;
  kind?: string;
}

export async function enableRls(connections: Pick<WorkbenchConnectionService, 'owner'>, refresh: () => Promise<unknown>, args?: EnableRlsArgs): Promise<boolean | undefined> {
  const { connection, database } = await connections.owner();
  const tables = await introspectTables(database);
  const name = args?.name ?? args?.table;
  let table = name ? tables.find((t) => t.name === name && t.schema === (args?.schema ?? 'public')) : undefined;
  if (name && !table) throw new Error(`Table ${args?.schema ?? 'public'}.${name} does not exist on ${connection.label}. Refresh the Authorize view.`);
  if (!table) {
    const off = tables.filter((t) => !t.rlsEnabled && !t.isPartition && t.schema !== '_pg_session_jwt');
    if (off.length === 0) {
      void vscode.window.showInformationMessage(`Every table on ${connection.label} has row-level security on.`);
      return false;
    }
    const picked = await vscode.window.showQuickPick(
      off.map((t) => ({ label: tableLabel(t), table: t })),
      { title: 'Enable row-level security on which table?' },
    );
    if (!picked) return undefined;
    table = picked.table;
  }
  if (table.rlsEnabled) {
    void vscode.window.showInformationMessage(`Row-level security is already on for ${table.schema}.${table.name}.`);
    return false;
  }
  if (!args?.confirmed) {
    const answer = await vscode.window.showWarningMessage(
      `Enable row-level security on ${table.schema}.${table.name}?`,
      { modal: true, detail: 'Until policies exist, authenticated and anonymous see no rows of it (the owner still sees all). Scaffold Policies writes them.' },
      'Enable',
    );
    if (answer !== 'Enable') return undefined;
  }
  await database.runScript([`ALTER TABLE ${qualifiedName(table.schema, table.name)} ENABLE ROW LEVEL SECURITY`]);
  await refresh();
  const next = COMMANDS.scaffoldPolicies;
  void vscode.window.showInformationMessage(`Row-level security is on for ${table.schema}.${table.name}. Next: ${next.title} for it.`, next.title).then((choice) => {
    if (choice) void executeCommand(next.id, { schema: table!.schema, name: table!.name, kind: 'table' });
  });
  return true;
}
