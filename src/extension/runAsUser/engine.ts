// Binds the host to the run-as-user engine (src/core/runAsUser/engine.ts) for the active connection:
// which URL serves which side and path, and the token inspector's checks. Loaded on first run.
import { describeConnection } from '../../core/connections/url';
import { decodeTokenUnverified } from '../../core/jwt/decode';
import { JwksCache } from '../../core/jwt/jwksCache';
import type { JwksProviderRegistration } from '../../core/jwt/types';
import type { RunPath } from '../../core/runAsUserProtocol/messages';
import type { ConnectionTarget } from '../../core/runAsUser/executor';
import { RunAsUserEngine, type RunAsUserEngineOptions, type RunAsUserOutcome } from '../../core/runAsUser/engine';
import { WriteConfirmations } from '../../core/runAsUser/writeConfirmations';
import type { ActiveConnection } from '../connections/types';
import type { InspectRequest, RunEngine, UserRunRequest } from './host';
import { inspectForPanel } from './inspection';

function target(connection: ActiveConnection, url: string): ConnectionTarget {
  return connection.fetchEndpoint ? { url, fetchEndpoint: connection.fetchEndpoint } : { url };
}

function hasPassword(url: string | undefined): url is string {
  if (!url) return false;
  try {
    return describeConnection(url).hasPassword;
  } catch {
    return false;
  }
}

/**
 * The login of the self-verified path: a role that is not the owner when one with a password is known
 * (the engine's guard refuses a role RLS would not apply to), the anonymous URL for runs without a token.
 */
function selfVerifiedLogin(connection: ActiveConnection, anonymous: boolean): string {
  if (anonymous && hasPassword(connection.anonymousUrl)) return connection.anonymousUrl;
  if (hasPassword(connection.authenticatedUrl)) return connection.authenticatedUrl;
  return connection.ownerUrl;
}

function engineOptions(
  connection: ActiveConnection,
  anonymous: boolean,
  providers: () => JwksProviderRegistration[],
  jwksCache: JwksCache,
  confirmations: WriteConfirmations,
): RunAsUserEngineOptions {
  const tokenUrls = connection.authenticatedUrl
    ? {
        authenticated: target(connection, connection.authenticatedUrl),
        ...(connection.anonymousUrl ? { anonymous: target(connection, connection.anonymousUrl) } : {}),
      }
    : undefined;
  return {
    owner: target(connection, connection.ownerUrl),
    ...(tokenUrls ? { authorize: tokenUrls } : {}),
    ...(connection.playground && tokenUrls ? { playground: tokenUrls } : {}),
    selfVerified: { login: target(connection, selfVerifiedLogin(connection, anonymous)), providers, jwksCache },
    confirmations,
  };
}

/** The Postgres role a token is checked for on a path (Neon searches only the key sets listing it). */
export function roleForToken(token: string, path: RunPath, connection: ActiveConnection | undefined): string {
  let claimRole: string | undefined;
  try {
    const role = decodeTokenUnverified(token).claims.role;
    claimRole = typeof role === 'string' && role ? role : undefined;
  } catch {
    claimRole = undefined;
  }
  if (path === 'self-verified' || !connection) return claimRole ?? 'authenticated';
  const url = claimRole === 'anonymous' && connection.anonymousUrl ? connection.anonymousUrl : connection.authenticatedUrl;
  try {
    return (url && describeConnection(url).role) || 'authenticated';
  } catch {
    return 'authenticated';
  }
}

export function createRunEngine(): RunEngine {
  const jwksCache = new JwksCache();
  let providers: JwksProviderRegistration[] = [];
  /** One engine per connection and login (engines keep the owner's and the login's connections open),
   *  sharing the connection's writes waiting for confirmation. */
  let engines: { connection: ActiveConnection; byLogin: Map<string, RunAsUserEngine>; confirmations: WriteConfirmations } | undefined;

  const engineFor = (connection: ActiveConnection, anonymous: boolean): RunAsUserEngine => {
    if (engines?.connection !== connection) {
      for (const engine of engines?.byLogin.values() ?? []) void engine.close().catch(() => undefined);
      engines = { connection, byLogin: new Map(), confirmations: new WriteConfirmations() };
      jwksCache.clear();
    }
    const login = selfVerifiedLogin(connection, anonymous);
    let engine = engines.byLogin.get(login);
    if (!engine) {
      engine = new RunAsUserEngine(engineOptions(connection, anonymous, () => providers, jwksCache, engines.confirmations));
      engines.byLogin.set(login, engine);
    }
    return engine;
  };

  return {
    run(request: UserRunRequest): Promise<RunAsUserOutcome> {
      providers = request.providers;
      const engine = engineFor(request.connection, request.token === undefined);
      return engine.run({
        sql: request.sql,
        path: request.path,
        ...(request.token !== undefined ? { token: request.token } : {}),
        ...(request.confirmationId !== undefined ? { confirmationId: request.confirmationId } : {}),
        signal: request.signal,
      });
    },

    async close() {
      const open = [...(engines?.byLogin.values() ?? [])];
      engines = undefined;
      await Promise.all(open.map((e) => e.close().catch(() => undefined)));
    },

    inspect(request: InspectRequest) {
      return inspectForPanel(request.token, {
        roleName: roleForToken(request.token, request.path, request.connection),
        providers: request.providers,
        cache: jwksCache,
        ...(request.connection ? {} : { notCheckedBecause: 'no connection is open yet, so the providers are not known' }),
      });
    },
  };
}
