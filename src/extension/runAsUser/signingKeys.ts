// Private signing keys a user supplies for personas (PEM or private JWK): read, checked, labelled.
// The key text itself only ever lives in SecretStorage and in memory while minting.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { MintError, type MintAlg } from '../../core/jwt/mint';

export interface ReadPrivateKey {
  jwk: JWK;
  alg: MintAlg;
  kid: string;
}

/** What SecretStorage holds for a persona (JSON). */
export interface StoredSigningKey {
  key: string;
  kid?: string;
  alg?: MintAlg;
}

function parseKeyText(text: string): JWK {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let jwk: unknown;
    try {
      jwk = JSON.parse(trimmed);
    } catch (e) {
      throw new MintError(`The private key looks like a JWK but is not valid JSON (${(e as Error).message}).`);
    }
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw new MintError('The private key JWK must be a JSON object.');
    const record = jwk as Record<string, unknown>;
    if (Array.isArray(record.keys)) throw new MintError('This is a JWKS (a set of public keys); give one private JWK (with "d") instead.');
    if (typeof record.d !== 'string') throw new MintError('This JWK has no "d": it is a public key. Minting a token needs the private key.');
    return record as JWK;
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(trimmed))
    throw new MintError('The key is neither a PEM private key ("-----BEGIN PRIVATE KEY-----") nor a private JWK ({"kty": …, "d": …}).');
  try {
    return createPrivateKey(trimmed).export({ format: 'jwk' }) as JWK;
  } catch (e) {
    throw new MintError(`The PEM private key could not be read (${(e as Error).message}). Give a PKCS#8, SEC1 or PKCS#1 PEM.`);
  }
}

function algOf(jwk: JWK): MintAlg {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'RSA') return 'RS256';
  throw new MintError(
    `This ${jwk.kty}${jwk.crv ? ` ${jwk.crv}` : ''} key cannot sign tokens Neon accepts: Neon verifies only ES256 (EC P-256) and RS256 (RSA) signatures.`,
  );
}

/**
 * Reads a private key and settles its kid (given > the JWK's own kid > RFC 7638 thumbprint of the public
 * key) and algorithm (from the key type; a different `alg` the user picked is an error that says so).
 */
export async function readPrivateKey(text: string, kid?: string, alg?: MintAlg): Promise<ReadPrivateKey> {
  const jwk = parseKeyText(text);
  const keyAlg = algOf(jwk);
  if (alg && alg !== keyAlg)
    throw new MintError(`The key is ${keyAlg === 'ES256' ? 'an EC P-256' : 'an RSA'} key, which signs ${keyAlg}, but ${alg} was chosen. Choose ${keyAlg}.`);
  let resolvedKid = kid?.trim() || (typeof jwk.kid === 'string' && jwk.kid) || '';
  if (!resolvedKid) {
    const publicJwk = createPublicKey({ key: jwk as never, format: 'jwk' }).export({ format: 'jwk' }) as JWK;
    resolvedKid = await calculateJwkThumbprint(publicJwk, 'sha256');
  }
  return { jwk, alg: keyAlg, kid: resolvedKid };
}

/** "ES256 private key (kid 3f2a9c…)": what the panel shows for a stored key; never key material. */
export function keyLabel(key: Pick<ReadPrivateKey, 'alg' | 'kid'>): string {
  const kid = key.kid.length > 20 ? `${key.kid.slice(0, 16)}…` : key.kid;
  return `${key.alg} private key (kid ${kid})`;
}
