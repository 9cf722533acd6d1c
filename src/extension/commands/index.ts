import * as vscode from 'vscode';
import { COMMANDS, type CommandId } from './registry';
import { showWelcome } from './showWelcome';

/**
 * Registers a command with the one error policy of the extension: a failing command shows its
 * message (what went wrong, what to do) instead of an unexplained failure or a stack trace.
 * Ids come from the registry (registry.ts), which package.json `contributes.commands` mirrors;
 * test/extension/activation.test.ts checks each declared one is registered.
 */
export function registerCommand(
  context: Pick<vscode.ExtensionContext, 'subscriptions'>,
  id: CommandId,
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

/** Runs one of the extension's own commands; the id type rejects a command the registry does not have. */
export function executeCommand<T = unknown>(id: CommandId, ...args: unknown[]): Thenable<T | undefined> {
  return vscode.commands.executeCommand<T | undefined>(id, ...args);
}

export function registerCommands(context: vscode.ExtensionContext): void {
  registerCommand(context, COMMANDS.showWelcome.id, showWelcome);
}
