/**
 * `naw` as a user runs it: the built CLI in a child process, its output parsed, its server used
 * through Neon's driver, stopped with a signal.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { neon, neonConfig } from '@neondatabase/serverless';
import { freePort } from '../../src/playground/net';
import { ensureCliBuilt, runCli, serveCli, stopCli } from '../support/cli';
import { makeTempDir, removeTempDir } from '../support/cleanup.mjs';
import { waitFor } from '../support/waitFor.mjs';

describe('naw CLI', function () {
  let dir: string;
  before(function () {
    ensureCliBuilt();
    neonConfig.fetchEndpoint = (host, port) => `http://${host}:${port}/sql`;
  });
  beforeEach(() => (dir = makeTempDir('naw-cli-')));
  afterEach(() => removeTempDir(dir));

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
    const { child, stdout } = await serveCli(['--port', '0', '--memory', '--data', dir]);
    const text = await waitFor(() => /^# Serving on .*\n/m.test(stdout()) && stdout(), { timeout: 10_000, message: () => `the closing "# Serving on" line; printed so far:\n${stdout()}` });
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[0], '# Neon Authorize Workbench playground');
    assert.match(lines.at(-1)!, /^# Serving on http:\/\/127\.0\.0\.1:\d+\/sql; in your app: neonConfig\.fetchEndpoint = process\.env\.NEON_FETCH_ENDPOINT\. Ctrl-C stops\.$/);
    const env = Object.fromEntries(lines.slice(1, -1).map((line) => {
      const m = /^([A-Z_]+)='([^']*)'$/.exec(line);
      assert.ok(m, `not a .env line: ${line}`);
      return [m[1], m[2]];
    }));
    assert.deepEqual(Object.keys(env), ['DATABASE_URL', 'DATABASE_AUTHENTICATED_URL', 'NEXT_PUBLIC_DATABASE_AUTHENTICATED_URL', 'DATABASE_ANONYMOUS_URL', 'NEON_FETCH_ENDPOINT', 'NEON_JWKS_URL']);
    for (const key of ['DATABASE_URL', 'DATABASE_AUTHENTICATED_URL', 'DATABASE_ANONYMOUS_URL']) assert.match(env[key]!, /^postgresql:\/\/\w+:[^@]+@127\.0\.0\.1:\d+\/neondb$/, key);
    assert.equal(env.NEXT_PUBLIC_DATABASE_AUTHENTICATED_URL, env.DATABASE_AUTHENTICATED_URL);
    assert.match(env.NEON_FETCH_ENDPOINT!, /^http:\/\/127\.0\.0\.1:\d+\/sql$/);
    assert.equal(env.NEON_JWKS_URL, env.NEON_FETCH_ENDPOINT!.replace(/\/sql$/, '/.well-known/jwks.json'));
    // The lines work: the owner URL reaches the database through the endpoint printed beside it.
    assert.deepEqual(await neon(env.DATABASE_URL!).query('select current_user as role'), [{ role: new URL(env.DATABASE_URL!).username }]);
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
