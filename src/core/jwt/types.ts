/**
 * One JWKS registration, as Neon stores it for a project (`addProjectJwks`): the proxy only
 * searches this key set for connections whose Postgres role is in `roleNames`, and checks `aud`
 * only when `audience` is set (`undefined` means "no audience"; an empty string is a real value).
 */
export interface JwksProviderRegistration {
  id: string;
  providerName: string;
  jwksUrl: string;
  audience?: string;
  roleNames: string[];
}
