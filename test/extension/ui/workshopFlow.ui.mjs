// The workshop, end to end, driven like a person in the real workbench on a fresh copy of demo/todos:
// F1 → Start Playground → Install pg_session_jwt → schema.sql's table part on the owner → Scaffold Grants
// (run on the owner) → Scaffold Policies on todos (owner-only CRUD, run on the owner) → the owner inserts
// todos for alice and bob → Run as User as alice, then as bob: each sees only their own rows, the owner's
// grid beside shows all of them with the other user's marked hidden, and the banner counts them.
// A screenshot after every step: test-artifacts/extension/workshop-*.png.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  acceptQuickPick,
  activeEditorText,
  answerDialog,
  choosePersona,
  clearNotifications,
  demoFolder,
  openExtensionWorkbench,
  openWorkspaceFile,
  readGridRows,
  readPaneBanner,
  runAsUserFrame,
  runCommand,
  runInPanel,
  screenshot,
  showAuthorizeView,
  tempFolder,
  treeRow,
  waitForActiveEditor,
  waitForNotification,
  waitForTreeDescription,
} from '../../../scripts/vscode/ui.mjs';

/** The rows the owner inserts: alice has two todos, bob one. */
const TODOS = [
  { task: 'buy milk', user_id: 'alice' },
  { task: 'fix bike', user_id: 'bob' },
  { task: 'walk dog', user_id: 'alice' },
];
const INSERT = `insert into todos (task, user_id) values ${TODOS.map((t) => `('${t.task}', '${t.user_id}')`).join(', ')};`;
const QUERY = 'select * from todos';

/** How many lines of schema.sql, from the top, hold its first part: up to the end of CREATE TABLE todos. */
function tablePartLineCount() {
  const lines = readFileSync(join(demoFolder, 'schema.sql'), 'utf8').split('\n');
  const create = lines.findIndex((l) => /^CREATE TABLE todos\b/i.test(l));
  const end = lines.findIndex((l, i) => i > create && /^\);/.test(l));
  assert.ok(create >= 0 && end > create, 'demo/todos/schema.sql has a CREATE TABLE todos ( ... ); statement');
  return end + 1;
}

/** F1 → Run SQL on Owner → "Run" in the confirmation; returns the confirmation's and the result's messages. */
async function runSqlOnOwner(page, { from, keepFocus = false }) {
  await runCommand(page, 'Neon Authorize: Run SQL on Owner', { keepFocus });
  const question = await answerDialog(page, `from ${from} on Playground`, 'Run');
  const done = await waitForNotification(page, new RegExp(`^Ran \\d+ statements? from ${from} on Playground`), { timeoutMs: 60_000 });
  return { question, done };
}

/** Sorted `task/user_id` of rows, for comparing without caring about order. */
const tasks = (rows) => rows.map((r) => `${r.values.task}/${r.values.user_id}`).sort();

describe('UI: the workshop flow on the demo todos app (playground → grants → policies → Run as User)', function () {
  /** @type {import('playwright-core').Page} */
  let page;
  /** @type {import('playwright-core').Frame} */
  let panel;
  let workspace;
  let failed = false;

  before(async () => {
    // A fresh copy: its own workspace storage, hence a fresh playground and the starter personas.
    workspace = tempFolder('naw-workshop-ui-', { copyOf: demoFolder });
    page = await openExtensionWorkbench({ folder: workspace.dir });
  });
  beforeEach(function () {
    // Each step builds on the one before: after a failure the rest would only fail for that reason.
    if (failed) this.skip();
  });
  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    failed = true;
    if (page) await screenshot(page, `workshop-failed-${this.currentTest.title.slice(0, 40)}`).catch(() => {});
  });
  after(async () => {
    await page?.context().close();
    workspace?.remove();
  });

  it('F1 → Start Playground: the embedded database runs', async () => {
    await runCommand(page, 'Neon Authorize: Start Playground');
    const text = await waitForNotification(page, 'the playground is running', { timeoutMs: 90_000 });
    assert.match(text, /Playground \(127\.0\.0\.1:\d+\)/);
    await screenshot(page, 'workshop-1-playground');
  });

  it('F1 → Install pg_session_jwt: installed, with the authenticated and anonymous roles', async () => {
    await runCommand(page, 'Neon Authorize: Install pg_session_jwt');
    const text = await waitForNotification(page, /pg_session_jwt \d+\.\d+\.\d+ is installed/);
    assert.match(text, /Roles: authenticated ✓, anonymous ✓/);
    await screenshot(page, 'workshop-2-pg-session-jwt');
  });

  it('creates the todos table: schema.sql\'s first part, selected and run on the owner', async () => {
    await clearNotifications(page);
    await openWorkspaceFile(page, 'schema.sql');
    await waitForActiveEditor(page, 'schema.sql', { containing: 'CREATE TABLE todos' });
    await page.locator('.editor-group-container.active .editor-instance .monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+Home');
    for (let i = 0, n = tablePartLineCount(); i < n; i++) await page.keyboard.press('Shift+ArrowDown');
    const { question, done } = await runSqlOnOwner(page, { from: 'the selection', keepFocus: true });
    // CREATE EXTENSION IF NOT EXISTS pg_session_jwt and CREATE TABLE todos: not the policies below them.
    assert.match(question, /^Run 2 statements from the selection on Playground \(127\.0\.0\.1:\d+\) as \w+\?$/);
    assert.match(done, /^Ran 2 statements/);
    const pane = await showAuthorizeView(page);
    assert.match(await waitForTreeDescription(pane, 'todos', /^RLS off/), /^RLS off/);
    await screenshot(page, 'workshop-3-todos-table');
  });

  it('F1 → Scaffold Grants (Enter keeps the guides\' choices) → Run SQL on Owner', async () => {
    await clearNotifications(page);
    await runCommand(page, 'Neon Authorize: Scaffold Grants');
    await acceptQuickPick(page, 'Scaffold Grants for schema public');
    // schema.sql, open from the step before, has GRANTs too: wait for the scaffold itself to be the active editor.
    const scaffold = await waitForActiveEditor(page, 'grants-public.sql', { containing: 'ON ALL TABLES' });
    // The Authorize guides' grants: the four table privileges (in any order) on every table of public, to both roles.
    for (const role of ['authenticated', 'anonymous']) {
      assert.match(scaffold, new RegExp(`GRANT (?=[^;]*SELECT)(?=[^;]*INSERT)(?=[^;]*UPDATE)(?=[^;]*DELETE)[A-Z, ]+ ON ALL TABLES\\s+IN SCHEMA public\\s+TO ${role};`));
      assert.match(scaffold, new RegExp(`GRANT USAGE ON SCHEMA public TO ${role};`));
    }
    const { done } = await runSqlOnOwner(page, { from: 'the scaffold' });
    assert.match(done, /^Ran \d+ statements from the scaffold on Playground/);
    await screenshot(page, 'workshop-4-grants');
  });

  it('F1 → Scaffold Policies on todos (Owner-only CRUD, user_id, SQL) → Run SQL on Owner: RLS on, 4 policies', async () => {
    await clearNotifications(page);
    await runCommand(page, 'Neon Authorize: Scaffold Policies');
    await acceptQuickPick(page, 'Policies for public.todos: template', { type: 'Owner-only CRUD', pick: 'Owner-only CRUD' });
    await acceptQuickPick(page, 'Policies for public.todos: the column holding the user id', { pick: 'user_id' });
    await acceptQuickPick(page, 'Policies for public.todos: output', { type: 'SQL', pick: 'SQL' });
    await waitForActiveEditor(page, 'policies-todos.sql', { containing: 'CREATE POLICY' });
    await screenshot(page, 'workshop-5-policies-scaffold');
    const { done } = await runSqlOnOwner(page, { from: 'the scaffold' });
    assert.match(done, /^Ran \d+ statements from the scaffold on Playground/);
    const pane = await showAuthorizeView(page);
    assert.equal(await waitForTreeDescription(pane, 'todos', /^RLS on/), 'RLS on · 4 policies');
    await treeRow(pane, 'todos').click();
    await treeRow(pane, 'Individuals can view their own todos.').waitFor({ state: 'visible' });
    await screenshot(page, 'workshop-5-policies');
  });

  it('the owner inserts todos for alice and bob (a new SQL file, typed, run on the owner)', async () => {
    await clearNotifications(page);
    await runCommand(page, 'File: New Untitled Text File');
    const untitled = page.locator('.tab.active', { hasText: /^Untitled-\d+/ }).first();
    await untitled.waitFor({ state: 'visible' });
    const title = (await untitled.locator('.label-name').first().innerText()).trim();
    await page.keyboard.type(INSERT);
    await runCommand(page, 'Change Language Mode', { keepFocus: true });
    // VS Code's built-in name for the `sql` language is "MS SQL".
    await acceptQuickPick(page, undefined, { type: 'SQL', pick: 'MS SQL' });
    await page.locator('[id="status.editor.mode"]', { hasText: 'SQL' }).waitFor({ state: 'visible' });
    assert.equal((await activeEditorText(page)).trim(), INSERT, 'the editor holds the statement as typed');
    // Back to the start of the long line (for the screenshot); F1 from the editor, whose focus a click would move.
    await page.keyboard.press('Home');
    const { question, done } = await runSqlOnOwner(page, { from: title, keepFocus: true });
    assert.match(question, /^Run 1 statement from Untitled-\d+ on Playground/);
    assert.match(done, /^Ran 1 statement from Untitled-\d+ on Playground/);
    await screenshot(page, 'workshop-6-rows-inserted');
  });

  it('F1 → Run as User as alice: her 2 todos; the owner\'s grid has all 3 with bob\'s marked hidden; "RLS hid 1 row of 3"', async () => {
    await clearNotifications(page);
    await runCommand(page, 'View: Close Primary Side Bar');
    await runCommand(page, 'Neon Authorize: Run as User');
    panel = await runAsUserFrame(page);
    await choosePersona(panel, 'alice');
    await runInPanel(panel, QUERY, { persona: 'alice' });

    const user = await readGridRows(panel, 'user');
    const owner = await readGridRows(panel, 'owner');
    await panel.locator('.pane-owner .grid-body .grid-row').first().scrollIntoViewIfNeeded();
    await screenshot(page, 'workshop-7-run-as-alice');

    assert.match(await panel.locator('#user-title').innerText(), /^As alice\b/);
    assert.deepEqual(tasks(user), ['buy milk/alice', 'walk dog/alice']);
    assert.ok(user.every((r) => !r.hidden), 'no row of the user side is marked hidden');
    assert.deepEqual(tasks(owner), ['buy milk/alice', 'fix bike/bob', 'walk dog/alice']);
    assert.deepEqual(owner.filter((r) => r.hidden).map((r) => `${r.values.task}/${r.values.user_id}`), ['fix bike/bob']);
    const banner = await readPaneBanner(panel, 'user');
    assert.equal(banner?.title, 'RLS hid 1 row of 3');
    assert.match(await panel.locator('#owner-hidden-badge').innerText(), /1 row hidden from the user/);
  });

  it('switches to bob: the mirror image (his 1 todo; alice\'s 2 marked hidden; "RLS hid 2 rows of 3")', async () => {
    assert.ok(panel, 'the Run as User panel is open (previous step)');
    await choosePersona(panel, 'bob');
    await runInPanel(panel, QUERY, { persona: 'bob' });

    const user = await readGridRows(panel, 'user');
    const owner = await readGridRows(panel, 'owner');
    await panel.locator('.pane-owner .grid-body .grid-row').first().scrollIntoViewIfNeeded();
    await screenshot(page, 'workshop-8-run-as-bob');

    assert.match(await panel.locator('#user-title').innerText(), /^As bob\b/);
    assert.deepEqual(tasks(user), ['fix bike/bob']);
    assert.deepEqual(tasks(owner), ['buy milk/alice', 'fix bike/bob', 'walk dog/alice']);
    assert.deepEqual(owner.filter((r) => r.hidden).map((r) => `${r.values.task}/${r.values.user_id}`).sort(), ['buy milk/alice', 'walk dog/alice']);
    assert.equal(owner.find((r) => r.values.user_id === 'bob')?.hidden, false, "bob's own row is not marked hidden");
    const banner = await readPaneBanner(panel, 'user');
    assert.equal(banner?.title, 'RLS hid 2 rows of 3');
    assert.match(await panel.locator('#owner-hidden-badge').innerText(), /2 rows hidden from the user/);
  });
});
