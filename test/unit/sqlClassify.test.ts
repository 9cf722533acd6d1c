import assert from 'node:assert/strict';
import {
  classifySql,
  formatTableRef,
  matchingRowsQuery,
  splitStatements,
  statementAt,
  type ClassifiedStatement,
} from '../../src/core/sqlClassify';
import { loadSqlParser } from '../../src/core/sql/parser';

function classified(sql: string): ClassifiedStatement {
  const r = classifySql(sql);
  if (!r.ok) assert.fail(`expected ${JSON.stringify(sql)} to classify, got ${r.problem.code}: ${r.problem.message}`);
  return r.statement;
}

const names = (tables: { schema?: string; name: string }[]) => tables.map(formatTableRef);

describe('sqlClassify', () => {
  before(loadSqlParser);

  describe('reads', () => {
    const reads: [string, string, string][] = [
      ['select * from todos', 'select', 'SELECT'],
      ['SELECT 1', 'select', 'SELECT'],
      ["values (1, 'a'), (2, 'b')", 'values', 'VALUES'],
      ['table todos', 'table', 'TABLE'],
      ['show search_path', 'show', 'SHOW'],
      ['explain select * from todos', 'explain', 'EXPLAIN'],
      ['explain delete from todos', 'explain', 'EXPLAIN'],
      ['explain (analyze false) delete from todos', 'explain', 'EXPLAIN'],
      ['explain (analyze off, verbose) update todos set task = 1', 'explain', 'EXPLAIN'],
      ['explain analyze select * from todos', 'explain', 'EXPLAIN'],
      ['with mine as (select * from todos) select * from mine', 'select', 'SELECT'],
      ['select * from todos for update', 'select', 'SELECT'],
      ['select * from a union all select * from b', 'select', 'SELECT'],
    ];
    for (const [sql, kind, command] of reads) {
      it(`${sql} is a read (${kind})`, () => {
        const s = classified(sql);
        assert.equal(s.readOnly, true);
        assert.equal(s.kind, kind);
        assert.equal(s.command, command);
        assert.deepEqual(s.targetTables, []);
      });
    }

    it('SELECT … FOR UPDATE is a read that locks rows', () => {
      assert.equal(classified('select * from todos for update').locksRows, true);
      assert.equal(classified('select * from todos for share of todos').locksRows, true);
      assert.equal(classified('select * from todos').locksRows, false);
    });

    it('counts every mention of a relation (a self-join twice), WITH query names excluded', () => {
      assert.equal(classified('select * from todos').relationOccurrences, 1);
      assert.equal(classified('select * from todos a join todos b on a.user_id = b.user_id').relationOccurrences, 2);
      assert.equal(classified('with mine as (select * from todos) select * from mine').relationOccurrences, 1);
      assert.equal(classified('select 1').relationOccurrences, 0);
      assert.equal(classified('update todos set task = u.name from users u').relationOccurrences, 2);
    });

    it('lists the tables read, schema-qualified when written so, without WITH query names', () => {
      const s = classified('with mine as (select * from app.todos t join users u on u.id = t.user_id) select * from mine, "Audit Log" where exists (select 1 from public.tags)');
      assert.deepEqual(names(s.readTables), ['app.todos', 'users', '"Audit Log"', 'public.tags']);
    });
  });

  describe('writes', () => {
    it('INSERT, UPDATE, DELETE and MERGE name their target table', () => {
      const cases: [string, string, string[]][] = [
        ["insert into todos (task) values ('x')", 'INSERT', ['todos']],
        ["update app.todos set task = 'y' where id = 1", 'UPDATE', ['app.todos']],
        ['delete from "Todo Items" where id = 1', 'DELETE', ['"Todo Items"']],
        ['merge into todos t using staged s on t.id = s.id when matched then delete', 'MERGE', ['todos']],
      ];
      for (const [sql, command, targets] of cases) {
        const s = classified(sql);
        assert.equal(s.readOnly, false, sql);
        assert.equal(s.command, command, sql);
        assert.equal(s.kind, command.toLowerCase(), sql);
        assert.deepEqual(names(s.targetTables), targets, sql);
      }
    });

    it('the FROM/USING tables of a write are reads, the target is not', () => {
      const s = classified('update todos set task = u.name from users u where u.id = todos.user_id');
      assert.deepEqual(names(s.targetTables), ['todos']);
      assert.deepEqual(names(s.readTables), ['users']);
      const m = classified('merge into todos t using staged s on t.id = s.id when not matched then insert (task) values (s.task)');
      assert.deepEqual(names(m.readTables), ['staged']);
    });

    it('a data-modifying WITH query makes a SELECT a write', () => {
      const s = classified('with gone as (delete from archive.todos where done returning *) select count(*) from gone');
      assert.equal(s.readOnly, false);
      assert.equal(s.kind, 'select');
      assert.deepEqual(names(s.targetTables), ['archive.todos']);
      assert.match(s.writeReason ?? '', /WITH query changes data \(DELETE on archive\.todos\)/);
      assert.equal(s.returning, true);
    });

    it('EXPLAIN ANALYZE of a write runs the write', () => {
      for (const sql of ['explain analyze delete from todos', 'explain (analyze, buffers) update todos set task = 1', 'explain (analyze true) insert into todos default values']) {
        const s = classified(sql);
        assert.equal(s.readOnly, false, sql);
        assert.deepEqual(names(s.targetTables), ['todos'], sql);
        assert.match(s.writeReason ?? '', /EXPLAIN ANALYZE runs/);
      }
    });

    it('RETURNING is noticed (INSERT … RETURNING needs a SELECT policy too)', () => {
      assert.equal(classified("insert into todos (task) values ('x') returning *").returning, true);
      assert.equal(classified("insert into todos (task) values ('x')").returning, false);
      assert.equal(classified('delete from todos where id = 1 returning id').returning, true);
    });

    it('DDL, CALL, DO, COPY, SELECT INTO are writes', () => {
      const cases: [string, string, string, string[]][] = [
        ['create table notes (id int primary key)', 'ddl', 'CREATE TABLE', ['notes']],
        ['create or replace function f() returns int language sql as $$ select 1 $$', 'ddl', 'CREATE FUNCTION', []],
        ['create unique index on todos (task)', 'ddl', 'CREATE INDEX', ['todos']],
        ['create materialized view mv as select 1', 'ddl', 'CREATE MATERIALIZED VIEW', ['mv']],
        ['alter table app.todos enable row level security', 'ddl', 'ALTER TABLE', ['app.todos']],
        ['create policy p on todos for select using (true)', 'ddl', 'CREATE POLICY', ['todos']],
        ['drop table todos', 'ddl', 'DROP TABLE', []],
        ['grant select on todos to authenticated', 'ddl', 'GRANT', []],
        ['truncate todos, tags', 'ddl', 'TRUNCATE', ['todos', 'tags']],
        ['call do_things(1)', 'call', 'CALL', []],
        ["do $$ begin perform 1; end $$", 'do', 'DO', []],
        ['copy todos from stdin', 'copy', 'COPY', ['todos']],
        ['copy todos to stdout', 'copy', 'COPY', ['todos']],
        ['select * into backup from todos', 'ddl', 'SELECT INTO', ['backup']],
        ['create table backup as select * from todos', 'ddl', 'CREATE TABLE', ['backup']],
        ['begin', 'transaction', 'BEGIN', []],
        ['set role neondb_owner', 'session', 'SET', []],
        ['reset role', 'session', 'RESET', []],
        ['discard all', 'session', 'DISCARD', []],
      ];
      for (const [sql, kind, command, targets] of cases) {
        const s = classified(sql);
        assert.equal(s.readOnly, false, sql);
        assert.equal(s.kind, kind, sql);
        assert.equal(s.command, command, sql);
        assert.deepEqual(names(s.targetTables), targets, sql);
      }
    });
  });

  describe('refusals', () => {
    it('refuses several statements, with how many', () => {
      const r = classifySql('select 1; select 2;');
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.problem.code, 'multiple-statements');
      assert.equal(r.problem.statementCount, 2);
      assert.match(r.problem.message, /2 statements.*one statement at a time/);
    });

    it('a single statement with its semicolon and comments is one statement', () => {
      const s = classified('-- mine\n  select * from todos; /* done */ ');
      assert.equal(s.text, 'select * from todos');
    });

    it('refuses empty text and comments only', () => {
      for (const sql of ['', '   \n', '-- nothing here\n', '/* a */ ;']) {
        const r = classifySql(sql);
        assert.equal(r.ok, false, JSON.stringify(sql));
        if (!r.ok) assert.equal(r.problem.code, 'empty', JSON.stringify(sql));
      }
    });

    it('reports a syntax error with its position in UTF-16 offsets', () => {
      const sql = "select 'é', 'ü' fromm todos";
      const r = classifySql(sql);
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.problem.code, 'syntax-error');
      assert.equal(r.problem.position, sql.indexOf('todos'));
      assert.match(r.problem.message, /syntax error at or near "todos" \(line 1, column 23\)/);
      const astral = classifySql("select '😀' fromm todos");
      assert.equal(astral.ok ? -1 : astral.problem.position, "select '😀' fromm ".length, 'a character outside the BMP is two UTF-16 units');
    });
  });

  describe('statements of a document', () => {
    const doc = [
      '-- todos of alice',
      "select * from todos where user_id = 'alice';",
      '',
      "insert into todos (task) values ('semi;colon'), ($$dollar;quoted$$);",
      '/* é ü multi-byte */ update todos',
      "   set task = 'ö'",
      '   where id = 1;',
      'create function f() returns int language sql begin atomic select 1; select 2; end;',
      'select 3',
    ].join('\n');

    it('splits on the parser\'s statement boundaries (strings, dollar quotes, BEGIN ATOMIC bodies)', () => {
      const spans = splitStatements(doc);
      assert.deepEqual(
        spans.map((s) => s.text),
        [
          "select * from todos where user_id = 'alice'",
          "insert into todos (task) values ('semi;colon'), ($$dollar;quoted$$)",
          "update todos\n   set task = 'ö'\n   where id = 1",
          'create function f() returns int language sql begin atomic select 1; select 2; end',
          'select 3',
        ],
      );
      for (const s of spans) assert.equal(doc.slice(s.start, s.end), s.text);
    });

    it('finds the statement at the cursor', () => {
      const at = (needle: string, delta = 0) => statementAt(doc, doc.indexOf(needle) + delta)?.text;
      assert.equal(at('user_id'), "select * from todos where user_id = 'alice'");
      assert.equal(at('-- todos'), "select * from todos where user_id = 'alice'", 'a comment before the first statement belongs to it');
      assert.equal(at("'alice';", 8), "select * from todos where user_id = 'alice'", 'right after the semicolon');
      assert.equal(at('semi;colon', 4), "insert into todos (task) values ('semi;colon'), ($$dollar;quoted$$)");
      assert.equal(at("'ö'"), "update todos\n   set task = 'ö'\n   where id = 1", 'offsets after multi-byte characters');
      assert.equal(at('select 2'), 'create function f() returns int language sql begin atomic select 1; select 2; end');
      assert.equal(at('select 3', 8), 'select 3', 'at the very end');
      assert.equal(statementAt(doc, doc.indexOf("'alice';") + 9)?.text.startsWith('insert'), true, 'the empty line belongs to the next statement');
    });

    it('still finds the statement at the cursor while a later one does not parse yet', () => {
      const editing = "select * from todos;\nselect * from todos where task = 'unfinished";
      assert.equal(statementAt(editing, 3)?.text, 'select * from todos');
      assert.equal(statementAt(editing, editing.length)?.text, "select * from todos where task = 'unfinished");
      const broken = 'select 1;\nselec 2;\nselect 3';
      assert.deepEqual(splitStatements(broken).map((s) => s.text), ['select 1', 'selec 2', 'select 3']);
    });

    it('has no statement in an empty document', () => {
      assert.equal(statementAt('', 0), undefined);
      assert.equal(statementAt('-- just a comment', 5), undefined);
    });
  });

  describe('matchingRowsQuery', () => {
    const q = (sql: string) => matchingRowsQuery(classified(sql));
    it('turns UPDATE and DELETE into a count of the rows their WHERE matches', () => {
      assert.equal(q("update todos set task = 'x' where task = 'fix bike'"), "select count(*) as matching_rows from todos where task = 'fix bike'");
      assert.equal(q("update todos t set task = (select 'a' from x where y) where t.id in (select id from z) returning *"), 'select count(*) as matching_rows from todos t where t.id in (select id from z)');
      assert.equal(q('update todos set done = true from users u where u.id = todos.user_id'), 'select count(*) as matching_rows from todos, users u where u.id = todos.user_id');
      assert.equal(q('delete from only app.todos as t using tags g where g.todo = t.id returning t.id'), 'select count(*) as matching_rows from only app.todos as t, tags g where g.todo = t.id');
      assert.equal(q('delete from todos'), 'select count(*) as matching_rows from todos');
      assert.equal(q('with old as (select id from todos where done) delete from todos where id in (select id from old)'), 'with old as (select id from todos where done) select count(*) as matching_rows from todos where id in (select id from old)');
    });
    it('has none for other statements', () => {
      assert.equal(q("insert into todos (task) values ('x')"), undefined);
      assert.equal(q('select 1'), undefined);
      assert.equal(q('delete from todos where current of c'), undefined);
      assert.equal(q('with gone as (delete from a returning id) delete from todos where id in (select id from gone)'), undefined);
    });
  });
});
