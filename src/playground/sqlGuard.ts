/**
 * Static check of the SQL the embedded playground runs "as" an app role or the owner.
 *
 * Why it exists: PGlite has one backend whose authenticated (login) user is the superuser
 * `postgres`. The endpoint serves a request as role X with `SET SESSION AUTHORIZATION X`, but
 * Postgres lets any session whose login user is a superuser change session_authorization again,
 * so the request's own SQL could get back to the superuser: SET/RESET SESSION AUTHORIZATION,
 * set_config('session_authorization', ...), DISCARD ALL, or any of these hidden in DO blocks,
 * function bodies and options, PREPARE, dynamic EXECUTE, query_to_xml(), aggregates built on
 * set_config... On Neon (and on the real-server backend) the login user is X itself and Postgres
 * refuses those attempts; this guard gives the same answers before PGlite sees the statement.
 *
 * It parses with the real PostgreSQL parser (libpg-query, WASM) and walks the whole tree:
 * every node of every statement, the PL/pgSQL of DO blocks and functions, the SQL of SQL
 * functions, constant strings given to EXECUTE or to functions that run their text as SQL.
 * Refusals whose code is a Postgres SQLSTATE other than 0A000 carry the exact message real
 * PostgreSQL 18 gives a non-superuser (checked by test/integration/sqlGuard.test.ts against a real
 * server); 0A000 refusals are the playground's own ("cannot be checked here").
 */
import { loadSqlParser, parsePlPgSql, parseSql, scanSql, SqlError } from '../core/sql/parser';

export interface GuardError {
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

export type GuardVerdict =
  | { kind: 'run' }
  /** Do not run it; answer success with this command tag word (what Postgres would do: nothing). */
  | { kind: 'noop'; command: string }
  | { kind: 'refuse'; error: GuardError }
  /**
   * COPY … FROM STDIN or TO STDOUT: it may start the COPY sub-protocol, which Neon's HTTP endpoint
   * does not speak; from STDIN the server would wait for data the client never sends.
   */
  | { kind: 'copyWithClient' };

export interface GuardContext {
  /** The role the request runs as (exactly as in pg_roles.rolname). */
  role: string;
  /** True when the statement runs inside an explicit transaction block (a batch). */
  inTransactionBlock: boolean;
  /**
   * Called when the statement (or SQL it contains) may change the settings stored for roles or
   * databases: ALTER ROLE/DATABASE … SET or RESET, DROP ROLE, a rename.
   */
  onStoredSettings?: () => void;
}

export interface SqlGuard {
  check(sql: string, ctx: GuardContext): GuardVerdict;
}

/** Loads the parser (once per process) and returns the guard. */
export async function loadSqlGuard(): Promise<SqlGuard> {
  await loadSqlParser();
  return { check: checkSql };
}

// ---------------------------------------------------------------------------------------------
// What is guarded

// Not a path: UPDATE pg_settings (its rule calls set_config) never sees session_authorization,
// which is hidden from pg_settings (GUC_NO_SHOW_ALL); RESET ALL skips it (GUC_NO_RESET_ALL).
const SESSION_AUTHORIZATION = 'session_authorization';
/** GUCs Neon sets at connection start only (PGC_BACKEND): SET and set_config() fail with 55P02. */
const BACKEND_ONLY_SETTINGS = new Set(['pg_session_jwt.jwk']);

/** Built-in (and contrib) functions that run their text argument as SQL: argument positions. */
const SQL_TEXT_ARGUMENTS: Record<string, (argCount: number) => number[]> = {
  query_to_xml: () => [0],
  query_to_xmlschema: () => [0],
  query_to_xml_and_xmlschema: () => [0],
  ts_stat: () => [0],
  // ts_rewrite(query tsquery, select text); the 3-argument form takes no SQL.
  ts_rewrite: (n) => (n === 2 ? [1] : []),
  // tablefunc
  crosstab: () => [0, 1],
  crosstab2: () => [0],
  crosstab3: () => [0],
  crosstab4: () => [0],
};

/** Contrib functions that build SQL from identifiers or reach other servers: never checkable. */
const UNCHECKABLE_FUNCTIONS = new Set(['connectby', 'xpath_table', 'dblink', 'dblink_exec', 'dblink_open', 'dblink_send_query']);

/** Functions that must only appear as direct calls (never as an aggregate's sfunc and the like). */
const GUARDED_FUNCTION_NAMES = new Set(['set_config', ...Object.keys(SQL_TEXT_ARGUMENTS), ...UNCHECKABLE_FUNCTIONS]);

/**
 * When the parser cannot read a function body or DO block, the text is still allowed if it cannot
 * reach anything guarded: every path needs one of these words (or an escape that could spell one).
 */
const RISKY_WORDS = ['set_config', 'authorization', 'execute', 'pg_session_jwt', 'u&', '\\', ...Object.keys(SQL_TEXT_ARGUMENTS), ...UNCHECKABLE_FUNCTIONS];

/** Languages whose code this guard reads. */
const CHECKED_LANGUAGES = new Set(['sql', 'plpgsql']);
/** Untrusted languages: Postgres refuses them to non-superusers (and has no DO handler for them). */
const SUPERUSER_ONLY_LANGUAGES = new Set(['c', 'internal']);

const MAX_NESTING = 32;

// ---------------------------------------------------------------------------------------------
// Errors

class Refusal {
  constructor(readonly error: GuardError) {}
}

const REAL_SERVER_HINT = 'To run it as this role anyway, connect the workbench to a real Postgres server (the real-server backend), where Postgres itself enforces the role\'s privileges.';

function permissionDeniedSessionAuthorization(value: string): Refusal {
  return new Refusal({ code: '42501', message: `permission denied to set session authorization "${value}"` });
}

function backendOnlySetting(name: string): Refusal {
  return new Refusal({ code: '55P02', message: `parameter "${name}" cannot be set after connection start` });
}

function playgroundRefusal(message: string, hint: string, detail?: string): Refusal {
  return new Refusal({ code: '0A000', message, ...(detail ? { detail } : {}), hint });
}

function tooDeep(): Refusal {
  return playgroundRefusal('the embedded playground cannot check SQL nested this deeply', `Split it into simpler statements. ${REAL_SERVER_HINT}`);
}

// ---------------------------------------------------------------------------------------------
// JSON AST helpers (libpg-query's JSON: a node is { TypeName: {...fields} } where the field is a
// generic Node; fields typed as one struct hold the struct's fields directly)

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function child(node: unknown, key: string): JsonObject | undefined {
  const value = isObject(node) ? node[key] : undefined;
  return isObject(value) ? value : undefined;
}

/** The sval of each `{String: {sval}}` in a name list, or undefined when it is not one. */
function nameList(value: unknown): string[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const names: string[] = [];
  for (const item of value) {
    const str = child(item, 'String');
    if (!str || Object.keys(item as JsonObject).length !== 1) return undefined;
    names.push(typeof str.sval === 'string' ? str.sval : '');
  }
  return names;
}

function lastName(value: unknown): string | undefined {
  const names = nameList(value);
  return names?.[names.length - 1];
}

function stringOf(node: unknown): string | undefined {
  const str = child(node, 'String');
  return str ? (typeof str.sval === 'string' ? str.sval : '') : undefined;
}

/**
 * The value of a constant text expression: a string, null for SQL NULL, undefined when it is
 * computed at run time. Folds casts to text-like types, COLLATE and `||` of constants.
 */
function constantText(node: unknown): string | null | undefined {
  const constant = child(node, 'A_Const');
  if (constant) {
    if (constant.isnull) return null;
    const sval = child(constant, 'sval');
    if (sval) return typeof sval.sval === 'string' ? sval.sval : '';
    const ival = child(constant, 'ival');
    if (ival) return String(typeof ival.ival === 'number' ? ival.ival : 0);
    const fval = child(constant, 'fval');
    if (fval) return typeof fval.fval === 'string' ? fval.fval : '0';
    const boolval = child(constant, 'boolval');
    if (boolval) return boolval.boolval ? 'true' : 'false';
    return undefined;
  }
  const cast = child(node, 'TypeCast');
  if (cast) {
    const typeName = child(cast, 'typeName');
    const target = lastName(typeName?.names);
    if (!target || !['text', 'varchar', 'name'].includes(target) || asArray(typeName?.typmods).length || asArray(typeName?.arrayBounds).length) return undefined;
    return constantText(cast.arg);
  }
  const collate = child(node, 'CollateClause');
  if (collate) return constantText(collate.arg);
  const expr = child(node, 'A_Expr');
  if (expr && expr.kind === 'AEXPR_OP' && lastName(expr.name) === '||') {
    const left = constantText(expr.lexpr);
    const right = constantText(expr.rexpr);
    if (left === undefined || right === undefined) return undefined;
    return left === null || right === null ? null : left + right;
  }
  return undefined;
}

/** libpg-query locations are byte offsets into the UTF-8 text. */
function sliceBytes(text: string, start: number | undefined, length: number | undefined): string {
  const bytes = Buffer.from(text, 'utf8');
  const from = start && start > 0 ? start : 0;
  const to = length && length > 0 ? from + length : bytes.length;
  return bytes.subarray(from, to).toString('utf8');
}

interface RawStatement {
  stmt: JsonObject;
  text: string;
}

type Parsed = { statements: RawStatement[] } | { failure: string; syntaxError: boolean };

/**
 * Statements of a SQL text. A failure is a syntax error when the parser reports one (Postgres
 * then rejects the text too, before running anything); otherwise the text was too deep for the
 * parser's JavaScript side, which says nothing about what Postgres would do with it.
 */
function parseStatements(sql: string): Parsed {
  let parsed: { stmts?: unknown[] };
  try {
    parsed = parseSql(sql) as unknown as { stmts?: unknown[] };
  } catch (error) {
    return { failure: parserMessage(error), syntaxError: error instanceof SqlError };
  }
  const statements = asArray(parsed.stmts).filter(isObject).map((raw) => ({
    stmt: isObject(raw.stmt) ? raw.stmt : {},
    text: sliceBytes(sql, raw.stmt_location as number | undefined, raw.stmt_len as number | undefined),
  }));
  return { statements };
}

function parserMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------------------
// The check

interface Scope {
  ctx: GuardContext;
  depth: number;
  /** The statement being walked and its text (PL/pgSQL needs a function's own text). */
  statement?: JsonObject;
  statementText?: string;
}

function checkSql(sql: string, ctx: GuardContext): GuardVerdict {
  if (sql === '') return { kind: 'run' }; // an empty query (the parser refuses to take one)
  try {
    const parsed = parseStatements(sql);
    if ('failure' in parsed) {
      // Postgres reports its own syntax error: the same parser rejects the text before anything runs.
      if (parsed.syntaxError) return { kind: 'run' };
      throw tooDeep();
    }
    const verdicts = parsed.statements.map((s) => checkTopLevelStatement(s, ctx));
    // More than one statement fails at Parse on the server (extended protocol), before any COPY starts.
    const copy = parsed.statements.length === 1 ? child(parsed.statements[0].stmt, 'CopyStmt') : undefined;
    if (copy && copy.filename === undefined && !copy.is_program) return { kind: 'copyWithClient' };
    const noop = verdicts.find((v) => v.kind === 'noop');
    if (noop && verdicts.length > 1) {
      throw playgroundRefusal(
        'the embedded playground runs RESET SESSION AUTHORIZATION, SET SESSION AUTHORIZATION DEFAULT and DISCARD ALL only as a query of their own',
        'Send it as a separate query (one statement per query, as Neon\'s HTTP endpoint expects).',
      );
    }
    return noop ?? { kind: 'run' };
  } catch (error) {
    if (error instanceof Refusal) return { kind: 'refuse', error: error.error };
    // The walk is recursive: an expression thousands of levels deep exhausts the stack.
    if (error instanceof RangeError) return { kind: 'refuse', error: tooDeep().error };
    throw error;
  }
}

function checkTopLevelStatement({ stmt, text }: RawStatement, ctx: GuardContext): GuardVerdict {
  const set = child(stmt, 'VariableSetStmt');
  if (set && String(set.name ?? '').toLowerCase() === SESSION_AUTHORIZATION) return checkTopLevelSessionAuthorization(set, ctx);
  const discard = child(stmt, 'DiscardStmt');
  if (discard && discard.target === 'DISCARD_ALL') {
    // DISCARD ALL runs SET SESSION AUTHORIZATION DEFAULT; outside a block it only resets what the
    // endpoint resets after every request anyway.
    if (ctx.inTransactionBlock) throw new Refusal({ code: '25001', message: 'DISCARD ALL cannot run inside a transaction block' });
    return { kind: 'noop', command: 'DISCARD' };
  }
  visit(stmt, { ctx, depth: 0, statement: stmt, statementText: text });
  return { kind: 'run' };
}

/** As the statement itself: what a non-superuser login role gets from real Postgres. */
function checkTopLevelSessionAuthorization(set: JsonObject, ctx: GuardContext): GuardVerdict {
  switch (set.kind) {
    case 'VAR_SET_VALUE': {
      const value = singleSetValue(set);
      // Setting it to the role itself is what Postgres does for a non-superuser too.
      if (value === ctx.role) return { kind: 'run' };
      throw permissionDeniedSessionAuthorization(value);
    }
    case 'VAR_SET_CURRENT':
      return { kind: 'run' }; // sets it to its current value, the role itself
    case 'VAR_SET_DEFAULT':
      return { kind: 'noop', command: 'SET' };
    case 'VAR_RESET':
      return { kind: 'noop', command: 'RESET' };
    default:
      return { kind: 'run' };
  }
}

/** The one value of `SET session_authorization = ...`; refuses what Postgres would refuse. */
function singleSetValue(set: JsonObject): string {
  const args = asArray(set.args);
  if (args.length !== 1) {
    throw new Refusal({ code: '22023', message: `SET ${String(set.name)} takes only one argument` });
  }
  const value = constantText(args[0]);
  if (typeof value !== 'string') {
    throw playgroundRefusal('the embedded playground cannot check this SET SESSION AUTHORIZATION value', REAL_SERVER_HINT);
  }
  return value;
}

/** SET/RESET of a guarded setting anywhere below the top level (function bodies, DO, EXECUTE...). */
function checkNestedVariableSet(set: JsonObject, scope: Scope, where: 'code' | 'functionOption'): void {
  const name = String(set.name ?? '').toLowerCase();
  if (BACKEND_ONLY_SETTINGS.has(name)) throw backendOnlySetting(name);
  if (name !== SESSION_AUTHORIZATION) return;
  const role = scope.ctx.role;
  if (where === 'functionOption') {
    // SET ... TO DEFAULT / RESET remove the setting from the function.
    if (set.kind === 'VAR_SET_DEFAULT' || set.kind === 'VAR_RESET') return;
    if (set.kind === 'VAR_SET_VALUE') {
      const value = singleSetValue(set);
      if (value !== role) throw permissionDeniedSessionAuthorization(value);
    }
    // Harmless for this role on Neon, but the function may run later for another role, and in
    // the playground that would work (the login user is a superuser) where Neon refuses it.
    throw playgroundRefusal(
      `the embedded playground does not let role "${role}" create or alter functions that SET session_authorization`,
      `Remove the SET session_authorization clause; each playground request already runs as the role you pick. ${REAL_SERVER_HINT}`,
    );
  }
  if (set.kind === 'VAR_SET_VALUE') {
    const value = singleSetValue(set);
    if (value !== role) throw permissionDeniedSessionAuthorization(value);
  }
  // A no-op for this role on Neon, but nested code may run later for another role, and PGlite's
  // RESET/DEFAULT semantics differ (its login user is a superuser): the playground does not run it.
  throw playgroundRefusal(
    `the embedded playground does not run SET or RESET SESSION AUTHORIZATION inside functions, DO blocks or dynamic SQL for role "${role}"`,
    `Each playground request already runs as the role you pick; send SET/RESET SESSION AUTHORIZATION as a query of its own. ${REAL_SERVER_HINT}`,
  );
}

// --- generic walk ---------------------------------------------------------------------------

type Handler = (node: JsonObject, scope: Scope) => void;

const HANDLERS: Record<string, Handler> = {
  FuncCall: checkFuncCall,
  VariableSetStmt: (node, scope) => checkNestedVariableSet(node, scope, 'code'),
  // DISCARD ALL below the top level always fails in Postgres ("cannot be executed from a function").
  DiscardStmt: () => undefined,
  DoStmt: checkDoStatement,
  CreateFunctionStmt: checkCreateFunction,
  AlterFunctionStmt: checkAlterFunction,
  CallStmt: (node, scope) => {
    if (isObject(node.funccall)) checkFuncCall(node.funccall, scope);
    visitFields(node, scope, ['funccall']);
  },
  // These change settings for future logins only; Postgres decides who may. The backend-only
  // settings fail as on Neon.
  AlterRoleSetStmt: checkStoredSetting,
  AlterDatabaseSetStmt: checkStoredSetting,
  DropRoleStmt: noteStoredSettings,
  RenameStmt: noteStoredSettings,
  // Needs superuser (or a grant only a superuser can give): Postgres refuses it for these roles.
  AlterSystemStmt: () => undefined,
  // Column names are not function references.
  ColumnRef: () => undefined,
};

function visit(value: unknown, scope: Scope): void {
  if (Array.isArray(value)) {
    const names = nameList(value);
    if (names) return checkNameReference(names, scope);
    for (const item of value) visit(item, scope);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, field] of Object.entries(value)) {
    const handler = HANDLERS[key];
    if (handler && isObject(field)) handler(field, scope);
    else if (key === 'indirection') visitSkippingNames(field, scope);
    else visit(field, scope);
  }
}

function visitFields(node: JsonObject, scope: Scope, skip: string[]): void {
  for (const [key, field] of Object.entries(node)) if (!skip.includes(key)) visit(field, scope);
}

/** Field selections like `(row).name` are names of fields, not of functions. */
function visitSkippingNames(value: unknown, scope: Scope): void {
  for (const item of asArray(value)) if (!child(item, 'String')) visit(item, scope);
}

/** A function named somewhere other than in a call: CREATE AGGREGATE (sfunc = set_config) etc. */
function checkNameReference(names: string[], scope: Scope): void {
  const name = names[names.length - 1];
  if (!GUARDED_FUNCTION_NAMES.has(name)) return;
  throw playgroundRefusal(
    `the embedded playground does not let role "${scope.ctx.role}" use ${name}() other than by calling it directly`,
    `Using it as an aggregate's state function, an operator or cast function and the like could change settings the playground must keep. ${REAL_SERVER_HINT}`,
    `${names.join('.')} is referenced by name`,
  );
}

function checkStoredSetting(node: JsonObject, scope: Scope): void {
  const set = child(node, 'setstmt');
  const name = String(set?.name ?? '').toLowerCase();
  if (BACKEND_ONLY_SETTINGS.has(name)) throw backendOnlySetting(name);
  scope.ctx.onStoredSettings?.();
}

/** A role dropped or anything renamed: the stored settings of a role or database may change with it. */
function noteStoredSettings(node: JsonObject, scope: Scope): void {
  scope.ctx.onStoredSettings?.();
  visitFields(node, scope, []);
}

// --- function calls ---------------------------------------------------------------------------

function checkFuncCall(call: JsonObject, scope: Scope): void {
  const name = lastName(call.funcname);
  if (name === 'set_config') checkSetConfig(call, scope);
  else if (name && SQL_TEXT_ARGUMENTS[name]) checkSqlTextCall(name, call, scope);
  else if (name && UNCHECKABLE_FUNCTIONS.has(name)) {
    throw playgroundRefusal(
      `the embedded playground cannot check the SQL that ${name}() builds when running as role "${scope.ctx.role}"`,
      REAL_SERVER_HINT,
    );
  }
  visitFields(call, scope, ['funcname']);
}

function hasNamedOrVariadicArguments(call: JsonObject): boolean {
  return Boolean(call.func_variadic) || asArray(call.args).some((a) => child(a, 'NamedArgExpr'));
}

function checkSetConfig(call: JsonObject, scope: Scope): void {
  const role = scope.ctx.role;
  const args = asArray(call.args);
  if (hasNamedOrVariadicArguments(call)) {
    throw playgroundRefusal(
      `the embedded playground cannot check set_config() called with named or VARIADIC arguments for role "${role}"`,
      `Call it as set_config('name', 'value', is_local). ${REAL_SERVER_HINT}`,
    );
  }
  const setting = constantText(args[0]);
  if (setting === undefined) {
    throw playgroundRefusal(
      `the embedded playground cannot check set_config() with a setting name computed at run time for role "${role}"`,
      `Write the setting name as a string constant, e.g. set_config('request.jwt.claims', $1, true). ${REAL_SERVER_HINT}`,
    );
  }
  if (setting === null) return; // Postgres rejects a NULL name
  const name = setting.toLowerCase();
  if (BACKEND_ONLY_SETTINGS.has(name)) throw backendOnlySetting(name);
  if (name !== SESSION_AUTHORIZATION) return;
  const value = constantText(args[1]);
  if (typeof value === 'string' && value !== role) throw permissionDeniedSessionAuthorization(value);
  throw playgroundRefusal(
    `the embedded playground does not let role "${role}" change session_authorization with set_config()`,
    `Each playground request already runs as the role you pick. ${REAL_SERVER_HINT}`,
  );
}

function checkSqlTextCall(name: string, call: JsonObject, scope: Scope): void {
  const args = asArray(call.args);
  const positions = SQL_TEXT_ARGUMENTS[name](args.length);
  if (positions.length && hasNamedOrVariadicArguments(call)) {
    throw playgroundRefusal(
      `the embedded playground cannot check ${name}() called with named or VARIADIC arguments for role "${scope.ctx.role}"`,
      `Pass the query text as a positional string constant. ${REAL_SERVER_HINT}`,
    );
  }
  for (const position of positions) {
    if (position >= args.length) continue;
    const text = constantText(args[position]);
    if (text === undefined) {
      throw playgroundRefusal(
        `the embedded playground cannot check a query computed at run time and passed to ${name}() for role "${scope.ctx.role}"`,
        `Pass the query as a string constant. ${REAL_SERVER_HINT}`,
      );
    }
    // A text Postgres cannot parse fails there too, before anything runs.
    if (text !== null) checkNestedSql(text, `query passed to ${name}()`, scope);
  }
}

// --- nested SQL and PL/pgSQL ------------------------------------------------------------------

function deeper(scope: Scope): Scope {
  if (scope.depth >= MAX_NESTING) throw tooDeep();
  return { ctx: scope.ctx, depth: scope.depth + 1 };
}

/**
 * Walks every statement of a SQL text found inside another one. False on a syntax error; text
 * too deep for the parser is judged by its words instead.
 */
function checkNestedSql(sql: string, what: string, scope: Scope): boolean {
  const parsed = parseStatements(sql);
  if ('failure' in parsed) {
    if (parsed.syntaxError) return false;
    checkUnparsed(sql, what, parsed.failure, scope);
    return true;
  }
  const inner = deeper(scope);
  for (const { stmt, text } of parsed.statements) visit(stmt, { ...inner, statement: stmt, statementText: text });
  return true;
}

/** Text the parser could not read: allowed only when it cannot reach anything guarded. */
function checkUnparsed(text: string, what: string, reason: string, scope: Scope): void {
  const lower = text.toLowerCase();
  const word = RISKY_WORDS.find((w) => lower.includes(w));
  if (!word) return; // Postgres will parse and run it; it cannot touch what is guarded
  throw playgroundRefusal(
    `the embedded playground could not check this ${what} before running it as role "${scope.ctx.role}"`,
    `It contains "${word}", so the playground must check it before running it for this role, but its parser (which reads code without the database catalog) could not: ` +
      'fix the error in the detail, or if the code is valid, write that part differently (for example declare a variable as record instead of table%ROWTYPE). ' +
      REAL_SERVER_HINT,
    `parser: ${reason}`,
  );
}

function defElems(list: unknown): JsonObject[] {
  return asArray(list).map((item) => child(item, 'DefElem')).filter((d): d is JsonObject => d !== undefined);
}

function checkDoStatement(node: JsonObject, scope: Scope): void {
  let body: string | undefined;
  let language = 'plpgsql';
  for (const option of defElems(node.args)) {
    if (option.defname === 'as') body = stringOf(option.arg);
    else if (option.defname === 'language') language = (stringOf(option.arg) ?? '').toLowerCase();
  }
  if (body === undefined) return;
  if (language === 'plpgsql') {
    checkPlpgsql(doBlockText(body), body, 'DO block', scope);
  } else if (!CHECKED_LANGUAGES.has(language) && !SUPERUSER_ONLY_LANGUAGES.has(language)) {
    // sql, c and internal have no inline handler: Postgres refuses DO in them by itself.
    throw unknownLanguage(language, scope);
  }
}

/** `DO $tag$body$tag$` with a tag the body does not contain. */
function doBlockText(body: string): string {
  let tag = 'guard';
  for (let i = 0; body.includes(`$${tag}$`); i++) tag = `guard${i}`;
  return `DO $${tag}$${body}$${tag}$`;
}

function unknownLanguage(language: string, scope: Scope): Refusal {
  return playgroundRefusal(
    `the embedded playground cannot check code in language "${language}" for role "${scope.ctx.role}"`,
    `Write it in SQL or PL/pgSQL. ${REAL_SERVER_HINT}`,
  );
}

function checkFunctionOptions(options: unknown, scope: Scope): { language?: string; body?: string[] } {
  const found: { language?: string; body?: string[] } = {};
  for (const option of defElems(options)) {
    const set = child(option.arg, 'VariableSetStmt');
    if (option.defname === 'set' && set) checkNestedVariableSet(set, scope, 'functionOption');
    else if (option.defname === 'language') found.language = (stringOf(option.arg) ?? '').toLowerCase();
    else if (option.defname === 'as') {
      const list = child(option.arg, 'List');
      found.body = list ? asArray(list.items).map(stringOf).filter((s): s is string => s !== undefined) : [stringOf(option.arg) ?? ''];
    } else visit(option, scope);
  }
  return found;
}

function checkCreateFunction(node: JsonObject, scope: Scope): void {
  const { language, body } = checkFunctionOptions(node.options, scope);
  visitFields(node, scope, ['options']); // name, parameter defaults, BEGIN ATOMIC body
  if (!body) return;
  const lang = language ?? 'sql';
  const source = body.join('\n');
  if (lang === 'sql') {
    // Postgres parses the body with the same grammar: a syntax error fails there too, at creation or call.
    checkNestedSql(source, 'SQL function body', scope);
  } else if (lang === 'plpgsql') {
    // PL/pgSQL needs the whole statement (parameter names); it is always a statement of its own.
    const text = scope.statement && child(scope.statement, 'CreateFunctionStmt') === node ? scope.statementText : undefined;
    if (text) checkPlpgsql(text, source, 'PL/pgSQL function body', scope);
    else checkUnparsed(source, 'PL/pgSQL function body', 'the function body could not be located', scope);
  } else if (!SUPERUSER_ONLY_LANGUAGES.has(lang)) {
    throw unknownLanguage(lang, scope);
  }
}

function checkAlterFunction(node: JsonObject, scope: Scope): void {
  checkFunctionOptions(node.actions, scope);
  visitFields(node, scope, ['actions']);
}

/** Parses the PL/pgSQL of a DO block or CREATE FUNCTION statement and walks all of its SQL. */
function checkPlpgsql(statementText: string, body: string, what: string, scope: Scope): void {
  let parsed: unknown;
  try {
    parsed = parsePlPgSql(statementText);
  } catch (error) {
    checkUnparsed(body, what, parserMessage(error), scope);
    return;
  }
  // It skips bodies whose language it does not recognise as plpgsql (e.g. LANGUAGE 'PLPGSQL').
  const functions = asArray((parsed as { plpgsql_funcs?: unknown }).plpgsql_funcs);
  if (!functions.some((f) => child(f, 'PLpgSQL_function')?.action)) {
    checkUnparsed(body, what, 'the PL/pgSQL parser did not read the body', scope);
    return;
  }
  visitPlpgsql(functions, deeper(scope));
}

/** PL/pgSQL statements whose SQL is built at run time, and the field holding that expression. */
const DYNAMIC_SQL_FIELDS: Record<string, string> = {
  PLpgSQL_stmt_dynexecute: 'query', // EXECUTE
  PLpgSQL_stmt_dynfors: 'query', // FOR ... IN EXECUTE
  PLpgSQL_stmt_open: 'dynquery', // OPEN ... FOR EXECUTE
  PLpgSQL_stmt_return_query: 'dynquery', // RETURN QUERY EXECUTE
};

function visitPlpgsql(value: unknown, scope: Scope): void {
  if (Array.isArray(value)) {
    for (const item of value) visitPlpgsql(item, scope);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, field] of Object.entries(value)) {
    if (key === 'PLpgSQL_expr' && isObject(field)) {
      checkPlpgsqlExpression(field, scope);
      continue;
    }
    const dynamicField = DYNAMIC_SQL_FIELDS[key];
    const dynamic = dynamicField ? child(child(field, dynamicField), 'PLpgSQL_expr') : undefined;
    if (dynamic) checkDynamicSql(String(dynamic.query ?? ''), scope);
    visitPlpgsql(field, scope);
  }
}

// RawParseMode in PostgreSQL's parser.h
const RAW_PARSE_DEFAULT = 0;
const RAW_PARSE_PLPGSQL_EXPR = 2;
const RAW_PARSE_PLPGSQL_ASSIGN1 = 3;
const RAW_PARSE_PLPGSQL_ASSIGN3 = 5;

function checkPlpgsqlExpression(expr: JsonObject, scope: Scope): void {
  const query = String(expr.query ?? '');
  const mode = typeof expr.parseMode === 'number' ? expr.parseMode : RAW_PARSE_DEFAULT;
  let sql: string;
  if (mode === RAW_PARSE_DEFAULT) sql = query;
  else if (mode === RAW_PARSE_PLPGSQL_EXPR) sql = `SELECT ${query}`;
  else if (mode >= RAW_PARSE_PLPGSQL_ASSIGN1 && mode <= RAW_PARSE_PLPGSQL_ASSIGN3) sql = assignmentAsSelect(query);
  else return; // a type name
  // The text parsed here is rebuilt from PL/pgSQL's: a syntax error may be this rebuilding's.
  if (!checkNestedSql(sql, 'PL/pgSQL statement', scope)) checkUnparsed(query, 'PL/pgSQL statement', 'the statement does not parse', scope);
}

/** `target := expr` (or `=`) as `SELECT target, expr`, so subscripts in the target are walked too. */
function assignmentAsSelect(query: string): string {
  let tokens: { start: number; end: number; text: string }[];
  try {
    tokens = scanSql(query).tokens;
  } catch {
    return `SELECT ${query}`;
  }
  let depth = 0;
  for (const token of tokens) {
    if (token.text === '(' || token.text === '[') depth++;
    else if (token.text === ')' || token.text === ']') depth--;
    else if (depth === 0 && (token.text === ':=' || token.text === '=')) {
      const bytes = Buffer.from(query, 'utf8');
      return `SELECT ${bytes.subarray(0, token.start).toString('utf8')}, ${bytes.subarray(token.end).toString('utf8')}`;
    }
  }
  return `SELECT ${query}`;
}

/** EXECUTE of an expression: checkable only when it is a constant string. */
function checkDynamicSql(expression: string, scope: Scope): void {
  const parsed = parseStatements(`SELECT ${expression}`);
  const statements = 'statements' in parsed ? parsed.statements : [];
  const targets = statements.length === 1 ? asArray(child(statements[0].stmt, 'SelectStmt')?.targetList) : [];
  const text = targets.length === 1 ? constantText(child(targets[0], 'ResTarget')?.val) : undefined;
  if (typeof text === 'string') {
    checkNestedSql(text, 'EXECUTE string', scope); // a string Postgres cannot parse fails at EXECUTE, running nothing
    return;
  }
  if (text === null) return; // EXECUTE of NULL is an error
  throw playgroundRefusal(
    `the embedded playground cannot check dynamic SQL (EXECUTE of a string built at run time) for role "${scope.ctx.role}"`,
    `Use EXECUTE with a constant string. ${REAL_SERVER_HINT}`,
    `EXECUTE ${expression.length > 200 ? `${expression.slice(0, 200)}…` : expression}`,
  );
}
