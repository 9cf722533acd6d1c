// Drives the real VS Code workbench (code-server) in headless Chromium the way a person does:
// open the workbench, F1 → type a command's title → Enter, read notifications and webview DOM,
// save screenshots. Used by test/extension/ui/*.ui.mjs (run by scripts/vscode/run-tests.mjs).
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { repoRoot } from './install.mjs';
import { host, startCodeServer } from './codeServer.mjs';
import { makeTempDir, removeTempDir } from '../../test/support/cleanup.mjs';
import { waitFor } from '../../test/support/waitFor.mjs';

export const artifactsDir = join(repoRoot, 'test-artifacts', 'extension');
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const demoFolder = join(repoRoot, 'demo', 'todos');

/**
 * A temp folder (mode 0700) removed by `remove()` or, whatever happens, when this process ends (also on
 * Ctrl-C): the tests' own makeTempDir.
 * @returns {{ dir: string, remove: () => void }}
 */
export function tempFolder(prefix, { copyOf } = {}) {
  const dir = makeTempDir(prefix);
  if (copyOf && existsSync(copyOf)) cpSync(copyOf, dir, { recursive: true });
  return { dir, remove: () => removeTempDir(dir) };
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
  const deadline = Date.now() + timeoutMs;
  // The first F1 can arrive before the keybinding service is ready: retry until the palette opens.
  await waitFor(
    async () => {
      // keepFocus: F1 where the focus is, so an editor keeps its selection (a click would drop it).
      if (!keepFocus) await page.locator('.monaco-workbench').click({ position: { x: 700, y: 450 }, force: true }).catch(() => {});
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 3000 });
      return true;
    },
    { timeout: timeoutMs, message: 'the command palette to open (F1)' },
  );
  const exactTitle = new RegExp(`^\\s*${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  const entry = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exactTitle }) }).first();
  // The palette lists the commands known when it is filled: right after the workbench opens the
  // extension's contributions may still be loading, so type the title again until it shows up.
  let typed = false;
  try {
    await waitFor(
      async () => {
        if (typed) await input.fill('>');
        typed = true;
        await input.fill(`>${title}`);
        await entry.waitFor({ state: 'visible', timeout: 2000 });
        return true;
      },
      { timeout: Math.max(1, deadline - Date.now()), message: `the command "${title}" in the command palette` },
    );
  } catch {
    const shown = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts().catch(() => []);
    await page.keyboard.press('Escape');
    throw new Error(`No command titled "${title}" in the command palette. It shows: ${shown.slice(0, 10).join(' | ') || '(nothing)'}`);
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
  return waitFor(
    async () => {
      if (await toast.isVisible()) return (await toast.locator('.notification-list-item-message').first().innerText()).trim();
      if (!(await center.count()) && (await bell.isVisible())) await bell.click().catch(() => {});
      if (await centerItem.isVisible()) return (await centerItem.locator('.notification-list-item-message').first().innerText()).trim();
      return undefined;
    },
    {
      timeout: timeoutMs,
      interval: 250,
      message: async () => {
        const shown = await page.locator('.notification-list-item-message').allInnerTexts().catch(() => []);
        return `a notification matching ${text}. Shown: ${shown.join(' | ') || '(none)'}`;
      },
    },
  );
}

/**
 * Finds the frame of a webview whose document contains `selector`. A webview's content lives in
 * nested iframes (the workbench's host frame, then the `active-frame`), so every frame is searched.
 * @returns {Promise<import('playwright-core').Frame>}
 */
export function findWebviewFrame(page, selector, { timeoutMs = 30_000 } = {}) {
  return waitFor(
    async () => {
      for (const frame of page.frames()) {
        if (frame === page.mainFrame()) continue;
        if (await frame.$(selector).catch(() => null)) return frame;
      }
      return undefined;
    },
    { timeout: timeoutMs, interval: 200, message: `a webview frame that contains ${selector}` },
  );
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

// ---- Steps the UI tests share: quick picks, dialogs, files, notifications, the Authorize view and the
// Run as User panel, each done the way a person does it.

/** A RegExp that matches exactly `text` (white space around it allowed). */
export function exactText(text) {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

/**
 * Answers the open quick pick or input box like a person: waits for it (titled `title`, a substring, when
 * given), types `type` when given (filters a list; replaces an input box's proposed value), waits until
 * the highlighted entry is exactly `pick` when given, then presses Enter and waits for it to close.
 */
export async function acceptQuickPick(page, title, { type, pick } = {}) {
  const widget = page.locator('.quick-input-widget');
  const shown = title ? widget.locator('.quick-input-title', { hasText: title }) : widget;
  await shown.waitFor({ state: 'visible' });
  if (type !== undefined) {
    await widget.locator('input').first().focus();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(type);
  }
  if (pick) {
    const label = page.locator('.label-name', { hasText: exactText(pick) });
    await widget.locator('.quick-input-list .monaco-list-row.focused', { has: label }).waitFor({ state: 'visible' });
  } else {
    // Enter takes what the list shows: wait until it shows its items, and one is highlighted (a list of
    // checkboxes takes the checked ones instead). An input box has no list.
    await page.waitForFunction(() => {
      const shownWidget = document.querySelector('.quick-input-widget');
      const list = shownWidget?.querySelector('.quick-input-list');
      if (!list || getComputedStyle(list).display === 'none') return true;
      if (!list.querySelector('.monaco-list-row')) return false;
      return shownWidget.classList.contains('show-checkboxes') || !!list.querySelector('.monaco-list-row.focused');
    });
  }
  await page.keyboard.press('Enter');
  await shown.waitFor({ state: 'hidden' });
}

/** Clicks `button` in the modal dialog whose message contains `text`; returns the message. */
export async function answerDialog(page, text, button) {
  const dialog = page.locator('.monaco-dialog-box', { hasText: text });
  await dialog.waitFor({ state: 'visible' });
  const message = (await dialog.locator('.dialog-message-text').first().innerText().catch(() => '')).trim();
  await dialog.locator('a.monaco-button', { hasText: exactText(button) }).click();
  await dialog.waitFor({ state: 'hidden' });
  return message;
}

/** Opens a workspace file with "Go to File..." (type its name, Enter) and waits for its editor tab. */
export async function openWorkspaceFile(page, name) {
  await runCommand(page, 'Go to File...');
  await page.keyboard.type(name);
  // Enter opens the highlighted entry: wait until the list, filtered as typed, highlights the file.
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: name }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
  await waitForActiveEditor(page, name);
}

/** The text of the active editor as shown (non-breaking spaces made plain). */
export async function activeEditorText(page) {
  const lines = page.locator('.editor-group-container.active .editor-instance .monaco-editor .view-lines').first();
  return (await lines.innerText()).replace(/\u00a0/g, ' ');
}

/**
 * Waits until the active editor is the document named `title` (its tab's name, e.g. "grants-public.sql")
 * and, with `containing` (a string or RegExp), shows that text; returns the text it shows.
 */
export function waitForActiveEditor(page, title, { containing, timeoutMs = 30_000 } = {}) {
  const activeTab = page.locator('.editor-group-container.active .tab.active').first();
  const shows = (text) => !containing || (typeof containing === 'string' ? text.includes(containing) : containing.test(text));
  let last = { title: '', text: '' };
  return waitFor(
    async () => {
      last = { title: (await activeTab.getAttribute('data-resource-name', { timeout: 1000 }).catch(() => '')) ?? '', text: '' };
      if (last.title !== title) return undefined;
      last.text = await activeEditorText(page).catch(() => '');
      return shows(last.text) ? last.text : undefined;
    },
    {
      timeout: timeoutMs,
      interval: 100,
      message: () => `the editor "${title}"${containing ? ` showing ${containing}` : ''} to be active (active: "${last.title}"${last.text ? `, showing: ${last.text.slice(0, 200)}` : ''})`,
    },
  );
}

/**
 * Empties and closes the notification center with its own buttons (bell, "Clear All Notifications"), so
 * the next waitForNotification sees only new messages. (The palette's "Notifications: Clear All
 * Notifications" only hides the center here.) Progress notifications still running stay.
 */
export async function clearNotifications(page) {
  const center = page.locator('.notifications-center.visible');
  const header = center.locator('.notifications-center-header');
  if (!(await center.count())) await page.locator('[id="status.notifications"]').first().click();
  await header.waitFor({ state: 'visible' });
  await header.locator('.action-label[aria-label^="Clear All Notifications"]').click();
  if (await center.count()) await header.locator('.action-label[aria-label^="Hide Notifications"]').click().catch(() => {});
  await center.waitFor({ state: 'detached' });
}

/** Opens the Authorize view from the activity bar (or the palette when its icon is in the overflow). */
export async function showAuthorizeView(page) {
  const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /Authorize/i }) });
  if (await pane.locator('.monaco-list-row').first().isVisible().catch(() => false)) return pane;
  const icon = page.locator('.activitybar a.action-label[aria-label^="Neon Authorize"]').first();
  if (await icon.isVisible().catch(() => false)) await icon.click();
  else await runCommand(page, 'View: Show Neon Authorize');
  await pane.locator('.monaco-list-row').first().waitFor({ state: 'visible' });
  return pane;
}

/** The row of a tree view whose label is exactly `label`. */
export function treeRow(pane, label) {
  return pane.locator('.monaco-list-row', { has: pane.page().locator('.label-name', { hasText: exactText(label) }) }).first();
}

/** Waits until the tree row `label` shows a description matching `expected`, and returns it. */
export function waitForTreeDescription(pane, label, expected, { timeoutMs = 30_000 } = {}) {
  let last = '';
  return waitFor(
    async () => {
      const r = treeRow(pane, label);
      if (!(await r.isVisible().catch(() => false))) return undefined;
      last = (await r.locator('.label-description').first().innerText().catch(() => '')).trim();
      return expected.test(last) ? last : undefined;
    },
    { timeout: timeoutMs, interval: 250, message: () => `row "${label}" to show a description matching ${expected} (last: "${last}")` },
  );
}

/**
 * The Run as User panel's webview frame, once the extension has filled in the paths and selected
 * `path` (the playground's, when the playground is the connection).
 * @returns {Promise<import('playwright-core').Frame>}
 */
export async function runAsUserFrame(page, { path = 'playground', timeoutMs = 60_000 } = {}) {
  const frame = await findWebviewFrame(page, '#run', { timeoutMs });
  await frame.waitForFunction(
    (wanted) => {
      const select = document.querySelector('#path-select');
      return select instanceof HTMLSelectElement && select.value === wanted && !select.disabled;
    },
    path,
    { timeout: timeoutMs },
  );
  return frame;
}

/** In the Run as User panel: the "Persona" token source, then the saved persona named `name`. */
export async function choosePersona(frame, name) {
  await frame.locator('label.segment', { hasText: 'Persona' }).click();
  const option = frame.locator('#persona-select option', { hasText: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `) });
  await option.waitFor({ state: 'attached' });
  await frame.locator('#persona-select').selectOption(await option.getAttribute('value'));
}

/**
 * In the Run as User panel: puts `sql` in the statement box (replacing what is there), clicks Run and waits until both sides
 * show rows for `persona` (its name in the user side's title). Throws with the panel's status line when not.
 */
export async function runInPanel(frame, sql, { persona, timeoutMs = 60_000 } = {}) {
  // fill, not Ctrl+A and typing: the webview forwards Ctrl+A to the workbench, whose "select all" comes
  // back a moment later and would select the first typed characters away.
  await frame.locator('#sql').fill(sql);
  await frame.click('#run');
  try {
    await frame.waitForFunction(
      (name) =>
        !document.body.classList.contains('is-running') &&
        (!name || (document.querySelector('#user-title')?.textContent ?? '').includes(name)) &&
        document.querySelectorAll('.pane-user .grid-body .grid-row:not([hidden]), .pane-user .error-card').length > 0 &&
        document.querySelectorAll('.pane-owner .grid-body .grid-row:not([hidden]), .pane-owner .error-card').length > 0,
      persona,
      { timeout: timeoutMs },
    );
  } catch (e) {
    const status = (await frame.locator('.status-line').innerText().catch(() => '')).trim();
    throw new Error(`The run of "${sql}"${persona ? ` as ${persona}` : ''} did not show both sides: ${e.message}. Panel status: ${status || '(none)'}`);
  }
}

/**
 * The rendered rows of one side of the Run as User panel ('user' or 'owner'), in display order: the cell
 * texts, the same by column name, and whether the row is marked hidden from the user.
 * @returns {Promise<{ index: number, cells: string[], values: Record<string, string>, hidden: boolean }[]>}
 */
export function readGridRows(frame, side) {
  return frame.$$eval(`.pane-${side} .grid`, (grids) => {
    const grid = grids[0];
    if (!grid) return [];
    const names = Array.from(grid.querySelectorAll('.grid-header-row .grid-colname')).map((n) => n.textContent ?? '');
    return Array.from(grid.querySelectorAll('.grid-body .grid-row'))
      .filter((r) => !r.hidden)
      .map((r) => {
        const cells = Array.from(r.querySelectorAll('[role=gridcell]')).map((c) => c.textContent ?? '');
        return {
          index: Number(r.getAttribute('aria-rowindex')),
          cells,
          values: Object.fromEntries(names.map((name, i) => [name, cells[i]])),
          hidden: r.classList.contains('is-hidden-row'),
        };
      })
      .sort((a, b) => a.index - b.index);
  });
}

/** The banner above one side's grid ("RLS hid 1 row of 3" and its message), or undefined when none shows. */
export async function readPaneBanner(frame, side) {
  const banner = frame.locator(`.pane-${side} .pane-banner`);
  if (!(await banner.isVisible())) return undefined;
  return {
    title: (await banner.locator('.banner-title').innerText()).trim(),
    message: (await banner.locator('.banner-message').innerText()).trim(),
  };
}
