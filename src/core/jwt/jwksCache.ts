/**
 * Fetching and caching JWKS the way Neon's proxy does (proxy auth/backend/jwt.rs):
 * - HTTP client: user agent `neon-proxy`, no redirects, 2 s connect / 5 s total timeout, up to 3
 *   retries with exponential backoff on transient failures (connect errors, timeouts, 5xx, 408,
 *   429), like reqwest-retry's defaults;
 * - body read with a 64 KiB limit (a larger Content-Length is refused before reading; otherwise
 *   reading stops as soon as the limit is passed);
 * - any 4xx/5xx, unreadable or non-JWKS body drops that provider's keys; keys that do not parse
 *   or whose `use` is not `sig` are dropped; a set with no key left is dropped;
 * - cache per role: fetched when empty, renewed in the background once older than 5 min, renewed
 *   before answering once older than 1 h, and refetched for an unknown `kid` only when older
 *   than 30 s.
 *
 * One deliberate difference: for an unknown `kid` while the cached copy is between 30 s and
 * 5 min old, Neon's code as written loops (its renewal's double check keeps returning the same
 * copy) until the client gives up. The workbench does what that code intends: one refetch.
 *
 * Node-only (node:http / node:https), unless a `fetch` is injected.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { describeNeonKeyUse, parseJwkLikeNeon, type NeonJwk } from './neonJwk';
import { decodeUtf8Strict, getField, parseStrictJson, StrictJsonError } from './strictJson';
import type { JwksProviderRegistration } from './types';

/** Neon proxy constants (jwt.rs) the workbench reproduces. */
export const NEON_JWKS_DEFAULTS = {
  connectTimeoutMs: 2_000, // JWKS_CONNECT_TIMEOUT
  totalTimeoutMs: 5_000, // JWKS_FETCH_TIMEOUT
  maxBodyBytes: 64 * 1024, // MAX_JWK_BODY_SIZE
  retries: 3, // JWKS_FETCH_RETRIES
  userAgent: 'neon-proxy', // JWKS_USER_AGENT
  minRenewMs: 30_000, // MIN_RENEW: refetch on an unknown kid only past this age
  autoRenewMs: 300_000, // AUTO_RENEW: background renewal past this age
  maxRenewMs: 3_600_000, // MAX_RENEW: blocking renewal past this age
  clockSkewLeewaySec: 30, // CLOCK_SKEW_LEEWAY for exp / nbf
} as const;

/** reqwest-retry's ExponentialBackoff defaults: 1 s * 3^n with full jitter, at least 1 s. */
export function neonRetryDelayMs(retryNumber: number): number {
  const ceiling = 1000 * 3 ** (retryNumber - 1);
  return Math.max(1000, Math.round(Math.random() * ceiling));
}

export interface JwksFetchOptions {
  connectTimeoutMs?: number;
  totalTimeoutMs?: number;
  maxBodyBytes?: number;
  retries?: number;
  /** Wait before retry number n (1-based). Default: Neon's exponential backoff. */
  retryDelayMs?: (retryNumber: number) => number;
  userAgent?: string;
  /**
   * Replaces the built-in node:http(s) client. A WHATWG fetch cannot tell connecting from
   * waiting, so with it only the total timeout applies.
   */
  fetch?: typeof fetch;
  /** Wall clock in ms for the `startedAt` stamps. */
  now?: () => number;
}

export type JwksAttemptErrorStage = 'connect' | 'connect-timeout' | 'timeout' | 'network';

export interface JwksFetchAttempt {
  startedAt: number;
  durationMs: number;
  connectMs?: number;
  firstByteMs?: number;
  status?: number;
  error?: { stage: JwksAttemptErrorStage; message: string; code?: string };
  /** Whether Neon's retry policy would try again after this attempt. */
  transient: boolean;
}

export type JwksFailureStage =
  | 'invalid-url'
  | 'connect'
  | 'connect-timeout'
  | 'timeout'
  | 'network'
  | 'http-status'
  | 'redirect'
  | 'too-large'
  | 'not-json'
  | 'bad-shape'
  | 'no-usable-keys';

export interface JwksKeyReport {
  index: number;
  kid?: string;
  kty?: string;
  crv?: string;
  alg?: string;
  use?: string;
  kept: boolean;
  /** Why Neon drops the key (absent when kept). */
  reason?: string;
  /** For a kept key: which tokens it can verify on Neon. */
  neonUse?: { verifies: 'ES256' | 'RS256' | null; note: string };
}

export interface JwksFetchResult {
  url: string;
  /** True when Neon would store this key set. */
  ok: boolean;
  failure?: { stage: JwksFailureStage; message: string };
  attempts: JwksFetchAttempt[];
  status?: number;
  headers: Record<string, string>;
  contentType?: string;
  redirect?: { status: number; location?: string };
  timing: { startedAt: number; totalMs: number; connectMs?: number; firstByteMs?: number };
  /** Body bytes read (reading stops once past the limit). */
  bytes: number;
  contentLength?: number;
  bodyTruncated: boolean;
  /** Start of the body as text, to show what came back (an HTML page, an error). */
  bodyPreview?: string;
  parseError?: string;
  keys: JwksKeyReport[];
  /** The key set Neon would cache. */
  keptKeys: NeonJwk[];
  limits: { connectTimeoutMs: number; totalTimeoutMs: number; maxBodyBytes: number; retries: number };
}

interface RawAttempt {
  attempt: JwksFetchAttempt;
  headers: Record<string, string>;
  body?: Uint8Array;
  bodyTruncated: boolean;
  contentLength?: number;
  bytes: number;
}

const PREVIEW_BYTES = 1024;

function describeNetworkError(err: NodeJS.ErrnoException | Error, host: string): { stage: JwksAttemptErrorStage; message: string; code?: string } {
  const code = (err as NodeJS.ErrnoException).code ?? (err.cause as NodeJS.ErrnoException | undefined)?.code;
  const words: Record<string, string> = {
    ECONNREFUSED: `connection refused by ${host} (nothing is listening there)`,
    ENOTFOUND: `the host name ${host} does not resolve`,
    EAI_AGAIN: `the host name ${host} could not be resolved right now`,
    ECONNRESET: `${host} reset the connection`,
    EHOSTUNREACH: `${host} is unreachable`,
    ENETUNREACH: `the network to ${host} is unreachable`,
    CERT_HAS_EXPIRED: `${host}'s TLS certificate has expired`,
    DEPTH_ZERO_SELF_SIGNED_CERT: `${host} uses a self-signed TLS certificate`,
    SELF_SIGNED_CERT_IN_CHAIN: `${host}'s TLS certificate chain is self-signed`,
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: `${host}'s TLS certificate cannot be verified`,
    ERR_TLS_CERT_ALTNAME_INVALID: `${host}'s TLS certificate is for another name`,
  };
  const connectCodes = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'];
  const message = (code && words[code]) ?? `${err.message}${code ? ` (${code})` : ''}`;
  return { stage: code && connectCodes.includes(code) ? 'connect' : 'network', message, ...(code && { code }) };
}

function flattenHeaders(raw: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** One GET with node:http(s): connect timeout until the socket (and TLS) is up, total timeout over the whole exchange. */
function attemptWithNodeHttp(url: URL, o: Required<Omit<JwksFetchOptions, 'fetch' | 'retryDelayMs' | 'now'>>, startedAt: number): Promise<RawAttempt> {
  const t0 = performance.now();
  const since = () => Math.round(performance.now() - t0);
  return new Promise((resolve) => {
    const attempt: JwksFetchAttempt = { startedAt, durationMs: 0, transient: false };
    const result: RawAttempt = { attempt, headers: {}, bodyTruncated: false, bytes: 0 };
    let settled = false;
    const chunks: Buffer[] = [];
    const finish = (error?: JwksFetchAttempt['error']) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(totalTimer);
      attempt.durationMs = since();
      if (error) attempt.error = error;
      if (chunks.length) result.body = new Uint8Array(Buffer.concat(chunks));
      req.destroy();
      resolve(result);
    };
    const isHttps = url.protocol === 'https:';
    const req = (isHttps ? httpsRequest : httpRequest)(url, {
      method: 'GET',
      headers: { 'user-agent': o.userAgent, accept: '*/*' },
      agent: false,
    });
    const connectTimer = setTimeout(
      () => finish({ stage: 'connect-timeout', message: `could not connect to ${url.host} within ${o.connectTimeoutMs} ms` }),
      o.connectTimeoutMs,
    );
    const totalTimer = setTimeout(
      () => finish({ stage: 'timeout', message: `${url.host} did not send the whole JWKS within ${o.totalTimeoutMs} ms` }),
      o.totalTimeoutMs,
    );
    req.on('socket', (socket: Socket) => {
      socket.once(isHttps ? 'secureConnect' : 'connect', () => {
        clearTimeout(connectTimer);
        attempt.connectMs = since();
      });
    });
    req.on('error', (err) => finish(describeNetworkError(err, url.host)));
    req.on('response', (res) => {
      clearTimeout(connectTimer);
      attempt.firstByteMs = since();
      attempt.status = res.statusCode ?? 0;
      result.headers = flattenHeaders(res.headers);
      const declared = res.headers['content-length'];
      if (declared !== undefined && /^\d+$/.test(declared)) result.contentLength = Number(declared);
      const status = attempt.status;
      // Neon never reads the body of a 4xx/5xx; the workbench keeps a short preview to show it.
      const limit = status >= 400 ? PREVIEW_BYTES : o.maxBodyBytes;
      if (status < 400 && result.contentLength !== undefined && result.contentLength > o.maxBodyBytes) {
        result.bodyTruncated = true;
        return finish();
      }
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        result.bytes += chunk.length;
        if (result.bytes > limit) {
          if (status >= 400) chunks.push(chunk.subarray(0, Math.max(0, limit - (result.bytes - chunk.length))));
          result.bodyTruncated = status < 400;
          return finish();
        }
        chunks.push(chunk);
      });
      res.on('end', () => finish());
      res.on('error', (err) => finish(describeNetworkError(err, url.host)));
      res.on('aborted', () => finish({ stage: 'network', message: `${url.host} closed the connection before the body was complete` }));
    });
    req.end();
  });
}

/** One GET with an injected WHATWG fetch (redirects not followed, body streamed with the limit). */
async function attemptWithFetch(fetchImpl: typeof fetch, url: URL, o: Required<Omit<JwksFetchOptions, 'fetch' | 'retryDelayMs' | 'now'>>, startedAt: number): Promise<RawAttempt> {
  const t0 = performance.now();
  const since = () => Math.round(performance.now() - t0);
  const attempt: JwksFetchAttempt = { startedAt, durationMs: 0, transient: false };
  const result: RawAttempt = { attempt, headers: {}, bodyTruncated: false, bytes: 0 };
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, o.totalTimeoutMs);
  const chunks: Uint8Array[] = [];
  try {
    const res = await fetchImpl(url, { method: 'GET', redirect: 'manual', headers: { 'user-agent': o.userAgent, accept: '*/*' }, signal: controller.signal });
    attempt.firstByteMs = since();
    attempt.status = res.status;
    res.headers.forEach((v, k) => (result.headers[k] = v));
    const declared = res.headers.get('content-length');
    if (declared !== null && /^\d+$/.test(declared)) result.contentLength = Number(declared);
    const limit = res.status >= 400 ? PREVIEW_BYTES : o.maxBodyBytes;
    if (res.status < 400 && result.contentLength !== undefined && result.contentLength > o.maxBodyBytes) {
      result.bodyTruncated = true;
      controller.abort();
    } else if (res.body) {
      const reader = res.body.getReader();
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        result.bytes += value.length;
        if (result.bytes > limit) {
          if (res.status >= 400) chunks.push(value.subarray(0, Math.max(0, limit - (result.bytes - value.length))));
          result.bodyTruncated = res.status < 400;
          await reader.cancel().catch(() => undefined);
          break;
        }
        chunks.push(value);
      }
    }
  } catch (e) {
    const err = e as Error;
    attempt.error = timedOut
      ? { stage: 'timeout', message: `${url.host} did not send the whole JWKS within ${o.totalTimeoutMs} ms` }
      : describeNetworkError(err, url.host);
  } finally {
    clearTimeout(timer);
  }
  attempt.durationMs = since();
  if (chunks.length) {
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let off = 0;
    for (const c of chunks) {
      all.set(c, off);
      off += c.length;
    }
    result.body = all;
  }
  return result;
}

/** reqwest-retry's default policy: which outcomes are worth another try. */
function isTransient(a: JwksFetchAttempt): boolean {
  if (a.error) return a.status === undefined; // failures before the response headers (connect, timeout, reset)
  const s = a.status ?? 0;
  return s >= 500 || s === 408 || s === 429;
}

function previewText(bytes: Uint8Array | undefined): string | undefined {
  if (!bytes?.length) return undefined;
  return new TextDecoder('utf-8').decode(bytes.subarray(0, PREVIEW_BYTES));
}

/**
 * Fetches one JWKS URL exactly as Neon's proxy would and reports everything that happened.
 * Never throws: expected failures come back in `failure`.
 */
export async function fetchJwksLikeNeon(url: string, opts: JwksFetchOptions = {}): Promise<JwksFetchResult> {
  const o = {
    connectTimeoutMs: opts.connectTimeoutMs ?? NEON_JWKS_DEFAULTS.connectTimeoutMs,
    totalTimeoutMs: opts.totalTimeoutMs ?? NEON_JWKS_DEFAULTS.totalTimeoutMs,
    maxBodyBytes: opts.maxBodyBytes ?? NEON_JWKS_DEFAULTS.maxBodyBytes,
    retries: opts.retries ?? NEON_JWKS_DEFAULTS.retries,
    userAgent: opts.userAgent ?? NEON_JWKS_DEFAULTS.userAgent,
  };
  const now = opts.now ?? Date.now;
  const retryDelayMs = opts.retryDelayMs ?? neonRetryDelayMs;
  const startedAt = now();
  const t0 = performance.now();
  const result: JwksFetchResult = {
    url,
    ok: false,
    attempts: [],
    headers: {},
    timing: { startedAt, totalMs: 0 },
    bytes: 0,
    bodyTruncated: false,
    keys: [],
    keptKeys: [],
    limits: { connectTimeoutMs: o.connectTimeoutMs, totalTimeoutMs: o.totalTimeoutMs, maxBodyBytes: o.maxBodyBytes, retries: o.retries },
  };
  const done = (failure?: JwksFetchResult['failure']): JwksFetchResult => {
    result.timing.totalMs = Math.round(performance.now() - t0);
    if (failure) result.failure = failure;
    result.ok = !failure;
    return result;
  };

  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    return done({ stage: 'invalid-url', message: `"${url}" is not an absolute URL` });
  }
  if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:')
    return done({ stage: 'invalid-url', message: `the URL scheme is ${parsedUrl.protocol.replace(':', '')}; a JWKS URL must be http or https` });

  let raw: RawAttempt;
  for (let n = 0; ; n++) {
    raw = opts.fetch ? await attemptWithFetch(opts.fetch, parsedUrl, o, now()) : await attemptWithNodeHttp(parsedUrl, o, now());
    raw.attempt.transient = isTransient(raw.attempt);
    result.attempts.push(raw.attempt);
    if (!raw.attempt.transient || n >= o.retries) break;
    await new Promise((r) => setTimeout(r, retryDelayMs(n + 1)));
  }

  const last = raw.attempt;
  result.headers = raw.headers;
  if (last.status !== undefined) result.status = last.status;
  if (raw.headers['content-type']) result.contentType = raw.headers['content-type'];
  if (last.connectMs !== undefined) result.timing.connectMs = last.connectMs;
  if (last.firstByteMs !== undefined) result.timing.firstByteMs = last.firstByteMs;
  result.bytes = raw.bytes;
  if (raw.contentLength !== undefined) result.contentLength = raw.contentLength;
  result.bodyTruncated = raw.bodyTruncated;
  const preview = previewText(raw.body);
  if (preview !== undefined) result.bodyPreview = preview;
  const tries = result.attempts.length > 1 ? ` (after ${result.attempts.length} attempts)` : '';

  if (last.error && last.status === undefined) return done({ stage: last.error.stage, message: `${last.error.message}${tries}` });
  const status = last.status ?? 0;
  if (status >= 400)
    return done({ stage: 'http-status', message: `${parsedUrl.host} answered HTTP ${status}${tries}; Neon treats any 4xx/5xx answer as "no keys"` });
  if (status >= 300 && status < 400) result.redirect = { status, ...(raw.headers.location !== undefined && { location: raw.headers.location }) };
  if (raw.bodyTruncated)
    return done({
      stage: 'too-large',
      message:
        result.contentLength !== undefined && result.contentLength > o.maxBodyBytes
          ? `the JWKS is ${result.contentLength} bytes (Content-Length); Neon reads at most ${o.maxBodyBytes}`
          : `the JWKS is larger than ${o.maxBodyBytes} bytes, the most Neon reads`,
    });
  if (last.error) return done({ stage: last.error.stage, message: last.error.message });

  const redirectFailure = (what: string): JwksFetchResult['failure'] => ({
    stage: 'redirect',
    message: `${parsedUrl.host} answered with a redirect (HTTP ${status}${result.redirect?.location ? ` to ${result.redirect.location}` : ''}). Neon does not follow redirects: it read the redirect's own body, which ${what}. Register the final URL instead.`,
  });

  const text = decodeUtf8Strict(raw.body ?? new Uint8Array());
  if (text === undefined) {
    result.parseError = 'the body is not valid UTF-8';
    return done(result.redirect ? redirectFailure('is not a JWKS') : { stage: 'not-json', message: 'the body is not valid UTF-8 text, so it is not a JWKS' });
  }
  let doc;
  try {
    doc = parseStrictJson(text);
  } catch (e) {
    result.parseError = e instanceof StrictJsonError ? e.message : String(e);
    if (result.redirect) return done(redirectFailure(text.length ? 'is not a JWKS' : 'is empty'));
    const looksHtml = /^\s*</.test(text);
    return done({
      stage: 'not-json',
      message: looksHtml
        ? `the URL returned an HTML page${result.contentType ? ` (${result.contentType})` : ''}, not a JWKS; check that it is the JWKS endpoint itself`
        : `the body is not JSON (${result.parseError})`,
    });
  }
  const shapeFailure = (why: string) => done(result.redirect ? redirectFailure('is not a JWKS') : { stage: 'bad-shape', message: `the JSON is not a JWKS: ${why}` });
  if (doc.type !== 'object') return shapeFailure('it must be an object with a "keys" array');
  if (doc.duplicateKeys.includes('keys')) return shapeFailure('"keys" appears twice');
  const keys = getField(doc, 'keys');
  if (keys === undefined) return shapeFailure('it has no "keys" member');
  if (keys.type !== 'array') return shapeFailure('"keys" must be an array');

  keys.items.forEach((item, index) => {
    const parsed = parseJwkLikeNeon(item);
    const plain = item.type === 'object' ? Object.fromEntries(item.entries.filter(([, v]) => v.type === 'string').map(([k, v]) => [k, (v as { value: string }).value])) : {};
    const summary: JwksKeyReport = {
      index,
      kept: false,
      ...(plain.kid !== undefined && { kid: plain.kid }),
      ...(plain.kty !== undefined && { kty: plain.kty }),
      ...(plain.crv !== undefined && { crv: plain.crv }),
      ...(plain.alg !== undefined && { alg: plain.alg }),
      ...(plain.use !== undefined && { use: plain.use }),
    };
    if (!parsed.ok) {
      summary.reason = `Neon cannot parse this key: ${parsed.reason}`;
    } else if (parsed.value.use !== undefined && parsed.value.use !== 'sig') {
      summary.reason = `its "use" is "${parsed.value.use}", not "sig"`;
    } else {
      summary.kept = true;
      summary.neonUse = describeNeonKeyUse(parsed.value);
      result.keptKeys.push(parsed.value);
    }
    result.keys.push(summary);
  });
  if (!result.keptKeys.length)
    return done(
      result.redirect
        ? redirectFailure('has no usable key')
        : { stage: 'no-usable-keys', message: keys.items.length ? 'no key in the set is one Neon can use (see each key)' : 'the "keys" array is empty' },
    );
  return done();
}

// ---------------------------------------------------------------------------------------------

export interface JwksCacheOptions extends Omit<JwksFetchOptions, 'now'> {
  /** Clock in ms; drives cache ages and the default `now` of verifyLikeNeon. */
  now?: () => number;
  /** Called after every JWKS fetch (one per provider per renewal). */
  onFetch?: (provider: JwksProviderRegistration, result: JwksFetchResult) => void;
}

export interface JwksKeySet {
  provider: JwksProviderRegistration;
  keys: NeonJwk[];
}

/** One cached renewal: what Neon holds for a role. */
export interface JwksCacheEntry {
  /** When the renewal started (Neon stamps `last_retrieved` before fetching). */
  lastRetrieved: number;
  /** Providers whose JWKS loaded, in registration order. */
  keySets: JwksKeySet[];
  /** Every provider's fetch, including failures. */
  fetches: Array<{ provider: JwksProviderRegistration; result: JwksFetchResult }>;
}

export interface JwksLookup {
  /** The key for the kid, from the first provider (in registration order) listing the role and the kid. */
  found?: { jwk: NeonJwk; provider: JwksProviderRegistration; alsoIn: JwksProviderRegistration[] };
  entry: JwksCacheEntry;
  /** Whether this lookup refetched because the kid was unknown. */
  refetched: boolean;
}

interface EntryState {
  cached?: JwksCacheEntry;
  inflight?: Promise<JwksCacheEntry>;
}

function providersFingerprint(providers: JwksProviderRegistration[]): string {
  return JSON.stringify(providers.map((p) => [p.id, p.jwksUrl, p.audience ?? null, [...p.roleNames].sort()]));
}

export class JwksCache {
  readonly now: () => number;
  private readonly entries = new Map<string, EntryState>();
  private readonly background = new Set<Promise<unknown>>();

  constructor(private readonly opts: JwksCacheOptions = {}) {
    this.now = opts.now ?? Date.now;
  }

  /**
   * Finds the key Neon would use for `kid` when a token arrives for `roleName`, renewing the
   * cache by Neon's rules first. The cache is kept per role (as Neon keys it per endpoint and
   * role) and per provider list, so editing a registration starts a fresh cache.
   */
  async lookup(kid: string, roleName: string, providers: JwksProviderRegistration[]): Promise<JwksLookup> {
    const key = `${roleName}\u0000${providersFingerprint(providers)}`;
    let state = this.entries.get(key);
    if (!state) this.entries.set(key, (state = {}));

    let entry = state.cached;
    if (!entry) {
      entry = await this.renew(state, providers, false);
    } else {
      const age = this.now() - entry.lastRetrieved;
      if (age > NEON_JWKS_DEFAULTS.maxRenewMs) {
        entry = await this.renew(state, providers, false);
      } else if (age > NEON_JWKS_DEFAULTS.autoRenewMs && !state.inflight) {
        const renewal = this.renew(state, providers, false);
        this.background.add(renewal);
        void renewal.finally(() => this.background.delete(renewal)).catch(() => undefined);
      }
    }

    let refetched = false;
    for (;;) {
      const found = this.find(entry, kid, roleName);
      if (found) return { found, entry, refetched };
      if (!refetched && this.now() - entry.lastRetrieved > NEON_JWKS_DEFAULTS.minRenewMs) {
        entry = await this.renew(state, providers, true);
        refetched = true;
        continue;
      }
      return { entry, refetched };
    }
  }

  /** What is cached for a role and provider list, without fetching. */
  peek(roleName: string, providers: JwksProviderRegistration[]): JwksCacheEntry | undefined {
    return this.entries.get(`${roleName}\u0000${providersFingerprint(providers)}`)?.cached;
  }

  /** Resolves once every background renewal has finished. */
  async idle(): Promise<void> {
    while (this.background.size) await Promise.allSettled([...this.background]);
  }

  clear(): void {
    this.entries.clear();
  }

  private find(entry: JwksCacheEntry, kid: string, roleName: string): JwksLookup['found'] {
    const matches = entry.keySets
      .filter((set) => set.provider.roleNames.includes(roleName))
      .map((set) => ({ set, jwk: set.keys.find((k) => k.kid === kid) }))
      .filter((m): m is { set: JwksKeySet; jwk: NeonJwk } => m.jwk !== undefined);
    const first = matches[0];
    if (!first) return undefined;
    return { jwk: first.jwk, provider: first.set.provider, alsoIn: matches.slice(1).map((m) => m.set.provider) };
  }

  /** Neon's `renew_jwks`: one renewal at a time per entry; skipped when a fresh copy exists unless forced. */
  private renew(state: EntryState, providers: JwksProviderRegistration[], force: boolean): Promise<JwksCacheEntry> {
    if (state.inflight) return state.inflight;
    if (!force && state.cached && this.now() - state.cached.lastRetrieved < NEON_JWKS_DEFAULTS.autoRenewMs) return Promise.resolve(state.cached);
    const lastRetrieved = this.now();
    const run = (async () => {
      const entry: JwksCacheEntry = { lastRetrieved, keySets: [], fetches: [] };
      // Neon fetches the providers one after another.
      for (const provider of providers) {
        const result = await fetchJwksLikeNeon(provider.jwksUrl, { ...this.opts, now: this.now });
        this.opts.onFetch?.(provider, result);
        entry.fetches.push({ provider, result });
        if (result.ok) entry.keySets.push({ provider, keys: result.keptKeys });
      }
      state.cached = entry;
      return entry;
    })();
    state.inflight = run;
    void run
      .finally(() => {
        if (state.inflight === run) delete state.inflight;
      })
      .catch(() => undefined); // the caller awaiting `run` sees the error
    return run;
  }
}
