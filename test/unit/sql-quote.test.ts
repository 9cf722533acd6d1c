import assert from 'node:assert/strict';
import { fitIdentifier, parseQualifiedName, qualifiedName, quoteIdent, quoteIdentAlways, quoteLiteral } from '../../src/core/sql/quote';

describe('sql/quote', () => {
  it('quoteIdent quotes only what Postgres needs quoted', () => {
    const cases: [string, string][] = [
      ['todos', 'todos'],
      ['user_id', 'user_id'],
      ['_private$1', '_private$1'],
      ['Todos', '"Todos"'],
      ['user', '"user"'], // reserved keyword
      ['select', '"select"'],
      ['two words', '"two words"'],
      ['1st', '"1st"'],
      ['a"b', '"a""b"'],
      ['"', '""""'],
      ['tôdos', '"tôdos"'],
    ];
    for (const [name, quoted] of cases) assert.equal(quoteIdent(name), quoted, name);
  });

  it('quoteIdentAlways quotes every name and doubles inner quotes', () => {
    assert.equal(quoteIdentAlways('todos'), '"todos"');
    assert.equal(quoteIdentAlways('My Schema'), '"My Schema"');
    assert.equal(quoteIdentAlways('we"ird'), '"we""ird"');
    assert.equal(quoteIdentAlways('"'), '""""');
  });

  it('refuses names Postgres cannot take', () => {
    assert.throws(() => quoteIdent(''), /cannot be empty/);
    assert.throws(() => quoteIdent('a\0b'), /NUL/);
    assert.throws(() => quoteIdentAlways(''), /cannot be empty/);
    assert.throws(() => quoteIdentAlways('a\0b'), /NUL/);
    assert.throws(() => quoteLiteral('a\0b'), /NUL/);
  });

  it('parseQualifiedName reads typed names like Postgres folds them', () => {
    assert.deepEqual(parseQualifiedName('public.Todos'), { schema: 'public', name: 'todos' });
    assert.deepEqual(parseQualifiedName('"My Schema"."Todos"'), { schema: 'My Schema', name: 'Todos' });
    assert.deepEqual(parseQualifiedName('todos'), { schema: 'public', name: 'todos' });
    assert.deepEqual(parseQualifiedName(' app . "we""ird" '), { schema: 'app', name: 'we"ird' });
    assert.deepEqual(parseQualifiedName('todos', 'app'), { schema: 'app', name: 'todos' });
    assert.equal(parseQualifiedName('a.b.c'), undefined);
    assert.equal(parseQualifiedName(''), undefined);
    assert.equal(parseQualifiedName('"unclosed'), undefined);
    assert.equal(parseQualifiedName('two words'), undefined);
  });

  it('parseQualifiedName reads back what qualifiedName writes', () => {
    for (const [schema, name] of [['public', 'todos'], ['My Schema', 'Order'], ['app', 'user'], ['s', 'a"b'], ['s', 'a.b']] as const) {
      assert.deepEqual(parseQualifiedName(qualifiedName(schema, name)), { schema, name });
    }
  });

  it('qualifiedName quotes each part as needed', () => {
    assert.equal(qualifiedName('public', 'todos'), 'public.todos');
    assert.equal(qualifiedName('My Schema', 'Order'), '"My Schema"."Order"');
  });

  it('quoteLiteral doubles single quotes and keeps backslashes', () => {
    assert.equal(quoteLiteral(''), "''");
    assert.equal(quoteLiteral("it's"), "'it''s'");
    assert.equal(quoteLiteral("''"), "''''''");
    assert.equal(quoteLiteral('C:\\path'), "'C:\\path'");
  });

  it('fitIdentifier cuts to 63 bytes on a character boundary', () => {
    assert.equal(fitIdentifier('a'.repeat(63)), 'a'.repeat(63));
    assert.equal(fitIdentifier('a'.repeat(70)), 'a'.repeat(63));
    assert.equal(fitIdentifier('é'.repeat(40)), 'é'.repeat(31));
    assert.equal(fitIdentifier('abcdef', 4), 'abcd');
  });
});
