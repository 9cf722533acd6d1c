import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, generateSecret } from 'jose';
import { checkJwks, evaluateJwksFetch, type JwksCheckId, type JwksCheckReport, type JwksCheckStatus } from '../../src/core/jwksCheck';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

function json(body: unknown, status = 200): Handler {
  return (_req, res) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
}

function statusOf(report: JwksCheckReport, check: JwksCheckId): JwksCheckStatus | undefined {
  return report.items.find((i) => i.check === check)?.status;
}

function messageOf(report: JwksCheckReport, check: JwksCheckId): string {
  return report.items.find((i) => i.check === check)?.message ?? '';
}

describe('jwksCheck against local JWKS servers', () => {
  let server: Server;
  let base: string;
  const routes = new Map<string, Handler>();
  const pendingTimers = new Set<NodeJS.Timeout>();
  // Fast tests: no retry back-off, short total timeout where a test is about slowness.
  const fast = { retries: 0 };

  before(async () => {
    const es = await generateKeyPair('ES256', { extractable: true });
    const rs = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
    const ed = await generateKeyPair('EdDSA', { extractable: true });
    const hs = await generateSecret('HS256', { extractable: true });
    const esJwk = { ...(await exportJWK(es.publicKey)), kid: 'es-1', use: 'sig', alg: 'ES256' };
    const rsJwk = { ...(await exportJWK(rs.publicKey)), kid: 'rs-1', use: 'sig', alg: 'RS256' };
    const edJwk = { ...(await exportJWK(ed.publicKey)), kid: 'ed-1', use: 'sig', alg: 'EdDSA' };
    const octJwk = { ...(await exportJWK(hs)), kid: 'hs-1', alg: 'HS256' };
    const { kid: _kid, ...esNoKid } = esJwk;

    routes.set('/es256', json({ keys: [esJwk] }));
    routes.set('/rs256', json({ keys: [rsJwk] }));
    routes.set('/both', json({ keys: [esJwk, rsJwk] }));
    routes.set('/mixed', json({ keys: [esJwk, { ...rsJwk, kid: 'rs-enc', use: 'enc' }, octJwk] }));
    routes.set('/no-kid', json({ keys: [esNoKid] }));
    routes.set('/hs256-only', json({ keys: [octJwk] }));
    routes.set('/eddsa-only', json({ keys: [edJwk] }));
    routes.set('/enc-only', json({ keys: [{ ...rsJwk, use: 'enc' }] }));
    routes.set('/empty', json({ keys: [] }));
    routes.set('/not-jwks', json({ issuer: 'https://example.com' }));
    routes.set('/oversized', json({ keys: [esJwk], padding: 'x'.repeat(70 * 1024) }));
    routes.set('/oversized-chunked', (_req, res) => {
      // No Content-Length: the limit must hold while streaming.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":[');
      for (let i = 0; i < 80; i++) res.write(`${i ? ',' : ''}${JSON.stringify({ ...esJwk, kid: `k${i}`, pad: 'y'.repeat(1000) })}`);
      res.end(']}');
    });
    routes.set('/redirect', (_req, res) => {
      res.writeHead(302, { location: '/es256' });
      res.end();
    });
    routes.set('/html', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html><body><h1>Sign in</h1></body></html>');
    });
    routes.set('/slow', (_req, res) => {
      const t = setTimeout(() => json({ keys: [esJwk] })(_req, res), 2_000);
      pendingTimers.add(t);
    });

    server = createServer((req, res) => {
      const handler = routes.get(req.url ?? '');
      if (handler) return handler(req, res);
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    for (const t of pendingTimers) clearTimeout(t);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('passes a good ES256 key set', async () => {
    const r = await checkJwks(`${base}/es256`, fast);
    assert.equal(r.ok, true, JSON.stringify(r.items));
    assert.equal(r.keys.es256, 1);
    assert.equal(r.keys.usable, 1);
    assert.deepEqual(r.keys.kids, ['es-1']);
    for (const check of ['reachable', 'status', 'redirect', 'size', 'json', 'use', 'kid', 'algorithms'] as const) {
      assert.equal(statusOf(r, check), 'pass', `${check}: ${messageOf(r, check)}`);
    }
    assert.equal(statusOf(r, 'url'), 'warn', '127.0.0.1 is flagged as unreachable for Neon');
    assert.match(messageOf(r, 'url'), /127\.0\.0\.1 is a local address: Neon cannot fetch it/);
    assert.match(messageOf(r, 'algorithms'), /1 ES256 \(P-256\) key/);
  });

  it('passes a good RS256 key set, and one with both', async () => {
    const r = await checkJwks(`${base}/rs256`, fast);
    assert.equal(r.ok, true);
    assert.equal(r.keys.rs256, 1);
    assert.match(messageOf(r, 'algorithms'), /1 RS256 key/);
    const both = await checkJwks(`${base}/both`, fast);
    assert.equal(both.ok, true);
    assert.match(messageOf(both, 'algorithms'), /1 ES256 \(P-256\) and 1 RS256 keys/);
  });

  it('warns about skipped keys but passes when a usable key remains', async () => {
    const r = await checkJwks(`${base}/mixed`, fast);
    assert.equal(r.ok, true);
    assert.equal(statusOf(r, 'use'), 'warn');
    assert.match(messageOf(r, 'use'), /1 key has "use" other than "sig"/);
    assert.equal(statusOf(r, 'algorithms'), 'warn');
    assert.match(messageOf(r, 'algorithms'), /symmetric \(oct\)/);
    assert.equal(r.keys.total, 3);
    assert.equal(r.keys.usable, 1);
    assert.equal(r.keys.lines.length, 3);
  });

  it('fails a slow server with Neon\'s total timeout (injected short)', async () => {
    const r = await checkJwks(`${base}/slow`, { ...fast, totalTimeoutMs: 150 });
    assert.equal(r.ok, false);
    assert.equal(statusOf(r, 'reachable'), 'fail');
    assert.match(messageOf(r, 'reachable'), /within 150 ms.*gives up when the whole answer takes more than 0.15 s/);
    assert.equal(statusOf(r, 'json'), undefined, 'later checks are not reported');
  });

  it('reports retries like Neon (3 retries) when asked', async () => {
    const r = await checkJwks(`${base}/slow`, { totalTimeoutMs: 50, retries: 2, retryDelayMs: () => 0 });
    assert.equal(r.ok, false);
    assert.equal(r.fetch.attempts.length, 3);
    assert.match(messageOf(r, 'reachable'), /Neon would try 3 times/);
  });

  it('fails a redirect and names the final URL', async () => {
    const r = await checkJwks(`${base}/redirect`, fast);
    assert.equal(r.ok, false);
    assert.equal(statusOf(r, 'redirect'), 'fail');
    assert.match(messageOf(r, 'redirect'), new RegExp(`redirects to ${base}/es256; Neon does not follow redirects. Register ${base}/es256 instead`));
  });

  it('fails an oversized key set (Content-Length and streamed)', async () => {
    for (const path of ['/oversized', '/oversized-chunked']) {
      const r = await checkJwks(`${base}${path}`, fast);
      assert.equal(r.ok, false, path);
      assert.equal(statusOf(r, 'size'), 'fail', path);
      assert.match(messageOf(r, 'size'), /Neon drops key sets over 64 KiB/, path);
      assert.match(messageOf(r, 'size'), /remove retired keys/, path);
    }
  });

  it('fails keys without kid', async () => {
    const r = await checkJwks(`${base}/no-kid`, fast);
    assert.equal(r.ok, false);
    assert.equal(statusOf(r, 'kid'), 'fail');
    assert.match(messageOf(r, 'kid'), /No usable key has a "kid"/);
    assert.equal(r.keys.withoutKid, 1);
    assert.equal(r.keys.usable, 0);
  });

  it('fails an HS256-only (oct) key set and says why', async () => {
    const r = await checkJwks(`${base}/hs256-only`, fast);
    assert.equal(r.ok, false);
    assert.equal(statusOf(r, 'algorithms'), 'fail');
    assert.match(messageOf(r, 'algorithms'), /only symmetric \(oct \/ HS256\) keys/);
  });

  it('fails an EdDSA-only key set', async () => {
    const r = await checkJwks(`${base}/eddsa-only`, fast);
    assert.equal(r.ok, false);
    assert.match(messageOf(r, 'algorithms'), /only EdDSA \(OKP\) keys/);
  });

  it('fails a set whose keys are all for encryption', async () => {
    const r = await checkJwks(`${base}/enc-only`, fast);
    assert.equal(r.ok, false);
    assert.equal(statusOf(r, 'use'), 'fail');
    assert.match(messageOf(r, 'use'), /Every key has "use" other than "sig" \(enc\)/);
  });

  it('fails an empty key set and a JSON document that is not a JWKS', async () => {
    const empty = await checkJwks(`${base}/empty`, fast);
    assert.equal(empty.ok, false);
    assert.equal(statusOf(empty, 'json'), 'fail');
    assert.match(messageOf(empty, 'json'), /"keys" array is empty/);
    const other = await checkJwks(`${base}/not-jwks`, fast);
    assert.equal(other.ok, false);
    assert.equal(statusOf(other, 'json'), 'fail');
    assert.match(messageOf(other, 'json'), /no "keys" member/);
  });

  it('fails an HTML page', async () => {
    const r = await checkJwks(`${base}/html`, fast);
    assert.equal(r.ok, false);
    assert.equal(statusOf(r, 'json'), 'fail');
    assert.match(messageOf(r, 'json'), /HTML page \(text\/html; charset=utf-8\)/);
  });

  it('fails a 404 and suggests checking the IDs in the URL', async () => {
    const r = await checkJwks(`${base}/nope`, fast);
    assert.equal(r.ok, false);
    assert.equal(statusOf(r, 'status'), 'fail');
    assert.match(messageOf(r, 'status'), /HTTP 404: Neon treats any 4xx\/5xx answer as "no keys". Nothing is served at this path/);
  });

  it('fails a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await checkJwks(`http://127.0.0.1:${port}/jwks.json`, fast);
    assert.equal(r.ok, false);
    assert.equal(statusOf(r, 'reachable'), 'fail');
    assert.match(messageOf(r, 'reachable'), /connection refused by 127\.0\.0\.1:\d+/);
    assert.match(messageOf(r, 'reachable'), /publicly reachable/);
  });

  it('fails text that is not a URL', async () => {
    const r = await checkJwks('not a url', fast);
    assert.equal(r.ok, false);
    assert.equal(statusOf(r, 'url'), 'fail');
    assert.match(messageOf(r, 'url'), /Enter the full JWKS URL/);
  });
});

describe('jwksCheck: evaluating a fetch result (https, slow, near the size limit)', () => {
  // A fetch as fetchJwksLikeNeon reports it for an https endpoint that answered slowly with a big set.
  const base = {
    url: 'https://auth.example.com/.well-known/jwks.json',
    ok: true,
    attempts: [{ startedAt: 0, durationMs: 3_100, connectMs: 900, firstByteMs: 3_000, status: 200, transient: false }],
    status: 200,
    headers: { 'content-type': 'application/json' },
    contentType: 'application/json',
    timing: { startedAt: 0, totalMs: 3_100, connectMs: 900, firstByteMs: 3_000 },
    bytes: 60 * 1024,
    bodyTruncated: false,
    keys: [{ index: 0, kid: 'k1', kty: 'RSA', alg: 'RS256', use: 'sig', kept: true, neonUse: { verifies: 'RS256' as const, note: 'verifies RS256 tokens (2048-bit modulus)' } }],
    keptKeys: [],
    limits: { connectTimeoutMs: 2_000, totalTimeoutMs: 5_000, maxBodyBytes: 64 * 1024, retries: 3 },
  };

  it('passes https, warns about time and size close to Neon\'s limits', () => {
    const r = evaluateJwksFetch(base);
    assert.equal(r.ok, true);
    assert.equal(statusOf(r, 'url'), 'pass');
    assert.equal(statusOf(r, 'reachable'), 'warn');
    assert.match(messageOf(r, 'reachable'), /took 3100 ms, more than half of Neon's 5 s limit/);
    assert.equal(statusOf(r, 'size'), 'warn');
    assert.match(messageOf(r, 'size'), /60 KiB: close to Neon's 64 KiB limit/);
    assert.equal(statusOf(r, 'algorithms'), 'pass');
  });

  it('passes a quick small answer without warnings', () => {
    const quick = { ...base, bytes: 900, attempts: [{ ...base.attempts[0]!, durationMs: 120 }], timing: { ...base.timing, totalMs: 120 } };
    const r = evaluateJwksFetch(quick);
    assert.deepEqual(
      r.items.map((i) => i.status),
      r.items.map(() => 'pass'),
    );
    assert.match(messageOf(r, 'size'), /900 bytes of Neon's 64 KiB limit/);
  });
});
