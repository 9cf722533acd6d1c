// markHiddenRows on million-row results, against a plain pass that reads every cell once.
import { markHiddenRows } from '../src/core/resultDiff';
import type { ResultSet } from '../src/core/runAsUserProtocol/messages';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

const ROWS = 1_000_000;

/** A todos-like result: id, user_id, task, done; the user sees a third of the rows. */
function todos(rows: number): { owner: ResultSet; user: ResultSet } {
  const users = ['user_2alice0000000000000000000', 'user_2bob000000000000000000000', 'user_2carol00000000000000000000'];
  const ownerRows: (string | null)[][] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    ownerRows[i] = [String(i + 1), users[i % 3], `task number ${i} for ${users[i % 3].slice(6, 11)}`, i % 7 === 0 ? null : i % 2 ? 't' : 'f'];
  }
  const fields = [
    { name: 'id', dataTypeID: 20 },
    { name: 'user_id', dataTypeID: 25 },
    { name: 'task', dataTypeID: 25 },
    { name: 'done', dataTypeID: 16 },
  ];
  // The user's rows are copies (as they would arrive from a second query), not the same string objects.
  const userRows = ownerRows.filter((_, i) => i % 3 === 0).map((r) => r.map((v) => (v === null ? null : (' ' + v).slice(1))));
  const make = (r: (string | null)[][], keyColumns?: number[]): ResultSet => ({
    fields,
    rows: r,
    rowCount: r.length,
    command: 'SELECT',
    durationMs: 0,
    ...(keyColumns ? { keyColumns } : {}),
  });
  return { owner: make(ownerRows, [0]), user: make(userRows) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => void, repeats: number): number {
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

/** Reads every cell of both results once: the floor any comparison has to pay. */
function plainPass(owner: ResultSet, user: ResultSet): number {
  let total = 0;
  for (const rs of [owner, user]) {
    for (const row of rs.rows) for (const v of row) total += v === null ? 1 : v.length;
  }
  return total;
}

/** The obvious implementation (a multiset of JSON-encoded rows), for scale: what markHiddenRows must beat. */
function jsonKeyedHiddenCount(owner: ResultSet, user: ResultSet): number {
  const remaining = new Map<string, number>();
  for (const row of user.rows) {
    const k = JSON.stringify(row);
    remaining.set(k, (remaining.get(k) ?? 0) + 1);
  }
  let hidden = 0;
  for (const row of owner.rows) {
    const k = JSON.stringify(row);
    const n = remaining.get(k) ?? 0;
    if (n > 0) remaining.set(k, n - 1);
    else hidden++;
  }
  return hidden;
}

export async function run(): Promise<BenchResult[]> {
  const { owner, user } = todos(ROWS);
  const keyless = { ...owner, keyColumns: undefined };
  let sink = 0;
  // Warm-up so the JIT has compiled the hot loops before timing.
  sink += markHiddenRows(owner, user).hiddenCount + markHiddenRows(keyless, user).hiddenCount + plainPass(owner, user);

  const plainMs = time(() => (sink += plainPass(owner, user)), 5);
  const byKeyMs = time(() => (sink += markHiddenRows(owner, user).hiddenCount), 5);
  const wholeRowMs = time(() => (sink += markHiddenRows(keyless, user).hiddenCount), 5);
  const jsonMs = time(() => (sink += jsonKeyedHiddenCount(owner, user)), 3);
  if (sink === 0) throw new Error('unreachable: keeps the timed work from being optimised away');

  const note = `${ROWS.toLocaleString('en-US')} owner rows x 4 columns, user sees ${user.rows.length.toLocaleString('en-US')}`;
  return [
    { name: 'markHiddenRows 1M rows, primary key', value: round(byKeyMs), unit: 'ms', note },
    { name: 'markHiddenRows 1M rows, whole row', value: round(wholeRowMs), unit: 'ms', note },
    { name: 'JSON.stringify multiset 1M rows (reference)', value: round(jsonMs), unit: 'ms', note: 'the obvious whole-row implementation, for scale' },
    { name: 'markHiddenRows 1M rows, primary key / plain pass', value: round(byKeyMs / plainMs), unit: 'x', note: `plain pass over every cell: ${round(plainMs)} ms` },
    { name: 'markHiddenRows 1M rows, whole row / plain pass', value: round(wholeRowMs / plainMs), unit: 'x', note: `plain pass over every cell: ${round(plainMs)} ms` },
  ];
}

const round = (x: number) => Math.round(x * 100) / 100;
