/**
 * Bad tokens through Neon's driver against the playground's /sql endpoint: each is refused with
 * the message and HTTP status Neon's proxy gives (the driver surfaces a 400's message as is).
 */
import assert from 'node:assert/strict';
import { generateKeyPair, SignJWT } from 'jose';
import { neon } from '@neondatabase/serverless';
import { JwksCache } from '../../src/core/jwt/jwksCache';
import { generateSigningKey, mintToken } from '../../src/core/jwt/mint';
import { startTestPlayground, type TestPlayground } from '../support/playgrounds';
import { startJwksServer, type JwksTestServer } from '../support/jwksServer';
import { freePort } from '../../src/playground/net';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('playground /sql endpoint: Neon JWT checks', function () {
  let t: TestPlayground;
  let audienceServer: JwksTestServer;
  let htmlServer: JwksTestServer;
  let hugeServer: JwksTestServer;
  let audienceKey: Awaited<ReturnType<typeof generateSigningKey>>;
  let orphanKey: Awaited<ReturnType<typeof generateSigningKey>>;
  let playgroundKid: string;
  const downKid = 'kid-of-a-down-server';

  before(async () => {
    audienceKey = await generateSigningKey('ES256');
    orphanKey = await generateSigningKey('ES256');
    audienceServer = await startJwksServer(() => ({ body: JSON.stringify({ keys: [{ ...audienceKey.publicJwk, kid: audienceKey.kid, alg: 'ES256', use: 'sig' }] }) }));
    htmlServer = await startJwksServer(() => ({ contentType: 'text/html', body: '<html><body>Sign in</body></html>' }));
    hugeServer = await startJwksServer(() => ({ body: JSON.stringify({ keys: [{ ...orphanKey.publicJwk, kid: orphanKey.kid, use: 'sig' }], padding: 'x'.repeat(70 * 1024) }) }));
    const downPort = await freePort();
    t = await startTestPlayground('pglite', {
      // Neon's time-outs and limits, but no back-off between retries: the suite stays fast.
      jwksCache: new JwksCache({ retryDelayMs: () => 5 }),
      providers: [
        { jwksUrl: audienceServer.url, audience: 'my-app' },
        { jwksUrl: htmlServer.url },
        { jwksUrl: hugeServer.url },
        { jwksUrl: `http://127.0.0.1:${downPort}/.well-known/jwks.json` },
      ],
    });
    await t.owner.query('CREATE EXTENSION IF NOT EXISTS pg_session_jwt');
    playgroundKid = JSON.parse(Buffer.from((await t.playground.mint({ sub: 'x' })).split('.')[0], 'base64url').toString()).kid;
  });
  after(async () => {
    await t?.close();
    await Promise.all([audienceServer, htmlServer, hugeServer].map((s) => s?.close()));
  });

  async function refusal(token: string, url = t.playground.authenticatedUrl): Promise<string> {
    try {
      await neon(url, { authToken: token }).query('select auth.user_id()');
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('the token was accepted');
  }

  const now = () => Math.floor(Date.now() / 1000);

  it('accepts a good token and returns its sub', async () => {
    const sql = neon(t.playground.authenticatedUrl, { authToken: await t.playground.mint({ sub: 'alice' }) });
    assert.deepEqual(await sql.query('select auth.user_id() as uid'), [{ uid: 'alice' }]);
  });

  it('malformed token', async () => {
    assert.equal(await refusal('not.a.jwt'), 'Provided authentication token is not a valid JWT encoding');
  });

  it('expired token (beyond the 30 s leeway)', async () => {
    const token = await t.playground.mint({ sub: 'alice', expiresIn: '-5m' });
    const exp = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp;
    assert.equal(await refusal(token), `JWT token has expired (exp=${exp})`);
  });

  it('nbf in the future', async () => {
    const nbf = now() + 600;
    assert.equal(await refusal(await t.playground.mint({ sub: 'alice', claims: { nbf } })), `JWT token is not yet ready to use (nbf=${nbf})`);
  });

  it('signed by the wrong key under the right kid', async () => {
    const token = await mintToken({ privateKey: orphanKey.privateJwk, kid: playgroundKid, sub: 'alice', role: 'authenticated' });
    assert.equal(await refusal(token), 'signature error: signature error');
  });

  it('unknown kid', async () => {
    const token = await mintToken({ privateKey: orphanKey.privateJwk, kid: 'nobody-knows-this-kid', sub: 'alice' });
    assert.equal(await refusal(token), 'jwk not found');
  });

  it('no kid', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const token = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
    assert.equal(await refusal(token), 'missing key id');
  });

  it('alg none', async () => {
    const token = `${b64({ alg: 'none', kid: playgroundKid })}.${b64({ sub: 'alice' })}.`;
    assert.equal(await refusal(token), 'signature algorithm not supported');
  });

  it('HS256', async () => {
    const token = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'HS256', kid: playgroundKid }).sign(new Uint8Array(32));
    assert.equal(await refusal(token), 'signature algorithm not supported');
  });

  it('wrong aud for a provider registered with an audience, right aud passes', async () => {
    const wrong = await mintToken({ privateKey: audienceKey.privateJwk, kid: audienceKey.kid, sub: 'alice', audience: 'someone-else' });
    assert.equal(await refusal(wrong), 'invalid JWT token audience');
    const right = await mintToken({ privateKey: audienceKey.privateJwk, kid: audienceKey.kid, sub: 'alice', audience: 'my-app' });
    assert.deepEqual(await neon(t.playground.authenticatedUrl, { authToken: right }).query('select auth.user_id() as uid'), [{ uid: 'alice' }]);
  });

  it('the owner role in the URL with a token: jwk not found', async () => {
    assert.equal(await refusal(await t.playground.mint({ sub: 'alice' }), t.playground.ownerUrl), 'jwk not found');
  });

  it('JWKS server down, JWKS not JSON, JWKS over 64 KiB: the provider is skipped, jwk not found', async () => {
    const downToken = await mintToken({ privateKey: orphanKey.privateJwk, kid: downKid, sub: 'alice' });
    assert.equal(await refusal(downToken), 'jwk not found');
    // The huge JWKS holds orphanKey's kid: were its 64 KiB limit not enforced, this would pass.
    const hugeToken = await mintToken({ privateKey: orphanKey.privateJwk, kid: orphanKey.kid, sub: 'alice' });
    assert.equal(await refusal(hugeToken), 'jwk not found');
    assert.ok(htmlServer.requests >= 1 && hugeServer.requests >= 1, 'every provider was fetched');
  });

  it('an Authorization header that is not Bearer', async () => {
    const res = await fetch(t.playground.fetchEndpoint, {
      method: 'POST',
      headers: { 'Neon-Connection-String': t.playground.authenticatedUrl, Authorization: 'Basic abc' },
      body: JSON.stringify({ query: 'select 1', params: [] }),
    });
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.equal(body.message, 'missing authentication credentials: required authorization bearer token in JWT format');
    assert.equal(body.code, '');
  });

  it('a wrong password without a token', async () => {
    const url = new URL(t.playground.ownerUrl);
    url.password = 'wrong';
    await assert.rejects(neon(url.toString()).query('select 1'), /password authentication failed for user "neondb_owner"/);
  });
});
