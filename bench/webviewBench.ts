// First paint of the Run as User panel in Chromium: 100k-row results against 1k-row results.
// Measured in the page from the moment the run's answer is handed to the panel (the `message` event, once
// the browser has deserialized it) until the panel has built its DOM and the browser has laid it out; the
// same with message delivery (copy + deserialization) included, and the next frame, are reported beside it.
// Rows travel packed, as panel.ts posts them (packForWebview): the packing itself runs in the extension
// host, so it is timed there (in Node, with the real encoder) and added for the "incl. host packing" line.
import type { Page } from 'playwright-core';
import type { CellRows, InitState } from '../src/core/runAsUserProtocol/messages';
import { packRows, type PackedRows } from '../src/core/runAsUserProtocol/packedRows';
import { buildWebview, FakeHost, launchChromium, startPanelServer } from '../test/browser/harness';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

const SMALL = 1_000;
const LARGE = 100_000;
const REPEATS = 9;

const init: InitState = {
  sql: 'select * from todos',
  sqlHistory: [],
  personas: [],
  paths: [{ path: 'playground', label: 'Playground', available: true }],
  selectedPath: 'playground',
  connectionLabel: 'playground',
  playgroundKeyAvailable: true,
};

/** Runs before the panel's script: for each message event, reads `data` first (the browser deserializes it
 *  lazily on that first read, which is transport, not panel work) and notes the time the panel gets it. */
const ARRIVAL_PROBE = `window.addEventListener('message', (e) => { void e.data; window.__nawArrivedAt = performance.now(); });`;

interface Sample {
  /** message event → DOM built and laid out */
  layoutMs: number;
  /** postMessage call → DOM built and laid out (includes the browser's copy of the message) */
  deliveredMs: number;
  /** message event → the frame after the first painted one */
  frameMs: number;
  /** packRows for both sides, in Node as the extension host runs it */
  packMs: number;
}

/** An answer's rows: `n` owner rows, a third of them visible to the user. */
function answerRows(n: number): { owner: CellRows; user: CellRows; hidden: number[] } {
  const users = ['user_2alice', 'user_2bob', 'user_2carol'];
  const owner: CellRows = [];
  const user: CellRows = [];
  const hidden: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = [String(i + 1), users[i % 3], `task number ${i + 1}`, i % 2 ? 't' : 'f', '2026-01-05 09:00:00'];
    owner.push(row);
    if (i % 3 === 0) user.push(row.slice());
    else hidden.push(i);
  }
  return { owner, user, hidden };
}

/** Both sides packed by the real encoder, with the time it took in the extension host's place (Node). */
function packAnswer(rows: ReturnType<typeof answerRows>): { owner: PackedRows; user: PackedRows; packMs: number } {
  const t0 = performance.now();
  const owner = packRows(rows.owner);
  const user = packRows(rows.user);
  return { owner, user, packMs: performance.now() - t0 };
}

/** One run: the panel asks, the packed answer is handed to the page outside the timing, then posted there
 *  and timed. */
async function sample(page: Page, host: FakeHost, rows: ReturnType<typeof answerRows>): Promise<Sample> {
  const since = host.mark();
  await page.click('#run');
  const run = await host.next('run', since);
  const packed = packAnswer(rows);
  const timed = await page.evaluate(
    ({ id, ownerRows, userRows, hidden }) =>
      new Promise<Omit<Sample, 'packMs'>>((resolve) => {
        const fields = [
          { name: 'id', dataTypeID: 20 },
          { name: 'user_id', dataTypeID: 25 },
          { name: 'task', dataTypeID: 25 },
          { name: 'is_complete', dataTypeID: 16 },
          { name: 'inserted_at', dataTypeID: 1114 },
        ];
        // No named helper functions in page code: tsx would wrap them in a helper the page lacks.
        const userSide = { fields, rows: userRows, rowCount: userRows.count, command: 'SELECT', durationMs: 1 };
        const ownerSide = { fields, rows: ownerRows, rowCount: ownerRows.count, command: 'SELECT', durationMs: 1, keyColumns: [0] };
        const message = {
          type: 'response',
          id,
          ok: true,
          result: { kind: 'ran', path: 'playground', pathLabel: 'Playground', identityLabel: 'alice', user: { kind: 'rows', result: userSide }, owner: { kind: 'rows', result: ownerSide }, hiddenOwnerRows: hidden, hiddenMatchedBy: 'primary-key', notes: [] },
        };
        const w = window as unknown as { __nawArrivedAt: number };
        const posted = performance.now();
        // Registered after the panel's listener, so it runs once the panel has handled the answer (its
        // promise continuations run in the microtask checkpoint between the two listeners).
        window.addEventListener(
          'message',
          () => {
            const grid = document.querySelector('.pane-owner .grid-body .grid-row:not([hidden])');
            if (!grid) throw new Error('the owner grid did not render');
            document.body.getBoundingClientRect();
            void (document.body as HTMLElement).offsetHeight;
            const laidOut = performance.now();
            const arrived = w.__nawArrivedAt;
            requestAnimationFrame(() =>
              requestAnimationFrame(() => resolve({ layoutMs: laidOut - arrived, deliveredMs: laidOut - posted, frameMs: performance.now() - arrived })),
            );
          },
          { once: true },
        );
        window.postMessage(message, '*');
      }),
    { id: run.id, ownerRows: packed.owner, userRows: packed.user, hidden: rows.hidden },
  );
  return { ...timed, packMs: packed.packMs };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number) => Math.round(x * 100) / 100;

export async function run(): Promise<BenchResult[]> {
  buildWebview();
  const server = await startPanelServer();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const host = new FakeHost(page, init);
    await host.install();
    await page.addInitScript({ content: ARRIVAL_PROBE });
    await page.goto(server.url);
    await host.next('ready');
    await page.waitForFunction(() => document.querySelectorAll('#path-select option').length > 0);

    const measure = async (n: number) => {
      const rows = answerRows(n);
      await sample(page, host, rows); // warm-up: JIT, fonts, first layout
      const samples: Sample[] = [];
      for (let i = 0; i < REPEATS; i++) {
        // Idle time lets the page collect the previous run's rows outside the measurement, as it would
        // between two runs a person starts.
        await page.waitForTimeout(250);
        samples.push(await sample(page, host, rows));
      }
      return {
        layout: median(samples.map((s) => s.layoutMs)),
        delivered: median(samples.map((s) => s.deliveredMs)),
        frame: median(samples.map((s) => s.frameMs)),
        pack: median(samples.map((s) => s.packMs)),
      };
    };
    const small = await measure(SMALL);
    const large = await measure(LARGE);
    if (host.invalid.length) throw new Error(`the panel sent invalid messages: ${JSON.stringify(host.invalid[0])}`);

    const note = `owner ${LARGE.toLocaleString('en-US')} vs ${SMALL.toLocaleString('en-US')} rows x 5 columns, user a third; median of ${REPEATS}`;
    return [
      { name: 'webview first paint 1k rows', value: round(small.layout), unit: 'ms', note: 'answer arrives → both grids built and laid out' },
      { name: 'webview first paint 100k rows', value: round(large.layout), unit: 'ms', note: 'answer arrives → both grids built and laid out' },
      { name: 'webview first paint 100k / 1k', value: round(large.layout / small.layout), unit: 'x', note: `goal ≤ 2; ${note}` },
      {
        name: 'webview first paint incl. delivery 100k / 1k',
        value: round(large.delivered / small.delivered),
        unit: 'x',
        note: `with the browser's copy of the message: ${round(small.delivered)} ms vs ${round(large.delivered)} ms`,
      },
      {
        name: 'webview first paint incl. host packing 100k / 1k',
        value: round((large.delivered + large.pack) / (small.delivered + small.pack)),
        unit: 'x',
        note: `packRows in Node ${round(small.pack)} ms vs ${round(large.pack)} ms, plus the delivery above`,
      },
      { name: 'webview next frame after 100k rows', value: round(large.frame), unit: 'ms', note: `1k rows: ${round(small.frame)} ms (frames are ~16.7 ms apart)` },
    ];
  } finally {
    await browser.close();
    await server.close();
  }
}
