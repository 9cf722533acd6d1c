import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader } from 'jose';
import {
  generateSigningKey,
  JwksCache,
  MintError,
  mintToken,
  NEON_JWT_MESSAGES as M,
  parseDuration,
  verifyLikeNeon,
  type SigningKey,
} from '../../../src/core/jwt/index';
import { startJwksServer } from './helpers';

describe('parseDuration', function () {
  it('reads s, m, h, d, w and bare seconds', () => {
    assert.equal(parseDuration('90s'), 90);
    assert.equal(parseDuration('30m'), 1800);
    assert.equal(parseDuration('1h'), 3600);
    assert.equal(parseDuration('7d'), 604800);
    assert.equal(parseDuration('2w'), 1209600);
    assert.equal(parseDuration('45'), 45);
    assert.equal(parseDuration(' 30 minutes '), 1800);
    assert.equal(parseDuration('-5m'), -300);
    assert.equal(parseDuration(120), 120);
  });

  it('refuses anything else with a message that shows the format', () => {
    for (const bad of ['', 'h', '1.5h', '1y', 'one hour', '1h30m', '10 parsecs']) {
      assert.throws(() => parseDuration(bad), (e: unknown) => e instanceof MintError && /for example 90s, 30m, 1h or 7d/.test(e.message), bad);
    }
    assert.throws(() => parseDuration(1.5), MintError);
  });
});

describe('generateSigningKey + mintToken -> verifyLikeNeon', function () {
  let es: SigningKey;
  let rs: SigningKey;
  let server: Awaited<ReturnType<typeof startJwksServer>>;
  const T0 = Date.parse('2031-06-01T12:00:00Z');
  const verify = (token: string, now = T0) =>
    verifyLikeNeon(token, {
      roleName: 'authenticated',
      providers: [{ id: 'p', providerName: 'Minted', jwksUrl: `${server.url}/jwks`, roleNames: ['authenticated'] }],
      cache: new JwksCache({ now: () => now, retries: 0 }),
    });

  before(async () => {
    es = await generateSigningKey('ES256');
    rs = await generateSigningKey('RS256');
    server = await startJwksServer({ keys: [es.publicJwk, rs.publicJwk] });
  });
  after(() => server.close());

  it('kid is the RFC 7638 thumbprint; the public JWK has no private part', async () => {
    for (const key of [es, rs]) {
      assert.equal(key.kid, await calculateJwkThumbprint(key.publicJwk, 'sha256'));
      assert.equal(key.publicJwk.kid, key.kid);
      assert.equal(key.publicJwk.use, 'sig');
      assert.equal(key.publicJwk.d, undefined);
      assert.ok(key.privateJwk.d);
    }
    assert.equal(es.publicJwk.alg, 'ES256');
    assert.equal(rs.publicJwk.alg, 'RS256');
  });

  it('round-trips ES256 and RS256 tokens with the claims asked for', async () => {
    for (const key of [es, rs]) {
      const token = await mintToken({
        privateKey: key.privateJwk,
        kid: key.kid,
        sub: 'user_123',
        role: 'authenticated',
        audience: 'my-app',
        issuer: 'https://issuer.example',
        claims: { org: 'acme', sub: 'overridden' },
        expiresIn: '30m',
        now: T0,
      });
      const header = decodeProtectedHeader(token);
      assert.deepEqual(header, { alg: key === es ? 'ES256' : 'RS256', kid: key.kid, typ: 'JWT' });
      const out = await verify(token);
      assert.deepEqual(out.claims, {
        org: 'acme',
        sub: 'user_123',
        role: 'authenticated',
        iss: 'https://issuer.example',
        aud: 'my-app',
        iat: T0 / 1000,
        exp: T0 / 1000 + 1800,
      });
    }
  });

  it('defaults to a 1 hour expiry; expiresIn false leaves exp out; a negative duration mints an expired token', async () => {
    const oneHour = decodeJwt(await mintToken({ privateKey: es.privateJwk, kid: es.kid, now: T0 }));
    assert.equal(oneHour.exp, T0 / 1000 + 3600);
    const forever = decodeJwt(await mintToken({ privateKey: es.privateJwk, kid: es.kid, expiresIn: false, claims: { exp: 5 }, now: T0 }));
    assert.equal(forever.exp, undefined);
    const keepsClaim = decodeJwt(await mintToken({ privateKey: es.privateJwk, kid: es.kid, claims: { exp: 5 }, now: T0 }));
    assert.equal(keepsClaim.exp, 5);
    const expired = await mintToken({ privateKey: es.privateJwk, kid: es.kid, expiresIn: '-5m', now: T0 });
    await assert.rejects(verify(expired), { message: M.expired(T0 / 1000 - 300) });
  });

  it('signs with a PEM private key (PKCS#8 and SEC1) and infers the algorithm', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwks = await startJwksServer({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'pem-1' }] });
    try {
      for (const pem of [privateKey.export({ format: 'pem', type: 'pkcs8' }), privateKey.export({ format: 'pem', type: 'sec1' })]) {
        const token = await mintToken({ privateKey: String(pem), kid: 'pem-1', sub: 'u', now: T0 });
        assert.equal(decodeProtectedHeader(token).alg, 'ES256');
        await verifyLikeNeon(token, {
          roleName: 'authenticated',
          providers: [{ id: 'p', providerName: 'PEM', jwksUrl: `${jwks.url}/jwks`, roleNames: ['authenticated'] }],
          cache: new JwksCache({ now: () => T0, retries: 0 }),
        });
      }
    } finally {
      await jwks.close();
    }
  });

  it('explains keys and options that cannot make a Neon token', async () => {
    const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    await assert.rejects(mintToken({ privateKey: ed, kid: 'x' }), /OKP Ed25519 key cannot sign tokens Neon accepts/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'jwk' });
    await assert.rejects(mintToken({ privateKey: p384, kid: 'x' }), /EC P-384 key cannot sign/);
    await assert.rejects(mintToken({ privateKey: es.publicJwk, kid: 'x' }), /public key/);
    await assert.rejects(mintToken({ privateKey: es.privateJwk, kid: 'x', alg: 'RS256' }), /does not match/);
    await assert.rejects(mintToken({ privateKey: es.privateJwk, kid: '' }), /missing key id/);
    await assert.rejects(mintToken({ privateKey: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----', kid: 'x' }), /not a PEM private key/);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'jwk' });
    await assert.rejects(mintToken({ privateKey: small, kid: 'x' }), /shorter than 2048 bits/);
    await assert.rejects(mintToken({ privateKey: es.privateJwk, kid: 'x', expiresIn: 'soon' }), /Invalid duration "soon"/);
  });
});
