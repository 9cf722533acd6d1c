// Postgres connection URLs: describe for display, split the password out for storage and join it back.
import { isSecretQueryKey, maskConnectionUrl } from '../secrets';
import { hasPostgresScheme, InvalidConnectionUrlError, parseConnectionUrl, percentDecode } from '../sql/connectionString';
import { isLoopbackHost } from '../sql/loopback';

export { InvalidConnectionUrlError, maskConnectionUrl };

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

/** Parses and describes a connection URL. Throws {@link InvalidConnectionUrlError} (message has no secret). */
export function describeConnection(url: string): ConnectionDescription {
  const parts = parseConnectionUrl(url);
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
    isLocal: isLoopbackHost(host),
    endpointId,
    sslmode,
    hasPassword: password !== undefined && password !== '',
    label,
    maskedUrl: maskConnectionUrl(url),
  };
}

/** True when the text parses as a postgres:// or postgresql:// URL. */
export function isConnectionUrl(text: string): boolean {
  if (!hasPostgresScheme(text)) return false;
  try {
    parseConnectionUrl(text.trim());
    return true;
  } catch {
    return false;
  }
}

/** A URL without its secrets, and the secrets taken out of it. */
export interface SplitConnection {
  url: string;
  /** The password (of `user:password@`, else of `password=`), percent-decoded. */
  password?: string;
  /** The other secret query parameters (`sslpassword=…`, `pwd=…`), as written in the URL (`key=value`). */
  secretParams?: string[];
}

/**
 * Splits the secrets out of a URL so the URL can be stored in settings and the secrets in SecretStorage: the
 * password, and every query parameter whose value is a secret (isSecretQueryKey). Returns the URL unchanged
 * and no secrets when it has none.
 */
export function splitConnectionSecret(url: string): SplitConnection {
  const parts = parseConnectionUrl(url);
  let out = url;
  let password: string | undefined;
  const secretParams: string[] = [];
  if (parts.queryStart >= 0) {
    const kept: string[] = [];
    for (const pair of url.slice(parts.queryStart).split('&')) {
      const eq = pair.indexOf('=');
      const key = percentDecode(eq >= 0 ? pair.slice(0, eq) : pair).toLowerCase();
      const value = eq >= 0 ? pair.slice(eq + 1) : '';
      if (key === 'password') password = percentDecode(value);
      else if (isSecretQueryKey(key) && value !== '') secretParams.push(pair);
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
  return {
    url: out,
    ...(password !== undefined && password !== '' ? { password } : {}),
    ...(secretParams.length ? { secretParams } : {}),
  };
}

/** Puts what splitConnectionSecret took out (from SecretStorage) back into the URL: the password
 *  percent-encoded into `user:password@` (unless the URL has one), the secret parameters into its query. */
export function joinConnectionSecret(url: string, password: string | undefined, secretParams: readonly string[] = []): string {
  let out = url;
  if (secretParams.length) {
    const queryStart = parseConnectionUrl(out).queryStart;
    const separator = queryStart < 0 ? '?' : queryStart === out.length || out.endsWith('&') ? '' : '&';
    out = `${out}${separator}${secretParams.join('&')}`;
  }
  if (!password) return out;
  const parts = parseConnectionUrl(out);
  if (parts.passwordSpan) return out;
  if (parts.atIndex < 0) {
    throw new InvalidConnectionUrlError('The connection URL has no role name, so a password cannot be added to it.');
  }
  return out.slice(0, parts.atIndex) + ':' + encodeURIComponent(password) + out.slice(parts.atIndex);
}
