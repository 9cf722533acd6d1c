// Postgres connection URLs parsed without losing the original text, so callers can rewrite parts in place
// (mask or move a password). Hand-written instead of `new URL()` because real-world URLs carry unescaped
// characters in passwords (`@`, `/`, `#`) that WHATWG URL parsing rejects or mangles.

export class InvalidConnectionUrlError extends Error {
  override readonly name = 'InvalidConnectionUrlError';
}

export interface ConnectionHost {
  /** Host name, IP address (IPv6 without brackets) or socket directory; percent-decoded. */
  host: string;
  port?: number;
}

/** The parts of a postgres:// URL, with offsets into the original text so it can be rewritten in place. */
export interface ConnectionUrlParts {
  /** Role name, percent-decoded; empty when the URL has none. */
  user: string;
  /** Password, percent-decoded; undefined when the URL has no `user:password@`. */
  password?: string;
  /** Start/end (exclusive) of the password in the original text, when the URL has `user:password@`. */
  passwordSpan?: [number, number];
  /** The hosts of the authority, in order (libpq accepts a comma-separated list). */
  hosts: ConnectionHost[];
  /** Database name, percent-decoded; empty when the URL has none. */
  database: string;
  params: URLSearchParams;
  /** Start of the query string (after `?`) in the original text, or -1. */
  queryStart: number;
  /** Offset of the `@` that ends the user info in the original text, or -1. */
  atIndex: number;
}

const SCHEME_RE = /^\s*(postgres(?:ql)?):\/\//i;

/** True when the text starts like a postgres:// or postgresql:// URL (leading blanks allowed). */
export function hasPostgresScheme(text: string): boolean {
  return SCHEME_RE.test(text);
}

/** `decodeURIComponent` that keeps malformed escapes (`%zz`) as written instead of throwing. */
export function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function parseHostList(hostList: string): ConnectionHost[] {
  if (hostList === '') return [];
  return hostList.split(',').map((entry) => {
    const bracketed = /^\[([^\]]*)\](?::(\d*))?$/.exec(entry);
    if (bracketed) return { host: bracketed[1] ?? '', port: bracketed[2] ? Number(bracketed[2]) : undefined };
    const colon = entry.lastIndexOf(':');
    if (colon >= 0 && /^\d*$/.test(entry.slice(colon + 1))) {
      const portText = entry.slice(colon + 1);
      return { host: percentDecode(entry.slice(0, colon)), port: portText ? Number(portText) : undefined };
    }
    return { host: percentDecode(entry) };
  });
}

/** Parses a postgres:// or postgresql:// URL. Throws {@link InvalidConnectionUrlError} (message has no secret). */
export function parseConnectionUrl(url: string): ConnectionUrlParts {
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
      user = percentDecode(userInfo.slice(0, colon));
      password = percentDecode(userInfo.slice(colon + 1));
      passwordSpan = [authorityStart + colon + 1, authorityStart + at];
    } else {
      user = percentDecode(userInfo);
    }
  }
  const slash = hostAndPath.indexOf('/');
  const hostList = slash >= 0 ? hostAndPath.slice(0, slash) : hostAndPath;
  const database = slash >= 0 ? percentDecode(hostAndPath.slice(slash + 1)) : '';
  const queryStart = queryIndex >= 0 ? queryIndex + 1 : -1;
  const params = new URLSearchParams(queryStart >= 0 ? url.slice(queryStart) : '');
  return {
    user,
    password,
    passwordSpan,
    hosts: parseHostList(hostList),
    database,
    params,
    queryStart,
    atIndex: at >= 0 ? authorityStart + at : -1,
  };
}
