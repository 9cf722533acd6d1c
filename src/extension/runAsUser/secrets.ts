// Recognising secrets inside free text (SQL, error messages) so they are never persisted or shown as-is.
import { redactConnectionSecrets } from '../../core/connections/url';

const JWT_IN_TEXT = /\beyJ[\w-]*\.eyJ[\w-]*\.[\w-]+/g;
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;
const NEON_API_KEY = /\bnapi_[A-Za-z0-9]{16,}\b/g;
const POSTGRES_URL_WITH_PASSWORD = /postgres(?:ql)?:\/\/[^\s:@/'"`]+:[^\s@/'"`]+@/i;
const PASSWORD_KEYWORD = /\bpassword\s*=\s*\S/i;

/** True when the text holds a JWT, a private key, a Neon API key or a connection password. */
export function containsSecret(text: string): boolean {
  return (
    new RegExp(JWT_IN_TEXT.source).test(text) ||
    new RegExp(PEM_PRIVATE_KEY.source).test(text) ||
    new RegExp(NEON_API_KEY.source).test(text) ||
    POSTGRES_URL_WITH_PASSWORD.test(text) ||
    PASSWORD_KEYWORD.test(text)
  );
}

/** The text with tokens, private keys, API keys and connection passwords replaced by placeholders. */
export function maskSecrets(text: string, knownSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of knownSecrets) if (secret && secret.length >= 8) out = out.split(secret).join('<secret>');
  out = out.replace(JWT_IN_TEXT, '<token>').replace(PEM_PRIVATE_KEY, '<private key>').replace(NEON_API_KEY, '<Neon API key>');
  return redactConnectionSecrets(out);
}
