// Quoting for SQL the workbench writes (scaffolds, fixes, queries) and for names shown in messages. Every
// identifier and string literal goes through here, so mixed-case names, reserved words and odd characters are
// handled the same way Postgres' own quote_ident() and quote_literal() do.

/**
 * PostgreSQL 18 keywords that cannot be used bare as a column or table name in every position
 * (reserved, type/function-name and column-name categories: `pg_get_keywords()` where catcode <> 'U').
 * An integration test compares this list with the server's.
 */
export const NON_UNRESERVED_KEYWORDS: ReadonlySet<string> = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization between bigint binary bit boolean both case ' +
    'cast char character check coalesce collate collation column concurrently constraint create cross ' +
    'current_catalog current_date current_role current_schema current_time current_timestamp current_user dec ' +
    'decimal default deferrable desc distinct do else end except exists extract false fetch float for foreign ' +
    'freeze from full grant greatest group grouping having ilike in initially inner inout int integer intersect ' +
    'interval into is isnull join json json_array json_arrayagg json_exists json_object json_objectagg json_query ' +
    'json_scalar json_serialize json_table json_value lateral leading least left like limit localtime ' +
    'localtimestamp merge_action national natural nchar none normalize not notnull null nullif numeric offset on ' +
    'only or order out outer overlaps overlay placing position precision primary real references returning right ' +
    'row select session_user setof similar smallint some substring symmetric system_user table tablesample then ' +
    'time timestamp to trailing treat trim true union unique user using values varchar variadic verbose when ' +
    'where window with xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi ' +
    'xmlroot xmlserialize xmltable'
  ).split(' '),
);

const SIMPLE_IDENT = /^[a-z_][a-z0-9_$]*$/;

/** Quotes an identifier only when Postgres needs it (upper case, spaces, keywords…), like quote_ident(). */
export function quoteIdent(name: string): string {
  if (name === '') throw new Error('An SQL identifier cannot be empty.');
  if (name.includes('\0')) throw new Error('An SQL identifier cannot contain a NUL character.');
  if (SIMPLE_IDENT.test(name) && !NON_UNRESERVED_KEYWORDS.has(name)) return name;
  return quoteIdentAlways(name);
}

/**
 * An identifier always in double quotes, inner `"` doubled: for SQL that must not depend on case or keywords,
 * and for names shown in messages the way Postgres shows them (`role "authenticated"`).
 */
export function quoteIdentAlways(name: string): string {
  if (name === '') throw new Error('An SQL identifier cannot be empty.');
  if (name.includes('\0')) throw new Error('An SQL identifier cannot contain a NUL character.');
  return `"${name.replace(/"/g, '""')}"`;
}

/** `schema.name`, each part quoted as needed. */
export function qualifiedName(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/**
 * The inverse of qualifiedName: "schema.name" or "name" as a person types it, each part bare (folded to
 * lower case, as Postgres folds it) or in double quotes (kept as written, `""` for a quote). Without a
 * schema the name is in `defaultSchema`. Undefined when the text is not one or two such parts.
 */
export function parseQualifiedName(text: string, defaultSchema = 'public'): { schema: string; name: string } | undefined {
  const m = /^\s*(?:("(?:[^"]|"")+"|[^."\s]+)\s*\.\s*)?("(?:[^"]|"")+"|[^."\s]+)\s*$/.exec(text);
  if (!m) return undefined;
  const unquote = (s: string) => (s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s.toLowerCase());
  return { schema: m[1] ? unquote(m[1]) : defaultSchema, name: unquote(m[2]!) };
}

/** A string literal: single quotes doubled (standard_conforming_strings is on in every supported Postgres). */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('An SQL string cannot contain a NUL character.');
  return `'${value.replace(/'/g, "''")}'`;
}

/** Identifiers longer than NAMEDATALEN-1 bytes are truncated by Postgres; build names that fit. */
export function fitIdentifier(name: string, maxBytes = 63): string {
  const bytes = new TextEncoder().encode(name);
  if (bytes.length <= maxBytes) return name;
  let out = '';
  let used = 0;
  for (const ch of name) {
    const len = new TextEncoder().encode(ch).length;
    if (used + len > maxBytes) break;
    out += ch;
    used += len;
  }
  return out;
}
