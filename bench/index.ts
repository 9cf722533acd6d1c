/**
 * `npm run bench`: every benchmark, printed as a table. Figures are ratios measured in one run
 * where a goal is a ratio; never asserted in tests.
 */
import type { BenchResult } from './types';
import { run as playground } from './playgroundBench';
import { run as resultDiff } from './resultDiffBench';
import { run as webview } from './webviewBench';
import { run as runAsUser } from './runAsUserBench';
import { run as advisor } from './advisorBench';
import { run as activation } from './activationBench';

const suites: Record<string, () => Promise<BenchResult[]>> = { playground, runAsUser, resultDiff, webview, advisor, activation };

async function main() {
  const only = process.argv.slice(2);
  for (const [name, run] of Object.entries(suites)) {
    if (only.length && !only.includes(name)) continue;
    console.log(`\n## ${name}`);
    for (const r of await run()) console.log(`${r.name}: ${r.value.toFixed(2)} ${r.unit}${r.note ? `  (${r.note})` : ''}`);
  }
}

main().catch((err) => {
  console.error(`bench failed: ${err?.message ?? err}`);
  process.exitCode = 1;
});
