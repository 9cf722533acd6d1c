// Finds database connection URLs in a workspace's .env files, resolving them the way Next.js does
// (file precedence per mode, dotenv parsing, `${VAR}` expansion), and reports where each one came from.

import { expandDotenvValue, parseDotenv, type DotenvEntry } from './dotenv';
import { describeConnection, isConnectionUrl, type ConnectionDescription } from './url';

export type EnvMode = 'development' | 'production' | 'test';

/**
 * What a connection is for, as Neon's Authorize guides use them (docs/authorize-guides.md#env): owner
 * for admin work, the others for RLS-bound queries.
 */
export type EnvConnectionPurpose = 'owner' | 'authenticated' | 'anonymous' | 'other';

export interface EnvFile {
  /** Path as the caller knows it (absolute or workspace-relative; `/` or `\` separators). */
  path: string;
  text: string;
}

export interface EnvDefinitionSite {
  file: string;
  line: number;
}

export interface EnvConnection {
  variable: string;
  purpose: EnvConnectionPurpose;
  /** The variable is inlined into browser bundles (`NEXT_PUBLIC_`, `VITE_`, …). */
  public: boolean;
  /** The resolved URL. Secret: show {@link maskedUrl} or `description.label` instead. */
  url: string;
  maskedUrl: string;
  description: ConnectionDescription;
  /** The file whose definition wins, and its line. */
  file: string;
  line: number;
  directory: string;
  /** Definitions of the same variable in lower-precedence files, highest first. */
  shadowed: EnvDefinitionSite[];
}

export type EnvWarningKind =
  | 'different-host'
  | 'different-database'
  | 'owner-role-in-rls-url'
  | 'public-owner-url'
  | 'authenticated-variants-differ'
  | 'not-a-url'
  | 'unresolved-variable';

export interface EnvWarning {
  kind: EnvWarningKind;
  /** What is wrong and what to do; URLs in it are masked. */
  message: string;
  directory: string;
  variables: string[];
  files: string[];
}

export interface EnvDirectoryConnections {
  directory: string;
  /** Files that apply in this mode, highest precedence first. */
  loadedFiles: string[];
  /** `.env*` files that the mode does not load (e.g. `.env.production` in development, `.env.example`). */
  ignoredFiles: string[];
  connections: EnvConnection[];
  owner?: EnvConnection;
  authenticated?: EnvConnection;
  anonymous?: EnvConnection;
  warnings: EnvWarning[];
}

export interface EnvDiscovery {
  directories: EnvDirectoryConnections[];
  /** All connections of all directories. */
  connections: EnvConnection[];
  /** All warnings of all directories. */
  warnings: EnvWarning[];
}

export interface EnvDiscoveryOptions {
  /** Which Next.js environment to resolve; default `development` (what `next dev` loads). */
  mode?: EnvMode;
  /** Process environment used for `${VAR}` references that no file defines. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Known variable names; a lower rank wins when several name the same purpose. */
const KNOWN_VARIABLES: Record<string, { purpose: EnvConnectionPurpose; rank: number }> = {
  DATABASE_URL: { purpose: 'owner', rank: 0 },
  DATABASE_URL_UNPOOLED: { purpose: 'owner', rank: 1 },
  NEON_DATABASE_URL: { purpose: 'owner', rank: 2 },
  POSTGRES_URL: { purpose: 'owner', rank: 3 },
  POSTGRES_URL_NON_POOLING: { purpose: 'owner', rank: 4 },
  POSTGRES_PRISMA_URL: { purpose: 'owner', rank: 5 },
  DIRECT_URL: { purpose: 'owner', rank: 6 },
  DATABASE_AUTHENTICATED_URL: { purpose: 'authenticated', rank: 0 },
  DATABASE_ANONYMOUS_URL: { purpose: 'anonymous', rank: 0 },
};

const PUBLIC_PREFIXES = ['NEXT_PUBLIC_', 'EXPO_PUBLIC_', 'NUXT_PUBLIC_', 'VITE_', 'REACT_APP_', 'PUBLIC_'];

/** Next.js load order per mode, highest precedence first (`.env.local` is skipped in test, as Next does). */
function filesForMode(mode: EnvMode): string[] {
  return mode === 'test'
    ? ['.env.test.local', '.env.test', '.env']
    : [`.env.${mode}.local`, '.env.local', `.env.${mode}`, '.env'];
}

function splitPath(path: string): { directory: string; name: string } {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return cut < 0 ? { directory: '.', name: path } : { directory: path.slice(0, cut) || '/', name: path.slice(cut + 1) };
}

function classifyName(variable: string): { purpose: EnvConnectionPurpose; rank: number; public: boolean } | undefined {
  const prefix = PUBLIC_PREFIXES.find((p) => variable.startsWith(p));
  const base = prefix ? variable.slice(prefix.length) : variable;
  const known = KNOWN_VARIABLES[base];
  if (!known) return undefined;
  // The private variable wins over its public twin: server code should use the server-only one.
  return { purpose: known.purpose, rank: known.rank * 2 + (prefix ? 1 : 0), public: prefix !== undefined };
}

interface Definition extends DotenvEntry {
  file: string;
}

export function findEnvConnections(files: readonly EnvFile[], options: EnvDiscoveryOptions = {}): EnvDiscovery {
  const mode = options.mode ?? 'development';
  const order = filesForMode(mode);
  const byDirectory = new Map<string, { loaded: { path: string; rank: number; text: string }[]; ignored: string[] }>();
  for (const file of files) {
    const { directory, name } = splitPath(file.path);
    const group = byDirectory.get(directory) ?? { loaded: [], ignored: [] };
    byDirectory.set(directory, group);
    const rank = order.indexOf(name);
    if (rank >= 0) group.loaded.push({ path: file.path, rank, text: file.text });
    else if (name.startsWith('.env')) group.ignored.push(file.path);
  }
  const directories = [...byDirectory.entries()]
    .filter(([, group]) => group.loaded.length > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([directory, group]) => discoverInDirectory(directory, group.loaded, group.ignored, options.env ?? {}));
  return {
    directories,
    connections: directories.flatMap((d) => d.connections),
    warnings: directories.flatMap((d) => d.warnings),
  };
}

function discoverInDirectory(
  directory: string,
  loaded: { path: string; rank: number; text: string }[],
  ignoredFiles: string[],
  env: Readonly<Record<string, string | undefined>>,
): EnvDirectoryConnections {
  const ordered = [...loaded].sort((a, b) => a.rank - b.rank);
  // Every definition of every variable, highest-precedence file first.
  const definitions = new Map<string, Definition[]>();
  for (const file of ordered) {
    for (const entry of parseDotenv(file.text)) {
      const list = definitions.get(entry.key) ?? [];
      list.push({ ...entry, file: file.path });
      definitions.set(entry.key, list);
    }
  }
  const warnings: EnvWarning[] = [];
  const expanded = new Map<string, { value: string; unresolved: string[] }>();
  const resolving = new Set<string>();
  const resolve = (name: string): { value: string; unresolved: string[] } | undefined => {
    const winner = definitions.get(name)?.[0];
    if (!winner) return undefined;
    const cached = expanded.get(name);
    if (cached) return cached;
    if (resolving.has(name)) return { value: '', unresolved: [name] };
    resolving.add(name);
    const result = expandDotenvValue(winner, (ref) => env[ref] ?? resolve(ref)?.value);
    resolving.delete(name);
    expanded.set(name, result);
    return result;
  };

  const connections: EnvConnection[] = [];
  const ranks = new Map<EnvConnection, number>();
  for (const [variable, defs] of [...definitions.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const winner = defs[0] as Definition;
    const resolved = resolve(variable) as { value: string; unresolved: string[] };
    const named = classifyName(variable);
    const url = resolved.value.trim();
    if (!isConnectionUrl(url)) {
      if (named) {
        // The value itself is never shown: it may be a secret in some other format.
        const shown =
          url === ''
            ? 'is empty'
            : /^<.*>$|CONNECTION_STRING|your[-_ ]|xxx/i.test(url)
              ? 'still holds a placeholder, not a postgres:// URL'
              : 'is not a postgres:// URL';
        warnings.push({
          kind: 'not-a-url',
          message: `${variable} in ${winner.file} (line ${winner.line}) ${shown}. Paste the connection string from the Neon Console (Connect) or your Postgres server.`,
          directory,
          variables: [variable],
          files: [winner.file],
        });
      }
      continue;
    }
    const description = describeConnection(url);
    let purpose: EnvConnectionPurpose = named?.purpose ?? 'other';
    // The role in the URL says more than the variable name about who the queries run as.
    if (description.role === 'authenticated' || description.role === 'anonymous') purpose = description.role;
    const connection: EnvConnection = {
      variable,
      purpose,
      public: named?.public ?? PUBLIC_PREFIXES.some((p) => variable.startsWith(p)),
      url,
      maskedUrl: description.maskedUrl,
      description,
      file: winner.file,
      line: winner.line,
      directory,
      shadowed: defs.slice(1).map((d) => ({ file: d.file, line: d.line })),
    };
    connections.push(connection);
    ranks.set(connection, named && named.purpose === purpose ? named.rank : 1000);
    if (resolved.unresolved.length > 0) {
      const refs = resolved.unresolved.map((r) => '$' + r).join(', ');
      warnings.push({
        kind: 'unresolved-variable',
        message:
          `${variable} in ${winner.file} (line ${winner.line}) refers to ${refs}, which no .env file defines, so it ` +
          `expands to an empty string (as in Next.js). If the "$" is part of a password, write it as "\\$" or ` +
          `wrap the value in single quotes.`,
        directory,
        variables: [variable],
        files: [winner.file],
      });
    }
  }

  const best = (purpose: EnvConnectionPurpose): EnvConnection | undefined =>
    connections
      .filter((c) => c.purpose === purpose && (ranks.get(c) ?? 1000) < 1000)
      .sort((a, b) => (ranks.get(a) ?? 0) - (ranks.get(b) ?? 0))[0] ??
    // A URL whose role is `authenticated`/`anonymous` names its purpose even under an unknown variable.
    (purpose === 'owner' ? undefined : connections.find((c) => c.purpose === purpose));
  const owner = best('owner');
  const authenticated = best('authenticated');
  const anonymous = best('anonymous');

  for (const connection of connections) {
    if (connection.public && connection.purpose !== 'authenticated' && connection.purpose !== 'anonymous') {
      warnings.push({
        kind: 'public-owner-url',
        message:
          `${connection.variable} (${connection.file}, line ${connection.line}) is a public variable: its URL for role ` +
          `"${connection.description.role}" is shipped to the browser. Only the authenticated or anonymous role's URL ` +
          `belongs in a public variable; move this one to a server-only name such as DATABASE_URL.`,
        directory,
        variables: [connection.variable],
        files: [connection.file],
      });
    }
  }
  if (owner) {
    for (const other of connections.filter((c) => c.purpose === 'authenticated' || c.purpose === 'anonymous')) {
      warnings.push(...compareWithOwner(owner, other, directory));
    }
  }
  const authVariants = connections.filter((c) => c.purpose === 'authenticated');
  for (let i = 1; i < authVariants.length; i++) {
    const a = authVariants[0] as EnvConnection;
    const b = authVariants[i] as EnvConnection;
    if (a.url !== b.url) {
      warnings.push({
        kind: 'authenticated-variants-differ',
        message:
          `${a.variable} (${a.description.label}) and ${b.variable} (${b.description.label}) differ: server and browser ` +
          `code would query different connections. Give both the same authenticated connection string.`,
        directory,
        variables: [a.variable, b.variable],
        files: unique([a.file, b.file]),
      });
    }
  }

  return {
    directory,
    loadedFiles: ordered.map((f) => f.path),
    ignoredFiles,
    connections,
    owner,
    authenticated,
    anonymous,
    warnings,
  };
}

function sameServer(a: ConnectionDescription, b: ConnectionDescription): boolean {
  // Neon's pooled and direct hosts of one endpoint reach the same database.
  if (a.endpointId && b.endpointId) return a.endpointId === b.endpointId;
  return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port;
}

function compareWithOwner(owner: EnvConnection, other: EnvConnection, directory: string): EnvWarning[] {
  const warnings: EnvWarning[] = [];
  const o = owner.description;
  const x = other.description;
  const base = { directory, variables: [owner.variable, other.variable], files: unique([owner.file, other.file]) };
  if (!sameServer(o, x)) {
    warnings.push({
      ...base,
      kind: 'different-host',
      message:
        `${owner.variable} points at ${o.isNeon && o.endpointId ? o.endpointId : `${o.host}:${o.port}`} but ` +
        `${other.variable} points at ${x.isNeon && x.endpointId ? x.endpointId : `${x.host}:${x.port}`}: policies and ` +
        `grants set up with the owner URL will not apply to the ${other.purpose} connection. Copy both connection ` +
        `strings from the same Neon branch.`,
    });
  } else if (o.database !== x.database) {
    warnings.push({
      ...base,
      kind: 'different-database',
      message:
        `${owner.variable} uses database "${o.database}" but ${other.variable} uses "${x.database}": policies and ` +
        `grants created with the owner URL will not apply. Use the same database name in both URLs.`,
    });
  }
  if (o.role !== '' && o.role === x.role) {
    warnings.push({
      ...base,
      kind: 'owner-role-in-rls-url',
      message:
        `${other.variable} connects as "${x.role}", the same role as ${owner.variable}. The owner bypasses row-level ` +
        `security, so every user would see every row. Use the connection string for the "${other.purpose}" role.`,
    });
  }
  return warnings;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
