import * as vscode from 'vscode';
import { showWelcome } from './showWelcome';

/**
 * Registers a command with the one error policy of the extension: a failing command shows its
 * message (what went wrong, what to do) instead of an unexplained failure or a stack trace.
 * Every command is also declared in package.json `contributes.commands` (category "Neon
 * Authorize"); test/extension/activation.test.ts checks each declared one is registered.
 */
export function registerCommand(
  context: Pick<vscode.ExtensionContext, 'subscriptions'>,
  id: string,
  handler: (...args: any[]) => unknown,
): void {
  context.subscriptions.push(vscode.commands.registerCommand(id, (...args: any[]) => runReportingErrors(handler, args)));
}

async function runReportingErrors(handler: (...args: any[]) => unknown, args: any[]): Promise<unknown> {
  try {
    return await handler(...args);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(message);
    return undefined;
  }
}

export function registerCommands(context: vscode.ExtensionContext): void {
  registerCommand(context, 'neonAuthorize.showWelcome', showWelcome);
}
