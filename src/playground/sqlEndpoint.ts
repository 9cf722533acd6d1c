/**
 * The local `/sql` endpoint: Neon's HTTP SQL protocol (what `@neondatabase/serverless`'s
 * `neon()` speaks), with Neon's JWT checks on the Authorization header, over a SqlBackend.
 * Pointing the unmodified driver at it needs only `neonConfig.fetchEndpoint`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { JwksCache } from '../core/jwt/jwksCache';
import { hasPostgresScheme, parseConnectionUrl } from '../core/sql/connectionString';
import { NeonJwtError, neonHttpErrorBody } from '../core/jwt/neonJwtError';
import type { JwksProviderRegistration } from '../core/jwt/types';
import { parseBearer } from '../core/jwt/verifyLikeNeon';
import {
  POSTGRES_ERROR_FIELD_NAMES,
  NeonProxyError,
  PostgresError,
  toPostgresError,
  type BatchOptions,
  type IsolationLevel,
  type QueryResult,
  type SqlBackend,
  type SqlQuery,
} from './backends/types';
import { VerifiedTokens } from './verifiedTokens';

/** Neon's limits: request bodies over 10 MiB are refused (413), responses over 10 MiB too (507). */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
export const MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

export interface SqlEndpointOptions {
  backend: SqlBackend;
  /** Providers to check tokens against; read on every request, so registrations apply at once. */
  providers: () => JwksProviderRegistration[];
  jwksCache: JwksCache;
  /** Extra routes (e.g. the playground's own JWKS) answered before the /sql rules apply. */
  extraRoutes?: Record<string, () => unknown>;
  /** Called after each request, for logs; never receives the token or password. */
  onRequest?: (entry: { role: string; authenticated: 'jwt' | 'password'; status: number; ms: number; queries: number }) => void;
}

const corsHeaders = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, OPTIONS',
  'Access-Control-Allow-Headers':
    'Authorization, Content-Type, Neon-Connection-String, Neon-Raw-Text-Output, Neon-Array-Mode, Neon-Batch-Isolation-Level, Neon-Batch-Read-Only, Neon-Batch-Deferrable, Neon-Pool-Opt-In',
  'Access-Control-Max-Age': '86400',
};

/** An error body as Neon sends it: Postgres errors carry their fields, others `code: ""`. */
export function neonErrorBody(err: PostgresError | { message: string; hint?: string }): Record<string, string | null> {
  const body: Record<string, string | null> = { ...neonHttpErrorBody(err.message) };
  if (err instanceof PostgresError) {
    for (const name of POSTGRES_ERROR_FIELD_NAMES) body[name] = err.fields[name] ?? null;
  } else if (err.hint) body.hint = err.hint;
  return body;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** What to do about it: the workbench's own addition to Neon's message. */
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Neon's proxy writes a statement's parameter count as a signed 16-bit number. */
export const MAX_PARAMS = 32767;
/** serde_json's recursion limit, which Neon's proxy parses the body with. */
const MAX_JSON_NESTING = 128;

/** Whether a JSON value nests arrays and objects more than `limit` levels deep (without recursing). */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length) {
    const [item, depth] = pending.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return false;
}

const isolationLevels: IsolationLevel[] = ['ReadUncommitted', 'ReadCommitted', 'RepeatableRead', 'Serializable'];

function parseBoolHeader(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new HttpError(400, `invalid value for header ${name}: expected true or false`);
}

function parseConnectionString(value: string | undefined): { role: string; password: string; database: string } {
  if (!value) throw new HttpError(400, 'missing connection string: send the Neon-Connection-String header');
  if (!hasPostgresScheme(value)) {
    throw new HttpError(400, 'invalid connection string: the scheme must be postgres:// or postgresql://');
  }
  const { user: role, password, database } = parseConnectionUrl(value);
  if (!role) throw new HttpError(400, 'invalid connection string: no user name');
  if (!database) throw new HttpError(400, 'invalid connection string: no database name');
  return { role, password: password ?? '', database };
}

function parseQuery(value: unknown): SqlQuery {
  const q = value as { query?: unknown; params?: unknown } | null;
  if (!q || typeof q !== 'object' || typeof q.query !== 'string') {
    throw new HttpError(400, 'invalid request body: expected {"query": string, "params": [...]}');
  }
  const params = q.params ?? [];
  if (!Array.isArray(params)) throw new HttpError(400, 'invalid request body: "params" must be an array');
  if (params.length > MAX_PARAMS) {
    throw new HttpError(
      400,
      'error encoding message to server: value too large to transmit',
      `The query has ${params.length} parameters; Neon's HTTP endpoint sends at most ${MAX_PARAMS} (Postgres itself takes 65535). Pass a long list as one array parameter, e.g. where id = any($1).`,
    );
  }
  const deep = params.findIndex((p) => nestedDeeperThan(p, MAX_JSON_NESTING));
  if (deep >= 0) {
    throw new HttpError(400, `could not parse the HTTP request body: recursion limit exceeded (parameter $${deep + 1} is nested more than ${MAX_JSON_NESTING} levels deep)`);
  }
  return {
    query: q.query,
    // The driver sends text or null; anything else is sent on as its JSON/text form.
    params: params.map((p) => (p === null || typeof p === 'string' ? p : typeof p === 'object' ? JSON.stringify(p) : String(p))),
  };
}

/** Without Neon-Raw-Text-Output, Neon turns text into JSON values for the common scalar types. */
function toJsonValue(text: string | null, typeOid: number): unknown {
  if (text === null) return null;
  switch (typeOid) {
    case 16:
      return text === 't';
    case 21:
    case 23:
    case 26:
    case 700:
    case 701: {
      const n = Number(text);
      return Number.isFinite(n) ? n : text;
    }
    case 114:
    case 3802:
      return JSON.parse(text);
    default:
      return text;
  }
}

function formatResult(r: QueryResult, arrayMode: boolean, rawText: boolean): Record<string, unknown> {
  const rows = r.rows.map((row) => {
    const values = rawText ? row : row.map((v, i) => toJsonValue(v, r.fields[i].dataTypeID));
    return arrayMode ? values : Object.fromEntries(r.fields.map((f, i) => [f.name, values[i]]));
  });
  return { fields: r.fields, rows, command: r.command, rowCount: r.rowCount, rowAsArray: arrayMode };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new HttpError(413, `request is too large (max is ${MAX_REQUEST_BYTES} bytes)`);
    chunks.push(chunk as Buffer);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    // Neon parses the body as UTF-8 JSON and refuses it; replacing bytes would run other SQL than sent.
    throw new HttpError(400, 'could not parse the HTTP request body: invalid UTF-8');
  }
}

export function createSqlEndpoint(options: SqlEndpointOptions): Server {
  const tokens = new VerifiedTokens(options.jwksCache);
  const server = createServer((req, res) => {
    handle(options, tokens, req, res).catch((err) => send(res, 500, { message: `internal error: ${(err as Error).message}` }));
  });
  // Keep-alive sockets must not hold a shutdown open.
  server.keepAliveTimeout = 5_000;
  return server;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  if (Buffer.byteLength(text) > MAX_RESPONSE_BYTES) {
    res.writeHead(507, { ...corsHeaders, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`response is too large (max is ${MAX_RESPONSE_BYTES} bytes)`);
    return;
  }
  res.writeHead(status, { ...corsHeaders, 'Content-Type': 'application/json' });
  res.end(text);
}

async function handle(options: SqlEndpointOptions, tokens: VerifiedTokens, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const extra = options.extraRoutes?.[path];
  if (extra && req.method === 'GET') return send(res, 200, extra());
  if (req.method === 'OPTIONS') {
    res.writeHead(200, corsHeaders);
    res.end();
    return;
  }
  if (path !== '/sql' || req.method !== 'POST') return send(res, 400, neonErrorBody({ message: 'query is not supported' }));

  const started = performance.now();
  // A client that goes away before its answer (the panel's Cancel aborts its fetch) cancels its statement.
  const clientGone = new AbortController();
  res.on('close', () => {
    if (!res.writableEnded) clientGone.abort();
  });
  let role = '';
  let authenticated: 'jwt' | 'password' = 'password';
  let status = 200;
  let queries: SqlQuery[] = [];
  try {
    const body = await readBody(req);
    const conn = parseConnectionString(header(req, 'neon-connection-string'));
    role = conn.role;
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      throw new HttpError(400, 'invalid request body: not JSON');
    }
    const batchList = (payload as { queries?: unknown }).queries;
    const isBatch = Array.isArray(batchList);
    queries = isBatch ? (batchList as unknown[]).map(parseQuery) : [parseQuery(payload)];
    const batch: BatchOptions | null = isBatch ? readBatchOptions(req) : null;
    const arrayMode = parseBoolHeader(header(req, 'neon-array-mode'), 'Neon-Array-Mode') ?? false;
    const rawText = parseBoolHeader(header(req, 'neon-raw-text-output'), 'Neon-Raw-Text-Output') ?? false;

    const authorization = header(req, 'authorization');
    let claims: Record<string, unknown> | null = null;
    if (authorization !== undefined) {
      // With a token, Neon authenticates by the JWT alone: the URL's password is ignored.
      authenticated = 'jwt';
      const token = parseBearer(authorization);
      claims = await tokens.verify(token, conn.role, options.providers());
    } else {
      await options.backend.checkLogin(conn.role, conn.password, conn.database);
    }
    if (!queries.length) return send(res, 200, { results: [] });
    const results = await options.backend.execute({ role: conn.role, database: conn.database, claims }, queries, batch, { signal: clientGone.signal });
    const formatted = results.map((r) => formatResult(r, arrayMode, rawText));
    send(res, 200, isBatch ? { results: formatted } : formatted[0]);
  } catch (err) {
    if (err instanceof HttpError) {
      status = err.status;
      send(res, err.status, neonErrorBody(err));
    } else if (err instanceof NeonJwtError || err instanceof NeonProxyError) {
      status = 400;
      send(res, 400, neonErrorBody(err));
    } else if (toPostgresError(err)) {
      status = 400;
      send(res, 400, neonErrorBody(toPostgresError(err)!));
    } else {
      status = 500;
      send(res, 500, neonErrorBody({ message: `could not run the query: ${(err as Error)?.message ?? String(err)}` }));
    }
  } finally {
    options.onRequest?.({ role, authenticated, status, ms: performance.now() - started, queries: queries.length });
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBatchOptions(req: IncomingMessage): BatchOptions {
  const level = header(req, 'neon-batch-isolation-level');
  if (level !== undefined && !isolationLevels.includes(level as IsolationLevel)) {
    throw new HttpError(400, `invalid value for header Neon-Batch-Isolation-Level: expected one of ${isolationLevels.join(', ')}`);
  }
  return {
    isolationLevel: level as IsolationLevel | undefined,
    readOnly: parseBoolHeader(header(req, 'neon-batch-read-only'), 'Neon-Batch-Read-Only'),
    deferrable: parseBoolHeader(header(req, 'neon-batch-deferrable'), 'Neon-Batch-Deferrable'),
  };
}
