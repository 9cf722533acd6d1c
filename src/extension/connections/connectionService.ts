import * as vscode from 'vscode';
import type { ActiveConnection, ConnectionService } from './types';

/**
 * The active connection. The playground (the default) starts in-process on first use, with its
 * data in the workspace storage; the playground module is imported only then, so activation
 * loads no WASM.
 */
export function createConnectionService(context: vscode.ExtensionContext): ConnectionService & vscode.Disposable {
  const changed = new vscode.EventEmitter<ActiveConnection | undefined>();
  let active: ActiveConnection | undefined;
  let starting: Promise<ActiveConnection> | undefined;

  async function startPlaygroundConnection(): Promise<ActiveConnection> {
    const { startPlayground } = await import('../../playground/playground');
    const storage = (context.storageUri ?? context.globalStorageUri).fsPath;
    const playground = await startPlayground({ dataDir: `${storage}/playground`, port: 0 });
    return {
      kind: 'playground',
      label: `Playground (127.0.0.1:${playground.port})`,
      ownerUrl: playground.ownerUrl,
      authenticatedUrl: playground.authenticatedUrl,
      anonymousUrl: playground.anonymousUrl,
      fetchEndpoint: playground.fetchEndpoint,
      playground,
    };
  }

  return {
    async current() {
      if (active) return active;
      starting ??= startPlaygroundConnection().then(
        (c) => {
          active = c;
          changed.fire(c);
          return c;
        },
        (err) => {
          starting = undefined;
          throw err;
        },
      );
      return starting;
    },
    peek: () => active,
    async providers() {
      return (await this.current()).playground?.listProviders() ?? [];
    },
    onDidChange: (listener) => changed.event(listener),
    dispose() {
      changed.dispose();
      void active?.playground?.close();
    },
  };
}
