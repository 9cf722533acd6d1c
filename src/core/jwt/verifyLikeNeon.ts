/**
 * Verifies a JWT step by step as Neon's proxy does on the authenticated HTTP `/sql` path
 * (proxy serverless/sql_over_http.rs `get_conn_info`, auth/backend/jwt.rs `check_jwt`), failing
 * with the same message at the same step:
 *  1. compact form, base64url and JSON shape  -> "Provided authentication token is not a valid JWT encoding"
 *  2. `kid` in the header                      -> "missing key id"
 *  3. a key with that kid in a key set registered for the role (refetching once when the cached
 *     copy is older than 30 s)                 -> "jwk not found"
 *  4. the key supports the header's alg        -> "signature algorithm not supported"
 *  5. key type / curve / RSA checks, signature -> "unsupported ...", "invalid ... key", "signature error: signature error"
 *  6. `aud` when the provider has an audience  -> "invalid JWT token audience"
 *  7. `exp` (now >= exp + 30 s), `nbf` (nbf >= now + 30 s) -> "JWT token has expired (exp=N)", "... not yet ready to use (nbf=N)"
 * `iss` and `iat` are not checked. Uses WebCrypto for the signature.
 */
import type { JWTHeaderParameters, JWTPayload } from 'jose';
import { type JwksCache, NEON_JWKS_DEFAULTS, type JwksCacheEntry } from './jwksCache';
import { EC_CURVE_DEBUG, neonKeySupportsAlg, neonRsaKeyProblem, type NeonJwk } from './neonJwk';
import { NEON_JWT_MESSAGES as M, NeonJwtError } from './neonJwtError';
import { parseTokenLikeNeon, type JoseSigningAlgorithm } from './neonTokenFormat';
import { encodeBase64Url } from './strictJson';
import type { JwksProviderRegistration } from './types';

/**
 * Reads `Authorization` the way Neon's `get_conn_info` does: the value must start with exactly
 * `Bearer ` (case-sensitive, one space). Returns the token. Neon checks the token's encoding
 * later, in `check_jwt`, with the same message this throws, so a bad token fails identically.
 */
export function parseBearer(authorization: string | undefined): string {
  if (authorization === undefined)
    throw new NeonJwtError(
      'missing-credentials',
      M.missingCredentials,
      'The request has no Authorization header. Neon\'s authenticated endpoint needs "Authorization: Bearer <jwt>"; with @neondatabase/serverless pass authToken to neon().',
    );
  // HeaderValue::to_str fails on anything but visible ASCII and tab.
  if (/[^\t\x20-\x7e]/.test(authorization))
    throw new NeonJwtError('invalid-authorization-header', M.invalidAuthorizationHeader, 'The Authorization header contains characters outside visible ASCII (a pasted line break or a non-ASCII character?).');
  // HTTP strips whitespace around a header value before the proxy sees it.
  const value = authorization.replace(/^[ \t]+|[ \t]+$/g, '');
  if (!value.startsWith('Bearer ')) {
    const scheme = value.split(' ')[0] ?? '';
    throw new NeonJwtError(
      'missing-credentials',
      M.missingCredentials,
      /^bearer$/i.test(scheme)
        ? `The Authorization header starts with "${scheme} ", but Neon only accepts "Bearer " with that exact capitalisation.`
        : value
          ? `The Authorization header uses ${scheme ? `the "${scheme}" scheme` : 'no scheme'}; Neon needs "Bearer <jwt>".`
          : 'The Authorization header is empty; Neon needs "Bearer <jwt>".',
    );
  }
  const token = value.slice('Bearer '.length);
  const parsed = parseTokenLikeNeon(token);
  if (!parsed.ok) throw encodingError(parsed.reason);
  return token;
}

function encodingError(reason: string): NeonJwtError {
  return new NeonJwtError(
    'invalid-encoding',
    M.invalidEncoding,
    `Neon could not read the token: ${reason}. A JWT is three unpadded base64url parts (header.payload.signature) of JSON; exp and nbf must be whole seconds, aud a string or a list of strings, and iss, sub, jti and sid strings.`,
  );
}

export interface VerifyLikeNeonOptions {
  /** The Postgres role in the connection string. */
  roleName: string;
  providers: JwksProviderRegistration[];
  cache: JwksCache;
  /** Current time in ms; defaults to the cache's clock. */
  now?: number;
}

export interface VerifiedLikeNeon {
  header: JWTHeaderParameters;
  claims: JWTPayload;
  provider: JwksProviderRegistration;
  /** The JWKS key that verified the signature (as the JWKS published it). */
  jwk: Record<string, unknown>;
  /** Other providers listing the role and the same kid. Neon picks among them in no fixed order. */
  alsoMatchedProviders: JwksProviderRegistration[];
}

export async function verifyLikeNeon(token: string, opts: VerifyLikeNeonOptions): Promise<VerifiedLikeNeon> {
  const parsed = parseTokenLikeNeon(token);
  if (!parsed.ok) throw encodingError(parsed.reason);
  const parts = parsed.parts;

  if (parts.kid === undefined)
    throw new NeonJwtError(
      'missing-key-id',
      M.missingKeyId,
      'The token header has no "kid", so Neon cannot tell which JWKS key signed it. Have your auth provider (or your signing code) put the key id in the header.',
    );

  const lookup = await opts.cache.lookup(parts.kid, opts.roleName, opts.providers);
  if (!lookup.found) throw new NeonJwtError('jwk-not-found', M.jwkNotFound, explainJwkNotFound(parts.kid, opts, lookup.entry, opts.cache.now()));
  const { jwk, provider, alsoIn } = lookup.found;

  if (!neonKeySupportsAlg(jwk, parts.alg))
    throw new NeonJwtError('signature-algorithm-not-supported', M.signatureAlgorithmNotSupported, explainUnsupportedAlg(parts.alg, jwk));

  await verifySignature(jwk, parts.alg, parts.signingInput, parts.signature);

  if (provider.audience !== undefined && !parts.audience.includes(provider.audience))
    throw new NeonJwtError(
      'invalid-audience',
      M.invalidAudience,
      `Provider "${provider.providerName}" is registered with audience "${provider.audience}", but the token's aud is ${
        parts.audience.length ? parts.audience.map((a) => `"${a}"`).join(', ') : 'missing'
      }. Issue tokens for that audience, or change the registration's audience.`,
    );

  const nowMs = opts.now ?? opts.cache.now();
  const leeway = BigInt(NEON_JWKS_DEFAULTS.clockSkewLeewaySec);
  if (parts.exp !== undefined && BigInt(Math.floor(nowMs)) >= (parts.exp + leeway) * 1000n)
    throw new NeonJwtError(
      'expired',
      M.expired(parts.exp),
      `The token expired at ${isoOf(parts.exp)}, ${ago(nowMs, parts.exp)} ago; Neon allows ${leeway} s of clock skew. Get a fresh token (most providers' tokens live minutes).`,
    );
  if (parts.nbf !== undefined && parts.nbf * 1000n >= BigInt(Math.ceil(nowMs)) + leeway * 1000n)
    throw new NeonJwtError(
      'not-yet-valid',
      M.notYetValid(parts.nbf),
      `The token is not valid before ${isoOf(parts.nbf)}; Neon accepts it from ${leeway} s before that. Check the clock of the machine that issued it.`,
    );

  return {
    header: parts.header as unknown as JWTHeaderParameters,
    claims: parts.claims as JWTPayload,
    provider,
    jwk: jwk.json,
    alsoMatchedProviders: alsoIn,
  };
}

async function verifySignature(jwk: NeonJwk, alg: JoseSigningAlgorithm, signingInput: string, signature: Uint8Array): Promise<void> {
  const data = new TextEncoder().encode(signingInput);
  const badSignature = () =>
    new NeonJwtError(
      'signature',
      M.signature,
      `The signature does not match key "${jwk.kid}". The token was signed by a different key that uses the same kid, or it was altered after signing.`,
    );

  if (jwk.kty === 'EC') {
    if (jwk.crv !== 'P-256')
      throw new NeonJwtError(
        'unsupported-ec-key-type',
        M.unsupportedEcKeyType(EC_CURVE_DEBUG[jwk.crv ?? ''] ?? String(jwk.crv)),
        `Key "${jwk.kid}" is an EC ${jwk.crv} key (${alg}); Neon verifies only P-256 keys (ES256). Configure the provider to sign with ES256 or RS256.`,
      );
    const invalidKey = () =>
      new NeonJwtError('invalid-p256-key', M.invalidP256Key, `Key "${jwk.kid}" in the JWKS is not a valid P-256 public key (its x/y do not describe a point on the curve).`);
    const { x, y } = jwk.material;
    if (x?.length !== 32 || y?.length !== 32) throw invalidKey();
    let key: CryptoKey;
    try {
      key = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: encodeBase64Url(x), y: encodeBase64Url(y) }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    } catch {
      throw invalidKey();
    }
    // ES256 signatures are r||s, 32 bytes each; anything else fails Signature::from_slice.
    if (signature.length !== 64) throw badSignature();
    if (!(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, new Uint8Array(signature), data))) throw badSignature();
    return;
  }

  if (jwk.kty === 'RSA') {
    const invalidKey = (why: string) => new NeonJwtError('invalid-rsa-key', M.invalidRsaKey, `Key "${jwk.kid}" in the JWKS is not an RSA public key Neon can load: ${why}.`);
    const problem = neonRsaKeyProblem(jwk);
    if (problem) throw invalidKey(problem);
    let key: CryptoKey;
    try {
      key = await crypto.subtle.importKey(
        'jwk',
        { kty: 'RSA', n: encodeBase64Url(jwk.material.n!), e: encodeBase64Url(jwk.material.e!) },
        { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        false,
        ['verify'],
      );
    } catch (e) {
      throw invalidKey((e as Error).message);
    }
    if (alg !== 'RS256')
      throw new NeonJwtError(
        'invalid-rsa-signing-algorithm',
        M.invalidRsaSigningAlgorithm,
        `The token is signed with ${alg}; with RSA keys Neon verifies only RS256. Configure the provider to sign with RS256 (or ES256).`,
      );
    if (!(await crypto.subtle.verify({ name: 'RSASSA-PKCS1-v1_5' }, key, new Uint8Array(signature), data))) throw badSignature();
    return;
  }

  const typeDebug = jwk.kty === 'oct' ? 'Oct' : `Okp(${jwk.crv})`;
  throw new NeonJwtError(
    'unsupported-key-type',
    M.unsupportedKeyType(typeDebug),
    jwk.kty === 'oct'
      ? `Key "${jwk.kid}" is a shared secret (oct, ${alg}); Neon verifies only ES256 and RS256 public keys. Symmetric (HS256) providers such as Supabase Auth are not supported.`
      : `Key "${jwk.kid}" is an ${jwk.crv} key (${alg}); Neon verifies only ES256 and RS256. Configure the provider to sign with ES256 or RS256 (Better Auth / Neon Auth's JWT plugin defaults to EdDSA).`,
  );
}

function explainUnsupportedAlg(alg: JoseSigningAlgorithm, jwk: NeonJwk): string {
  const keyWords = jwk.kty === 'EC' ? `an EC ${jwk.crv} key` : jwk.kty === 'RSA' ? 'an RSA key' : jwk.kty === 'OKP' ? `an ${jwk.crv} key` : 'a shared-secret key';
  if (alg === 'none') return `The token says alg "none" (unsigned). Neon never accepts unsigned tokens; sign with ES256 or RS256.`;
  if (jwk.alg !== undefined && jwk.alg !== alg)
    return `Key "${jwk.kid}" is published for ${jwk.alg}, but the token says ${alg}. Neon uses a key only with the algorithm the JWKS gives it.`;
  if (jwk.kty === 'RSA' && /^(RS|PS)(256|384|512)$/.test(alg)) {
    const bits = { '256': 2048, '384': 3072, '512': 4096 }[alg.slice(2)];
    return `Key "${jwk.kid}" is an RSA key too short for ${alg} (Neon's key library wants ${bits} bits). With RSA Neon verifies only RS256, which needs a 2048-bit (or larger) key.`;
  }
  if (alg.startsWith('HS')) return `The token is signed with ${alg}, a shared secret; Neon verifies only ES256 and RS256 signatures against public keys, and key "${jwk.kid}" is ${keyWords}.`;
  return `The token says ${alg}, but key "${jwk.kid}" is ${keyWords}, which cannot verify ${alg}. Neon verifies only ES256 (P-256) and RS256.`;
}

function explainJwkNotFound(kid: string, opts: VerifyLikeNeonOptions, entry: JwksCacheEntry, now: number): string {
  if (!opts.providers.length) return 'No JWKS provider is registered for this project, so Neon has no key to check tokens with. Register your auth provider\'s JWKS URL (Neon Console or addProjectJwks).';
  const forRole = opts.providers.filter((p) => p.roleNames.includes(opts.roleName));
  if (!forRole.length) {
    const listed = opts.providers.map((p) => `${p.providerName} [${p.roleNames.join(', ')}]`).join('; ');
    return `No registered JWKS provider lists the role "${opts.roleName}" (${listed}). Neon only searches key sets registered for the connection's role: connect as one of those roles (usually "authenticated"), not as the owner role.`;
  }
  const lines: string[] = [];
  for (const provider of forRole) {
    const fetch = entry.fetches.find((f) => f.provider === provider)?.result;
    if (!fetch) continue;
    if (!fetch.ok) lines.push(`Neon could not load ${provider.providerName}'s JWKS (${provider.jwksUrl}): ${fetch.failure?.message}.`);
    else {
      const kids = fetch.keptKeys.map((k) => k.kid).filter((k) => k !== undefined);
      lines.push(`${provider.providerName}'s JWKS (${provider.jwksUrl}) has ${kids.length ? `kids ${kids.map((k) => `"${k}"`).join(', ')}` : 'no key with a kid'}, not "${kid}".`);
    }
  }
  for (const { provider, result } of entry.fetches) {
    if (forRole.includes(provider) || !result.keptKeys.some((k) => k.kid === kid)) continue;
    lines.push(`The kid "${kid}" is in ${provider.providerName}'s JWKS, but that provider is registered for [${provider.roleNames.join(', ')}], not "${opts.roleName}".`);
  }
  const age = Math.max(0, Math.round((now - entry.lastRetrieved) / 1000));
  lines.push(
    `The keys were fetched ${age} s ago; Neon refetches for an unknown kid only when its copy is older than ${NEON_JWKS_DEFAULTS.minRenewMs / 1000} s. Check that the token comes from the registered provider (its kid must be in that JWKS).`,
  );
  return lines.join(' ');
}

function isoOf(seconds: bigint): string {
  const ms = Number(seconds) * 1000;
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${seconds} s after 1970`;
}

function ago(nowMs: number, seconds: bigint): string {
  const s = Math.round(nowMs / 1000 - Number(seconds));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}
