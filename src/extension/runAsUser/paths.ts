// Which ways of running the user side the current connection offers (docs/run-paths.md), with the reason
// each unavailable one is greyed out in the panel.
import type { PathOption, RunPath } from '../../core/runAsUserProtocol/messages';
import { maskConnectionUrl } from '../../core/secrets';
import type { ActiveConnection } from '../connections/types';

export const PATH_LABELS: Record<RunPath, string> = {
  'authorize-http': 'Neon Authorize HTTP (authToken)',
  'self-verified': 'Self-verified claims',
  playground: 'Playground',
};

const DESCRIPTIONS: Record<RunPath, string> = {
  'authorize-http':
    "neon(DATABASE_AUTHENTICATED_URL, { authToken }): Neon checks the token against the project's JWKS and runs the query as the URL's role, with RLS.",
  'self-verified':
    "The extension verifies the token against the provider's JWKS (jose, Neon's rules), then runs set_config('request.jwt.claims', …, true), set local role authenticated and the query in one transaction. Works on any Neon branch or Postgres with pg_session_jwt.",
  playground: 'The embedded playground: its local /sql endpoint checks the token like Neon and runs the query as authenticated (or anonymous), with RLS.',
};

export interface PathChoice {
  paths: PathOption[];
  selectedPath: RunPath | null;
  connectionLabel: string;
}

function option(path: RunPath, unavailableReason?: string): PathOption {
  return unavailableReason
    ? { path, label: PATH_LABELS[path], available: false, unavailableReason, description: DESCRIPTIONS[path] }
    : { path, label: PATH_LABELS[path], available: true, description: DESCRIPTIONS[path] };
}

/** The three paths for a connection (undefined: none open yet, e.g. the playground is starting). */
export function choosePaths(connection: ActiveConnection | undefined, pending?: string): PathChoice {
  if (!connection) {
    const reason = pending ?? 'no connection is open';
    return {
      paths: [option('authorize-http', reason), option('self-verified', reason), option('playground', reason)],
      selectedPath: null,
      connectionLabel: pending ?? 'Not connected',
    };
  }
  // Also an .env connection whose URLs the in-process playground serves.
  const isPlayground = connection.playground !== undefined;
  const paths = [
    option(
      'authorize-http',
      connection.authenticatedUrl
        ? undefined
        : 'no DATABASE_AUTHENTICATED_URL for this connection (the Authorize/RLS feature gives the authenticated role its own URL)',
    ),
    option('self-verified'),
    option('playground', isPlayground ? undefined : 'the connection is not served by the playground'),
  ];
  const selectedPath: RunPath = isPlayground ? 'playground' : connection.authenticatedUrl ? 'authorize-http' : 'self-verified';
  return { paths, selectedPath, connectionLabel: maskConnectionUrl(connection.label) };
}
