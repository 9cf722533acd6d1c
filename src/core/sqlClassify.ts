/**
 * What a SQL statement does, read with the real PostgreSQL parser (libpg-query, WASM): whether it only
 * reads or changes something, which tables it writes and reads, and where each statement of a document
 * starts and ends (for "run the statement at the cursor").
 *
 * Call `await loadSqlParser()` (src/core/sql/parser) once; every other function here is synchronous after that.
 *
 * Offsets: the parser reports UTF-8 byte offsets; everything this module returns is in UTF-16 code
 * units (JavaScript string indices, what an editor's offsetAt gives).
 */
import { assertSqlParserLoaded, parseSql, scanSql } from './sql/parser';
import { quoteIdent } from './sql/quote';


// ---------------------------------------------------------------------------------------------
// Public shapes

export interface TableRef {
  /** Schema as written (unquoted); absent when the statement did not qualify the name. */
  schema?: string;
  name: string;
}

/** `schema.name` or `name`, quoted as Postgres needs (what `to_regclass` and generated SQL take). */
export function formatTableRef(table: TableRef): string {
  return table.schema ? `${quoteIdent(table.schema)}.${quoteIdent(table.name)}` : quoteIdent(table.name);
}

export type StatementKind =
  | 'select'
  | 'values'
  | 'table'
  | 'show'
  | 'explain'
  | 'insert'
  | 'update'
  | 'delete'
  | 'merge'
  | 'ddl'
  | 'call'
  | 'do'
  | 'copy'
  /** BEGIN, COMMIT, ROLLBACK, SAVEPOINT, … */
  | 'transaction'
  /** SET, RESET, SET ROLE, SET SESSION AUTHORIZATION, DISCARD */
  | 'session'
  | 'utility';

export interface ClassifiedStatement {
  /** The statement without surrounding whitespace, comments and the closing semicolon. */
  text: string;
  kind: StatementKind;
  /** SELECT, INSERT, UPDATE, DELETE, MERGE, EXPLAIN, SHOW, VALUES, TABLE, CREATE TABLE, GRANT, … */
  command: string;
  /** True when it only reads: SELECT (also … FOR UPDATE), VALUES, TABLE, SHOW, EXPLAIN without ANALYZE of a write. */
  readOnly: boolean;
  /** Why a statement counts as a write when its first word does not say so. */
  writeReason?: string;
  /** Tables the statement writes (INSERT/UPDATE/DELETE/MERGE targets, data-modifying WITH queries, DDL targets). */
  targetTables: TableRef[];
  /** Tables (and views) it reads, without the names of its own WITH queries. */
  readTables: TableRef[];
  /** How many times it names a table or view (a self-join counts twice), WITH query names excluded. */
  relationOccurrences: number;
  /** An INSERT/UPDATE/DELETE/MERGE (possibly inside WITH) has RETURNING: its rows must also pass SELECT policies. */
  returning: boolean;
  /** SELECT … FOR UPDATE/SHARE: a read that takes row locks (Postgres refuses it in a READ ONLY transaction). */
  locksRows: boolean;
}

export type SqlProblemCode = 'empty' | 'multiple-statements' | 'syntax-error';

export interface SqlProblem {
  code: SqlProblemCode;
  /** For people: what is wrong and what to do. */
  message: string;
  /** UTF-16 offset of a syntax error in the text given. */
  position?: number;
  /** How many statements the text has (multiple-statements). */
  statementCount?: number;
}

export type ClassifyResult = { ok: true; statement: ClassifiedStatement } | { ok: false; problem: SqlProblem };

export interface StatementSpan {
  /** The statement's text: from its first token to its last, without the closing semicolon. */
  text: string;
  /** UTF-16 offsets into the document; `end` is exclusive. */
  start: number;
  end: number;
}

// ---------------------------------------------------------------------------------------------
// Offsets: libpg-query speaks UTF-8 bytes

/** Maps UTF-8 byte offsets of `text` to UTF-16 indices (null when the text is ASCII: offsets agree). */
class OffsetMap {
  private readonly byteToIndex: Int32Array | null;

  constructor(readonly text: string) {
    // eslint-disable-next-line no-control-regex
    if (/^[\x00-\x7f]*$/.test(text)) {
      this.byteToIndex = null;
      return;
    }
    const map = new Int32Array(Buffer.byteLength(text, 'utf8') + 1);
    let byte = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      let width: number;
      if (code < 0x80) width = 1;
      else if (code < 0x800) width = 2;
      else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
        // A surrogate pair is one 4-byte code point: both halves map to its first byte.
        for (let k = 0; k < 4; k++) map[byte + k] = i;
        byte += 4;
        i++;
        continue;
      } else width = 3;
      for (let k = 0; k < width; k++) map[byte + k] = i;
      byte += width;
    }
    map[byte] = text.length;
    this.byteToIndex = map;
  }

  index(byteOffset: number): number {
    if (!this.byteToIndex) return byteOffset;
    return this.byteToIndex[Math.max(0, Math.min(byteOffset, this.byteToIndex.length - 1))];
  }

  byte(index: number): number {
    if (!this.byteToIndex) return index;
    return Buffer.byteLength(this.text.slice(0, index), 'utf8');
  }
}

// ---------------------------------------------------------------------------------------------
// Splitting a document into statements

interface Token {
  start: number; // byte offsets
  end: number;
  text: string;
  comment: boolean;
  keyword: boolean;
}

function scanTokens(text: string): Token[] | undefined {
  try {
    return scanSql(text).tokens.map((t) => ({
      start: t.start,
      end: t.end,
      text: t.text,
      comment: t.tokenName === 'SQL_COMMENT' || t.tokenName === 'C_COMMENT',
      keyword: t.keywordName !== 'NO_KEYWORD',
    }));
  } catch {
    return undefined; // unterminated string, quoted identifier or comment
  }
}

interface RawStatement {
  node: Record<string, unknown>;
  /** Byte offsets of the statement's own text (first to last token). */
  start: number;
  end: number;
}

/** A parse error's position is Postgres' cursor position: in characters (code points), 0-based here. */
type ParseOutcome = { ok: true; statements: RawStatement[] } | { ok: false; message: string; characterPosition?: number };

/** Parses the document; each statement's span is narrowed to its first and last real token. */
function parseDocument(text: string): ParseOutcome {
  if (text.trim() === '') return { ok: true, statements: [] };
  let result: { stmts?: { stmt: Record<string, unknown>; stmt_location?: number; stmt_len?: number }[] };
  try {
    result = parseSql(text) as typeof result;
  } catch (e) {
    const details = (e as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
    return { ok: false, message: details?.message ?? (e as Error).message, characterPosition: details?.cursorPosition };
  }
  const tokens = scanTokens(text) ?? [];
  const totalBytes = Buffer.byteLength(text, 'utf8');
  const statements: RawStatement[] = [];
  for (const s of result.stmts ?? []) {
    const regionStart = s.stmt_location ?? 0;
    const regionEnd = s.stmt_len ? regionStart + s.stmt_len : totalBytes;
    const inside = tokens.filter((t) => !t.comment && t.start >= regionStart && t.end <= regionEnd && t.text !== ';');
    const start = inside.length ? inside[0].start : regionStart;
    const end = inside.length ? inside[inside.length - 1].end : regionEnd;
    statements.push({ node: s.stmt, start, end });
  }
  return { ok: true, statements };
}

/**
 * Splits on semicolons outside quotes, comments, dollar quotes and parentheses, for a document the parser
 * cannot read (a syntax error elsewhere, or a string still being typed).
 */
function splitLexically(text: string): StatementSpan[] {
  const spans: StatementSpan[] = [];
  let depth = 0;
  let i = 0;
  let firstToken = -1;
  let lastTokenEnd = -1;
  const mark = (from: number, to: number) => {
    if (firstToken < 0) firstToken = from;
    lastTokenEnd = to;
  };
  const close = () => {
    if (firstToken >= 0) spans.push({ text: text.slice(firstToken, lastTokenEnd), start: firstToken, end: lastTokenEnd });
    firstToken = -1;
    lastTokenEnd = -1;
  };
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '-' && next === '-') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
      continue;
    }
    if (c === '/' && next === '*') {
      let nest = 1;
      let j = i + 2;
      while (j < text.length && nest > 0) {
        if (text[j] === '/' && text[j + 1] === '*') {
          nest++;
          j += 2;
        } else if (text[j] === '*' && text[j + 1] === '/') {
          nest--;
          j += 2;
        } else {
          j++;
        }
      }
      i = j;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const tokenStart = i;
    if (c === "'" || c === '"') {
      const escapes = c === "'" && /[eE]/.test(text[i - 1] ?? '') && !/[\w$]/.test(text[i - 2] ?? '');
      let j = i + 1;
      while (j < text.length) {
        if (escapes && text[j] === '\\') j += 2;
        else if (text[j] === c && text[j + 1] === c) j += 2;
        else if (text[j] === c) break;
        else j++;
      }
      i = Math.min(j + 1, text.length);
      mark(tokenStart, i);
      continue;
    }
    if (c === '$') {
      const tag = /^\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(text.slice(i));
      if (tag && !/[\w$]/.test(text[i - 1] ?? '')) {
        const endAt = text.indexOf(tag[0], i + tag[0].length);
        i = endAt < 0 ? text.length : endAt + tag[0].length;
        mark(tokenStart, i);
        continue;
      }
    }
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === ';' && depth === 0) {
      close();
      i++;
      continue;
    }
    i++;
    mark(tokenStart, i);
  }
  close();
  return spans;
}

/** Every statement of a document, in order (parser spans; a lexical split when the parser cannot read it). */
export function splitStatements(text: string): StatementSpan[] {
  assertSqlParserLoaded();
  const parsed = parseDocument(text);
  if (!parsed.ok) return splitLexically(text);
  const offsets = new OffsetMap(text);
  return parsed.statements.map((s) => {
    const start = offsets.index(s.start);
    const end = offsets.index(s.end);
    return { text: text.slice(start, end), start, end };
  });
}

/**
 * The statement under the cursor (`offset`, a UTF-16 index) in a document of several statements, as an
 * editor's "run the statement at the cursor" needs it. A statement owns its text and its closing semicolon;
 * a cursor between statements belongs to the one ending on the same line, else to the next one, else to the
 * previous one. Undefined when the document has no statement.
 */
export function statementAt(text: string, offset: number): StatementSpan | undefined {
  const spans = splitStatements(text);
  if (!spans.length) return undefined;
  const at = Math.max(0, Math.min(offset, text.length));
  let previous: StatementSpan | undefined;
  for (const span of spans) {
    const ownedEnd = text[span.end] === ';' ? span.end + 1 : span.end;
    if (at >= span.start && at <= ownedEnd) return span;
    if (at < span.start) {
      if (previous) {
        const prevEnd = text[previous.end] === ';' ? previous.end + 1 : previous.end;
        if (!text.slice(prevEnd, at).includes('\n')) return previous;
      }
      return span;
    }
    previous = span;
  }
  return previous;
}

// ---------------------------------------------------------------------------------------------
// Classification

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const DML_NODES: Record<string, { kind: StatementKind; command: string }> = {
  InsertStmt: { kind: 'insert', command: 'INSERT' },
  UpdateStmt: { kind: 'update', command: 'UPDATE' },
  DeleteStmt: { kind: 'delete', command: 'DELETE' },
  MergeStmt: { kind: 'merge', command: 'MERGE' },
};

/** Statement nodes that are not DDL but still change something (or the session). */
const OTHER_NODES: Record<string, { kind: StatementKind; command?: string }> = {
  CallStmt: { kind: 'call', command: 'CALL' },
  DoStmt: { kind: 'do', command: 'DO' },
  CopyStmt: { kind: 'copy', command: 'COPY' },
  TransactionStmt: { kind: 'transaction' },
  VariableSetStmt: { kind: 'session' },
  DiscardStmt: { kind: 'session' },
  PrepareStmt: { kind: 'utility' },
  ExecuteStmt: { kind: 'utility' },
  DeallocateStmt: { kind: 'utility' },
  DeclareCursorStmt: { kind: 'utility' },
  FetchStmt: { kind: 'utility' },
  ClosePortalStmt: { kind: 'utility' },
  ListenStmt: { kind: 'utility' },
  UnlistenStmt: { kind: 'utility' },
  NotifyStmt: { kind: 'utility' },
  LockStmt: { kind: 'utility' },
  LoadStmt: { kind: 'utility' },
  CheckPointStmt: { kind: 'utility' },
  VacuumStmt: { kind: 'utility' },
  ClusterStmt: { kind: 'utility' },
  ReindexStmt: { kind: 'utility' },
  ConstraintsSetStmt: { kind: 'utility' },
};

/** Modifier words skipped when naming a DDL command ("CREATE OR REPLACE FUNCTION" is CREATE FUNCTION). */
const DDL_MODIFIERS = new Set(['or', 'replace', 'temp', 'temporary', 'unique', 'unlogged', 'global', 'local', 'trusted', 'procedural', 'recursive', 'default', 'if', 'not', 'exists']);

/** Reads one statement: refuses an empty text, several statements, or a syntax error. */
export function classifySql(sql: string): ClassifyResult {
  assertSqlParserLoaded();
  const parsed = parseDocument(sql);
  const offsets = new OffsetMap(sql);
  if (!parsed.ok) {
    const position = parsed.characterPosition !== undefined ? utf16Index(sql, parsed.characterPosition) : undefined;
    return {
      ok: false,
      problem: {
        code: 'syntax-error',
        message: `The statement does not parse: ${parsed.message}${position !== undefined ? ` (${lineColumn(sql, position)})` : ''}. Fix it and run it again.`,
        position,
      },
    };
  }
  if (parsed.statements.length === 0) {
    return { ok: false, problem: { code: 'empty', message: 'There is no SQL statement to run (only whitespace or comments). Type or select one statement.' } };
  }
  if (parsed.statements.length > 1) {
    const n = parsed.statements.length;
    return {
      ok: false,
      problem: {
        code: 'multiple-statements',
        statementCount: n,
        message: `The text has ${n} statements; Run as User runs one statement at a time, so each one is checked and confirmed on its own. Select one statement, or put the cursor in it and run the statement at the cursor.`,
      },
    };
  }
  const raw = parsed.statements[0];
  const start = offsets.index(raw.start);
  const end = offsets.index(raw.end);
  return { ok: true, statement: classifyNode(raw.node, sql.slice(start, end)) };
}

/** The UTF-16 index of the n-th code point. */
function utf16Index(text: string, codePoints: number): number {
  let index = 0;
  for (let n = 0; n < codePoints && index < text.length; n++) index += (text.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
  return index;
}

function lineColumn(text: string, index: number): string {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  const column = index - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

function classifyNode(stmt: Json, text: string): ClassifiedStatement {
  const [nodeType] = Object.keys(stmt);
  const node = (stmt[nodeType] ?? {}) as Json;
  const facts = collectFacts(stmt);
  const base = {
    text,
    readTables: facts.reads,
    relationOccurrences: facts.occurrences,
    returning: facts.returning,
    locksRows: false,
  };

  if (nodeType === 'SelectStmt') {
    const into = isObject(node.intoClause) ? tableFrom((node.intoClause as Json).rel) : undefined;
    const firstWord = firstKeyword(text);
    const kind: StatementKind = firstWord === 'values' ? 'values' : firstWord === 'table' ? 'table' : 'select';
    const command = kind.toUpperCase();
    if (into) {
      return { ...base, kind: 'ddl', command: 'SELECT INTO', readOnly: false, writeReason: `SELECT … INTO creates table ${formatTableRef(into)}`, targetTables: uniqueTables([into, ...facts.writes]) };
    }
    if (facts.writes.length || facts.dmlCount) {
      return {
        ...base,
        kind,
        command,
        readOnly: false,
        writeReason: `its WITH query changes data (${facts.dmlCommands.join(', ')} on ${facts.writes.map(formatTableRef).join(', ')})`,
        targetTables: facts.writes,
      };
    }
    return { ...base, kind, command, readOnly: true, targetTables: [], locksRows: facts.locking };
  }

  if (DML_NODES[nodeType]) {
    const { kind, command } = DML_NODES[nodeType];
    return { ...base, kind, command, readOnly: false, targetTables: facts.writes };
  }

  if (nodeType === 'ExplainStmt') {
    const analyze = explainAnalyzes(node.options);
    if (analyze && (facts.writes.length || facts.dmlCount)) {
      return {
        ...base,
        kind: 'explain',
        command: 'EXPLAIN',
        readOnly: false,
        writeReason: `EXPLAIN ANALYZE runs the ${facts.dmlCommands.join(', ')} it explains`,
        targetTables: facts.writes,
      };
    }
    // Without ANALYZE nothing runs: the tables a write would touch are only planned against (RLS shows in the plan).
    return { ...base, kind: 'explain', command: 'EXPLAIN', readOnly: true, readTables: uniqueTables([...facts.reads, ...facts.writes]), targetTables: [], locksRows: facts.locking && analyze };
  }

  if (nodeType === 'VariableShowStmt') return { ...base, kind: 'show', command: 'SHOW', readOnly: true, targetTables: [] };

  const other = OTHER_NODES[nodeType];
  if (other) {
    const targets = nodeType === 'CopyStmt' ? [tableFrom(node.relation)].filter((t): t is TableRef => !!t) : facts.writes;
    return { ...base, kind: other.kind, command: other.command ?? leadingWords(text, 1), readOnly: false, targetTables: targets };
  }

  // Everything else changes the schema, privileges or settings: DDL.
  const targets = uniqueTables([...ddlTargets(nodeType, node), ...facts.writes]);
  return { ...base, kind: 'ddl', command: ddlCommand(text), readOnly: false, targetTables: targets };
}

interface TreeFacts {
  writes: TableRef[];
  reads: TableRef[];
  occurrences: number;
  returning: boolean;
  locking: boolean;
  dmlCount: number;
  dmlCommands: string[];
}

/** Walks the whole tree: DML targets anywhere (data-modifying WITH queries included), read relations, RETURNING, FOR UPDATE. */
function collectFacts(root: Json): TreeFacts {
  const writes: LocatedTable[] = [];
  const reads: LocatedTable[] = [];
  const cteNames = new Set<string>();
  const dmlCommands: string[] = [];
  let returning = false;
  let locking = false;
  let dmlCount = 0;

  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
      return;
    }
    if (!isObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      if (DML_NODES[key] && isObject(child)) {
        dmlCount++;
        if (!dmlCommands.includes(DML_NODES[key].command)) dmlCommands.push(DML_NODES[key].command);
        const target = locatedTable(child.relation);
        if (target) writes.push(target);
        const ret = child.returningClause ?? child.returningList;
        if ((isObject(ret) && Array.isArray(ret.exprs) && ret.exprs.length) || (Array.isArray(ret) && ret.length)) returning = true;
        // The target is not a read; everything else under the node is visited as usual.
        for (const [k, grandChild] of Object.entries(child)) if (k !== 'relation') visit(grandChild);
        continue;
      }
      if (key === 'RangeVar' && isObject(child)) {
        const table = locatedTable(child);
        if (table) reads.push(table);
        continue;
      }
      if (key === 'CommonTableExpr' && isObject(child) && typeof child.ctename === 'string') cteNames.add(child.ctename);
      if (key === 'LockingClause') locking = true;
      visit(child);
    }
  };
  visit(root);
  const inTextOrder = (list: LocatedTable[]) => list.sort((a, b) => a.location - b.location).map((t) => t.table);
  const notCte = (t: TableRef) => t.schema !== undefined || !cteNames.has(t.name);
  return {
    occurrences: writes.length + reads.filter((r) => notCte(r.table)).length,
    writes: uniqueTables(inTextOrder(writes)),
    reads: uniqueTables(inTextOrder(reads).filter(notCte)),
    returning,
    locking,
    dmlCount,
    dmlCommands,
  };
}

interface LocatedTable {
  table: TableRef;
  location: number;
}

function locatedTable(value: unknown): LocatedTable | undefined {
  const table = tableFrom(value);
  return table ? { table, location: Number((value as Json).location ?? 0) } : undefined;
}

function tableFrom(value: unknown): TableRef | undefined {
  if (!isObject(value) || typeof value.relname !== 'string') return undefined;
  return typeof value.schemaname === 'string' && value.schemaname ? { schema: value.schemaname, name: value.relname } : { name: value.relname };
}

function uniqueTables(tables: TableRef[]): TableRef[] {
  const seen = new Set<string>();
  return tables.filter((t) => {
    const key = formatTableRef(t);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** EXPLAIN (ANALYZE [true|on|1]) — EXPLAIN ANALYZE with the old syntax gives a bare `analyze` option too. */
function explainAnalyzes(options: unknown): boolean {
  if (!Array.isArray(options)) return false;
  for (const option of options) {
    const def = isObject(option) ? (option.DefElem as Json | undefined) : undefined;
    if (!def || def.defname !== 'analyze') continue;
    if (def.arg === undefined) return true;
    const arg = def.arg as Json;
    const text = isObject(arg.String) ? String((arg.String as Json).sval ?? '') : isObject(arg.Integer) ? String((arg.Integer as Json).ival ?? 0) : isObject(arg.Boolean) ? String((arg.Boolean as Json).boolval ?? false) : 'true';
    return !/^(false|off|0|no)$/i.test(text);
  }
  return false;
}

/** Tables DDL statements name as their subject. */
function ddlTargets(nodeType: string, node: Json): TableRef[] {
  const out: TableRef[] = [];
  const add = (v: unknown) => {
    const t = tableFrom(v) ?? (isObject(v) ? tableFrom(v.RangeVar) : undefined);
    if (t) out.push(t);
  };
  switch (nodeType) {
    case 'CreateStmt':
    case 'AlterTableStmt':
    case 'IndexStmt':
    case 'CreateTrigStmt':
    case 'RuleStmt':
      add(node.relation);
      break;
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt':
      add(node.table);
      break;
    case 'CreateTableAsStmt':
      if (isObject(node.into)) add((node.into as Json).rel);
      break;
    case 'ViewStmt':
      add(node.view);
      break;
    case 'TruncateStmt':
      if (Array.isArray(node.relations)) for (const r of node.relations) add(r);
      break;
  }
  return out;
}

function firstKeyword(text: string): string {
  return /^[a-z]+/i.exec(text)?.[0]?.toLowerCase() ?? '';
}

function leadingWords(text: string, count: number): string {
  const tokens = scanTokens(text) ?? [];
  return tokens
    .filter((t) => !t.comment)
    .slice(0, count)
    .map((t) => t.text.toUpperCase())
    .join(' ');
}

/** "CREATE TABLE", "ALTER POLICY", "GRANT", "CREATE MATERIALIZED VIEW", … from the statement's first words. */
function ddlCommand(text: string): string {
  const words = (scanTokens(text) ?? []).filter((t) => !t.comment).map((t) => t.text);
  const first = words[0]?.toUpperCase() ?? '';
  if (!['CREATE', 'ALTER', 'DROP', 'COMMENT', 'SECURITY'].includes(first)) return first;
  const rest: string[] = [];
  for (const w of words.slice(1)) {
    const lower = w.toLowerCase();
    if (DDL_MODIFIERS.has(lower)) continue;
    rest.push(w.toUpperCase());
    if (!['MATERIALIZED', 'FOREIGN', 'EVENT', 'TEXT', 'ACCESS', 'DEFAULT', 'USER', 'ON'].includes(w.toUpperCase()) || rest.length >= 3) break;
  }
  return [first, ...rest].join(' ');
}

// ---------------------------------------------------------------------------------------------
// The rows an UPDATE or DELETE would touch, as the owner sees them

/**
 * A `SELECT count(*)` over the rows the WHERE clause of an UPDATE or DELETE matches (its FROM/USING tables
 * included), so the owner's side can tell "0 rows updated" apart from "0 rows matched". Undefined when the
 * statement is not a plain UPDATE/DELETE (WHERE CURRENT OF, a data-modifying WITH, …).
 */
export function matchingRowsQuery(statement: ClassifiedStatement): string | undefined {
  if (statement.kind !== 'update' && statement.kind !== 'delete') return undefined;
  if (statement.targetTables.length !== 1) return undefined; // a data-modifying WITH writes more tables
  const text = statement.text;
  const tokens = scanTokens(text);
  if (!tokens) return undefined;
  const offsets = new OffsetMap(text);
  const code = tokens.filter((t) => !t.comment);
  // Top-level keyword positions (outside parentheses).
  let depth = 0;
  const top: { word: string; index: number }[] = [];
  code.forEach((t, index) => {
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    else if (depth === 0 && t.keyword) top.push({ word: t.text.toLowerCase(), index });
  });
  const find = (word: string, after = -1) => top.find((k) => k.word === word && k.index > after)?.index;
  const slice = (fromToken: number, toToken: number | undefined): string => {
    const from = offsets.index(code[fromToken].start);
    const to = toToken === undefined ? text.length : offsets.index(code[toToken].start);
    return text.slice(from, to).trim();
  };
  const verbAt = find(statement.kind);
  if (verbAt === undefined) return undefined;
  const withPrefix = verbAt > 0 ? slice(0, verbAt) : '';
  const returningAt = find('returning', verbAt);
  const whereAt = find('where', verbAt);
  if (whereAt !== undefined && code[whereAt + 1]?.text.toLowerCase() === 'current') return undefined;
  const stopAt = (...candidates: (number | undefined)[]) => candidates.filter((c): c is number => c !== undefined).sort((a, b) => a - b)[0];

  let relation: string;
  let extraFrom: string | undefined;
  if (statement.kind === 'update') {
    const setAt = find('set', verbAt);
    if (setAt === undefined) return undefined;
    relation = slice(verbAt + 1, setAt);
    const fromAt = find('from', setAt);
    if (fromAt !== undefined && (whereAt === undefined || fromAt < whereAt) && (returningAt === undefined || fromAt < returningAt)) {
      extraFrom = slice(fromAt + 1, stopAt(whereAt, returningAt));
    }
  } else {
    const fromAt = find('from', verbAt);
    if (fromAt === undefined) return undefined;
    const usingAt = find('using', fromAt);
    relation = slice(fromAt + 1, stopAt(usingAt, whereAt, returningAt));
    if (usingAt !== undefined) extraFrom = slice(usingAt + 1, stopAt(whereAt, returningAt));
  }
  const where = whereAt !== undefined ? slice(whereAt + 1, returningAt) : undefined;
  if (!relation) return undefined;
  return `${withPrefix ? `${withPrefix} ` : ''}select count(*) as matching_rows from ${relation}${extraFrom ? `, ${extraFrom}` : ''}${where ? ` where ${where}` : ''}`;
}
