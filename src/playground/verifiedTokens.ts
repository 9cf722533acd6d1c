/**
 * Tokens the endpoint has verified, so the same token is not verified again on every request: a
 * verification stands until the token's `exp` (plus Neon's clock-skew leeway) or until the JWKS
 * copy that verified it is renewed, whichever comes first. Only successes are kept; a lookup still
 * goes through the JWKS cache, so its renewals happen by Neon's rules as before.
 */
import { NEON_JWKS_DEFAULTS, type JwksCache, type JwksCacheEntry } from '../core/jwt/jwksCache';
import type { JwksProviderRegistration } from '../core/jwt/types';
import { verifyLikeNeon } from '../core/jwt/verifyLikeNeon';

/** Enough for a workshop's tokens; the oldest go first beyond it. */
const MAX_ENTRIES = 10_000;

interface Verified {
  claims: Record<string, unknown>;
  kid: string;
  /** The JWKS copy the signature was checked against. */
  jwks: JwksCacheEntry;
  /** No longer valid from this time (ms): exp + leeway. */
  expiresAtMs: number;
}

export class VerifiedTokens {
  private readonly entries = new Map<string, Verified>();

  constructor(private readonly cache: JwksCache) {}

  /** The token's claims, verified as Neon verifies them for this role (throws NeonJwtError). */
  async verify(token: string, roleName: string, providers: JwksProviderRegistration[]): Promise<Record<string, unknown>> {
    const key = `${roleName}\u0000${token}`;
    const known = this.entries.get(key);
    if (known) {
      if (this.cache.now() < known.expiresAtMs) {
        const { entry } = await this.cache.lookup(known.kid, roleName, providers);
        if (entry === known.jwks) return known.claims;
      }
      this.entries.delete(key);
    }
    const verified = await verifyLikeNeon(token, { roleName, providers, cache: this.cache });
    const claims = verified.claims as Record<string, unknown>;
    const jwks = this.cache.peek(roleName, providers);
    const kid = verified.header.kid;
    if (jwks && kid !== undefined) {
      const leewayMs = NEON_JWKS_DEFAULTS.clockSkewLeewaySec * 1000;
      const expiresAtMs = typeof claims.exp === 'number' ? claims.exp * 1000 + leewayMs : Number.POSITIVE_INFINITY;
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, { claims, kid, jwks, expiresAtMs });
    }
    return claims;
  }
}
