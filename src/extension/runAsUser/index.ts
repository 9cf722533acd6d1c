import * as vscode from 'vscode';
import { registerCommand } from '../commands';
import { COMMANDS } from '../commands/registry';
import type { ConnectionService } from '../connections/types';
import { parseQualifiedName } from '../../core/sql/quote';
import { statementFromEditor, tableFromArgument, tableQuery } from './commands';
import type { RunEngine } from './host';
import type { RunAsUserPanel } from './panel';

/** What extension.ts returns for the run-as-user panel (used by the extension-host tests). */
export interface RunAsUserApi {
  /** The open panel, if any. */
  readonly panel: RunAsUserPanel | undefined;
  /** Opens (or reveals) the panel; with `sql`, shows it and runs it when `run` is set. */
  open(options?: { sql?: string; run?: boolean; beside?: boolean }): Promise<RunAsUserPanel>;
  /** Everything in this extension's workspaceState, as stored (tests check no secret is in it). */
  storedWorkspaceState(): Record<string, unknown>;
}

/** The Run as User panel and its commands. Nothing heavy is loaded until a command runs. */
export function registerRunAsUser(context: vscode.ExtensionContext, connections: ConnectionService): RunAsUserApi {
  let current: RunAsUserPanel | undefined;
  const output = lazyOutput(context);
  let engine: Promise<RunEngine> | undefined;
  const loadEngine = () =>
    (engine ??= import('./engine').then(
      (m) => m.createRunEngine(),
      (error: unknown) => {
        engine = undefined; // let the next run try again
        throw error;
      },
    ));

  const deps = () => ({
    context,
    connections,
    loadEngine,
    log: (line: string) => output().appendLine(`[run as user] ${line}`),
  });

  const adopt = (panel: RunAsUserPanel): RunAsUserPanel => {
    current = panel;
    panel.onDidDispose(() => {
      if (current === panel) current = undefined;
    });
    return panel;
  };

  const open = async (options: { sql?: string; run?: boolean; beside?: boolean } = {}): Promise<RunAsUserPanel> => {
    const { RunAsUserPanel } = await import('./panel');
    // From an editor the panel opens beside it, so the SQL stays in view.
    const panel = current ?? adopt(RunAsUserPanel.create(deps(), options.beside ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active));
    if (options.sql) panel.openWith(options.sql, options.run ?? false);
    else panel.reveal();
    return panel;
  };

  registerCommand(context, COMMANDS.runAsUser.id, async () => {
    await open();
  });

  registerCommand(context, COMMANDS.runSelectionAsUser.id, async (uri?: unknown) => {
    const editor = editorFor(uri);
    if (!editor) throw new Error('Run Selection as User works in a SQL editor: open a .sql file, select a statement (or put the cursor in one) and run it again.');
    const sql = await statementFromEditor(editor);
    if (!sql) throw new Error('There is no SQL statement at the cursor. Select a statement, or put the cursor inside one.');
    await open({ sql, run: true, beside: true });
  });

  registerCommand(context, COMMANDS.runTableAsUser.id, async (arg?: unknown) => {
    let table = tableFromArgument(arg);
    if (!table) {
      const typed = await vscode.window.showInputBox({
        title: 'Run Table as User',
        prompt: 'The table to show as the user and as the owner (schema.table)',
        value: 'public.todos',
        validateInput: (v) => (parseQualifiedName(v) ? undefined : 'Write a table name, like public.todos or "My Schema"."My Table".'),
      });
      if (typed === undefined) return;
      const typedName = parseQualifiedName(typed);
      if (!typedName) return;
      table = { schema: typedName.schema, table: typedName.name };
    }
    await open({ sql: tableQuery(table.schema, table.table), run: true });
  });

  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(RUN_AS_USER_VIEW_TYPE_ID, {
      async deserializeWebviewPanel(webviewPanel: vscode.WebviewPanel) {
        const { RunAsUserPanel } = await import('./panel');
        current?.dispose();
        adopt(RunAsUserPanel.revive(webviewPanel, deps()));
      },
    }),
    {
      dispose: () => {
        current?.dispose();
        void engine?.then((e) => e.close()).catch(() => undefined);
      },
    },
  );

  return {
    get panel() {
      return current;
    },
    open,
    storedWorkspaceState: () => Object.fromEntries(context.workspaceState.keys().map((k) => [k, context.workspaceState.get(k)])),
  };
}

/** Same as RUN_AS_USER_VIEW_TYPE in panel.ts (kept here so activation does not load the panel module). */
const RUN_AS_USER_VIEW_TYPE_ID = 'neonAuthorize.runAsUser';

/** The editor a command invocation refers to: the one showing `uri` (editor title button), else the active one. */
function editorFor(uri: unknown): vscode.TextEditor | undefined {
  if (uri instanceof vscode.Uri) {
    const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
    if (shown) return shown;
  }
  return vscode.window.activeTextEditor;
}

function lazyOutput(context: vscode.ExtensionContext): () => vscode.OutputChannel {
  let channel: vscode.OutputChannel | undefined;
  return () => {
    if (!channel) {
      channel = vscode.window.createOutputChannel('Neon Authorize: Run as User');
      context.subscriptions.push(channel);
    }
    return channel;
  };
}
