/** Key material shared by the JWT tests (generated once per process). */
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';

export interface TestKey {
  kid: string;
  privateKey: CryptoKey | Uint8Array;
  publicJwk: JWK;
  privateJwk: JWK;
}

async function pair(alg: 'ES256' | 'RS256' | 'ES384' | 'EdDSA', kid: string): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return {
    kid,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, ...(alg === 'EdDSA' ? {} : { alg }), use: 'sig' },
    privateJwk: { ...(await exportJWK(privateKey)), kid },
  };
}

let cached: Promise<Awaited<ReturnType<typeof build>>> | undefined;

async function build() {
  const secret = new Uint8Array(32).fill(7);
  return {
    es: await pair('ES256', 'es-1'),
    /** Another P-256 key, to sign tokens that claim es-1's kid. */
    esImpostor: await pair('ES256', 'es-1'),
    rs: await pair('RS256', 'rs-1'),
    rsImpostor: await pair('RS256', 'rs-1'),
    p384: await pair('ES384', 'p384-1'),
    ed: await pair('EdDSA', 'ed-1'),
    oct: { kid: 'oct-1', privateKey: secret, publicJwk: { kty: 'oct', k: Buffer.from(secret).toString('base64url'), kid: 'oct-1' }, privateJwk: {} } as TestKey,
  };
}

export function testKeys() {
  return (cached ??= build());
}

/** Signs claims with any header (jose refuses nothing we need here). */
export function sign(key: TestKey, header: { alg: string; kid?: string }, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader(header).sign(key.privateKey);
}

/** Signs with a private JWK under any algorithm its key type allows (e.g. an RSA key with RS384). */
export async function signWithJwk(privateJwk: JWK, header: { alg: string; kid?: string }, claims: Record<string, unknown>): Promise<string> {
  const { kid: _kid, alg: _alg, ...material } = privateJwk;
  return new SignJWT(claims).setProtectedHeader(header).sign(await importJWK(material, header.alg));
}
