import assert from 'node:assert/strict';
import { loadSqlParser, parsePlPgSql, parseSql, scanSql, SqlError } from '../../src/core/sql/parser';

describe('sql/parser', () => {
  before(loadSqlParser);

  it('loads once: later calls reuse the loaded module', async () => {
    await Promise.all([loadSqlParser(), loadSqlParser()]);
    assert.equal(parseSql('select 1').stmts?.length, 1);
  });

  it('parses, scans and reads PL/pgSQL', () => {
    const tree = parseSql('select 1; update todos set done = true');
    assert.deepEqual(tree.stmts?.map((s) => Object.keys(s.stmt ?? {})[0]), ['SelectStmt', 'UpdateStmt']);
    const tokens = scanSql("select 'it''s' -- c").tokens;
    assert.deepEqual(tokens.map((t) => t.text), ['select', "'it''s'", '-- c']);
    assert.deepEqual(tokens.slice(1).map((t) => t.tokenName), ['SCONST', 'SQL_COMMENT']);
    assert.notEqual(tokens[0]?.keywordName, 'NO_KEYWORD');
    const plpgsql = parsePlPgSql('do $$ begin perform 1; end $$') as unknown as { plpgsql_funcs?: unknown[] };
    assert.equal(plpgsql.plpgsql_funcs?.length, 1);
  });

  it('throws SqlError with the position on a syntax error', () => {
    assert.throws(() => parseSql('selec 1'), (err: unknown) => err instanceof SqlError && err.sqlDetails?.cursorPosition === 0);
  });
});
