// Drives the real VS Code workbench (code-server) in headless Chromium the way a person does:
// open the workbench, F1 → type a command's title → Enter, read notifications and webview DOM,
// save screenshots. Used by test/extension/ui/*.ui.mjs (run by scripts/vscode/run-tests.mjs).
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { repoRoot } from './install.mjs';
import { host, startCodeServer } from './codeServer.mjs';

export const artifactsDir = join(repoRoot, 'test-artifacts', 'extension');
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const demoFolder = join(repoRoot, 'demo', 'todos');

/**
 * A temp folder removed by `remove()` or, whatever happens, when this process exits.
 * @returns {{ dir: string, remove: () => void }}
 */
export function tempFolder(prefix, { copyOf } = {}) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (copyOf && existsSync(copyOf)) cpSync(copyOf, dir, { recursive: true });
  const remove = () => {
    process.off('exit', remove);
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', remove);
  return { dir, remove };
}

/** Chromium flags: headless on a machine without GPU, sandbox or internet. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** @returns {Promise<import('playwright-core').Browser>} */
export async function launchBrowser() {
  try {
    // Signals are handled by the runner, which closes the browser with everything else it started.
    return await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: chromiumArgs,
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (e) {
    throw new Error(`Could not start Chromium at ${chromiumPath} (install it: sudo apt-get install -y chromium): ${e.message}`);
  }
}

/** The `vscode-remote://` URI code-server's workbench uses for an absolute path on its machine. */
export function remoteUri(codeServer, absPath) {
  return `vscode-remote://${host}:${codeServer.port}${absPath}`;
}

/**
 * The workbench URL for `folder`; with `extensionDevelopmentPath` the extension is loaded from source
 * and with `extensionTestsPath` VS Code runs that test index (both need the smoke-test driver).
 */
export function workbenchUrl(codeServer, { folder, extensionDevelopmentPath, extensionTestsPath } = {}) {
  const payload = [
    ...(extensionDevelopmentPath ? [['extensionDevelopmentPath', remoteUri(codeServer, extensionDevelopmentPath)]] : []),
    ...(extensionTestsPath ? [['extensionTestsPath', remoteUri(codeServer, extensionTestsPath)]] : []),
    ['skipWelcome', 'true'],
  ];
  const query = [
    ...(folder ? [`folder=${encodeURIComponent(folder)}`] : []),
    `payload=${encodeURIComponent(JSON.stringify(payload))}`,
  ];
  return `${codeServer.url}?${query.join('&')}`;
}

/**
 * Opens the workbench in a new page and waits until it is usable (workbench shown, extension host
 * connected). Console messages of the page go to `onConsole` (the runner keeps them in a log file).
 * @returns {Promise<import('playwright-core').Page>}
 */
export async function openWorkbench(browser, codeServer, { folder, extensionDevelopmentPath, onConsole, timeoutMs = 60_000 } = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(timeoutMs);
  if (onConsole) page.on('console', (m) => onConsole(`[${m.type()}] ${m.text()}`));
  await page.goto(workbenchUrl(codeServer, { folder, extensionDevelopmentPath }));
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible' });
  // Extensions may still be loading now: runCommand and the wait helpers retry until they appear.
  return page;
}

/**
 * Runs a command from the command palette like a person: F1, type the title (e.g.
 * "Neon Authorize: Show Welcome"), wait for the entry with exactly that title, Enter (or a click
 * when another entry is highlighted). `keepFocus` skips the click that focuses the workbench first.
 */
export async function runCommand(page, title, { timeoutMs = 30_000, keepFocus = false } = {}) {
  const input = page.locator('.quick-input-widget input[type="text"], .quick-input-widget input').first();
  // The first F1 can arrive before the keybinding service is ready: retry until the palette opens.
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // keepFocus: F1 where the focus is, so an editor keeps its selection (a click would drop it).
    if (!keepFocus) await page.locator('.monaco-workbench').click({ position: { x: 700, y: 450 }, force: true }).catch(() => {});
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 3000 });
      break;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`The command palette did not open (F1): ${e.message}`);
    }
  }
  const exactTitle = new RegExp(`^\\s*${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  const entry = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exactTitle }) }).first();
  // The palette lists the commands known when it is filled: right after the workbench opens the
  // extension's contributions may still be loading, so type the title again until it shows up.
  for (;;) {
    await input.fill(`>${title}`);
    try {
      await entry.waitFor({ state: 'visible', timeout: 2000 });
      break;
    } catch {
      if (Date.now() > deadline) {
        const shown = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts().catch(() => []);
        await page.keyboard.press('Escape');
        throw new Error(`No command titled "${title}" in the command palette. It shows: ${shown.slice(0, 10).join(' | ') || '(nothing)'}`);
      }
      await input.fill('>');
    }
  }
  if (await entry.evaluate((row) => row.classList.contains('focused'))) await page.keyboard.press('Enter');
  else await entry.click();
}

/**
 * Waits for a notification containing `text` (string or RegExp) and returns its message. With the
 * smoke-test driver on (extension loaded from source) VS Code shows no toasts, only the notification
 * center: so toasts are checked first, then the center is opened from the status bar bell.
 */
export async function waitForNotification(page, text, { timeoutMs = 30_000 } = {}) {
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
  const centerItem = page.locator('.notifications-center .notification-list-item', { hasText: text }).first();
  const center = page.locator('.notifications-center.visible');
  const bell = page.locator('[id="status.notifications"]').first();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await toast.isVisible()) return (await toast.locator('.notification-list-item-message').first().innerText()).trim();
    if (!(await center.count()) && (await bell.isVisible())) await bell.click().catch(() => {});
    if (await centerItem.isVisible()) return (await centerItem.locator('.notification-list-item-message').first().innerText()).trim();
    if (Date.now() > deadline) {
      const shown = await page.locator('.notification-list-item-message').allInnerTexts().catch(() => []);
      throw new Error(`No notification matching ${text} within ${timeoutMs / 1000} s. Shown: ${shown.join(' | ') || '(none)'}`);
    }
    await page.waitForTimeout(250);
  }
}

/**
 * Finds the frame of a webview whose document contains `selector`. A webview's content lives in
 * nested iframes (the workbench's host frame, then the `active-frame`), so every frame is searched.
 * @returns {Promise<import('playwright-core').Frame>}
 */
export async function findWebviewFrame(page, selector, { timeoutMs = 30_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (frame === page.mainFrame()) continue;
      const found = await frame.$(selector).catch(() => null);
      if (found) return frame;
    }
    if (Date.now() > deadline) throw new Error(`No webview frame contains ${selector} within ${timeoutMs / 1000} s.`);
    await page.waitForTimeout(200);
  }
}

/** Saves a full-page screenshot as test-artifacts/extension/<name>.png and returns its path. */
export async function screenshot(page, name) {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path });
  return path;
}

/**
 * What the runner shares with UI tests: one Chromium, one code-server started with the smoke-test
 * driver, a throwaway copy of demo/todos, a scratch folder (removed by the runner however it ends),
 * and the log file for workbench console output.
 * @typedef {{ browser: import('playwright-core').Browser, codeServer: import('./codeServer.mjs').CodeServer,
 *   workspace: string, scratchDir: string, log: (line: string) => void }} UiSession
 */
/** @type {UiSession | undefined} */
let session;

/**
 * Starts what UI tests and Playwright scripts need (see UiSession), makes it the current session and
 * returns it with `stop()`, which ends and removes all of it. `env` reaches the extension host.
 * @returns {Promise<UiSession & { stop: () => Promise<void> }>}
 */
export async function startUiSession({ env = {}, log = () => {} } = {}) {
  const workspace = tempFolder('naw-workspace-', { copyOf: demoFolder });
  const scratch = tempFolder('naw-ui-scratch-');
  /** @type {import('./codeServer.mjs').CodeServer | undefined} */
  let codeServer;
  /** @type {import('playwright-core').Browser | undefined} */
  let browser;
  const stop = async () => {
    if (session?.browser === browser) session = undefined;
    await browser?.close().catch(() => {});
    await codeServer?.stop();
    scratch.remove();
    workspace.remove();
  };
  try {
    codeServer = await startCodeServer({
      folder: workspace.dir,
      smokeTestDriver: true,
      env,
      onOutput: (line, stream) => log(`[code-server ${stream}] ${line}`),
    });
    browser = await launchBrowser();
  } catch (e) {
    await stop();
    throw e;
  }
  session = { browser, codeServer, workspace: workspace.dir, scratchDir: scratch.dir, log };
  return { ...session, stop };
}

/** @returns {UiSession} */
export function uiSession() {
  if (!session) throw new Error('UI tests run through scripts/vscode/run-tests.mjs (node scripts/vscode/run-tests.mjs --ui-only).');
  return session;
}

/** Opens the workbench on the session's workspace with the extension loaded from this repository. */
export function openExtensionWorkbench({ folder } = {}) {
  const s = uiSession();
  return openWorkbench(s.browser, s.codeServer, { folder: folder ?? s.workspace, extensionDevelopmentPath: repoRoot, onConsole: s.log });
}
