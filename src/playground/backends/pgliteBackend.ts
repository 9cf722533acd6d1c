/**
 * The embedded backend: PGlite (PostgreSQL in WASM) in a worker thread (pgliteWorker.ts), so a
 * statement never runs on the thread that serves HTTP or, in VS Code, hosts the extensions.
 *
 * PGlite serves one session: requests take turns, in order. A request that runs longer than the
 * statement timeout, or whose client went away (the panel's Cancel aborts its HTTP request), is
 * cancelled in place, as Postgres cancels a statement, and the next request runs right after
 * (interruptibleWasm.ts). Should PGlite not stop within a grace period, the worker is terminated
 * and the database opened again from its folder: what was committed is on disk, what was not is
 * rolled back by Postgres's recovery. That is why even a playground "in memory" lives in a folder:
 * a temporary one, in /dev/shm where the system has it, removed on close.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { requestCancel, type InterruptTarget } from './interruptibleWasm';
import { fromWireError, type WorkerReply, type WorkerRequest, type WorkerResults, type WorkerStart } from './pgliteWorkerProtocol';
import { cancelledRequestError, PostgresError, type BatchOptions, type ExecuteOptions, type QueryResult, type RequestIdentity, type SqlBackend, type SqlQuery } from './types';

export interface PgliteBackendOptions {
  /** Data folder for a persistent database; undefined keeps it in a temporary folder removed on close. */
  dataDir?: string;
  /** Database name the URLs use; PGlite has one database, which answers to this name. */
  database: string;
  ownerRole: string;
  /** Password for each role allowed to log in with one. */
  passwords: ReadonlyMap<string, string>;
  /** A request running longer is cancelled (ms); 0: no limit. */
  statementTimeoutMs: number;
}

/** How long a cancelled statement may take to stop before its worker is terminated. */
const CANCEL_GRACE_MS = 2_000;

/** Prefix of the temporary folders of playgrounds kept "in memory"; the process id follows. */
const TEMPORARY_PREFIX = 'naw-memory-';

type RequestType = WorkerRequest['type'];
type Payload<T extends RequestType> = Omit<Extract<WorkerRequest, { type: T }>, 'id' | 'type'>;

interface Job {
  id: number;
  request: WorkerRequest;
  resolve(value: unknown): void;
  reject(error: Error): void;
  /** Cancelled after this long once running (ms); 0: never. */
  timeoutMs: number;
  signal?: AbortSignal;
  onAbort?: () => void;
  timer?: NodeJS.Timeout;
  graceTimer?: NodeJS.Timeout;
  cancelled?: 'timeout' | 'client';
  /** Resolves once the job is settled, however. */
  settled: Promise<void>;
  markSettled(): void;
}

export class PgliteBackend implements SqlBackend {
  readonly kind = 'pglite' as const;
  private worker: Worker | undefined;
  private target: InterruptTarget | undefined;
  private starting: Promise<void> | undefined;
  private readonly queue: Job[] = [];
  private current: Job | undefined;
  private nextId = 1;
  private closed = false;
  /** How many times the worker was terminated and the database opened again. */
  restarts = 0;

  private constructor(
    private readonly options: PgliteBackendOptions,
    readonly dataDir: string,
    private readonly temporary: boolean,
  ) {}

  static async open(options: PgliteBackendOptions): Promise<PgliteBackend> {
    const temporary = options.dataDir === undefined;
    const backend = new PgliteBackend(options, options.dataDir ?? makeTemporaryDataDir(), temporary);
    try {
      await backend.startWorker();
    } catch (err) {
      backend.removeTemporaryDataDir();
      throw err;
    }
    return backend;
  }

  checkLogin(role: string, password: string, database: string): Promise<void> {
    return this.enqueue('checkLogin', { role, password, database }, 0);
  }

  execute(identity: RequestIdentity, queries: SqlQuery[], batch: BatchOptions | null, options: ExecuteOptions = {}): Promise<QueryResult[]> {
    return this.enqueue('execute', { identity, queries, batch }, this.options.statementTimeoutMs, options.signal);
  }

  /**
   * Writes extension files (control file, scripts) into the database's share folder, where
   * CREATE EXTENSION finds them (until the database restarts); resolves with a function that
   * removes them.
   */
  async installExtensionFiles(files: Record<string, string>): Promise<() => Promise<void>> {
    const paths = await this.enqueue('installExtensionFiles', { files }, 0);
    return () => this.enqueue('removeFiles', { paths }, 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stopping = new PostgresError({ message: 'terminating connection due to administrator command', code: '57P01', severity: 'FATAL' });
    for (const job of this.queue.splice(0)) this.settle(job, stopping);
    if (this.current) this.cancel(this.current, 'client');
    try {
      await this.starting;
      await this.current?.settled;
      if (this.worker) await this.post({ id: this.nextId++, type: 'close' }, 5_000);
    } catch {
      // Closing as well as it can: the folder holds what was committed.
    }
    // No longer this.worker: its exit is not a crash to recover from.
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
    this.removeTemporaryDataDir();
  }

  private enqueue<T extends RequestType>(type: T, payload: Payload<T>, timeoutMs: number, signal?: AbortSignal): Promise<WorkerResults[T]> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('the playground database is closed'));
      const id = this.nextId++;
      let markSettled = () => undefined as void;
      const settled = new Promise<void>((done) => (markSettled = done));
      const job: Job = { id, request: { ...payload, type, id } as WorkerRequest, resolve: resolve as (value: unknown) => void, reject, timeoutMs, signal, settled, markSettled };
      if (signal) {
        if (signal.aborted) return reject(cancelledRequestError('client', 0));
        job.onAbort = () => {
          const queued = this.queue.indexOf(job);
          if (queued >= 0) {
            this.queue.splice(queued, 1);
            this.settle(job, cancelledRequestError('client', 0));
          } else if (this.current === job) this.cancel(job, 'client');
        };
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.pump();
    });
  }

  private pump(): void {
    if (this.current || this.closed || !this.queue.length) return;
    if (!this.worker) {
      this.startWorker().catch(() => undefined);
      return;
    }
    const job = this.queue.shift()!;
    this.current = job;
    this.worker.ref();
    this.worker.postMessage(job.request);
    if (job.timeoutMs > 0) job.timer = setTimeout(() => this.cancel(job, 'timeout'), job.timeoutMs);
  }

  /** Stops the running job: in place when PGlite can be interrupted, else by restarting it. */
  private cancel(job: Job, reason: 'timeout' | 'client'): void {
    if (this.current !== job || job.cancelled) return;
    job.cancelled = reason;
    if (this.target) requestCancel(this.target);
    job.graceTimer = setTimeout(() => void this.restart(), this.target ? CANCEL_GRACE_MS : 0);
  }

  private onReply(message: WorkerReply): void {
    if (message.type !== 'done' && message.type !== 'failed') return;
    const job = this.current;
    if (!job || job.id !== message.id) return;
    this.current = undefined;
    if (message.type === 'done') this.settle(job, undefined, message.value);
    else {
      const error = fromWireError(message.error);
      // The cancel we asked for: say why it came.
      const ours = job.cancelled && (error as PostgresError).fields?.code === '57014';
      this.settle(job, ours ? cancelledRequestError(job.cancelled!, this.options.statementTimeoutMs) : error);
    }
    if (!this.queue.length) this.worker?.unref();
    this.pump();
  }

  private settle(job: Job, error: Error | undefined, value?: unknown): void {
    clearTimeout(job.timer);
    clearTimeout(job.graceTimer);
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    if (error) job.reject(error);
    else job.resolve(value);
    job.markSettled();
  }

  /** Terminates the worker (a statement that does not stop, or a crash) and opens the database again. */
  private async restart(crash?: Error): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    this.target = undefined;
    this.restarts++;
    const job = this.current;
    this.current = undefined;
    if (job) {
      this.settle(
        job,
        job.cancelled
          ? cancelledRequestError(job.cancelled, this.options.statementTimeoutMs)
          : new Error(`the playground database stopped while running this request (${crash?.message ?? 'unknown reason'}); it was opened again, and what was not committed is rolled back`),
      );
    }
    await worker.terminate();
    if (this.closed) return;
    this.startWorker().catch(() => undefined);
  }

  /** Starts a worker on the data folder; requests queued meanwhile run once it is ready. */
  private startWorker(): Promise<void> {
    this.starting ??= new Promise<void>((resolve, reject) => {
      const start: WorkerStart = {
        dataDir: this.dataDir,
        database: this.options.database,
        ownerRole: this.options.ownerRole,
        passwords: Object.fromEntries(this.options.passwords),
      };
      const worker = spawnWorker(start);
      /** 'opening' until ready; then its events matter while it is this.worker. */
      let state: 'opening' | 'open' | 'failed' = 'opening';
      const failed = (error: Error) => {
        if (state !== 'opening') return;
        state = 'failed';
        void worker.terminate();
        this.starting = undefined;
        // Whatever waits would wait forever: it gets the reason instead.
        for (const job of this.queue.splice(0)) this.settle(job, error);
        reject(error);
      };
      // One listener of each kind for the worker's life: removing all of a Worker's listeners would
      // also remove the ones Node uses to deliver its messages.
      worker.on('message', (message: WorkerReply) => {
        if (state === 'open') {
          if (this.worker === worker) this.onReply(message);
          return;
        }
        if (message.type === 'openFailed') return failed(fromWireError(message.error));
        if (message.type !== 'ready' || state !== 'opening') return;
        state = 'open';
        this.worker = worker;
        this.target = message.target;
        this.starting = undefined;
        if (this.closed) {
          void worker.terminate();
          return resolve();
        }
        if (!this.queue.length) worker.unref();
        resolve();
        this.pump();
      });
      worker.on('error', (err) => {
        if (state === 'opening') failed(err);
        else if (this.worker === worker) void this.restart(err);
      });
      worker.on('exit', (code) => {
        const error = new Error(`the playground database worker exited (code ${code})`);
        if (state === 'opening') failed(error);
        else if (this.worker === worker) void this.restart(error);
      });
    });
    return this.starting;
  }

  /** Sends one request outside the queue (closing); resolves with the reply or fails after timeoutMs. */
  private post(request: WorkerRequest, timeoutMs: number): Promise<unknown> {
    const worker = this.worker!;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer')), timeoutMs);
      const onMessage = (message: WorkerReply) => {
        if ((message.type === 'done' || message.type === 'failed') && message.id === request.id) {
          clearTimeout(timer);
          worker.off('message', onMessage);
          if (message.type === 'done') resolve(message.value);
          else reject(fromWireError(message.error));
        }
      };
      worker.on('message', onMessage);
      worker.ref();
      worker.postMessage(request);
    });
  }

  private removeTemporaryDataDir(): void {
    if (this.temporary) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** tsx's CommonJS loader, named through a constant so bundlers leave it alone. */
const TSX_REGISTER = 'tsx/cjs/api';

/** The worker script: built next to the bundle (dist/pgliteWorker.js), or the TypeScript source under tsx. */
function spawnWorker(start: WorkerStart): Worker {
  if (__filename.endsWith('.ts')) {
    const source = join(__dirname, 'pgliteWorker.ts');
    // Only when running from source (tests, tools under tsx): a bundle never takes this path.
    const register = require.resolve(TSX_REGISTER);
    return new Worker(`require(${JSON.stringify(register)}).register(); require(${JSON.stringify(source)});`, { eval: true, workerData: start });
  }
  return new Worker(join(__dirname, 'pgliteWorker.js'), { workerData: start });
}

/** A new temporary data folder; those of playgrounds whose process is gone are removed first. */
function makeTemporaryDataDir(): string {
  const parent = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  for (const name of safeReaddir(parent)) {
    const pid = Number(new RegExp(`^${TEMPORARY_PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (pid && !processRuns(pid)) rmSync(join(parent, name), { recursive: true, force: true });
  }
  try {
    return mkdtempSync(join(parent, `${TEMPORARY_PREFIX}${process.pid}-`));
  } catch {
    return mkdtempSync(join(tmpdir(), `${TEMPORARY_PREFIX}${process.pid}-`));
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
