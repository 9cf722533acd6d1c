// A live check of a JWKS URL against the rules Neon's proxy applies when it fetches keys
// (docs/jwt-rules.md#jwks-fetching): reachable within 2 s connect / 5 s total, no redirect, at most 64 KiB, a JSON
// object with `keys`, keys with `use: sig` (or none), a `kid` on each key, and ES256 (P-256) or RS256
// keys. The fetch itself is fetchJwksLikeNeon (src/core/jwt/jwksCache.ts); this turns its detailed
// result into a short report of checks, each saying what to do when it does not pass.
import { isLocalAddress } from './providers/catalog';
import { fetchJwksLikeNeon, type JwksFetchOptions, type JwksFetchResult, type JwksKeyReport } from './jwt/jwksCache';

export type JwksCheckStatus = 'pass' | 'warn' | 'fail';
export type JwksCheckId = 'url' | 'reachable' | 'status' | 'redirect' | 'size' | 'json' | 'use' | 'kid' | 'algorithms';

export interface JwksCheckItem {
  readonly check: JwksCheckId;
  /** Short label for the row, e.g. "Reachable in time". */
  readonly title: string;
  readonly status: JwksCheckStatus;
  /** What was found and, unless it passed, what to do. */
  readonly message: string;
}

export interface JwksKeysSummary {
  /** Keys in the document. */
  readonly total: number;
  /** Keys Neon keeps after parsing and the `use` filter. */
  readonly kept: number;
  /** Kept keys that can verify tokens on Neon and have a `kid` (so a token can select them). */
  readonly usable: number;
  readonly es256: number;
  readonly rs256: number;
  readonly withoutKid: number;
  readonly kids: readonly string[];
  /** One line per key: kid, type, and whether Neon can use it. */
  readonly lines: readonly string[];
  readonly keys: readonly JwksKeyReport[];
}

export interface JwksCheckReport {
  readonly url: string;
  /** No check failed: Neon would store the key set and can verify ES256/RS256 tokens with it. */
  readonly ok: boolean;
  readonly items: readonly JwksCheckItem[];
  readonly keys: JwksKeysSummary;
  /** The underlying fetch, for a detailed view. */
  readonly fetch: JwksFetchResult;
}

export type JwksCheckOptions = JwksFetchOptions;

const kib = (bytes: number): string =>
  bytes < 1024 ? `${bytes} bytes` : `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0).replace(/\.0$/, '')} KiB`;

function keyLabel(k: JwksKeyReport): string {
  const type = [k.kty, k.crv, k.alg].filter(Boolean).join(' ') || 'key';
  return `${k.kid !== undefined ? `kid "${k.kid}"` : `key #${k.index + 1} (no kid)`}: ${type}`;
}

export function summarizeKeys(result: JwksFetchResult): JwksKeysSummary {
  const kept = result.keys.filter((k) => k.kept);
  const verifying = kept.filter((k) => k.neonUse?.verifies);
  const usable = verifying.filter((k) => k.kid !== undefined);
  return {
    total: result.keys.length,
    kept: kept.length,
    usable: usable.length,
    es256: usable.filter((k) => k.neonUse?.verifies === 'ES256').length,
    rs256: usable.filter((k) => k.neonUse?.verifies === 'RS256').length,
    withoutKid: result.keys.filter((k) => k.kid === undefined).length,
    kids: result.keys.flatMap((k) => (k.kid !== undefined ? [k.kid] : [])),
    lines: result.keys.map((k) => `${keyLabel(k)} — ${k.kept ? (k.neonUse?.note ?? 'kept') : `skipped by Neon: ${k.reason ?? 'unusable'}`}`),
    keys: result.keys,
  };
}

/** Turns a fetch result into the check list. Pure: the live part is checkJwks. */
export function evaluateJwksFetch(result: JwksFetchResult): JwksCheckReport {
  const items: JwksCheckItem[] = [];
  const keys = summarizeKeys(result);
  const push = (check: JwksCheckId, title: string, status: JwksCheckStatus, message: string) => items.push({ check, title, status, message });
  const finish = (): JwksCheckReport => ({ url: result.url, ok: !items.some((i) => i.status === 'fail'), items, keys, fetch: result });
  const stage = result.failure?.stage;
  const limits = result.limits;

  // URL
  if (stage === 'invalid-url') {
    push('url', 'Valid URL', 'fail', `${result.failure!.message}. Enter the full JWKS URL, e.g. https://auth.example.com/.well-known/jwks.json.`);
    return finish();
  }
  const url = new URL(result.url);
  if (isLocalAddress(url.hostname)) {
    push('url', 'Reachable by Neon', 'warn', `${url.hostname} is a local address: Neon cannot fetch it from its cloud. Fine for the local playground only.`);
  } else if (url.protocol === 'http:') {
    push('url', 'https', 'warn', 'The URL uses http: keys fetched over plain http can be swapped on the way. Use the provider\'s https URL.');
  } else {
    push('url', 'https', 'pass', 'The URL uses https.');
  }

  // Reachable within Neon's time limits
  const attempts = result.attempts.length;
  const tries = attempts > 1 ? ` Neon would try ${attempts} times.` : '';
  if (stage === 'connect' || stage === 'connect-timeout' || stage === 'timeout' || stage === 'network') {
    const what =
      stage === 'connect-timeout'
        ? `Neon gives up when the connection takes more than ${limits.connectTimeoutMs / 1000} s.`
        : stage === 'timeout'
          ? `Neon gives up when the whole answer takes more than ${limits.totalTimeoutMs / 1000} s: make the endpoint answer faster (or put it behind a CDN).`
          : 'Check the host name and that the endpoint is publicly reachable over the internet.';
    push('reachable', 'Reachable in time', 'fail', `${result.failure!.message}.${tries} ${what}`);
    return finish();
  }
  const total = result.timing.totalMs;
  const slow = result.attempts.at(-1)!.durationMs > limits.totalTimeoutMs / 2;
  push(
    'reachable',
    'Reachable in time',
    slow ? 'warn' : 'pass',
    slow
      ? `The answer took ${result.attempts.at(-1)!.durationMs} ms, more than half of Neon's ${limits.totalTimeoutMs / 1000} s limit: a slower day would make Neon drop the keys.`
      : `Answered in ${total} ms (Neon allows ${limits.connectTimeoutMs / 1000} s to connect, ${limits.totalTimeoutMs / 1000} s in all).${tries}`,
  );

  // HTTP status and redirects
  const status = result.status ?? 0;
  if (result.redirect) {
    const location = result.redirect.location ? new URL(result.redirect.location, result.url).toString() : undefined;
    push('status', 'HTTP status', 'fail', `HTTP ${status} redirect.`);
    push(
      'redirect',
      'No redirect',
      'fail',
      location
        ? `The URL redirects to ${location}; Neon does not follow redirects. Register ${location} instead.`
        : 'The URL answers with a redirect and no Location; Neon does not follow redirects. Register the final JWKS URL instead.',
    );
    return finish();
  }
  if (stage === 'http-status') {
    const hint =
      status === 404
        ? 'Nothing is served at this path: check the project ID / tenant in the URL against the provider\'s dashboard.'
        : status === 401 || status === 403
          ? 'The endpoint wants credentials: a JWKS URL must be public.'
          : status >= 500
            ? 'The provider\'s server failed: try again later, or check its status page.'
            : 'Check that the URL is the JWKS endpoint.';
    push('status', 'HTTP status', 'fail', `HTTP ${status}: Neon treats any 4xx/5xx answer as "no keys". ${hint}`);
    return finish();
  }
  push('status', 'HTTP status', 'pass', `HTTP ${status}.`);
  push('redirect', 'No redirect', 'pass', 'No redirect.');

  // Size
  if (stage === 'too-large') {
    push('size', `At most ${kib(limits.maxBodyBytes)}`, 'fail', `${result.failure!.message}. Neon drops key sets over ${kib(limits.maxBodyBytes)}: remove retired keys from the set, or use a provider endpoint that serves only the signing keys.`);
    return finish();
  }
  push(
    'size',
    `At most ${kib(limits.maxBodyBytes)}`,
    result.bytes > limits.maxBodyBytes * 0.75 ? 'warn' : 'pass',
    result.bytes > limits.maxBodyBytes * 0.75
      ? `${kib(result.bytes)}: close to Neon's ${kib(limits.maxBodyBytes)} limit; a few more keys and Neon will drop the set.`
      : `${kib(result.bytes)} of Neon's ${kib(limits.maxBodyBytes)} limit.`,
  );

  // JSON shape
  if (stage === 'not-json' || stage === 'bad-shape') {
    push('json', 'JSON key set', 'fail', `${result.failure!.message[0]!.toUpperCase()}${result.failure!.message.slice(1)}. A JWKS is a JSON object like {"keys": [...]}.`);
    return finish();
  }
  if (keys.total === 0) {
    push('json', 'JSON key set', 'fail', 'The "keys" array is empty: the provider publishes no key yet. Create a signing key in the provider\'s dashboard (or finish its setup), then check again.');
    return finish();
  }
  push('json', 'JSON key set', 'pass', `A JSON object with ${keys.total} key${keys.total === 1 ? '' : 's'}.`);

  // use
  const notSig = result.keys.filter((k) => k.use !== undefined && k.use !== 'sig');
  const unparsable = result.keys.filter((k) => !k.kept && !(k.use !== undefined && k.use !== 'sig'));
  if (keys.kept === 0 && notSig.length > 0 && unparsable.length === 0) {
    push('use', '"use": "sig"', 'fail', `Every key has "use" other than "sig" (${[...new Set(notSig.map((k) => k.use))].join(', ')}): Neon skips them all. Serve the signing keys.`);
  } else if (notSig.length > 0 || unparsable.length > 0) {
    const parts = [
      notSig.length ? `${notSig.length} key${notSig.length === 1 ? ' has' : 's have'} "use" other than "sig" and ${notSig.length === 1 ? 'is' : 'are'} skipped` : '',
      unparsable.length ? `${unparsable.length} key${unparsable.length === 1 ? '' : 's'} Neon cannot parse (${unparsable.map((k) => k.reason).join('; ')})` : '',
    ].filter(Boolean);
    push('use', '"use": "sig"', 'warn', `${parts.join('; ')}. The other keys are kept.`);
  } else {
    push('use', '"use": "sig"', 'pass', 'Every key is for signatures ("use": "sig" or absent).');
  }

  // kid
  const verifying = result.keys.filter((k) => k.kept && k.neonUse?.verifies);
  const verifyingWithoutKid = verifying.filter((k) => k.kid === undefined);
  const duplicateKids = keys.kids.filter((kid, i) => keys.kids.indexOf(kid) !== i);
  if (verifying.length > 0 && verifyingWithoutKid.length === verifying.length) {
    push('kid', 'Keys have "kid"', 'fail', 'No usable key has a "kid": Neon picks the key by the token header\'s kid, so no token can be verified. Configure the provider to publish key IDs.');
  } else if (verifyingWithoutKid.length > 0 || duplicateKids.length > 0) {
    const parts = [
      verifyingWithoutKid.length ? `${verifyingWithoutKid.length} usable key${verifyingWithoutKid.length === 1 ? ' has' : 's have'} no "kid" and can never be selected` : '',
      duplicateKids.length ? `kid ${[...new Set(duplicateKids)].map((k) => `"${k}"`).join(', ')} appears more than once (Neon uses the first)` : '',
    ].filter(Boolean);
    push('kid', 'Keys have "kid"', 'warn', `${parts.join('; ')}.`);
  } else if (keys.withoutKid > 0 && verifying.length === 0) {
    push('kid', 'Keys have "kid"', 'warn', `${keys.withoutKid} key${keys.withoutKid === 1 ? ' has' : 's have'} no "kid"; Neon picks keys by kid.`);
  } else {
    push('kid', 'Keys have "kid"', 'pass', 'Every key has a "kid".');
  }

  // Algorithms: ES256 (P-256) or RS256
  if (keys.usable > 0) {
    const found = [keys.es256 ? `${keys.es256} ES256 (P-256)` : '', keys.rs256 ? `${keys.rs256} RS256` : ''].filter(Boolean).join(' and ');
    const unusable = result.keys.filter((k) => k.kept && !k.neonUse?.verifies);
    push(
      'algorithms',
      'ES256 / RS256 keys',
      unusable.length ? 'warn' : 'pass',
      unusable.length
        ? `${found} key${keys.usable === 1 ? '' : 's'} Neon can verify with; ${unusable.length} other key${unusable.length === 1 ? '' : 's'} cannot (${unusable.map((k) => k.neonUse?.note).join('; ')}). Tokens signed with those fail.`
        : `${found} key${keys.usable === 1 ? '' : 's'} Neon can verify tokens with.`,
    );
  } else if (verifying.length === 0) {
    const kinds = new Set(result.keys.map((k) => k.kty));
    const why =
      kinds.size === 1 && kinds.has('oct')
        ? 'The set has only symmetric (oct / HS256) keys: a shared secret cannot be published, and Neon verifies only ES256 and RS256 public keys. Switch the provider to asymmetric signing (RS256 or ES256).'
        : kinds.size === 1 && kinds.has('OKP')
          ? 'The set has only EdDSA (OKP) keys: Neon verifies only ES256 and RS256. Switch the provider\'s signing algorithm to ES256 or RS256.'
          : `No key Neon can verify with (${result.keys.filter((k) => k.kept).map((k) => k.neonUse?.note).join('; ') || 'none kept'}). Neon verifies only ES256 (P-256) and RS256 (RSA ≥ 2048 bits) keys.`;
    push('algorithms', 'ES256 / RS256 keys', 'fail', why);
  } else {
    push('algorithms', 'ES256 / RS256 keys', 'fail', 'ES256/RS256 keys are present but none has a "kid", so none can be selected (see above).');
  }
  if (stage === 'no-usable-keys' && !items.some((i) => i.status === 'fail')) {
    push('algorithms', 'ES256 / RS256 keys', 'fail', `${result.failure!.message}.`);
  }
  return finish();
}

/** Fetches `url` as Neon would and checks the key set. Never throws for network or content problems. */
export async function checkJwks(url: string, opts: JwksCheckOptions = {}): Promise<JwksCheckReport> {
  return evaluateJwksFetch(await fetchJwksLikeNeon(url.trim(), opts));
}
