/** The messages between the embedded backend (pgliteBackend.ts) and its worker (pgliteWorker.ts). */
import type { InterruptTarget } from './interruptibleWasm';
import { NeonProxyError, PostgresError, toPostgresError, type BatchOptions, type PostgresErrorFields, type QueryResult, type RequestIdentity, type SqlQuery } from './types';

/** What the worker opens (its workerData). */
export interface WorkerStart {
  dataDir: string;
  database: string;
  ownerRole: string;
  passwords: Record<string, string>;
}

export type WorkerRequest =
  | { id: number; type: 'checkLogin'; role: string; password: string; database: string }
  | { id: number; type: 'execute'; identity: RequestIdentity; queries: SqlQuery[]; batch: BatchOptions | null }
  | { id: number; type: 'installExtensionFiles'; files: Record<string, string> }
  | { id: number; type: 'removeFiles'; paths: string[] }
  | { id: number; type: 'close' };

/** What each request resolves with. */
export interface WorkerResults {
  checkLogin: undefined;
  execute: QueryResult[];
  installExtensionFiles: string[];
  removeFiles: undefined;
  close: undefined;
}

export type WorkerReply =
  /** The database is open; `target` is absent when its statements cannot be interrupted. */
  | { type: 'ready'; target?: InterruptTarget }
  | { type: 'openFailed'; error: WireError }
  | { type: 'done'; id: number; value: unknown }
  | { type: 'failed'; id: number; error: WireError };

/** An error as it crosses threads: structured clone keeps no class. */
export type WireError = { kind: 'postgres'; fields: PostgresErrorFields } | { kind: 'proxy'; message: string } | { kind: 'other'; message: string };

export function toWireError(err: unknown): WireError {
  if (err instanceof NeonProxyError) return { kind: 'proxy', message: err.message };
  const postgres = toPostgresError(err);
  if (postgres) return { kind: 'postgres', fields: postgres.fields };
  return { kind: 'other', message: err instanceof Error ? err.message : String(err) };
}

export function fromWireError(error: WireError): Error {
  if (error.kind === 'postgres') return new PostgresError(error.fields);
  if (error.kind === 'proxy') return new NeonProxyError(error.message);
  return new Error(error.message);
}
