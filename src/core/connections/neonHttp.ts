/**
 * Neon's HTTP driver with the workbench's one fetch-endpoint router. Imported lazily by database.ts.
 * Both come from static imports in this one module so that the driver instance whose global
 * `neonConfig.fetchEndpoint` the router sets is the instance that sends the queries (a dynamic
 * `import('@neondatabase/serverless')` may load the package's other build, with its own config).
 */
import { neon } from '@neondatabase/serverless';
import { ensureFetchRouting, routeConnectionToEndpoint } from './fetchEndpoints';

/** An HTTP query function for `url`; `fetchEndpoint` sends its host:port to a local `/sql` endpoint. */
export function neonHttp(url: string, fetchEndpoint: string | undefined) {
  if (fetchEndpoint) routeConnectionToEndpoint(url, fetchEndpoint);
  else ensureFetchRouting();
  return neon(url, { fullResults: true });
}
