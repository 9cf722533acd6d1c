import type * as vscode from 'vscode';
import { registerCommands } from './commands';
import { registerConnectionCommands } from './connections/commands';
import { createConnectionService } from './connections/connectionService';
import { registerSetup } from './setup';
import { withPrerequisites } from './setup/prerequisites';
import { registerRunAsUser } from './runAsUser';
import { registerAdvisor } from './advisor';

// Kept tiny so activation stays fast: the playground's WASM and the panels load when first used.
export function activate(context: vscode.ExtensionContext) {
  registerCommands(context);
  const connections = createConnectionService(context);
  context.subscriptions.push(connections);
  // The connection commands answer a missing step as the setup commands do: a warning with a button.
  registerConnectionCommands(context, connections, (handler) => withPrerequisites(connections.output, handler));
  const setup = registerSetup(context, connections);
  const runAsUser = registerRunAsUser(context, connections);
  const advisor = registerAdvisor(context, connections);
  // The advisor re-runs whenever the Authorize view refreshes (its refresh never opens a connection).
  context.subscriptions.push(setup.explorer.onDidChangeTreeData(() => void advisor.refresh()));
  // Returned for the extension-host tests (vscode.extensions.getExtension(id).exports).
  return { connections, setup, runAsUser, advisor };
}

export function deactivate(): void {}
