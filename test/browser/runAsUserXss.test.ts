// Hostile text in every place the panel shows data: cells, column names, claims, token header, warnings,
// error messages, fix labels, notes, labels from the host. None may execute, none may even be parsed as
// markup (a CSP violation would mean the browser had to block something), and each must show literally.
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { ResultSet, RunResponse, TokenInspection } from '../../src/core/runAsUserProtocol/messages';
import { buildWebview, FakeHost, HostError, launchChromium, screenshotPath, startPanelServer, type PanelServer } from './harness';
import { initState, OID, resultSet } from '../fixtures/runAsUserPanel';

/** Each payload that ran would set window.__xss (or open a dialog). No line breaks: cells show those as ↵. */
const PAYLOADS = [
  '<script>window.__xss=1</script>',
  '<img src=x onerror="window.__xss=2">',
  '<svg onload="window.__xss=3"></svg>',
  '"><script>window.__xss=4</script>',
  "'><img src=x onerror=window.__xss=5>",
  '<iframe src="javascript:parent.__xss=6"></iframe>',
  'javascript:window.__xss=7',
  '<a href="javascript:window.__xss=8" id="xss8">click</a>',
  '<body onload=window.__xss=9>',
  '<details open ontoggle=window.__xss=10>',
  '<input autofocus onfocus=window.__xss=11>',
  '<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=12>',
  "<style>@import 'http://127.0.0.1:9/x.css';</style>",
  '<link rel=stylesheet href=http://127.0.0.1:9/x.css>',
  "{{constructor.constructor('window.__xss=15')()}}",
  '${window.__xss=16}',
  '<object data="javascript:window.__xss=17"></object>',
  '<embed src="javascript:window.__xss=18">',
  '<video><source onerror="window.__xss=19"></video>',
  '<marquee onstart=window.__xss=20>x</marquee>',
  '&lt;script&gt;window.__xss=21&lt;/script&gt;',
  '<!--<img src="--><img src=x onerror=window.__xss=22//">',
  '<noscript><p title="</noscript><img src=x onerror=window.__xss=23>">',
  '<form action="javascript:window.__xss=24"><button>go</button></form>',
  '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=25">',
  '<base href="javascript:window.__xss=26//">',
  '\u202e<b onmouseover=window.__xss=27>rtl</b>',
  '<img src=x onerror=alert(28)>',
  '__proto__',
  'constructor',
];

let browser: Browser;
let server: PanelServer;

before(async () => {
  buildWebview();
  [server, browser] = await Promise.all([startPanelServer(), launchChromium()]);
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const p = (i: number) => PAYLOADS[i % PAYLOADS.length];

function payloadResults(): { user: ResultSet; owner: ResultSet } {
  const user = resultSet(
    [
      { name: 'n', dataTypeID: OID.int4 },
      { name: 'payload', dataTypeID: OID.text },
    ],
    PAYLOADS.map((x, i) => [String(i), x]),
  );
  // Column names are payloads too; the cells hold them as json and text.
  const owner = resultSet(
    PAYLOADS.map((name, i) => ({ name, dataTypeID: i % 3 === 0 ? OID.jsonb : OID.text })),
    PAYLOADS.map((_, r) => PAYLOADS.map((_, c) => (c % 3 === 0 ? JSON.stringify({ v: p(r + c) }) : p(r + c)))),
  );
  return { user, owner };
}

function payloadInspection(): TokenInspection {
  return {
    header: PAYLOADS.slice(0, 5).map((x, i) => ({ name: x, value: JSON.stringify(p(i + 5)) })),
    claims: PAYLOADS.map((x, i) => ({ name: x, value: JSON.stringify(p(i + 1)), readable: p(i + 2) })),
    expiresAt: Math.floor(Date.now() / 1000) + 60,
    verification: { status: 'failed', message: p(3) },
    warnings: PAYLOADS.slice(0, 8).map((x, i) => ({ code: p(i + 9), level: 'error', message: x })),
  };
}

async function visibleTexts(page: Page, selector: string): Promise<string[]> {
  return page.$$eval(selector, (els) => els.map((e) => e.textContent ?? ''));
}

describe('Run as User panel: XSS corpus (Chromium)', function () {
  this.timeout(60_000);

  it(`shows ${PAYLOADS.length} hostile payloads literally everywhere and runs none of them`, async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1800 } });
    const page = await context.newPage();
    const dialogs: string[] = [];
    const consoleErrors: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && !m.text().includes('404') && consoleErrors.push(m.text()));

    const init = initState({
      sql: PAYLOADS[0],
      sqlHistory: PAYLOADS.slice(0, 10),
      connectionLabel: PAYLOADS[1],
      personas: PAYLOADS.slice(0, 6).map((x, i) => ({ id: `p${i}`, name: x, sub: p(i + 1), role: p(i + 2), expiresIn: '1h', extraClaims: '{}', keySource: { kind: 'private-key', label: p(i + 3) } })),
      paths: [
        { path: 'self-verified', label: PAYLOADS[2], available: true, description: PAYLOADS[3] },
        { path: 'authorize-http', label: PAYLOADS[4], available: false, unavailableReason: PAYLOADS[5] },
        { path: 'playground', label: 'Playground', available: true },
      ],
      selectedPath: 'self-verified',
    });
    const host = new FakeHost(page, init);
    const { user, owner } = payloadResults();
    const ran: RunResponse = {
      kind: 'ran',
      path: 'self-verified',
      pathLabel: PAYLOADS[6],
      identityLabel: PAYLOADS[7],
      user: { kind: 'rows', result: user },
      owner: { kind: 'rows', result: owner },
      notes: PAYLOADS.slice(0, 5).map((message) => ({ level: 'warning', message })),
    };
    host.handle('inspectToken', () => payloadInspection());
    host.handle('export', () => ({ saved: true, location: PAYLOADS[8] }));
    host.handle('runFix', () => ({ message: PAYLOADS[9] }));
    await host.install();
    await page.goto(server.url);
    await host.next('ready');
    await page.waitForFunction(() => document.querySelectorAll('#path-select option').length > 0);

    // Labels from init.
    assert.equal(await page.inputValue('#sql'), PAYLOADS[0]);
    assert.equal(await page.textContent('#connection-label'), PAYLOADS[1]);
    assert.deepEqual((await visibleTexts(page, '#path-select option')).slice(0, 2), [PAYLOADS[2], `${PAYLOADS[4]} (unavailable: ${PAYLOADS[5]})`]);
    assert.equal((await visibleTexts(page, '#history-select option')).length, 11);
    await page.click('label:has-text("Persona")');
    assert.ok((await visibleTexts(page, '#persona-select option'))[0].startsWith(PAYLOADS[0]));

    // The token inspector.
    await page.click('label:has-text("Paste a token")');
    await page.fill('#token-input', 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln');
    await page.waitForSelector('table.claims');
    const claimNames = await visibleTexts(page, 'table.claims:nth-of-type(2) tbody th');
    assert.deepEqual(claimNames, PAYLOADS);
    const claimReadable = await visibleTexts(page, 'table.claims:nth-of-type(2) tbody td.claim-readable');
    assert.deepEqual(claimReadable, PAYLOADS.map((_, i) => p(i + 2)));
    assert.deepEqual(await visibleTexts(page, '.warning-message'), PAYLOADS.slice(0, 8));
    assert.equal(await page.textContent('.verification-message'), PAYLOADS[3]);

    // Both grids, column names, notes, labels.
    host.handle('run', () => ran);
    await page.click('#run');
    await page.waitForFunction(() => document.querySelectorAll('.pane-user .grid-body .grid-row:not([hidden])').length > 0);
    const userCells = await page.$$eval('.pane-user .grid-body .grid-row:not([hidden]) [aria-colindex="3"]', (cells) => cells.map((c) => c.textContent ?? ''));
    assert.deepEqual(userCells, PAYLOADS);
    assert.deepEqual(await visibleTexts(page, '.pane-owner .grid-colname'), PAYLOADS);
    const ownerFirstRow = await page.$$eval('.pane-owner .grid-body .grid-row[aria-rowindex="2"] [role=gridcell]', (cells) => cells.map((c) => c.textContent ?? ''));
    assert.deepEqual(ownerFirstRow, PAYLOADS.map((_, c) => (c % 3 === 0 ? JSON.stringify({ v: p(c) }) : p(c))));
    assert.deepEqual(await visibleTexts(page, '.notes li span:not(.codicon)'), PAYLOADS.slice(0, 5));
    assert.equal(await page.textContent('#user-title'), `As ${PAYLOADS[7]}`);
    await page.screenshot({ path: screenshotPath('run-as-user-xss') });

    // Export keeps the payloads byte for byte, including a "__proto__" column name in JSON.
    await page.click('.pane-owner button:has-text("Export JSON")');
    const exported = await host.next('export');
    const parsed = JSON.parse(exported.content) as Record<string, unknown>[];
    assert.equal(parsed.length, PAYLOADS.length);
    assert.deepEqual(Object.keys(parsed[0]), PAYLOADS);
    assert.equal(parsed[0].__proto__, p(PAYLOADS.indexOf('__proto__')));
    await page.click('.pane-user button:has-text("Export CSV")');
    const csv = await host.next('export', host.mark() - 0 > 0 ? host.received.indexOf(exported) + 1 : 0);
    for (const x of PAYLOADS) assert.ok(csv.content.includes(x.includes('"') || x.includes(',') ? `"${x.replace(/"/g, '""')}"` : x), `CSV holds ${x}`);
    await page.waitForSelector(`.status-info .status-message:text-is("Exported ${PAYLOADS.length} rows to ${PAYLOADS[8]}.")`);

    // Explained errors with hostile titles, messages, details, hints and fix labels.
    host.handle('run', () => ({
      ...ran,
      user: { kind: 'error', error: { title: PAYLOADS[10], message: PAYLOADS[11], code: PAYLOADS[12], detail: PAYLOADS[13], hint: PAYLOADS[14], fixes: [{ label: PAYLOADS[15], action: 'scaffoldGrants', target: PAYLOADS[16] }] } },
      owner: { kind: 'skipped-write', message: PAYLOADS[17] },
    }));
    await page.click('#run');
    await page.waitForSelector('.pane-user .error-card');
    assert.equal(await page.textContent('.pane-user .error-title span:not(.codicon)'), PAYLOADS[10]);
    assert.equal(await page.textContent('.pane-user .error-message'), PAYLOADS[11]);
    assert.equal(await page.textContent('.pane-user .error-code'), PAYLOADS[12]);
    assert.equal(await page.textContent('.pane-user .error-detail'), PAYLOADS[13]);
    assert.equal(await page.textContent('.pane-user .error-hint'), PAYLOADS[14]);
    assert.equal(await page.textContent('.pane-owner .pane-message span:not(.codicon)'), PAYLOADS[17]);
    await page.click(`.pane-user .fixes button`);
    const fix = await host.next('runFix');
    assert.equal(fix.target, PAYLOADS[16], 'the fix target goes back to the host unchanged');
    await page.waitForSelector('.status-info .status-message');
    assert.equal(await page.textContent('.status-info .status-message'), PAYLOADS[9]);

    // A write confirmation, a failed request with an action, and a notification.
    host.handle('run', () => ({ kind: 'confirm-write', confirmationId: 'c', command: PAYLOADS[18], table: PAYLOADS[19], message: PAYLOADS[20] }));
    await page.click('#run');
    await page.waitForSelector('.confirm-bar:not([hidden])');
    assert.equal(await page.textContent('#confirm-message'), PAYLOADS[20]);
    host.handle('run', () => {
      throw new HostError(PAYLOADS[21], { label: PAYLOADS[22], action: 'openSettings' });
    });
    await page.click('#confirm-write');
    await page.waitForSelector('[role=alert] .status-message');
    assert.equal(await page.textContent('[role=alert] .status-message'), PAYLOADS[21]);
    assert.equal(await page.textContent('[role=alert] button .btn-label'), PAYLOADS[22]);
    await host.send({ type: 'notify', level: 'info', message: PAYLOADS[23] });
    await page.waitForFunction((m) => document.querySelector('[role=status] .status-message')?.textContent === m, PAYLOADS[23]);

    // Let any handler that might have been attached get its chance (image errors, autofocus, toggles):
    // every resource of the page has loaded or failed, and the tasks and frames queued so far have run.
    await page.waitForFunction(() => document.readyState === 'complete' && Array.from(document.images).every((image) => image.complete));
    await page.evaluate(() => new Promise<void>((settled) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(settled)))));
    await page.mouse.move(700, 400);

    const verdict = await page.evaluate(() => {
      const w = window as unknown as { __xss?: unknown; __nawCspViolations: string[] };
      return {
        xss: w.__xss ?? null,
        violations: w.__nawCspViolations,
        scripts: document.scripts.length,
        injected: Array.from(document.body.querySelectorAll('img, iframe, svg, object, embed, video, source, marquee, math, details, a, style, link, meta, base, b, p[title], form:not(.mint-form), input[autofocus]')).map((e) => e.outerHTML.slice(0, 80)),
        bodyAttributes: Array.from(document.body.attributes).map((a) => a.name),
        location: location.href,
      };
    });
    assert.deepEqual(verdict, { xss: null, violations: [], scripts: 1, injected: [], bodyAttributes: ['class'], location: server.url });
    assert.deepEqual(dialogs, []);
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(host.invalid, []);
    await context.close();
  });
});
