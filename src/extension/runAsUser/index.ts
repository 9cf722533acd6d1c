import type * as vscode from 'vscode';
import type { ConnectionService } from '../connections/types';

/** Issue 4: the Run as User panel and its commands. */
export function registerRunAsUser(_context: vscode.ExtensionContext, _connections: ConnectionService) {
  return {};
}
