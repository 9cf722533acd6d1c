/**
 * Connections from a workspace's `.env` files, resolved per directory as Next.js does
 * (findEnvConnections): the owner URL (DATABASE_URL…), the authenticated one
 * (DATABASE_AUTHENTICATED_URL or its NEXT_PUBLIC_ twin), the anonymous one, and NEON_FETCH_ENDPOINT
 * when the app talks to a local `/sql` endpoint (what the playground writes into `.env`).
 * No `vscode` import: the file reading is passed in.
 */
import { findEnvConnections, parseDotenv, type EnvDirectoryConnections, type EnvDiscovery, type EnvFile, type EnvMode } from '../../core/connections';

export interface EnvConnectionSet {
  directory: string;
  /** The winning files, highest precedence first. */
  loadedFiles: string[];
  ownerUrl: string;
  ownerVariable: string;
  ownerFile: string;
  authenticatedUrl?: string;
  authenticatedVariable?: string;
  anonymousUrl?: string;
  fetchEndpoint?: string;
  /** For display: never contains a password. */
  label: string;
  warnings: string[];
}

/** A directory's .env files have no owner URL: says which files were read and what to add. */
export class EnvConnectionMissingError extends Error {
  override readonly name = 'EnvConnectionMissingError';
}

export function discoverEnv(files: readonly EnvFile[], mode: EnvMode = 'development'): EnvDiscovery {
  return findEnvConnections(files, { mode });
}

/** NEON_FETCH_ENDPOINT from the directory's loaded files (highest precedence wins). */
function fetchEndpointOf(directory: EnvDirectoryConnections, files: readonly EnvFile[]): string | undefined {
  for (const path of directory.loadedFiles) {
    const file = files.find((f) => f.path === path);
    const entry = file ? parseDotenv(file.text).find((e) => e.key === 'NEON_FETCH_ENDPOINT') : undefined;
    const value = entry?.value.trim();
    if (value && /^https?:\/\//.test(value)) return value;
  }
  return undefined;
}

function shortPath(path: string, root?: string): string {
  if (root && path.startsWith(root)) return path.slice(root.length).replace(/^[\\/]/, '') || '.';
  return path;
}

/** The connection set of one directory; throws EnvConnectionMissingError when it has no owner URL. */
export function envConnectionSet(discovery: EnvDiscovery, files: readonly EnvFile[], directory: string, root?: string): EnvConnectionSet {
  const dir = discovery.directories.find((d) => d.directory === directory);
  if (!dir) {
    throw new EnvConnectionMissingError(
      `No .env file that Next.js would load (.env, .env.local, .env.development…) was found in ${shortPath(directory, root)}. Add one with DATABASE_URL, or pick another connection.`,
    );
  }
  const owner = dir.owner;
  if (!owner) {
    const read = dir.loadedFiles.map((f) => shortPath(f, root)).join(', ');
    const notUrl = dir.warnings.filter((w) => w.kind === 'not-a-url').map((w) => w.message);
    throw new EnvConnectionMissingError(
      `No owner connection URL (DATABASE_URL) in ${read}. ` +
        (notUrl.length ? `${notUrl.join(' ')} ` : '') +
        'Set DATABASE_URL to the owner role\'s postgres:// URL (Neon Console → Connect), or pick another connection.',
    );
  }
  return {
    directory,
    loadedFiles: dir.loadedFiles,
    ownerUrl: owner.url,
    ownerVariable: owner.variable,
    ownerFile: owner.file,
    authenticatedUrl: dir.authenticated?.url,
    authenticatedVariable: dir.authenticated?.variable,
    anonymousUrl: dir.anonymous?.url,
    fetchEndpoint: fetchEndpointOf(dir, files),
    label: `${shortPath(owner.file, root)}: ${owner.description.label}`,
    warnings: dir.warnings.map((w) => w.message),
  };
}

export interface EnvPickItem {
  label: string;
  description: string;
  detail: string;
  directory: string;
}

/** One entry per directory that has an owner URL, for the Select Connection picker (URLs masked). */
export function envPickItems(discovery: EnvDiscovery, root?: string): EnvPickItem[] {
  return discovery.directories
    .filter((d) => d.owner)
    .map((d) => {
      const owner = d.owner!;
      const parts = [`${owner.variable}: ${owner.maskedUrl}`];
      if (d.authenticated) parts.push(`${d.authenticated.variable}: ${d.authenticated.description.label}`);
      return {
        label: `$(file) ${shortPath(d.directory, root)}`,
        description: d.loadedFiles.map((f) => f.split(/[\\/]/).pop()).join(', '),
        detail: parts.join(' · ') + (d.warnings.length ? ` · ⚠ ${d.warnings.length} warning${d.warnings.length === 1 ? '' : 's'}` : ''),
        directory: d.directory,
      };
    });
}
