import type * as vscode from 'vscode';
import type { ConnectionService } from '../connections/types';

/** Issue 3: connections UI, provider/extension/scaffold commands and the Authorize view. */
export function registerSetup(_context: vscode.ExtensionContext, _connections: ConnectionService) {
  return {};
}
