// Postgres connection URLs: parse without losing the original text, mask secrets, describe for display.
// Hand-written instead of `new URL()` because real-world URLs carry unescaped characters in passwords
// (`@`, `/`, `#`) that WHATWG URL parsing rejects or mangles.

export const MASK = '****';

/** Query parameters whose value is a secret (libpq keywords and common driver variants). */
const SECRET_QUERY_KEYS = new Set(['password', 'sslpassword', 'pass', 'passwd', 'pwd']);

export class InvalidConnectionUrlError extends Error {
  override readonly name = 'InvalidConnectionUrlError';
}

/** The parts of a postgres:// URL, with offsets into the original text so it can be rewritten in place. */
interface UrlParts {
  scheme: string;
  /** Start/end (exclusive) of the password in the original text, when the URL has `user:password@`. */
  passwordSpan?: [number, number];
  user: string;
  password?: string;
  hosts: { host: string; port?: number }[];
  database: string;
  params: URLSearchParams;
  /** Start of the query string (after `?`) in the original text, or -1. */
  queryStart: number;
  /** Offset of the `@` that ends the user info in the original text, or -1. */
  atIndex: number;
}

const SCHEME_RE = /^\s*(postgres(?:ql)?):\/\//i;

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function parseHostList(hostList: string): { host: string; port?: number }[] {
  if (hostList === '') return [];
  return hostList.split(',').map((entry) => {
    const bracketed = /^\[([^\]]*)\](?::(\d*))?$/.exec(entry);
    if (bracketed) return { host: bracketed[1] ?? '', port: bracketed[2] ? Number(bracketed[2]) : undefined };
    const colon = entry.lastIndexOf(':');
    if (colon >= 0 && /^\d*$/.test(entry.slice(colon + 1))) {
      const portText = entry.slice(colon + 1);
      return { host: decode(entry.slice(0, colon)), port: portText ? Number(portText) : undefined };
    }
    return { host: decode(entry) };
  });
}

function parseUrlParts(url: string): UrlParts {
  const scheme = SCHEME_RE.exec(url);
  if (!scheme) {
    throw new InvalidConnectionUrlError(
      'Not a Postgres connection URL: it must start with postgres:// or postgresql:// ' +
        '(for example postgresql://role:password@host/database?sslmode=require).',
    );
  }
  const authorityStart = scheme[0].length;
  // The user info ends at the last `@` before a query string starts: passwords may hold unescaped `@`, `/`
  // or `?`, and query values may hold `@` (an application_name with an e-mail address).
  let at = -1;
  for (let i = url.indexOf('@', authorityStart); i >= 0; i = url.indexOf('@', i + 1)) {
    if (/\?[^@]*=/.test(url.slice(authorityStart, i))) break;
    at = i;
  }
  const queryIndex = url.indexOf('?', at >= 0 ? at : authorityStart);
  const mainEnd = queryIndex >= 0 ? queryIndex : url.length;
  const main = url.slice(authorityStart, mainEnd);
  at = at >= 0 ? at - authorityStart : -1;
  const userInfo = at >= 0 ? main.slice(0, at) : '';
  const hostAndPath = at >= 0 ? main.slice(at + 1) : main;
  let user = '';
  let password: string | undefined;
  let passwordSpan: [number, number] | undefined;
  if (at >= 0) {
    const colon = userInfo.indexOf(':');
    if (colon >= 0) {
      user = decode(userInfo.slice(0, colon));
      password = decode(userInfo.slice(colon + 1));
      passwordSpan = [authorityStart + colon + 1, authorityStart + at];
    } else {
      user = decode(userInfo);
    }
  }
  const slash = hostAndPath.indexOf('/');
  const hostList = slash >= 0 ? hostAndPath.slice(0, slash) : hostAndPath;
  const database = slash >= 0 ? decode(hostAndPath.slice(slash + 1)) : '';
  const queryStart = queryIndex >= 0 ? queryIndex + 1 : -1;
  const params = new URLSearchParams(queryStart >= 0 ? url.slice(queryStart) : '');
  return {
    scheme: (scheme[1] ?? 'postgres').toLowerCase(),
    passwordSpan,
    user,
    password,
    hosts: parseHostList(hostList),
    database,
    params,
    queryStart,
    atIndex: at >= 0 ? authorityStart + at : -1,
  };
}

/** Replaces secret values of `key=value` pairs in a query string, keeping everything else verbatim. */
function maskQuery(query: string): string {
  return query.replace(/(^|&)([^=&]*)=([^&]*)/g, (whole, sep: string, key: string, value: string) =>
    SECRET_QUERY_KEYS.has(decode(key).toLowerCase()) && value !== '' ? `${sep}${key}=${MASK}` : whole,
  );
}

/** Masks `password=...` in a libpq keyword/value string (`host=x password='secret' dbname=y`). */
function maskKeywordValue(text: string): string {
  return text.replace(
    /\b(password|sslpassword)(\s*=\s*)('(?:\\.|[^'\\])*'|[^\s]+)/gi,
    (_whole, key: string, eq: string) => `${key}${eq}${MASK}`,
  );
}

/**
 * The URL with its password (and any `password=` query parameter) replaced by `****`; everything else is
 * kept verbatim so the user recognises it. Keyword/value strings (`host=… password=…`) are masked too.
 * Text that is neither is returned with any embedded URLs masked.
 */
export function maskConnectionUrl(url: string): string {
  if (!SCHEME_RE.test(url)) return redactConnectionSecrets(url);
  let parts: UrlParts;
  try {
    parts = parseUrlParts(url);
  } catch {
    return maskKeywordValue(url);
  }
  let masked = url;
  if (parts.queryStart >= 0) {
    masked = url.slice(0, parts.queryStart) + maskQuery(url.slice(parts.queryStart));
  }
  if (parts.passwordSpan && parts.password !== '') {
    const [start, end] = parts.passwordSpan;
    masked = masked.slice(0, start) + MASK + masked.slice(end);
  }
  return masked;
}

/**
 * Masks every Postgres URL and `password=` keyword found inside free text (error messages, logs).
 * `knownSecrets` are also replaced wherever they appear (e.g. a password the driver echoed back).
 */
export function redactConnectionSecrets(text: string, knownSecrets: readonly string[] = []): string {
  let out = text.replace(/postgres(?:ql)?:\/\/[^\s'"`<>]+/gi, (found) => maskConnectionUrl(found));
  out = maskKeywordValue(out);
  for (const secret of knownSecrets) {
    // Very short secrets would mask ordinary words; a password of 1–3 characters is not worth the noise.
    if (secret && secret.length >= 4) out = out.split(secret).join(MASK);
  }
  return out;
}

export interface ConnectionDescription {
  /** First host of the URL (multi-host URLs are rare; the first is what libpq tries first). */
  host: string;
  port: number;
  /** Database name; libpq's default (the role name) when the URL has none. */
  database: string;
  /** Role (user) name; empty when the URL has none. */
  role: string;
  /** Host is a Neon endpoint (`*.neon.tech`, `*.neon.build`). */
  isNeon: boolean;
  /** Neon pooled endpoint (`ep-…-pooler`). */
  pooled: boolean;
  /** Host is this machine (localhost, 127.0.0.0/8, ::1): the playground or a local server. */
  isLocal: boolean;
  /** Neon endpoint id (`ep-…` without `-pooler`) when the host or `options=endpoint=…` names one. */
  endpointId?: string;
  sslmode?: string;
  hasPassword: boolean;
  /** Short text for pickers and trees, never with a password: `role@ep-…/db (pooled)`. */
  label: string;
  maskedUrl: string;
}

const NEON_HOST_SUFFIXES = ['.neon.tech', '.neon.build'];

export function isNeonHost(host: string): boolean {
  const lower = host.toLowerCase().replace(/\.$/, '');
  return NEON_HOST_SUFFIXES.some((suffix) => lower.endsWith(suffix));
}

export function isLocalHost(host: string): boolean {
  const lower = host.toLowerCase();
  return lower === 'localhost' || lower === '::1' || lower === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(lower) ||
    lower.endsWith('.localhost');
}

/** Parses and describes a connection URL. Throws {@link InvalidConnectionUrlError} (message has no secret). */
export function describeConnection(url: string): ConnectionDescription {
  const parts = parseUrlParts(url);
  const first = parts.hosts[0];
  // libpq lets query parameters supply what the authority lacks (`postgres:///db?host=/tmp&user=x`).
  const host = first?.host || parts.params.get('host') || 'localhost';
  const port = first?.port ?? (Number(parts.params.get('port')) || 5432);
  const role = parts.user || parts.params.get('user') || '';
  const database = parts.database || parts.params.get('dbname') || role;
  const password = parts.password ?? parts.params.get('password') ?? undefined;
  const firstLabel = host.split('.')[0]?.toLowerCase() ?? '';
  const isNeon = isNeonHost(host);
  const pooled = isNeon && firstLabel.endsWith('-pooler');
  const endpointFromHost = /^ep-[a-z0-9-]+$/.test(firstLabel) ? firstLabel.replace(/-pooler$/, '') : undefined;
  const endpointFromOptions = /(?:^|\s)endpoint=([a-z0-9-]+)/.exec(parts.params.get('options') ?? '')?.[1];
  const endpointId = endpointFromHost ?? endpointFromOptions;
  const sslmode = parts.params.get('sslmode') ?? undefined;
  const place = isNeon && endpointId ? endpointId : port === 5432 ? host : `${host}:${port}`;
  const label = `${role || '(no role)'}@${place}/${database || '(no database)'}${pooled ? ' (pooled)' : ''}`;
  return {
    host,
    port,
    database,
    role,
    isNeon,
    pooled,
    isLocal: isLocalHost(host),
    endpointId,
    sslmode,
    hasPassword: password !== undefined && password !== '',
    label,
    maskedUrl: maskConnectionUrl(url),
  };
}

/** True when the text parses as a postgres:// or postgresql:// URL. */
export function isConnectionUrl(text: string): boolean {
  if (!SCHEME_RE.test(text)) return false;
  try {
    parseUrlParts(text.trim());
    return true;
  } catch {
    return false;
  }
}

/**
 * Splits the password out of a URL so the URL can be stored in settings and the password in SecretStorage.
 * `password=` query parameters are moved out too. Returns the URL unchanged and no password when it has none.
 */
export function splitConnectionSecret(url: string): { url: string; password?: string } {
  const parts = parseUrlParts(url);
  let out = url;
  let password: string | undefined;
  if (parts.queryStart >= 0) {
    const kept: string[] = [];
    for (const pair of url.slice(parts.queryStart).split('&')) {
      const eq = pair.indexOf('=');
      const key = decode(eq >= 0 ? pair.slice(0, eq) : pair).toLowerCase();
      if (key === 'password') password = decode(pair.slice(eq + 1));
      else if (pair !== '') kept.push(pair);
    }
    const query = kept.join('&');
    out = url.slice(0, query ? parts.queryStart : parts.queryStart - 1) + query;
  }
  if (parts.passwordSpan) {
    const [start, end] = parts.passwordSpan;
    password = parts.password ?? password;
    // Drop the `:` before the password as well: `user:secret@host` becomes `user@host`.
    out = out.slice(0, start - 1) + out.slice(end);
  }
  return password === undefined || password === '' ? { url: out } : { url: out, password };
}

/** Puts a password (from SecretStorage) back into a URL that has none, percent-encoding it. */
export function joinConnectionSecret(url: string, password: string | undefined): string {
  if (!password) return url;
  const parts = parseUrlParts(url);
  if (parts.passwordSpan) return url;
  if (parts.atIndex < 0) {
    throw new InvalidConnectionUrlError('The connection URL has no role name, so a password cannot be added to it.');
  }
  return url.slice(0, parts.atIndex) + ':' + encodeURIComponent(password) + url.slice(parts.atIndex);
}
