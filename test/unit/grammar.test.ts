// The TextMate grammars in syntaxes/, run through the tokenizer VS Code uses (vscode-textmate with the
// Oniguruma WASM build) on top of VS Code's own TypeScript, JavaScript, SQL and Markdown grammars
// (shipped as JSON by the tm-grammars package). Grammars are registered the way VS Code registers
// `contributes.grammars`: injections looked up by scope prefix, embedded languages merged from the
// injections of the root scope.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';
import type { IGrammar, IRawGrammar, StateStack } from 'vscode-textmate';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const fixtureDir = `${repoRoot}test/fixtures/grammar/`;
const requireFromHere = createRequire(import.meta.url);

const SQL_IN_JS = 'inline.neon-authorize.sql-in-js';
const AUTH_SQL = 'inline.neon-authorize.sql';

/** Scopes the Neon Authorize grammar assigns (see syntaxes/neon-authorize-sql.injection.tmLanguage.json). */
const AUTH_NAMESPACE = 'entity.name.namespace.auth.pg-session-jwt.sql';
const AUTH_FUNCTION = 'support.function.auth.pg-session-jwt.sql';
const ROLE = 'constant.language.role.pg-session-jwt.sql';
const EXTENSION = 'entity.name.namespace.extension.pg-session-jwt.sql';
const SETTING = 'support.variable.setting.pg-session-jwt.sql';
const EMBEDDED_SQL = ['meta.embedded.block.sql', 'meta.embedded.line.sql'];

/** VS Code's built-in grammars for the scopes the tests load, as tm-grammars ships them. */
const baseGrammarFiles: Record<string, string> = {
  'source.ts': 'typescript.json',
  'source.tsx': 'tsx.json',
  'source.js': 'javascript.json',
  'source.js.jsx': 'jsx.json',
  'source.sql': 'sql.json',
  'text.html.markdown': 'markdown.json',
};

/** Language ids for the roots and for the `embeddedLanguages` values of the contribution. */
const languageIds: Record<string, number> = { typescript: 1, typescriptreact: 2, javascript: 3, javascriptreact: 4, sql: 5, markdown: 6 };
const rootLanguage: Record<string, string> = {
  'source.ts': 'typescript',
  'source.tsx': 'typescriptreact',
  'source.js': 'javascript',
  'source.js.jsx': 'javascriptreact',
  'source.sql': 'sql',
  'text.html.markdown': 'markdown',
};

/** vscode-textmate's StandardTokenType, as encoded in bits 8–9 of a token's metadata. */
const TokenType = { Other: 0, Comment: 1, String: 2 } as const;

interface GrammarContribution {
  scopeName: string;
  path: string;
  injectTo?: string[];
  embeddedLanguages?: Record<string, string>;
}

/** The `contributes.grammars` entries package.json must carry for these grammars. */
const contributions: GrammarContribution[] = JSON.parse(readFileSync(`${fixtureDir}contributes.grammars.json`, 'utf8'));

let onigLoaded: Promise<void> | undefined;
function loadOniguruma(): Promise<void> {
  // loadWASM may run once per process.
  onigLoaded ??= oniguruma.loadWASM(readFileSync(requireFromHere.resolve('vscode-oniguruma/release/onig.wasm')).buffer);
  return onigLoaded;
}

function readGrammar(scopeName: string, withInjections: boolean): IRawGrammar | null {
  const own = contributions.find((c) => c.scopeName === scopeName);
  if (own) return withInjections ? vsctm.parseRawGrammar(readFileSync(`${repoRoot}${own.path}`, 'utf8'), own.path) : null;
  const file = baseGrammarFiles[scopeName];
  if (!file) return null; // languages embedded in Markdown that the tests do not need
  const path = requireFromHere.resolve(`tm-grammars/grammars/${file}`);
  return vsctm.parseRawGrammar(readFileSync(path, 'utf8'), path);
}

/** A registry set up like VS Code's TMGrammarFactory; without injections it is the control. */
function createRegistry(withInjections: boolean) {
  const injectionsByScope = new Map<string, string[]>();
  for (const c of withInjections ? contributions : []) {
    for (const target of c.injectTo ?? []) injectionsByScope.set(target, [...(injectionsByScope.get(target) ?? []), c.scopeName]);
  }
  const registry = new vsctm.Registry({
    onigLib: loadOniguruma().then(() => ({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text: string) => new oniguruma.OnigString(text),
    })),
    loadGrammar: async (scopeName: string) => readGrammar(scopeName, withInjections),
    // VS Code collects the injections of every dot-prefix of the root scope (source, source.js, source.js.jsx).
    getInjections: (scopeName: string) => {
      const parts = scopeName.split('.');
      return parts.flatMap((_, i) => injectionsByScope.get(parts.slice(0, i + 1).join('.')) ?? []);
    },
  });
  return {
    async load(rootScope: string): Promise<IGrammar> {
      // VS Code merges the embeddedLanguages of the injections whose injectTo names this exact root.
      const embedded: Record<string, number> = {};
      for (const c of withInjections ? contributions : []) {
        if (!c.injectTo?.includes(rootScope)) continue;
        for (const [scope, language] of Object.entries(c.embeddedLanguages ?? {})) embedded[scope] = languageIds[language];
      }
      const grammar = await registry.loadGrammarWithConfiguration(rootScope, languageIds[rootLanguage[rootScope]], { embeddedLanguages: embedded });
      assert.ok(grammar, `grammar ${rootScope} did not load`);
      return grammar;
    },
  };
}

interface Token {
  line: number;
  start: number;
  text: string;
  scopes: string[];
}

interface TokenizedDocument {
  lines: string[];
  tokens: Token[];
  /** Per line: [start offset, metadata] pairs from tokenizeLine2. */
  metadata: Uint32Array[];
}

function tokenize(grammar: IGrammar, text: string): TokenizedDocument {
  const lines = text.split(/\r?\n/);
  const tokens: Token[] = [];
  const metadata: Uint32Array[] = [];
  let scopesState: StateStack = vsctm.INITIAL;
  let metadataState: StateStack = vsctm.INITIAL;
  lines.forEach((line, index) => {
    const result = grammar.tokenizeLine(line, scopesState);
    scopesState = result.ruleStack;
    for (const t of result.tokens) tokens.push({ line: index, start: t.startIndex, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    const binary = grammar.tokenizeLine2(line, metadataState);
    metadataState = binary.ruleStack;
    metadata.push(binary.tokens);
  });
  return { lines, tokens, metadata };
}

function lineIndex(doc: TokenizedDocument, marker: string): number {
  const index = doc.lines.findIndex((l) => l.includes(marker));
  assert.notEqual(index, -1, `no line contains ${JSON.stringify(marker)}`);
  return index;
}

/** Columns where `text` occurs in `line`; a text that starts or ends with a word character must not touch another one there. */
function occurrences(line: string, text: string): number[] {
  const word = /[\w$]/;
  const columns: number[] = [];
  for (let column = line.indexOf(text); column !== -1; column = line.indexOf(text, column + 1)) {
    const before = column > 0 && word.test(text[0]) && word.test(line[column - 1]);
    const after = word.test(text[text.length - 1]) && word.test(line[column + text.length] ?? '');
    if (!before && !after) columns.push(column);
  }
  return columns;
}

/** The token at the `occurrence`-th `text` on the first line containing `marker`; it must be exactly `text`. */
function tokenAt(doc: TokenizedDocument, marker: string, text: string, occurrence = 0): Token {
  const line = lineIndex(doc, marker);
  const column = occurrences(doc.lines[line], text)[occurrence];
  assert.ok(column !== undefined, `${JSON.stringify(text)} occurs fewer than ${occurrence + 1} times in line ${line + 1}: ${doc.lines[line]}`);
  const token = doc.tokens.find((t) => t.line === line && t.start <= column && column < t.start + t.text.length);
  assert.ok(token, `no token at line ${line + 1}, column ${column}`);
  assert.equal(token.text, text, `expected one token ${JSON.stringify(text)} at line ${line + 1}, got ${JSON.stringify(token.text)} (${token.scopes.join(' ')})`);
  return token;
}

/** Language id and standard token type VS Code would see at that token. */
function metadataAt(doc: TokenizedDocument, token: Token): { languageId: number; tokenType: number } {
  const pairs = doc.metadata[token.line];
  let value = pairs[1];
  for (let i = 0; i < pairs.length; i += 2) if (pairs[i] <= token.start) value = pairs[i + 1];
  return { languageId: value & 0xff, tokenType: (value >>> 8) & 0x3 };
}

/** True when `scope` or one of its dot-extensions is on the token (scope selectors match by prefix). */
function has(token: Token, scope: string): boolean {
  return token.scopes.some((s) => s === scope || s.startsWith(`${scope}.`));
}

function assertScope(token: Token, scope: string): void {
  assert.ok(has(token, scope), `${JSON.stringify(token.text)} (line ${token.line + 1}) lacks ${scope}: ${token.scopes.join(' ')}`);
}

function assertNoScope(token: Token, scope: string): void {
  assert.ok(!has(token, scope), `${JSON.stringify(token.text)} (line ${token.line + 1}) must not have ${scope}: ${token.scopes.join(' ')}`);
}

function assertNotSql(token: Token): void {
  for (const scope of EMBEDDED_SQL) assertNoScope(token, scope);
  assert.ok(!token.scopes.some((s) => s.endsWith('.sql')), `${JSON.stringify(token.text)} (line ${token.line + 1}) has SQL scopes: ${token.scopes.join(' ')}`);
}

/** Inside ${…}: every scope from the substitution inwards is TypeScript, none SQL. */
function assertTypeScriptSubstitution(token: Token): void {
  const start = token.scopes.findIndex((s) => s.startsWith('meta.template.expression.'));
  assert.notEqual(start, -1, `${JSON.stringify(token.text)} is not inside \${…}: ${token.scopes.join(' ')}`);
  const inner = token.scopes.slice(start);
  assert.ok(inner.every((s) => !s.endsWith('.sql')), `SQL scope inside \${…}: ${inner.join(' ')}`);
  for (const scope of [AUTH_FUNCTION, ROLE, AUTH_NAMESPACE]) assertNoScope(token, scope);
}

const fixture = (name: string) => readFileSync(`${fixtureDir}${name}`, 'utf8');
const registry = createRegistry(true);

describe('TextMate grammars', function () {
  describe('SQL in TypeScript (queries.ts)', function () {
    let doc: TokenizedDocument;
    before(async function () {
      doc = tokenize(await registry.load('source.ts'), fixture('queries.ts.txt'));
    });

    it('embeds SQL in a one-line sql`…` template and keeps ${…} as TypeScript', function () {
      const marker = 'const [first] = await sql`SELECT';
      assertScope(tokenAt(doc, marker, 'sql'), 'entity.name.function.tagged-template.ts');
      const select = tokenAt(doc, marker, 'SELECT');
      assertScope(select, 'keyword.other.DML.sql');
      assertScope(select, 'meta.embedded.block.sql');
      assertScope(tokenAt(doc, marker, 'LIMIT'), 'keyword.other.DML.sql');
      const userId = tokenAt(doc, marker, 'userId');
      assertScope(userId, 'variable.other.readwrite.ts');
      assertTypeScriptSubstitution(userId);
      assertScope(tokenAt(doc, marker, '${', 0), 'punctuation.definition.template-expression.begin.ts');
      assertScope(tokenAt(doc, marker, '`', 1), 'punctuation.definition.string.template.end.ts');
      assertNotSql(tokenAt(doc, marker, ';'));
    });

    it('follows a multi-line template to its closing backtick', function () {
      const comment = tokenAt(doc, '-- WHERE is optional', '--');
      assertScope(comment, 'comment.line.double-dash.sql');
      assertScope(comment, 'meta.embedded.block.sql');
      assertScope(tokenAt(doc, 'select id, task, is_complete', 'select'), 'keyword.other.DML.sql');
      assertScope(tokenAt(doc, '    from todos', 'from'), 'keyword.other.DML.sql');
      assertScope(tokenAt(doc, 'where user_id = auth.user_id()', 'user_id', 1), AUTH_FUNCTION);
      const task = tokenAt(doc, 'and task <> ${first.task}', 'task', 1);
      assertScope(task, 'variable.other.property.ts');
      assertTypeScriptSubstitution(task);
      assertScope(tokenAt(doc, 'order by inserted_at desc', 'desc'), 'keyword.other.order.sql');
      const closing = lineIndex(doc, 'order by inserted_at desc') + 1;
      const backtick = doc.tokens.find((t) => t.line === closing && t.text === '`');
      assert.ok(backtick, 'closing backtick not tokenized on its own');
      assertScope(backtick, 'punctuation.definition.string.template.end.ts');
      assertNotSql(backtick);
      assertScope(tokenAt(doc, 'return todos;', 'return'), 'keyword.control.flow.ts');
    });

    it('ends a -- comment at the closing backtick', function () {
      const marker = 'sql`select * from todos -- newest first`';
      assertScope(tokenAt(doc, marker, '--'), 'comment.line.double-dash.sql');
      assertScope(tokenAt(doc, marker, '`', 1), 'punctuation.definition.string.template.end.ts');
      const after = tokenAt(doc, marker, 'afterComment');
      assertScope(after, 'variable.other.constant.ts');
      assertNotSql(after);
    });

    it('reads type arguments on the tag as TypeScript', function () {
      const marker = 'sql<{ n: number }[]>`select count(*)';
      assertScope(tokenAt(doc, marker, 'number'), 'support.type.primitive.ts');
      assertScope(tokenAt(doc, marker, 'count'), 'support.function.aggregate.sql');
      assertScope(tokenAt(doc, marker, 'select'), 'meta.embedded.block.sql');
    });

    it('embeds only the first argument of sql.query(…)', function () {
      const marker = "sql.query('select set_config";
      assertScope(tokenAt(doc, marker, 'query'), 'entity.name.function.ts');
      const select = tokenAt(doc, marker, 'select');
      assertScope(select, 'keyword.other.DML.sql');
      assertScope(select, 'meta.embedded.line.sql');
      const quote = tokenAt(doc, marker, "'", 0);
      assertScope(quote, 'punctuation.definition.string.begin.ts');
      assertNotSql(quote);
      // The parameter list is TypeScript: its 'request.jwt.claims' is a plain TS string.
      const parameter = tokenAt(doc, marker, 'request.jwt.claims');
      assertScope(parameter, 'string.quoted.single.ts');
      assertNotSql(parameter);
      assertNoScope(parameter, SETTING);
      assertScope(tokenAt(doc, marker, 'claims', 1), 'variable.other.readwrite.ts');
    });

    it('embeds txn`…` templates and sql.unsafe(…)', function () {
      assertScope(tokenAt(doc, 'txn`SELECT * FROM posts', 'SELECT'), 'keyword.other.DML.sql');
      assertScope(tokenAt(doc, 'txn`SELECT * FROM posts', 'user_id'), AUTH_FUNCTION);
      assertScope(tokenAt(doc, 'txn`SELECT * FROM tags`', 'FROM'), 'keyword.other.DML.sql');
      assertScope(tokenAt(doc, "sql.unsafe('todos')", 'todos'), 'meta.embedded.line.sql');
    });

    it('keeps SQL strings, quoted identifiers and ${…} inside them apart', function () {
      const marker = "select 'it''s ${userId}' as note";
      assertScope(tokenAt(doc, marker, "''"), 'constant.character.escape.sql');
      const inString = tokenAt(doc, marker, 'userId');
      assertScope(inString, 'variable.other.readwrite.ts');
      assertTypeScriptSubstitution(inString);
      assertScope(tokenAt(doc, marker, 'as'), 'keyword.other.alias.sql');
      const role = tokenAt(doc, marker, 'authenticated');
      assertScope(role, 'string.quoted.double.sql');
      assertScope(role, ROLE);
      assertScope(tokenAt(doc, marker, 'table'), 'variable.other.readwrite.ts');
    });

    it('leaves TypeScript that is not SQL alone', function () {
      const hello = tokenAt(doc, "const greeting = 'hello'", 'hello');
      assertScope(hello, 'string.quoted.single.ts');
      assertNotSql(hello);
      const variable = tokenAt(doc, 'const authenticated = true', 'authenticated');
      assertScope(variable, 'variable.other.constant.ts');
      assertNoScope(variable, ROLE);
      const roleName = tokenAt(doc, "const authenticatedRole = 'authenticated'", 'authenticated');
      assertScope(roleName, 'string.quoted.single.ts');
      assertNoScope(roleName, ROLE);
      const dynamicText = tokenAt(doc, 'sql.query(q, params)', 'q');
      assertScope(dynamicText, 'variable.other.readwrite.ts');
      assertNotSql(dynamicText);
      const flagged = tokenAt(doc, 'select ${authenticated} as flag', 'authenticated');
      assertTypeScriptSubstitution(flagged);
      assertScope(tokenAt(doc, 'select ${authenticated} as flag', 'as'), 'keyword.other.alias.sql');
      const html = tokenAt(doc, 'html`select one`', 'select one');
      assertScope(html, 'string.template.ts');
      assertNotSql(html);
      // A member tag is the host's template-call rule, which starts at the object: left as a plain template.
      const member = tokenAt(doc, 'ctx.sql`select 1`', 'select 1');
      assertScope(member, 'string.template.ts');
      assertNotSql(member);
      assertScope(tokenAt(doc, 'ctx.sql`select 1`', 'afterMember'), 'variable.other.constant.ts');
      const comment = tokenAt(doc, '// sql`select 1` in a comment', ' sql`select 1` in a comment stays a comment');
      assertScope(comment, 'comment.line.double-slash.ts');
      assertNotSql(comment);
      const inString = tokenAt(doc, "'sql`select 1` inside a string'", 'sql`select 1` inside a string');
      assertScope(inString, 'string.quoted.single.ts');
      assertNotSql(inString);
      const substituted = tokenAt(doc, 'return `${greeting} ${authenticated}', 'authenticated');
      assertScope(substituted, 'variable.other.readwrite.ts');
      assertNoScope(substituted, ROLE);
      for (const t of doc.tokens.filter((t) => t.line >= lineIndex(doc, 'declare function getToken'))) assertNotSql(t);
    });

    it('marks embedded SQL with the sql language and non-string token types, as VS Code reads them', function () {
      const marker = "select 'it''s ${userId}' as note";
      const select = metadataAt(doc, tokenAt(doc, marker, 'select'));
      assert.deepEqual(select, { languageId: languageIds.sql, tokenType: TokenType.Other });
      assert.deepEqual(metadataAt(doc, tokenAt(doc, marker, 'it')), { languageId: languageIds.sql, tokenType: TokenType.String });
      assert.deepEqual(metadataAt(doc, tokenAt(doc, '-- WHERE is optional', '--')), { languageId: languageIds.sql, tokenType: TokenType.Comment });
      assert.deepEqual(metadataAt(doc, tokenAt(doc, marker, '`', 0)), { languageId: languageIds.typescript, tokenType: TokenType.String });
      assert.deepEqual(metadataAt(doc, tokenAt(doc, "const greeting = 'hello'", 'hello')), { languageId: languageIds.typescript, tokenType: TokenType.String });
    });

    it('is what makes the difference: without the injection the same template is a plain string', async function () {
      const control = tokenize(await createRegistry(false).load('source.ts'), fixture('queries.ts.txt'));
      const select = tokenAt(control, 'const [first] = await sql`SELECT', 'SELECT id, task FROM todos WHERE user_id = ');
      assertScope(select, 'string.template.ts');
      assertNotSql(select);
      assertNoScope(tokenAt(control, 'where user_id = auth.user_id()', '    where user_id = auth.user_id()'), AUTH_FUNCTION);
    });
  });

  describe('SQL in a React component (TodoList.tsx)', function () {
    let doc: TokenizedDocument;
    before(async function () {
      doc = tokenize(await registry.load('source.tsx'), fixture('TodoList.tsx.txt'));
    });

    it("embeds the guides' sql('…') call written on the line after await", function () {
      const marker = "sql('select * from todos where user_id = auth.user_id()')";
      assertScope(tokenAt(doc, marker, 'sql'), 'entity.name.function.ts');
      const select = tokenAt(doc, marker, 'select');
      assertScope(select, 'keyword.other.DML.sql');
      assertScope(select, 'meta.embedded.line.sql');
      assertScope(tokenAt(doc, marker, 'auth'), AUTH_NAMESPACE);
      assertScope(tokenAt(doc, marker, 'user_id', 1), AUTH_FUNCTION);
      assertScope(tokenAt(doc, marker, "'", 1), 'punctuation.definition.string.end.ts');
      assertNotSql(tokenAt(doc, marker, ';'));
      assert.deepEqual(metadataAt(doc, select), { languageId: languageIds.sql, tokenType: TokenType.Other });
    });

    it('keeps a property named user_id inside ${…} as TypeScript', function () {
      const marker = 'const done = await sql`select count(*)';
      assertScope(tokenAt(doc, marker, 'select'), 'meta.embedded.block.sql');
      const property = tokenAt(doc, marker, 'user_id', 1);
      assertScope(property, 'variable.other.property.ts');
      assertTypeScriptSubstitution(property);
    });

    it('leaves JSX alone', function () {
      const attribute = tokenAt(doc, 'title="sql(', "sql('select 1')");
      assertScope(attribute, 'string.quoted.double.tsx');
      assertNotSql(attribute);
      assertScope(tokenAt(doc, '<li key={todo.id}>', 'li'), 'entity.name.tag.tsx');
      assertScope(tokenAt(doc, "throw new Error('No tokens')", 'No tokens'), 'string.quoted.single.tsx');
      for (const t of doc.tokens.filter((t) => t.line >= lineIndex(doc, 'setTodos(todosResponse'))) assertNotSql(t);
    });
  });

  for (const host of ['source.js', 'source.js.jsx']) {
    describe(`SQL in JavaScript as ${host} (todos.js)`, function () {
      let doc: TokenizedDocument;
      before(async function () {
        doc = tokenize(await registry.load(host), fixture('todos.js'));
      });

      it("embeds sql.query('…', […]) and sql('…')", function () {
        const insert = tokenAt(doc, "sql.query('INSERT INTO todos", 'INSERT INTO');
        assertScope(insert, 'keyword.other.DML.sql');
        assert.deepEqual(metadataAt(doc, insert), { languageId: languageIds.sql, tokenType: TokenType.Other });
        assertScope(tokenAt(doc, "sql.query('INSERT INTO todos", 'VALUES'), 'keyword.other.DML.II.sql');
        const parameter = tokenAt(doc, "sql.query('INSERT INTO todos", 'task', 1);
        assertScope(parameter, 'variable.other.readwrite');
        assertNotSql(parameter);
        assertScope(tokenAt(doc, "await sql('SELECT * FROM todos", 'SELECT'), 'keyword.other.DML.sql');
        assertScope(tokenAt(doc, "await sql('SELECT * FROM todos", 'user_id', 1), AUTH_FUNCTION);
      });

      it('embeds a double-quoted first argument on the line after sql.query(', function () {
        const marker = '"select count(*) from todos where user_id = $1';
        assertScope(tokenAt(doc, marker, 'select'), 'meta.embedded.line.sql');
        const done = tokenAt(doc, marker, 'done');
        assertScope(done, 'string.quoted.single.sql');
        assertScope(tokenAt(doc, marker, '"', 1), 'punctuation.definition.string.end.ts');
        const parameter = tokenAt(doc, '    [userId],', 'userId');
        assertScope(parameter, 'variable.other.readwrite');
        assertNotSql(parameter);
      });

      it('ends SQL comments and unterminated SQL strings at the closing JavaScript quote', function () {
        const commented = "sql('select 1 -- just one')";
        assertScope(tokenAt(doc, commented, '--'), 'comment.line.double-dash.sql');
        assertScope(tokenAt(doc, commented, "'", 1), 'punctuation.definition.string.end');
        assertNotSql(tokenAt(doc, commented, 'afterComment'));
        const unterminated = `sql("select 'unterminated")`;
        assertScope(tokenAt(doc, unterminated, 'unterminated'), 'string.quoted.single.sql');
        assertScope(tokenAt(doc, unterminated, '"', 1), 'punctuation.definition.string.end');
        const after = tokenAt(doc, unterminated, 'afterQuote');
        assertScope(after, 'variable.other.constant');
        assertNotSql(after);
      });

      it('embeds client.query(…) statements and finds the role in them', function () {
        assertScope(tokenAt(doc, "client.query('BEGIN')", 'BEGIN'), 'keyword.other.LUW.sql');
        assertScope(tokenAt(doc, "client.query('COMMIT')", 'COMMIT'), 'keyword.other.LUW.sql');
        assertScope(tokenAt(doc, 'SET LOCAL ROLE authenticated', 'authenticated'), ROLE);
      });

      it('leaves other .query(…) calls, plain strings and JSX attributes alone', function () {
        const route = tokenAt(doc, "router.query('getTodos')", 'getTodos');
        assertScope(route, 'string.quoted.single');
        assertNotSql(route);
        const label = tokenAt(doc, "const label = 'select * from todos'", 'select * from todos');
        assertScope(label, 'string.quoted.single');
        assertNotSql(label);
        const attribute = tokenAt(doc, 'data-sql=', "sql('x')");
        assertScope(attribute, 'string.quoted.double');
        assertNotSql(attribute);
      });
    });
  }

  describe('Neon Authorize names in SQL (policies.sql)', function () {
    let doc: TokenizedDocument;
    before(async function () {
      doc = tokenize(await registry.load('source.sql'), fixture('policies.sql'));
    });

    it('marks the extension, the auth.user_id() column default and the policy roles', function () {
      assertScope(tokenAt(doc, 'CREATE EXTENSION IF NOT EXISTS', 'pg_session_jwt'), EXTENSION);
      const marker = 'user_id text not null default (auth.user_id())';
      assertScope(tokenAt(doc, marker, 'auth'), AUTH_NAMESPACE);
      assertScope(tokenAt(doc, marker, '.'), 'punctuation.accessor');
      assertScope(tokenAt(doc, marker, 'user_id', 1), AUTH_FUNCTION);
      const policyLine = lineIndex(doc, 'CREATE POLICY "Individuals can create todos."');
      const role = doc.tokens.find((t) => t.line === policyLine + 1 && t.text === 'authenticated');
      assert.ok(role, 'TO authenticated not tokenized');
      assertScope(role, ROLE);
      assertScope(tokenAt(doc, 'WITH CHECK ((select auth.user_id())', 'user_id'), AUTH_FUNCTION);
      assertScope(tokenAt(doc, 'TO anonymous USING (true)', 'anonymous'), ROLE);
      assertScope(tokenAt(doc, 'IN SCHEMA public TO authenticated', 'authenticated'), ROLE);
      assertScope(tokenAt(doc, 'GRANT USAGE ON SCHEMA public TO anonymous', 'anonymous'), ROLE);
      const policyName = tokenAt(doc, 'CREATE POLICY "Individuals can create todos."', 'Individuals can create todos.');
      assertScope(policyName, 'string.quoted.double.sql');
      assertNoScope(policyName, ROLE);
    });

    it('marks every pg_session_jwt function, in any case', function () {
      const calls: [string, string][] = [
        ['auth.session()->>', 'session'],
        ['select auth.organization_id()::text', 'organization_id'],
        ['SELECT auth.uid(), auth.jwt()', 'uid'],
        ['SELECT auth.uid(), auth.jwt()', 'jwt'],
        ['AUTH.USER_ID()', 'USER_ID'],
        ['auth.organization();', 'organization'],
        ['SELECT auth.init()', 'init'],
        ['auth.jwt_session_init(', 'jwt_session_init'],
      ];
      for (const [marker, name] of calls) {
        assertScope(tokenAt(doc, marker, name), AUTH_FUNCTION);
        assertNoScope(tokenAt(doc, marker, name), 'constant.other.table-name.sql');
      }
      assertScope(tokenAt(doc, 'AUTH.USER_ID()', 'AUTH'), AUTH_NAMESPACE);
    });

    it('marks request.jwt.claims, pg_session_jwt.jwk and quoted role and extension names', function () {
      for (const marker of ["set_config('request.jwt.claims'", "current_setting('request.jwt.claims'"]) {
        const setting = tokenAt(doc, marker, 'request.jwt.claims');
        assertScope(setting, SETTING);
        assertScope(setting, 'string.quoted.single.sql');
      }
      assertScope(tokenAt(doc, 'SHOW pg_session_jwt.jwk', 'pg_session_jwt.jwk'), SETTING);
      assertScope(tokenAt(doc, "SET LOCAL ROLE 'authenticated'", 'authenticated'), ROLE);
      assertScope(tokenAt(doc, "extname = 'pg_session_jwt'", 'pg_session_jwt'), EXTENSION);
      const otherString = tokenAt(doc, `'{"sub":"alice"}'`, '{"sub":"alice"}');
      assertScope(otherString, 'string.quoted.single.sql');
      assertNoScope(otherString, SETTING);
    });

    it('does not mark look-alikes, comments or strings', function () {
      const column = tokenAt(doc, 'is_authenticated boolean default false', '  is_authenticated ');
      assertNoScope(column, ROLE);
      const comment = tokenAt(doc, '-- not the pg_session_jwt API', ' not the pg_session_jwt API: a comment mentioning auth.user_id() and authenticated');
      assertScope(comment, 'comment.line.double-dash.sql');
      for (const scope of [AUTH_FUNCTION, ROLE, EXTENSION]) assertNoScope(comment, scope);
      const marker = "SELECT 'auth.user_id() is text here'";
      const text = tokenAt(doc, marker, 'auth.user_id() is text here');
      assertScope(text, 'string.quoted.single.sql');
      assertNoScope(text, AUTH_FUNCTION);
      assertNoScope(tokenAt(doc, marker, 'authenticated'), ROLE);
      assertNoScope(tokenAt(doc, marker, 'my_auth'), AUTH_NAMESPACE);
      assertNoScope(tokenAt(doc, marker, 'auth', 1), AUTH_NAMESPACE);
      assertNoScope(tokenAt(doc, marker, 'user_idx'), AUTH_FUNCTION);
      assertNoScope(tokenAt(doc, 'WHERE t.is_authenticated', 'is_authenticated'), ROLE);
    });
  });

  describe('Neon Authorize names in Markdown SQL blocks (guide.md)', function () {
    let doc: TokenizedDocument;
    before(async function () {
      doc = tokenize(await registry.load('text.html.markdown'), fixture('guide.md'));
    });

    it('marks them inside ```sql and nowhere else', function () {
      const policyLine = lineIndex(doc, 'CREATE POLICY "view own"');
      const role = doc.tokens.find((t) => t.line === policyLine + 1 && t.text === 'authenticated');
      assert.ok(role);
      assertScope(role, ROLE);
      assertScope(tokenAt(doc, 'USING ((select auth.user_id())', 'user_id'), AUTH_FUNCTION);
      const prose = tokenAt(doc, 'Outside a code block', 'Outside a code block, auth.user_id() and authenticated are plain text.');
      for (const scope of [AUTH_FUNCTION, ROLE]) assertNoScope(prose, scope);
    });
  });

  describe('contributes.grammars', function () {
    it('points at grammar files whose scope names match and that inject where intended', function () {
      for (const c of contributions) {
        const path = `${repoRoot}${c.path}`;
        assert.ok(existsSync(path), `${c.path} is missing`);
        const grammar = JSON.parse(readFileSync(path, 'utf8'));
        assert.equal(grammar.scopeName, c.scopeName);
        assert.equal(typeof grammar.injectionSelector, 'string', `${c.path} has no injectionSelector`);
      }
      const sqlInJs = contributions.find((c) => c.scopeName === SQL_IN_JS);
      assert.deepEqual(sqlInJs?.injectTo, ['source.ts', 'source.tsx', 'source.js', 'source.js.jsx']);
      const authSql = contributions.find((c) => c.scopeName === AUTH_SQL);
      for (const target of ['source.sql', ...sqlInJs!.injectTo!]) assert.ok(authSql?.injectTo?.includes(target), `${AUTH_SQL} must inject into ${target}`);
    });

    it('matches the entries in package.json', function () {
      const manifest = JSON.parse(readFileSync(`${repoRoot}package.json`, 'utf8'));
      const declared: GrammarContribution[] = (manifest.contributes?.grammars ?? []).filter((g: GrammarContribution) =>
        [SQL_IN_JS, AUTH_SQL].includes(g.scopeName),
      );
      assert.deepEqual(declared.map((g) => g.scopeName).sort(), [AUTH_SQL, SQL_IN_JS].sort(), 'package.json contributes both grammars');
      const byScope = (list: GrammarContribution[]) => [...list].sort((a, b) => a.scopeName.localeCompare(b.scopeName));
      assert.deepEqual(byScope(declared), byScope(contributions));
    });
  });
});
