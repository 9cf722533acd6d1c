// The token inspector's content: header and claims as rows with readable times, what Neon would refuse
// or users trip on (core/jwt/decode), and the signature checked against the providers' JWKS by Neon's
// rules (core/jwt/verifyLikeNeon) for the role the token would run as.
import { describeRelative, inspectToken, TokenDecodeError, type TokenWarning as CoreWarning } from '../../core/jwt/decode';
import type { JwksCache } from '../../core/jwt/jwksCache';
import { NeonJwtError } from '../../core/jwt/neonJwtError';
import type { JwksProviderRegistration } from '../../core/jwt/types';
import { verifyLikeNeon } from '../../core/jwt/verifyLikeNeon';
import type { ClaimRow, TokenInspection, TokenVerification, TokenWarning } from '../../core/runAsUserProtocol/messages';

/** The panel's warning codes for the core's (the panel styles a few of them). */
const WARNING_CODES: Record<CoreWarning['code'], string> = {
  'neon-encoding': 'malformed',
  'no-kid': 'no-kid',
  'alg-not-supported': 'alg-unsupported',
  'aud-mismatch': 'aud-mismatch',
  'no-role': 'no-role',
  'no-sub': 'no-sub',
  'no-exp': 'no-exp',
  expired: 'expired',
  'expired-within-leeway': 'expired',
  'long-lived': 'far-future-exp',
  'not-yet-valid': 'not-yet-valid',
};

const TIME_CLAIMS = new Set(['exp', 'iat', 'nbf', 'auth_time', 'updated_at']);

function readableTime(value: unknown, nowMs: number): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > 8.64e12) return undefined;
  const iso = new Date(value * 1000).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
  return `${iso} (${describeRelative(value - nowMs / 1000)})`;
}

function rows(record: Record<string, unknown>, nowMs: number): ClaimRow[] {
  return Object.entries(record).map(([name, value]) => {
    const readable = TIME_CLAIMS.has(name) ? readableTime(value, nowMs) : undefined;
    return { name, value: JSON.stringify(value) ?? 'undefined', ...(readable ? { readable } : {}) };
  });
}

export interface InspectOptions {
  /** The Postgres role the token would be checked for (Neon searches only key sets listing it). */
  roleName: string;
  providers: JwksProviderRegistration[];
  cache: JwksCache;
  /** Why no signature check is possible (e.g. no connection yet); skips it. */
  notCheckedBecause?: string;
  now?: number;
}

export async function inspectForPanel(token: string, options: InspectOptions): Promise<TokenInspection> {
  const now = options.now ?? Date.now();
  const compact = token.trim().replace(/^bearer\s+/i, '');
  let decoded;
  try {
    const forRole = options.providers.filter((p) => p.roleNames.includes(options.roleName));
    const audiences = [...new Set(forRole.map((p) => p.audience))];
    // The audience is only checked when every provider for the role expects the same one.
    const expectedAudience = audiences.length === 1 ? audiences[0] : undefined;
    decoded = inspectToken(compact, { now, ...(expectedAudience !== undefined ? { expectedAudience } : {}) });
  } catch (e) {
    if (!(e instanceof TokenDecodeError)) throw e;
    return {
      header: [],
      claims: [],
      expiresAt: null,
      verification: { status: 'failed', message: `Neon would answer "Provided authentication token is not a valid JWT encoding": ${e.message}` },
      warnings: [{ code: 'malformed', level: 'error', message: e.message }],
    };
  }
  const warnings: TokenWarning[] = decoded.warnings.map((w) => ({ code: WARNING_CODES[w.code] ?? w.code, level: w.level, message: w.message }));
  return {
    header: rows(decoded.header as Record<string, unknown>, now),
    claims: rows(decoded.claims as Record<string, unknown>, now),
    expiresAt: typeof decoded.claims.exp === 'number' && Number.isFinite(decoded.claims.exp) ? decoded.claims.exp : null,
    verification: await verification(compact, options, now),
    warnings,
  };
}

async function verification(token: string, options: InspectOptions, now: number): Promise<TokenVerification> {
  if (options.notCheckedBecause) return { status: 'not-checked', message: `Not checked: ${options.notCheckedBecause}.` };
  if (!options.providers.length)
    return { status: 'not-checked', message: 'Not checked: the connection has no authentication provider (JWKS) registered. Add one to check signatures like Neon.' };
  try {
    const verified = await verifyLikeNeon(token, { roleName: options.roleName, providers: options.providers, cache: options.cache, now });
    const also = verified.alsoMatchedProviders.length ? ` (also listed by ${verified.alsoMatchedProviders.map((p) => p.providerName).join(', ')})` : '';
    return {
      status: 'verified',
      message: `Signature verified with key "${String(verified.header.kid)}" from ${verified.provider.providerName} (${verified.provider.jwksUrl}) for role ${options.roleName}${also}.`,
    };
  } catch (e) {
    if (e instanceof NeonJwtError) return { status: 'failed', message: `Neon would answer "${e.message}". ${e.explanation}` };
    return { status: 'failed', message: `The signature could not be checked: ${(e as Error).message}` };
  }
}
