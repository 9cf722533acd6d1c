/**
 * Reading a token without verifying it, and the checks users trip on before Neon ever sees the
 * token. Lenient on purpose (a pasted "Bearer " prefix, padding and surrounding whitespace are
 * accepted) so people can look inside broken tokens; whether Neon itself can read the token is
 * reported separately as the `neon-encoding` warning. Browser-safe.
 */
import type { JWTHeaderParameters, JWTPayload } from 'jose';
import { NEON_JWT_MESSAGES as M } from './neonJwtError';
import { parseTokenLikeNeon } from './neonTokenFormat';

export class TokenDecodeError extends Error {
  constructor(
    readonly part: 'token' | 'header' | 'payload',
    message: string,
  ) {
    super(message);
    this.name = 'TokenDecodeError';
  }
}

/** How far in the future `exp` may be before the token counts as long-lived: 24 hours. */
export const LONG_LIVED_AFTER_SEC = 24 * 60 * 60;

function decodeSegment(part: 'header' | 'payload', segment: string): Record<string, unknown> {
  const std = segment.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(std) || std.length % 4 === 1)
    throw new TokenDecodeError(part, `The ${part} is not base64url text; check that the whole token was copied.`);
  let text: string;
  try {
    const binary = atob(std + '='.repeat((4 - (std.length % 4)) % 4));
    text = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    throw new TokenDecodeError(part, `The ${part} does not decode to UTF-8 text; check that the whole token was copied.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new TokenDecodeError(part, `The ${part} is not JSON (${(e as Error).message}); check that the whole token was copied.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TokenDecodeError(part, `The ${part} must be a JSON object.`);
  return value as Record<string, unknown>;
}

/** Header and claims of a compact JWT, without checking the signature. Throws TokenDecodeError. */
export function decodeTokenUnverified(token: string): { header: JWTHeaderParameters; claims: JWTPayload } {
  const compact = token.trim().replace(/^bearer\s+/i, '');
  if (!compact) throw new TokenDecodeError('token', 'The token is empty.');
  const parts = compact.split('.');
  if (parts.length === 5)
    throw new TokenDecodeError('token', 'This is an encrypted JWT (JWE, five parts). Neon needs a signed JWT (JWS, three parts: header.payload.signature).');
  if (parts.length !== 3)
    throw new TokenDecodeError(
      'token',
      `A JWT has three parts separated by dots (header.payload.signature); this has ${parts.length}. Check that the whole token was copied.`,
    );
  return { header: decodeSegment('header', parts[0]!) as unknown as JWTHeaderParameters, claims: decodeSegment('payload', parts[1]!) as JWTPayload };
}

export type TokenWarningCode =
  | 'neon-encoding'
  | 'no-kid'
  | 'alg-not-supported'
  | 'aud-mismatch'
  | 'no-role'
  | 'no-sub'
  | 'no-exp'
  | 'expired'
  | 'expired-within-leeway'
  | 'long-lived'
  | 'not-yet-valid';

export interface TokenWarning {
  code: TokenWarningCode;
  /** error: Neon refuses the token; warning: accepted but likely not what you want; info: worth knowing. */
  level: 'error' | 'warning' | 'info';
  message: string;
}

export interface TimeClaim {
  seconds: number;
  iso: string;
  /** "in 59 min", "3 h ago" relative to the inspection time. */
  relative: string;
}

export interface InspectOptions {
  /** Current time in ms (default Date.now()). */
  now?: number;
  /** The audience the Neon provider registration expects, when it has one. */
  expectedAudience?: string;
  /** Seconds of remaining validity above which `long-lived` is reported (default 24 h). */
  longLivedAfterSec?: number;
}

export interface TokenInspection {
  header: JWTHeaderParameters;
  claims: JWTPayload;
  times: { exp?: TimeClaim; iat?: TimeClaim; nbf?: TimeClaim };
  warnings: TokenWarning[];
}

const LEEWAY_SEC = 30;

export function describeRelative(deltaSec: number): string {
  const abs = Math.abs(deltaSec);
  if (abs < 5) return 'just now';
  const unit =
    abs < 120 ? `${Math.round(abs)} s` : abs < 7200 ? `${Math.round(abs / 60)} min` : abs < 172800 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86400)} days`;
  return deltaSec > 0 ? `in ${unit}` : `${unit} ago`;
}

function timeClaim(value: unknown, nowSec: number): TimeClaim | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  const ms = value * 1000;
  const iso = Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${value} s after 1970`;
  return { seconds: value, iso, relative: describeRelative(value - nowSec) };
}

/** Decodes the token and lists what will go wrong with it on Neon, or later in Postgres. */
export function inspectToken(token: string, opts: InspectOptions = {}): TokenInspection {
  const { header, claims } = decodeTokenUnverified(token);
  const nowMs = opts.now ?? Date.now();
  const nowSec = nowMs / 1000;
  const warnings: TokenWarning[] = [];
  const add = (code: TokenWarningCode, level: TokenWarning['level'], message: string) => warnings.push({ code, level, message });

  const compact = token.trim().replace(/^bearer\s+/i, '');
  const neon = parseTokenLikeNeon(compact);
  if (!neon.ok) add('neon-encoding', 'error', `Neon will answer "${M.invalidEncoding}": ${neon.reason}.`);

  if (header.kid === undefined || header.kid === null)
    add('no-kid', 'error', `The header has no "kid". Neon answers "${M.missingKeyId}": it needs the kid to pick the key from the JWKS.`);

  const alg = header.alg;
  if (alg !== 'ES256' && alg !== 'RS256') {
    const why =
      alg === 'none'
        ? 'alg "none" means the token is not signed at all'
        : typeof alg === 'string' && alg.startsWith('HS')
          ? `${alg} uses a shared secret, and Neon only checks signatures against public keys`
          : `the token is signed with ${alg === undefined ? 'no alg' : JSON.stringify(alg)}`;
    add('alg-not-supported', 'error', `Neon verifies only ES256 (P-256) and RS256; ${why}. Expect "${M.signatureAlgorithmNotSupported}" or a similar refusal.`);
  }

  if (opts.expectedAudience !== undefined) {
    const aud = claims.aud;
    const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    if (!list.includes(opts.expectedAudience))
      add(
        'aud-mismatch',
        'error',
        `The provider expects audience "${opts.expectedAudience}", but the token's aud is ${aud === undefined ? 'missing' : JSON.stringify(aud)}. Neon answers "${M.invalidAudience}".`,
      );
  }

  if (claims.role === undefined)
    add('no-role', 'warning', 'No "role" claim. Neon\'s /sql path takes the role from the connection string, but the Neon Data API refuses a token without one.');
  if (claims.sub === undefined)
    add('no-sub', 'warning', 'No "sub" claim: auth.user_id() will return NULL, so policies such as user_id = auth.user_id() match no rows.');

  const times: TokenInspection['times'] = {};
  for (const name of ['exp', 'iat', 'nbf'] as const) {
    const t = timeClaim(claims[name], nowSec);
    if (t) times[name] = t;
  }

  if (claims.exp === undefined) add('no-exp', 'info', 'No "exp" claim: Neon accepts the token forever, so a leaked copy never stops working.');
  if (times.exp) {
    const exp = times.exp.seconds;
    if (nowMs >= (exp + LEEWAY_SEC) * 1000)
      add('expired', 'error', `The token expired ${times.exp.relative} (${times.exp.iso}). Neon answers "${M.expired(exp)}".`);
    else if (nowSec >= exp)
      add('expired-within-leeway', 'warning', `The token expired ${times.exp.relative}; Neon still accepts it for ${LEEWAY_SEC} s after exp (clock-skew leeway), then refuses it.`);
    else if (exp - nowSec > (opts.longLivedAfterSec ?? LONG_LIVED_AFTER_SEC))
      add('long-lived', 'warning', `The token stays valid until ${times.exp.iso} (${times.exp.relative}). Long-lived tokens are risky if leaked; auth providers issue tokens that expire within minutes or hours.`);
  }
  if (times.nbf && times.nbf.seconds * 1000 >= nowMs + LEEWAY_SEC * 1000)
    add('not-yet-valid', 'error', `The token is not valid before ${times.nbf.iso} (${times.nbf.relative}). Neon answers "${M.notYetValid(times.nbf.seconds)}".`);

  return { header, claims, times, warnings };
}
