// Which of the owner's rows the user does not see: the "RLS hid these" marks of the run-as-user panel.
//
// Rows are matched by primary key when the owner's result carries one and the user's result has the same
// columns, else by whole row as a multiset (two equal owner rows need two equal user rows). Columns are
// paired by name, so the two results may list them in different orders. Values are compared exactly in
// Postgres text form: SQL NULL never equals '' (nor the text 'NULL').
//
// Built for million-row results: a row's hash is computed straight from its cells' characters into an
// open-addressing table of typed arrays, and collisions are settled by comparing cells, so no per-row key
// string is ever built.
import type { ResultField, ResultSet } from './runAsUserProtocol/messages';

export interface HiddenRows {
  /** One entry per owner row: 1 = the user's result has no matching row. */
  hidden: Uint8Array;
  hiddenCount: number;
  matchedBy: 'primary-key' | 'whole-row';
}

export function markHiddenRows(owner: ResultSet, user: ResultSet): HiddenRows {
  const pairing = pairColumns(owner.fields, user.fields);
  const key = primaryKeyPairing(owner, pairing);
  const matchedBy = key ? 'primary-key' : 'whole-row';
  const { ownerCols, userCols } = key ?? pairing;
  const ownerRows = owner.rows;
  const userRows = user.rows;
  const hidden = new Uint8Array(ownerRows.length);

  if (userRows.length === 0) {
    hidden.fill(1);
    return { hidden, hiddenCount: ownerRows.length, matchedBy };
  }

  // Open addressing with linear probing; each slot holds one distinct user key and how many user rows
  // still match it (the multiset count).
  const capacity = tableCapacity(userRows.length);
  const mask = capacity - 1;
  const slotRow = new Int32Array(capacity).fill(-1);
  const slotHash = new Int32Array(capacity);
  const slotCount = new Int32Array(capacity);

  for (let u = 0; u < userRows.length; u++) {
    const row = userRows[u];
    const h = hashRow(row, userCols);
    let i = h & mask;
    for (;;) {
      const rep = slotRow[i];
      if (rep === -1) {
        slotRow[i] = u;
        slotHash[i] = h;
        slotCount[i] = 1;
        break;
      }
      if (slotHash[i] === h && rowsEqual(userRows[rep], userCols, row, userCols)) {
        slotCount[i]++;
        break;
      }
      i = (i + 1) & mask;
    }
  }

  let hiddenCount = 0;
  for (let o = 0; o < ownerRows.length; o++) {
    const row = ownerRows[o];
    const h = hashRow(row, ownerCols);
    let i = h & mask;
    let seen = false;
    for (;;) {
      const rep = slotRow[i];
      if (rep === -1) break;
      if (slotHash[i] === h && rowsEqual(userRows[rep], userCols, row, ownerCols)) {
        if (slotCount[i] > 0) {
          slotCount[i]--;
          seen = true;
        }
        break;
      }
      i = (i + 1) & mask;
    }
    if (!seen) {
      hidden[o] = 1;
      hiddenCount++;
    }
  }
  return { hidden, hiddenCount, matchedBy };
}

/** The indices of the marked rows, as the protocol's `hiddenOwnerRows` carries them. */
export function hiddenRowIndices(hidden: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < hidden.length; i++) if (hidden[i]) out.push(i);
  return out;
}

interface ColumnPairing {
  /** Column indices in the owner's rows, paired position by position with `userCols`. */
  ownerCols: Int32Array;
  userCols: Int32Array;
  /** True when both results have exactly the same column names (as multisets). */
  sameColumns: boolean;
}

/** Pairs columns by name (the k-th column called "x" with the k-th called "x"). When the results share no
 *  name at all (e.g. unnamed expressions renamed differently), columns are paired by position. */
function pairColumns(ownerFields: ResultField[], userFields: ResultField[]): ColumnPairing {
  const userByName = new Map<string, number[]>();
  userFields.forEach((f, i) => {
    const list = userByName.get(f.name);
    if (list) list.push(i);
    else userByName.set(f.name, [i]);
  });
  const taken = new Map<string, number>();
  const ownerCols: number[] = [];
  const userCols: number[] = [];
  ownerFields.forEach((f, i) => {
    const candidates = userByName.get(f.name);
    const k = taken.get(f.name) ?? 0;
    if (candidates && k < candidates.length) {
      ownerCols.push(i);
      userCols.push(candidates[k]);
      taken.set(f.name, k + 1);
    }
  });
  const sameColumns = ownerCols.length === ownerFields.length && userCols.length === userFields.length;
  if (ownerCols.length === 0 && ownerFields.length > 0 && userFields.length > 0) {
    const width = Math.min(ownerFields.length, userFields.length);
    for (let i = 0; i < width; i++) {
      ownerCols.push(i);
      userCols.push(i);
    }
  }
  return { ownerCols: Int32Array.from(ownerCols), userCols: Int32Array.from(userCols), sameColumns };
}

/** The key columns' pairing, when the owner's result has a primary key and the user's has the same columns. */
function primaryKeyPairing(owner: ResultSet, pairing: ColumnPairing): ColumnPairing | undefined {
  const keys = owner.keyColumns;
  if (!keys || keys.length === 0 || !pairing.sameColumns) return undefined;
  const ownerCols = new Int32Array(keys.length);
  const userCols = new Int32Array(keys.length);
  for (let k = 0; k < keys.length; k++) {
    const at = pairing.ownerCols.indexOf(keys[k]);
    if (at < 0) return undefined;
    ownerCols[k] = keys[k];
    userCols[k] = pairing.userCols[at];
  }
  return { ownerCols, userCols, sameColumns: true };
}

function tableCapacity(entries: number): number {
  let capacity = 16;
  while (capacity < entries * 2) capacity *= 2;
  return capacity;
}

const NULL_MARK = 0x7f4a7c15;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the UTF-16 code units of the chosen cells, each cell closed by a length mark (so "ab","c"
 *  and "a","bc" differ, and '' differs from NULL), finished with murmur3's avalanche for the low bits. */
function hashRow(row: (string | null)[], cols: Int32Array): number {
  let h = 0x811c9dc5 | 0;
  for (let k = 0; k < cols.length; k++) {
    const v = row[cols[k]];
    if (v === null) {
      h = Math.imul(h ^ NULL_MARK, FNV_PRIME);
      continue;
    }
    for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v.charCodeAt(i), FNV_PRIME);
    h = Math.imul(h ^ (v.length + 0x10000), FNV_PRIME);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

function rowsEqual(a: (string | null)[], aCols: Int32Array, b: (string | null)[], bCols: Int32Array): boolean {
  for (let k = 0; k < aCols.length; k++) if (a[aCols[k]] !== b[bCols[k]]) return false;
  return true;
}
