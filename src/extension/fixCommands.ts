// The one place a fix (core/fixActions.ts) becomes the command it runs and gets its label: the Run-as-User
// panel's fix buttons and the buttons of a "needs something first" notification both go through here. No
// runtime `vscode` import: the host and the unit tests use it in plain Node.
import type { FixAction, FixActionId } from '../core/fixActions';
import type { FixButton } from '../core/runAsUserProtocol/messages';
import { COMMANDS, type CommandName } from './commands/registry';
import { parseQualifiedName } from '../core/sql/quote';

/** The extension's command behind each fix (its title is the fix's label): the one table of fix → command. */
export const FIX_COMMAND_NAMES: Readonly<Record<Exclude<FixActionId, 'openSettings'>, CommandName>> = {
  scaffoldGrants: 'scaffoldGrants',
  installPgSessionJwt: 'installPgSessionJwt',
  addProvider: 'addProvider',
  scaffoldPolicies: 'scaffoldPolicies',
  enableRls: 'enableRls',
  chooseConnection: 'selectConnection',
  openPlayground: 'startPlayground',
  connectNeonAccount: 'connectNeonAccount',
};

/** VS Code's settings editor, filtered to this extension's settings. */
const OPEN_SETTINGS = { command: 'workbench.action.openSettings', args: ['@ext:neon-authorize-workbench.neon-authorize-workbench'], title: 'Open Settings' };

/** A fix's label: the title of the command it runs, so a fix reads the same in the panel, in a notification
 *  and in the command palette. */
export function fixLabel(action: FixActionId): string {
  return action === 'openSettings' ? OPEN_SETTINGS.title : COMMANDS[FIX_COMMAND_NAMES[action]].title;
}

/** A fix as the panel shows it: with its label. */
export function fixButton(fix: FixAction): FixButton {
  return { label: fixLabel(fix.action), ...fix };
}

export interface FixCommand {
  command: string;
  args: unknown[];
  /** One of this extension's commands (a setup step that asks its own questions), not VS Code's. */
  own: boolean;
}

/** The command a fix runs, with its arguments: the table fixes get the table they name as the Authorize
 *  view's table nodes carry it; the other commands choose their own. */
export function commandForFix(fix: FixAction): FixCommand {
  if (fix.action === 'openSettings') return { command: OPEN_SETTINGS.command, args: OPEN_SETTINGS.args, own: false };
  const table = (fix.action === 'scaffoldPolicies' || fix.action === 'enableRls') && fix.target ? parseQualifiedName(fix.target) : undefined;
  return {
    command: COMMANDS[FIX_COMMAND_NAMES[fix.action]].id,
    args: table ? [{ kind: 'table', schema: table.schema, name: table.name }] : [],
    own: true,
  };
}

/**
 * Shows a message with one button per fix (`show` gets the labels) and runs the command of the one the user
 * picks through `run`; nothing runs when the message is dismissed.
 */
export async function offerFixes(
  fixes: readonly FixAction[],
  show: (...labels: string[]) => PromiseLike<string | undefined>,
  run: (command: string, ...args: unknown[]) => PromiseLike<unknown>,
): Promise<void> {
  const choice = await show(...fixes.map((f) => fixLabel(f.action)));
  const picked = fixes.find((f) => fixLabel(f.action) === choice);
  if (!picked) return;
  const { command, args } = commandForFix(picked);
  await run(command, ...args);
}
