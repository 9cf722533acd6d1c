/**
 * The endpoint verifies a token once and then trusts that verification, but only until the token's
 * exp (+ Neon's 30 s leeway) or until the JWKS copy that verified it is renewed.
 */
import assert from 'node:assert/strict';
import { neon } from '@neondatabase/serverless';
import { JwksCache } from '../../src/core/jwt/jwksCache';
import { generateSigningKey, mintToken } from '../../src/core/jwt/mint';
import { startJwksServer, type JwksTestServer } from '../support/jwksServer';
import { startTestPlayground, type TestPlayground } from '../support/playgrounds';

describe('playground: verified tokens are kept until exp or the JWKS renewal', function () {
  let t: TestPlayground;
  let provider: JwksTestServer;
  let providerKey: Awaited<ReturnType<typeof generateSigningKey>>;
  let publishKey = true;
  /** The endpoint's clock (its JWKS cache's): the tests move it forward. */
  let skewMs = 0;

  before(async () => {
    providerKey = await generateSigningKey('ES256');
    provider = await startJwksServer(() => ({
      body: JSON.stringify({ keys: publishKey ? [{ ...providerKey.publicJwk, kid: providerKey.kid, alg: 'ES256', use: 'sig' }] : [] }),
    }));
    t = await startTestPlayground('pglite', {
      jwksCache: new JwksCache({ retryDelayMs: () => 5, now: () => Date.now() + skewMs }),
      providers: [{ jwksUrl: provider.url }],
    });
    await t.owner.query('CREATE EXTENSION IF NOT EXISTS pg_session_jwt');
  });
  after(async () => {
    await t?.close();
    await provider?.close();
  });

  async function whoAmI(token: string): Promise<unknown> {
    try {
      return await neon(t.playground.authenticatedUrl, { authToken: token }).query('select auth.user_id() as uid');
    } catch (err) {
      return (err as Error).message;
    }
  }

  it('a token that was accepted is refused once exp + 30 s has passed', async () => {
    skewMs = 0;
    const token = await t.playground.mint({ sub: 'alice', expiresIn: '60s' });
    const exp = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp;
    assert.deepEqual(await whoAmI(token), [{ uid: 'alice' }]);
    assert.deepEqual(await whoAmI(token), [{ uid: 'alice' }]);
    skewMs = 85_000;
    assert.deepEqual(await whoAmI(token), [{ uid: 'alice' }], 'within the leeway');
    skewMs = 95_000;
    assert.equal(await whoAmI(token), `JWT token has expired (exp=${exp})`);
  });

  it('a token whose key left the JWKS is refused once the JWKS is renewed', async () => {
    skewMs = 0;
    publishKey = true;
    const token = await mintToken({ privateKey: providerKey.privateJwk, kid: providerKey.kid, sub: 'bob', role: 'authenticated', expiresIn: '1d' });
    assert.deepEqual(await whoAmI(token), [{ uid: 'bob' }]);
    publishKey = false;
    // Still the same JWKS copy: the verification stands.
    assert.deepEqual(await whoAmI(token), [{ uid: 'bob' }]);
    // Past Neon's 1 h maximum, the copy is renewed before answering: the key is gone.
    skewMs = 2 * 3600_000;
    assert.equal(await whoAmI(token), 'jwk not found');
    skewMs = 0;
  });
});
