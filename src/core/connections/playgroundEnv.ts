/**
 * Keeps a workspace `.env` pointing at the playground. Only a file that opts in with the marker
 * line is ever written (the demo workspace's does), so a user's own `.env` is never touched.
 */
import { parseDotenv } from './dotenv';

export const PLAYGROUND_ENV_MARKER = '# neon-authorize: playground';

export function wantsPlaygroundEnv(text: string): boolean {
  return text.split(/\r?\n/).some((line) => line.trim() === PLAYGROUND_ENV_MARKER);
}

/**
 * Sets each variable to its value, single-quoted (connection URLs have no quotes), on the line
 * that defines it — a value spanning several lines is replaced whole — and appends the ones the
 * file lacks. Comments and every other line stay as they are.
 */
export function fillEnvVariables(text: string, values: Record<string, string>): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const entries = parseDotenv(text);
  const done = new Set<string>();
  // Replace from the bottom up so earlier line numbers stay valid.
  for (const entry of [...entries].sort((a, b) => b.line - a.line)) {
    if (!(entry.key in values) || done.has(entry.key)) continue;
    const start = entry.line - 1;
    const span = entry.value.split('\n').length; // a quoted value may span lines
    const prefix = /^[ \t]*export[ \t]+/.test(lines[start]) ? 'export ' : '';
    lines.splice(start, span, `${prefix}${entry.key}='${values[entry.key]}'`);
    done.add(entry.key);
  }
  const missing = Object.keys(values).filter((key) => !done.has(key));
  if (missing.length) {
    if (lines.length && lines[lines.length - 1] === '') lines.pop();
    for (const key of missing) lines.push(`${key}='${values[key]}'`);
    lines.push('');
  }
  return lines.join(eol);
}
