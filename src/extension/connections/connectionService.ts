/**
 * The connection layer as the rest of the extension uses it, put together from its parts: the
 * playground's lifecycle (playgroundLifecycle.ts), the saved choice (savedChoice.ts), turning a choice
 * into URLs (connectChoice.ts), the active connection (currentConnection.ts), the provider registries
 * (providerRegistries.ts), the workspace's `.env` files (workspaceEnv.ts) and the Neon account.
 * Consumers take `Pick<WorkbenchConnectionService, …>` of what they use.
 */
import * as vscode from 'vscode';
import type { EnvDiscovery, EnvFile } from '../../core/connections';
import type { Playground } from '../../playground/playground';
import { createConnectChoice } from './connectChoice';
import { createCurrentConnection, type CurrentConnection } from './currentConnection';
import { NeonAccount } from './neonAccount';
import { createPlaygroundLifecycle } from './playgroundLifecycle';
import { providerRegistryOf, type ProviderRegistry } from './providerRegistries';
import { createSavedChoice } from './savedChoice';
import type { ActiveConnection, ConnectionService } from './types';
import { discoverWorkspaceEnv } from './workspaceEnv';

/** The ConnectionService contract plus what the setup commands and the Authorize view need. */
export interface WorkbenchConnectionService extends ConnectionService, CurrentConnection {
  /** Starts (or reuses) the in-process playground and makes it the active connection. */
  startPlayground(): Promise<ActiveConnection>;
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

/**
 * The playground (the default connection) starts in-process on first use, with its data in the
 * workspace storage.
 */
export function createConnectionService(context: vscode.ExtensionContext): WorkbenchConnectionService {
  const output = vscode.window.createOutputChannel('Neon Authorize');
  const log = (line: string) => output.appendLine(line);
  const neonAccount = new NeonAccount(context.secrets, (line) => log(`[neon api] ${line}`));
  const savedChoice = createSavedChoice(context);
  const playground = createPlaygroundLifecycle({
    dataDir: vscode.Uri.joinPath(context.storageUri ?? context.globalStorageUri, 'playground').fsPath,
    log,
    statementTimeoutMs: () => {
      const seconds = vscode.workspace.getConfiguration('neonAuthorize.playground').get<number>('statementTimeout');
      return typeof seconds === 'number' && seconds >= 0 ? Math.round(seconds * 1000) : undefined;
    },
  });
  const connection = createCurrentConnection({
    connect: createConnectChoice({ playground, savedChoice, neonAccount, log }),
    savedChoice,
    log,
  });
  const registry = (active: ActiveConnection) => providerRegistryOf(active, neonAccount);

  return {
    output,
    neonAccount,
    current: connection.current,
    peek: connection.peek,
    onDidChange: connection.onDidChange,
    select: connection.select,
    disconnect: connection.disconnect,
    owner: connection.owner,
    startPlayground: () => connection.select({ kind: 'playground' }),
    async providers() {
      return (await registry(await connection.current())?.list()) ?? [];
    },
    registry,
    discoverEnv: discoverWorkspaceEnv,
    runningPlayground: () => playground.running(),
    hasSavedChoice: () => savedChoice.get() !== undefined,
    dispose() {
      connection.dispose();
      output.dispose();
      playground.dispose();
    },
  };
}
