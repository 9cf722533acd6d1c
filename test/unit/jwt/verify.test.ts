import assert from 'node:assert/strict';
import { createSign, generateKeyPairSync } from 'node:crypto';
import {
  JwksCache,
  NEON_JWT_MESSAGES as M,
  NeonJwtError,
  verifyLikeNeon,
  type JwksCacheOptions,
  type JwksProviderRegistration,
} from '../../../src/core/jwt/index';
import { closedPort, rawToken, startJwksServer, startServer, type LocalServer } from './helpers';
import { sign, signWithJwk, testKeys } from './keys';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const T0_SEC = T0 / 1000;

async function expectNeonError(promise: Promise<unknown>, message: string): Promise<NeonJwtError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof NeonJwtError, `expected a NeonJwtError, got ${e}`);
    assert.equal(e.message, message);
    assert.equal(e.httpStatus, 400);
    assert.equal(e.code, '');
    assert.ok(e.explanation.length > 20, 'every error carries an explanation');
    return e;
  }
  assert.fail(`expected "${message}", but the token verified`);
}

describe('verifyLikeNeon: bad-token corpus with Neon messages', function () {
  let server: Awaited<ReturnType<typeof startJwksServer>>;
  let provider: JwksProviderRegistration;
  let clock: number;
  let cache: JwksCache;
  const claims = () => ({ sub: 'user-1', iat: T0_SEC, exp: T0_SEC + 3600 });
  const verify = (token: string, roleName = 'authenticated', providers = [provider]) => verifyLikeNeon(token, { roleName, providers, cache });

  before(async () => {
    const k = await testKeys();
    server = await startJwksServer({ keys: [k.es.publicJwk, k.rs.publicJwk, k.p384.publicJwk, k.ed.publicJwk, k.oct.publicJwk] });
    provider = { id: 'p1', providerName: 'Local test', jwksUrl: `${server.url}/jwks`, roleNames: ['authenticated', 'anonymous'] };
  });
  after(() => server.close());
  beforeEach(() => {
    clock = T0;
    cache = new JwksCache({ now: () => clock, retries: 0 });
  });

  it('accepts ES256 and RS256 tokens and returns header, claims and provider', async () => {
    const k = await testKeys();
    for (const key of [k.es, k.rs]) {
      const token = await sign(key, { alg: key === k.es ? 'ES256' : 'RS256', kid: key.kid }, claims());
      const out = await verify(token);
      assert.equal(out.header.kid, key.kid);
      assert.equal(out.claims.sub, 'user-1');
      assert.equal(out.provider.id, 'p1');
      assert.equal(out.jwk.kid, key.kid);
    }
  });

  it('malformed token -> invalid encoding', async () => {
    await expectNeonError(verify('not-a-jwt'), M.invalidEncoding);
    await expectNeonError(verify(''), M.invalidEncoding);
  });

  it('expired -> "JWT token has expired (exp=N)"', async () => {
    const k = await testKeys();
    const exp = T0_SEC - 3600;
    const e = await expectNeonError(verify(await sign(k.es, { alg: 'ES256', kid: 'es-1' }, { sub: 'u', exp })), `JWT token has expired (exp=${exp})`);
    assert.equal(e.kind, 'expired');
  });

  it('nbf in the future -> "JWT token is not yet ready to use (nbf=N)"', async () => {
    const k = await testKeys();
    const nbf = T0_SEC + 3600;
    await expectNeonError(verify(await sign(k.es, { alg: 'ES256', kid: 'es-1' }, { sub: 'u', nbf })), `JWT token is not yet ready to use (nbf=${nbf})`);
  });

  it('signed by another key with the same kid -> signature error', async () => {
    const k = await testKeys();
    await expectNeonError(verify(await sign(k.esImpostor, { alg: 'ES256', kid: 'es-1' }, claims())), 'signature error: signature error');
    await expectNeonError(verify(await sign(k.rsImpostor, { alg: 'RS256', kid: 'rs-1' }, claims())), 'signature error: signature error');
  });

  it('tampered payload -> signature error', async () => {
    const k = await testKeys();
    const [h, , s] = (await sign(k.es, { alg: 'ES256', kid: 'es-1' }, claims())).split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims(), sub: 'admin' })).toString('base64url')}.${s}`;
    await expectNeonError(verify(forged), M.signature);
  });

  it('unknown kid -> jwk not found, and the explanation lists the kids Neon has', async () => {
    const k = await testKeys();
    const e = await expectNeonError(verify(await sign(k.es, { alg: 'ES256', kid: 'nope' }, claims())), 'jwk not found');
    assert.match(e.explanation, /"es-1"/);
  });

  it('no kid -> missing key id', async () => {
    const k = await testKeys();
    await expectNeonError(verify(await sign(k.es, { alg: 'ES256' }, claims())), 'missing key id');
  });

  it('alg none -> signature algorithm not supported (with a kid Neon knows)', async () => {
    await expectNeonError(verify(rawToken({ alg: 'none', kid: 'es-1' }, claims(), '')), 'signature algorithm not supported');
    // without a kid Neon stops earlier
    await expectNeonError(verify(rawToken({ alg: 'none' }, claims(), '')), 'missing key id');
  });

  it('HS256 -> signature algorithm not supported against a public key, unsupported key type Oct against a shared secret', async () => {
    const k = await testKeys();
    const secret = { ...k.oct };
    await expectNeonError(verify(await sign(secret, { alg: 'HS256', kid: 'es-1' }, claims())), 'signature algorithm not supported');
    await expectNeonError(verify(await sign(secret, { alg: 'HS256', kid: 'oct-1' }, claims())), 'unsupported key type Oct');
  });

  it('EdDSA with an Ed25519 key in the JWKS -> unsupported key type Okp(Ed25519)', async () => {
    const k = await testKeys();
    await expectNeonError(verify(await sign(k.ed, { alg: 'EdDSA', kid: 'ed-1' }, claims())), 'unsupported key type Okp(Ed25519)');
    await expectNeonError(verify(await sign(k.ed, { alg: 'EdDSA', kid: 'es-1' }, claims())), 'signature algorithm not supported');
  });

  it('ES384 with a P-384 key -> unsupported EC key type P384', async () => {
    const k = await testKeys();
    await expectNeonError(verify(await sign(k.p384, { alg: 'ES384', kid: 'p384-1' }, claims())), 'unsupported EC key type P384');
  });

  it('other RSA algorithms -> invalid RSA signing algorithm, or signature algorithm not supported when the key is pinned or too short', async () => {
    const k = await testKeys();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
    const rsa3072 = { ...privateKey.export({ format: 'jwk' }), kid: 'rs-3072' };
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rsa3072Public } = rsa3072;
    const unpinned = await startJwksServer({ keys: [{ ...k.rs.publicJwk, alg: undefined }, rsa3072Public] });
    try {
      const p = { ...provider, jwksUrl: `${unpinned.url}/jwks` };
      const v = (token: string) => verify(token, 'authenticated', [p]);
      await expectNeonError(v(await signWithJwk(k.rs.privateJwk, { alg: 'PS256', kid: 'rs-1' }, claims())), 'invalid RSA signing algorithm');
      await expectNeonError(v(await signWithJwk(rsa3072, { alg: 'RS384', kid: 'rs-3072' }, claims())), 'invalid RSA signing algorithm');
      // jose-jwk wants a 3072-bit modulus for RS384: a 2048-bit key does not "support" it
      await expectNeonError(v(await signWithJwk(k.rs.privateJwk, { alg: 'RS384', kid: 'rs-1' }, claims())), 'signature algorithm not supported');
    } finally {
      await unpinned.close();
    }
    // the published JWKS entry says alg RS256, so any other alg is refused before the key type is looked at
    await expectNeonError(verify(await signWithJwk(k.rs.privateJwk, { alg: 'PS256', kid: 'rs-1' }, claims())), 'signature algorithm not supported');
  });

  it('RSA key under 2048 bits -> signature algorithm not supported', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'small' };
    const small = await startJwksServer({ keys: [jwk] });
    try {
      const input = `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'small' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}`;
      const sig = createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url');
      await expectNeonError(verify(`${input}.${sig}`, 'authenticated', [{ ...provider, jwksUrl: `${small.url}/jwks` }]), 'signature algorithm not supported');
    } finally {
      await small.close();
    }
  });

  it('wrong aud -> invalid JWT token audience; aud checked only when the provider has one', async () => {
    const k = await testKeys();
    const withAud = { ...provider, audience: 'neon-app' };
    const token = (aud?: unknown) => sign(k.es, { alg: 'ES256', kid: 'es-1' }, { ...claims(), ...(aud !== undefined && { aud }) });
    await expectNeonError(verify(await token('other-app'), 'authenticated', [withAud]), 'invalid JWT token audience');
    await expectNeonError(verify(await token(), 'authenticated', [withAud]), 'invalid JWT token audience');
    await expectNeonError(verify(await token([]), 'authenticated', [withAud]), 'invalid JWT token audience');
    await verify(await token(['x', 'neon-app']), 'authenticated', [withAud]);
    await verify(await token('neon-app'), 'authenticated', [withAud]);
    await verify(await token('anything'), 'authenticated', [provider]);
  });

  it('role not in the provider\'s roleNames -> jwk not found (also the owner-role mistake)', async () => {
    const k = await testKeys();
    const e = await expectNeonError(verify(await sign(k.es, { alg: 'ES256', kid: 'es-1' }, claims()), 'neondb_owner'), 'jwk not found');
    assert.match(e.explanation, /role "neondb_owner"/);
  });

  it('kid registered only for another role -> jwk not found, explained', async () => {
    const k = await testKeys();
    const other = await startJwksServer({ keys: [k.rs.publicJwk] });
    try {
      const providers = [
        { id: 'a', providerName: 'For anonymous', jwksUrl: `${server.url}/jwks`, roleNames: ['anonymous'] },
        { id: 'b', providerName: 'For authenticated', jwksUrl: `${other.url}/jwks`, roleNames: ['authenticated'] },
      ];
      const e = await expectNeonError(verify(await sign(k.es, { alg: 'ES256', kid: 'es-1' }, claims()), 'authenticated', providers), 'jwk not found');
      assert.match(e.explanation, /For anonymous's JWKS, but that provider is registered for \[anonymous\]/);
    } finally {
      await other.close();
    }
  });

  it('no provider registered -> jwk not found', async () => {
    const k = await testKeys();
    const e = await expectNeonError(verify(await sign(k.es, { alg: 'ES256', kid: 'es-1' }, claims()), 'authenticated', []), 'jwk not found');
    assert.match(e.explanation, /No JWKS provider is registered/);
  });

  it('reports other providers that hold the same kid', async () => {
    const k = await testKeys();
    const twin = { ...provider, id: 'p2', providerName: 'Twin' };
    const out = await verify(await sign(k.es, { alg: 'ES256', kid: 'es-1' }, claims()), 'authenticated', [provider, twin]);
    assert.equal(out.provider.id, 'p1');
    assert.deepEqual(out.alsoMatchedProviders.map((p) => p.id), ['p2']);
  });

  it('does not check iss or iat, and exp is optional', async () => {
    const k = await testKeys();
    await verify(await sign(k.es, { alg: 'ES256', kid: 'es-1' }, { sub: 'u', iss: 'https://anyone.example', iat: T0_SEC + 86400 }));
  });

  it('exp beyond 2^53 passes the encoding check (it is read exactly)', async () => {
    const k = await testKeys();
    const [h, , s] = (await sign(k.es, { alg: 'ES256', kid: 'es-1' }, { sub: 'u' })).split('.');
    // hand-written payload so the number keeps all its digits; the signature then fails, after the claims parse
    const payload = Buffer.from('{"sub":"u","exp":9007199254740993}').toString('base64url');
    await expectNeonError(verify(`${h}.${payload}.${s}`), M.signature);
  });
});

describe('verifyLikeNeon: clock leeway (30 s)', function () {
  let server: Awaited<ReturnType<typeof startJwksServer>>;
  let provider: JwksProviderRegistration;
  let clock = T0;
  let cache: JwksCache;
  before(async () => {
    server = await startJwksServer({ keys: [(await testKeys()).es.publicJwk] });
    provider = { id: 'p', providerName: 'Local', jwksUrl: `${server.url}/jwks`, roleNames: ['authenticated'] };
    cache = new JwksCache({ now: () => clock, retries: 0 });
  });
  after(() => server.close());
  const verifyAt = async (claims: Record<string, unknown>, at: number) => {
    clock = at;
    return verifyLikeNeon(await sign((await testKeys()).es, { alg: 'ES256', kid: 'es-1' }, claims), { roleName: 'authenticated', providers: [provider], cache });
  };

  it('exp 29 s ago passes; exactly 30 s and 31 s ago fail', async () => {
    const exp = T0_SEC;
    await verifyAt({ exp }, T0 + 29_000);
    await verifyAt({ exp }, T0 + 29_999);
    await expectNeonError(verifyAt({ exp }, T0 + 30_000), M.expired(exp));
    await expectNeonError(verifyAt({ exp }, T0 + 31_000), M.expired(exp));
  });

  it('nbf 29 s ahead passes; 30 s ahead fails', async () => {
    const nbf = T0_SEC + 30;
    await verifyAt({ nbf }, T0 + 1_000);
    await expectNeonError(verifyAt({ nbf }, T0), M.notYetValid(nbf));
  });

  it('an explicit now overrides the cache clock', async () => {
    clock = T0;
    const token = await sign((await testKeys()).es, { alg: 'ES256', kid: 'es-1' }, { exp: T0_SEC });
    await expectNeonError(verifyLikeNeon(token, { roleName: 'authenticated', providers: [provider], cache, now: T0 + 60_000 }), M.expired(T0_SEC));
  });
});

describe('verifyLikeNeon: JWKS failures end in "jwk not found"', function () {
  const base = { retries: 0, connectTimeoutMs: 500, totalTimeoutMs: 300 } satisfies JwksCacheOptions;
  async function verifyWith(jwksUrl: string, opts: JwksCacheOptions = base) {
    const k = await testKeys();
    const cache = new JwksCache({ now: () => T0, ...opts });
    const token = await sign(k.es, { alg: 'ES256', kid: 'es-1' }, { sub: 'u' });
    return expectNeonError(verifyLikeNeon(token, { roleName: 'authenticated', providers: [{ id: 'p', providerName: 'Broken', jwksUrl, roleNames: ['authenticated'] }], cache }), 'jwk not found');
  }
  const servers: LocalServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });
  const serve = async (handler: Parameters<typeof startServer>[0]) => {
    const s = await startServer(handler);
    servers.push(s);
    return s;
  };

  it('server down (connection refused)', async () => {
    const e = await verifyWith(`http://127.0.0.1:${await closedPort()}/jwks`);
    assert.match(e.explanation, /connection refused/);
  });

  it('server stalls before answering (> total timeout)', async () => {
    const s = await serve(() => undefined);
    const e = await verifyWith(`${s.url}/jwks`);
    assert.match(e.explanation, /within 300 ms/);
  });

  it('server stalls in the middle of the body', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys": [');
    });
    await verifyWith(`${s.url}/jwks`);
  });

  it('not JSON (an HTML page)', async () => {
    const s = await serve((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><html><body>Sign in</body></html>');
    });
    const e = await verifyWith(`${s.url}/jwks`);
    assert.match(e.explanation, /HTML page/);
  });

  it('over 64 KiB', async () => {
    const k = await testKeys();
    const s = await serve((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [k.es.publicJwk], padding: 'x'.repeat(70 * 1024) }));
    });
    const e = await verifyWith(`${s.url}/jwks`);
    assert.match(e.explanation, /65536/);
  });

  it('a redirect (not followed)', async () => {
    const k = await testKeys();
    const s = await serve((req, res) => {
      if (req.url === '/old') {
        res.writeHead(302, { location: '/jwks' });
        res.end();
      } else res.end(JSON.stringify({ keys: [k.es.publicJwk] }));
    });
    const e = await verifyWith(`${s.url}/old`);
    assert.match(e.explanation, /redirect/);
    assert.equal(s.count('/jwks'), 0, 'the redirect target is never requested');
  });
});

describe('JwksCache: Neon\'s renewal rules', function () {
  let server: Awaited<ReturnType<typeof startJwksServer>>;
  let provider: JwksProviderRegistration;
  let clock: number;
  let cache: JwksCache;
  const verifyKid = async (kid: string, key: 'es' | 'rs' = 'es') => {
    const k = await testKeys();
    return verifyLikeNeon(await sign(k[key], { alg: key === 'es' ? 'ES256' : 'RS256', kid }, { sub: 'u' }), {
      roleName: 'authenticated',
      providers: [provider],
      cache,
    });
  };

  beforeEach(async () => {
    server = await startJwksServer({ keys: [(await testKeys()).es.publicJwk] });
    provider = { id: 'p', providerName: 'Local', jwksUrl: `${server.url}/jwks`, roleNames: ['authenticated'] };
    clock = T0;
    cache = new JwksCache({ now: () => clock, retries: 0 });
  });
  afterEach(() => server.close());

  it('a second verify uses the cached keys', async () => {
    await verifyKid('es-1');
    await verifyKid('es-1');
    clock = T0 + 299_000;
    await verifyKid('es-1');
    assert.equal(server.count(), 1);
  });

  it('an unknown kid refetches only once the cached copy is older than 30 s', async () => {
    const k = await testKeys();
    await verifyKid('es-1');
    server.setJwks({ keys: [k.es.publicJwk, { ...k.rs.publicJwk, kid: 'rs-new' }] });
    clock = T0 + 10_000;
    await expectNeonError(verifyKid('rs-new', 'rs'), 'jwk not found');
    clock = T0 + 30_000;
    await expectNeonError(verifyKid('rs-new', 'rs'), 'jwk not found');
    assert.equal(server.count(), 1);
    clock = T0 + 31_000;
    await verifyKid('rs-new', 'rs');
    assert.equal(server.count(), 2);
    // the refetch reset the age: another unknown kid right after does not fetch again
    await expectNeonError(verifyKid('other'), 'jwk not found');
    assert.equal(server.count(), 2);
  });

  it('renews in the background after 5 min: the request in hand still uses the old keys', async () => {
    await verifyKid('es-1');
    server.setJwks({ keys: [] });
    clock = T0 + 301_000;
    await verifyKid('es-1'); // stale copy answers
    await cache.idle();
    assert.equal(server.count(), 2);
    // the renewal found an empty set (not stored as keys): the key is gone now
    clock = T0 + 302_000;
    await expectNeonError(verifyKid('es-1'), 'jwk not found');
    assert.equal(server.count(), 2);
  });

  it('renews before answering after 1 h', async () => {
    await verifyKid('es-1');
    server.setJwks({ keys: [] });
    clock = T0 + 3_601_000;
    await expectNeonError(verifyKid('es-1'), 'jwk not found');
    assert.equal(server.count(), 2);
  });

  it('keeps one cache per role, as Neon keys it by endpoint and role', async () => {
    provider = { ...provider, roleNames: ['authenticated', 'anonymous'] };
    const k = await testKeys();
    const token = await sign(k.es, { alg: 'ES256', kid: 'es-1' }, {});
    await verifyLikeNeon(token, { roleName: 'authenticated', providers: [provider], cache });
    await verifyLikeNeon(token, { roleName: 'anonymous', providers: [provider], cache });
    await verifyLikeNeon(token, { roleName: 'anonymous', providers: [provider], cache });
    assert.equal(server.count(), 2);
  });
});
