/**
 * "It needs something first": a command that cannot go on (no connection, no pg_session_jwt, no
 * provider, no Neon account…) says so plainly in a warning with a button that does the missing step.
 */
import * as vscode from 'vscode';
import { NeonAccountRequiredError } from '../connections/neonAccount';
import { ConnectionFailedError } from '../../core/connections/database';

export interface FixAction {
  readonly title: string;
  readonly command: string;
  readonly args?: unknown[];
}

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

export const FIX = {
  selectConnection: { title: 'Select Connection', command: 'neonAuthorize.selectConnection' },
  startPlayground: { title: 'Start Playground', command: 'neonAuthorize.startPlayground' },
  connectNeon: { title: 'Connect Neon Account', command: 'neonAuthorize.connectNeonAccount' },
  installPgSessionJwt: { title: 'Install pg_session_jwt', command: 'neonAuthorize.installPgSessionJwt' },
  addProvider: { title: 'Add Authentication Provider', command: 'neonAuthorize.addProvider' },
  scaffoldGrants: { title: 'Scaffold Grants', command: 'neonAuthorize.scaffoldGrants' },
} as const satisfies Record<string, FixAction>;

/** Shows the warning with its buttons; not awaited, so the command ends at once. */
export function showNeedsFirst(error: NeedsFirstError): void {
  const titles = error.actions.map((a) => a.title);
  const shown =
    error.severity === 'error' ? vscode.window.showErrorMessage(error.message, ...titles) : vscode.window.showWarningMessage(error.message, ...titles);
  void shown.then((choice) => {
    const action = error.actions.find((a) => a.title === choice);
    if (action) void vscode.commands.executeCommand(action.command, ...(action.args ?? []));
  });
}

/** The connection failure behind an error (introspection wraps it as its `cause`). */
export function findConnectionFailure(error: unknown): ConnectionFailedError | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ConnectionFailedError) return e;
  }
  return undefined;
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
        showNeedsFirst(new NeedsFirstError(error.message, [FIX.connectNeon]));
        return undefined;
      }
      const connectionFailure = findConnectionFailure(error);
      if (connectionFailure) {
        output.appendLine(`[connection] ${connectionFailure.message} (${connectionFailure.problem.detail})`);
        showNeedsFirst(new NeedsFirstError(connectionFailure.message, [FIX.selectConnection], 'error'));
        return undefined;
      }
      output.appendLine(`[error] ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
  };
}
