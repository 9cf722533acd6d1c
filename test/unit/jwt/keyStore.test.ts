import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import { JwksCache, mintToken, verifyLikeNeon } from '../../../src/core/jwt/index';
import { loadOrCreatePlaygroundKey, PLAYGROUND_KEY_FILE, playgroundJwks } from '../../../src/playground/keyStore';
import { makeTempDir, removeTempDir } from '../../support/cleanup.mjs';
import { startServer } from './helpers';

describe('playground key store', function () {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('naw-keys-');
  });
  afterEach(() => removeTempDir(dir));

  it('creates an ES256 key in <dir>/keys/playground-es256.jwk.json with mode 0600', async () => {
    const key = await loadOrCreatePlaygroundKey(join(dir, 'project'));
    const file = join(dir, 'project', 'keys', 'playground-es256.jwk.json');
    assert.equal(join(dir, 'project', PLAYGROUND_KEY_FILE), file);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const stored = JSON.parse(await readFile(file, 'utf8'));
    assert.equal(stored.kty, 'EC');
    assert.equal(stored.crv, 'P-256');
    assert.equal(stored.d, key.privateJwk.d);
    assert.equal(key.alg, 'ES256');
    assert.equal(key.kid, await calculateJwkThumbprint(key.publicJwk, 'sha256'));
    assert.equal(key.publicJwk.d, undefined);
  });

  it('reloads the same key (so `naw mint` and `naw serve` agree), and tightens a loosened mode', async () => {
    const first = await loadOrCreatePlaygroundKey(dir);
    const file = join(dir, PLAYGROUND_KEY_FILE);
    const { chmod } = await import('node:fs/promises');
    await chmod(file, 0o644);
    const second = await loadOrCreatePlaygroundKey(dir);
    assert.equal(second.kid, first.kid);
    assert.deepEqual(second.privateJwk, first.privateJwk);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  it('two processes creating the key at once end up with one key', async () => {
    const keys = await Promise.all([loadOrCreatePlaygroundKey(dir), loadOrCreatePlaygroundKey(dir), loadOrCreatePlaygroundKey(dir)]);
    assert.equal(new Set(keys.map((k) => k.kid)).size, 1);
    assert.equal((await loadOrCreatePlaygroundKey(dir)).kid, keys[0]!.kid);
  });

  it('refuses a damaged key file with a message saying what to do', async () => {
    await loadOrCreatePlaygroundKey(dir);
    const file = join(dir, PLAYGROUND_KEY_FILE);
    await writeFile(file, '{"kty":"RSA"}');
    await assert.rejects(loadOrCreatePlaygroundKey(dir), /does not hold an ES256 .* Delete it to create a new key/);
    await writeFile(file, 'garbage');
    await assert.rejects(loadOrCreatePlaygroundKey(dir), /is not JSON\. Delete it/);
  });

  it('serves a JWKS without the private key, which verifies tokens minted with the stored key', async () => {
    const key = await loadOrCreatePlaygroundKey(dir);
    const jwks = playgroundJwks(key.publicJwk);
    assert.deepEqual(jwks.keys[0], { ...key.publicJwk, kid: key.kid, alg: 'ES256', use: 'sig' });
    assert.equal(playgroundJwks(key.privateJwk).keys[0]!.d, undefined, 'a private JWK passed by mistake loses d');

    const server = await startServer((_req, res) => res.end(JSON.stringify(jwks)));
    try {
      const reloaded = await loadOrCreatePlaygroundKey(dir);
      const token = await mintToken({ privateKey: reloaded.privateJwk, kid: reloaded.kid, sub: 'alice' });
      const out = await verifyLikeNeon(token, {
        roleName: 'authenticated',
        providers: [{ id: 'playground', providerName: 'Playground', jwksUrl: `${server.url}/.well-known/jwks.json`, roleNames: ['authenticated'] }],
        cache: new JwksCache({ retries: 0 }),
      });
      assert.equal(out.claims.sub, 'alice');
    } finally {
      await server.close();
    }
  });
});
