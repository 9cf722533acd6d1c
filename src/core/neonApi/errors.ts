// Neon API failures as one error type whose message says what happened and what to do. The axios error is
// not kept: its config carries the `Authorization: Bearer <api key>` header, and anything holding it could
// end up in a log.
import { maskSecrets } from '../secrets';

export type NeonApiErrorKind =
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'busy'
  | 'rate-limited'
  | 'bad-request'
  | 'server'
  | 'network'
  | 'unknown';

export interface NeonApiErrorInit {
  kind: NeonApiErrorKind;
  /** What the extension was doing, e.g. "list projects". */
  operation: string;
  status?: number;
  /** Neon's error `code` from the body, or a Node network code (`ENOTFOUND`…). */
  code?: string;
  requestId?: string;
  retryAfterSeconds?: number;
  /** Neon's own message from the body, secrets removed. */
  serverMessage?: string;
}

export class NeonApiError extends Error {
  override readonly name = 'NeonApiError';
  readonly kind: NeonApiErrorKind;
  readonly operation: string;
  readonly status?: number;
  readonly code?: string;
  readonly requestId?: string;
  readonly retryAfterSeconds?: number;
  readonly serverMessage?: string;

  constructor(message: string, init: NeonApiErrorInit) {
    super(message);
    this.kind = init.kind;
    this.operation = init.operation;
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.serverMessage = init.serverMessage;
  }
}

/** What a 404 means for the call that got it, and what to pick again. */
export interface NotFoundContext {
  /** e.g. `project "shiny-wind-028834"` or `project "x" or branch "br-y"`. */
  what: string;
  /** e.g. "pick the project again". */
  todo: string;
}

export interface AxiosLikeError {
  isAxiosError: true;
  code?: string;
  message?: string;
  response?: { status: number; data?: unknown; headers?: Record<string, unknown> };
}

export function isAxiosLikeError(err: unknown): err is AxiosLikeError {
  return typeof err === 'object' && err !== null && (err as { isAxiosError?: unknown }).isAxiosError === true;
}

/** Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date); undefined when absent or bad. */
export function parseRetryAfter(value: unknown, now: number = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string' && typeof text !== 'number') return undefined;
  const trimmed = String(text).trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed));
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

const NETWORK_HINT =
  'Check your network connection, DNS and proxy settings (VS Code: http.proxy), then run the command again.';

export function toNeonApiError(
  err: unknown,
  options: { operation: string; apiKey: string; baseURL: string; timeoutMs: number; notFound?: NotFoundContext },
): NeonApiError {
  if (err instanceof NeonApiError) return err;
  const { operation, apiKey } = options;
  const host = hostOf(options.baseURL);
  if (!isAxiosLikeError(err)) {
    const text = err instanceof Error ? err.message : String(err);
    return new NeonApiError(`Could not ${operation}: ${maskSecrets(text, [apiKey])}.`, { kind: 'unknown', operation });
  }
  const response = err.response;
  if (!response) return networkError(err, operation, host, options.timeoutMs, apiKey);

  const status = response.status;
  const body = (typeof response.data === 'object' && response.data !== null ? response.data : {}) as Record<string, unknown>;
  const serverMessage =
    typeof body.message === 'string' && body.message !== '' ? maskSecrets(body.message, [apiKey]) : undefined;
  const code = typeof body.code === 'string' && body.code !== '' ? body.code : undefined;
  const requestId = typeof body.request_id === 'string' ? body.request_id : readHeader(response.headers, 'x-request-id');
  const retryAfterSeconds = parseRetryAfter(readHeader(response.headers, 'retry-after'));
  const said = serverMessage ? `: ${serverMessage}` : '';
  const ref = requestId ? ` (request id ${requestId})` : '';
  const init = { operation, status, code, requestId, retryAfterSeconds, serverMessage };

  if (status === 401) {
    return new NeonApiError(
      `Could not ${operation}: the Neon API key is invalid or has been revoked (HTTP 401). Create a new key in the ` +
        `Neon Console (Account settings → API keys, or Organization settings → API keys for an organization key), ` +
        `set it again, then run the command again.`,
      { ...init, kind: 'unauthorized' },
    );
  }
  if (status === 403) {
    return new NeonApiError(
      `Could not ${operation}: this API key is not allowed to do that (HTTP 403${said}). Use a key of an account or ` +
        `organization that has access to the project (a project-scoped key reaches only its own project), or ask ` +
        `an organization admin for access.`,
      { ...init, kind: 'forbidden' },
    );
  }
  if (status === 404) {
    const nf = options.notFound;
    return new NeonApiError(
      nf
        ? `Could not ${operation}: ${nf.what} was not found (HTTP 404${said}). It may have been deleted, or it belongs ` +
            `to another account or organization than this API key: ${nf.todo}.`
        : `Could not ${operation}: not found (HTTP 404${said}).`,
      { ...init, kind: 'not-found' },
    );
  }
  if (status === 409 || status === 423) {
    const wait = retryAfterSeconds !== undefined ? `Wait ${retryAfterSeconds} s` : 'Wait a few seconds';
    return new NeonApiError(
      `Could not ${operation}: Neon is still running another operation on this project (HTTP ${status}${said}). ` +
        `${wait} and run the command again.`,
      { ...init, kind: 'busy' },
    );
  }
  if (status === 429) {
    const wait = retryAfterSeconds !== undefined ? `Wait ${retryAfterSeconds} s` : 'Wait a minute';
    return new NeonApiError(
      `Could not ${operation}: the Neon API is rate-limiting requests from this key (HTTP 429). ${wait} and run the ` +
        `command again.`,
      { ...init, kind: 'rate-limited' },
    );
  }
  if (status >= 500) {
    return new NeonApiError(
      `Could not ${operation}: the Neon API failed on its side (HTTP ${status}${said})${ref}. Try again in a minute; ` +
        `if it keeps failing, check https://neonstatus.com.`,
      { ...init, kind: 'server' },
    );
  }
  if (status >= 400) {
    return new NeonApiError(
      `Could not ${operation}: the Neon API rejected the request (HTTP ${status}${said})${ref}. Check the values ` +
        `you entered and run the command again.`,
      { ...init, kind: 'bad-request' },
    );
  }
  return new NeonApiError(`Could not ${operation}: unexpected answer from the Neon API (HTTP ${status}${said}).`, {
    ...init,
    kind: 'unknown',
  });
}

function networkError(err: AxiosLikeError, operation: string, host: string, timeoutMs: number, apiKey: string): NeonApiError {
  const code = err.code ?? findCauseCode(err);
  const init = { kind: 'network' as const, operation, code };
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new NeonApiError(
        `Could not ${operation}: the Neon API host ${host} could not be resolved (${code}). ${NETWORK_HINT}`,
        init,
      );
    case 'ECONNREFUSED':
      return new NeonApiError(
        `Could not ${operation}: the connection to the Neon API at ${host} was refused (ECONNREFUSED). ${NETWORK_HINT}`,
        init,
      );
    case 'ECONNABORTED':
    case 'ETIMEDOUT':
    case 'ERR_CANCELED':
      return new NeonApiError(
        `Could not ${operation}: the Neon API at ${host} did not answer within ${Number((timeoutMs / 1000).toFixed(1))} s ` +
          `(${code}). ${NETWORK_HINT}`,
        init,
      );
    case 'ECONNRESET':
    case 'EPIPE':
      return new NeonApiError(
        `Could not ${operation}: the connection to the Neon API at ${host} was dropped (${code}). ${NETWORK_HINT}`,
        init,
      );
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return new NeonApiError(
        `Could not ${operation}: the TLS certificate of ${host} could not be verified (${code}). A proxy may be ` +
          `intercepting HTTPS: add its CA certificate (NODE_EXTRA_CA_CERTS or your system store), or check the ` +
          `proxy settings (VS Code: http.proxy).`,
        init,
      );
    default:
      return new NeonApiError(
        `Could not ${operation}: the Neon API at ${host} could not be reached (${code ?? maskSecrets(err.message ?? 'network error', [apiKey])}). ${NETWORK_HINT}`,
        init,
      );
  }
}

function findCauseCode(err: unknown): string | undefined {
  let current: unknown = (err as { cause?: unknown }).cause;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function readHeader(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  // AxiosHeaders has get(); a plain object has lower-cased keys in Node.
  const getter = (headers as { get?: (n: string) => unknown }).get;
  const value = typeof getter === 'function' ? getter.call(headers, name) : headers[name];
  if (value === undefined || value === null || value === false) return undefined;
  return String(Array.isArray(value) ? value[0] : value);
}

function hostOf(baseURL: string): string {
  try {
    return new URL(baseURL).host;
  } catch {
    return baseURL;
  }
}
