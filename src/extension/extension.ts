import * as vscode from 'vscode';
import { registerCommands } from './commands';

// Kept tiny so activation stays fast: the playground's WASM and the panels load when first used.
export function activate(context: vscode.ExtensionContext): void {
  registerCommands(context);
}

export function deactivate(): void {}
