// A dotenv parser that follows the rules of the `dotenv` package (v16), which Next.js (@next/env) and most
// Node tooling use, so the value we read is the value the user's app reads. It also keeps line numbers.

export interface DotenvEntry {
  key: string;
  /** The value after unquoting (and `\n`/`\r` unescaping in double quotes), before `${VAR}` expansion. */
  value: string;
  /** 1-based line of the key. */
  line: number;
  quote: '"' | "'" | '`' | null;
}

const KEY_RE = /^[ \t]*(?:export[ \t]+)?([\w.-]+)(?:[ \t]*=[ \t]*|:[ \t]+)/;

/** Parses dotenv text. Later definitions of a key replace earlier ones, as in `dotenv`. */
export function parseDotenv(text: string): DotenvEntry[] {
  const src = text.replace(/\r\n?/g, '\n');
  const byKey = new Map<string, DotenvEntry>();
  let pos = 0;
  let line = 1;
  while (pos < src.length) {
    const lineEnd = src.indexOf('\n', pos) === -1 ? src.length : src.indexOf('\n', pos);
    const current = src.slice(pos, lineEnd);
    const match = KEY_RE.exec(current);
    if (!match || /^\s*#/.test(current)) {
      pos = lineEnd + 1;
      line++;
      continue;
    }
    const key = match[1] ?? '';
    const valueStart = pos + match[0].length;
    const first = src[valueStart];
    let consumedTo = lineEnd;
    let entry: DotenvEntry | undefined;
    if (first === '"' || first === "'" || first === '`') {
      const close = findClosingQuote(src, valueStart + 1, first);
      const afterClose = close >= 0 ? src.indexOf('\n', close) : -1;
      const rest = close >= 0 ? src.slice(close + 1, afterClose === -1 ? src.length : afterClose) : '';
      // As in dotenv, only whitespace or a comment may follow the closing quote; else the value is unquoted.
      if (close >= 0 && /^[ \t]*(#.*)?$/.test(rest)) {
        let value = src.slice(valueStart + 1, close);
        if (first === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
        entry = { key, value, line, quote: first };
        consumedTo = afterClose === -1 ? src.length : afterClose;
      }
    }
    if (!entry) {
      // Unquoted (or an opening quote that never closes): the rest of the line up to a `#` comment.
      const raw = src.slice(valueStart, lineEnd);
      const hash = raw.indexOf('#');
      entry = { key, value: (hash >= 0 ? raw.slice(0, hash) : raw).trim(), line, quote: null };
    }
    byKey.delete(key);
    byKey.set(key, entry);
    line += countNewlines(src, pos, consumedTo) + 1;
    pos = consumedTo + 1;
  }
  return [...byKey.values()];
}

function findClosingQuote(src: string, from: number, quote: string): number {
  for (let i = from; i < src.length; i++) {
    const ch = src[i];
    if (ch === '\\' && src[i + 1] === quote) {
      i++;
      continue;
    }
    if (ch === quote) return i;
  }
  return -1;
}

function countNewlines(src: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (src[i] === '\n') n++;
  return n;
}

export interface ExpansionResult {
  value: string;
  /** Variables referenced with no value and no default: they expanded to an empty string. */
  unresolved: string[];
}

/**
 * Expands `$VAR`, `${VAR}` and `${VAR:-default}` like dotenv-expand (used by Next.js); `\$` stays a literal
 * `$`. Single-quoted values are not expanded. `lookup` returns the (expanded) value of another variable.
 */
export function expandDotenvValue(
  entry: Pick<DotenvEntry, 'value' | 'quote'>,
  lookup: (name: string) => string | undefined,
): ExpansionResult {
  if (entry.quote === "'") return { value: entry.value, unresolved: [] };
  const unresolved: string[] = [];
  const value = entry.value.replace(
    /(\\)?\$(?:\{([A-Za-z_][\w]*)(?::?-((?:[^}\\]|\\.)*))?\}|([A-Za-z_][\w]*))/g,
    (whole, escaped: string | undefined, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
      if (escaped) return whole.slice(1);
      const name = (braced ?? bare) as string;
      const found = lookup(name);
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      if (found === undefined) unresolved.push(name);
      return '';
    },
  );
  return { value, unresolved };
}
