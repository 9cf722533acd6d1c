// Turns a failed connection attempt (node-postgres, or @neondatabase/serverless over HTTP) into a kind and a
// message that says what went wrong and what to do. Messages never contain the password.

import { maskSecrets } from '../secrets';
import { describeConnection, splitConnectionSecret, type ConnectionDescription } from './url';

export type ConnectionErrorKind =
  | 'dns'
  | 'refused'
  | 'timeout'
  | 'password'
  | 'role-missing'
  | 'database-missing'
  | 'ssl'
  | 'permission'
  /** Neon's JWT path refused the token (`jwk not found`, expired, bad audience…): not a connection fault. */
  | 'jwt'
  | 'unknown';

export interface ConnectionProblem {
  kind: ConnectionErrorKind;
  /** What happened and what to do, for the user. */
  message: string;
  /** SQLSTATE or Node error code when one was found (`28P01`, `ENOTFOUND`…). */
  code?: string;
  /** The driver's own message with secrets removed, for an output channel. */
  detail: string;
}

interface ErrorFacts {
  code?: string;
  message: string;
  hostname?: string;
  status?: number;
}

/** The error and everything it wraps: `cause`, NeonDbError's `sourceError`, AggregateError's `errors`. */
function collectChain(err: unknown): ErrorFacts[] {
  const out: ErrorFacts[] = [];
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number): void => {
    if (e === null || e === undefined || seen.has(e) || depth > 6) return;
    seen.add(e);
    if (typeof e !== 'object') {
      out.push({ message: String(e) });
      return;
    }
    const o = e as Record<string, unknown>;
    const status = /HTTP status (\d{3})/.exec(String(o.message ?? ''))?.[1];
    out.push({
      code: typeof o.code === 'string' && o.code !== '' ? o.code : undefined,
      message: typeof o.message === 'string' ? o.message : String(e),
      hostname: typeof o.hostname === 'string' ? o.hostname : undefined,
      status: status ? Number(status) : undefined,
    });
    visit(o.sourceError, depth + 1);
    visit(o.cause, depth + 1);
    if (Array.isArray(o.errors)) for (const inner of o.errors) visit(inner, depth + 1);
  };
  visit(err, 0);
  return out;
}

const SQLSTATE_RE = /^[0-9A-Z]{5}$/;
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ECONNABORTED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);
const JWT_RE =
  /jwk not found|missing key id|not a valid JWT|JWT token|invalid JWT|authorization bearer token|signature algorithm|fetch(?:ing)? (?:the )?jwks/i;

export function classifyConnectionError(err: unknown, url?: string): ConnectionProblem {
  const chain = collectChain(err);
  let target: ConnectionDescription | undefined;
  let secrets: string[] = [];
  if (url) {
    try {
      target = describeConnection(url);
      const password = splitConnectionSecret(url).password;
      if (password) secrets = [password];
    } catch {
      // An unparseable URL still gets a message; the describing parts fall back to the error's own facts.
    }
  }
  // Secrets are removed from what the drivers said, where they can appear, and not from the
  // workbench's own sentences: a password that is an ordinary word ("wrong") must not garble them.
  for (const fact of chain) fact.message = maskSecrets(fact.message, secrets);
  const detail = chain.map((f) => f.message).filter(Boolean).join(' <- ');
  const make = (kind: ConnectionErrorKind, message: string, code?: string): ConnectionProblem => ({ kind, message, code, detail });

  const where = target ? target.label : (chain.find((f) => f.hostname)?.hostname ?? 'the database');
  const host = target?.host ?? chain.find((f) => f.hostname)?.hostname ?? 'the host';
  const hostPort = target ? `${target.host}:${target.port}` : host;
  const server = target?.isNeon && target.endpointId ? target.endpointId : hostPort;
  const role = (text: string): string =>
    /(?:user|role) "([^"]+)"/.exec(text)?.[1] ?? /(?:user|role) '([^']+)'/.exec(text)?.[1] ?? target?.role ?? '';
  const database = (text: string): string => /database "([^"]+)"/.exec(text)?.[1] ?? target?.database ?? '';
  const isRlsRole = (name: string): boolean => name === 'authenticated' || name === 'anonymous';
  const allText = chain.map((f) => f.message).join('\n');

  // 1. A JWT refused on Neon's Authorize path shows up as a "password authentication failed" from the proxy.
  if (JWT_RE.test(allText)) {
    return make(
      'jwt',
      `Neon refused the JWT for ${where}: ${firstLine(chain, JWT_RE)}. Check that the provider's JWKS URL is ` +
        `registered on this Neon project (Neon Authorize: Add Authentication Provider), that the token's "kid" is in ` +
        `that key set, and that the URL's role is "authenticated" or "anonymous".`,
    );
  }

  // 2. Postgres said why (SQLSTATE).
  for (const fact of chain) {
    if (!fact.code || !SQLSTATE_RE.test(fact.code)) continue;
    const r = role(fact.message);
    switch (fact.code) {
      case '28P01':
        return make('password', passwordMessage(where, r, isRlsRole(r)), fact.code);
      case '28000':
        if (/does not exist/i.test(fact.message)) return make('role-missing', roleMissingMessage(where, r, isRlsRole(r)), fact.code);
        if (/no pg_hba\.conf entry/i.test(fact.message) && /SSL off|no encryption/i.test(fact.message)) {
          return make('ssl', sslRequiredMessage(where), fact.code);
        }
        if (/no pg_hba\.conf entry/i.test(fact.message)) return make('permission', hbaMessage(where, r), fact.code);
        return make('permission', permissionMessage(where, r, database(fact.message), fact.message), fact.code);
      case '3D000':
        return make('database-missing', databaseMissingMessage(server, database(fact.message)), fact.code);
      case '42501':
        return make('permission', permissionMessage(where, r, database(fact.message), fact.message), fact.code);
      case '08P01':
        if (/SSL|TLS|encryption/i.test(fact.message)) return make('ssl', sslMessage(where, fact.message), fact.code);
        break;
      case '57P03':
      case '53300':
        return make(
          'unknown',
          `${where} is not accepting connections right now: ${fact.message}. Wait a moment and try again` +
            (fact.code === '53300' ? '; close connections you no longer need or use the pooled (-pooler) URL.' : '.'),
          fact.code,
        );
    }
  }

  // 3. The network said why (Node error codes).
  for (const fact of chain) {
    if (!fact.code) continue;
    if (DNS_CODES.has(fact.code)) {
      const name = fact.hostname ?? host;
      return make(
        'dns',
        `The host name "${name}" could not be resolved (${fact.code}). Check it for typos in the connection URL` +
          (target?.isNeon
            ? '; if the project or endpoint was deleted, copy a fresh connection string from the Neon Console (Connect).'
            : '.') +
          ' If the name is right, check your network, DNS or VPN.',
        fact.code,
      );
    }
    if (fact.code === 'ECONNREFUSED') {
      return make(
        'refused',
        `Nothing accepted the connection at ${hostPort} (ECONNREFUSED). Check that the database server is running and ` +
          `listening on that port` +
          (target?.isLocal ? ' (for the playground: start it again)' : '') +
          ', and that the port in the URL is right.',
        fact.code,
      );
    }
    if (TIMEOUT_CODES.has(fact.code)) return make('timeout', timeoutMessage(where, hostPort), fact.code);
    if (TLS_CODES.has(fact.code) || fact.code.startsWith('ERR_TLS') || fact.code.startsWith('ERR_SSL')) {
      return make('ssl', sslMessage(where, fact.message), fact.code);
    }
  }

  // 4. Only the message says why (Neon's HTTP errors have code "", drivers' own errors have no code).
  const match = (re: RegExp): ErrorFacts | undefined => chain.find((f) => re.test(f.message));
  let fact: ErrorFacts | undefined;
  if ((fact = match(/password authentication failed/i))) {
    const r = role(fact.message);
    return make('password', passwordMessage(where, r, isRlsRole(r)), fact.code);
  }
  if ((fact = match(/role "?[^"]*"? does not exist/i))) {
    const r = role(fact.message);
    return make('role-missing', roleMissingMessage(where, r, isRlsRole(r)), fact.code);
  }
  if ((fact = match(/database "?[^"]*"? does not exist/i))) {
    return make('database-missing', databaseMissingMessage(server, database(fact.message)), fact.code);
  }
  if ((fact = match(/no pg_hba\.conf entry/i))) {
    if (/SSL off|no encryption/i.test(fact.message)) return make('ssl', sslRequiredMessage(where), fact.code);
    return make('permission', hbaMessage(where, role(fact.message)));
  }
  if ((fact = match(/Endpoint ID is not specified/i))) {
    return make(
      'ssl',
      `Neon could not tell which endpoint ${where} means: the client did not send the host name over TLS (SNI). ` +
        `Use sslmode=require with a recent driver, or add "options=endpoint%3D<endpoint-id>" to the URL.`,
    );
  }
  if ((fact = match(/self[- ]signed certificate|unable to verify|certificate|does not support SSL|SSL connection|SSL\/TLS|TLS connection|insecure/i))) {
    return make('ssl', sslMessage(where, fact.message));
  }
  if ((fact = match(/endpoint could not be found|endpoint .*not found|project .*not found/i))) {
    return make(
      'dns',
      `Neon has no endpoint for ${where}: ${firstLine([fact])}. The project or branch may have been deleted, or the host ` +
        `has a typo. Copy a fresh connection string from the Neon Console (Connect).`,
    );
  }
  if ((fact = match(/permission denied|not permitted to log in|must be owner/i))) {
    return make('permission', permissionMessage(where, role(fact.message), database(fact.message), fact.message));
  }
  if ((fact = match(/timeout expired|timed out|connection timeout|ETIMEDOUT/i))) {
    return make('timeout', timeoutMessage(where, hostPort));
  }
  if ((fact = match(/Couldn't connect to compute node|compute.*(?:suspended|unavailable)/i))) {
    return make(
      'unknown',
      `Neon could not start or reach the compute for ${where}. Wait a few seconds and try again; if it keeps ` +
        `failing, check in the Neon Console that the endpoint is not disabled (for example by a usage limit).`,
    );
  }
  const httpStatus = chain.find((f) => f.status !== undefined)?.status;
  if (httpStatus !== undefined) {
    if (httpStatus === 401 || httpStatus === 403) {
      return make(
        'permission',
        `The SQL-over-HTTP endpoint for ${where} refused the request (HTTP ${httpStatus}). Check the role and password ` +
          `in the URL, or the token you run with.`,
      );
    }
    if (httpStatus === 404) {
      return make(
        'dns',
        `No SQL-over-HTTP endpoint answered for ${where} (HTTP 404). Check the host name in the URL; HTTP queries ` +
          `only work on Neon hosts or a local endpoint (the playground).`,
      );
    }
    return make(
      'unknown',
      `The SQL-over-HTTP endpoint for ${where} failed (HTTP ${httpStatus}). ` +
        (httpStatus >= 500 ? 'This is on the server side: wait a moment and try again.' : 'Check the URL and try again.'),
    );
  }
  if ((fact = match(/ECONNRESET|Connection terminated unexpectedly|socket hang up|EPIPE/i))) {
    return make(
      'unknown',
      `The connection to ${where} was dropped before it was ready. The server may have restarted, or a proxy or ` +
        `firewall closed it; if the server requires SSL, add sslmode=require. Try again.`,
      fact.code,
    );
  }
  return make(
    'unknown',
    `Could not connect to ${where}: ${firstLine(chain) || 'unknown error'}. Check the connection URL and that the server is reachable.`,
    chain.find((f) => f.code)?.code,
  );
}

function firstLine(chain: ErrorFacts[], prefer?: RegExp): string {
  const fact = (prefer && chain.find((f) => prefer.test(f.message))) || chain[0];
  return (fact?.message ?? '').split('\n')[0]?.trim() ?? '';
}

function passwordMessage(where: string, role: string, rlsRole: boolean): string {
  return (
    `Password authentication failed for role "${role}" on ${where}. The password in the URL is wrong or was reset: ` +
    `copy the connection string again (Neon Console → Connect) or reset the role's password, then update the ` +
    `connection. Postgres reports a role that does not exist the same way, so also check the role name` +
    (rlsRole ? ' (the authenticated and anonymous roles exist only once pg_session_jwt is installed).' : '.')
  );
}

function roleMissingMessage(where: string, role: string, rlsRole: boolean): string {
  return (
    `Role "${role}" does not exist on ${where}. ` +
    (rlsRole
      ? 'Install pg_session_jwt with the owner connection (Neon Authorize: Install pg_session_jwt): on Neon it creates the authenticated and anonymous roles. Elsewhere create the role.'
      : 'Check the role (user) name in the URL, or create the role with the owner connection.')
  );
}

function databaseMissingMessage(server: string, database: string): string {
  return (
    `Database "${database}" does not exist on ${server}. Check the database name in the URL ` +
    `(Neon's default is "neondb"), or create the database with the owner connection.`
  );
}

function permissionMessage(where: string, role: string, database: string, raw: string): string {
  const first = raw.split('\n')[0]?.trim() ?? raw;
  return (
    `Role "${role}" is not allowed to connect to ${where}: ${first}. ` +
    (database
      ? `Grant it with the owner connection (GRANT CONNECT ON DATABASE "${database}" TO "${role}"), make sure the role has LOGIN, or use another role.`
      : 'Check that the role has LOGIN and CONNECT on the database, or use another role.')
  );
}

function hbaMessage(where: string, role: string): string {
  return (
    `The server refuses role "${role}" from this machine: its pg_hba.conf has no entry for this host, role and ` +
    `database (${where}). Ask the server's administrator to allow it, or connect from an allowed host.`
  );
}

function timeoutMessage(where: string, hostPort: string): string {
  return (
    `Connecting to ${where} timed out (${hostPort}). Check your network, firewall or VPN (the port must be reachable ` +
    `from this machine); a Neon compute waking from suspend can take a few seconds, so try again.`
  );
}

function sslMessage(where: string, raw: string): string {
  const first = raw.split('\n')[0]?.trim() ?? raw;
  return (
    `The TLS/SSL handshake with ${where} failed: ${first}. For Neon use sslmode=require (or verify-full); for a local ` +
    `server without SSL use sslmode=disable; with a self-signed certificate, trust its CA or use sslmode=require ` +
    `without certificate verification.`
  );
}

function sslRequiredMessage(where: string): string {
  return `${where} only accepts encrypted connections. Add sslmode=require to the connection URL.`;
}
