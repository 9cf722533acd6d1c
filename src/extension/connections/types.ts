/**
 * The contract between the connection layer (the playground, a workspace .env, URLs by hand, a
 * Neon account) and everything that runs SQL (the Authorize view, scaffolds, the run-as-user
 * panel). Consumers take `Pick<ConnectionService, …>` of what they need.
 */
import type { JwksProviderRegistration } from '../../core/jwt/types';
import type { Playground } from '../../playground/playground';

export type ConnectionKind = 'playground' | 'env' | 'manual' | 'neon';

export interface ActiveConnection {
  kind: ConnectionKind;
  /** For display: never contains a password. */
  label: string;
  /** Owner role (DATABASE_URL): scaffolds, introspection, the owner's view. Secret: never log. */
  ownerUrl: string;
  /** The `authenticated` role's URL (DATABASE_AUTHENTICATED_URL), when known. Secret. */
  authenticatedUrl?: string;
  anonymousUrl?: string;
  /** Where Neon's driver sends queries for these URLs (the playground's local endpoint); undefined = Neon's default. */
  fetchEndpoint?: string;
  /** The in-process playground, when kind is 'playground' (mints tokens with its key, registers providers). */
  playground?: Playground;
  /** The Neon project behind it, when kind is 'neon'. */
  neon?: { projectId: string; branchId: string; databaseName: string };
}

export interface ConnectionService {
  /** The active connection; starts the playground on first use when nothing else was chosen. */
  current(): Promise<ActiveConnection>;
  /** The active connection if one is already open, without starting anything. */
  peek(): ActiveConnection | undefined;
  /** Providers whose JWKS the database trusts (Neon project JWKS, or the playground's). */
  providers(): Promise<JwksProviderRegistration[]>;
  onDidChange(listener: (connection: ActiveConnection | undefined) => void): { dispose(): void };
}

/**
 * What the Authorize view passes to table commands from its context menu (Enable RLS, Scaffold
 * Policies, Run as User): the view's table node, which carries at least these fields. Commands also
 * accept this shape as a plain argument.
 */
export interface TableCommandArgument {
  readonly schema: string;
  readonly name: string;
}
