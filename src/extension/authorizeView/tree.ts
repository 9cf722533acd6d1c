/**
 * The Authorize view's tree: reads the active connection's snapshot (introspectDatabase over the owner
 * URL) and providers, builds the plain model (model.ts) and renders it with codicons and theme colours.
 */
import * as vscode from 'vscode';
import { introspectDatabase, type DatabaseSnapshot } from '../../core/introspect';
import type { WorkbenchConnectionService } from '../connections/connectionService';
import { findConnectionFailure } from '../../core/connections/database';
import { COLORS, buildViewModel, findNode, nodeCommand, type ProvidersState, type ViewNode } from './model';

export const EXPLORER_VIEW_ID = 'neonAuthorize.explorer';

/** What the view reads of the connection layer (it opens nothing but the owner connection). */
type ViewConnections = Pick<WorkbenchConnectionService, 'onDidChange' | 'peek' | 'current' | 'owner' | 'registry' | 'hasSavedChoice' | 'output'>;

const NO_REGISTRY =
  'Providers are registered on a Neon project (Connect Neon Account) or on the playground. This connection is a plain Postgres URL: register the JWKS URL in the Neon Console, or verify tokens in your app (JWT self-verification).';

export class AuthorizeTreeProvider implements vscode.TreeDataProvider<ViewNode>, vscode.Disposable {
  private nodes: ViewNode[] = [];
  private snapshotValue: DatabaseSnapshot | undefined;
  private loaded = false;
  private generation = 0;
  private inFlight: Promise<ViewNode[]> | undefined;
  private readonly changed = new vscode.EventEmitter<ViewNode | undefined | void>();
  private readonly subscription: { dispose(): void };
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly connections: ViewConnections) {
    // Read again when VS Code next asks for the nodes (only while the view is visible).
    this.subscription = connections.onDidChange(() => {
      this.generation++;
      this.inFlight = undefined;
      this.loaded = false;
      this.nodes = [];
      this.snapshotValue = undefined;
      this.changed.fire();
    });
  }

  /** The last snapshot read (undefined before the first refresh or after a failure). */
  get snapshot(): DatabaseSnapshot | undefined {
    return this.snapshotValue;
  }

  /** The top-level nodes as last built. */
  get topNodes(): readonly ViewNode[] {
    return this.nodes;
  }

  find(id: string): ViewNode | undefined {
    return findNode(this.nodes, id);
  }

  /** Reads the database again and redraws; resolves with the new top-level nodes. */
  refresh(): Promise<ViewNode[]> {
    const gen = ++this.generation;
    const run = this.load(gen).finally(() => {
      if (this.inFlight === run) this.inFlight = undefined;
    });
    this.inFlight = run;
    return run;
  }

  private async load(gen: number): Promise<ViewNode[]> {
    const connection = this.connections.peek();
    if (!connection) {
      this.apply(gen, [], undefined);
      return [];
    }
    const registry = this.connections.registry(connection);
    const providersPromise: Promise<ProvidersState> = registry
      ? registry.list().then(
          (list) => ({ list, where: registry.where }),
          (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }),
        )
      : Promise.resolve({ unavailable: NO_REGISTRY });
    let snapshot: DatabaseSnapshot | undefined;
    let error: string | undefined;
    try {
      const { database } = await this.connections.owner();
      snapshot = await introspectDatabase(database);
    } catch (err) {
      error = this.logFailure(err);
    }
    const nodes = buildViewModel({ connection, providers: await providersPromise, snapshot, error });
    this.apply(gen, nodes, snapshot);
    return gen === this.generation ? nodes : this.nodes;
  }

  /** What the view says about a failure (a broken connection's own explanation), also logged. */
  private logFailure(err: unknown): string {
    const message = (findConnectionFailure(err) ?? (err instanceof Error ? err : new Error(String(err)))).message;
    this.connections.output.appendLine(`[view] ${message}`);
    return message;
  }

  private apply(gen: number, nodes: ViewNode[], snapshot: DatabaseSnapshot | undefined): void {
    if (gen !== this.generation) return;
    this.nodes = nodes;
    this.snapshotValue = snapshot;
    this.loaded = true;
    this.changed.fire();
  }

  getTreeItem(node: ViewNode): vscode.TreeItem {
    const hasChildren = node.children !== undefined && node.children.length > 0;
    const state = !hasChildren
      ? vscode.TreeItemCollapsibleState.None
      : node.expanded
        ? vscode.TreeItemCollapsibleState.Expanded
        : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(node.label, state);
    item.id = node.id;
    item.description = node.description;
    if (node.tooltip) item.tooltip = new vscode.MarkdownString(node.tooltip);
    if (node.icon) item.iconPath = new vscode.ThemeIcon(node.icon, node.iconColor ? new vscode.ThemeColor(node.iconColor) : undefined);
    item.contextValue = node.contextValue;
    if (node.command) item.command = { command: node.command.command, title: node.command.title, arguments: node.command.arguments };
    return item;
  }

  async getChildren(node?: ViewNode): Promise<ViewNode[]> {
    if (node) return node.children ?? [];
    if (!this.connections.peek()) {
      // A connection chosen earlier in this workspace is restored when the view is shown; with none,
      // the view stays empty and shows its welcome (Start Playground, Select Connection…).
      if (!this.connections.hasSavedChoice()) return [];
      try {
        await this.connections.current();
      } catch (err) {
        const message = this.logFailure(err);
        return [
          {
            kind: 'message',
            id: 'restore-failed',
            label: 'Could not reconnect',
            description: message,
            tooltip: `${message}\n\nClick to choose a connection.`,
            icon: 'error',
            iconColor: COLORS.error,
            command: nodeCommand('selectConnection'),
          },
        ];
      }
    }
    if (!this.loaded) return this.inFlight ?? this.refresh();
    return this.nodes;
  }

  getParent(node: ViewNode): ViewNode | undefined {
    const search = (list: readonly ViewNode[], parent: ViewNode | undefined): ViewNode | undefined | null => {
      for (const n of list) {
        if (n.id === node.id) return parent ?? null;
        const inner = n.children ? search(n.children, n) : undefined;
        if (inner !== undefined) return inner;
      }
      return undefined;
    };
    return search(this.nodes, undefined) ?? undefined;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
