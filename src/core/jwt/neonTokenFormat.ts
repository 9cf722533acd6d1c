/**
 * The structural checks Neon's proxy makes before it looks at any key (proxy
 * auth/backend/jwt.rs, `check_jwt` up to `MissingKeyId`): compact form split with `rsplit_once('.')`
 * then `split_once('.')`, strict unpadded base64url for all three parts, and serde_json into
 * `JwtHeader { alg: jose_jwa::Algorithm, kid: Option<str> }` and
 * `JwtPayload { aud: OneOrMany, exp/nbf: Option<u64>, iss/sub/jti/sid: Option<str> }`.
 * Any failure here is Neon's "Provided authentication token is not a valid JWT encoding";
 * `reason` says which rule failed, in words, for the workbench's explanation.
 * Browser-safe.
 */
import {
  decodeBase64Strict,
  decodeUtf8Strict,
  getField as field,
  parseStrictJson,
  StrictJsonError,
  toPlainJson,
  type Base64Problem,
  type StrictJsonValue,
} from './strictJson';

/** Every `alg` jose_jwa::Signing can parse (case-sensitive). Anything else fails to deserialize. */
export const JOSE_SIGNING_ALGORITHMS = [
  'EdDSA',
  'ES256',
  'ES256K',
  'ES384',
  'ES512',
  'HS256',
  'HS384',
  'HS512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
  'none',
] as const;
export type JoseSigningAlgorithm = (typeof JOSE_SIGNING_ALGORITHMS)[number];

/** Upper bound Neon accepts for exp/nbf: u64 that still fits SystemTime (i64 seconds on Linux). */
const MAX_NUMERIC_DATE = 9223372036854775807n;

export interface NeonTokenParts {
  /** `<header>.<payload>` exactly as sent: the bytes the signature covers. */
  signingInput: string;
  signature: Uint8Array;
  alg: JoseSigningAlgorithm;
  /** `undefined` when absent or null: Neon then answers "missing key id". */
  kid: string | undefined;
  /** What JSON.parse would give for the header and the claims. */
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** `aud` as Neon reads it: a string becomes a one-element list; absent is empty. */
  audience: string[];
  /** Whole seconds, exactly as written (may exceed 2^53). */
  exp: bigint | undefined;
  nbf: bigint | undefined;
}

export type NeonTokenParseResult = { ok: true; parts: NeonTokenParts } | { ok: false; reason: string };

const base64Words: Record<Base64Problem, string> = {
  'invalid-character': 'contains a character outside the base64url alphabet (A-Z a-z 0-9 - _)',
  padding: "has '=' padding, which Neon's decoder refuses",
  'invalid-length': 'has a length no base64 text can have',
  'non-zero-trailing-bits': 'ends in a character whose unused bits are not zero (not canonical base64url)',
};

function describeType(v: StrictJsonValue): string {
  if (v.type === 'number') return `the number ${v.raw}`;
  if (v.type === 'string') return `the string ${JSON.stringify(v.value)}`;
  if (v.type === 'null') return 'null';
  if (v.type === 'boolean') return String(v.value);
  return v.type === 'array' ? 'an array' : 'an object';
}

function decodeJsonPart(name: 'header' | 'payload', text: string): { ok: true; value: StrictJsonValue } | { ok: false; reason: string } {
  const decoded = decodeBase64Strict(text, 'url-unpadded');
  if ('problem' in decoded) return { ok: false, reason: `the ${name} ${base64Words[decoded.problem]}` };
  const json = decodeUtf8Strict(decoded.bytes);
  if (json === undefined) return { ok: false, reason: `the ${name} is not valid UTF-8` };
  try {
    return { ok: true, value: parseStrictJson(json) };
  } catch (e) {
    const detail = e instanceof StrictJsonError ? e.message : String(e);
    return { ok: false, reason: `the ${name} is not valid JSON (${detail})` };
  }
}

/** A string field serde reads into `str`: a lone surrogate escape cannot become UTF-8. */
function stringOrNull(v: StrictJsonValue | undefined, name: string): { ok: true; value: string | undefined } | { ok: false; reason: string } {
  if (v === undefined || v.type === 'null') return { ok: true, value: undefined };
  if (v.type !== 'string') return { ok: false, reason: `${name} must be a string, found ${describeType(v)}` };
  if (v.loneSurrogate) return { ok: false, reason: `${name} contains an unpaired \\u surrogate escape` };
  return { ok: true, value: v.value };
}

function numericDate(v: StrictJsonValue | undefined, name: string): { ok: true; value: bigint | undefined } | { ok: false; reason: string } {
  if (v === undefined || v.type === 'null') return { ok: true, value: undefined };
  if (v.type !== 'number') return { ok: false, reason: `${name} must be a number of seconds, found ${describeType(v)}` };
  if (!/^(0|[1-9]\d*)$/.test(v.raw))
    return { ok: false, reason: `${name} must be a whole, non-negative number of seconds written without a fraction or exponent, found ${v.raw}` };
  const value = BigInt(v.raw);
  if (value > MAX_NUMERIC_DATE) return { ok: false, reason: `${name} (${v.raw}) is out of range` };
  return { ok: true, value };
}

/** Applies Neon's encoding rules to a compact JWS. Never throws. */
export function parseTokenLikeNeon(token: string): NeonTokenParseResult {
  const lastDot = token.lastIndexOf('.');
  if (lastDot < 0) return { ok: false, reason: 'the token is not three base64url parts separated by dots (header.payload.signature)' };
  const signingInput = token.slice(0, lastDot);
  const firstDot = signingInput.indexOf('.');
  if (firstDot < 0) return { ok: false, reason: 'the token is not three base64url parts separated by dots (header.payload.signature)' };
  const headerText = signingInput.slice(0, firstDot);
  const payloadText = signingInput.slice(firstDot + 1);
  if (payloadText.includes('.'))
    return { ok: false, reason: 'the token has more than three dot-separated parts (an encrypted JWE has five; Neon needs a signed JWS)' };

  const header = decodeJsonPart('header', headerText);
  if (!header.ok) return header;
  if (header.value.type !== 'object') return { ok: false, reason: `the header must be a JSON object, found ${describeType(header.value)}` };
  for (const dup of header.value.duplicateKeys)
    if (dup === 'alg' || dup === 'kid') return { ok: false, reason: `the header repeats the field "${dup}"` };
  const headerObj = header.value;

  const algValue = field(headerObj, 'alg');
  if (algValue === undefined) return { ok: false, reason: 'the header has no "alg"' };
  if (algValue.type !== 'string' || !(JOSE_SIGNING_ALGORITHMS as readonly string[]).includes(algValue.value))
    return {
      ok: false,
      reason: `the header's alg is ${describeType(algValue)}, which is not a JOSE signing algorithm name (they are case-sensitive: ${JOSE_SIGNING_ALGORITHMS.join(', ')})`,
    };
  const kid = stringOrNull(field(headerObj, 'kid'), 'the header\'s kid');
  if (!kid.ok) return kid;

  const payload = decodeJsonPart('payload', payloadText);
  if (!payload.ok) return payload;
  if (payload.value.type !== 'object') return { ok: false, reason: `the payload must be a JSON object, found ${describeType(payload.value)}` };
  const payloadObj = payload.value;
  const known = ['aud', 'exp', 'nbf', 'iss', 'sub', 'jti', 'sid'];
  for (const dup of payloadObj.duplicateKeys) if (known.includes(dup)) return { ok: false, reason: `the payload repeats the claim "${dup}"` };

  const audience: string[] = [];
  const aud = field(payloadObj, 'aud');
  if (aud !== undefined) {
    const strings = aud.type === 'string' ? [aud] : aud.type === 'array' ? aud.items : [];
    if ((aud.type !== 'string' && aud.type !== 'array') || !strings.every((i) => i.type === 'string'))
      return { ok: false, reason: `aud must be a string or an array of strings, found ${describeType(aud)}` };
    for (const item of strings as Array<StrictJsonValue & { type: 'string' }>) {
      if (item.loneSurrogate) return { ok: false, reason: 'aud contains an unpaired \\u surrogate escape' };
      audience.push(item.value);
    }
  }
  const exp = numericDate(field(payloadObj, 'exp'), 'exp');
  if (!exp.ok) return exp;
  const nbf = numericDate(field(payloadObj, 'nbf'), 'nbf');
  if (!nbf.ok) return nbf;
  for (const name of ['iss', 'sub', 'jti', 'sid']) {
    const checked = stringOrNull(field(payloadObj, name), name);
    if (!checked.ok) return checked;
  }

  const signature = decodeBase64Strict(token.slice(lastDot + 1), 'url-unpadded');
  if ('problem' in signature) return { ok: false, reason: `the signature ${base64Words[signature.problem]}` };

  return {
    ok: true,
    parts: {
      signingInput,
      signature: signature.bytes,
      alg: algValue.value as JoseSigningAlgorithm,
      kid: kid.value,
      header: toPlainJson(headerObj) as Record<string, unknown>,
      claims: toPlainJson(payloadObj) as Record<string, unknown>,
      audience,
      exp: exp.value,
      nbf: nbf.value,
    },
  };
}
