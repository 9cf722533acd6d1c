// Drives the setup commands through the real workbench like a person, on a fresh copy of the demo
// todos app: F1 → Start Playground → Install pg_session_jwt → Scaffold Grants (run on the owner) →
// open schema.sql and run its first part (the table) → the Authorize view shows todos with RLS off →
// Scaffold Policies (todos, owner-only CRUD, SQL) → Run SQL on Owner → the view shows todos with RLS on
// and its four policies (read from the tree's DOM). Screenshots go to test-artifacts/extension/.
import { strict as assert } from 'node:assert';
import {
  acceptQuickPick,
  answerDialog,
  demoFolder,
  openExtensionWorkbench,
  openWorkspaceFile,
  runCommand,
  screenshot,
  showAuthorizeView,
  tempFolder,
  treeRow,
  waitForActiveEditor,
  waitForNotification,
  waitForTreeDescription,
} from '../../../scripts/vscode/ui.mjs';

/** @typedef {import('playwright-core').Page} Page */

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
    await waitForActiveEditor(page, 'grants-public.sql', { containing: 'ON ALL TABLES' });
    await screenshot(page, 'setup-1-grants-scaffold');
    await runCommand(page, 'Neon Authorize: Run SQL on Owner');
    await answerDialog(page, 'from the scaffold on Playground', 'Run');
    await waitForNotification(page, /Ran \d+ statements from the scaffold/);
  });

  it('opens schema.sql and runs its first part (the todos table) on the owner; the view shows RLS off', async () => {
    await openWorkspaceFile(page, 'schema.sql');
    await waitForActiveEditor(page, 'schema.sql', { containing: 'CREATE TABLE todos' });
    await page.locator('.editor-group-container.active .editor-instance .monaco-editor .view-lines').first().click();
    // Select lines 1-15: the comments, CREATE EXTENSION and CREATE TABLE todos (not its policies).
    await page.keyboard.press('Control+Home');
    for (let i = 0; i < 15; i++) await page.keyboard.press('Shift+ArrowDown');
    await screenshot(page, 'setup-2-schema-selection');
    await runCommand(page, 'Neon Authorize: Run SQL on Owner', { keepFocus: true });
    await answerDialog(page, 'Run 2 statements from the selection', 'Run');
    await waitForNotification(page, 'Ran 2 statements from the selection');

    const pane = await showAuthorizeView(page);
    const description = await waitForTreeDescription(pane, 'todos', /^RLS off/);
    assert.equal(description, 'RLS off · authenticated, anonymous see every row');
    await screenshot(page, 'setup-2-todos-rls-off');
    // The table's context menu offers the table actions, Run as User included.
    await treeRow(pane, 'todos').click({ button: 'right' });
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
    // schema.sql, open from the step before, has policies too: wait for the scaffold itself to be the active editor.
    await waitForActiveEditor(page, 'policies-todos.sql', { containing: 'CREATE POLICY' });
    await screenshot(page, 'setup-3-policies-scaffold');
    await runCommand(page, 'Neon Authorize: Run SQL on Owner');
    await answerDialog(page, 'from the scaffold on Playground', 'Run');
    await waitForNotification(page, /Ran \d+ statements from the scaffold/);

    const pane = await showAuthorizeView(page);
    const description = await waitForTreeDescription(pane, 'todos', /^RLS on/);
    assert.equal(description, 'RLS on · 4 policies');
    await treeRow(pane, 'todos').click();
    const policyRow = treeRow(pane, 'Individuals can view their own todos.');
    await policyRow.waitFor({ state: 'visible' });
    const policies = [];
    for (const name of ['Individuals can create todos.', 'Individuals can view their own todos.', 'Individuals can update their own todos.', 'Individuals can delete their own todos.']) {
      const r = treeRow(pane, name);
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
