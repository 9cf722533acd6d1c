import assert from 'node:assert/strict';
import { markHiddenRows, hiddenRowIndices } from '../../src/core/resultDiff';
import type { ResultSet } from '../../src/core/runAsUserProtocol/messages';

const TEXT = 25;
const INT4 = 23;

function rs(names: string[], rows: (string | null)[][], keyColumns?: number[]): ResultSet {
  return {
    fields: names.map((name) => ({ name, dataTypeID: name === 'id' ? INT4 : TEXT })),
    rows,
    rowCount: rows.length,
    command: 'SELECT',
    durationMs: 1,
    ...(keyColumns ? { keyColumns } : {}),
  };
}

const hiddenOf = (owner: ResultSet, user: ResultSet) => {
  const r = markHiddenRows(owner, user);
  return { indices: hiddenRowIndices(r.hidden), count: r.hiddenCount, matchedBy: r.matchedBy };
};

describe('markHiddenRows', () => {
  it('marks the owner rows missing from the user result, by primary key', () => {
    const owner = rs(['id', 'user_id', 'task'], [['1', 'alice', 'milk'], ['2', 'bob', 'eggs'], ['3', 'alice', 'tea']], [0]);
    const user = rs(['id', 'user_id', 'task'], [['1', 'alice', 'milk'], ['3', 'alice', 'tea']]);
    assert.deepEqual(hiddenOf(owner, user), { indices: [1], count: 1, matchedBy: 'primary-key' });
  });

  it('matches by primary key even when other columns differ (e.g. a column masked for the user)', () => {
    const owner = rs(['id', 'secret'], [['1', 'x'], ['2', 'y']], [0]);
    const user = rs(['id', 'secret'], [['2', null]]);
    assert.deepEqual(hiddenOf(owner, user), { indices: [0], count: 1, matchedBy: 'primary-key' });
    // The same data without a key: whole-row matching sees both owner rows as hidden.
    assert.deepEqual(hiddenOf(rs(['id', 'secret'], owner.rows), user), { indices: [0, 1], count: 2, matchedBy: 'whole-row' });
  });

  it('uses a composite primary key', () => {
    const owner = rs(['org', 'id', 'v'], [['a', '1', 'x'], ['b', '1', 'x'], ['a', '2', 'x']], [0, 1]);
    const user = rs(['org', 'id', 'v'], [['b', '1', 'changed'], ['a', '2', 'x']]);
    assert.deepEqual(hiddenOf(owner, user), { indices: [0], count: 1, matchedBy: 'primary-key' });
  });

  it('falls back to whole rows when the user result lacks the key columns', () => {
    const owner = rs(['id', 'task'], [['1', 'milk'], ['2', 'eggs']], [0]);
    const user = rs(['task'], [['eggs']]);
    assert.deepEqual(hiddenOf(owner, user), { indices: [0], count: 1, matchedBy: 'whole-row' });
  });

  it('counts duplicates as a multiset', () => {
    const owner = rs(['task'], [['milk'], ['milk'], ['milk'], ['eggs']]);
    const user = rs(['task'], [['milk'], ['eggs'], ['milk']]);
    const r = hiddenOf(owner, user);
    assert.equal(r.count, 1);
    assert.equal(r.matchedBy, 'whole-row');
    assert.deepEqual(r.indices, [2], 'the third milk has no user row left to match');
  });

  it('keeps NULL distinct from the empty string and from the text NULL', () => {
    const owner = rs(['a', 'b'], [[null, 'x'], ['', 'x'], ['NULL', 'x'], [null, null]]);
    assert.deepEqual(hiddenOf(owner, rs(['a', 'b'], [['', 'x']])).indices, [0, 2, 3]);
    assert.deepEqual(hiddenOf(owner, rs(['a', 'b'], [[null, 'x']])).indices, [1, 2, 3]);
    assert.deepEqual(hiddenOf(owner, rs(['a', 'b'], [['NULL', 'x'], [null, null]])).indices, [0, 1]);
    // Two NULLs are the same value for this purpose: the row is visible.
    assert.deepEqual(hiddenOf(rs(['a'], [[null]]), rs(['a'], [[null]])).indices, []);
  });

  it('does not confuse values split differently across columns', () => {
    const owner = rs(['a', 'b'], [['ab', 'c'], ['a', 'bc'], ['abc', '']]);
    const user = rs(['a', 'b'], [['a', 'bc']]);
    assert.deepEqual(hiddenOf(owner, user).indices, [0, 2]);
  });

  it('pairs columns by name when the two results order them differently', () => {
    const owner = rs(['id', 'task', 'done'], [['1', 'milk', 'f'], ['2', 'eggs', 't']]);
    const user = rs(['done', 'id', 'task'], [['t', '2', 'eggs']]);
    assert.deepEqual(hiddenOf(owner, user), { indices: [0], count: 1, matchedBy: 'whole-row' });
    const keyed = rs(['id', 'task', 'done'], owner.rows, [0]);
    assert.deepEqual(hiddenOf(keyed, user), { indices: [0], count: 1, matchedBy: 'primary-key' });
  });

  it('pairs repeated column names in order', () => {
    const owner = rs(['x', 'x'], [['1', '2'], ['2', '1']]);
    const user = rs(['x', 'x'], [['1', '2']]);
    assert.deepEqual(hiddenOf(owner, user).indices, [1]);
  });

  it('marks every owner row when the user sees nothing, and none when the owner has none', () => {
    const owner = rs(['id'], [['1'], ['2'], ['3']], [0]);
    assert.deepEqual(hiddenOf(owner, rs(['id'], [])), { indices: [0, 1, 2], count: 3, matchedBy: 'primary-key' });
    assert.deepEqual(hiddenOf(rs(['id'], []), rs(['id'], [['1']])), { indices: [], count: 0, matchedBy: 'whole-row' });
  });

  it('ignores user rows the owner does not have (they cannot hide anything)', () => {
    const owner = rs(['id'], [['1']]);
    const user = rs(['id'], [['9'], ['8'], ['1']]);
    assert.deepEqual(hiddenOf(owner, user).indices, []);
  });

  it('handles non-ASCII text and long values', () => {
    const long = 'ж'.repeat(10_000);
    const owner = rs(['t'], [['日本語'], ['😀'], [long], [long + 'x']]);
    const user = rs(['t'], [['😀'], [long]]);
    assert.deepEqual(hiddenOf(owner, user).indices, [0, 3]);
  });

  it('agrees with a straightforward multiset count on random data with many collisions', () => {
    // Small alphabet: many equal rows, many near-equal rows.
    let seed = 42;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const values = [null, '', 'a', 'b', 'ab', 'NULL'];
    const row = () => [values[rand(values.length)], values[rand(values.length)]];
    const ownerRows = Array.from({ length: 3000 }, row);
    const userRows = Array.from({ length: 2000 }, row);
    const got = hiddenOf(rs(['p', 'q'], ownerRows), rs(['q', 'p'], userRows.map(([p, q]) => [q, p])));

    const remaining = new Map<string, number>();
    for (const r of userRows) remaining.set(JSON.stringify(r), (remaining.get(JSON.stringify(r)) ?? 0) + 1);
    const expected: number[] = [];
    ownerRows.forEach((r, i) => {
      const k = JSON.stringify(r);
      const n = remaining.get(k) ?? 0;
      if (n > 0) remaining.set(k, n - 1);
      else expected.push(i);
    });
    assert.ok(expected.length > 0 && expected.length < ownerRows.length, 'the data should mix hidden and visible rows');
    assert.deepEqual(got.indices, expected);
    assert.equal(got.count, expected.length);
  });

  it('marks hidden rows in a 200k-row result', () => {
    const owner = rs(['id', 'user_id'], Array.from({ length: 200_000 }, (_, i) => [String(i), i % 3 === 0 ? 'alice' : 'bob']), [0]);
    const user = rs(['id', 'user_id'], owner.rows.filter((r) => r[1] === 'alice'));
    const r = markHiddenRows(owner, user);
    assert.equal(r.hiddenCount, 200_000 - user.rows.length);
    assert.equal(r.hidden[0], 0);
    assert.equal(r.hidden[1], 1);
    assert.equal(r.hidden[199_999], 199_999 % 3 === 0 ? 0 : 1);
  });
});
