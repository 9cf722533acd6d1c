import * as vscode from 'vscode';
import { registerCommand } from '../commands';
import { AuthorizeTreeProvider, EXPLORER_VIEW_ID } from '../authorizeView/tree';
import type { WorkbenchConnectionService } from '../connections/connectionService';
import { connectNeonAccount, selectConnection, signOutNeon, startPlayground } from '../connections/commands';
import { installPgSessionJwt } from './pgSessionJwt';
import { FIX, NeedsFirstError, withPrerequisites } from './prerequisites';
import { addProvider, listProviders, removeProvider } from './providers';
import { ReportDocuments } from './reportDocuments';
import { enableRls, runSqlOnOwner } from './runSql';
import { runScaffoldGrants, runScaffoldPolicies } from './scaffold';

/** The command ids this part of the extension registers (each declared in package.json). */
export const SETUP_COMMANDS = [
  'neonAuthorize.selectConnection',
  'neonAuthorize.startPlayground',
  'neonAuthorize.connectNeonAccount',
  'neonAuthorize.signOutNeon',
  'neonAuthorize.addProvider',
  'neonAuthorize.listProviders',
  'neonAuthorize.removeProvider',
  'neonAuthorize.installPgSessionJwt',
  'neonAuthorize.scaffoldGrants',
  'neonAuthorize.scaffoldPolicies',
  'neonAuthorize.runSqlOnOwner',
  'neonAuthorize.enableRls',
  'neonAuthorize.refresh',
] as const;

export interface SetupApi {
  /** The Authorize view's data provider (tests read its nodes). */
  explorer: AuthorizeTreeProvider;
  view: vscode.TreeView<unknown>;
  reports: ReportDocuments;
}

/** Issue 3: connections UI, provider/extension/scaffold commands and the Authorize view. */
export function registerSetup(context: vscode.ExtensionContext, connections: WorkbenchConnectionService): SetupApi {
  const explorer = new AuthorizeTreeProvider(connections);
  const reports = new ReportDocuments();
  const view = vscode.window.createTreeView(EXPLORER_VIEW_ID, { treeDataProvider: explorer, showCollapseAll: true });
  context.subscriptions.push(explorer, reports, view);
  void vscode.commands.executeCommand('setContext', 'neonAuthorize.connected', false);

  const refresh = () => explorer.refresh();
  const deps = { connections, reports, refresh };
  const register = <A extends unknown[], R>(id: (typeof SETUP_COMMANDS)[number], handler: (...args: A) => Promise<R>) =>
    registerCommand(context, id, withPrerequisites(connections.output, handler));

  register('neonAuthorize.selectConnection', (args?: Parameters<typeof selectConnection>[1]) => selectConnection(connections, args));
  register('neonAuthorize.startPlayground', () => startPlayground(connections));
  register('neonAuthorize.connectNeonAccount', (args?: Parameters<typeof connectNeonAccount>[1]) => connectNeonAccount(connections, args ?? {}));
  register('neonAuthorize.signOutNeon', () => signOutNeon(connections));
  register('neonAuthorize.addProvider', (args?: Parameters<typeof addProvider>[1]) => addProvider(deps, args));
  register('neonAuthorize.listProviders', (args?: Parameters<typeof listProviders>[1]) => listProviders(deps, args));
  register('neonAuthorize.removeProvider', (args?: Parameters<typeof removeProvider>[1]) => removeProvider(deps, args));
  register('neonAuthorize.installPgSessionJwt', () => installPgSessionJwt(connections, refresh));
  register('neonAuthorize.scaffoldGrants', (args?: Parameters<typeof runScaffoldGrants>[1]) => runScaffoldGrants(connections, args));
  register('neonAuthorize.scaffoldPolicies', (args?: Parameters<typeof runScaffoldPolicies>[1]) => runScaffoldPolicies(connections, args));
  register('neonAuthorize.runSqlOnOwner', (args?: Parameters<typeof runSqlOnOwner>[2]) => runSqlOnOwner(connections, refresh, args));
  register('neonAuthorize.enableRls', (args?: Parameters<typeof enableRls>[2]) => enableRls(connections, refresh, args));
  register('neonAuthorize.refresh', async () => {
    if (!connections.peek()) {
      if (!connections.hasSavedChoice()) {
        throw new NeedsFirstError('Nothing is connected yet: start the playground or select a connection, then the view shows its tables and policies.', [
          FIX.startPlayground,
          FIX.selectConnection,
        ]);
      }
      await connections.current();
    }
    return refresh();
  });

  return { explorer, view, reports };
}
