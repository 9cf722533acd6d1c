// The Run as User panel in real Chromium, served with VS Code's CSP, talking to a fake host over the
// typed protocol. Note on page functions: keep them free of named inner functions and object-literal
// methods, because tsx adds a `__name` helper to those that does not exist in the page.
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { okResponse, type InitState, type RunResponse } from '../../src/core/runAsUserProtocol/messages';
import { packForWebview, packRows } from '../../src/core/runAsUserProtocol/packedRows';
import { fixAction } from '../../src/core/fixActions';
import { SECRET_PLACEHOLDER } from '../../src/core/secrets';
import { fixButton, fixLabel } from '../../src/extension/fixCommands';
import { buildWebview, FakeHost, HostError, launchChromium, screenshotPath, startPanelServer, type PanelServer } from './harness';
import { ALICE, aliceTodos, initState, inspection, OID, ownerTodos, PASTED_TOKEN, ranTodos, resultSet, todoRows } from '../fixtures/runAsUserPanel';

type Side = 'user' | 'owner';

let browser: Browser;
let server: PanelServer;
let context: BrowserContext | undefined;

before(async () => {
  buildWebview();
  [server, browser] = await Promise.all([startPanelServer(), launchChromium()]);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(async () => {
  await context?.close();
  context = undefined;
});

interface Opened {
  page: Page;
  host: FakeHost;
  errors: string[];
}

async function openPanel(init: InitState = initState(), viewport = { width: 1400, height: 900 }): Promise<Opened> {
  context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // The only request a page makes on its own that has no file here is /favicon.ico.
    if (m.type() === 'error' && !m.text().includes('404')) errors.push(`console: ${m.text()}`);
  });
  const host = new FakeHost(page, init);
  await host.install();
  await page.goto(server.url);
  await host.next('ready');
  await page.waitForFunction(() => document.querySelectorAll('#path-select option').length > 0);
  return { page, host, errors };
}

async function gridRows(page: Page, side: Side): Promise<string[][]> {
  return page.$$eval(`.pane-${side} .grid-body .grid-row:not([hidden])`, (rows) =>
    rows
      .map((r) => ({ i: Number(r.getAttribute('aria-rowindex')), cells: Array.from(r.querySelectorAll('[role=gridcell]')).map((c) => c.textContent ?? '') }))
      .sort((a, b) => a.i - b.i)
      .map((r) => r.cells),
  );
}

const column = (rows: string[][], c: number) => rows.map((r) => r[c]);
const text = (page: Page, selector: string) => page.locator(selector).first().innerText();

async function runWith(o: Opened, response: RunResponse | (() => RunResponse)): Promise<void> {
  o.host.handle('run', typeof response === 'function' ? response : () => response);
  const since = o.host.mark();
  await o.page.click('#run');
  await o.host.next('run', since);
  await o.page.waitForFunction(() => !document.body.classList.contains('is-running'));
}

function assertClean(o: Opened): void {
  assert.deepEqual(o.host.invalid, [], 'every message the panel sent passes the host validators');
  assert.deepEqual(o.errors, [], 'no page errors');
}

describe('Run as User panel (Chromium)', function () {
  this.timeout(60_000);

  it('sends ready once loaded and shows the init state', async () => {
    const o = await openPanel();
    assert.equal(o.host.received[0].type, 'ready');
    assert.equal(await o.page.inputValue('#sql'), 'select * from todos order by id');
    assert.equal(await o.page.inputValue('#path-select'), 'playground');
    const options = await o.page.$$eval('#path-select option', (os) => os.map((x) => ({ text: x.textContent, disabled: (x as HTMLOptionElement).disabled })));
    assert.deepEqual(options, [
      { text: 'Neon Authorize HTTP (unavailable: no authenticated connection string)', disabled: true },
      { text: 'Self-verified claims', disabled: false },
      { text: 'Playground', disabled: false },
    ]);
    assert.ok((await text(o.page, '#connection-label')).includes(`neondb_owner:${SECRET_PLACEHOLDER}@ep-quiet-sky`));
    assert.match(await text(o.page, '#path-info'), /embedded Postgres/);
    assert.equal(await o.page.locator('#history-select option').count(), 4);
    await o.page.selectOption('#history-select', '1');
    assert.equal(await o.page.inputValue('#sql'), 'select count(*) from todos');
    // Personas appear once the persona source is chosen.
    await o.page.click('label:has-text("Persona")');
    const personaOptions = await o.page.$$eval('#persona-select option', (os) => os.map((x) => x.textContent));
    assert.deepEqual(personaOptions, ['alice (sub user_2alice, role authenticated, playground key)', 'bob (sub user_2bob, role authenticated, key stack-1)']);
    assertClean(o);
  });

  it('runs as a persona on the chosen path and marks the rows RLS hid in the owner grid', async () => {
    const o = await openPanel();
    o.host.handle('inspectToken', () => inspection(Math.floor(Date.now() / 1000) + 3600));
    await o.page.click('label:has-text("Persona")');
    await o.page.selectOption('#persona-select', 'p-alice');
    await o.page.selectOption('#path-select', 'self-verified');
    await runWith(o, () => ({ ...ranTodos(), path: 'self-verified', pathLabel: 'Self-verified claims on neondb (role authenticated)' }));
    const run = o.host.all('run')[0];
    assert.deepEqual(run, { type: 'run', id: run.id, sql: 'select * from todos order by id', token: { kind: 'persona', personaId: 'p-alice' }, path: 'self-verified' });

    assert.deepEqual(column(await gridRows(o.page, 'user'), 0), ['1', '10']);
    assert.deepEqual(column(await gridRows(o.page, 'owner'), 0), ['1', '2', '3', '10', '4', '5']);
    assert.equal(await text(o.page, '#user-title'), 'As alice (role authenticated)');
    assert.equal(await text(o.page, '#user-stats'), '2 rows · 7 ms');
    assert.equal(await text(o.page, '#owner-stats'), '6 rows · 5 ms');
    const marked = await o.page.$$eval('.pane-owner .grid-row.is-hidden-row', (rows) =>
      rows.map((r) => ({ id: r.querySelector('[role=gridcell]')!.textContent, label: r.querySelector('.grid-mark')!.getAttribute('aria-label') })),
    );
    assert.deepEqual(marked, ['2', '3', '4', '5'].map((id) => ({ id, label: 'hidden from the user' })));
    assert.equal(await o.page.locator('.pane-user .grid-row.is-hidden-row').count(), 0);
    assert.equal(await text(o.page, '#owner-hidden-badge'), '4 rows hidden from the user');
    assert.match(await text(o.page, '.pane-user .pane-banner'), /RLS hid 4 rows of 6[\s\S]*matched by primary key/);
    assert.match(await text(o.page, '#path-info'), /Ran via Self-verified claims on neondb/);
    // Typed columns: numbers right-aligned, booleans shown as true/false.
    const idAlign = await o.page.$eval('.pane-owner .grid-body .grid-row [aria-colindex="2"]', (c) => getComputedStyle(c).textAlign);
    assert.equal(idAlign, 'right');
    assert.deepEqual(column(await gridRows(o.page, 'owner'), 3), ['false', 'true', 'false', 'true', 'false', 'NULL']);
    await o.page.screenshot({ path: screenshotPath('run-as-user-todos'), fullPage: true });
    assertClean(o);
  });

  it('uses the hidden-row indices the host computed', async () => {
    const o = await openPanel();
    await runWith(o, { ...ranTodos(), hiddenOwnerRows: [1, 5], hiddenMatchedBy: 'whole-row' });
    const marked = await o.page.$$eval('.pane-owner .grid-row.is-hidden-row [aria-colindex="2"]', (cells) => cells.map((c) => c.textContent));
    assert.deepEqual(marked, ['2', '5']);
    assert.match(await text(o.page, '.pane-user .pane-banner'), /RLS hid 2 rows of 6[\s\S]*matched by whole row/);
    assertClean(o);
  });

  it('shows NULL apart from empty text', async () => {
    const o = await openPanel();
    await runWith(o, ranTodos());
    const cells = await o.page.$$eval('.pane-owner .grid-body .grid-row:not([hidden])', (rows) =>
      rows.map((r) => {
        const task = r.querySelector('[aria-colindex="4"]')!;
        return { id: r.querySelector('[aria-colindex="2"]')!.textContent, text: task.textContent, cls: task.className, label: task.getAttribute('aria-label') };
      }),
    );
    const byId = Object.fromEntries(cells.map((c) => [c.id, c]));
    assert.equal(byId['4'].text, '');
    assert.match(byId['4'].cls, /is-empty/);
    assert.equal(byId['4'].label, 'empty text');
    assert.equal(byId['5'].text, 'NULL');
    assert.match(byId['5'].cls, /is-null/);
    assert.doesNotMatch(byId['1'].cls, /is-null|is-empty/);
    // A line break is shown as a mark, not as a taller row.
    assert.equal(byId['10'].text, 'line one↵line two');
    assertClean(o);
  });

  it('sorts by a column: numbers numerically, NULLs last ascending, then descending, then original order', async () => {
    const o = await openPanel();
    await runWith(o, ranTodos());
    const idHeader = o.page.locator('.pane-owner .grid-colhead').nth(0);
    await idHeader.locator('button').click();
    assert.equal(await idHeader.getAttribute('aria-sort'), 'ascending');
    assert.deepEqual(column(await gridRows(o.page, 'owner'), 0), ['1', '2', '3', '4', '5', '10']);
    await idHeader.locator('button').click();
    assert.equal(await idHeader.getAttribute('aria-sort'), 'descending');
    assert.deepEqual(column(await gridRows(o.page, 'owner'), 0), ['10', '5', '4', '3', '2', '1']);
    await idHeader.locator('button').click();
    assert.equal(await idHeader.getAttribute('aria-sort'), 'none');
    assert.deepEqual(column(await gridRows(o.page, 'owner'), 0), ['1', '2', '3', '10', '4', '5']);

    await o.page.locator('.pane-owner .grid-colhead').nth(2).locator('button').click();
    assert.deepEqual(column(await gridRows(o.page, 'owner'), 2), ['', 'Buy milk', 'line one↵line two', 'Pay "rent", today', 'Walk the dog', 'NULL']);
    // Hidden marks follow their rows through the sort.
    const marked = await o.page.$$eval('.pane-owner .grid-row.is-hidden-row [aria-colindex="2"]', (cells) => cells.map((c) => c.textContent).sort());
    assert.deepEqual(marked, ['2', '3', '4', '5']);
    assertClean(o);
  });

  it('filters rows, alone or with only the hidden ones', async () => {
    const o = await openPanel();
    await runWith(o, ranTodos());
    await o.page.fill('#owner-filter', 'BOB');
    await o.page.press('#owner-filter', 'Enter');
    assert.deepEqual(column(await gridRows(o.page, 'owner'), 0), ['2', '3', '4', '5']);
    assert.equal(await text(o.page, '#owner-stats'), '4 of 6 rows · 5 ms');
    await o.page.fill('#owner-filter', 'milk');
    await o.page.press('#owner-filter', 'Enter');
    assert.deepEqual(column(await gridRows(o.page, 'owner'), 0), ['1']);
    await o.page.check('#owner-only-hidden');
    assert.deepEqual(await gridRows(o.page, 'owner'), []);
    assert.equal(await text(o.page, '#owner-stats'), '0 of 6 rows · 5 ms');
    await o.page.fill('#owner-filter', '');
    await o.page.press('#owner-filter', 'Enter');
    assert.deepEqual(column(await gridRows(o.page, 'owner'), 0), ['2', '3', '4', '5']);
    // Filtering matches what cells show: "true" finds booleans.
    await o.page.uncheck('#owner-only-hidden');
    await o.page.fill('#owner-filter', 'true');
    await o.page.press('#owner-filter', 'Enter');
    assert.deepEqual(column(await gridRows(o.page, 'owner'), 0), ['2', '10']);
    assertClean(o);
  });

  it('exports the rows shown as CSV and JSON, quoting and keeping NULL apart from empty text', async () => {
    const o = await openPanel();
    o.host.handle('export', (req) => ({ saved: true, location: `/tmp/${req.suggestedName}` }));
    await runWith(o, ranTodos());
    let since = o.host.mark();
    await o.page.click('.pane-owner button:has-text("Export CSV")');
    const csv = await o.host.next('export', since);
    assert.equal(csv.format, 'csv');
    assert.equal(csv.grid, 'owner');
    assert.equal(csv.suggestedName, 'owner-rows.csv');
    assert.equal(
      csv.content,
      [
        'id,user_id,task,is_complete,inserted_at',
        '1,user_2alice,Buy milk,f,2026-01-05 09:00:00',
        '2,user_2bob,Walk the dog,t,2026-01-05 09:10:00',
        '3,user_2bob,"Pay ""rent"", today",f,2026-01-05 09:20:00',
        '10,user_2alice,"line one\nline two",t,2026-01-06 10:00:00',
        '4,user_2bob,"",f,2026-01-06 11:00:00',
        '5,user_2bob,,,2026-01-07 12:00:00',
      ].join('\r\n') + '\r\n',
    );
    await o.page.waitForSelector('.status-info:has-text("Exported 6 rows to /tmp/owner-rows.csv")');

    // JSON follows the current sort and filter.
    await o.page.locator('.pane-owner .grid-colhead').nth(0).locator('button').click();
    await o.page.locator('.pane-owner .grid-colhead').nth(0).locator('button').click();
    await o.page.fill('#owner-filter', 'user_2');
    await o.page.press('#owner-filter', 'Enter');
    since = o.host.mark();
    await o.page.click('.pane-owner button:has-text("Export JSON")');
    const json = await o.host.next('export', since);
    assert.equal(json.format, 'json');
    assert.deepEqual(JSON.parse(json.content), [
      { id: '10', user_id: ALICE, task: 'line one\nline two', is_complete: true, inserted_at: '2026-01-06 10:00:00' },
      { id: '5', user_id: 'user_2bob', task: null, is_complete: null, inserted_at: '2026-01-07 12:00:00' },
      { id: '4', user_id: 'user_2bob', task: '', is_complete: false, inserted_at: '2026-01-06 11:00:00' },
      { id: '3', user_id: 'user_2bob', task: 'Pay "rent", today', is_complete: false, inserted_at: '2026-01-05 09:20:00' },
      { id: '2', user_id: 'user_2bob', task: 'Walk the dog', is_complete: true, inserted_at: '2026-01-05 09:10:00' },
      { id: '1', user_id: ALICE, task: 'Buy milk', is_complete: false, inserted_at: '2026-01-05 09:00:00' },
    ]);

    // Typed JSON values: int4 and float8 become numbers, numeric stays exact text, jsonb is parsed.
    const typed = resultSet(
      [
        { name: 'n', dataTypeID: OID.int4 },
        { name: 'f', dataTypeID: OID.float8 },
        { name: 'big', dataTypeID: OID.numeric },
        { name: 'doc', dataTypeID: OID.jsonb },
        { name: 'n', dataTypeID: OID.int4 },
      ],
      [['42', '1.5', '12345678901234567890.000000001', '{"a":[1,null]}', '-7']],
    );
    await runWith(o, ranTodos(typed, typed));
    since = o.host.mark();
    await o.page.click('.pane-user button:has-text("Export JSON")');
    const typedJson = await o.host.next('export', since);
    assert.equal(typedJson.grid, 'user');
    assert.deepEqual(JSON.parse(typedJson.content), [{ n: 42, f: 1.5, big: '12345678901234567890.000000001', doc: { a: [1, null] }, n_2: -7 }]);
    assertClean(o);
  });

  it('copies a cell and a row through the host', async () => {
    const o = await openPanel();
    o.host.handle('copy', () => ({ copied: true }));
    await runWith(o, ranTodos());
    assert.equal(await o.page.locator('.pane-owner button[aria-label="Copy cell"]').isDisabled(), true);
    await o.page.locator('.pane-owner .grid-body .grid-row:not([hidden]) [aria-colindex="4"]').nth(2).click();
    let since = o.host.mark();
    await o.page.keyboard.press('Control+C');
    assert.deepEqual(await o.host.next('copy', since), { type: 'copy', id: o.host.all('copy')[0].id, what: 'cell', text: 'Pay "rent", today' });
    since = o.host.mark();
    await o.page.click('.pane-owner button[aria-label="Copy row"]');
    const row = await o.host.next('copy', since);
    assert.equal(row.what, 'row');
    assert.equal(row.text, '3,user_2bob,"Pay ""rent"", today",f,2026-01-05 09:20:00');
    // Arrow keys move the active cell; the grid exposes it to assistive tech.
    await o.page.focus('.pane-owner .grid');
    await o.page.keyboard.press('ArrowDown');
    await o.page.keyboard.press('ArrowDown');
    since = o.host.mark();
    await o.page.keyboard.press('Control+C');
    assert.equal((await o.host.next('copy', since)).text, '', 'row id 4 has an empty task');
    const activeId = await o.page.getAttribute('.pane-owner .grid', 'aria-activedescendant');
    assert.equal(await o.page.locator(`[id="${activeId}"]`).getAttribute('aria-selected'), 'true');
    await o.page.waitForSelector('.status-info:has-text("Copied the cell.")');
    assertClean(o);
  });

  it('scrolls 100k rows while keeping only a window of rows in the DOM', async () => {
    const o = await openPanel();
    const since = o.host.mark();
    await o.page.click('#run');
    const run = await o.host.next('run', since);
    // Rows go packed, as panel.ts posts them (packForWebview): one string per side, quick to hand to the
    // page, where the answer is posted exactly as the host's message would arrive.
    const n = 100_000;
    const rows: string[][] = [];
    const hidden: number[] = [];
    for (let i = 0; i < n; i++) {
      rows.push([String(i + 1), `row ${i + 1}`]);
      if (i % 2 === 1) hidden.push(i);
    }
    await o.page.evaluate(
      ({ id, userRows, ownerRows, hidden }) => {
        const fields = [
          { name: 'id', dataTypeID: 23 },
          { name: 'label', dataTypeID: 25 },
        ];
        const user = { fields, rows: userRows, rowCount: userRows.count, command: 'SELECT', durationMs: 3.2 };
        const owner = { fields, rows: ownerRows, rowCount: ownerRows.count, command: 'SELECT', durationMs: 3.2, keyColumns: [0] };
        const result = { kind: 'ran', path: 'playground', pathLabel: 'Playground', identityLabel: 'alice', user: { kind: 'rows', result: user }, owner: { kind: 'rows', result: owner }, hiddenOwnerRows: hidden, hiddenMatchedBy: 'primary-key', notes: [] };
        window.postMessage({ type: 'response', id, ok: true, result }, '*');
      },
      { id: run.id, userRows: packRows(rows.filter((_, i) => i % 2 === 0)), ownerRows: packRows(rows), hidden },
    );
    await o.page.waitForFunction(() => !document.body.classList.contains('is-running'));
    assert.equal(await text(o.page, '#owner-stats'), '100,000 rows · 3 ms');
    assert.equal(await text(o.page, '#owner-hidden-badge'), '50,000 rows hidden from the user');
    const domRows = () => o.page.locator('.pane-owner .grid-body .grid-row').count();
    assert.ok((await domRows()) < 80, `only the visible window is rendered, not ${await domRows()} rows`);

    // Scroll in steps like a wheel would, then jump to the end.
    for (let i = 1; i <= 5; i++) await o.page.$eval('.pane-owner .grid', (g, step) => (g.scrollTop = step * 20_000), i);
    await o.page.$eval('.pane-owner .grid', (g) => (g.scrollTop = g.scrollHeight));
    await o.page.waitForFunction(() => Array.from(document.querySelectorAll('.pane-owner .grid-body .grid-row:not([hidden]) [aria-colindex="3"]')).some((c) => c.textContent === 'row 100000'));
    const lastRows = await gridRows(o.page, 'owner');
    assert.deepEqual(lastRows.at(-1), ['100000', 'row 100000']);
    assert.equal(await o.page.locator('.pane-owner .grid-row[aria-rowindex="100001"]').count(), 1);
    assert.ok((await domRows()) < 80, `still a small window after scrolling: ${await domRows()} rows`);
    // The last row is actually inside the visible viewport, below the sticky header.
    const visible = await o.page.$eval('.pane-owner .grid', (g) => {
      const last = g.querySelector('.grid-row[aria-rowindex="100001"]')!.getBoundingClientRect();
      const box = g.getBoundingClientRect();
      return last.bottom <= box.bottom + 1 && last.top >= box.top;
    });
    assert.ok(visible, 'the last row is within the grid viewport');
    const lastMark = await o.page.$eval('.pane-owner .grid-row[aria-rowindex="100001"]', (r) => r.classList.contains('is-hidden-row'));
    assert.equal(lastMark, true, 'row 100000 (index 99999, odd) is hidden from the user');

    // Sorting 100k rows descending brings the last row to the top.
    await o.page.$eval('.pane-owner .grid', (g) => (g.scrollTop = 0));
    await o.page.locator('.pane-owner .grid-colhead').nth(0).locator('button').click();
    await o.page.locator('.pane-owner .grid-colhead').nth(0).locator('button').click();
    assert.deepEqual((await gridRows(o.page, 'owner'))[0], ['100000', 'row 100000']);
    await o.page.screenshot({ path: screenshotPath('run-as-user-100k') });
    assertClean(o);
  });

  it('maps scrolling proportionally when rows exceed the browser height limit (500k rows)', async () => {
    const o = await openPanel();
    const since = o.host.mark();
    await o.page.click('#run');
    const run = await o.host.next('run', since);
    const n = 500_000;
    const rows: string[][] = [];
    for (let i = 0; i < n; i++) rows.push([String(i + 1)]);
    await o.page.evaluate(
      ({ id, packed }) => {
        const fields = [{ name: 'id', dataTypeID: 23 }];
        const side = { fields, rows: packed, rowCount: packed.count, command: 'SELECT', durationMs: 1 };
        const result = { kind: 'ran', path: 'playground', pathLabel: 'Playground', identityLabel: 'alice', user: { kind: 'rows', result: side }, owner: { kind: 'rows', result: side }, hiddenOwnerRows: [], notes: [] };
        window.postMessage({ type: 'response', id, ok: true, result }, '*');
      },
      { id: run.id, packed: packRows(rows) },
    );
    await o.page.waitForFunction(() => !document.body.classList.contains('is-running'));
    const height = await o.page.$eval('.pane-user .grid-body', (b) => b.getBoundingClientRect().height);
    assert.ok(height < 500_000 * 24, `the body is capped (${height}px)`);
    await o.page.$eval('.pane-user .grid', (g) => (g.scrollTop = g.scrollHeight));
    await o.page.waitForFunction(() => document.querySelector('.pane-user .grid-row[aria-rowindex="500001"]') !== null);
    const lastVisible = await o.page.$eval('.pane-user .grid', (g) => {
      const last = g.querySelector('.grid-row[aria-rowindex="500001"]')!.getBoundingClientRect();
      const box = g.getBoundingClientRect();
      return last.bottom <= box.bottom + 1 && last.top >= box.top;
    });
    assert.ok(lastVisible, 'the last of 500k rows can be scrolled into view');
    await o.page.$eval('.pane-user .grid', (g) => (g.scrollTop = (g.scrollHeight - g.clientHeight) / 2));
    await o.page.waitForFunction(() => document.querySelector('.pane-user .grid-row[aria-rowindex="500001"]') === null);
    const middle = Number((await gridRows(o.page, 'user'))[10][0]);
    assert.ok(middle > 240_000 && middle < 260_000, `halfway down shows rows near 250k, got ${middle}`);
    // Keyboard navigation reaches the end too.
    await o.page.click('.pane-user .grid-body .grid-row:not([hidden]) [role=gridcell]');
    await o.page.keyboard.press('Control+End');
    await o.page.waitForFunction(() => document.querySelector('.pane-user .grid-row[aria-rowindex="500001"] .is-active') !== null);
    assertClean(o);
  });

  it('says "RLS hid N rows" when the user sees nothing the owner sees', async () => {
    const o = await openPanel();
    await runWith(o, ranTodos(resultSet(ownerTodos().fields, []), ownerTodos()));
    const banner = await text(o.page, '.pane-user .pane-banner');
    assert.match(banner, /^RLS hid 6 rows/);
    assert.match(banner, /The owner sees 6 rows; alice \(role authenticated\) sees none/);
    assert.equal(await o.page.locator('.pane-owner .grid-row.is-hidden-row').count(), 6);
    await o.page.screenshot({ path: screenshotPath('run-as-user-rls-hid') });

    // Both empty: say so, and that it is not RLS.
    await runWith(o, ranTodos(resultSet(ownerTodos().fields, []), resultSet(ownerTodos().fields, [])));
    assert.match(await text(o.page, '.pane-user .pane-banner'), /No rows[\s\S]*owner sees no rows either/);
    assertClean(o);
  });

  it('explains an error and posts the fix the user clicks', async () => {
    const o = await openPanel();
    o.host.handle('runFix', (req) => ({ message: `Opened a grants script for ${req.target}.` }));
    await runWith(o, {
      ...ranTodos(),
      user: {
        kind: 'error',
        error: {
          title: 'The authenticated role may not read todos',
          message: 'Postgres refused the query: permission denied for table todos. RLS policies only apply after table privileges are granted.',
          code: '42501',
          hint: 'Grant SELECT, INSERT, UPDATE, DELETE on the table to authenticated.',
          fixes: [
            { label: 'Scaffold Grants', action: 'scaffoldGrants', target: 'public.todos' },
            { label: 'Install pg_session_jwt', action: 'installPgSessionJwt' },
          ],
        },
      },
      notes: [{ level: 'warning', message: 'auth.user_id() returned NULL on the owner connection.' }],
    });
    assert.equal(await text(o.page, '.pane-user .error-title'), 'The authenticated role may not read todos');
    assert.match(await text(o.page, '.pane-user .error-code'), /42501/);
    assert.match(await text(o.page, '.pane-user .error-hint'), /Grant SELECT/);
    assert.match(await text(o.page, '.notes'), /auth.user_id\(\) returned NULL/);
    assert.equal(await o.page.locator('.pane-user .pane-banner').isVisible(), false, 'no RLS banner when the user side failed');
    await o.page.screenshot({ path: screenshotPath('run-as-user-error'), fullPage: true });
    const since = o.host.mark();
    await o.page.click('.pane-user button:has-text("Scaffold Grants")');
    const fix = await o.host.next('runFix', since);
    assert.deepEqual(fix, { type: 'runFix', id: fix.id, action: 'scaffoldGrants', target: 'public.todos' });
    await o.page.waitForSelector('.status-info:has-text("Opened a grants script for public.todos.")');
    assertClean(o);
  });

  it('shows a failed request with the fix the host offers', async () => {
    const o = await openPanel();
    o.host.handle('runFix', () => ({}));
    await runWith(o, () => {
      throw new HostError('The playground is not running. Start it, then run again.', fixButton(fixAction('openPlayground')));
    });
    await o.page.waitForSelector('[role=alert] .status-error:has-text("The playground is not running")');
    const since = o.host.mark();
    await o.page.click(`[role=alert] button:has-text("${fixLabel('openPlayground')}")`);
    assert.equal((await o.host.next('runFix', since)).action, 'openPlayground');
    assert.match(await text(o.page, '.pane-user .pane-body'), /did not complete/);
    assertClean(o);
  });

  it('shows every fix a failed request offers, each posting its own', async () => {
    const o = await openPanel();
    o.host.handle('runFix', (req) => ({ message: `${req.action} started.` }));
    await runWith(o, () => {
      throw new HostError(
        'Not shown: RLS would not apply to "neondb_owner". Connect the user side with DATABASE_AUTHENTICATED_URL.',
        { label: 'Select Connection', action: 'chooseConnection' },
        { label: 'Scaffold Grants', action: 'scaffoldGrants', target: 'public.todos' },
      );
    });
    await o.page.waitForSelector('[role=alert] .status-error:has-text("RLS would not apply")');
    assert.deepEqual(await o.page.locator('[role=alert] .status-error button:not([aria-label="Dismiss"])').allTextContents(), ['Select Connection', 'Scaffold Grants']);

    let since = o.host.mark();
    await o.page.click('[role=alert] button:has-text("Select Connection")');
    const connectionFix = await o.host.next('runFix', since);
    assert.deepEqual(connectionFix, { type: 'runFix', id: connectionFix.id, action: 'chooseConnection' });
    await o.page.waitForSelector('.status-info:has-text("chooseConnection started.")');

    // The status line now shows the first fix's outcome; the request fails again to show both buttons.
    await runWith(o, () => {
      throw new HostError('Still not shown.', { label: 'Select Connection', action: 'chooseConnection' }, { label: 'Scaffold Grants', action: 'scaffoldGrants', target: 'public.todos' });
    });
    since = o.host.mark();
    await o.page.click('[role=alert] button:has-text("Scaffold Grants")');
    const grants = await o.host.next('runFix', since);
    assert.deepEqual(grants, { type: 'runFix', id: grants.id, action: 'scaffoldGrants', target: 'public.todos' });
    await o.page.waitForSelector('.status-info:has-text("scaffoldGrants started.")');
    assertClean(o);
  });

  it('inspects a pasted token: claims, readable times, countdown, verification and warnings', async () => {
    const o = await openPanel();
    const exp = Math.floor(Date.now() / 1000) + 3600;
    o.host.handle('inspectToken', () => inspection(exp));
    await o.page.click('label:has-text("Paste a token")');
    const since = o.host.mark();
    await o.page.fill('#token-input', PASTED_TOKEN);
    const req = await o.host.next('inspectToken', since);
    assert.deepEqual(req.token, { kind: 'pasted', token: PASTED_TOKEN });
    assert.equal(req.path, 'playground');
    await o.page.waitForSelector('table.claims');
    const claims = await o.page.$$eval('table.claims:nth-of-type(2) tbody tr', (rows) => rows.map((r) => Array.from(r.children).map((c) => c.textContent)));
    assert.deepEqual(claims.slice(0, 3), [
      ['sub', `"${ALICE}"`, ''],
      ['role', '"authenticated"', ''],
      ['iat', '1767603600', '2026-01-05 09:00:00 UTC'],
    ]);
    assert.equal(claims[3][0], 'exp');
    assert.match(claims[3][2]!, / UTC$/);
    // The countdown is written by its first tick, which may follow the claims table by a frame.
    await o.page.waitForFunction(() => (document.querySelector('#token-expiry')?.textContent ?? '') !== '');
    assert.match(await text(o.page, '#token-expiry'), /^Expires in (59|60) min/);
    assert.match(await text(o.page, '.verification'), /^Verified: Signature checked/);
    assert.equal(await o.page.getAttribute('.warning', 'data-code'), 'aud-mismatch');
    await o.page.screenshot({ path: screenshotPath('run-as-user-inspector'), fullPage: true });

    // An expired token counts up instead.
    o.host.handle('inspectToken', () => inspection(Math.floor(Date.now() / 1000) - 125));
    await o.page.fill('#token-input', PASTED_TOKEN + 'x');
    await o.page.waitForFunction(() => /^Expired 2 min \d+ s ago/.test(document.querySelector('#token-expiry')?.textContent ?? ''));

    // A run with a pasted token sends it; anonymous sends none.
    await runWith(o, ranTodos());
    assert.deepEqual(o.host.all('run').at(-1)!.token, { kind: 'pasted', token: PASTED_TOKEN + 'x' });
    await o.page.click('label:has-text("Anonymous")');
    await runWith(o, ranTodos());
    assert.deepEqual(o.host.all('run').at(-1)!.token, { kind: 'anonymous' });
    assert.match(await text(o.page, '.inspector'), /Anonymous: no token is sent/);
    assertClean(o);
  });

  it('mints a token from a persona form, uses it, and saves personas without keeping keys', async () => {
    const o = await openPanel();
    o.host.handle('mintToken', () => ({ token: 'eyJtaW50ZWQ.eyJzdWIiOiJ1c2VyXzJjYXJvbCJ9.c2ln', inspection: inspection(Math.floor(Date.now() / 1000) + 600) }));
    o.host.handle('inspectToken', () => inspection(Math.floor(Date.now() / 1000) + 600));
    await o.page.click('button:has-text("New persona…")');
    await o.page.fill('#persona-name', 'carol');
    await o.page.fill('#persona-sub', 'user_2carol');
    await o.page.fill('#persona-exp', '10m');
    await o.page.fill('#persona-claims', '{"org_id": ');
    let since = o.host.mark();
    await o.page.click('button:has-text("Mint and use")');
    assert.match(await text(o.page, '#persona-claims-error'), /not valid JSON/);
    await o.page.fill('#persona-claims', '["not an object"]');
    await o.page.click('button:has-text("Mint and use")');
    assert.match(await text(o.page, '#persona-claims-error'), /must be a JSON object/);
    assert.equal(o.host.all('mintToken').length, 0, 'nothing is sent while the claims are invalid');

    await o.page.fill('#persona-claims', '{"org_id": "acme"}');
    await o.page.click('button:has-text("Mint and use")');
    const mint = await o.host.next('mintToken', since);
    assert.deepEqual(mint.persona, { name: 'carol', sub: 'user_2carol', role: 'authenticated', expiresIn: '10m', extraClaims: '{"org_id": "acme"}', keySource: { kind: 'playground' } });
    await o.page.waitForFunction(() => (document.querySelector('#token-input') as HTMLTextAreaElement).value.startsWith('eyJtaW50ZWQ'));
    await runWith(o, ranTodos());
    assert.deepEqual(o.host.all('run').at(-1)!.token, { kind: 'pasted', token: 'eyJtaW50ZWQ.eyJzdWIiOiJ1c2VyXzJjYXJvbCJ9.c2ln' });

    // Save with a private key: the key goes to the host once and never into the webview state.
    const privateKey = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg-secret-key-material\n-----END PRIVATE KEY-----';
    o.host.handle('savePersona', (req) => ({ persona: { id: 'p-carol', name: req.persona.name, sub: req.persona.sub, role: req.persona.role, expiresIn: req.persona.expiresIn, extraClaims: req.persona.extraClaims, keySource: { kind: 'private-key', label: 'key carol-1' } } }));
    await o.page.click('button:has-text("New persona…")');
    await o.page.fill('#persona-name', 'carol');
    await o.page.fill('#persona-sub', 'user_2carol');
    await o.page.selectOption('#persona-key-kind', 'private-key');
    await o.page.fill('#persona-key', privateKey);
    await o.page.fill('#persona-kid', 'carol-1');
    since = o.host.mark();
    await o.page.click('button:has-text("Save persona")');
    const save = await o.host.next('savePersona', since);
    assert.deepEqual(save.persona.keySource, { kind: 'private-key', key: privateKey, alg: 'ES256', kid: 'carol-1' });
    await o.page.waitForFunction(() => (document.querySelector('#persona-select') as HTMLSelectElement).value === 'p-carol');
    const state = JSON.stringify(await o.page.evaluate(() => (window as unknown as { __nawState(): unknown }).__nawState()));
    assert.ok(!state.includes('secret-key-material'), 'the private key is not in the webview state');
    assert.ok(!state.includes('eyJtaW50ZWQ'), 'the minted token is not in the webview state');
    assert.ok(state.includes('"mode":"persona"'), 'the token mode is remembered');

    // Editing a persona saved with a key and leaving the key empty reuses the stored one.
    await o.page.click('button[aria-label="Edit persona"]');
    await o.page.fill('#persona-sub', 'user_2carol2');
    since = o.host.mark();
    await o.page.click('button:has-text("Save persona")');
    const edit = await o.host.next('savePersona', since);
    assert.equal(edit.replaceId, 'p-carol');
    assert.deepEqual(edit.persona.keySource, { kind: 'stored-key', personaId: 'p-carol', alg: 'ES256' });
    assertClean(o);
  });

  it('keeps the SQL draft and choices across a reload, but never a pasted token', async () => {
    const o = await openPanel();
    o.host.handle('inspectToken', () => inspection(null));
    await o.page.fill('#sql', 'select 1 as draft');
    await o.page.click('label:has-text("Paste a token")');
    await o.page.fill('#token-input', PASTED_TOKEN);
    await o.page.selectOption('#path-select', 'self-verified');
    // The SQL draft is saved once typing pauses.
    await o.page.waitForFunction(() => JSON.stringify((window as unknown as { __nawState(): unknown }).__nawState()).includes('select 1 as draft'));
    const state = JSON.stringify(await o.page.evaluate(() => (window as unknown as { __nawState(): unknown }).__nawState()));
    assert.ok(!state.includes(PASTED_TOKEN.slice(0, 20)), 'the token is not in the webview state');
    assert.match(state, /select 1 as draft/);
    o.host.initState = initState({ sql: '' });
    const since = o.host.mark();
    await o.page.reload();
    await o.host.next('ready', since);
    await o.page.waitForFunction(() => document.querySelectorAll('#path-select option').length > 0);
    assert.equal(await o.page.inputValue('#sql'), 'select 1 as draft');
    assert.equal(await o.page.inputValue('#path-select'), 'self-verified');
    assert.equal(await o.page.isChecked('input[value="pasted"]'), true);
    assert.equal(await o.page.inputValue('#token-input'), '');
    assertClean(o);
  });

  it('asks before a write, runs it once on the user side, then shows the affected table', async () => {
    const o = await openPanel();
    await o.page.fill('#sql', "update todos set is_complete = true where task = 'Buy milk'");
    const updated = todoRows.map((r) => (r[0] === '1' ? [r[0], r[1], r[2], 't', r[4]] : r));
    o.host.handle('run', (req) =>
      req.confirmWriteId
        ? {
            kind: 'ran',
            path: 'playground',
            pathLabel: 'Playground',
            identityLabel: 'alice (role authenticated)',
            user: { kind: 'rows', result: resultSet([], [], { command: 'UPDATE', rowCount: 1 }) },
            owner: { kind: 'rows', result: resultSet(ownerTodos().fields, updated, { keyColumns: [0] }), caption: 'public.todos after the update (owner, read-only)' },
            notes: [{ level: 'info', message: 'The statement ran once, as alice. The owner side only read the table afterwards.' }],
          }
        : { kind: 'confirm-write', confirmationId: 'c-1', command: 'UPDATE', table: 'public.todos', message: 'It will run once, as alice, on the user side only.' },
    );
    let since = o.host.mark();
    await o.page.click('#run');
    await o.page.waitForSelector('.confirm-bar:not([hidden])');
    assert.match(await text(o.page, '.confirm-bar'), /UPDATE changes data[\s\S]*run once, as alice[\s\S]*shows public.todos/);
    assert.equal(o.host.all('run').length, 1);
    assert.equal(o.host.all('run')[0].confirmWriteId, undefined);

    // Cancel: nothing more is sent.
    await o.page.click('#cancel-write');
    assert.equal(await o.page.locator('.confirm-bar').isVisible(), false);
    assert.match(await text(o.page, '.pane-user .pane-body'), /did not run/);
    assert.equal(o.host.all('run').length, 1);

    await o.page.click('#run');
    await o.page.waitForSelector('.confirm-bar:not([hidden])');
    since = o.host.mark();
    await o.page.click('#confirm-write');
    const confirmed = await o.host.next('run', since);
    assert.equal(confirmed.confirmWriteId, 'c-1');
    await o.page.waitForFunction(() => !document.body.classList.contains('is-running'));
    assert.match(await text(o.page, '.pane-user .pane-body'), /UPDATE 1: 1 row affected/);
    assert.equal(await text(o.page, '#owner-title'), 'public.todos after the update (owner, read-only)');
    assert.equal(await o.page.locator('.pane-owner .grid-row.is-hidden-row').count(), 0, 'a table shown after a write is not compared');
    assert.equal(o.host.all('run').length, 3);
    assertClean(o);
  });

  it('is keyboard reachable: Ctrl+Enter runs, Tab reaches the controls, Enter and Space press buttons', async () => {
    const o = await openPanel();
    await runWith(o, ranTodos());
    let since = o.host.mark();
    await o.page.focus('#sql');
    await o.page.keyboard.press('Control+Enter');
    await o.host.next('run', since);
    await o.page.waitForFunction(() => !document.body.classList.contains('is-running'));

    await o.page.focus('#path-select');
    const reached: string[] = [];
    for (let i = 0; i < 40; i++) {
      await o.page.keyboard.press('Tab');
      reached.push(await o.page.evaluate(() => {
        const a = document.activeElement as HTMLElement;
        return a.id || a.getAttribute('aria-label') || (a.textContent ?? '').trim() || a.className;
      }));
    }
    for (const expected of ['run', 'sql', 'history-select', 'token-mode-1-anonymous', 'Rows the user sees', "Rows the owner sees", 'user-filter', 'Export CSV', 'owner-only-hidden']) {
      assert.ok(reached.includes(expected), `Tab reaches ${expected}: ${reached.join(' | ')}`);
    }
    since = o.host.mark();
    await o.page.focus('#run');
    await o.page.keyboard.press('Enter');
    await o.host.next('run', since);
    await o.page.waitForFunction(() => !document.body.classList.contains('is-running'));
    since = o.host.mark();
    await o.page.focus('#run');
    await o.page.keyboard.press('Space');
    await o.host.next('run', since);
    // Icon-only buttons have names.
    const unnamed = await o.page.$$eval('button', (bs) => bs.filter((b) => !(b.getAttribute('aria-label') || b.textContent?.trim())).length);
    assert.equal(unnamed, 0);
    assertClean(o);
  });

  it('ignores malformed messages from the host and reports an unreadable answer', async () => {
    const o = await openPanel();
    await o.host.send({ type: 'init', state: { sql: 5 } });
    await o.page.waitForSelector('.status-warning:has-text("Ignored a malformed message")');
    await o.host.send({ type: 'response', id: 999, ok: true, result: {} });
    await o.page.waitForSelector('.status-warning:has-text("not waiting for one")');
    assert.equal(await o.page.inputValue('#sql'), 'select * from todos order by id', 'the bad init changed nothing');
    // A run answer that points outside the owner's rows is refused as a whole.
    await runWith(o, { ...ranTodos(), hiddenOwnerRows: [99] });
    await o.page.waitForSelector('[role=alert] .status-error:has-text("cannot read")');
    // Events the host pushes later are applied.
    await o.host.send({ type: 'setSql', sql: 'select 2' });
    await o.page.waitForFunction(() => (document.querySelector('#sql') as HTMLTextAreaElement).value === 'select 2');
    await o.host.send({ type: 'notify', level: 'info', message: 'Connected to the playground.' });
    await o.page.waitForSelector('.status-info:has-text("Connected to the playground.")');
    await o.host.send({ type: 'connectionChanged', connectionLabel: 'playground (embedded)', paths: [{ path: 'playground', label: 'Playground', available: true }], selectedPath: 'playground' });
    await o.page.waitForFunction(() => document.querySelector('#connection-label')?.textContent === 'playground (embedded)');
    assert.equal(await o.page.locator('#path-select option').count(), 1);
    assertClean(o);
  });

  it('reports packed rows it cannot read in words, and shows a good answer after', async () => {
    const o = await openPanel();
    let since = o.host.mark();
    await o.page.click('#run');
    const run = await o.host.next('run', since);
    const wire = packForWebview(okResponse<'run'>(run.id, ranTodos())) as { result: { owner: { result: { rows: { text: string } } } } };
    // The owner's second row has one value for five fields.
    wire.result.owner.result.rows.text = wire.result.owner.result.rows.text.replace('["2","user_2bob","Walk the dog","t","2026-01-05 09:10:00"]', '["2"]');
    await o.host.sendWire(wire);
    await o.page.waitForSelector('[role=alert] .status-error:has-text("The extension sent rows the panel cannot read")');
    assert.match(await text(o.page, '[role=alert] .status-error'), /owner\.result\.rows\[1\] has 1 values for 5 fields/);
    await runWith(o, ranTodos());
    assert.deepEqual(column(await gridRows(o.page, 'owner'), 0), ['1', '2', '3', '10', '4', '5']);
    assertClean(o);
  });

  it('cancels a running statement and deletes a saved persona', async () => {
    const o = await openPanel();
    o.host.handle('cancelRun', () => ({ cancelled: true }));
    let since = o.host.mark();
    await o.page.click('#run');
    const run = await o.host.next('run', since);
    await o.page.waitForSelector('#cancel:not([hidden])');
    assert.equal(await o.page.isDisabled('#run'), true, 'one run at a time');
    await o.page.click('#cancel');
    const cancel = await o.host.next('cancelRun', since);
    assert.equal(cancel.runId, run.id);
    await o.host.send({ type: 'response', id: run.id, ok: false, error: { message: 'Cancelled: the statement was stopped before it finished.' } });
    await o.page.waitForSelector('[role=alert] .status-error:has-text("Cancelled: the statement was stopped")');
    assert.equal(await o.page.isHidden('#cancel'), true);
    assert.equal(await o.page.isDisabled('#run'), false);

    o.host.handle('deletePersona', () => ({ deleted: true }));
    o.host.handle('inspectToken', () => inspection(null));
    await o.page.click('label:has-text("Persona")');
    await o.page.selectOption('#persona-select', 'p-bob');
    since = o.host.mark();
    await o.page.click('button[aria-label="Delete persona"]');
    assert.equal((await o.host.next('deletePersona', since)).personaId, 'p-bob');
    await o.page.waitForFunction(() => document.querySelectorAll('#persona-select option').length === 1);
    await o.host.send({ type: 'personasChanged', personas: [] });
    await o.page.waitForFunction(() => document.querySelector('#persona-select option')?.textContent === 'No saved personas yet');
    assert.equal(await o.page.isDisabled('button[aria-label="Delete persona"]'), true);
    since = o.host.mark();
    await o.page.click('#run');
    await o.page.waitForSelector('.status-warning:has-text("Choose a saved persona first")');
    assert.equal(o.host.all('run').length, 1, 'no run without a persona');
    assertClean(o);
  });

  it('runs on open when the host asks (a SQL editor selection)', async () => {
    const init = initState({ sql: 'select * from todos where id = 1', runOnOpen: true });
    context = await browser.newContext();
    const page = await context.newPage();
    const host = new FakeHost(page, init);
    host.handle('run', () => ranTodos(aliceTodos(), ownerTodos()));
    await host.install();
    await page.goto(server.url);
    const run = await host.next('run');
    assert.equal(run.sql, 'select * from todos where id = 1');
    assert.deepEqual(run.token, { kind: 'anonymous' });
  });
});

