/**
 * Read-only virtual documents (`neon-authorize:` URIs) for reports such as the JWKS check: opened as
 * Markdown text beside the editor, never saved anywhere.
 */
import * as vscode from 'vscode';

export const REPORT_SCHEME = 'neon-authorize';

export class ReportDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.path) ?? 'This report is no longer available: run the command again.';
  }

  /** Shows `markdown` as `<name>.md` beside the active editor; returns its URI. */
  async show(name: string, markdown: string): Promise<vscode.Uri> {
    const safe = name.replace(/[\\/:*?"<>|#]+/g, '-').trim() || 'report';
    const uri = vscode.Uri.from({ scheme: REPORT_SCHEME, path: `/${safe}.md` });
    this.contents.set(uri.path, markdown);
    this.changed.fire(uri);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, { preview: true, preserveFocus: false, viewColumn: vscode.ViewColumn.Active });
    return uri;
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
