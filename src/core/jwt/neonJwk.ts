/**
 * How Neon's proxy reads a JWKS body and each key in it (proxy auth/backend/jwt.rs `fetch_jwks`,
 * jose-jwk 0.1 types), and which keys can ever verify a token there (`KeyInfo::is_supported`,
 * `verify_ec_signature`, `verify_rsa_signature`).
 *
 * The body must be a JSON object with a `keys` array. Each element is parsed as a
 * `jose_jwk::Jwk`; one that does not parse is dropped and counted, one whose `use` is not `sig`
 * is dropped, and a set with no key left is not stored at all. Browser-safe.
 */
import { JOSE_SIGNING_ALGORITHMS, type JoseSigningAlgorithm } from './neonTokenFormat';
import { decodeBase64Strict, getField, toPlainJson, type StrictJsonValue } from './strictJson';

export type NeonKeyType = 'EC' | 'RSA' | 'oct' | 'OKP';

/** A key Neon would keep in its cache, with the decoded members it checks. */
export interface NeonJwk {
  kty: NeonKeyType;
  crv?: string;
  alg?: JoseSigningAlgorithm;
  kid?: string;
  use?: 'sig' | 'enc';
  /** Decoded key material (public members, plus `k` for oct keys). */
  material: { x?: Uint8Array; y?: Uint8Array; n?: Uint8Array; e?: Uint8Array; k?: Uint8Array };
  /** The member values as JSON.parse gives them. */
  json: Record<string, unknown>;
}

const EC_CURVES = ['P-256', 'P-384', 'P-521', 'secp256k1'];
const OKP_CURVES = ['Ed25519', 'Ed448', 'X25519', 'X448'];
const KEY_OPS = ['decrypt', 'deriveBits', 'deriveKey', 'encrypt', 'sign', 'unwrapKey', 'verify', 'wrapKey'];

/** Rust `Debug` names of jose_jwk's curve enums, as Neon prints them in error messages. */
export const EC_CURVE_DEBUG: Record<string, string> = { 'P-256': 'P256', 'P-384': 'P384', 'P-521': 'P521', secp256k1: 'P256K' };

type Step<T> = { ok: true; value: T } | { ok: false; reason: string };

function b64Member(obj: StrictJsonValue & { type: 'object' }, name: string, required: boolean, bytes?: number): Step<Uint8Array | undefined> {
  const v = getField(obj, name);
  if (v === undefined || (v.type === 'null' && !required)) {
    return required ? { ok: false, reason: `member "${name}" is missing` } : { ok: true, value: undefined };
  }
  if (v.type !== 'string') return { ok: false, reason: `member "${name}" must be a base64url string` };
  const decoded = decodeBase64Strict(v.value, 'url-unpadded');
  if ('problem' in decoded) return { ok: false, reason: `member "${name}" is not canonical unpadded base64url (${decoded.problem})` };
  if (bytes !== undefined && decoded.bytes.length !== bytes)
    return { ok: false, reason: `member "${name}" must decode to ${bytes} bytes, found ${decoded.bytes.length}` };
  return { ok: true, value: decoded.bytes };
}

function optionalString(obj: StrictJsonValue & { type: 'object' }, name: string, allowed?: readonly string[]): Step<string | undefined> {
  const v = getField(obj, name);
  if (v === undefined || v.type === 'null') return { ok: true, value: undefined };
  if (v.type !== 'string' || v.loneSurrogate) return { ok: false, reason: `member "${name}" must be a string` };
  if (allowed && !allowed.includes(v.value))
    return { ok: false, reason: `member "${name}" is ${JSON.stringify(v.value)}; the parser knows only ${allowed.join(', ')}` };
  return { ok: true, value: v.value };
}

/** Parses one JWKS element the way jose_jwk::Jwk deserializes. Never throws. */
export function parseJwkLikeNeon(value: StrictJsonValue): Step<NeonJwk> {
  if (value.type !== 'object') return { ok: false, reason: 'the key is not a JSON object' };
  const known = ['kty', 'crv', 'x', 'y', 'd', 'n', 'e', 'k', 'alg', 'kid', 'use', 'key_ops', 'x5c', 'x5t', 'x5t#S256'];
  const dup = value.duplicateKeys.find((k) => known.includes(k));
  if (dup) return { ok: false, reason: `member "${dup}" appears twice` };

  const kty = optionalString(value, 'kty', ['EC', 'RSA', 'oct', 'OKP']);
  if (!kty.ok) return kty;
  if (kty.value === undefined) return { ok: false, reason: 'member "kty" is missing' };
  const material: NeonJwk['material'] = {};
  let crv: string | undefined;

  const need = (step: Step<Uint8Array | undefined>, into?: keyof NeonJwk['material']): string | undefined => {
    if (!step.ok) return step.reason;
    if (into && step.value) material[into] = step.value;
    return undefined;
  };
  let problem: string | undefined;
  if (kty.value === 'EC' || kty.value === 'OKP') {
    const curves = kty.value === 'EC' ? EC_CURVES : OKP_CURVES;
    const c = optionalString(value, 'crv', curves);
    if (!c.ok) return c;
    if (c.value === undefined) return { ok: false, reason: 'member "crv" is missing' };
    crv = c.value;
    problem = need(b64Member(value, 'x', true), 'x');
    if (!problem && kty.value === 'EC') problem = need(b64Member(value, 'y', true), 'y');
    if (!problem) problem = need(b64Member(value, 'd', false));
  } else if (kty.value === 'RSA') {
    problem = need(b64Member(value, 'n', true), 'n') ?? need(b64Member(value, 'e', true), 'e') ?? need(b64Member(value, 'd', false));
  } else {
    problem = need(b64Member(value, 'k', true), 'k');
  }
  if (problem) return { ok: false, reason: problem };

  const alg = optionalString(value, 'alg', JOSE_SIGNING_ALGORITHMS);
  if (!alg.ok) return alg;
  const kid = optionalString(value, 'kid');
  if (!kid.ok) return kid;
  const use = optionalString(value, 'use', ['sig', 'enc']);
  if (!use.ok) return use;

  const ops = getField(value, 'key_ops');
  if (ops !== undefined && ops.type !== 'null') {
    if (ops.type !== 'array' || !ops.items.every((o) => o.type === 'string' && KEY_OPS.includes(o.value)))
      return { ok: false, reason: `member "key_ops" must be an array of ${KEY_OPS.join(', ')}` };
  }
  const x5c = getField(value, 'x5c');
  if (x5c !== undefined && x5c.type !== 'null') {
    if (x5c.type !== 'array' || !x5c.items.every((c) => c.type === 'string' && 'bytes' in decodeBase64Strict(c.value, 'std-padded')))
      return { ok: false, reason: 'member "x5c" must be an array of standard (padded) base64 certificates' };
  }
  problem = need(b64Member(value, 'x5t', false, 20)) ?? need(b64Member(value, 'x5t#S256', false, 32));
  if (problem) return { ok: false, reason: problem };

  return {
    ok: true,
    value: {
      kty: kty.value as NeonKeyType,
      ...(crv !== undefined && { crv }),
      ...(alg.value !== undefined && { alg: alg.value as JoseSigningAlgorithm }),
      ...(kid.value !== undefined && { kid: kid.value }),
      ...(use.value !== undefined && { use: use.value as 'sig' | 'enc' }),
      material,
      json: toPlainJson(value) as Record<string, unknown>,
    },
  };
}

/** Bits in a big-endian unsigned integer (leading zero bytes do not count). */
function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]!));
}

function bigEndianToBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/**
 * jose-jwk `KeyInfo::is_supported` for a JWK: the key type must support `alg` (with jose-jwk's
 * minimum strengths: RSA modulus >= 256 bytes for RS256/PS256), and a JWK that names an `alg`
 * supports only that one. False means Neon answers "signature algorithm not supported".
 */
export function neonKeySupportsAlg(jwk: NeonJwk, alg: JoseSigningAlgorithm): boolean {
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  switch (jwk.kty) {
    case 'EC':
      return (
        (jwk.crv === 'P-256' && alg === 'ES256') ||
        (jwk.crv === 'secp256k1' && alg === 'ES256K') ||
        (jwk.crv === 'P-384' && alg === 'ES384') ||
        (jwk.crv === 'P-521' && alg === 'ES512')
      );
    case 'RSA': {
      // jose-jwk: strength = n.len() / 16 (bytes as sent, leading zeros included)
      const strength = Math.floor((jwk.material.n?.length ?? 0) / 16);
      const need: Partial<Record<JoseSigningAlgorithm, number>> = { RS256: 16, PS256: 16, RS384: 24, PS384: 24, RS512: 32, PS512: 32 };
      return need[alg] !== undefined && strength >= need[alg]!;
    }
    case 'oct': {
      const strength = jwk.material.k?.length ?? 0;
      const need: Partial<Record<JoseSigningAlgorithm, number>> = { HS256: 16, HS384: 24, HS512: 32 };
      return need[alg] !== undefined && strength >= need[alg]!;
    }
    case 'OKP':
      return alg === 'EdDSA';
  }
}

/** rsa 0.9 `RsaPublicKey::new`: modulus at most 4096 bits, exponent in [2, 2^33 - 1]. */
export function neonRsaKeyProblem(jwk: NeonJwk): string | undefined {
  const n = jwk.material.n ?? new Uint8Array();
  const e = bigEndianToBigInt(jwk.material.e ?? new Uint8Array());
  if (bitLength(n) > 4096) return `the modulus has ${bitLength(n)} bits; Neon's RSA library accepts at most 4096`;
  if (e < 2n) return 'the public exponent is smaller than 2';
  if (e > (1n << 33n) - 1n) return 'the public exponent is larger than 2^33 - 1';
  return undefined;
}

/** What a kept key can verify on Neon, in words, for reports. */
export function describeNeonKeyUse(jwk: NeonJwk): { verifies: 'ES256' | 'RS256' | null; note: string } {
  const pinned = jwk.alg ? ` (its "alg" is ${jwk.alg})` : '';
  if (jwk.kty === 'EC') {
    if (jwk.crv !== 'P-256') {
      const alg = { 'P-384': 'ES384', 'P-521': 'ES512', secp256k1: 'ES256K' }[jwk.crv ?? ''] ?? '?';
      return { verifies: null, note: `EC ${jwk.crv} key: tokens signed with ${alg} get "unsupported EC key type ${EC_CURVE_DEBUG[jwk.crv ?? '']}"; Neon verifies only P-256 (ES256)` };
    }
    if (jwk.material.x?.length !== 32 || jwk.material.y?.length !== 32) return { verifies: null, note: 'P-256 key whose x/y are not 32 bytes: tokens get "invalid P256 key"' };
    if (!neonKeySupportsAlg(jwk, 'ES256')) return { verifies: null, note: `P-256 key pinned to another algorithm${pinned}: tokens get "signature algorithm not supported"` };
    return { verifies: 'ES256', note: 'verifies ES256 tokens' };
  }
  if (jwk.kty === 'RSA') {
    const bits = bitLength(jwk.material.n ?? new Uint8Array());
    if (!neonKeySupportsAlg({ ...jwk, alg: undefined }, 'RS256'))
      return { verifies: null, note: `RSA key with a ${bits}-bit modulus: Neon needs at least 2048 bits ("signature algorithm not supported")` };
    const problem = neonRsaKeyProblem(jwk);
    if (problem) return { verifies: null, note: `RSA key Neon cannot load: ${problem} ("invalid RSA key")` };
    if (!neonKeySupportsAlg(jwk, 'RS256')) return { verifies: null, note: `RSA key pinned to another algorithm${pinned}: Neon verifies only RS256 with RSA ("invalid RSA signing algorithm" or "signature algorithm not supported")` };
    return { verifies: 'RS256', note: `verifies RS256 tokens (${bits}-bit modulus)` };
  }
  if (jwk.kty === 'OKP') return { verifies: null, note: `OKP ${jwk.crv} key: EdDSA tokens get "unsupported key type Okp(${jwk.crv})"; Neon verifies only ES256 and RS256` };
  return { verifies: null, note: 'symmetric (oct) key: HS256 tokens get "unsupported key type Oct"; Neon verifies only ES256 and RS256' };
}
