/**
 * The worker thread the embedded database runs in (started by pgliteBackend.ts): PGlite, the SQL
 * guard and the session live here, so no statement ever runs on the thread that serves HTTP (or
 * hosts VS Code's extensions). Requests come one at a time.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { restrictTree } from '../dataFolder';
import { loadSqlGuard } from '../sqlGuard';
import { clearCancel, installInterruptibleWasm, type InterruptTarget } from './interruptibleWasm';
import { PgliteSession } from './pgliteSession';
import { toWireError, type WorkerReply, type WorkerRequest, type WorkerStart } from './pgliteWorkerProtocol';

const port = parentPort!;
const start = workerData as WorkerStart;
let target: InterruptTarget | undefined;

function reply(message: WorkerReply): void {
  port.postMessage(message);
}

/** Creates the database files in an empty folder (before the memory is shared: initdb needs it not to be). */
async function initialize(dataDir: string): Promise<void> {
  const wasm = readFileSync(join(dirname(require.resolve('@electric-sql/pglite')), 'pglite.wasm'));
  // Compiled here, not by PGlite, so PGlite keeps no copy of this module for the next open.
  const pg = await PGlite.create({ dataDir, pgliteWasmModule: await WebAssembly.compile(wasm) });
  await pg.close();
}

async function open(): Promise<PgliteSession> {
  // The parser's WebAssembly loads before the memory changes, which are for PGlite's alone.
  const guard = await loadSqlGuard();
  if (!existsSync(join(start.dataDir, 'PG_VERSION'))) await initialize(start.dataDir);
  installInterruptibleWasm((found) => {
    target = found;
  });
  const pg = await PGlite.create({ dataDir: start.dataDir });
  // PGlite copies its template files world-readable (and some world-writable): only their owner may.
  restrictTree(start.dataDir);
  return PgliteSession.start(pg, { database: start.database, ownerRole: start.ownerRole, passwords: new Map(Object.entries(start.passwords)) }, guard);
}

async function handle(session: PgliteSession, request: WorkerRequest): Promise<void> {
  if (target) clearCancel(target);
  try {
    let value: unknown;
    switch (request.type) {
      case 'checkLogin':
        value = await session.checkLogin(request.role, request.password, request.database);
        break;
      case 'execute':
        value = await session.execute(request.identity, request.queries, request.batch);
        break;
      case 'installExtensionFiles':
        value = await session.installExtensionFiles(request.files);
        break;
      case 'removeFiles':
        value = await session.removeFiles(request.paths);
        break;
      case 'close':
        value = await session.close();
        break;
    }
    reply({ type: 'done', id: request.id, value });
  } catch (err) {
    reply({ type: 'failed', id: request.id, error: toWireError(err) });
    // PGlite aborted (its Postgres exited): nothing more can run here; the backend opens it again.
    if ((err as Error)?.name === 'ExitStatus' || /Program terminated|Aborted\(/.test(String((err as Error)?.message))) process.exit(1);
  }
}

open().then(
  (session) => {
    port.on('message', (request: WorkerRequest) => void handle(session, request));
    reply({ type: 'ready', target });
  },
  (err: unknown) => reply({ type: 'openFailed', error: toWireError(err) }),
);
