/**
 * Every command of the extension, by name: its id, the title the palette shows (after the
 * "Neon Authorize" category) and its codicon. package.json `contributes.commands` declares the same
 * entries; test/unit/extension-commands.test.ts checks the two agree. No `vscode` import: the view
 * model and the unit tests read it in plain Node.
 */

export const COMMAND_CATEGORY = 'Neon Authorize';

export interface CommandEntry {
  readonly id: string;
  readonly title: string;
  /** `$(codicon)` shown where the command is a button (view title, inline actions). */
  readonly icon?: string;
  /** Registered but not declared in package.json, so the palette never lists it (it needs an argument). */
  readonly internal?: true;
}

export const COMMANDS = {
  showWelcome: { id: 'neonAuthorize.showWelcome', title: 'Show Welcome' },
  runAsUser: { id: 'neonAuthorize.runAsUser', title: 'Run as User', icon: '$(shield)' },
  runSelectionAsUser: { id: 'neonAuthorize.runSelectionAsUser', title: 'Run Selection as User', icon: '$(run)' },
  runTableAsUser: { id: 'neonAuthorize.runTableAsUser', title: 'Run Table as User', icon: '$(table)' },
  selectConnection: { id: 'neonAuthorize.selectConnection', title: 'Select Connection', icon: '$(plug)' },
  startPlayground: { id: 'neonAuthorize.startPlayground', title: 'Start Playground', icon: '$(beaker)' },
  connectNeonAccount: { id: 'neonAuthorize.connectNeonAccount', title: 'Connect Neon Account', icon: '$(cloud)' },
  signOutNeon: { id: 'neonAuthorize.signOutNeon', title: 'Sign Out of Neon' },
  addProvider: { id: 'neonAuthorize.addProvider', title: 'Add Authentication Provider', icon: '$(add)' },
  listProviders: { id: 'neonAuthorize.listProviders', title: 'List Authentication Providers', icon: '$(list-flat)' },
  removeProvider: { id: 'neonAuthorize.removeProvider', title: 'Remove Authentication Provider', icon: '$(trash)' },
  installPgSessionJwt: { id: 'neonAuthorize.installPgSessionJwt', title: 'Install pg_session_jwt', icon: '$(extensions)' },
  scaffoldGrants: { id: 'neonAuthorize.scaffoldGrants', title: 'Scaffold Grants', icon: '$(key)' },
  scaffoldPolicies: { id: 'neonAuthorize.scaffoldPolicies', title: 'Scaffold Policies', icon: '$(shield)' },
  runSqlOnOwner: { id: 'neonAuthorize.runSqlOnOwner', title: 'Run SQL on Owner', icon: '$(run)' },
  enableRls: { id: 'neonAuthorize.enableRls', title: 'Enable Row-Level Security', icon: '$(lock)' },
  refresh: { id: 'neonAuthorize.refresh', title: 'Refresh', icon: '$(refresh)' },
  lint: { id: 'neonAuthorize.lint', title: 'Run RLS Advisor', icon: '$(checklist)' },
  /** The RLS Advisor's Quick Fix: opens the fix SQL of the finding whose id it is given. */
  openAdvisorFix: { id: 'neonAuthorize.advisor.openFix', title: 'Open fix SQL', internal: true },
} as const satisfies Record<string, CommandEntry>;

export type CommandName = keyof typeof COMMANDS;
export type CommandId = (typeof COMMANDS)[CommandName]['id'];
