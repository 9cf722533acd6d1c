// The Run-as-User webview panel in VS Code: the HTML shell (CSP with a nonce), the message wiring to
// RunAsUserHost, and what only VS Code provides (save dialog, clipboard, commands, storage). Loaded on
// first use, so activation stays light.
import * as vscode from 'vscode';
import { makeNonce, renderWebviewHtml } from '../../core/webviewHtml';
import type { HostToWebview, ResponseMessage, WebviewRequest } from '../../core/runAsUserProtocol/messages';
import { packForWebview } from '../../core/runAsUserProtocol/packedRows';
import { maskSecrets } from '../../core/secrets';
import type { ActiveConnection, ConnectionService } from '../connections/types';
import { SqlHistory } from './history';
import { RunAsUserHost, UserFacingError, type ExportTarget, type RunEngine } from './host';
import { PersonaStore } from './personas';

export const RUN_AS_USER_VIEW_TYPE = 'neonAuthorize.runAsUser';
const TITLE = 'Run as User';

export interface RequestOptions {
  /** Tests only: the file an `export` request writes, instead of asking with the save dialog. */
  exportTarget?: vscode.Uri;
}

/** Webview options: scripts on, only media/ and the codicons readable, no retained context. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'node_modules', '@vscode', 'codicons', 'dist')],
  };
}

export function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const uri = (...parts: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...parts)).toString();
  return renderWebviewHtml({
    cspSource: webview.cspSource,
    nonce: makeNonce(),
    scriptUri: uri('media', 'runAsUser.js'),
    styleUris: [uri('media', 'runAsUser.css')],
    codiconUri: uri('node_modules', '@vscode', 'codicons', 'dist', 'codicon.css'),
    title: TITLE,
    bodyClass: 'run-as-user',
  });
}

export interface PanelDeps {
  context: Pick<vscode.ExtensionContext, 'extensionUri' | 'workspaceState' | 'secrets'>;
  connections: Pick<ConnectionService, 'current' | 'peek' | 'providers' | 'onDidChange'>;
  loadEngine(): Promise<RunEngine>;
  log(line: string): void;
}

/** One open Run-as-User panel. */
export class RunAsUserPanel implements vscode.Disposable {
  readonly host: RunAsUserHost;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly observers = new Set<(message: HostToWebview) => void>();
  private nextExportTarget: vscode.Uri | undefined;
  private disposed = false;
  private readonly disposedEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposedEmitter.event;

  static create(deps: PanelDeps, column: vscode.ViewColumn = vscode.ViewColumn.Active): RunAsUserPanel {
    const panel = vscode.window.createWebviewPanel(RUN_AS_USER_VIEW_TYPE, TITLE, { viewColumn: column, preserveFocus: false }, webviewOptions(deps.context.extensionUri));
    return new RunAsUserPanel(panel, deps);
  }

  /** Wraps a panel VS Code restored after a reload (WebviewPanelSerializer). */
  static revive(panel: vscode.WebviewPanel, deps: PanelDeps): RunAsUserPanel {
    panel.webview.options = webviewOptions(deps.context.extensionUri);
    return new RunAsUserPanel(panel, deps);
  }

  private constructor(
    readonly webviewPanel: vscode.WebviewPanel,
    deps: PanelDeps,
  ) {
    const { context } = deps;
    this.host = new RunAsUserHost({
      connections: deps.connections,
      personas: new PersonaStore(context.workspaceState, context.secrets),
      history: new SqlHistory(context.workspaceState),
      post: (message) => this.post(message),
      saveExport: (target) => this.saveExport(target),
      copyText: async (text) => vscode.env.clipboard.writeText(text),
      runCommand: async (id, ...args) => vscode.commands.executeCommand(id, ...args),
      hasCommand: async (id) => (await vscode.commands.getCommands(true)).includes(id),
      loadEngine: deps.loadEngine,
      log: deps.log,
    });
    this.disposables.push(
      webviewPanel.webview.onDidReceiveMessage((message: unknown) => void this.host.handle(message)),
      webviewPanel.onDidChangeViewState(() => {
        // Without retained context a hidden webview's document is gone; it says `ready` again when shown.
        if (!webviewPanel.visible) this.host.markNotReady();
      }),
      deps.connections.onDidChange((connection: ActiveConnection | undefined) => void this.host.connectionChanged(connection)),
      webviewPanel.onDidDispose(() => this.dispose()),
    );
    webviewPanel.webview.html = panelHtml(webviewPanel.webview, context.extensionUri);
  }

  get visible(): boolean {
    return !this.disposed && this.webviewPanel.visible;
  }

  reveal(): void {
    this.webviewPanel.reveal(undefined, false);
  }

  /** Shows a statement in the panel and runs it (from a SQL editor or a table). */
  openWith(sql: string, run: boolean): void {
    this.host.openWith(sql, run);
    this.reveal();
  }

  /**
   * Handles a message exactly as if the webview had posted it and resolves with the host's answer to it
   * (what the extension-host tests use to drive the panel through the real protocol).
   */
  request<T extends WebviewRequest>(message: T, options: RequestOptions = {}): Promise<ResponseMessage> {
    return new Promise((resolve) => {
      const observer = (m: HostToWebview) => {
        if (m.type === 'response' && m.id === message.id) {
          this.observers.delete(observer);
          resolve(m);
        }
      };
      this.observers.add(observer);
      this.nextExportTarget = options.exportTarget;
      void this.host.handle(message);
    });
  }

  /** Handles any message as the webview would post it (e.g. `{type:'ready'}`). */
  receive(message: unknown): Promise<void> {
    return this.host.handle(message);
  }

  /** Observes everything the host posts to the webview. */
  observe(observer: (message: HostToWebview) => void): vscode.Disposable {
    this.observers.add(observer);
    return new vscode.Disposable(() => this.observers.delete(observer));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.host.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.webviewPanel.dispose();
    this.observers.clear();
    this.disposedEmitter.fire();
    this.disposedEmitter.dispose();
  }

  private post(message: HostToWebview): void {
    if (this.disposed) return;
    for (const observer of [...this.observers]) observer(message);
    // A hidden webview without retained context drops messages; it gets the state again with `init`.
    // Rows go packed (one string per result): cheap to serialize and post however many there are.
    void this.webviewPanel.webview.postMessage(packForWebview(message)).then(undefined, () => undefined);
  }

  private async saveExport(target: ExportTarget): Promise<{ saved: boolean; location?: string }> {
    let uri = this.nextExportTarget;
    this.nextExportTarget = undefined;
    if (!uri) {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
      // Control characters are among what a file name may not hold.
      // eslint-disable-next-line no-control-regex
      const name = target.suggestedName.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_');
      uri = await vscode.window.showSaveDialog({
        title: `Export the ${target.grid === 'user' ? "user's" : "owner's"} rows as ${target.format.toUpperCase()}`,
        saveLabel: 'Export',
        ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}),
        filters: target.format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
      });
      if (!uri) return { saved: false };
    }
    try {
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(target.content));
    } catch (error) {
      throw new UserFacingError(`Could not write ${uri.fsPath}: ${maskSecrets((error as Error).message)}. Choose another place.`);
    }
    return { saved: true, location: uri.scheme === 'file' ? uri.fsPath : uri.toString() };
  }
}
