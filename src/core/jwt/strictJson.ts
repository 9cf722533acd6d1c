/**
 * A strict JSON reader and base64url decoder that keep what JSON.parse and Buffer throw away,
 * so the verifier can refuse exactly what Neon's proxy (serde_json + the `base64` crate's
 * URL_SAFE_NO_PAD engine) refuses:
 * - number literals stay as written (`exp: 1.0` and `exp: 1e3` are floats to serde, not seconds);
 * - duplicate object keys are recorded (serde's derived structs reject a repeated known field);
 * - strings remember a lone UTF-16 surrogate escape (serde refuses it in a string field).
 * Browser-safe: no Node imports.
 */

export type StrictJsonValue =
  | { type: 'object'; entries: Array<[string, StrictJsonValue]>; duplicateKeys: string[] }
  | { type: 'array'; items: StrictJsonValue[] }
  | { type: 'string'; value: string; loneSurrogate: boolean }
  | { type: 'number'; raw: string; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'null' };

export class StrictJsonError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
    this.name = 'StrictJsonError';
  }
}

/** Nesting guard so a hostile body cannot overflow the stack; real JWTs and JWKS are shallow. */
const MAX_DEPTH = 512;

/** Parses RFC 8259 JSON: no BOM, no comments, no trailing commas, one value, only JSON whitespace. */
export function parseStrictJson(text: string): StrictJsonValue {
  let pos = 0;

  const fail = (message: string): never => {
    throw new StrictJsonError(message, pos);
  };
  const skipWhitespace = () => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) pos++;
      else break;
    }
  };

  const parseString = (): { value: string; loneSurrogate: boolean } => {
    pos++; // opening quote
    let value = '';
    let loneSurrogate = false;
    let pendingHigh = false; // the previous \u escape was a high surrogate waiting for its low half
    while (true) {
      if (pos >= text.length) fail('unterminated string');
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        pos++;
        if (pendingHigh) loneSurrogate = true;
        return { value, loneSurrogate };
      }
      if (c < 0x20) fail('control character in string');
      if (c !== 0x5c) {
        if (pendingHigh) loneSurrogate = true;
        pendingHigh = false;
        value += text[pos++];
        continue;
      }
      pos++;
      const e = text[pos++];
      if (e === 'u') {
        const hex = text.slice(pos, pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid \\u escape');
        pos += 4;
        const unit = parseInt(hex, 16);
        const isHigh = unit >= 0xd800 && unit <= 0xdbff;
        const isLow = unit >= 0xdc00 && unit <= 0xdfff;
        if (isLow && !pendingHigh) loneSurrogate = true;
        if (pendingHigh && !isLow) loneSurrogate = true;
        pendingHigh = isHigh;
        value += String.fromCharCode(unit);
        continue;
      }
      if (pendingHigh) loneSurrogate = true;
      pendingHigh = false;
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (e === undefined || !(e in simple)) fail('invalid escape');
      value += simple[e as string];
    }
  };

  const parseNumber = (): StrictJsonValue => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(pos));
    if (!match) fail('invalid number');
    const raw = match![0];
    pos += raw.length;
    return { type: 'number', raw, value: Number(raw) };
  };

  const parseValue = (depth: number): StrictJsonValue => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    skipWhitespace();
    if (pos >= text.length) fail('unexpected end of input');
    const c = text[pos];
    if (c === '{') {
      pos++;
      const entries: Array<[string, StrictJsonValue]> = [];
      const seen = new Set<string>();
      const duplicateKeys: string[] = [];
      skipWhitespace();
      if (text[pos] === '}') {
        pos++;
        return { type: 'object', entries, duplicateKeys };
      }
      while (true) {
        skipWhitespace();
        if (text[pos] !== '"') fail('expected a string key');
        const key = parseString().value;
        skipWhitespace();
        if (text[pos] !== ':') fail("expected ':'");
        pos++;
        const value = parseValue(depth + 1);
        if (seen.has(key)) duplicateKeys.push(key);
        seen.add(key);
        entries.push([key, value]);
        skipWhitespace();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === '}') {
          pos++;
          return { type: 'object', entries, duplicateKeys };
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      pos++;
      const items: StrictJsonValue[] = [];
      skipWhitespace();
      if (text[pos] === ']') {
        pos++;
        return { type: 'array', items };
      }
      while (true) {
        items.push(parseValue(depth + 1));
        skipWhitespace();
        if (text[pos] === ',') {
          pos++;
          continue;
        }
        if (text[pos] === ']') {
          pos++;
          return { type: 'array', items };
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return { type: 'string', ...parseString() };
    if (c === '-' || (c >= '0' && c <= '9')) return parseNumber();
    for (const [word, value] of [
      ['true', { type: 'boolean', value: true }],
      ['false', { type: 'boolean', value: false }],
      ['null', { type: 'null' }],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return value;
      }
    }
    return fail(`unexpected character ${JSON.stringify(c)}`);
  };

  const value = parseValue(0);
  skipWhitespace();
  if (pos !== text.length) fail('trailing characters after the JSON value');
  return value;
}

/** The value JSON.parse would give (a repeated key keeps its last value). */
export function toPlainJson(value: StrictJsonValue): unknown {
  switch (value.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of value.entries) out[k] = toPlainJson(v);
      return out;
    }
    case 'array':
      return value.items.map(toPlainJson);
    case 'string':
    case 'boolean':
      return value.value;
    case 'number':
      return value.value;
    case 'null':
      return null;
  }
}

/** The last value of `key` in an object (serde would already have refused a duplicate). */
export function getField(obj: StrictJsonValue & { type: 'object' }, key: string): StrictJsonValue | undefined {
  let found: StrictJsonValue | undefined;
  for (const [k, v] of obj.entries) if (k === key) found = v;
  return found;
}

/** Decodes UTF-8 the way serde_json::from_slice does: invalid bytes and a BOM are errors. */
export function decodeUtf8Strict(bytes: Uint8Array): string | undefined {
  try {
    // ignoreBOM keeps a leading U+FEFF in the text, where the JSON parser refuses it as serde_json does.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export type Base64Problem = 'invalid-character' | 'padding' | 'invalid-length' | 'non-zero-trailing-bits';

/**
 * Canonical base64 decoding: unpadded URL-safe (JWS segments, JWK members) or padded standard
 * (`x5c`). Like the Rust decoders Neon uses, it rejects '=' where none is allowed, a length of
 * 4n+1, and leftover bits that are not zero. Returns the problem instead of throwing.
 */
export function decodeBase64Strict(
  input: string,
  variant: 'url-unpadded' | 'std-padded' = 'url-unpadded',
): { bytes: Uint8Array } | { problem: Base64Problem } {
  const alphabet = variant === 'url-unpadded' ? B64URL : B64STD;
  let body = input;
  if (variant === 'std-padded') {
    if (input.length % 4 !== 0) return { problem: 'invalid-length' };
    const pad = input.endsWith('==') ? 2 : input.endsWith('=') ? 1 : 0;
    body = input.slice(0, input.length - pad);
  }
  if (variant === 'url-unpadded' && input.includes('=')) return { problem: 'padding' };
  if (body.length % 4 === 1) return { problem: 'invalid-length' };
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < body.length; i++) {
    const v = alphabet.indexOf(body[i]!);
    if (v < 0) return { problem: body[i] === '=' ? 'padding' : 'invalid-character' };
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (buffer >> bits) & 0xff;
    }
  }
  if (bits > 0 && (buffer & ((1 << bits) - 1)) !== 0) return { problem: 'non-zero-trailing-bits' };
  return { bytes: out.subarray(0, o) };
}

export function encodeBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64URL[(n >> 18) & 63]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]! + B64URL[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64URL[(n >> 18) & 63]! + B64URL[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64URL[(n >> 18) & 63]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]!;
  }
  return out;
}
