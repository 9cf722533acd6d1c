// Starts and stops code-server (VS Code 1.139 with a real Node extension host) for tests and `npm start`.
// Everything it writes stays in one temp folder (user data, extensions, XDG dirs, TMPDIR), which
// stop() removes; it runs in its own process group so stop() also ends the extension host and
// the other processes it spawns.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../test/support/waitFor.mjs';
import { ensureVSCodeInstall } from './install.mjs';

export const host = '127.0.0.1';

/** User settings that keep the workbench quiet and offline: no gallery, updates, telemetry or tours. */
const quietSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'github.gitAuthentication': false,
  'git.autofetch': false,
  'git.openRepositoryInParentFolders': 'never',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'npm.fetchOnlinePackageInfo': false,
  'json.schemaDownload.enable': false,
  'typescript.disableAutomaticTypeAcquisition': true,
};

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function isFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** The temp folder layout and the environment that keeps code-server's files inside it. */
function makeSandbox(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const paths = {
    dir,
    userDataDir: join(dir, 'user-data'),
    extensionsDir: join(dir, 'extensions'),
    tmp: join(dir, 'tmp'),
    config: join(dir, 'config.yaml'),
  };
  for (const d of [paths.userDataDir, paths.extensionsDir, paths.tmp, join(dir, 'xdg-data'), join(dir, 'xdg-config'), join(dir, 'xdg-cache')]) {
    mkdirSync(d, { recursive: true });
  }
  mkdirSync(join(paths.userDataDir, 'User'), { recursive: true });
  writeFileSync(join(paths.userDataDir, 'User', 'settings.json'), JSON.stringify(quietSettings, null, 2));
  writeFileSync(paths.config, 'auth: none\n');
  const env = {
    ...process.env,
    XDG_DATA_HOME: join(dir, 'xdg-data'),
    XDG_CONFIG_HOME: join(dir, 'xdg-config'),
    XDG_CACHE_HOME: join(dir, 'xdg-cache'),
    TMPDIR: paths.tmp,
    // An empty gallery turns the Marketplace (open-vsx) off: nothing is fetched from the internet.
    EXTENSIONS_GALLERY: '{}',
    // An empty password would be refused; with --auth none it is unused.
    PASSWORD: undefined,
    HASHED_PASSWORD: undefined,
    GITHUB_TOKEN: undefined,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return { paths, env };
}

function removeDir(dir) {
  // The extension host may still be closing files for a moment after its group is killed.
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      rmSync(dir, { recursive: true, force: true });
      return;
    } catch {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
}

/**
 * Starts code-server on 127.0.0.1 (free port, --auth none) opening `folder`, and resolves once it listens.
 * @param {{
 *   folder?: string,
 *   smokeTestDriver?: boolean,          // needed for `payload` (extensionTestsPath ...) to be honoured
 *   extensionsDir?: string,             // default: a fresh empty one in the temp folder
 *   env?: Record<string, string>,       // extra environment (reaches the extension host too)
 *   onOutput?: (line: string, stream: 'stdout' | 'stderr') => void,
 *   port?: number,                      // default: a free one
 *   beforeStart?: (paths: { extensionsDir: string, userDataDir: string }) => void, // e.g. install a .vsix
 *   startTimeoutMs?: number,
 * }} options
 * @returns {Promise<CodeServer>}
 *
 * @typedef {{ url: string, port: number, pid: number, paths: ReturnType<typeof makeSandbox>['paths'],
 *   output: () => string, exited: Promise<number | null>, stop: () => Promise<void> }} CodeServer
 */
export async function startCodeServer({ folder, smokeTestDriver = false, extensionsDir, env = {}, onOutput, port, beforeStart, startTimeoutMs = 60_000 } = {}) {
  const install = ensureVSCodeInstall();
  const { paths, env: sandboxEnv } = makeSandbox('naw-code-server-');
  if (extensionsDir) paths.extensionsDir = extensionsDir;
  try {
    beforeStart?.(paths);
  } catch (e) {
    removeDir(paths.dir);
    throw e;
  }
  if (port !== undefined && !(await isFree(port))) {
    removeDir(paths.dir);
    throw new Error(`Port ${port} on ${host} is in use: choose another one or leave it out for a free one.`);
  }
  port ??= await freePort();
  const args = [
    install.codeServerEntry,
    '--bind-addr', `${host}:${port}`,
    '--auth', 'none',
    '--config', paths.config,
    '--user-data-dir', paths.userDataDir,
    '--extensions-dir', paths.extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...(smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    ...(folder ? [folder] : []),
  ];
  const child = spawn(install.node, args, {
    detached: true, // own process group: stop() ends code-server and everything it spawned
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...sandboxEnv, ...env },
  });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? null : 0))));
  for (const stream of /** @type {const} */ (['stdout', 'stderr'])) {
    let partial = '';
    child[stream].setEncoding('utf8');
    child[stream].on('data', (chunk) => {
      // Kept for error messages only: the last 64 KB is plenty and bounds memory in long sessions.
      output = (output + chunk).slice(-65536);
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onOutput?.(line, stream);
    });
    child[stream].on('end', () => partial && onOutput?.(partial, stream));
  }

  let stopped = false;
  const killGroup = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {}
  };
  // Whatever way this process ends, the code-server group and its files must not outlive it.
  const onExit = () => {
    killGroup('SIGKILL');
    rmSync(paths.dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    killGroup('SIGTERM');
    const done = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))]);
    // The group can outlive its leader (extension host, file watcher): always finish it off.
    killGroup('SIGKILL');
    if (!done) await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    process.off('exit', onExit);
    removeDir(paths.dir);
  };

  let exitCode;
  exited.then((c) => (exitCode = c));
  const outputTail = () => output.trim().split('\n').slice(-20).join('\n');
  let started;
  try {
    started = await waitFor(async () => (exitCode !== undefined ? 'exited' : (await canConnect(port)) && 'listening'), {
      timeout: startTimeoutMs,
      interval: 100,
      message: `code-server to listen on ${host}:${port}`,
    });
  } catch {
    await stop();
    throw new Error(`code-server did not listen on ${host}:${port} within ${startTimeoutMs / 1000} s:\n${outputTail()}`);
  }
  if (started === 'exited') {
    await stop();
    throw new Error(`code-server exited (code ${exitCode}) before listening:\n${outputTail()}`);
  }
  return { url: `http://${host}:${port}/`, port, pid: child.pid, paths, output: () => output, exited, stop };
}

/**
 * Installs a .vsix into `extensionsDir` with code-server's own `--install-extension` (what a user runs).
 * Throws with code-server's output when it fails.
 */
export function installVsix(vsixPath, { extensionsDir }) {
  const install = ensureVSCodeInstall();
  const { paths, env } = makeSandbox('naw-code-server-install-');
  try {
    const r = spawnSync(
      install.node,
      [install.codeServerEntry, '--config', paths.config, '--user-data-dir', paths.userDataDir, '--extensions-dir', extensionsDir, '--force', '--install-extension', vsixPath],
      { env, encoding: 'utf8', timeout: 120_000 },
    );
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    if (r.status !== 0 || !/successfully installed/i.test(out)) {
      throw new Error(`Installing ${vsixPath} into code-server failed (exit ${r.status ?? r.signal}):\n${out.trim()}`);
    }
    return out.trim();
  } finally {
    removeDir(paths.dir);
  }
}

/** `publisher.name@version` of every extension installed in `extensionsDir`. */
export function listExtensions({ extensionsDir }) {
  const install = ensureVSCodeInstall();
  const { paths, env } = makeSandbox('naw-code-server-list-');
  try {
    const r = spawnSync(
      install.node,
      [install.codeServerEntry, '--config', paths.config, '--user-data-dir', paths.userDataDir, '--extensions-dir', extensionsDir, '--list-extensions', '--show-versions'],
      { env, encoding: 'utf8', timeout: 60_000 },
    );
    if (r.status !== 0) throw new Error(`code-server --list-extensions failed (exit ${r.status ?? r.signal}):\n${r.stderr}`);
    return r.stdout.split('\n').map((l) => l.trim()).filter((l) => /^[\w-]+\.[\w-]+@/.test(l));
  } finally {
    removeDir(paths.dir);
  }
}
