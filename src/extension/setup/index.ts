import * as vscode from 'vscode';
import { fixAction } from '../../core/fixActions';
import { registerCommand } from '../commands';
import { COMMANDS, type CommandId } from '../commands/registry';
import { AuthorizeTreeProvider, EXPLORER_VIEW_ID } from '../authorizeView/tree';
import type { WorkbenchConnectionService } from '../connections/connectionService';
import { installPgSessionJwt } from './pgSessionJwt';
import { NeedsFirstError, withPrerequisites } from './prerequisites';
import { addProvider, listProviders, removeProvider } from './providers';
import { ReportDocuments } from './reportDocuments';
import { enableRls, runSqlOnOwner } from './runSql';
import { runScaffoldGrants, runScaffoldPolicies } from './scaffold';

export interface SetupApi {
  /** The Authorize view's data provider (tests read its nodes). */
  explorer: AuthorizeTreeProvider;
  view: vscode.TreeView<unknown>;
  reports: ReportDocuments;
}

/** What the setup commands and the view use of the connection layer. */
type SetupConnections = Pick<WorkbenchConnectionService, 'onDidChange' | 'peek' | 'current' | 'owner' | 'registry' | 'hasSavedChoice' | 'output'>;

/** The provider, extension and scaffold commands and the Authorize view. */
export function registerSetup(context: vscode.ExtensionContext, connections: SetupConnections): SetupApi {
  const explorer = new AuthorizeTreeProvider(connections);
  const reports = new ReportDocuments();
  const view = vscode.window.createTreeView(EXPLORER_VIEW_ID, { treeDataProvider: explorer, showCollapseAll: true });
  context.subscriptions.push(explorer, reports, view);

  const refresh = () => explorer.refresh();
  const deps = { connections, reports, refresh };
  const register = <A extends unknown[], R>(id: CommandId, handler: (...args: A) => Promise<R>) =>
    registerCommand(context, id, withPrerequisites(connections.output, handler));

  register(COMMANDS.addProvider.id, (args?: Parameters<typeof addProvider>[1]) => addProvider(deps, args));
  register(COMMANDS.listProviders.id, (args?: Parameters<typeof listProviders>[1]) => listProviders(deps, args));
  register(COMMANDS.removeProvider.id, (args?: Parameters<typeof removeProvider>[1]) => removeProvider(deps, args));
  register(COMMANDS.installPgSessionJwt.id, () => installPgSessionJwt(connections, refresh));
  register(COMMANDS.scaffoldGrants.id, (args?: Parameters<typeof runScaffoldGrants>[1]) => runScaffoldGrants(connections, args));
  register(COMMANDS.scaffoldPolicies.id, (args?: Parameters<typeof runScaffoldPolicies>[1]) => runScaffoldPolicies(connections, args));
  register(COMMANDS.runSqlOnOwner.id, (args?: Parameters<typeof runSqlOnOwner>[2]) => runSqlOnOwner(connections, refresh, args));
  register(COMMANDS.enableRls.id, (args?: Parameters<typeof enableRls>[2]) => enableRls(connections, refresh, args));
  register(COMMANDS.refresh.id, async () => {
    if (!connections.peek()) {
      if (!connections.hasSavedChoice()) {
        throw new NeedsFirstError('Nothing is connected yet: start the playground or select a connection, then the view shows its tables and policies.', [
          fixAction('openPlayground'),
          fixAction('chooseConnection'),
        ]);
      }
      await connections.current();
    }
    return refresh();
  });

  return { explorer, view, reports };
}
