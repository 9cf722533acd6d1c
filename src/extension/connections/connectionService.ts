import * as vscode from 'vscode';
import type { JwksProviderRegistration } from '../../core/jwt/types';
import type { EnvDiscovery, EnvFile, EnvMode } from '../../core/connections';
import { assertNoSecretsInSettings, describeConnection, joinConnectionSecret, splitConnectionSecret } from '../../core/connections';
import type { NeonApi } from '../../core/neonApi';
import type { Playground } from '../../playground/playground';
import { openDatabase, type OwnerDatabase } from '../../core/connections/database';
import { discoverEnv, envConnectionSet } from './envConnections';
import { NeonAccount } from './neonAccount';
import type { ActiveConnection, ConnectionService } from './types';

/** What the user chose; persisted in the workspace state without any secret. */
export type ConnectionChoice =
  | { kind: 'playground' }
  /** `directory`: absolute path of the folder holding the .env files. */
  | { kind: 'env'; directory: string }
  | { kind: 'manual'; ownerUrl: string; authenticatedUrl?: string; anonymousUrl?: string }
  | {
      kind: 'neon';
      projectId: string;
      branchId: string;
      databaseName: string;
      /** Default: the database's owner. */
      roleName?: string;
      projectName?: string;
      branchName?: string;
    };

export interface ProviderInput {
  jwksUrl: string;
  providerName: string;
  audience?: string;
}

/** Where providers are registered for a connection: the playground, or the Neon project. */
export interface ProviderRegistry {
  /** e.g. "the playground" or "Neon project acme-app (shiny-wind-028834)". */
  readonly where: string;
  list(): Promise<JwksProviderRegistration[]>;
  add(input: ProviderInput): Promise<JwksProviderRegistration>;
  remove(id: string): Promise<boolean>;
}

/** The ConnectionService contract plus what the setup commands and the Authorize view need. */
export interface WorkbenchConnectionService extends ConnectionService, vscode.Disposable {
  /** Connects to the choice, makes it the active connection and remembers it for this workspace. */
  select(choice: ConnectionChoice): Promise<ActiveConnection>;
  /** Starts (or reuses) the in-process playground and makes it the active connection. */
  startPlayground(): Promise<ActiveConnection>;
  /** Forgets the active connection (the playground keeps running until the extension stops). */
  disconnect(): Promise<void>;
  /** The owner connection of the active connection (started on first use). */
  owner(): Promise<{ connection: ActiveConnection; database: OwnerDatabase }>;
  /** Where this connection's providers are registered, or undefined (a plain Postgres URL). */
  registry(connection: ActiveConnection): ProviderRegistry | undefined;
  /** The `.env` connections of the workspace's folders. */
  discoverEnv(): Promise<{ discovery: EnvDiscovery; files: EnvFile[] }>;
  readonly neonAccount: NeonAccount;
  /** A connection was chosen earlier in this workspace (restored by current()). */
  hasSavedChoice(): boolean;
  /** The running in-process playground, if started. */
  runningPlayground(): Playground | undefined;
  /** Lines for the "Neon Authorize" output channel (never secrets). */
  readonly output: vscode.OutputChannel;
}

const CHOICE_KEY = 'neonAuthorize.connection';
const MANUAL_SECRET_PREFIX = 'neonAuthorize.password:';
const APP_ROLE_NAMES = ['authenticated', 'anonymous'];

function toRegistration(j: { id: string; provider_name: string; jwks_url: string; jwt_audience?: string; role_names?: string[] }): JwksProviderRegistration {
  return {
    id: j.id,
    providerName: j.provider_name,
    jwksUrl: j.jwks_url,
    ...(j.jwt_audience ? { audience: j.jwt_audience } : {}),
    roleNames: j.role_names ?? [],
  };
}

/**
 * The active connection. The playground (the default) starts in-process on first use, with its data
 * in the workspace storage; the playground module is imported only then, so activation loads no WASM.
 */
export function createConnectionService(context: vscode.ExtensionContext): WorkbenchConnectionService {
  const changed = new vscode.EventEmitter<ActiveConnection | undefined>();
  const output = vscode.window.createOutputChannel('Neon Authorize');
  const neonAccount = new NeonAccount(context.secrets, (line) => output.appendLine(`[neon api] ${line}`));
  let active: ActiveConnection | undefined;
  let pending: Promise<ActiveConnection> | undefined;
  let playground: Playground | undefined;
  let playgroundStarting: Promise<Playground> | undefined;
  let ownerDb: { connection: ActiveConnection; database: OwnerDatabase } | undefined;
  /** Generation counter: a slow connect that lost to a newer choice must not become active. */
  let generation = 0;

  async function ensurePlayground(): Promise<Playground> {
    if (playground) return playground;
    playgroundStarting ??= (async () => {
      const { startPlayground } = await import('../../playground/playground');
      // Its own data folder: a second PGlite on a folder `naw serve` uses would corrupt it (no locking).
      const dataDir = vscode.Uri.joinPath(context.storageUri ?? context.globalStorageUri, 'playground').fsPath;
      output.appendLine(`Starting the playground (data in ${dataDir}) ...`);
      const started = await startPlayground({ dataDir, port: 0 });
      output.appendLine(`Playground running on 127.0.0.1:${started.port}`);
      playground = started;
      await pointEnvFilesAtPlayground(started, (line) => output.appendLine(line));
      return started;
    })().catch((err) => {
      playgroundStarting = undefined;
      throw err;
    });
    return playgroundStarting;
  }

  function playgroundConnection(p: Playground): ActiveConnection {
    return {
      kind: 'playground',
      label: `Playground (127.0.0.1:${p.port})`,
      ownerUrl: p.ownerUrl,
      authenticatedUrl: p.authenticatedUrl,
      anonymousUrl: p.anonymousUrl,
      fetchEndpoint: p.fetchEndpoint,
      playground: p,
    };
  }

  /** The in-process playground serves this URL (same host and port): queries go to its endpoint. */
  function servedByPlayground(url: string): Playground | undefined {
    if (!playground) return undefined;
    try {
      const a = describeConnection(url);
      const b = describeConnection(playground.ownerUrl);
      return a.isLocal && a.port === b.port ? playground : undefined;
    } catch {
      return undefined;
    }
  }

  async function readEnvFiles(): Promise<EnvFile[]> {
    const uris = await vscode.workspace.findFiles('**/.env*', '**/node_modules/**', 500);
    const files: EnvFile[] = [];
    for (const uri of uris) {
      try {
        files.push({ path: uri.fsPath, text: new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)) });
      } catch {
        // A file that vanished or cannot be read is simply not a candidate.
      }
    }
    return files;
  }

  function envMode(): EnvMode {
    const mode = vscode.workspace.getConfiguration('neonAuthorize').get<string>('envMode');
    return mode === 'production' || mode === 'test' ? mode : 'development';
  }

  function workspaceRoot(): string | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  async function manualSecretKey(urlWithoutPassword: string): Promise<string> {
    return `${MANUAL_SECRET_PREFIX}${urlWithoutPassword}`;
  }

  /** Moves a URL's password to SecretStorage; returns the URL without it (safe to persist). */
  async function storeManualUrl(url: string): Promise<string> {
    const { url: bare, password } = splitConnectionSecret(url.trim());
    if (password) await context.secrets.store(await manualSecretKey(bare), password);
    return bare;
  }

  async function restoreManualUrl(bare: string): Promise<string> {
    const password = await context.secrets.get(await manualSecretKey(bare));
    return joinConnectionSecret(bare, password);
  }

  async function neonConnection(choice: Extract<ConnectionChoice, { kind: 'neon' }>, api: NeonApi): Promise<ActiveConnection> {
    let roleName = choice.roleName;
    if (!roleName) {
      const databases = await api.listDatabases(choice.projectId, choice.branchId);
      const database = databases.find((d) => d.name === choice.databaseName);
      if (!database) {
        throw new Error(
          `Database "${choice.databaseName}" does not exist on branch ${choice.branchName ?? choice.branchId} of project ${choice.projectName ?? choice.projectId}. Run "Neon Authorize: Connect Neon Account" and pick the database again.`,
        );
      }
      roleName = database.owner_name;
    }
    const uri = (role: string) => api.getConnectionUri({ projectId: choice.projectId, branchId: choice.branchId, databaseName: choice.databaseName, roleName: role });
    const ownerUrl = await uri(roleName);
    // The authenticated/anonymous roles exist once pg_session_jwt is installed (or Neon's setup created them).
    const roles = new Set((await api.listRoles(choice.projectId, choice.branchId)).map((r) => r.name));
    const authenticatedUrl = roles.has('authenticated') ? await uri('authenticated') : undefined;
    const anonymousUrl = roles.has('anonymous') ? await uri('anonymous') : undefined;
    const place = [choice.projectName ?? choice.projectId, choice.branchName ?? choice.branchId, choice.databaseName].join(' / ');
    return {
      kind: 'neon',
      label: `Neon: ${place}`,
      ownerUrl,
      authenticatedUrl,
      anonymousUrl,
      neon: { projectId: choice.projectId, branchId: choice.branchId, databaseName: choice.databaseName },
    };
  }

  async function connect(choice: ConnectionChoice): Promise<ActiveConnection> {
    switch (choice.kind) {
      case 'playground':
        return playgroundConnection(await ensurePlayground());
      case 'env': {
        const files = await readEnvFiles();
        const set = envConnectionSet(discoverEnv(files, envMode()), files, choice.directory, workspaceRoot());
        for (const warning of set.warnings) output.appendLine(`[.env] ${warning}`);
        const served = servedByPlayground(set.ownerUrl);
        return {
          kind: 'env',
          label: set.label,
          ownerUrl: set.ownerUrl,
          authenticatedUrl: set.authenticatedUrl,
          anonymousUrl: set.anonymousUrl,
          fetchEndpoint: set.fetchEndpoint ?? served?.fetchEndpoint,
          ...(served ? { playground: served } : {}),
        };
      }
      case 'manual': {
        const ownerUrl = await restoreManualUrl(choice.ownerUrl);
        const authenticatedUrl = choice.authenticatedUrl ? await restoreManualUrl(choice.authenticatedUrl) : undefined;
        const anonymousUrl = choice.anonymousUrl ? await restoreManualUrl(choice.anonymousUrl) : undefined;
        const served = servedByPlayground(ownerUrl);
        return {
          kind: 'manual',
          label: describeConnection(ownerUrl).label,
          ownerUrl,
          authenticatedUrl,
          anonymousUrl,
          ...(served ? { fetchEndpoint: served.fetchEndpoint, playground: served } : {}),
        };
      }
      case 'neon':
        return neonConnection(choice, await neonAccount.api());
    }
  }

  /** Strips secrets from a choice before it is persisted (manual URLs keep no password). */
  async function persistable(choice: ConnectionChoice): Promise<ConnectionChoice> {
    if (choice.kind !== 'manual') return choice;
    return {
      kind: 'manual',
      ownerUrl: await storeManualUrl(choice.ownerUrl),
      ...(choice.authenticatedUrl ? { authenticatedUrl: await storeManualUrl(choice.authenticatedUrl) } : {}),
      ...(choice.anonymousUrl ? { anonymousUrl: await storeManualUrl(choice.anonymousUrl) } : {}),
    };
  }

  async function activate(connection: ActiveConnection | undefined, gen: number): Promise<void> {
    if (gen !== generation) return;
    const previous = ownerDb;
    ownerDb = undefined;
    active = connection;
    await previous?.database.close();
    void vscode.commands.executeCommand('setContext', 'neonAuthorize.connected', Boolean(connection));
    void vscode.commands.executeCommand('setContext', 'neonAuthorize.connectionKind', connection?.kind ?? '');
    changed.fire(connection);
  }

  async function select(choice: ConnectionChoice): Promise<ActiveConnection> {
    const gen = ++generation;
    const run = (async () => {
      const saved = await persistable(choice);
      assertNoSecretsInSettings(saved);
      const connection = await connect(saved);
      if (gen === generation) {
        await context.workspaceState.update(CHOICE_KEY, saved);
        await activate(connection, gen);
        output.appendLine(`Connected: ${connection.label}`);
      }
      return connection;
    })();
    pending = run;
    try {
      return await run;
    } finally {
      if (pending === run) pending = undefined;
    }
  }

  const service: WorkbenchConnectionService = {
    output,
    neonAccount,
    async current() {
      if (active) return active;
      if (pending) return pending;
      const saved = context.workspaceState.get<ConnectionChoice>(CHOICE_KEY);
      return select(saved ?? { kind: 'playground' });
    },
    peek: () => active,
    async providers() {
      const connection = await service.current();
      return (await service.registry(connection)?.list()) ?? [];
    },
    onDidChange: (listener) => changed.event(listener),
    select,
    startPlayground: () => select({ kind: 'playground' }),
    async disconnect() {
      const gen = ++generation;
      await context.workspaceState.update(CHOICE_KEY, undefined);
      await activate(undefined, gen);
    },
    async owner() {
      const connection = await service.current();
      if (ownerDb?.connection === connection) return ownerDb;
      const database = await openDatabase(connection.ownerUrl, { fetchEndpoint: connection.fetchEndpoint });
      if (active === connection) ownerDb = { connection, database };
      return { connection, database };
    },
    registry(connection) {
      const p = connection.playground;
      if (p) {
        return {
          where: 'the playground',
          list: async () => p.listProviders(),
          add: async (input) => p.addProvider({ jwksUrl: input.jwksUrl, providerName: input.providerName, audience: input.audience, roleNames: [...APP_ROLE_NAMES] }),
          remove: async (id) => {
            if (id === 'playground') {
              throw new Error('The playground\'s own key set is built in and cannot be removed (it signs the tokens of the run-as-user panel).');
            }
            return p.removeProvider(id);
          },
        };
      }
      const neon = connection.neon;
      if (neon) {
        return {
          where: `Neon project ${neon.projectId}`,
          list: async () => (await (await neonAccount.api()).listJwks(neon.projectId)).map(toRegistration),
          add: async (input) => {
            const { jwks } = await (await neonAccount.api()).addJwks(neon.projectId, {
              jwksUrl: input.jwksUrl,
              providerName: input.providerName,
              jwtAudience: input.audience,
              roleNames: [...APP_ROLE_NAMES],
            });
            return toRegistration(jwks);
          },
          remove: async (id) => {
            await (await neonAccount.api()).deleteJwks(neon.projectId, id);
            return true;
          },
        };
      }
      return undefined;
    },
    async discoverEnv() {
      const files = await readEnvFiles();
      return { discovery: discoverEnv(files, envMode()), files };
    },
    runningPlayground: () => playground,
    hasSavedChoice: () => context.workspaceState.get<ConnectionChoice>(CHOICE_KEY) !== undefined,
    dispose() {
      changed.dispose();
      output.dispose();
      void ownerDb?.database.close();
      void playground?.close();
    },
  };
  return service;
}

/** Fills in the playground's URLs in workspace `.env` files that opt in with the marker line. */
async function pointEnvFilesAtPlayground(playground: Playground, log: (line: string) => void): Promise<void> {
  const { wantsPlaygroundEnv, fillEnvVariables } = await import('../../core/connections/playgroundEnv');
  const { playgroundEnvVariables } = await import('../../playground/playground');
  for (const uri of await vscode.workspace.findFiles('**/.env', '**/node_modules/**', 20)) {
    try {
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      if (!wantsPlaygroundEnv(text)) continue;
      const updated = fillEnvVariables(text, playgroundEnvVariables(playground));
      if (updated !== text) {
        await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(updated));
        log(`Pointed ${vscode.workspace.asRelativePath(uri)} at the playground (127.0.0.1:${playground.port}).`);
      }
    } catch (err) {
      log(`Could not update ${vscode.workspace.asRelativePath(uri)}: ${(err as Error).message}`);
    }
  }
}
