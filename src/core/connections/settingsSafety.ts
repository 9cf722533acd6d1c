// A last check before the extension writes settings: API keys, passwords, tokens and private keys belong in
// SecretStorage, never in settings.json (which users commit, sync and paste into issues).

import { findSecrets } from '../secrets';

export type SecretKind = 'secret-named-setting' | 'url-password' | 'neon-api-key' | 'jwt' | 'private-key';

export interface SecretFinding {
  /** Where the secret is, e.g. `neonAuthorize.connections[0].url`. Never the value. */
  path: string;
  kind: SecretKind;
}

export class SecretInSettingsError extends Error {
  override readonly name = 'SecretInSettingsError';
  constructor(readonly findings: readonly SecretFinding[]) {
    super(
      `Refusing to write settings: ${findings.map((f) => `${f.path} (${describeKind(f.kind)})`).join(', ')}. ` +
        `API keys, passwords and tokens are kept in VS Code's SecretStorage, never in settings.json.`,
    );
  }
}

function describeKind(kind: SecretKind): string {
  switch (kind) {
    case 'secret-named-setting':
      return 'a secret-named setting with a value';
    case 'url-password':
      return 'a connection URL with a password';
    case 'neon-api-key':
      return 'a Neon API key';
    case 'jwt':
      return 'a JWT';
    case 'private-key':
      return 'a private key';
  }
}

// Compared after lower-casing and dropping `_`, `-`, `.`: `apiKey`, `api_key` and `API-KEY` are one name.
const SECRET_NAME_ENDINGS = [
  'password',
  'passwd',
  'pwd',
  'secret',
  'apikey',
  'token',
  'accesskey',
  'privatekey',
  'credential',
  'credentials',
];

function isSecretName(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return SECRET_NAME_ENDINGS.some((ending) => normalized.endsWith(ending));
}

/** What a string value holds, by the same recognisers that mask secrets in messages. */
function classifyString(value: string): SecretKind | undefined {
  const found = findSecrets(value);
  if (found.includes('neon-api-key')) return 'neon-api-key';
  if (found.includes('jwt')) return 'jwt';
  if (found.includes('private-key')) return 'private-key';
  if (found.includes('connection-password')) return 'url-password';
  return undefined;
}

/** Every place in a settings value that holds a secret. */
export function findSecretsInSettings(value: unknown, basePath = ''): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const seen = new Set<object>();
  const visit = (node: unknown, path: string, key: string | undefined): void => {
    if (typeof node === 'string') {
      const kind = classifyString(node) ?? (key !== undefined && isSecretName(key) && node.trim() !== '' ? 'secret-named-setting' : undefined);
      if (kind) findings.push({ path: path || '(value)', kind });
      return;
    }
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, `${path}[${i}]`, key));
      return;
    }
    const record = node as Record<string, unknown>;
    // A JWK with a private part ("d") is a signing key, whatever its setting is called.
    if (typeof record.kty === 'string' && typeof record.d === 'string') {
      findings.push({ path: path || '(value)', kind: 'private-key' });
      return;
    }
    for (const [childKey, child] of Object.entries(record)) {
      visit(child, path ? `${path}.${childKey}` : childKey, childKey);
    }
  };
  visit(value, basePath, basePath ? basePath.split('.').pop() : undefined);
  return findings;
}

/** Throws {@link SecretInSettingsError} (naming the paths, never the values) when a secret would be written. */
export function assertNoSecretsInSettings(value: unknown, basePath = ''): void {
  const findings = findSecretsInSettings(value, basePath);
  if (findings.length > 0) throw new SecretInSettingsError(findings);
}
