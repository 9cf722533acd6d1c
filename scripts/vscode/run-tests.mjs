#!/usr/bin/env node
// The "extension host" suite of scripts/test.mjs:
//  1. the mocha suites of test/extension/**/*.test.ts inside a real VS Code extension host:
//     code-server (VS Code 1.139, installed into .cache/vscode/ on first use) opened in headless
//     Chromium with the smoke-test driver, or desktop VS Code through @vscode/test-electron when
//     VSCODE_DESKTOP_PATH names its executable;
//  2. the UI tests test/extension/ui/**/*.ui.mjs, which drive the workbench in Chromium like a person.
// Both print mocha's spec report (the "N passing" / "N failing" lines test.mjs adds up); the exit code
// is non-zero when anything failed. Options: --grep <text> (both parts), --no-ui, --ui-only,
// --no-build (use dist/ as it is, also for the .vsix test: when esbuild.mjs already ran).
// Environment: VSCODE_TEST_TIMEOUT_S (overall limit, default 1800: a guard against a hang, not a timing check; a cold install and the UI tests on a busy 2-core machine took over 600).
import { createWriteStream, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';
import { ensureVSCodeInstall, InstallError, repoRoot } from './install.mjs';
import { buildExtension, buildExtensionTests } from './build.mjs';
import { artifactsDir, demoFolder, startUiSession, tempFolder, workbenchUrl } from './ui.mjs';

const args = process.argv.slice(2);
const grep = args.includes('--grep') ? args[args.indexOf('--grep') + 1] : undefined;
const runInHost = !args.includes('--ui-only');
const runUi = !args.includes('--no-ui');
if (args.includes('--no-build')) process.env.NAW_VSCODE_NO_BUILD = '1';
const build = process.env.NAW_VSCODE_NO_BUILD !== '1';
const overallTimeoutS = Number(process.env.VSCODE_TEST_TIMEOUT_S ?? 1800);
const inHostTimeoutS = Math.min(300, overallTimeoutS);
const desktopPath = process.env.VSCODE_DESKTOP_PATH;
const uiTestsDir = join(repoRoot, 'test', 'extension', 'ui');
/** Prefix the in-host index.ts puts on mocha's lines so they can be told from the workbench's own logging. */
const reporterMark = '[naw-mocha] ';

const started = Date.now();
const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
mkdirSync(artifactsDir, { recursive: true });
const logPath = join(artifactsDir, 'vscode.log');
const log = createWriteStream(logPath);
const writeLog = (line) => log.write(`${line}\n`);

/** Everything to undo on the way out, last first. */
const cleanups = [];
let finishing = false;
async function finish(code) {
  if (finishing) return;
  finishing = true;
  clearTimeout(overallTimer);
  for (const cleanup of cleanups.reverse()) {
    await Promise.race([cleanup().catch((e) => writeLog(`cleanup: ${e.message}`)), new Promise((r) => setTimeout(r, 10_000))]);
  }
  await new Promise((r) => log.end(r));
  process.exit(code);
}

let logPathShown = false;
function showLogPath() {
  if (!logPathShown) console.log(`(code-server and workbench log: ${relative(process.cwd(), logPath)})`);
  logPathShown = true;
}

/** Prints a failure in mocha's format so test.mjs counts it even when no suite got to run. */
function reportHarnessFailure(title, message) {
  console.log(`\n  0 passing\n  1 failing\n\n  1) ${title}:\n     ${message.split('\n').join('\n     ')}\n`);
  showLogPath();
}

const overallTimer = setTimeout(() => {
  reportHarnessFailure('extension host tests', `did not finish within ${overallTimeoutS} s (VSCODE_TEST_TIMEOUT_S)`);
  void finish(1);
}, overallTimeoutS * 1000);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void finish(130));

/** Runs the in-host suites in code-server; resolves with the exit code VS Code reports. */
async function runInCodeServer({ browser, codeServer, workspace, testIndexPath }) {
  const context = await browser.newContext();
  const page = await context.newPage();
  let reportExit;
  const exited = new Promise((resolve) => (reportExit = resolve));
  await page.exposeFunction('codeAutomationLog', (type, logArgs) => {
    const text = format(...(Array.isArray(logArgs) ? logArgs : [logArgs]));
    if (text.startsWith(reporterMark)) process.stdout.write(`${text.slice(reporterMark.length)}\n`);
    else writeLog(`[workbench ${type}] ${text}`);
  });
  await page.exposeFunction('codeAutomationExit', (code) => reportExit(Number(code)));
  page.on('pageerror', (e) => writeLog(`[page error] ${e.message}`));
  await page.goto(workbenchUrl(codeServer, { folder: workspace, extensionDevelopmentPath: repoRoot, extensionTestsPath: testIndexPath }));
  const timedOut = new Promise((resolve) => setTimeout(() => resolve('timeout'), inHostTimeoutS * 1000).unref());
  const code = await Promise.race([exited, timedOut]);
  await context.close().catch(() => {});
  if (code === 'timeout') {
    reportHarnessFailure('extension host suite', `VS Code did not report the end of the test run within ${inHostTimeoutS} s`);
    return 1;
  }
  return code;
}

/** Runs the in-host suites in desktop VS Code (VSCODE_DESKTOP_PATH) with @vscode/test-electron. */
async function runInDesktop({ workspace, testIndexPath }) {
  if (!existsSync(desktopPath)) {
    reportHarnessFailure('extension host suite', `VSCODE_DESKTOP_PATH is ${desktopPath}, which does not exist. Set it to VS Code's executable, or unset it to use code-server.`);
    return 1;
  }
  const { runTests } = await import('@vscode/test-electron');
  try {
    await runTests({
      vscodeExecutablePath: desktopPath,
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: testIndexPath,
      extensionTestsEnv: grep ? { MOCHA_GREP: grep } : {},
      launchArgs: [workspace, '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes', '--disable-updates'],
    });
    return 0;
  } catch (e) {
    console.log(`  VS Code at ${desktopPath} reported: ${e.message ?? e}`);
    return 1;
  }
}

/** Runs test/extension/ui/**\/*.ui.mjs with mocha in this process; resolves with the failure count. */
async function runUiTests() {
  const files = existsSync(uiTestsDir)
    ? readdirSync(uiTestsDir, { recursive: true }).filter((f) => String(f).endsWith('.ui.mjs')).map((f) => join(uiTestsDir, String(f))).sort()
    : [];
  if (!files.length) return 0;
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 120_000, grep });
  for (const f of files) mocha.addFile(f);
  await mocha.loadFilesAsync();
  return new Promise((resolve) => mocha.run(resolve));
}

async function main() {
  console.log(`Building ${build ? 'the extension and ' : ''}the extension-host tests ...`);
  if (build) buildExtension();
  const testIndexPath = await buildExtensionTests();

  let uiEnabled = runUi;
  if (uiEnabled || (runInHost && !desktopPath)) {
    try {
      ensureVSCodeInstall({ log: (m) => console.log(m) });
    } catch (e) {
      // With desktop VS Code the in-host suites still run; only the UI tests need code-server.
      if (!(desktopPath && e instanceof InstallError)) throw e;
      console.log(`UI tests skipped: ${e.message}`);
      uiEnabled = false;
    }
  }
  const useCodeServer = uiEnabled || (runInHost && !desktopPath);

  let session;
  let workspace;
  if (useCodeServer) {
    session = await startUiSession({
      env: { NAW_MOCHA_MARK: reporterMark, ...(grep ? { MOCHA_GREP: grep } : {}) },
      log: writeLog,
    });
    cleanups.push(() => session.stop());
    workspace = session.workspace;
  } else {
    const folder = tempFolder('naw-workspace-', { copyOf: demoFolder });
    cleanups.push(async () => folder.remove());
    workspace = folder.dir;
  }

  let inHostCode = 0;
  if (runInHost) {
    console.log(`Running the extension-host suites in ${desktopPath ? `VS Code at ${desktopPath}` : 'code-server 1.139 (real extension host)'} ...`);
    inHostCode = desktopPath
      ? await runInDesktop({ workspace, testIndexPath })
      : await runInCodeServer({ browser: session.browser, codeServer: session.codeServer, workspace, testIndexPath });
    console.log(`extension-host suites: exit code ${inHostCode} (${seconds()})`);
  }

  let uiFailures = 0;
  if (uiEnabled) {
    console.log('\nRunning the UI tests (workbench in Chromium) ...');
    uiFailures = await runUiTests();
    console.log(`UI tests: ${uiFailures} with failures (${seconds()}); screenshots in ${relative(process.cwd(), artifactsDir)}/`);
  }
  if (inHostCode || uiFailures) showLogPath();
  await finish(inHostCode || uiFailures ? 1 : 0);
}

main().catch(async (e) => {
  reportHarnessFailure('extension host tests', e instanceof InstallError ? e.message : (e.stack ?? String(e)));
  await finish(1);
});
