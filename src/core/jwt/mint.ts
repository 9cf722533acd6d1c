/**
 * Minting test tokens Neon accepts: ES256 or RS256, with a `kid`, signed with jose.
 * Node-only (PEM keys are read with node:crypto).
 */
import { createPrivateKey } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

export type MintAlg = 'ES256' | 'RS256';

export class MintError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MintError';
  }
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
const UNIT_WORDS: Record<string, string> = {
  sec: 's', secs: 's', second: 's', seconds: 's',
  min: 'm', mins: 'm', minute: 'm', minutes: 'm',
  hr: 'h', hrs: 'h', hour: 'h', hours: 'h',
  day: 'd', days: 'd',
  week: 'w', weeks: 'w',
};

/**
 * Seconds in a duration: "90s", "30m", "1h", "7d", "2w" (also "30 minutes"); a bare number is
 * seconds. A leading "-" gives a negative duration, handy to mint an already expired token.
 */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isInteger(input)) throw new MintError(`Invalid duration ${input}: give a whole number of seconds.`);
    return input;
  }
  const m = /^\s*([+-]?\d+)\s*([a-zA-Z]*)\s*$/.exec(input);
  const unitText = m?.[2]?.toLowerCase() ?? '';
  const unit = unitText === '' ? 's' : (UNIT_WORDS[unitText] ?? unitText);
  if (!m || !(unit in UNIT_SECONDS))
    throw new MintError(`Invalid duration "${input}": use a number followed by s, m, h, d or w, for example 90s, 30m, 1h or 7d.`);
  return Number(m[1]) * UNIT_SECONDS[unit]!;
}

function describeKey(jwk: JWK): string {
  return jwk.kty === 'EC' || jwk.kty === 'OKP' ? `${jwk.kty} ${jwk.crv}` : String(jwk.kty);
}

/** The signing algorithm a private key allows on Neon, or a MintError saying why none. */
function algForKey(jwk: JWK): MintAlg {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'RSA') return 'RS256';
  throw new MintError(`This ${describeKey(jwk)} key cannot sign tokens Neon accepts: Neon verifies only ES256 (EC P-256 keys) and RS256 (RSA keys).`);
}

function pemToJwk(pem: string): JWK {
  try {
    return createPrivateKey(pem).export({ format: 'jwk' }) as JWK;
  } catch (e) {
    throw new MintError(`The private key is not a PEM private key Node can read (${(e as Error).message}). Give a PKCS#8 ("BEGIN PRIVATE KEY"), SEC1 or PKCS#1 PEM, or a private JWK.`);
  }
}

export interface MintTokenOptions {
  /** Private JWK, or PEM text. */
  privateKey: JWK | string;
  /** Defaults to the key's algorithm (P-256 -> ES256, RSA -> RS256). */
  alg?: MintAlg;
  kid: string;
  sub?: string;
  role?: string;
  /** Extra claims; sub/role/audience/issuer/expiresIn given as options take precedence. */
  claims?: Record<string, unknown>;
  /** "1h", "30m", "-5m", seconds as a number, or false for no exp. Default: claims.exp if set, else 1 hour. */
  expiresIn?: string | number | false;
  audience?: string;
  issuer?: string;
  /** Current time in ms (sets iat, and exp relative to it). */
  now?: number;
}

export async function mintToken(opts: MintTokenOptions): Promise<string> {
  const jwk = typeof opts.privateKey === 'string' ? pemToJwk(opts.privateKey) : opts.privateKey;
  const keyAlg = algForKey(jwk);
  if (opts.alg && opts.alg !== keyAlg) throw new MintError(`alg ${opts.alg} does not match the ${describeKey(jwk)} key, which signs ${keyAlg}.`);
  if (!jwk.d) throw new MintError('This is a public key; minting a token needs the private key (a JWK with "d", or a private PEM).');
  if (!opts.kid) throw new MintError('A kid is required: Neon answers "missing key id" for tokens without one.');
  if (keyAlg === 'RS256' && typeof jwk.n === 'string' && Math.floor((jwk.n.replace(/=+$/, '').length * 3) / 4) < 256)
    throw new MintError('The RSA key is shorter than 2048 bits; Neon refuses to verify with it. Use a 2048-bit (or larger) key.');

  const material: JWK =
    keyAlg === 'ES256'
      ? { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y!, d: jwk.d }
      : { kty: 'RSA', n: jwk.n!, e: jwk.e!, d: jwk.d, ...(jwk.p && { p: jwk.p, q: jwk.q!, dp: jwk.dp!, dq: jwk.dq!, qi: jwk.qi! }) };
  let key;
  try {
    key = await importJWK(material, keyAlg);
  } catch (e) {
    throw new MintError(`The private key could not be loaded for ${keyAlg}: ${(e as Error).message}.`);
  }

  const nowSec = Math.floor((opts.now ?? Date.now()) / 1000);
  const payload: Record<string, unknown> = { ...opts.claims };
  if (opts.sub !== undefined) payload.sub = opts.sub;
  if (opts.role !== undefined) payload.role = opts.role;
  if (opts.issuer !== undefined) payload.iss = opts.issuer;
  if (opts.audience !== undefined) payload.aud = opts.audience;
  if (payload.iat === undefined) payload.iat = nowSec;
  if (opts.expiresIn === false) delete payload.exp;
  else if (opts.expiresIn !== undefined) payload.exp = nowSec + parseDuration(opts.expiresIn);
  else if (payload.exp === undefined) payload.exp = nowSec + 3600;

  return new SignJWT(payload).setProtectedHeader({ alg: keyAlg, kid: opts.kid, typ: 'JWT' }).sign(key);
}

export interface SigningKey {
  privateJwk: JWK;
  publicJwk: JWK;
  /** RFC 7638 SHA-256 thumbprint of the public key. */
  kid: string;
}

/** A fresh key pair for signing test tokens; RSA keys are 2048-bit. */
export async function generateSigningKey(alg: MintAlg): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub, 'sha256');
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg },
    publicJwk: { ...pub, kid, alg, use: 'sig' },
    kid,
  };
}
