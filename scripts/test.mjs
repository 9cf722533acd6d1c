#!/usr/bin/env node
// The whole test suite: what README's test command and .ci/run both run.
// Installs the Debian packages the tests need (when missing and we are root), builds,
// type-checks, then runs each suite and ends with one closing line CI can read.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
process.chdir(root);

/** Debian packages the suites use: chromium for browser/UI tests, the rest to build code-server. */
const debianPackages = [
  { pkg: 'chromium', present: () => existsSync('/usr/bin/chromium') },
  { pkg: 'libkrb5-dev', present: () => existsSync('/usr/include/gssapi/gssapi.h') },
  { pkg: 'pkg-config', present: () => existsSync('/usr/bin/pkg-config') },
  { pkg: 'g++', present: () => existsSync('/usr/bin/g++') },
  { pkg: 'make', present: () => existsSync('/usr/bin/make') },
  { pkg: 'python3', present: () => existsSync('/usr/bin/python3') || existsSync('/usr/local/bin/python3') },
];

function ensureDebianPackages() {
  const missing = debianPackages.filter((p) => !p.present()).map((p) => p.pkg);
  if (!missing.length) return;
  if (process.getuid?.() !== 0) {
    console.error(`Missing Debian packages: ${missing.join(' ')}. Install them with: sudo apt-get install -y ${missing.join(' ')}`);
    process.exit(2);
  }
  console.log(`Installing Debian packages: ${missing.join(' ')}`);
  run('apt-get', ['update', '-qq']);
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { DEBIAN_FRONTEND: 'noninteractive' });
}

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.error(`\n${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

/** Runs one suite, echoing its output, and reads mocha's closing counts from it. */
function runSuite(name, cmd, args) {
  return new Promise((resolve) => {
    console.log(`\n=== ${name} ===`);
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let out = '';
    const relay = (stream) => (chunk) => { out += chunk; stream.write(chunk); };
    child.stdout.on('data', relay(process.stdout));
    child.stderr.on('data', relay(process.stderr));
    child.on('close', (code) => {
      const count = (word) => Number(out.match(new RegExp(`(\\d+) ${word}`, 'g'))?.map((m) => parseInt(m)).reduce((a, b) => a + b, 0) ?? 0);
      const passed = count('passing');
      let failed = count('failing');
      // A suite that crashed before reporting still counts as a failure.
      if (code !== 0 && failed === 0) failed = 1;
      resolve({ name, passed, failed, pending: count('pending') });
    });
  });
}

const only = process.argv.slice(2);
const suites = [
  { name: 'unit + integration', cmd: process.execPath, args: ['node_modules/mocha/bin/mocha.js', 'test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'] },
  { name: 'browser', cmd: process.execPath, args: ['node_modules/mocha/bin/mocha.js', 'test/browser/**/*.test.ts'], needs: 'test/browser' },
  { name: 'extension host', cmd: process.execPath, args: ['scripts/vscode/run-tests.mjs'], needs: 'scripts/vscode/run-tests.mjs' },
].filter((s) => (!s.needs || existsSync(s.needs)) && (!only.length || only.some((o) => s.name.includes(o))));

ensureDebianPackages();
run(process.execPath, ['esbuild.mjs']);
run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.', '--noEmit']);
run(process.execPath, ['node_modules/eslint/bin/eslint.js', '.']);

const results = [];
for (const s of suites) results.push(await runSuite(s.name, s.cmd, s.args));

console.log('\n=== summary ===');
for (const r of results) console.log(`${r.name}: ${r.passed} passed, ${r.failed} failed${r.pending ? `, ${r.pending} pending` : ''}`);
const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
