// The one place that recognises secrets in text (tokens, private keys, API keys, connection passwords) and
// replaces them with one placeholder, so that nothing shown, logged or stored carries them as-is.
// No Node-only APIs, so webview code can use it too.
import { hasPostgresScheme, parseConnectionUrl, percentDecode } from './sql/connectionString';

/** What every masked secret is replaced with. */
export const SECRET_PLACEHOLDER = '****';

/** Characters of a base64url segment (JWS parts, JWK members). */
const B64URL = 'A-Za-z0-9_-';

/**
 * A compact JWS: three base64url parts separated by dots, the header a JSON object (`{"` encodes as `eyJ`) and
 * the payload a JSON object (`eyJ…`, or `e30` for `{}`). The signature may be empty (an unsecured token).
 */
const JWT = new RegExp(`(?<![${B64URL}])eyJ[${B64URL}]+\\.(?:eyJ[${B64URL}]*|e30)\\.[${B64URL}]*`, 'g');

/** A PEM private key block (PKCS#1, PKCS#8, encrypted, OpenSSH); an unterminated one is masked to the end. */
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;

/** A JSON object that is a JWK (has `"kty"`), without nested objects. */
const JWK_OBJECT = /\{[^{}]*"kty"\s*:[^{}]*\}/g;
/** The private members of a JWK: EC/OKP/RSA private exponent and RSA CRT values, and a symmetric key (`k`). */
const JWK_PRIVATE_MEMBER = /("(?:d|p|q|dp|dq|qi|k)"\s*:\s*")[^"]*(")/g;

/** A Neon API key: `napi_` and a long alphanumeric tail. */
const NEON_API_KEY = /\bnapi_[A-Za-z0-9]{16,}/g;

/**
 * An HTTP bearer credential (RFC 6750 token68). A value that is one plain word ("Bearer authentication") is
 * prose, not a credential, and stays.
 */
const BEARER = /\b(bearer\s+)(?![a-z]+(?![A-Za-z0-9._~+/=-]))[A-Za-z0-9._~+/-]+=*/gi;

/** A postgres:// URL inside free text: up to the first blank or quote. */
const POSTGRES_URL_IN_TEXT = /postgres(?:ql)?:\/\/[^\s'"`<>]+/gi;

/** `user:password@` in any other URL (`https://`, `redis://`…): the password ends at the first `@`. */
const URL_USERINFO_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@'"`<>]*:)[^\s/?#@'"`<>]+@/gi;

/** Query parameters whose value is a secret (libpq keywords and common driver variants). */
const SECRET_QUERY_KEYS = ['password', 'sslpassword', 'pass', 'passwd', 'pwd'];
const SECRET_QUERY_KEY_SET = new Set(SECRET_QUERY_KEYS);

/** True for a query parameter (percent-decoded name, any case) whose value is a secret: `password`, `sslpassword`… */
export function isSecretQueryKey(key: string): boolean {
  return SECRET_QUERY_KEY_SET.has(key.toLowerCase());
}
/** `?password=…` / `&password=…` in any URL's query string. */
const SECRET_QUERY_PARAM = new RegExp(`([?&](?:${SECRET_QUERY_KEYS.join('|')})=)[^&#\\s'"\`<>]+`, 'gi');

/**
 * `password=…` in a libpq keyword/value string (`host=x password='p w' dbname=y`). Not after `?`/`&` (a query
 * parameter, whose value ends at `&`) and not inside a longer word.
 */
const KEYWORD_PASSWORD = /(?<![?&\w])(password|sslpassword)(\s*=\s*)('(?:\\.|[^'\\])*'|[^\s']+)/gi;

/**
 * The `PASSWORD '…'` literal of CREATE/ALTER ROLE or USER (also `ENCRYPTED PASSWORD`, and the options of
 * CREATE/ALTER USER MAPPING): a login password in SQL. Only its content is masked, so the statement still
 * reads as SQL; `''` inside the literal is a quote. Elsewhere `password 'x'` is left alone.
 */
const SQL_ROLE_PASSWORD = /(\b(?:create|alter)\s+(?:role|user)\b[^;]*?\bpassword\s+')((?:[^']|'')*)(')/gi;

/** Known secrets shorter than this are not replaced as plain text: they would mask ordinary words. */
const MIN_KNOWN_SECRET_LENGTH = 4;

/** The kinds of secret {@link findSecrets} tells apart. */
export type MaskedSecretKind = 'known-secret' | 'private-key' | 'jwt' | 'neon-api-key' | 'bearer-token' | 'connection-password';

/** Each recogniser, in the order they run: a private key or token first, so later rules see only what is left. */
const RULES: readonly { kind: MaskedSecretKind; mask: (text: string) => string }[] = [
  { kind: 'private-key', mask: (t) => t.replace(PEM_PRIVATE_KEY, SECRET_PLACEHOLDER) },
  { kind: 'private-key', mask: (t) => t.replace(JWK_OBJECT, (jwk) => jwk.replace(JWK_PRIVATE_MEMBER, `$1${SECRET_PLACEHOLDER}$2`)) },
  { kind: 'jwt', mask: (t) => t.replace(JWT, SECRET_PLACEHOLDER) },
  { kind: 'neon-api-key', mask: (t) => t.replace(NEON_API_KEY, SECRET_PLACEHOLDER) },
  { kind: 'bearer-token', mask: (t) => t.replace(BEARER, `$1${SECRET_PLACEHOLDER}`) },
  { kind: 'connection-password', mask: (t) => t.replace(POSTGRES_URL_IN_TEXT, (found) => maskConnectionUrl(found)) },
  { kind: 'connection-password', mask: (t) => t.replace(URL_USERINFO_PASSWORD, `$1${SECRET_PLACEHOLDER}@`) },
  { kind: 'connection-password', mask: (t) => t.replace(SECRET_QUERY_PARAM, `$1${SECRET_PLACEHOLDER}`) },
  { kind: 'connection-password', mask: (t) => t.replace(KEYWORD_PASSWORD, `$1$2${SECRET_PLACEHOLDER}`) },
  { kind: 'connection-password', mask: (t) => t.replace(SQL_ROLE_PASSWORD, (whole, before: string, content: string, quote: string) => (content === '' ? whole : `${before}${SECRET_PLACEHOLDER}${quote}`)) },
];

/** Known secrets worth replacing as plain text, longest first so a secret that contains another is replaced whole. */
function literalSecrets(knownSecrets: readonly string[]): string[] {
  return knownSecrets.filter((s) => s && s.length >= MIN_KNOWN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

function maskKnown(text: string, knownSecrets: readonly string[]): string {
  let out = text;
  for (const secret of literalSecrets(knownSecrets)) out = out.split(secret).join(SECRET_PLACEHOLDER);
  return out;
}

/**
 * The text with every secret replaced by {@link SECRET_PLACEHOLDER}: JWTs, PEM private keys, private JWK
 * members, Neon API keys, bearer credentials, passwords in postgres:// URLs (and `user:password@` in any URL),
 * in `password=` keywords and in URL query strings, in the `PASSWORD '…'` of CREATE/ALTER ROLE, and every literal occurrence of `knownSecrets` (e.g. a password a driver echoed back).
 */
export function maskSecrets(text: string, knownSecrets: readonly string[] = []): string {
  return RULES.reduce((out, rule) => rule.mask(out), maskKnown(text, knownSecrets));
}

/** The kinds of secret in the text (each once, in the order {@link maskSecrets} finds them); empty when none. */
export function findSecrets(text: string, knownSecrets: readonly string[] = []): MaskedSecretKind[] {
  const kinds = new Set<MaskedSecretKind>();
  let out = maskKnown(text, knownSecrets);
  if (out !== text) kinds.add('known-secret');
  for (const rule of RULES) {
    const masked = rule.mask(out);
    if (masked !== out) kinds.add(rule.kind);
    out = masked;
  }
  return [...kinds];
}

/** True when the text holds a secret ({@link maskSecrets} would change it). */
export function containsSecret(text: string, knownSecrets: readonly string[] = []): boolean {
  return maskSecrets(text, knownSecrets) !== text;
}

/**
 * The URL with its password (and any secret query parameter) replaced by {@link SECRET_PLACEHOLDER}; everything
 * else is kept verbatim so the user recognises it. A keyword/value string (`host=… password=…`) is masked too;
 * other text is returned with any embedded secrets masked.
 */
export function maskConnectionUrl(url: string): string {
  if (!hasPostgresScheme(url)) return maskSecrets(url);
  const parts = parseConnectionUrl(url);
  let masked = url;
  if (parts.queryStart >= 0) masked = url.slice(0, parts.queryStart) + maskQuery(url.slice(parts.queryStart));
  if (parts.passwordSpan && parts.password !== '') {
    const [start, end] = parts.passwordSpan;
    masked = masked.slice(0, start) + SECRET_PLACEHOLDER + masked.slice(end);
  }
  return masked;
}

/** Replaces secret values of `key=value` pairs in a query string, keeping everything else verbatim. */
function maskQuery(query: string): string {
  return query.replace(/(^|&)([^=&]*)=([^&]*)/g, (whole, sep: string, key: string, value: string) =>
    isSecretQueryKey(percentDecode(key)) && value !== '' ? `${sep}${key}=${SECRET_PLACEHOLDER}` : whole,
  );
}
