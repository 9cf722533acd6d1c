/**
 * Where a connection's authentication providers (the JWKS URLs its database trusts) are registered:
 * on the playground, or on the Neon project through the Neon API. A plain Postgres URL has none.
 */
import type { JwksProviderRegistration } from '../../core/jwt/types';
import type { NeonAccount } from './neonAccount';
import type { ActiveConnection } from './types';

export interface ProviderInput {
  jwksUrl: string;
  providerName: string;
  audience?: string;
}

export interface ProviderRegistry {
  /** e.g. "the playground" or "Neon project shiny-wind-028834". */
  readonly where: string;
  list(): Promise<JwksProviderRegistration[]>;
  add(input: ProviderInput): Promise<JwksProviderRegistration>;
  remove(id: string): Promise<boolean>;
}

/** The roles a registered provider's tokens may take, as Neon's own setup registers them. */
const APP_ROLE_NAMES = ['authenticated', 'anonymous'];

/** The registry of `connection`, or undefined for a plain Postgres URL. */
export function providerRegistryOf(connection: ActiveConnection, neonAccount: Pick<NeonAccount, 'api'>): ProviderRegistry | undefined {
  const playground = connection.playground;
  if (playground) {
    return {
      where: 'the playground',
      list: async () => playground.listProviders(),
      add: async (input) => playground.addProvider({ jwksUrl: input.jwksUrl, providerName: input.providerName, audience: input.audience, roleNames: [...APP_ROLE_NAMES] }),
      remove: async (id) => {
        if (id === 'playground') {
          throw new Error('The playground\'s own key set is built in and cannot be removed (it signs the tokens of the run-as-user panel).');
        }
        return playground.removeProvider(id);
      },
    };
  }
  const neon = connection.neon;
  if (neon) {
    return {
      where: `Neon project ${neon.projectId}`,
      list: async () => (await (await neonAccount.api()).listJwks(neon.projectId)).map(toRegistration),
      add: async (input) => {
        const { jwks } = await (await neonAccount.api()).addJwks(neon.projectId, {
          jwksUrl: input.jwksUrl,
          providerName: input.providerName,
          jwtAudience: input.audience,
          roleNames: [...APP_ROLE_NAMES],
        });
        return toRegistration(jwks);
      },
      remove: async (id) => {
        await (await neonAccount.api()).deleteJwks(neon.projectId, id);
        return true;
      },
    };
  }
  return undefined;
}

/** A Neon API JWKS entry as the workbench shows it. */
function toRegistration(j: { id: string; provider_name: string; jwks_url: string; jwt_audience?: string; role_names?: string[] }): JwksProviderRegistration {
  return {
    id: j.id,
    providerName: j.provider_name,
    jwksUrl: j.jwks_url,
    ...(j.jwt_audience ? { audience: j.jwt_audience } : {}),
    roleNames: j.role_names ?? [],
  };
}
