/**
 * `naw` as a user runs it: the built CLI in a child process, its output parsed, its server used
 * through Neon's driver, stopped with a signal.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { neon, neonConfig } from '@neondatabase/serverless';
import { freePort } from '../../src/playground/net';

const root = resolve(__dirname, '../..');
const cli = join(root, 'dist/cli.js');

function runCli(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60_000 });
}

/** Starts `naw serve`, resolves with its first stdout line. */
function serve(args: string[]): Promise<{ child: ChildProcess; firstLine: string; stderr: () => string }> {
  const child = spawn(process.execPath, [cli, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolveServe, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolveServe({ child, firstLine: out.slice(0, nl), stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`naw serve exited ${code}: ${err}`)));
  });
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolveStop) => {
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolveStop(code));
    child.kill(signal);
  });
}

describe('naw CLI', function () {
  let dir: string;
  before(function () {
    if (!existsSync(cli)) spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
    neonConfig.fetchEndpoint = (host, port) => `http://${host}:${port}/sql`;
  });
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'naw-cli-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('serve --json prints the URLs; mint in the same folder makes tokens serve accepts; SIGTERM stops it cleanly', async () => {
    const { child, firstLine } = await serve(['--port', '0', '--memory', '--data', dir, '--json']);
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
    assert.equal(await stop(child, 'SIGTERM'), 0);
  });

  it('serve prints .env lines by default', async () => {
    const { child } = await serve(['--port', '0', '--memory', '--data', dir]);
    let text = '';
    child.stdout!.on('data', (d) => (text += d));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await stop(child, 'SIGINT'), 0);
  });

  it('keeps the data folder across restarts (SIGINT, then serve again)', async () => {
    const first = await serve(['--port', '0', '--data', dir, '--json']);
    const urls = JSON.parse(first.firstLine);
    await neon(urls.ownerUrl).query('create table notes (body text)');
    await neon(urls.ownerUrl).query("insert into notes values ('survives')");
    assert.equal(await stop(first.child, 'SIGINT'), 0);
    const second = await serve(['--port', '0', '--data', dir, '--json']);
    const again = JSON.parse(second.firstLine);
    assert.equal(new URL(again.ownerUrl).password, new URL(urls.ownerUrl).password, 'same owner password');
    assert.deepEqual(await neon(again.ownerUrl).query('select body from notes'), [{ body: 'survives' }]);
    assert.equal(await stop(second.child, 'SIGTERM'), 0);
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
