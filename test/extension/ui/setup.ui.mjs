// Drives the setup of issue 3 through the real workbench like a person, on a fresh copy of the demo
// todos app: F1 → Start Playground → Install pg_session_jwt → Scaffold Grants (run on the owner) →
// open schema.sql and run its first part (the table) → the Authorize view shows todos with RLS off →
// Scaffold Policies (todos, owner-only CRUD, SQL) → Run SQL on Owner → the view shows todos with RLS on
// and its four policies (read from the tree's DOM). Screenshots go to test-artifacts/extension/.
import { strict as assert } from 'node:assert';
import { demoFolder, openExtensionWorkbench, runCommand, screenshot, tempFolder, waitForNotification } from '../../../scripts/vscode/ui.mjs';

/** @typedef {import('playwright-core').Page} Page */

/** Waits for the quick pick titled `title` (substring), then accepts what is selected (Enter). */
async function acceptQuickPick(page, title) {
  const widget = page.locator('.quick-input-widget');
  await widget.locator('.quick-input-title', { hasText: title }).waitFor({ state: 'visible' });
  await page.waitForTimeout(200); // let the list render its items before Enter
  await page.keyboard.press('Enter');
  await widget.locator('.quick-input-title', { hasText: title }).waitFor({ state: 'hidden' });
}

/**
 * F1 → title → pick the entry, without clicking the workbench first (ui.mjs's runCommand clicks the workbench to focus it, which
 * would drop the editor's selection).
 */
async function runCommandKeepingSelection(page, title) {
  const input = page.locator('.quick-input-widget input').first();
  await page.keyboard.press('F1');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  const exact = new RegExp(`^\\s*${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  const entry = page.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: exact }) }).first();
  await entry.waitFor({ state: 'visible' });
  await entry.click();
}

/** Clicks `button` in the modal dialog whose message contains `text`. */
async function answerDialog(page, text, button) {
  const dialog = page.locator('.monaco-dialog-box', { hasText: text });
  await dialog.waitFor({ state: 'visible' });
  await dialog.locator('a.monaco-button', { hasText: new RegExp(`^${button}$`) }).click();
  await dialog.waitFor({ state: 'hidden' });
}

/** Opens the Authorize view from the activity bar (or the palette if the icon is hidden in the overflow). */
async function showAuthorizeView(page) {
  const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /Authorize/i }) });
  if (await pane.locator('.monaco-list-row').first().isVisible().catch(() => false)) return pane;
  const icon = page.locator('.activitybar a.action-label[aria-label^="Neon Authorize"]').first();
  if (await icon.isVisible().catch(() => false)) await icon.click();
  else await runCommand(page, 'View: Show Neon Authorize');
  await pane.locator('.monaco-list-row').first().waitFor({ state: 'visible' });
  return pane;
}

/** The tree row whose label is exactly `label`. */
function row(pane, label) {
  return pane.locator('.monaco-list-row', { has: pane.page().locator('.label-name', { hasText: new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) }) }).first();
}

/** Waits until the row's description matches. Returns it. */
async function waitForDescription(page, pane, label, expected, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const r = row(pane, label);
    if (await r.isVisible().catch(() => false)) {
      last = (await r.locator('.label-description').first().innerText().catch(() => '')).trim();
      if (expected.test(last)) return last;
    }
    if (Date.now() > deadline) throw new Error(`Row "${label}" never showed a description matching ${expected} (last: "${last}")`);
    await page.waitForTimeout(250);
  }
}

describe('UI: Neon Authorize setup on the demo todos app', function () {
  /** @type {Page} */
  let page;
  let workspace;

  before(async () => {
    // A fresh copy: its own workspace storage, so a fresh playground.
    workspace = tempFolder('naw-setup-ui-', { copyOf: demoFolder });
    page = await openExtensionWorkbench({ folder: workspace.dir });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) await screenshot(page, `setup-failed-${this.currentTest.title.slice(0, 40)}`);
  });
  after(async () => {
    await page?.context().close();
    workspace?.remove();
  });

  it('the Authorize view welcomes with Start Playground while nothing is connected', async () => {
    const icon = page.locator('.activitybar a.action-label[aria-label^="Neon Authorize"]').first();
    await icon.click();
    const welcome = page.locator('.welcome-view-content', { hasText: 'No database is connected' });
    await welcome.waitFor({ state: 'visible' });
    const buttons = await welcome.locator('.monaco-button').allInnerTexts();
    assert.deepEqual(buttons.map((b) => b.trim()), ['Start Playground', 'Select Connection', 'Connect Neon Account']);
    await screenshot(page, 'setup-0-welcome');
  });

  it('F1 → Start Playground starts the embedded database', async () => {
    await runCommand(page, 'Neon Authorize: Start Playground');
    const text = await waitForNotification(page, 'the playground is running', { timeoutMs: 90_000 });
    assert.match(text, /Playground \(127\.0\.0\.1:\d+\)/);
  });

  it('F1 → Install pg_session_jwt reports the version and the roles', async () => {
    await runCommand(page, 'Neon Authorize: Install pg_session_jwt');
    const text = await waitForNotification(page, /pg_session_jwt \d+\.\d+\.\d+ is installed/);
    assert.match(text, /Roles: authenticated ✓, anonymous ✓/);
  });

  it('F1 → Scaffold Grants opens the GRANT block; Run SQL on Owner runs it after a confirmation', async () => {
    await runCommand(page, 'Neon Authorize: Scaffold Grants');
    await acceptQuickPick(page, 'Scaffold Grants for schema public');
    const editor = page.locator('.editor-instance .monaco-editor .view-lines').first();
    await editor.filter({ hasText: 'ON ALL TABLES' }).waitFor({ state: 'visible' });
    await screenshot(page, 'setup-1-grants-scaffold');
    await runCommand(page, 'Neon Authorize: Run SQL on Owner');
    await answerDialog(page, 'from the scaffold on Playground', 'Run');
    await waitForNotification(page, /Ran \d+ statements from the scaffold/);
  });

  it('opens schema.sql and runs its first part (the todos table) on the owner; the view shows RLS off', async () => {
    await runCommand(page, 'Go to File...');
    await page.keyboard.type('schema.sql');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'schema.sql' }).first().waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.locator('.view-lines', { hasText: 'CREATE TABLE todos' }).waitFor({ state: 'visible' });
    await editor.locator('.view-lines').click();
    // Select lines 1-15: the comments, CREATE EXTENSION and CREATE TABLE todos (not its policies).
    await page.keyboard.press('Control+Home');
    for (let i = 0; i < 15; i++) await page.keyboard.press('Shift+ArrowDown');
    await screenshot(page, 'setup-2-schema-selection');
    await runCommandKeepingSelection(page, 'Neon Authorize: Run SQL on Owner');
    await answerDialog(page, 'Run 2 statements from the selection', 'Run');
    await waitForNotification(page, 'Ran 2 statements from the selection');

    const pane = await showAuthorizeView(page);
    const description = await waitForDescription(page, pane, 'todos', /^RLS off/);
    assert.equal(description, 'RLS off · authenticated, anonymous see every row');
    await screenshot(page, 'setup-2-todos-rls-off');
    // The table's context menu offers the table actions, Run as User included.
    await row(pane, 'todos').click({ button: 'right' });
    const menu = page.locator('.monaco-menu-container .monaco-menu').first();
    await menu.waitFor({ state: 'visible' });
    const entries = (await menu.locator('.action-label').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
    for (const title of ['Enable Row-Level Security', 'Scaffold Policies', 'Scaffold Grants']) assert.ok(entries.includes(title), `${title} in ${entries.join(' | ')}`);
    assert.ok(entries.some((t) => /as User/i.test(t)), `Run as User in ${entries.join(' | ')}`);
    await screenshot(page, 'setup-2-table-context-menu');
    await page.keyboard.press('Escape');
  });

  it('F1 → Scaffold Policies on todos (owner-only CRUD, user_id, SQL) → Run SQL on Owner: RLS on with four policies', async () => {
    await runCommand(page, 'Neon Authorize: Scaffold Policies');
    await acceptQuickPick(page, 'Policies for public.todos: template');
    await acceptQuickPick(page, 'Policies for public.todos: the column holding the user id');
    await acceptQuickPick(page, 'Policies for public.todos: output');
    const editor = page.locator('.editor-instance .monaco-editor .view-lines').first();
    await editor.filter({ hasText: 'CREATE POLICY' }).waitFor({ state: 'visible' });
    await screenshot(page, 'setup-3-policies-scaffold');
    await runCommand(page, 'Neon Authorize: Run SQL on Owner');
    await answerDialog(page, 'from the scaffold on Playground', 'Run');
    await waitForNotification(page, /Ran \d+ statements from the scaffold/);

    const pane = await showAuthorizeView(page);
    const description = await waitForDescription(page, pane, 'todos', /^RLS on/);
    assert.equal(description, 'RLS on · 4 policies');
    await row(pane, 'todos').click();
    const policyRow = row(pane, 'Individuals can view their own todos.');
    await policyRow.waitFor({ state: 'visible' });
    const policies = [];
    for (const name of ['Individuals can create todos.', 'Individuals can view their own todos.', 'Individuals can update their own todos.', 'Individuals can delete their own todos.']) {
      const r = row(pane, name);
      await r.waitFor({ state: 'visible' });
      policies.push(`${name} ${(await r.locator('.label-description').innerText()).trim()}`);
    }
    assert.match(policies[0], /INSERT · authenticated · permissive · WITH CHECK/);
    assert.match(policies[1], /SELECT · authenticated · permissive · USING/);
    assert.match(policies[2], /UPDATE · authenticated · permissive · USING .* WITH CHECK/);
    assert.match(policies[3], /DELETE · authenticated · permissive · USING/);
    const extension = pane.locator('.label-name', { hasText: /^\s*pg_session_jwt \d+\.\d+\.\d+\s*$/ });
    assert.equal(await extension.count(), 1, 'the view shows pg_session_jwt with its version');
    await screenshot(page, 'setup-4-todos-policies');
  });
});
