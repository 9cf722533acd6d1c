/**
 * The connection commands: Select Connection, Start Playground, Connect Neon Account, Sign Out of Neon.
 * Each takes an argument object so the view and tests can run it without prompts; without one it asks.
 */
import * as vscode from 'vscode';
import { describeConnection, isConnectionUrl, maskConnectionUrl } from '../../core/connections';
import type { NeonApi } from '../../core/neonApi';
import { executeCommand, registerCommand } from '../commands';
import { COMMANDS, type CommandId } from '../commands/registry';
import type { WorkbenchConnectionService } from './connectionService';
import { envPickItems } from './envConnections';
import type { ConnectionChoice, NeonChoice } from './savedChoice';
import type { ActiveConnection } from './types';
import { workspaceRoot } from './workspaceEnv';

/** What the connection commands use of the connection layer. */
export type CommandConnections = Pick<
  WorkbenchConnectionService,
  'select' | 'startPlayground' | 'disconnect' | 'peek' | 'discoverEnv' | 'runningPlayground' | 'neonAccount'
>;

/** Wraps a handler in an error policy that may answer a failure itself (and then returns undefined). */
export type HandlerGuard = <A extends unknown[], R>(handler: (...args: A) => Promise<R>) => (...args: A) => Promise<R | undefined>;

/**
 * Registers Select Connection, Start Playground, Connect Neon Account and Sign Out of Neon, each
 * wrapped in `guard` (the setup commands' policy: a missing step becomes a warning with a button).
 */
export function registerConnectionCommands(
  context: Pick<vscode.ExtensionContext, 'subscriptions'>,
  connections: CommandConnections,
  guard: HandlerGuard,
): void {
  const register = <A extends unknown[], R>(id: CommandId, handler: (...args: A) => Promise<R>) => registerCommand(context, id, guard(handler));
  register(COMMANDS.selectConnection.id, (args?: SelectArgs) => selectConnection(connections, args));
  register(COMMANDS.startPlayground.id, () => startPlayground(connections));
  register(COMMANDS.connectNeonAccount.id, (args?: Parameters<typeof connectNeonAccount>[1]) => connectNeonAccount(connections, args ?? {}));
  register(COMMANDS.signOutNeon.id, () => signOutNeon(connections));
}

/** What the connection commands return: the connection as it may be shown (no secrets). */
export interface ConnectionSummary {
  kind: ActiveConnection['kind'];
  label: string;
  ownerUrl: string;
  authenticatedUrl?: string;
  anonymousUrl?: string;
  neon?: ActiveConnection['neon'];
}

export function summarize(connection: ActiveConnection): ConnectionSummary {
  return {
    kind: connection.kind,
    label: connection.label,
    ownerUrl: maskConnectionUrl(connection.ownerUrl),
    ...(connection.authenticatedUrl ? { authenticatedUrl: maskConnectionUrl(connection.authenticatedUrl) } : {}),
    ...(connection.anonymousUrl ? { anonymousUrl: maskConnectionUrl(connection.anonymousUrl) } : {}),
    ...(connection.neon ? { neon: connection.neon } : {}),
  };
}

function validateUrl(value: string, required: boolean): string | undefined {
  const text = value.trim();
  if (text === '') return required ? 'Paste a postgres:// connection URL.' : undefined;
  if (!isConnectionUrl(text)) return 'Not a Postgres URL: it starts with postgres:// or postgresql://, e.g. postgresql://role:password@host/database?sslmode=require';
  return undefined;
}

async function askManualUrls(): Promise<ConnectionChoice | undefined> {
  const ownerUrl = await vscode.window.showInputBox({
    title: 'Owner connection URL (DATABASE_URL)',
    prompt: 'The owner role\'s URL: scaffolds and the view use it. The password goes to VS Code\'s secret storage, never to settings.',
    placeHolder: 'postgresql://neondb_owner:…@ep-….neon.tech/neondb?sslmode=require',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => validateUrl(v, true),
  });
  if (!ownerUrl) return undefined;
  const authenticatedUrl = await vscode.window.showInputBox({
    title: 'Authenticated role URL (DATABASE_AUTHENTICATED_URL), optional',
    prompt: 'The URL for role "authenticated" (what your app uses with a JWT). Leave empty if you do not have it yet.',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => validateUrl(v, false),
  });
  if (authenticatedUrl === undefined) return undefined;
  return { kind: 'manual', ownerUrl: ownerUrl.trim(), ...(authenticatedUrl.trim() ? { authenticatedUrl: authenticatedUrl.trim() } : {}) };
}

type SelectArgs = ConnectionChoice | { kind: 'env'; directory?: string };

export async function selectConnection(connections: CommandConnections, args?: SelectArgs): Promise<ConnectionSummary | undefined> {
  let choice: ConnectionChoice | undefined;
  if (args && typeof args === 'object' && 'kind' in args) {
    if (args.kind === 'env' && !args.directory) {
      choice = await pickEnvDirectory(connections);
      if (!choice) return undefined;
    } else {
      choice = args as ConnectionChoice;
    }
  } else {
    choice = await pickConnection(connections);
  }
  if (!choice) return undefined;
  if (choice.kind === 'neon' && !(await connections.neonAccount.hasApiKey())) {
    return connectNeonAccount(connections, choice);
  }
  return connectWithProgress(connections, choice, `Connecting (${describeChoice(choice)}) …`);
}

/** Connects to `choice` under a progress notification, then says what it is connected to. */
async function connectWithProgress(connections: Pick<CommandConnections, 'select'>, choice: ConnectionChoice, title: string): Promise<ConnectionSummary> {
  const connection = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, () => connections.select(choice));
  void vscode.window.showInformationMessage(`Neon Authorize: connected to ${connection.label}.`);
  return summarize(connection);
}

function describeChoice(choice: ConnectionChoice): string {
  switch (choice.kind) {
    case 'playground':
      return 'playground';
    case 'env':
      return `.env in ${vscode.workspace.asRelativePath(choice.directory)}`;
    case 'manual':
      return describeConnection(choice.ownerUrl).label;
    case 'neon':
      return `Neon project ${choice.projectName ?? choice.projectId}`;
  }
}

/** One picker item per workspace folder whose .env files have an owner URL, and what was found. */
async function envItems(connections: Pick<CommandConnections, 'discoverEnv'>) {
  const { discovery } = await connections.discoverEnv();
  return { discovery, items: envPickItems(discovery, workspaceRoot()) };
}

async function pickEnvDirectory(connections: Pick<CommandConnections, 'discoverEnv'>): Promise<ConnectionChoice | undefined> {
  const { discovery, items } = await envItems(connections);
  if (items.length === 0) {
    const problems = discovery.warnings.map((w) => w.message).join(' ');
    throw new Error(
      `No .env file in this workspace has a DATABASE_URL${problems ? ` (${problems})` : ''}. Add DATABASE_URL (and DATABASE_AUTHENTICATED_URL) to .env, or choose another kind of connection.`,
    );
  }
  if (items.length === 1) return { kind: 'env', directory: items[0]!.directory };
  const picked = await vscode.window.showQuickPick(items, { title: 'Which folder\'s .env files?', matchOnDetail: true });
  return picked ? { kind: 'env', directory: picked.directory } : undefined;
}

async function pickConnection(connections: CommandConnections): Promise<ConnectionChoice | undefined> {
  const { items: env } = await envItems(connections);
  type Item = vscode.QuickPickItem & { choice?: () => Promise<ConnectionChoice | undefined> };
  const items: Item[] = [
    {
      label: '$(beaker) Playground',
      description: connections.runningPlayground() ? 'running' : 'embedded Postgres, offline',
      detail: 'An embedded database with pg_session_jwt and a local Neon-compatible endpoint, kept in this workspace\'s storage.',
      choice: async () => ({ kind: 'playground' }),
    },
  ];
  if (env.length) items.push({ label: 'Workspace .env files', kind: vscode.QuickPickItemKind.Separator });
  for (const e of env) items.push({ ...e, choice: async () => ({ kind: 'env', directory: e.directory }) });
  items.push(
    { label: 'Other', kind: vscode.QuickPickItemKind.Separator },
    {
      label: '$(link) Enter connection URLs…',
      detail: 'Paste the owner URL (and the authenticated one); passwords are kept in VS Code\'s secret storage.',
      choice: askManualUrls,
    },
    {
      label: '$(cloud) Neon account…',
      description: (await connections.neonAccount.hasApiKey()) ? 'signed in' : 'API key',
      detail: 'Pick organization → project → branch → database with your Neon API key.',
      choice: async () => {
        await executeCommand(COMMANDS.connectNeonAccount.id);
        return undefined;
      },
    },
  );
  const picked = await vscode.window.showQuickPick(items, { title: 'Neon Authorize: Select Connection', matchOnDetail: true });
  return picked?.choice ? picked.choice() : undefined;
}

export async function startPlayground(connections: Pick<CommandConnections, 'startPlayground'>): Promise<ConnectionSummary> {
  const connection = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Starting the playground (embedded Postgres) …' },
    () => connections.startPlayground(),
  );
  void vscode.window.showInformationMessage(
    `Neon Authorize: the playground is running (${connection.label}). Next: Install pg_session_jwt, then scaffold grants and policies.`,
  );
  return summarize(connection);
}

export interface ConnectNeonArgs {
  /** Used for this call and stored in SecretStorage once the API accepts it. */
  apiKey?: string;
  organizationId?: string;
  projectId?: string;
  branchId?: string;
  databaseName?: string;
  roleName?: string;
}

async function pick<T>(items: T[], title: string, toItem: (t: T) => vscode.QuickPickItem, preset?: (t: T) => boolean): Promise<T | undefined> {
  if (preset) {
    const found = items.find(preset);
    if (!found) return undefined;
    return found;
  }
  if (items.length === 1) return items[0];
  const picked = await vscode.window.showQuickPick(
    items.map((t) => ({ ...toItem(t), value: t })),
    { title, matchOnDescription: true, matchOnDetail: true, ignoreFocusOut: true },
  );
  return picked?.value;
}

/** Asks for (or takes) the API key, checks it, stores it, then org → project → branch → database. */
export async function connectNeonAccount(
  connections: Pick<CommandConnections, 'select' | 'neonAccount'>,
  args: ConnectNeonArgs | NeonChoice = {},
): Promise<ConnectionSummary | undefined> {
  const account = connections.neonAccount;
  let apiKey = 'apiKey' in args ? args.apiKey : undefined;
  if (!apiKey && !(await account.hasApiKey())) {
    apiKey = await vscode.window.showInputBox({
      title: 'Neon API key',
      prompt: 'Create one in the Neon Console (Account settings → API keys). It is kept in VS Code\'s secret storage, never in settings.',
      placeHolder: 'napi_…',
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === '' ? 'Paste the API key.' : /\s/.test(v.trim()) ? 'An API key has no spaces.' : undefined),
    });
    if (!apiKey) return undefined;
  }
  const api = await account.api(apiKey);
  const choice = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Neon: reading your account …' },
    () => chooseNeonDatabase(api, args),
  );
  // The key worked (the API answered): keep it.
  if (apiKey) await account.storeApiKey(apiKey);
  if (!choice) return undefined;
  return connectWithProgress(connections, choice, `Connecting to ${choice.projectName ?? choice.projectId} …`);
}

async function chooseNeonDatabase(api: NeonApi, args: ConnectNeonArgs): Promise<NeonChoice | undefined> {
  // Checks the key too: a refused key fails here with the API's explanation.
  const organizations = await api.listOrganizations();
  let orgId: string | undefined = args.organizationId;
  if (!orgId && !args.projectId && organizations.length > 0) {
    const org = await pick(organizations, 'Neon organization', (o) => ({ label: o.name, description: o.id }));
    if (!org) return undefined;
    orgId = org.id;
  }
  let project: Awaited<ReturnType<NeonApi['listProjects']>>[number] | undefined;
  if (args.projectId) {
    // A key whose user belongs to organizations lists projects per organization: look in each, then
    // among the user's own projects.
    const scopes: (string | undefined)[] = orgId ? [orgId] : [...organizations.map((o) => o.id), undefined];
    for (const scope of scopes) {
      project = (await api.listProjects(scope ? { org_id: scope } : {})).find((p) => p.id === args.projectId);
      if (project) break;
    }
    if (!project) throw new Error(`Project "${args.projectId}" is not in this Neon account${orgId ? ` (organization ${orgId})` : ''}. Check the project ID in the Neon Console (Settings → General).`);
  } else {
    const projects = await api.listProjects(orgId ? { org_id: orgId } : {});
    if (projects.length === 0) {
      throw new Error(`No Neon project${orgId ? ` in organization ${orgId}` : ''}. Create one in the Neon Console, then connect again.`);
    }
    project = await pick(projects, 'Neon project', (p) => ({ label: p.name, description: p.id, detail: p.region_id }));
    if (!project) return undefined;
  }
  const branches = await api.listBranches(project.id);
  const ordered = [...branches].sort((a, b) => Number(b.default) - Number(a.default));
  const branch = await pick(ordered, `Branch of ${project.name}`, (b) => ({ label: b.name, description: b.default ? 'default' : b.id }), args.branchId ? (b) => b.id === args.branchId : undefined);
  if (!branch) {
    if (args.branchId) throw new Error(`Branch "${args.branchId}" is not in project ${project.name}.`);
    return undefined;
  }
  const databases = await api.listDatabases(project.id, branch.id);
  if (databases.length === 0) throw new Error(`Branch ${branch.name} of ${project.name} has no database. Create one in the Neon Console.`);
  const database = await pick(databases, `Database on ${branch.name}`, (d) => ({ label: d.name, description: `owner ${d.owner_name}` }), args.databaseName ? (d) => d.name === args.databaseName : undefined);
  if (!database) {
    if (args.databaseName) throw new Error(`Database "${args.databaseName}" is not on branch ${branch.name} of ${project.name}.`);
    return undefined;
  }
  return {
    kind: 'neon',
    projectId: project.id,
    projectName: project.name,
    branchId: branch.id,
    branchName: branch.name,
    databaseName: database.name,
    roleName: args.roleName ?? database.owner_name,
  };
}

export async function signOutNeon(connections: Pick<CommandConnections, 'neonAccount' | 'peek' | 'disconnect'>): Promise<boolean> {
  const had = await connections.neonAccount.signOut();
  if (connections.peek()?.kind === 'neon') await connections.disconnect();
  void vscode.window.showInformationMessage(
    had ? 'Neon Authorize: signed out of Neon (the API key was removed from secret storage).' : 'Neon Authorize: no Neon account was connected.',
  );
  return had;
}
