/**
 * Which connection is active: switching to a choice (a slow connect that lost to a newer choice never
 * becomes active), restoring the saved choice on first use, the owner database kept open for the
 * active connection, the change event and the `neonAuthorize.connected` / `connectionKind` context keys.
 */
import * as vscode from 'vscode';
import { openDatabase, type OwnerDatabase } from '../../core/connections/database';
import type { ConnectChoice } from './connectChoice';
import type { ConnectionChoice, SavedChoice } from './savedChoice';
import type { ActiveConnection, ConnectionService } from './types';

export interface CurrentConnection extends Pick<ConnectionService, 'current' | 'peek' | 'onDidChange'>, vscode.Disposable {
  /** Connects to the choice, makes it the active connection and remembers it for this workspace. */
  select(choice: ConnectionChoice): Promise<ActiveConnection>;
  /** Forgets the active connection (the playground keeps running until the extension stops). */
  disconnect(): Promise<void>;
  /** The owner connection of the active connection (started on first use). */
  owner(): Promise<{ connection: ActiveConnection; database: OwnerDatabase }>;
}

export function createCurrentConnection(deps: {
  connect: ConnectChoice;
  savedChoice: Pick<SavedChoice, 'get' | 'withoutSecrets' | 'save' | 'forget'>;
  log: (line: string) => void;
}): CurrentConnection {
  const { connect, savedChoice, log } = deps;
  const changed = new vscode.EventEmitter<ActiveConnection | undefined>();
  let active: ActiveConnection | undefined;
  let pending: Promise<ActiveConnection> | undefined;
  let ownerDb: { connection: ActiveConnection; database: OwnerDatabase } | undefined;
  /** Generation counter: a slow connect that lost to a newer choice must not become active. */
  let generation = 0;

  function setContextKeys(connection: ActiveConnection | undefined): void {
    void vscode.commands.executeCommand('setContext', 'neonAuthorize.connected', Boolean(connection));
    void vscode.commands.executeCommand('setContext', 'neonAuthorize.connectionKind', connection?.kind ?? '');
  }

  async function activate(connection: ActiveConnection | undefined, gen: number): Promise<void> {
    if (gen !== generation) return;
    const previous = ownerDb;
    ownerDb = undefined;
    active = connection;
    await previous?.database.close();
    setContextKeys(connection);
    changed.fire(connection);
  }

  async function select(choice: ConnectionChoice): Promise<ActiveConnection> {
    const gen = ++generation;
    const run = (async () => {
      const saved = await savedChoice.withoutSecrets(choice);
      const connection = await connect(saved);
      if (gen === generation) {
        await savedChoice.save(saved);
        await activate(connection, gen);
        log(`Connected: ${connection.label}`);
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

  async function current(): Promise<ActiveConnection> {
    if (active) return active;
    if (pending) return pending;
    return select(savedChoice.get() ?? { kind: 'playground' });
  }

  // Nothing is connected when the extension starts: the view shows its welcome until a choice is made.
  void vscode.commands.executeCommand('setContext', 'neonAuthorize.connected', false);

  return {
    current,
    peek: () => active,
    onDidChange: (listener) => changed.event(listener),
    select,
    async disconnect() {
      const gen = ++generation;
      await savedChoice.forget();
      await activate(undefined, gen);
    },
    async owner() {
      const connection = await current();
      if (ownerDb?.connection === connection) return ownerDb;
      const database = await openDatabase(connection.ownerUrl, { fetchEndpoint: connection.fetchEndpoint });
      if (active === connection) ownerDb = { connection, database };
      return { connection, database };
    },
    dispose() {
      changed.dispose();
      void ownerDb?.database.close();
    },
  };
}
