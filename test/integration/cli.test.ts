/**
 * `naw` as a user runs it: the built CLI in a child process, its output parsed, its server used
 * through Neon's driver, stopped with a signal.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { neon, neonConfig } from '@neondatabase/serverless';
import { freePort } from '../../src/playground/net';
import { ensureCliBuilt, runCli, serveCli, stopCli } from '../support/cli';

describe('naw CLI', function () {
  let dir: string;
  before(function () {
    ensureCliBuilt();
    neonConfig.fetchEndpoint = (host, port) => `http://${host}:${port}/sql`;
  });
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'naw-cli-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('serve --json prints the URLs; mint in the same folder makes tokens serve accepts; SIGTERM stops it cleanly', async () => {
    const { child, firstLine } = await serveCli(['--port', '0', '--memory', '--data', dir, '--json']);
    const urls = JSON.parse(firstLine);
    assert.deepEqual(Object.keys(urls), ['ownerUrl', 'authenticatedUrl', 'anonymousUrl', 'fetchEndpoint', 'jwksUrl']);
    assert.match(urls.fetchEndpoint, /^http:\/\/127\.0\.0\.1:\d+\/sql$/);
    const owner = neon(urls.ownerUrl);
    await owner.query('CREATE EXTENSION IF NOT EXISTS pg_session_jwt');
    const minted = runCli(['mint', '--sub', 'alice', '--claims', '{"org_id":"acme"}', '--expires-in', '10m', '--data', dir]);
    assert.equal(minted.status, 0, minted.stderr);
    const token = minted.stdout.trim();
    const alice = neon(urls.authenticatedUrl, { authToken: token });
    assert.deepEqual(await alice.query("select auth.user_id() as uid, auth.session()->>'org_id' as org, current_user as role"), [{ uid: 'alice', org: 'acme', role: 'authenticated' }]);
    assert.equal(await stopCli(child, 'SIGTERM'), 0);
  });

  it('serve prints .env lines by default', async () => {
    const { child } = await serveCli(['--port', '0', '--memory', '--data', dir]);
    let text = '';
    child.stdout!.on('data', (d) => (text += d));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await stopCli(child, 'SIGINT'), 0);
  });

  it('keeps the data folder across restarts (SIGINT, then serve again)', async () => {
    const first = await serveCli(['--port', '0', '--data', dir, '--json']);
    const urls = JSON.parse(first.firstLine);
    await neon(urls.ownerUrl).query('create table notes (body text)');
    await neon(urls.ownerUrl).query("insert into notes values ('survives')");
    assert.equal(await stopCli(first.child, 'SIGINT'), 0);
    const second = await serveCli(['--port', '0', '--data', dir, '--json']);
    const again = JSON.parse(second.firstLine);
    assert.equal(new URL(again.ownerUrl).password, new URL(urls.ownerUrl).password, 'same owner password');
    assert.deepEqual(await neon(again.ownerUrl).query('select body from notes'), [{ body: 'survives' }]);
    assert.equal(await stopCli(second.child, 'SIGTERM'), 0);
  });

  describe('bad input: one line saying what to do, non-zero exit', () => {
    const oneLine = (r: { stderr: string; status: number | null }) => {
      assert.notEqual(r.status, 0);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
      assert.match(lines[0], /^naw: /);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      return lines[0];
    };

    it('an unknown flag', () => assert.match(oneLine(runCli(['serve', '--bogus'])), /bogus.*naw help/));
    it('a bad port', () => assert.match(oneLine(runCli(['serve', '--port', '99999', '--data', dir])), /not a port number/));
    it('--memory with --database', () => assert.match(oneLine(runCli(['serve', '--memory', '--database', 'postgresql://a:b@127.0.0.1/x'])), /do not go together/));
    it('an unknown command', () => assert.match(oneLine(runCli(['frobnicate'])), /Unknown command/));
    it('mint without --sub', () => assert.match(oneLine(runCli(['mint', '--data', dir])), /needs --sub/));
    it('mint with bad --claims', () => assert.match(oneLine(runCli(['mint', '--sub', 'a', '--claims', '{oops', '--data', dir])), /--claims is not valid JSON/));
    it('mint with a bad --expires-in', () => assert.match(oneLine(runCli(['mint', '--sub', 'a', '--expires-in', 'soon', '--data', dir])), /--expires-in/));
    it('mint with a bad --role', () => assert.match(oneLine(runCli(['mint', '--sub', 'a', '--role', 'admin', '--data', dir])), /authenticated or anonymous/));

    it('a port in use', async () => {
      const blocker: Server = createServer();
      await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
      const port = (blocker.address() as { port: number }).port;
      try {
        assert.match(oneLine(runCli(['serve', '--port', String(port), '--memory', '--data', dir])), new RegExp(`Port ${port} .* already in use.*--port`));
      } finally {
        blocker.close();
      }
    });

    it('an unreachable --database', async () => {
      const port = await freePort();
      assert.match(oneLine(runCli(['serve', '--database', `postgresql://u:p@127.0.0.1:${port}/db`, '--data', dir])), /refused|not running|reach/i);
    });

    it('an unreachable --provider JWKS URL', async () => {
      const port = await freePort();
      assert.match(oneLine(runCli(['serve', '--memory', '--data', dir, '--provider', `http://127.0.0.1:${port}/jwks.json`])), /--provider http:\/\/127\.0\.0\.1:\d+\/jwks\.json: .*Check the URL/);
    });

    it('a --provider that is not a URL', () => assert.match(oneLine(runCli(['serve', '--memory', '--data', dir, '--provider', 'nope'])), /not a URL/));
  });
});
