/**
 * The playground as a library (what `naw serve` and the extension start): an embedded or real
 * Postgres, the emulated pg_session_jwt, the local `/sql` endpoint with Neon's JWT checks, and a
 * signing key whose JWKS the endpoint trusts by default.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { JwksCache } from '../core/jwt/jwksCache';
import { mintToken } from '../core/jwt/mint';
import type { JwksProviderRegistration } from '../core/jwt/types';
import { maskSecrets } from '../core/secrets';
import { hasPostgresScheme, parseConnectionUrl, type ConnectionUrlParts } from '../core/sql/connectionString';
import { ensurePrivateFolder, PRIVATE_FILE_MODE, restrictMode } from './dataFolder';
import { loadOrCreatePlaygroundKey, playgroundJwks } from './keyStore';
import { PgliteBackend } from './backends/pgliteBackend';
import { PostgresBackend } from './backends/postgresBackend';
import type { SqlBackend } from './backends/types';
import { createSqlEndpoint } from './sqlEndpoint';

export const DEFAULT_DATA_DIR = '.neon-playground';
export const DEFAULT_PORT = 4444;
export const APP_ROLES = ['authenticated', 'anonymous'] as const;
/** A request running longer is cancelled, unless PlaygroundOptions.statementTimeoutMs says otherwise. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
const PLAYGROUND_PROVIDER_ID = 'playground';

export interface PlaygroundOptions {
  /** Folder for the signing key, role passwords, providers and (unless memory) the database. */
  dataDir?: string;
  /** Keep the database in memory (a temporary folder, removed on close); keys and settings still live in dataDir. */
  memory?: boolean;
  /** A request running longer is cancelled with 57014 (ms; default 30 s); 0: no limit. */
  statementTimeoutMs?: number;
  /** Port for the endpoint on 127.0.0.1; 0 picks a free one. */
  port?: number;
  /** Use this Postgres instead of PGlite; its user is the owner role. */
  databaseUrl?: string;
  /** A superuser on that server (to give the app roles LOGIN and register session keys); defaults to databaseUrl. */
  adminUrl?: string;
  /** Extra providers registered for this run (not saved). */
  providers?: ProviderInput[];
  /** JWKS fetch settings (tests shorten Neon's time-outs). */
  jwksCache?: JwksCache;
  onRequest?: Parameters<typeof createSqlEndpoint>[0]['onRequest'];
}

export interface ProviderInput {
  jwksUrl: string;
  providerName?: string;
  audience?: string;
  roleNames?: string[];
}

export interface PlaygroundUrls {
  ownerUrl: string;
  authenticatedUrl: string;
  anonymousUrl: string;
  fetchEndpoint: string;
  jwksUrl: string;
}

export interface MintOptions {
  sub?: string;
  role?: string;
  claims?: Record<string, unknown>;
  expiresIn?: string | number;
  audience?: string;
}

export interface Playground extends PlaygroundUrls {
  readonly port: number;
  readonly dataDir: string;
  readonly backend: SqlBackend;
  listProviders(): JwksProviderRegistration[];
  addProvider(input: ProviderInput): JwksProviderRegistration;
  removeProvider(id: string): boolean;
  mint(options: MintOptions): Promise<string>;
  /** `.env` lines for an app (DATABASE_URL, DATABASE_AUTHENTICATED_URL, …). */
  env(): string;
  close(): Promise<void>;
}

interface PlaygroundSettings {
  passwords: Record<string, string>;
  providers: JwksProviderRegistration[];
}

/** Settings shared by `naw serve` and `naw mint` in the same folder. */
function loadSettings(dataDir: string): PlaygroundSettings {
  const file = join(dataDir, 'playground.json');
  if (existsSync(file)) {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as PlaygroundSettings;
      if (parsed && typeof parsed.passwords === 'object' && Array.isArray(parsed.providers)) return parsed;
    } catch {
      throw new Error(`${file} is not valid JSON. Fix it, or delete it to start with new passwords and no extra providers.`);
    }
  }
  return { passwords: {}, providers: [] };
}

function saveSettings(dataDir: string, settings: PlaygroundSettings): void {
  const file = join(dataDir, 'playground.json');
  writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
  // The mode above applies to a new file only.
  restrictMode(file, PRIVATE_FILE_MODE);
}

function password(settings: PlaygroundSettings, role: string): string {
  settings.passwords[role] ??= `npg_${randomBytes(12).toString('base64url')}`;
  return settings.passwords[role];
}

export function validateProviderInput(input: ProviderInput): void {
  let url: URL;
  try {
    url = new URL(input.jwksUrl);
  } catch {
    throw new Error(`"${input.jwksUrl}" is not a URL. Give the provider's JWKS URL, e.g. https://example.com/.well-known/jwks.json`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`The JWKS URL must use https:// (or http:// for a local server), not ${url.protocol}`);
  }
}

export async function startPlayground(options: PlaygroundOptions = {}): Promise<Playground> {
  const dataDir = ensurePrivateFolder(options.dataDir ?? DEFAULT_DATA_DIR);
  const settings = loadSettings(dataDir);
  const key = await loadOrCreatePlaygroundKey(dataDir);
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;

  let backend: SqlBackend;
  let ownerRole: string;
  let database: string;
  if (options.databaseUrl) {
    const url = parseDatabaseUrl(options.databaseUrl);
    ownerRole = url.user;
    database = url.database;
    settings.passwords[ownerRole] = url.password ?? '';
    for (const role of APP_ROLES) password(settings, role);
    const postgres = new PostgresBackend({
      adminUrl: options.adminUrl ?? options.databaseUrl,
      database,
      passwords: new Map(Object.entries(settings.passwords)),
      statementTimeoutMs,
    });
    try {
      await postgres.verifyConnection();
    } catch (err) {
      await postgres.close();
      throw err;
    }
    backend = postgres;
  } else {
    ownerRole = 'neondb_owner';
    database = 'neondb';
    for (const role of [ownerRole, ...APP_ROLES]) password(settings, role);
    backend = await PgliteBackend.open({
      dataDir: options.memory ? undefined : join(dataDir, 'pgdata'),
      database,
      ownerRole,
      passwords: new Map(Object.entries(settings.passwords)),
      statementTimeoutMs,
    });
  }
  saveSettings(dataDir, settings);

  const jwksCache = options.jwksCache ?? new JwksCache();
  const runProviders: JwksProviderRegistration[] = (options.providers ?? []).map((p) => toRegistration(p));
  let port = 0;
  const builtIn = (): JwksProviderRegistration => ({
    id: PLAYGROUND_PROVIDER_ID,
    providerName: 'Playground',
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    roleNames: [...APP_ROLES],
  });
  const jwks = playgroundJwks(key.publicJwk);
  const server = createSqlEndpoint({
    backend,
    providers: () => [builtIn(), ...settings.providers, ...runProviders],
    jwksCache,
    extraRoutes: { '/.well-known/jwks.json': () => jwks },
    onRequest: options.onRequest,
  });
  try {
    port = await listen(server, options.port ?? DEFAULT_PORT);
  } catch (err) {
    await backend.close();
    throw err;
  }

  const url = (role: string) =>
    `postgresql://${encodeURIComponent(role)}:${encodeURIComponent(settings.passwords[role])}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  const urls: PlaygroundUrls = {
    ownerUrl: url(ownerRole),
    authenticatedUrl: url('authenticated'),
    anonymousUrl: url('anonymous'),
    fetchEndpoint: `http://127.0.0.1:${port}/sql`,
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
  };

  return {
    ...urls,
    port,
    dataDir,
    backend,
    listProviders: () => [builtIn(), ...settings.providers, ...runProviders],
    addProvider(input) {
      const registration = toRegistration(input);
      settings.providers.push(registration);
      saveSettings(dataDir, settings);
      return registration;
    },
    removeProvider(id) {
      const before = settings.providers.length;
      settings.providers = settings.providers.filter((p) => p.id !== id);
      saveSettings(dataDir, settings);
      return settings.providers.length < before;
    },
    mint: (m) => mintToken({ privateKey: key.privateJwk, kid: key.kid, alg: 'ES256', sub: m.sub, role: m.role ?? 'authenticated', claims: m.claims, expiresIn: m.expiresIn ?? '1h', audience: m.audience }),
    env: () => formatEnv(urls),
    async close() {
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      await backend.close();
    },
  };
}

function toRegistration(input: ProviderInput): JwksProviderRegistration {
  validateProviderInput(input);
  return {
    id: randomUUID(),
    providerName: input.providerName ?? new URL(input.jwksUrl).host,
    jwksUrl: input.jwksUrl,
    ...(input.audience ? { audience: input.audience } : {}),
    roleNames: input.roleNames ?? [...APP_ROLES],
  };
}

function parseDatabaseUrl(value: string): ConnectionUrlParts {
  if (!hasPostgresScheme(value)) {
    throw new Error(`--database "${maskSecrets(value)}" is not a Postgres URL. Use postgresql://USER:PASSWORD@HOST:PORT/DATABASE`);
  }
  const url = parseConnectionUrl(value);
  if (!url.user || !url.database) {
    throw new Error('--database needs a full Postgres URL with user and database: postgresql://USER:PASSWORD@HOST:PORT/DATABASE');
  }
  return url;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(new Error(`Port ${port} on 127.0.0.1 is already in use. Stop whatever uses it, or pick another port with --port N (0 picks a free one).`));
      } else reject(err);
    });
    server.listen(port, '127.0.0.1', () => resolvePort((server.address() as AddressInfo).port));
  });
}

/** The variables an app reads, named as in Neon's Authorize guides (plus the local endpoint). */
export function playgroundEnvVariables(urls: PlaygroundUrls): Record<string, string> {
  return {
    DATABASE_URL: urls.ownerUrl,
    DATABASE_AUTHENTICATED_URL: urls.authenticatedUrl,
    NEXT_PUBLIC_DATABASE_AUTHENTICATED_URL: urls.authenticatedUrl,
    DATABASE_ANONYMOUS_URL: urls.anonymousUrl,
    NEON_FETCH_ENDPOINT: urls.fetchEndpoint,
    NEON_JWKS_URL: urls.jwksUrl,
  };
}

export function formatEnv(urls: PlaygroundUrls): string {
  const lines = Object.entries(playgroundEnvVariables(urls)).map(([key, value]) => `${key}='${value}'`);
  return ['# Neon Authorize Workbench playground', ...lines, ''].join('\n');
}
