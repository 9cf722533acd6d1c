import * as vscode from 'vscode';
import { showWelcome } from './showWelcome';

/**
 * Every command the extension contributes, by id. To add one: write its handler in this folder, add it
 * here and declare it (id, title, category) in package.json `contributes.commands`; the activation test
 * then checks it is registered.
 */
export const commandHandlers: Record<string, (...args: any[]) => unknown> = {
  'neonAuthorize.showWelcome': showWelcome,
};

export function registerCommands(context: vscode.ExtensionContext): void {
  for (const [id, handler] of Object.entries(commandHandlers)) {
    context.subscriptions.push(vscode.commands.registerCommand(id, (...args: any[]) => runReportingErrors(id, handler, args)));
  }
}

/** A failing command shows its message to the user instead of an unexplained failure. */
async function runReportingErrors(id: string, handler: (...args: any[]) => unknown, args: any[]): Promise<unknown> {
  try {
    return await handler(...args);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(`${id} failed: ${message}`);
    return undefined;
  }
}
