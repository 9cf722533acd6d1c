/**
 * The real PostgreSQL parser (libpg-query, WASM), loaded once per process for everything that reads SQL
 * (the classifier, the advisor, the playground's guard).
 *
 * Call `await loadSqlParser()` once; the parse and scan functions are synchronous after that. Offsets in
 * their results are UTF-8 byte offsets into the text.
 */
import { loadModule, parsePlPgSQLSync, parseSync, scanSync, SqlError, type ParseResult, type ScanResult } from 'libpg-query';

export { SqlError, type ParseResult, type ScanResult };

let loading: Promise<void> | undefined;
let loaded = false;

/** Loads the parser (WASM) once per process; later calls reuse it, and a failed load is tried again. */
export async function loadSqlParser(): Promise<void> {
  loading ??= loadModule().then(
    () => {
      loaded = true;
    },
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  await loading;
}

/** Throws a message that says what to do when the parser is used before {@link loadSqlParser} finished. */
export function assertSqlParserLoaded(): void {
  if (!loaded) throw new Error('The SQL parser is not loaded yet: call `await loadSqlParser()` first.');
}

/** The parse tree of SQL text (libpg-query's JSON). Throws {@link SqlError} on a syntax error. */
export function parseSql(sql: string): ParseResult {
  assertSqlParserLoaded();
  return parseSync(sql);
}

/** The tokens of SQL text, also of text that does not parse. */
export function scanSql(sql: string): ScanResult {
  assertSqlParserLoaded();
  return scanSync(sql);
}

/** The parse tree of a PL/pgSQL function body given as a whole `CREATE FUNCTION`/`DO` statement. */
export function parsePlPgSql(sql: string): ParseResult {
  assertSqlParserLoaded();
  return parsePlPgSQLSync(sql);
}
