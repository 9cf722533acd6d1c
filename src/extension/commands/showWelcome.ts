import * as vscode from 'vscode';

/** The message `Neon Authorize: Show Welcome` shows; the UI test looks for it. */
export const welcomeMessage =
  'Neon Authorize Workbench is ready: debug Row-Level Security as your users see it (pg_session_jwt, auth.user_id()).';

export function showWelcome(): void {
  // Not awaited: the command finishes at once instead of waiting for the notification to be closed.
  void vscode.window.showInformationMessage(welcomeMessage);
}
