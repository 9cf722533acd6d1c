/**
 * `naw lint`: the RLS Advisor for CI. Lints a database (--database URL, or the playground in --data DIR),
 * places findings on the CREATE statements and Drizzle calls of the SQL/TypeScript files under --sources,
 * prints text, JSON or SARIF, and exits 1 when a finding reaches --fail-on (2: usage error or no database).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  exitCodeFor,
  FAIL_ON_VALUES,
  formatReport,
  indexDefinitions,
  lintDatabase,
  placeFinding,
  REPORT_FORMATS,
  UnknownRuleError,
  definitionSourceOf,
  type AdvisorFinding,
  type Definition,
  type FailOn,
  type ReportFormat,
  type SourceFile,
} from '../core/advisor';
import { describeConnection, InvalidConnectionUrlError } from '../core/connections';
import type { Queryable } from '../core/introspect';
import { openDatabase, type OwnerDatabase } from '../core/connections/database';
import manifest from '../../package.json';
import { APP_ROLES, DEFAULT_DATA_DIR, DEFAULT_PORT, startPlayground, type Playground } from './playground';

export const LINT_USAGE = `  naw lint [--database URL | --data DIR [--port N]] [--format text|json|sarif] [--fail-on error|warn|info|never]
           [--authenticated-role NAME] [--anonymous-role NAME] [--disable RULE]... [--sources DIR | --no-sources]`;

export const LINT_HELP = `lint    Runs the RLS Advisor on --database (an owner URL), or on the playground in --data DIR
        (default ${DEFAULT_DATA_DIR}: the running 'naw serve' on --port, default ${DEFAULT_PORT}, or its data
        opened directly). Findings are placed on the CREATE statements and Drizzle pgTable/pgPolicy calls of
        the files under --sources (default: the current folder). Exit code 1 when a finding is at least
        --fail-on (default error), 2 when the database cannot be linted.`;

/** A mistake in the command line or a database that cannot be reached: one line, exit code 2. */
class LintFailure extends Error {}

const SKIPPED_FOLDERS = new Set(['node_modules', '.git', 'dist', 'out', 'build', '.next', '.turbo', 'coverage', '.cache', '.neon-playground', '.vscode-test']);
const MAX_SOURCE_FILES = 5000;
const MAX_SOURCE_BYTES = 1_000_000;

/** SQL and TypeScript/JavaScript files under `root`, skipping dependency and build folders. */
export function collectSourceFiles(root: string): SourceFile[] {
  const files: SourceFile[] = [];
  const visit = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (files.length >= MAX_SOURCE_FILES) return;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name) && !entry.name.startsWith('.')) visit(path);
      } else if (entry.isFile() && definitionSourceOf(path)) {
        try {
          if (statSync(path).size > MAX_SOURCE_BYTES) continue;
          files.push({ path, text: readFileSync(path, 'utf8') });
        } catch {
          // unreadable: not a source
        }
      }
    }
  };
  visit(root);
  return files;
}

/** Whether a Neon-style `/sql` endpoint (the playground) answers on the URL's host and port. */
async function probeSqlEndpoint(host: string, port: number): Promise<string | undefined> {
  const endpoint = `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}/sql`;
  try {
    await fetch(endpoint, { method: 'OPTIONS', signal: AbortSignal.timeout(1500) });
    return endpoint;
  } catch {
    return undefined; // not HTTP (a Postgres server closes the connection), or nothing listening
  }
}

interface Target {
  database: Queryable;
  /** Where the database is, for messages (no password). */
  label: string;
  authenticatedRole?: string;
  close(): Promise<void>;
}

async function openUrl(url: string): Promise<Target> {
  let described;
  try {
    described = describeConnection(url);
  } catch (err) {
    throw new LintFailure(err instanceof InvalidConnectionUrlError ? `--database: ${err.message}` : `--database is not a Postgres URL. Use postgresql://USER:PASSWORD@HOST/DATABASE`);
  }
  const fetchEndpoint = described.isLocal && !described.isNeon ? await probeSqlEndpoint(described.host, described.port) : undefined;
  const database: OwnerDatabase = await openDatabase(url, { fetchEndpoint });
  return { database, label: described.label, close: () => database.close() };
}

interface PlaygroundSettingsFile {
  passwords?: Record<string, string>;
}

async function openPlayground(dataDir: string, port: number): Promise<Target> {
  const settingsFile = join(dataDir, 'playground.json');
  if (!existsSync(settingsFile)) {
    throw new LintFailure(`No playground in ${dataDir}: start one with 'naw serve' (or 'naw serve --data DIR'), or lint another database with --database URL.`);
  }
  let settings: PlaygroundSettingsFile;
  try {
    settings = JSON.parse(readFileSync(settingsFile, 'utf8')) as PlaygroundSettingsFile;
  } catch {
    throw new LintFailure(`${settingsFile} is not valid JSON. Fix it, or pass --database URL.`);
  }
  const passwords = settings.passwords ?? {};
  const owners = Object.keys(passwords).filter((r) => !(APP_ROLES as readonly string[]).includes(r));
  const owner = owners.includes('neondb_owner') ? 'neondb_owner' : owners[0];
  if (!owner) throw new LintFailure(`${settingsFile} names no owner role. Start the playground once with 'naw serve', or pass --database URL.`);

  const endpoint = await probeSqlEndpoint('127.0.0.1', port);
  if (endpoint) {
    const url = `postgresql://${encodeURIComponent(owner)}:${encodeURIComponent(passwords[owner]!)}@127.0.0.1:${port}/neondb`;
    const database = await openDatabase(url, { fetchEndpoint: endpoint });
    return { database, label: `the playground on 127.0.0.1:${port} (${dataDir})`, close: () => database.close() };
  }
  const pgdata = join(dataDir, 'pgdata');
  if (!existsSync(pgdata)) {
    throw new LintFailure(
      `The playground in ${dataDir} is not running on 127.0.0.1:${port} and has no embedded database (it serves --database): start it with 'naw serve', pass --port N, or lint with --database URL.`,
    );
  }
  if (existsSync(join(pgdata, 'postmaster.pid'))) {
    throw new LintFailure(
      `The playground database in ${dataDir} is open in another process (naw serve on another port, or VS Code), and nothing answers on 127.0.0.1:${port}: pass that --port N. If no process uses it, delete ${join(pgdata, 'postmaster.pid')}.`,
    );
  }
  // Not served: open its data here for the duration of the lint.
  const playground: Playground = await startPlayground({ dataDir, port: 0 });
  try {
    const database = await openDatabase(playground.ownerUrl, { fetchEndpoint: playground.fetchEndpoint });
    return { database, label: `the playground in ${dataDir}`, close: () => playground.close() };
  } catch (err) {
    await playground.close();
    throw err;
  }
}

/** Every CLI error is one line: messages from Node and libraries may span several. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** `naw lint …`: prints the report with `out`, errors with `err`; resolves with the exit code. */
export async function runLint(
  args: string[],
  out: (text: string) => void = (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<number> {
  let target: Target | undefined;
  try {
    let v;
    try {
      v = parseArgs({
        args,
        strict: true,
        allowPositionals: false,
        options: {
          database: { type: 'string' },
          data: { type: 'string' },
          port: { type: 'string' },
          format: { type: 'string' },
          'fail-on': { type: 'string' },
          'authenticated-role': { type: 'string' },
          'anonymous-role': { type: 'string' },
          disable: { type: 'string', multiple: true },
          sources: { type: 'string' },
          'no-sources': { type: 'boolean' },
        },
      }).values;
    } catch (e) {
      throw new LintFailure(`${(e as Error).message.replace(/\. To specify a positional.*$/s, '')}. Run 'naw help' for usage.`);
    }
    const format = (v.format ?? 'text') as ReportFormat;
    if (!REPORT_FORMATS.includes(format)) throw new LintFailure(`--format "${v.format}": use ${REPORT_FORMATS.join(', ')}.`);
    const failOn = (v['fail-on'] ?? 'error') as FailOn;
    if (!FAIL_ON_VALUES.includes(failOn)) throw new LintFailure(`--fail-on "${v['fail-on']}": use ${FAIL_ON_VALUES.join(', ')}.`);
    if (v.database !== undefined && (v.data !== undefined || v.port !== undefined)) {
      throw new LintFailure('--database and --data/--port do not go together: --database names the database to lint, --data the playground.');
    }
    if (v.sources !== undefined && v['no-sources']) throw new LintFailure('--sources and --no-sources do not go together.');
    const port = v.port === undefined ? DEFAULT_PORT : Number(v.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new LintFailure(`--port "${v.port}" is not a port number (1–65535).`);
    const sourcesRoot = v['no-sources'] ? undefined : resolve(v.sources ?? '.');
    if (sourcesRoot && !existsSync(sourcesRoot)) throw new LintFailure(`--sources ${sourcesRoot} does not exist.`);

    target = v.database !== undefined ? await openUrl(v.database) : await openPlayground(resolve(v.data ?? DEFAULT_DATA_DIR), port);
    const report = await lintDatabase(target.database, {
      authenticatedRole: v['authenticated-role'],
      anonymousRole: v['anonymous-role'],
      disabledRules: v.disable,
    });
    let placements: Map<AdvisorFinding, readonly Definition[]> | undefined;
    if (sourcesRoot) {
      const index = indexDefinitions(collectSourceFiles(sourcesRoot));
      placements = new Map(report.findings.map((f) => [f, placeFinding(f, index)]));
    }
    out(formatReport(report, format, { placements, root: sourcesRoot, toolVersion: manifest.version }));
    return exitCodeFor(report, failOn);
  } catch (e) {
    const message = e instanceof LintFailure || e instanceof UnknownRuleError ? e.message : `could not lint ${target?.label ?? 'the database'}: ${(e as Error)?.message ?? String(e)}`;
    err(`naw: ${oneLine(message)}`);
    return 2;
  } finally {
    await target?.close().catch(() => undefined);
  }
}
