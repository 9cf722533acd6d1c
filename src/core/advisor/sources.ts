// Which files can define database objects (no parser needed: the editor checks this on every save).

/** `sql` for SQL files, `drizzle` for TypeScript/JavaScript (drizzle-orm schemas), else undefined. */
export function definitionSourceOf(path: string): 'sql' | 'drizzle' | undefined {
  if (/\.sql$/i.test(path)) return 'sql';
  if (/\.(ts|mts|cts|tsx|js|mjs|cjs)$/i.test(path) && !/\.d\.[cm]?ts$/i.test(path)) return 'drizzle';
  return undefined;
}
