/**
 * "It needs something first": a command that cannot go on (no connection, no pg_session_jwt, no
 * provider, no Neon account…) says so plainly in a warning with a button that does the missing step.
 */
import * as vscode from 'vscode';
import { findConnectionFailure } from '../../core/connections/database';
import { fixAction, type FixAction } from '../../core/fixActions';
import { NeonAccountRequiredError } from '../connections/neonAccount';
import { offerFixes } from '../fixCommands';

export class NeedsFirstError extends Error {
  override readonly name = 'NeedsFirstError';
  constructor(
    message: string,
    readonly actions: readonly FixAction[],
    /** A failure (the connection broke) is an error; a missing step is a warning. */
    readonly severity: 'warning' | 'error' = 'warning',
  ) {
    super(message);
  }
}

/** Shows a notification with a button per fix, and runs the one the user picks; not awaited, so the
 *  command that shows it ends at once. */
export function showFixes(message: string, fixes: readonly FixAction[], severity: 'warning' | 'error' = 'warning'): void {
  const show = (...labels: string[]) => (severity === 'error' ? vscode.window.showErrorMessage(message, ...labels) : vscode.window.showWarningMessage(message, ...labels));
  void offerFixes(fixes, show, (command, ...args) => vscode.commands.executeCommand(command, ...args));
}

export function showNeedsFirst(error: NeedsFirstError): void {
  showFixes(error.message, error.actions, error.severity);
}

/**
 * Wraps a command handler: prerequisites become a warning with buttons; a connection failure keeps its
 * explanation and offers Select Connection. Other errors go on to registerCommand's error policy.
 */
export function withPrerequisites<A extends unknown[], R>(
  output: Pick<vscode.OutputChannel, 'appendLine'>,
  handler: (...args: A) => Promise<R>,
): (...args: A) => Promise<R | undefined> {
  return async (...args: A) => {
    try {
      return await handler(...args);
    } catch (error) {
      if (error instanceof NeedsFirstError) {
        output.appendLine(`[needs first] ${error.message}`);
        showNeedsFirst(error);
        return undefined;
      }
      if (error instanceof NeonAccountRequiredError) {
        showNeedsFirst(new NeedsFirstError(error.message, [fixAction('connectNeonAccount')]));
        return undefined;
      }
      const connectionFailure = findConnectionFailure(error);
      if (connectionFailure) {
        output.appendLine(`[connection] ${connectionFailure.message} (${connectionFailure.problem.detail})`);
        showNeedsFirst(new NeedsFirstError(connectionFailure.message, [fixAction('chooseConnection')], 'error'));
        return undefined;
      }
      output.appendLine(`[error] ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
  };
}
