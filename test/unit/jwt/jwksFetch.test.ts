import assert from 'node:assert/strict';
import { fetchJwksLikeNeon, NEON_JWKS_DEFAULTS, neonRetryDelayMs, JwksCache } from '../../../src/core/jwt/index';
import { closedPort, startJwksServer, startServer, type LocalServer } from './helpers';
import { testKeys } from './keys';

describe('fetchJwksLikeNeon', function () {
  const servers: LocalServer[] = [];
  const serve = async (handler: Parameters<typeof startServer>[0]) => {
    const s = await startServer(handler);
    servers.push(s);
    return s;
  };
  after(async () => {
    for (const s of servers) await s.close();
  });
  const fast = { retries: 0, totalTimeoutMs: 300 };

  it("uses Neon's constants by default", async () => {
    assert.deepEqual(NEON_JWKS_DEFAULTS, {
      connectTimeoutMs: 2000,
      totalTimeoutMs: 5000,
      maxBodyBytes: 65536,
      retries: 3,
      userAgent: 'neon-proxy',
      minRenewMs: 30_000,
      autoRenewMs: 300_000,
      maxRenewMs: 3_600_000,
      clockSkewLeewaySec: 30,
    });
    const s = await startJwksServer({ keys: [(await testKeys()).es.publicJwk] });
    servers.push(s);
    const result = await fetchJwksLikeNeon(`${s.url}/jwks`);
    assert.deepEqual(result.limits, { connectTimeoutMs: 2000, totalTimeoutMs: 5000, maxBodyBytes: 65536, retries: 3 });
    assert.equal(s.requests[0]!.userAgent, 'neon-proxy');
    assert.equal(result.ok, true);
    assert.equal(result.status, 200);
    assert.equal(result.keptKeys.length, 1);
    assert.equal(result.attempts.length, 1);
    assert.ok(result.bytes > 0 && result.bytes === result.contentLength);
  });

  it('backs off like reqwest-retry: 1 s * 3^n with jitter, never under 1 s', () => {
    for (let i = 0; i < 50; i++) {
      assert.equal(neonRetryDelayMs(1), 1000);
      const second = neonRetryDelayMs(2);
      assert.ok(second >= 1000 && second <= 3000);
      const third = neonRetryDelayMs(3);
      assert.ok(third >= 1000 && third <= 9000);
    }
  });

  it('keeps signing keys, drops keys with use other than sig and keys Neon cannot parse, and says why', async () => {
    const k = await testKeys();
    const keycloakEncryptionKey = { kid: 'enc-1', kty: 'RSA', alg: 'RSA-OAEP', use: 'enc', n: k.rs.publicJwk.n, e: 'AQAB' };
    const s = await serve((_req, res) =>
      res.end(
        JSON.stringify({
          keys: [
            k.es.publicJwk,
            { ...k.es.publicJwk, kid: 'enc-ec', alg: undefined, use: 'enc' },
            keycloakEncryptionKey,
            { kty: 'XYZ', kid: 'weird' },
            { ...k.es.publicJwk, kid: 'padded', x: `${k.es.publicJwk.x}=` },
            'not a key',
            { ...k.p384.publicJwk },
            k.ed.publicJwk,
          ],
        }),
      ),
    );
    const r = await fetchJwksLikeNeon(`${s.url}/jwks`, fast);
    assert.equal(r.ok, true);
    assert.deepEqual(
      r.keys.map((key) => [key.kid ?? key.index, key.kept]),
      [
        ['es-1', true],
        ['enc-ec', false],
        ['enc-1', false],
        ['weird', false],
        ['padded', false],
        [5, false],
        ['p384-1', true],
        ['ed-1', true],
      ],
    );
    assert.match(r.keys[1]!.reason!, /"use" is "enc"/);
    assert.match(r.keys[2]!.reason!, /RSA-OAEP/);
    assert.match(r.keys[3]!.reason!, /kty/);
    assert.match(r.keys[4]!.reason!, /base64url/);
    assert.equal(r.keys[0]!.neonUse!.verifies, 'ES256');
    assert.equal(r.keys[6]!.neonUse!.verifies, null);
    assert.match(r.keys[6]!.neonUse!.note, /unsupported EC key type P384/);
    assert.match(r.keys[7]!.neonUse!.note, /Okp\(Ed25519\)/);
  });

  it('a set with no usable key is not stored', async () => {
    const s = await serve((_req, res) => res.end(JSON.stringify({ keys: [{ kty: 'RSA', use: 'enc', n: 'AQAB', e: 'AQAB' }] })));
    const r = await fetchJwksLikeNeon(`${s.url}/jwks`, fast);
    assert.equal(r.ok, false);
    assert.equal(r.failure?.stage, 'no-usable-keys');
    const empty = await serve((_req, res) => res.end('{"keys":[]}'));
    assert.match((await fetchJwksLikeNeon(`${empty.url}/jwks`, fast)).failure!.message, /empty/);
  });

  it('refuses bodies that are not a JWKS object', async () => {
    for (const [body, stage] of [
      ['[]', 'bad-shape'],
      ['{"keys": {}}', 'bad-shape'],
      ['{"jwks": []}', 'bad-shape'],
      ['{"keys": [], "keys": []}', 'bad-shape'],
      ['{"keys": [],}', 'not-json'],
      ['\ufeff{"keys": []}', 'not-json'],
    ] as const) {
      const s = await serve((_req, res) => res.end(body));
      const r = await fetchJwksLikeNeon(`${s.url}/`, fast);
      assert.equal(r.failure?.stage, stage, body);
    }
  });

  it('HTML instead of JSON: shows what came back', async () => {
    const s = await serve((_req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end('<html><title>Login</title></html>');
    });
    const r = await fetchJwksLikeNeon(`${s.url}/`, fast);
    assert.equal(r.failure?.stage, 'not-json');
    assert.match(r.failure!.message, /HTML page \(text\/html; charset=utf-8\)/);
    assert.match(r.bodyPreview!, /<title>Login/);
    assert.ok(r.parseError);
  });

  it('64 KiB limit: exactly 65536 bytes is read, one more byte is refused before reading (Content-Length)', async () => {
    const k = await testKeys();
    const sized = (size: number) => {
      const base = JSON.stringify({ keys: [k.es.publicJwk], pad: '' });
      return JSON.stringify({ keys: [k.es.publicJwk], pad: 'x'.repeat(size - base.length) });
    };
    const s = await serve((req, res) => res.end(sized(req.url === '/exact' ? 65536 : 65537)));
    const exact = await fetchJwksLikeNeon(`${s.url}/exact`, fast);
    assert.equal(exact.ok, true);
    assert.equal(exact.bytes, 65536);
    const over = await fetchJwksLikeNeon(`${s.url}/over`, fast);
    assert.equal(over.failure?.stage, 'too-large');
    assert.equal(over.contentLength, 65537);
    assert.equal(over.bytes, 0);
  });

  it('64 KiB limit without Content-Length: stops reading once past the limit', async () => {
    let finished = false;
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked
      let sent = 0;
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      const pump = () => {
        if (res.destroyed) return;
        if (sent >= 4 * 1024 * 1024) {
          finished = true;
          return res.end();
        }
        sent += chunk.length;
        res.write(chunk);
        setTimeout(pump, 1);
      };
      res.write('{"keys":[');
      pump();
    });
    const r = await fetchJwksLikeNeon(`${s.url}/`, { ...fast, totalTimeoutMs: 20_000 });
    assert.equal(r.failure?.stage, 'too-large');
    assert.equal(r.bodyTruncated, true);
    assert.ok(r.bytes > 65536);
    assert.equal(finished, false, 'the client hung up long before the 4 MiB body was sent');
  });

  it('does not follow a redirect, and reports where it pointed', async () => {
    const k = await testKeys();
    const s = await serve((req, res) => {
      if (req.url === '/moved') {
        res.writeHead(301, { location: 'https://example.invalid/jwks' });
        res.end('Moved');
      } else res.end(JSON.stringify({ keys: [k.es.publicJwk] }));
    });
    const r = await fetchJwksLikeNeon(`${s.url}/moved`, fast);
    assert.equal(r.ok, false);
    assert.equal(r.failure?.stage, 'redirect');
    assert.deepEqual(r.redirect, { status: 301, location: 'https://example.invalid/jwks' });
    assert.equal(s.count(), 1);
  });

  it('a 4xx is final; a 5xx is retried up to 3 times', async () => {
    let calls = 0;
    const s = await serve((req, res) => {
      calls++;
      res.statusCode = req.url === '/missing' ? 404 : 503;
      res.end('nope');
    });
    const missing = await fetchJwksLikeNeon(`${s.url}/missing`, { retryDelayMs: () => 0 });
    assert.equal(missing.attempts.length, 1);
    assert.equal(missing.failure?.stage, 'http-status');
    assert.equal(missing.bodyPreview, 'nope');
    calls = 0;
    const down = await fetchJwksLikeNeon(`${s.url}/busy`, { retryDelayMs: () => 0 });
    assert.equal(down.attempts.length, 4);
    assert.equal(calls, 4);
    assert.match(down.failure!.message, /HTTP 503 \(after 4 attempts\)/);
  });

  it('a transient failure followed by success is a success', async () => {
    const k = await testKeys();
    let calls = 0;
    const s = await serve((_req, res) => {
      if (++calls === 1) {
        res.statusCode = 502;
        return res.end();
      }
      res.end(JSON.stringify({ keys: [k.es.publicJwk] }));
    });
    const r = await fetchJwksLikeNeon(`${s.url}/`, { retryDelayMs: () => 0 });
    assert.equal(r.ok, true);
    assert.deepEqual(r.attempts.map((a) => [a.status, a.transient]), [[502, true], [200, false]]);
  });

  it('connection refused is retried, then reported', async () => {
    const r = await fetchJwksLikeNeon(`http://127.0.0.1:${await closedPort()}/jwks`, { retries: 2, retryDelayMs: () => 0 });
    assert.equal(r.attempts.length, 3);
    assert.equal(r.failure?.stage, 'connect');
    assert.match(r.failure!.message, /connection refused/);
  });

  it('a stalled server hits the total timeout', async () => {
    const s = await serve(() => undefined);
    const r = await fetchJwksLikeNeon(`${s.url}/`, { ...fast, totalTimeoutMs: 200 });
    assert.equal(r.failure?.stage, 'timeout');
    assert.equal(r.attempts[0]!.transient, true);
    assert.ok(r.attempts[0]!.connectMs !== undefined, 'the connection itself succeeded');
  });

  it('refuses URLs that are not http(s)', async () => {
    assert.equal((await fetchJwksLikeNeon('not a url')).failure?.stage, 'invalid-url');
    assert.equal((await fetchJwksLikeNeon('file:///etc/passwd')).failure?.stage, 'invalid-url');
  });

  it('works with an injected fetch (redirects still not followed)', async () => {
    const k = await testKeys();
    const s = await serve((req, res) => {
      if (req.url === '/old') {
        res.writeHead(302, { location: '/jwks' });
        return res.end();
      }
      res.end(JSON.stringify({ keys: [k.es.publicJwk] }));
    });
    const seen: string[] = [];
    const countingFetch: typeof fetch = (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    assert.equal((await fetchJwksLikeNeon(`${s.url}/jwks`, { ...fast, fetch: countingFetch })).ok, true);
    const redirected = await fetchJwksLikeNeon(`${s.url}/old`, { ...fast, fetch: countingFetch });
    assert.equal(redirected.failure?.stage, 'redirect');
    assert.equal(seen.length, 2);
    assert.equal(s.count('/jwks'), 1);
  });

  it('JwksCache passes its options to every fetch and reports each one', async () => {
    const k = await testKeys();
    const s = await startJwksServer({ keys: [k.es.publicJwk] });
    servers.push(s);
    const fetched: string[] = [];
    const cache = new JwksCache({ retries: 0, onFetch: (p, r) => fetched.push(`${p.id}:${r.ok}`) });
    const providers = [
      { id: 'good', providerName: 'Good', jwksUrl: `${s.url}/jwks`, roleNames: ['authenticated'] },
      { id: 'bad', providerName: 'Bad', jwksUrl: `http://127.0.0.1:${await closedPort()}/`, roleNames: ['authenticated'] },
    ];
    const found = await cache.lookup('es-1', 'authenticated', providers);
    assert.equal(found.found?.provider.id, 'good');
    assert.deepEqual(fetched, ['good:true', 'bad:false']);
    assert.equal(cache.peek('authenticated', providers)?.keySets.length, 1);
  });
});
