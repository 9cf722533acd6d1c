/**
 * Where Neon's HTTP driver sends each connection's queries.
 *
 * `neonConfig.fetchEndpoint` is global to the driver (docs/neon-sql-over-http.md#driver), but the
 * workbench talks to Neon hosts (Neon's own `/sql`) and to local endpoints (the playground) in the
 * same process. So it is set once, to a router: a connection registered with a local endpoint goes there (matched by the host and
 * port of its URL, which is what the driver passes), every other host gets whatever was configured
 * before the router was installed. When that is the driver's cloud default (`https://api.<host>/sql`,
 * or `apiauth.` with a token), which cannot work for an IP address or localhost, a local host that was
 * not registered gets `http://<host>:<port>/sql`, the convention of the playground and of local Neon
 * HTTP proxies; Neon hosts always keep the cloud default.
 */
import { neonConfig } from '@neondatabase/serverless';
import { isLoopbackHost } from '../sql/loopback';
import { describeConnection } from './url';

type EndpointFunction = (host: string, port: number | string, options?: { jwtAuth?: boolean }) => string;

const routes = new Map<string, string>();
let router: EndpointFunction | undefined;
let fallback: EndpointFunction | string | undefined;

function routeKey(host: string, port: number | string): string {
  const bare = host.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  return `${bare}:${String(port) || '5432'}`;
}

/** Installs the router if it is not the driver's current setting (wrapping whatever was set before). */
function ensureRouter(): void {
  const current = neonConfig.fetchEndpoint as EndpointFunction | string;
  if (router && current === router) return;
  fallback = current;
  router = (host, port, options) => {
    const local = routes.get(routeKey(host, port));
    if (local) return local;
    const previous = fallback;
    const isDriverDefault = previous === undefined || previous === neonConfig.defaults.fetchEndpoint;
    if (isDriverDefault && isLoopbackHost(host)) return `http://${host}:${String(port) || '5432'}/sql`;
    if (typeof previous === 'function') return previous(host, port, options);
    if (typeof previous === 'string') return previous;
    // Only reachable if the driver had no default: Neon's documented rule.
    return `https://${host.replace(/^[^.]+\./, options?.jwtAuth ? 'apiauth.' : 'api.')}/sql`;
  };
  neonConfig.fetchEndpoint = router;
}

/**
 * Sends the HTTP queries of connections to `connectionUrl`'s host and port to `endpoint` (e.g. the
 * playground's `http://127.0.0.1:4444/sql`). Neon hosts are never rerouted unless asked for here.
 */
export function routeConnectionToEndpoint(connectionUrl: string, endpoint: string): void {
  const { host, port } = describeConnection(connectionUrl);
  routes.set(routeKey(host, port), endpoint);
  ensureRouter();
}

/** Makes sure connections without a local endpoint still reach Neon (the router is in place). */
export function ensureFetchRouting(): void {
  ensureRouter();
}

/** The endpoint the driver will use for a connection URL (for labels and tests). */
export function endpointFor(connectionUrl: string, withToken: boolean): string {
  ensureRouter();
  const { host, port } = describeConnection(connectionUrl);
  return router!(host, port, { jwtAuth: withToken });
}
