/**
 * The playground's signing key: one ES256 key per folder, kept at
 * `<dir>/keys/playground-es256.jwk.json` (mode 0600), so `naw mint` and `naw serve` run in the
 * same folder sign and verify with the same key. The public half is served as the playground's
 * JWKS; the private half never leaves the file.
 */
import { createHash, randomUUID } from 'node:crypto';
import { chmod, link, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { generateSigningKey } from '../core/jwt/mint';
import { ensurePrivateFolder } from './dataFolder';

export const PLAYGROUND_KEY_FILE = join('keys', 'playground-es256.jwk.json');

export interface PlaygroundKey {
  privateJwk: JWK;
  publicJwk: JWK;
  kid: string;
  alg: 'ES256';
}

/** RFC 7638 thumbprint (SHA-256) of an EC public key: the members crv, kty, x, y in that order. */
function ecThumbprint(jwk: JWK): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

function toKey(jwk: JWK): PlaygroundKey {
  const kid = ecThumbprint(jwk);
  return {
    privateJwk: { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y!, d: jwk.d!, kid, alg: 'ES256' },
    publicJwk: { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y!, kid, alg: 'ES256', use: 'sig' },
    kid,
    alg: 'ES256',
  };
}

async function readKeyFile(file: string): Promise<PlaygroundKey> {
  const text = await readFile(file, 'utf8');
  let jwk: JWK;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch {
    throw new Error(`The playground key file ${file} is not JSON. Delete it to create a new key (tokens minted with the old key will stop verifying).`);
  }
  const b64 = (v: unknown, bytes: number) => typeof v === 'string' && /^[A-Za-z0-9_-]+$/.test(v) && Buffer.from(v, 'base64url').length === bytes;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !b64(jwk.x, 32) || !b64(jwk.y, 32) || !b64(jwk.d, 32))
    throw new Error(`The playground key file ${file} does not hold an ES256 (EC P-256) private JWK. Delete it to create a new key (tokens minted with the old key will stop verifying).`);
  // Keep the private key private even if something loosened the mode.
  await chmod(file, 0o600).catch(() => undefined);
  return toKey(jwk);
}

/** Loads the folder's playground key, creating it on first use. Safe when two processes race. */
export async function loadOrCreatePlaygroundKey(dir: string): Promise<PlaygroundKey> {
  const file = join(dir, PLAYGROUND_KEY_FILE);
  try {
    return await readKeyFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  ensurePrivateFolder(join(dir, 'keys'), 'key folder');
  const { privateJwk } = await generateSigningKey('ES256');
  const key = toKey(privateJwk);
  // Write a complete file aside, then link it into place: link fails if another process won the
  // race, and readers never see a half-written key.
  const tmp = `${file}.${randomUUID()}.tmp`;
  await writeFile(tmp, JSON.stringify(key.privateJwk, null, 2) + '\n', { mode: 0o600 });
  await chmod(tmp, 0o600);
  try {
    await link(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return readKeyFile(file);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  return key;
}

/** The JWKS document the playground serves: the public key only, never `d`. */
export function playgroundJwks(publicJwk: JWK): { keys: JWK[] } {
  // Drop the private scalar even if a private JWK is passed by mistake.
  const { d: _private, ...rest } = publicJwk;
  return { keys: [{ ...rest, kid: publicJwk.kid ?? ecThumbprint(publicJwk), alg: 'ES256', use: 'sig' }] };
}
