/** Test support: the built `naw` CLI (dist/cli.js) run in child processes, as a user runs it. */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '../..');
export const cliPath = join(repoRoot, 'dist/cli.js');

/** Builds dist/ when it is missing or older than the sources the CLI is made of, or than the build script. */
export function ensureCliBuilt(): void {
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((m, e) => Math.max(m, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs), 0);
  const sources = Math.max(newest(join(repoRoot, 'src/core')), newest(join(repoRoot, 'src/playground')), statSync(join(repoRoot, 'esbuild.mjs')).mtimeMs);
  if (!existsSync(cliPath) || statSync(cliPath).mtimeMs < sources) {
    const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 0, `node esbuild.mjs failed: ${r.stdout}${r.stderr}`);
  }
}

export function runCli(args: string[], cwd = repoRoot) {
  return spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', timeout: 60_000, cwd });
}

/** Starts `naw serve`; resolves with its first stdout line (the URLs) and what it printed so far. */
export function serveCli(args: string[]): Promise<{ child: ChildProcess; firstLine: string; stdout: () => string; stderr: () => string }> {
  const child = spawn(process.execPath, [cliPath, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolveServe, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolveServe({ child, firstLine: out.slice(0, nl), stdout: () => out, stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`naw serve exited ${code}: ${err}`)));
  });
}

/** Stops a `naw serve` with a signal; resolves with its exit code. */
export function stopCli(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  return new Promise((done) => {
    child.removeAllListeners('exit');
    if (child.exitCode !== null) return done(child.exitCode);
    child.on('exit', (code) => done(code));
    child.kill(signal);
  });
}
