/**
 * The in-process playground: started on first use (its module, with PGlite's WASM, is imported only
 * then, so activation loads none), shared by every later use, closed when the extension stops.
 */
import { describeConnection } from '../../core/connections';
import type { Playground } from '../../playground/playground';
import { pointEnvFilesAtPlayground } from './workspaceEnv';

export interface PlaygroundLifecycle {
  /** Starts the playground, or returns the one already running (or starting). */
  start(): Promise<Playground>;
  /** The running playground, if started. */
  running(): Playground | undefined;
  /** The running playground when it serves `url` (a local URL on its port): queries for it go to its endpoint. */
  serving(url: string): Playground | undefined;
  dispose(): void;
}

export function createPlaygroundLifecycle(options: {
  /** Its own data folder: a second PGlite on a folder `naw serve` uses would corrupt it (no locking). */
  dataDir: string;
  log: (line: string) => void;
  /** A request running longer is cancelled (ms; 0: no limit), read when the playground starts. */
  statementTimeoutMs?: () => number | undefined;
}): PlaygroundLifecycle {
  const { dataDir, log } = options;
  let playground: Playground | undefined;
  let starting: Promise<Playground> | undefined;

  return {
    start() {
      if (playground) return Promise.resolve(playground);
      starting ??= (async () => {
        const { startPlayground } = await import('../../playground/playground');
        log(`Starting the playground (data in ${dataDir}) ...`);
        const started = await startPlayground({ dataDir, port: 0, statementTimeoutMs: options.statementTimeoutMs?.() });
        log(`Playground running on 127.0.0.1:${started.port}`);
        playground = started;
        await pointEnvFilesAtPlayground(started, log);
        return started;
      })().catch((err) => {
        starting = undefined;
        throw err;
      });
      return starting;
    },
    running: () => playground,
    serving(url) {
      if (!playground) return undefined;
      try {
        const a = describeConnection(url);
        const b = describeConnection(playground.ownerUrl);
        return a.isLocal && a.port === b.port ? playground : undefined;
      } catch {
        return undefined;
      }
    },
    dispose() {
      void playground?.close();
    },
  };
}
