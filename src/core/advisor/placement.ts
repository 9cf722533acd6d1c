/**
 * Where the objects a finding is about are defined in a workspace: `CREATE TABLE` / `CREATE POLICY` /
 * `CREATE VIEW` / `CREATE FUNCTION` / `CREATE EXTENSION` / `CREATE ROLE` statements in SQL files (read with
 * the real PostgreSQL parser, statement by statement, so one broken statement does not hide the others),
 * and drizzle-orm's `pgTable(` / `pgPolicy(` / `crudPolicy(` / `pgView(` calls in TypeScript (a small
 * scanner: strings, comments and template literals skipped, parentheses matched). No `vscode` import.
 * SQL needs `await loadSqlParser()` (src/core/sql/parser) first.
 */
import { parseSql } from '../sql/parser';
import { splitStatements } from '../sqlClassify';
import { definitionSourceOf } from './sources';
import type { AdvisorFinding, AdvisorObject } from './types';

export type DefinitionKind = 'table' | 'policy' | 'view' | 'function' | 'extension' | 'role';

/** 0-based, as editors count; `character` in UTF-16 code units. */
export interface SourcePosition {
  readonly line: number;
  readonly character: number;
}

export interface SourceRange {
  readonly start: SourcePosition;
  readonly end: SourcePosition;
}

export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

export interface Definition {
  /** `table:public.todos`, `policy:public.todos:name`, `function:public.f`, `extension:pg_session_jwt`… */
  readonly key: string;
  readonly kind: DefinitionKind;
  readonly path: string;
  /** The statement's or call's head: `CREATE POLICY "x" ON todos FOR SELECT`, `pgTable("todos"`. */
  readonly range: SourceRange;
  readonly source: 'sql' | 'drizzle';
}

export interface DefinitionIndex {
  readonly definitions: readonly Definition[];
  lookup(key: string): readonly Definition[];
}


const key = {
  table: (schema: string, name: string) => `table:${schema}.${name}`,
  view: (schema: string, name: string) => `view:${schema}.${name}`,
  policy: (schema: string, table: string, name: string) => `policy:${schema}.${table}:${name}`,
  function: (schema: string, name: string) => `function:${schema}.${name}`,
  extension: (name: string) => `extension:${name}`,
  role: (name: string) => `role:${name}`,
};

/** The definition keys a finding may be shown on, best first. */
export function placementKeys(object: AdvisorObject): string[] {
  switch (object.kind) {
    case 'table':
      return [key.table(object.schema, object.name)];
    case 'view':
      return [key.view(object.schema, object.name)];
    case 'policy':
      // A policy created elsewhere (a migration tool, the console) is still about its table.
      return [key.policy(object.schema, object.table, object.name), key.table(object.schema, object.table)];
    case 'function':
      return [key.function(object.schema, object.name)];
    case 'extension':
      return [key.extension(object.name)];
    case 'role':
      return [key.role(object.name)];
  }
}

class LineIndex {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.starts.push(i + 1);
  }
  position(offset: number): SourcePosition {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - this.starts[lo]! };
  }
  range(start: number, end: number): SourceRange {
    return { start: this.position(start), end: this.position(end) };
  }
}

// ---------------------------------------------------------------------------------------------------------
// SQL

type Node = Record<string, unknown>;

function names(list: unknown): string[] {
  return Array.isArray(list) ? list.map((n) => String((n as { String?: { sval?: string } }).String?.sval ?? '')) : [];
}

function rangeVar(node: unknown): { schema: string; name: string } | undefined {
  const r = node as { schemaname?: string; relname?: string } | undefined;
  return r?.relname ? { schema: r.schemaname ?? 'public', name: r.relname } : undefined;
}

function sqlDefinition(stmt: Node): { kind: DefinitionKind; key: string } | undefined {
  if (stmt.CreateStmt) {
    const t = rangeVar((stmt.CreateStmt as Node).relation);
    return t && { kind: 'table', key: key.table(t.schema, t.name) };
  }
  if (stmt.CreateTableAsStmt) {
    const s = stmt.CreateTableAsStmt as Node;
    const t = rangeVar((s.into as Node | undefined)?.rel);
    return t && s.objtype !== 'OBJECT_MATVIEW' ? { kind: 'table', key: key.table(t.schema, t.name) } : undefined;
  }
  if (stmt.CreatePolicyStmt) {
    const s = stmt.CreatePolicyStmt as Node;
    const t = rangeVar(s.table);
    return t && typeof s.policy_name === 'string' ? { kind: 'policy', key: key.policy(t.schema, t.name, s.policy_name) } : undefined;
  }
  if (stmt.ViewStmt) {
    const v = rangeVar((stmt.ViewStmt as Node).view);
    return v && { kind: 'view', key: key.view(v.schema, v.name) };
  }
  if (stmt.CreateFunctionStmt) {
    const n = names((stmt.CreateFunctionStmt as Node).funcname);
    const name = n[n.length - 1];
    return name ? { kind: 'function', key: key.function(n.length > 1 ? n[n.length - 2]! : 'public', name) } : undefined;
  }
  if (stmt.CreateExtensionStmt) {
    const name = (stmt.CreateExtensionStmt as Node).extname;
    return typeof name === 'string' ? { kind: 'extension', key: key.extension(name) } : undefined;
  }
  if (stmt.CreateRoleStmt) {
    const name = (stmt.CreateRoleStmt as Node).role;
    return typeof name === 'string' ? { kind: 'role', key: key.role(name) } : undefined;
  }
  return undefined;
}

/**
 * Splits at every semicolon outside strings, quoted identifiers, dollar quotes and comments, whatever the
 * parentheses say: for text the parser refused, where an unclosed parenthesis would otherwise swallow
 * every later statement.
 */
function splitAtSemicolons(text: string, offset: number): { text: string; start: number; end: number }[] {
  const out: { text: string; start: number; end: number }[] = [];
  let start = 0;
  let i = 0;
  const push = (end: number) => {
    const piece = text.slice(start, end);
    const lead = piece.length - piece.trimStart().length;
    if (piece.trim()) out.push({ text: piece.trim(), start: offset + start + lead, end: offset + start + lead + piece.trim().length });
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '-' && text[i + 1] === '-') i = text.indexOf('\n', i) < 0 ? text.length : text.indexOf('\n', i);
    else if (c === '/' && text[i + 1] === '*') i = text.indexOf('*/', i + 2) < 0 ? text.length : text.indexOf('*/', i + 2) + 2;
    else if (c === "'" || c === '"') {
      const close = text.indexOf(c, i + 1);
      i = close < 0 ? text.length : close + 1;
    } else if (c === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(text.slice(i))?.[0];
      if (tag) {
        const close = text.indexOf(tag, i + tag.length);
        i = close < 0 ? text.length : close + tag.length;
      } else i++;
    } else if (c === ';') {
      push(i);
      start = ++i;
    } else i++;
  }
  push(text.length);
  return out;
}

function parseStatement(text: string): Node | undefined {
  return (parseSql(text) as { stmts?: { stmt: Node }[] }).stmts?.[0]?.stmt;
}

/** CREATE statements of a SQL file. Unqualified names are taken to be in `public` (the default search_path). */
export function findSqlDefinitions(file: SourceFile): Definition[] {
  const lines = new LineIndex(file.text);
  const out: Definition[] = [];
  const statements: { text: string; start: number; end: number; stmt: Node }[] = [];
  for (const span of splitStatements(file.text)) {
    try {
      const stmt = parseStatement(span.text);
      if (stmt) statements.push({ ...span, stmt });
    } catch {
      // A statement being edited: read what it hides statement by statement; the others still count.
      for (const piece of splitAtSemicolons(span.text, span.start)) {
        try {
          const stmt = parseStatement(piece.text);
          if (stmt) statements.push({ ...piece, stmt });
        } catch {
          // still unreadable: skipped
        }
      }
    }
  }
  for (const span of statements) {
    const stmt = span.stmt;
    const def = sqlDefinition(stmt);
    if (!def) continue;
    const lineEnd = file.text.indexOf('\n', span.start);
    const end = Math.min(span.end, lineEnd < 0 ? file.text.length : lineEnd);
    out.push({ ...def, path: file.path, range: lines.range(span.start, file.text.slice(span.start, end).trimEnd().length + span.start), source: 'sql' });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Drizzle

interface Token {
  readonly kind: 'ident' | 'string' | 'punct';
  readonly text: string;
  /** For strings: the value (escapes of the quote and backslash resolved). */
  readonly value: string;
  readonly start: number;
  readonly end: number;
  /** For ( [ {: index of the matching closer. */
  match?: number;
}

function isIdentStart(c: string): boolean {
  return /[A-Za-z_$]/.test(c);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  const skipTemplate = (from: number): number => {
    // From just after the opening backtick to just after the closing one, ${…} nesting included.
    let j = from;
    while (j < n && text[j] !== '`') {
      if (text[j] === '\\') j += 2;
      else if (text[j] === '$' && text[j + 1] === '{') {
        let depth = 1;
        j += 2;
        while (j < n && depth > 0) {
          const c = text[j]!;
          if (c === '`') j = skipTemplate(j + 1) - 1;
          else if (c === '"' || c === "'") j = readString(j).end - 1;
          else if (c === '{') depth++;
          else if (c === '}') depth--;
          j++;
        }
      } else j++;
    }
    return Math.min(n, j + 1);
  };
  const readString = (from: number): { end: number; value: string } => {
    const quote = text[from];
    let j = from + 1;
    let value = '';
    while (j < n && text[j] !== quote && text[j] !== '\n') {
      if (text[j] === '\\' && j + 1 < n) {
        value += text[j + 1];
        j += 2;
      } else value += text[j++];
    }
    return { end: Math.min(n, j + 1), value };
  };
  while (i < n) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '/') {
      const e = text.indexOf('\n', i);
      i = e < 0 ? n : e;
    } else if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
    } else if (c === '"' || c === "'") {
      const s = readString(i);
      tokens.push({ kind: 'string', text: text.slice(i, s.end), value: s.value, start: i, end: s.end });
      i = s.end;
    } else if (c === '`') {
      const end = skipTemplate(i + 1);
      // A template without ${} reads like a string (`pgTable(\`todos\`)`).
      const body = text.slice(i + 1, end - 1);
      tokens.push({ kind: body.includes('${') ? 'punct' : 'string', text: text.slice(i, end), value: body, start: i, end });
      i = end;
    } else if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$]/.test(text[j]!)) j++;
      tokens.push({ kind: 'ident', text: text.slice(i, j), value: text.slice(i, j), start: i, end: j });
      i = j;
    } else if (/\s/.test(c)) i++;
    else {
      tokens.push({ kind: 'punct', text: c, value: c, start: i, end: i + 1 });
      i++;
    }
  }
  const stack: number[] = [];
  const closer: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  tokens.forEach((t, index) => {
    if (t.kind !== 'punct') return;
    if (t.text === '(' || t.text === '[' || t.text === '{') stack.push(index);
    else if (closer[t.text]) {
      // Unbalanced input (a file being edited): pop to the nearest matching opener.
      const at = stack.map((s) => tokens[s]!.text).lastIndexOf(closer[t.text]!);
      if (at < 0) return;
      const open = stack[at]!;
      stack.length = at;
      tokens[open]!.match = index;
      t.match = open;
    }
  });
  return tokens;
}

const BUILT_IN_ROLES: Record<string, string> = { authenticatedRole: 'authenticated', anonymousRole: 'anonymous' };

interface TableCall {
  schema: string;
  name: string;
  /** Token indices of the call's parentheses. */
  open: number;
  close: number;
}

/** drizzle-orm table, view and policy definitions of a TypeScript/JavaScript file. */
export function findDrizzleDefinitions(file: SourceFile): Definition[] {
  if (!/\b(pgTable|pgPolicy|crudPolicy|pgView|pgSchema)\b/.test(file.text)) return [];
  const tokens = tokenize(file.text);
  const lines = new LineIndex(file.text);
  const out: Definition[] = [];
  const schemaVars = new Map<string, string>();
  const roleVars = new Map<string, string>();
  const tableVars = new Map<string, TableCall>();
  const tables: TableCall[] = [];
  const t = (i: number) => tokens[i];
  const isPunct = (i: number, p: string) => t(i)?.kind === 'punct' && t(i)!.text === p;
  const isIdent = (i: number, name?: string) => t(i)?.kind === 'ident' && (name === undefined || t(i)!.text === name);
  const isString = (i: number) => t(i)?.kind === 'string';

  /** `const NAME =` right before token i (the call's head): the variable name. */
  const assignedTo = (i: number): string | undefined =>
    isPunct(i - 1, '=') && isIdent(i - 2) && ['const', 'let', 'var'].includes(t(i - 3)?.text ?? '') ? t(i - 2)!.text : undefined;

  // First pass: schemas and roles declared in the file.
  for (let i = 0; i < tokens.length; i++) {
    if ((isIdent(i, 'pgSchema') || isIdent(i, 'pgRole')) && isPunct(i + 1, '(') && isString(i + 2)) {
      const variable = assignedTo(i);
      if (variable) (t(i)!.text === 'pgSchema' ? schemaVars : roleVars).set(variable, t(i + 2)!.value);
    }
  }

  const push = (kind: DefinitionKind, defKey: string, start: number, end: number) =>
    out.push({ kind, key: defKey, path: file.path, range: lines.range(start, end), source: 'drizzle' });

  // Second pass: tables and views (their call's argument range holds their policies).
  for (let i = 0; i < tokens.length; i++) {
    let schema: string | undefined;
    let kind: 'table' | 'view' | undefined;
    let open = -1;
    if (isIdent(i, 'pgTable') || isIdent(i, 'pgView')) {
      schema = 'public';
      kind = t(i)!.text === 'pgTable' ? 'table' : 'view';
      open = isPunct(i + 1, '(') ? i + 1 : isPunct(i + 1, '.') && isIdent(i + 2, 'withRLS') && isPunct(i + 3, '(') ? i + 3 : -1;
    } else if (isIdent(i) && schemaVars.has(t(i)!.text) && isPunct(i + 1, '.') && (isIdent(i + 2, 'table') || isIdent(i + 2, 'view'))) {
      schema = schemaVars.get(t(i)!.text)!;
      kind = t(i + 2)!.text === 'table' ? 'table' : 'view';
      open = isPunct(i + 3, '(') ? i + 3 : isPunct(i + 3, '.') && isIdent(i + 4, 'withRLS') && isPunct(i + 5, '(') ? i + 5 : -1;
    }
    if (!kind || open < 0 || !isString(open + 1)) continue;
    const name = t(open + 1)!.value;
    push(kind, kind === 'table' ? key.table(schema!, name) : key.view(schema!, name), t(i)!.start, t(open + 1)!.end);
    if (kind === 'table') {
      const call: TableCall = { schema: schema!, name, open, close: t(open)!.match ?? tokens.length };
      tables.push(call);
      const variable = assignedTo(i);
      if (variable) tableVars.set(variable, call);
    }
  }

  /** The table whose call encloses token i, or the one `.link(table)` after the policy call names. */
  const tableFor = (i: number, close: number | undefined): TableCall | undefined => {
    const enclosing = tables.filter((c) => c.open < i && i < c.close).sort((a, b) => b.open - a.open)[0];
    if (enclosing) return enclosing;
    if (close !== undefined && isPunct(close + 1, '.') && isIdent(close + 2, 'link') && isPunct(close + 3, '(') && isIdent(close + 4)) {
      return tableVars.get(t(close + 4)!.text);
    }
    return undefined;
  };

  const roleName = (i: number): string | undefined =>
    isString(i) ? t(i)!.value : isIdent(i) ? (BUILT_IN_ROLES[t(i)!.text] ?? roleVars.get(t(i)!.text)) : undefined;

  for (let i = 0; i < tokens.length; i++) {
    if (isIdent(i, 'pgPolicy') && isPunct(i + 1, '(') && isString(i + 2)) {
      const table = tableFor(i, t(i + 1)!.match);
      if (table) push('policy', key.policy(table.schema, table.name, t(i + 2)!.value), t(i)!.start, t(i + 2)!.end);
    } else if (isIdent(i, 'crudPolicy') && isPunct(i + 1, '(') && isPunct(i + 2, '{')) {
      const table = tableFor(i, t(i + 1)!.match);
      if (!table) continue;
      const objectEnd = t(i + 2)!.match ?? tokens.length;
      // The `role:` property at the object's top level: one role, or an array of them.
      let roles: (string | undefined)[] | undefined;
      for (let j = i + 3; j < objectEnd; j++) {
        if (isIdent(j, 'role') && isPunct(j + 1, ':')) {
          if (isPunct(j + 2, '[')) {
            const end = t(j + 2)!.match ?? objectEnd;
            roles = [];
            for (let k = j + 3; k < end; k++) if (!isPunct(k, ',')) roles.push(roleName(k));
          } else roles = [roleName(j + 2)];
          break;
        }
        if (t(j)!.match !== undefined && t(j)!.match! > j) j = t(j)!.match!; // skip nested values
      }
      if (!roles || roles.some((r) => r === undefined)) continue;
      const prefix = `crud-${roles.join('-')}-policy`;
      for (const command of ['select', 'insert', 'update', 'delete']) {
        push('policy', key.policy(table.schema, table.name, `${prefix}-${command}`), t(i)!.start, t(i + 1)!.end);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------

/** Reads every file's definitions (SQL files need the parser loaded). */
export function indexDefinitions(files: readonly SourceFile[]): DefinitionIndex {
  const definitions: Definition[] = [];
  for (const file of files) {
    const source = definitionSourceOf(file.path);
    if (source === 'sql') definitions.push(...findSqlDefinitions(file));
    else if (source === 'drizzle') definitions.push(...findDrizzleDefinitions(file));
  }
  const byKey = new Map<string, Definition[]>();
  for (const d of definitions) byKey.set(d.key, [...(byKey.get(d.key) ?? []), d]);
  return { definitions, lookup: (k) => byKey.get(k) ?? [] };
}

/** Where a finding goes: every definition of its object (or of its table, for a policy defined nowhere). */
export function placeFinding(finding: Pick<AdvisorFinding, 'object'>, index: DefinitionIndex): readonly Definition[] {
  for (const k of placementKeys(finding.object)) {
    const found = index.lookup(k);
    if (found.length) return found;
  }
  return [];
}
