/**
 * Policy expressions (pg_get_expr text from pg_policy) read with the real PostgreSQL parser:
 * where auth.user_id()/auth.session()/auth.jwt()/current_setting() are called and whether Postgres
 * can evaluate each call once per query (an uncorrelated scalar sub-select becomes an InitPlan) or
 * must call it for every row; which column is compared with the user id; and rewrites of the text
 * for the fixes. Call `await loadSqlParser()` (src/core/sql/parser) before using these.
 */
import { parseSql } from '../sql/parser';
import { quoteLiteral } from '../sql/quote';

/** Functions whose value is the same for the whole query but which Postgres calls per row when left bare. */
const AUTH_FUNCTIONS = new Set(['user_id', 'session', 'jwt', 'uid', 'organization', 'organization_id']);
/** Functions that return the JWT's subject. */
const USER_ID_FUNCTIONS = new Set(['user_id', 'uid']);
const CLAIMS_FUNCTIONS = new Set(['session', 'jwt']);
const CLAIMS_SETTING = 'request.jwt.claims';
const CLAIM_SETTING_PREFIX = 'request.jwt.claim.';

export type PerRowReason =
  /** Called right in the policy expression. */
  | 'bare'
  /** Inside a sub-select that also reads the row (drizzle's authUid() shape), so the sub-select runs per row. */
  | 'correlated'
  /** Inside a sub-query with a FROM clause: called for every row that sub-query reads. */
  | 'in-subquery';

export interface SessionCall {
  /** `auth.user_id` or `current_setting`. */
  readonly name: string;
  /** UTF-16 offsets of the whole call (name through closing parenthesis) in the expression text. */
  readonly start: number;
  readonly end: number;
  /** Evaluated once per query (an uncorrelated scalar sub-select): nothing to fix. */
  readonly once: boolean;
  readonly reason?: PerRowReason;
  /** For current_setting(): the setting's name when it is a constant. */
  readonly setting?: string;
}

export interface ExpressionAnalysis {
  readonly text: string;
  readonly calls: readonly SessionCall[];
  /** Columns of the policy's table compared (=, IS NOT DISTINCT FROM) with the token's subject. */
  readonly userIdColumns: readonly string[];
  /** current_setting('request.jwt.claims' …) or 'request.jwt.claim.*' calls: claims any session can set. */
  readonly claimSettingReads: readonly SessionCall[];
  /** The expression is the constant true. */
  readonly alwaysTrue: boolean;
  /** It calls an auth.* function or reads the JWT claims setting (depends on who asks). */
  readonly dependsOnToken: boolean;
}

type Node = Record<string, unknown>;

interface Frame {
  readonly hasFrom: boolean;
  /** Column references directly in this SELECT (not in nested ones). */
  columnRefs: number;
}

interface RawCall {
  name: string;
  byteLocation: number;
  frame: Frame;
  frameDepth: number;
  setting?: string;
}

const PREFIX = 'SELECT ';

/** Maps UTF-8 byte offsets of `text` to UTF-16 indices. */
export function byteOffsetMapper(text: string): (byteOffset: number) => number {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return (b) => b;
  const map: number[] = [];
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i)!;
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let k = 0; k < width; k++) map[bytes + k] = i;
    bytes += width;
    if (code >= 0x10000) i++; // the low surrogate belongs to the same code point
  }
  return (b) => (b >= bytes ? text.length : map[b]!);
}

function nameList(list: unknown): string[] {
  return Array.isArray(list) ? list.map((n) => String((n as { String?: { sval?: string } }).String?.sval ?? '')) : [];
}

/** A string constant, also when cast (pg_get_expr prints `'sub'::text`). */
function stringConst(node: unknown): string | undefined {
  const c = unwrapCast(node)?.A_Const as { sval?: { sval?: string } } | undefined;
  return c?.sval?.sval;
}

/** `auth.user_id`, `auth.session`…, `current_setting`, or undefined for any other function. */
function sessionFunctionName(funcname: string[]): string | undefined {
  if (funcname.length === 2 && funcname[0] === 'auth' && AUTH_FUNCTIONS.has(funcname[1]!)) return `auth.${funcname[1]}`;
  const last = funcname[funcname.length - 1];
  if (last === 'current_setting' && (funcname.length === 1 || funcname[0] === 'pg_catalog')) return 'current_setting';
  return undefined;
}

function unwrapCast(node: unknown): Node | undefined {
  let n = node as Node | undefined;
  while (n?.TypeCast) n = (n.TypeCast as Node).arg as Node;
  return n;
}

/** The single target of a FROM-less scalar sub-select, e.g. the `auth.user_id()` of `(select auth.user_id())`. */
function scalarSubselectTarget(node: Node | undefined): Node | undefined {
  const link = node?.SubLink as Node | undefined;
  if (!link || link.subLinkType !== 'EXPR_SUBLINK') return undefined;
  const select = (link.subselect as Node | undefined)?.SelectStmt as Node | undefined;
  if (!select || (Array.isArray(select.fromClause) && select.fromClause.length > 0)) return undefined;
  const targets = select.targetList as Node[] | undefined;
  if (!targets || targets.length !== 1) return undefined;
  return (targets[0]!.ResTarget as Node | undefined)?.val as Node | undefined;
}

/** Whether the node evaluates to the token's subject: auth.user_id(), auth.session()->>'sub', a claims read of sub… */
function isUserIdExpression(node: unknown): boolean {
  const n = unwrapCast(node);
  if (!n) return false;
  const inner = scalarSubselectTarget(n);
  if (inner) return isUserIdExpression(inner);
  const call = n.FuncCall as Node | undefined;
  if (call) {
    const fn = nameList(call.funcname);
    if (fn.length === 2 && fn[0] === 'auth' && USER_ID_FUNCTIONS.has(fn[1]!)) return true;
    if (sessionFunctionName(fn) === 'current_setting') return stringConst((call.args as unknown[] | undefined)?.[0]) === `${CLAIM_SETTING_PREFIX}sub`;
    return false;
  }
  const expr = n.A_Expr as Node | undefined;
  if (expr && expr.kind === 'AEXPR_OP' && nameList(expr.name).join('') === '->>' && stringConst(expr.rexpr) === 'sub') {
    return isClaimsDocument(expr.lexpr);
  }
  return false;
}

/** auth.session(), auth.jwt(), current_setting('request.jwt.claims')::json… (possibly in a sub-select). */
function isClaimsDocument(node: unknown): boolean {
  const n = unwrapCast(node);
  if (!n) return false;
  const inner = scalarSubselectTarget(n);
  if (inner) return isClaimsDocument(inner);
  const call = n.FuncCall as Node | undefined;
  if (!call) return false;
  const fn = nameList(call.funcname);
  if (fn.length === 2 && fn[0] === 'auth' && CLAIMS_FUNCTIONS.has(fn[1]!)) return true;
  return sessionFunctionName(fn) === 'current_setting' && stringConst((call.args as unknown[] | undefined)?.[0]) === CLAIMS_SETTING;
}

/** The column a ColumnRef (or a cast of one) names, when it is a column of `table`. */
function tableColumn(node: unknown, table: string, columns: ReadonlySet<string>): string | undefined {
  const ref = unwrapCast(node)?.ColumnRef as Node | undefined;
  if (!ref) return undefined;
  const fields = nameList(ref.fields);
  const column = fields[fields.length - 1];
  if (!column || !columns.has(column)) return undefined;
  if (fields.length === 1 || (fields.length === 2 && fields[0] === table)) return column;
  return undefined;
}

/**
 * The end (exclusive, UTF-16) of a function call starting at `start`: the qualified name, then its
 * argument list with balanced parentheses, skipping string literals and quoted identifiers.
 */
export function callEnd(text: string, start: number): number {
  let i = start;
  // The (possibly quoted, possibly qualified) name.
  while (i < text.length && text[i] !== '(') {
    if (text[i] === '"') {
      i++;
      while (i < text.length && !(text[i] === '"' && text[i + 1] !== '"')) i += text[i] === '"' ? 2 : 1;
    }
    i++;
  }
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === "'") {
      const escaped = text[i - 1] === 'E' || text[i - 1] === 'e';
      i++;
      while (i < text.length) {
        if (escaped && text[i] === '\\') i += 2;
        else if (text[i] === "'" && text[i + 1] === "'") i += 2;
        else if (text[i] === "'") break;
        else i++;
      }
    } else if (c === '"') {
      i++;
      while (i < text.length && !(text[i] === '"' && text[i + 1] !== '"')) i += text[i] === '"' ? 2 : 1;
    } else if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return text.length;
}

/**
 * Analyses one policy expression (USING or WITH CHECK) of `table` whose columns are `columns`.
 * Throws the parser's error when the text is not an expression (pg_get_expr output always is).
 */
export function analyzeExpression(text: string, table: string, columns: Iterable<string>): ExpressionAnalysis {
  const source = PREFIX + text;
  const parsed = parseSql(source) as { stmts?: { stmt: Node }[] };
  const root = parsed.stmts?.[0]?.stmt;
  const toIndex = byteOffsetMapper(source);
  const columnSet = new Set(columns);
  const raw: RawCall[] = [];
  const userIdColumns = new Set<string>();

  const walk = (node: unknown, frame: Frame, depth: number, collectColumns: boolean): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item, frame, depth, collectColumns);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const n = node as Node;
    if (n.SelectStmt) {
      const select = n.SelectStmt as Node;
      const inner: Frame = { hasFrom: Array.isArray(select.fromClause) && select.fromClause.length > 0, columnRefs: 0 };
      // Column names inside a sub-query with its own FROM may be that sub-query's columns: not ours.
      for (const value of Object.values(select)) walk(value, inner, depth + 1, collectColumns && !inner.hasFrom);
      return;
    }
    if (n.ColumnRef) frame.columnRefs++;
    if (n.FuncCall) {
      const call = n.FuncCall as Node;
      const name = sessionFunctionName(nameList(call.funcname));
      if (name) {
        const setting = name === 'current_setting' ? stringConst((call.args as unknown[] | undefined)?.[0]) : undefined;
        raw.push({ name, byteLocation: Number(call.location ?? 0), frame, frameDepth: depth, setting });
      }
    }
    if (collectColumns && (n.A_Expr || n.BoolExpr)) {
      // `a = b`, `a IS NOT DISTINCT FROM b`, and the `NOT (a IS DISTINCT FROM b)` pg_get_expr prints for it.
      let expr = n.A_Expr as Node | undefined;
      let equality = expr !== undefined && ((expr.kind === 'AEXPR_OP' && nameList(expr.name).join('') === '=') || expr.kind === 'AEXPR_NOT_DISTINCT');
      const bool = n.BoolExpr as Node | undefined;
      if (bool?.boolop === 'NOT_EXPR' && Array.isArray(bool.args) && bool.args.length === 1) {
        expr = (bool.args[0] as Node).A_Expr as Node | undefined;
        equality = expr?.kind === 'AEXPR_DISTINCT';
      }
      if (expr && equality) {
        const column = isUserIdExpression(expr.lexpr)
          ? tableColumn(expr.rexpr, table, columnSet)
          : isUserIdExpression(expr.rexpr)
            ? tableColumn(expr.lexpr, table, columnSet)
            : undefined;
        if (column) userIdColumns.add(column);
      }
    }
    for (const value of Object.values(n)) walk(value, frame, depth, collectColumns);
  };

  const top: Frame = { hasFrom: false, columnRefs: 0 };
  if (root?.SelectStmt) {
    const targets = (root.SelectStmt as Node).targetList;
    walk(targets, top, 0, true);
  }

  const calls: SessionCall[] = raw
    .map((c) => {
      const start = toIndex(c.byteLocation) - PREFIX.length;
      const end = callEnd(text, start);
      let reason: PerRowReason | undefined;
      if (c.frameDepth === 0) reason = 'bare';
      else if (c.frame.hasFrom) reason = 'in-subquery';
      else if (c.frame.columnRefs > 0) reason = 'correlated';
      return { name: c.name, start, end, once: reason === undefined, ...(reason ? { reason } : {}), ...(c.setting !== undefined ? { setting: c.setting } : {}) };
    })
    .sort((a, b) => a.start - b.start);

  const claimSettingReads = calls.filter(
    (c) => c.name === 'current_setting' && c.setting !== undefined && (c.setting === CLAIMS_SETTING || c.setting.startsWith(CLAIM_SETTING_PREFIX)),
  );
  return {
    text,
    calls,
    userIdColumns: [...userIdColumns],
    claimSettingReads,
    alwaysTrue: /^\s*true\s*$/i.test(text),
    dependsOnToken: calls.some((c) => c.name.startsWith('auth.')) || claimSettingReads.length > 0,
  };
}

/** Replaces non-overlapping spans of `text` (applied from the end so offsets stay valid). */
function replaceSpans(text: string, spans: readonly { start: number; end: number; replacement: string }[]): string {
  let out = text;
  const outermost = spans.filter((s) => !spans.some((o) => o !== s && o.start <= s.start && o.end >= s.end && (o.start < s.start || o.end > s.end)));
  for (const s of [...outermost].sort((a, b) => b.start - a.start)) out = out.slice(0, s.start) + s.replacement + out.slice(s.end);
  return out;
}

/** The expression with every per-row call wrapped in `(select …)`, so Postgres runs it once per query. */
export function wrapPerRowCalls(analysis: ExpressionAnalysis): string {
  const perRow = analysis.calls.filter((c) => !c.once);
  return replaceSpans(
    analysis.text,
    perRow.map((c) => ({ start: c.start, end: c.end, replacement: `(select ${analysis.text.slice(c.start, c.end)})` })),
  );
}

/**
 * The expression with direct reads of the claims setting replaced by pg_session_jwt's functions, which
 * read the verified token in JWK mode: `request.jwt.claims` → `(select auth.session())::text` (the same
 * text type, so casts and ->> around it keep working), `request.jwt.claim.sub` → `(select auth.user_id())`,
 * `request.jwt.claim.<name>` → `(select auth.session()->>'<name>')`.
 */
export function replaceClaimSettingReads(analysis: ExpressionAnalysis): string {
  return replaceSpans(
    analysis.text,
    analysis.claimSettingReads.map((c) => {
      const setting = c.setting!;
      let replacement: string;
      if (setting === CLAIMS_SETTING) replacement = '(select auth.session())::text';
      else if (setting === `${CLAIM_SETTING_PREFIX}sub`) replacement = '(select auth.user_id())';
      else replacement = `(select auth.session()->>${quoteLiteral(setting.slice(CLAIM_SETTING_PREFIX.length))})`;
      return { start: c.start, end: c.end, replacement };
    }),
  );
}
