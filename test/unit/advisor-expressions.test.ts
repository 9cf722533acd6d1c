// Policy expressions as pg_get_expr prints them, read with the real parser: which auth calls run per row,
// the user column, claim reads, and the rewrites the fixes use.
import * as assert from 'node:assert/strict';
import { analyzeExpression, replaceClaimSettingReads, wrapPerRowCalls } from '../../src/core/advisor';
import { loadSqlParser } from '../../src/core/sql/parser';

const COLUMNS = ['id', 'user_id', 'org_id', 'body'];
const analyze = (text: string) => analyzeExpression(text, 'todos', COLUMNS);

describe('advisor: policy expressions', () => {
  before(loadSqlParser);

  it('a bare call runs per row; (select …) runs once', () => {
    const bare = analyze('(auth.user_id() = user_id)');
    assert.deepEqual(bare.calls.map((c) => [c.name, c.once, c.reason]), [['auth.user_id', false, 'bare']]);
    assert.equal(bare.text.slice(bare.calls[0]!.start, bare.calls[0]!.end), 'auth.user_id()');
    const wrapped = analyze('(( SELECT auth.user_id() AS user_id) = user_id)');
    assert.deepEqual(wrapped.calls.map((c) => c.once), [true]);
  });

  it("drizzle's authUid() shape reads the row inside the sub-select: correlated, per row", () => {
    const a = analyze('( SELECT (auth.user_id() = todos.user_id))');
    assert.equal(a.calls[0]!.reason, 'correlated');
    assert.deepEqual(a.userIdColumns, ['user_id']);
    assert.equal(wrapPerRowCalls(a), '( SELECT ((select auth.user_id()) = todos.user_id))');
  });

  it('a call inside a sub-query with FROM runs for each row it reads; its columns are not the table\'s', () => {
    const a = analyze('(EXISTS ( SELECT 1 FROM members m WHERE ((m.user_id = auth.user_id()) AND (m.org_id = todos.org_id))))');
    assert.equal(a.calls[0]!.reason, 'in-subquery');
    assert.deepEqual(a.userIdColumns, []);
    assert.equal(
      wrapPerRowCalls(a),
      '(EXISTS ( SELECT 1 FROM members m WHERE ((m.user_id = (select auth.user_id())) AND (m.org_id = todos.org_id))))',
    );
  });

  it('reads current_setting() calls with their setting, through pg_get_expr casts', () => {
    const a = analyze("(((current_setting('request.jwt.claims'::text, true))::json ->> 'sub'::text) = user_id)");
    assert.deepEqual(a.calls.map((c) => [c.name, c.setting, c.reason]), [['current_setting', 'request.jwt.claims', 'bare']]);
    assert.equal(a.claimSettingReads.length, 1);
    assert.deepEqual(a.userIdColumns, ['user_id']);
    assert.ok(a.dependsOnToken);
    assert.equal(replaceClaimSettingReads(a), "((((select auth.session())::text)::json ->> 'sub'::text) = user_id)");
  });

  it("rewrites PostgREST's request.jwt.claim.<name> settings to pg_session_jwt", () => {
    const a = analyze("((current_setting('request.jwt.claim.sub'::text, true) = user_id) AND (current_setting('request.jwt.claim.org'::text) = (org_id)::text))");
    assert.equal(replaceClaimSettingReads(a), "(((select auth.user_id()) = user_id) AND ((select auth.session()->>'org') = (org_id)::text))");
    assert.deepEqual(a.userIdColumns, ['user_id']);
  });

  it('other settings are per-row calls but not claim reads', () => {
    const a = analyze("(org_id = (current_setting('app.org'::text))::integer)");
    assert.equal(a.calls.length, 1);
    assert.equal(a.claimSettingReads.length, 0);
    assert.equal(a.dependsOnToken, false);
    assert.equal(wrapPerRowCalls(a), "(org_id = ((select current_setting('app.org'::text)))::integer)");
  });

  it('finds the user column on either side, through casts, IS NOT DISTINCT FROM and auth.session()->>\'sub\'', () => {
    assert.deepEqual(analyze('((user_id)::text = ( SELECT auth.user_id() AS user_id))').userIdColumns, ['user_id']);
    assert.deepEqual(analyze('(NOT (user_id IS DISTINCT FROM auth.user_id()))').userIdColumns, ['user_id']);
    assert.deepEqual(analyze("((auth.session() ->> 'sub'::text) = user_id)").userIdColumns, ['user_id']);
    assert.deepEqual(analyze("((auth.jwt() ->> 'org_id'::text) = org_id)").userIdColumns, []);
    assert.deepEqual(analyze('(auth.uid() = (user_id)::uuid)').userIdColumns, ['user_id']);
    assert.deepEqual(analyze("(auth.user_id() = 'admin'::text)").userIdColumns, []);
    assert.deepEqual(analyze('(auth.user_id() = other.user_id)').userIdColumns, []);
  });

  it('keeps offsets right with non-ASCII text, quoted identifiers and escaped strings before the call', () => {
    const text = `((body <> E'caf\\u00e9 ) (' AND "Ümlaut""s" = 'dé''jà' AND body <> 'ö') OR (auth.user_id() = user_id))`;
    const a = analyzeExpression(text, 'todos', [...COLUMNS, 'Ümlaut"s']);
    assert.equal(a.calls.length, 1);
    assert.equal(text.slice(a.calls[0]!.start, a.calls[0]!.end), 'auth.user_id()');
    assert.ok(wrapPerRowCalls(a).endsWith(`OR ((select auth.user_id()) = user_id))`));
  });

  it('wraps every per-row call, nested ones once (the outer call)', () => {
    const a = analyze("((auth.session() ->> 'org'::text) = COALESCE(current_setting('app.org'::text, true), (auth.jwt() ->> 'org'::text)))");
    assert.equal(a.calls.filter((c) => !c.once).length, 3);
    assert.equal(
      wrapPerRowCalls(a),
      "(((select auth.session()) ->> 'org'::text) = COALESCE((select current_setting('app.org'::text, true)), ((select auth.jwt()) ->> 'org'::text)))",
    );
    const again = analyze(wrapPerRowCalls(a));
    assert.deepEqual(again.calls.filter((c) => !c.once), []);
  });

  it('recognises a literal true', () => {
    assert.equal(analyze('true').alwaysTrue, true);
    assert.equal(analyze('(true AND is_public)').alwaysTrue, false);
  });
});
