#!/usr/bin/env node
// `npm start`: builds, packages the .vsix, and opens VS Code with it installed on the demo workspace
// (demo/todos). Desktop `code` when it is on PATH; otherwise code-server on 127.0.0.1 (installed into
// .cache/vscode/ on first use), with its URL printed. Ctrl-C stops everything this started.
// Options: --code-server (use code-server even when `code` is on PATH), --port <n>.
import { spawnSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { repoRoot } from './install.mjs';
import { packageVsix } from './package.mjs';
import { installVsix, startCodeServer } from './codeServer.mjs';

const args = process.argv.slice(2);
const demoFolder = join(repoRoot, 'demo', 'todos');
const forceCodeServer = args.includes('--code-server');
const requestedPort = args.includes('--port') ? Number(args[args.indexOf('--port') + 1]) : undefined;

function desktopCode() {
  if (forceCodeServer) return undefined;
  const r = spawnSync('sh', ['-c', 'command -v code'], { encoding: 'utf8' });
  const path = r.stdout.trim();
  // code-server's own terminal puts a `code` remote CLI on PATH: that is not a desktop VS Code.
  if (r.status !== 0 || !path || path.includes('remote-cli')) return undefined;
  return path;
}

function fail(message) {
  console.error(`npm start: ${message}`);
  process.exit(1);
}

console.log('Building and packaging the extension ...');
let vsix;
try {
  vsix = packageVsix();
} catch (e) {
  fail(e.message);
}
console.log(`Packaged ${relative(process.cwd(), vsix.vsixPath)} (${(vsix.bytes / 1048576).toFixed(2)} MB)`);

const code = desktopCode();
if (code) {
  // Desktop VS Code runs on its own (the `code` CLI returns at once): install the .vsix, open the folder.
  console.log(`Installing it into VS Code (${code}) ...`);
  const install = spawnSync(code, ['--install-extension', vsix.vsixPath, '--force'], { stdio: 'inherit' });
  if (install.status !== 0) fail(`\`code --install-extension\` failed (exit ${install.status}).`);
  const open = spawnSync(code, ['--new-window', demoFolder], { stdio: 'inherit' });
  if (open.status !== 0) fail(`\`code ${demoFolder}\` failed (exit ${open.status}).`);
  console.log(`Opened ${relative(process.cwd(), demoFolder)} in VS Code. Run the commands from the Command Palette (F1), category "Neon Authorize".`);
  process.exit(0);
}

console.log('No desktop `code` on PATH: using code-server (VS Code in the browser).');
let codeServer;
let stopping = false;
async function stop(exitCode) {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping code-server ...');
  await codeServer?.stop();
  process.exit(exitCode);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void stop(0));

try {
  // A fresh extensions folder (removed on exit) that holds only the packaged extension.
  codeServer = await startCodeServer({
    folder: demoFolder,
    port: requestedPort,
    beforeStart: ({ extensionsDir }) => installVsix(vsix.vsixPath, { extensionsDir }),
    onOutput: (line) => {
      if (!stopping && /error/i.test(line) && !/vsda|gallery/i.test(line)) console.error(`[code-server] ${line}`);
    },
  });
} catch (e) {
  fail(e.message);
}
console.log(`\nVS Code (code-server) with Neon Authorize Workbench installed, on ${relative(process.cwd(), demoFolder)}:\n`);
console.log(`    ${codeServer.url}?folder=${encodeURIComponent(demoFolder)}\n`);
console.log('Open it in a browser on this machine. Commands: F1, category "Neon Authorize". Ctrl-C stops it.');
const exitCode = await codeServer.exited;
if (!stopping) {
  console.error(`code-server exited on its own (code ${exitCode}).`);
  await stop(1);
}
