// Entry point VS Code calls (extensionTestsPath) inside the extension host: runs every suite bundled
// next to this file (dist/test/extension/**/*.test.js) with mocha's spec reporter on stdout.
import Mocha from 'mocha';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';

function findTestFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return findTestFiles(path);
    return entry.name.endsWith('.test.js') ? [path] : [];
  });
}

/**
 * Under code-server, console.log of the extension host reaches the runner mixed with the workbench's own
 * logging; the runner passes a prefix (NAW_MOCHA_MARK) so it can pick out mocha's lines.
 */
function markReporterOutput(mark: string): void {
  const base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void };
  base.consoleLog = (...args: unknown[]) => console.log(mark + format(...args));
}

export async function run(): Promise<void> {
  if (process.env.NAW_MOCHA_MARK) markReporterOutput(process.env.NAW_MOCHA_MARK);
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 60_000 });
  // MOCHA_GREP (set for code-server, which passes its environment on) runs a subset.
  if (process.env.MOCHA_GREP) mocha.grep(process.env.MOCHA_GREP);
  const files = findTestFiles(__dirname).sort((a, b) => {
    // Activation first: it checks the extension is not active until one of its events fires.
    const first = (f: string) => (f.endsWith('activation.test.js') ? 0 : 1);
    return first(a) - first(b) || a.localeCompare(b);
  });
  for (const file of files) mocha.addFile(file);
  await new Promise<void>((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} extension-host test(s) failed.`)) : resolve()));
  });
}
