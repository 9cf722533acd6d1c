/**
 * `naw lint` as CI runs it: the built CLI (dist/cli.js) in a child process against a playground started
 * with `naw serve`, against that playground's data once it is stopped, and against a real PostgreSQL
 * server (node-postgres); the three formats, exit codes, and one-line errors.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { neon, neonConfig } from '@neondatabase/serverless';
import pg from 'pg';
import { startManagedPostgres, type ManagedPostgres } from '../support/managedPostgres';
import { freePort } from '../../src/playground/net';
import { ensureCliBuilt, repoRoot, runCli, serveCli, stopCli } from '../support/cli';
import { makeTempDir, removeTempDir } from '../support/cleanup.mjs';

const root = repoRoot;
const lint = (args: string[], cwd = root) => {
  const r = runCli(['lint', ...args], cwd);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const serve = async (args: string[]) => {
  const { child, firstLine } = await serveCli([...args, '--json']);
  return { child, urls: JSON.parse(firstLine) as { ownerUrl: string; fetchEndpoint: string } };
};
const stop = async (child: ChildProcess) => void (await stopCli(child));
const ensureBuilt = ensureCliBuilt;

// Three findings of three levels: notes (RLS off, granted: error), a per-row auth.user_id() (warning),
// the user column without a default (info).
const SCHEMA_SQL = `CREATE EXTENSION IF NOT EXISTS pg_session_jwt;

CREATE TABLE notes (id bigint primary key, user_id text not null, body text);
GRANT SELECT ON notes TO authenticated;

CREATE TABLE projects (id bigint primary key, owner_id text not null, name text);
CREATE INDEX projects_owner_id_idx ON projects (owner_id);
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY "own projects" ON projects FOR ALL TO authenticated USING (auth.user_id() = owner_id);
`;

const STATEMENTS = SCHEMA_SQL.split(';\n').map((s) => s.trim()).filter(Boolean);

interface JsonReport {
  counts: { error: number; warn: number; info: number };
  findings: { ruleId: string; level: string; objectKey: string; locations: { path: string; line: number }[] }[];
}

describe('naw lint', function () {
  this.timeout(120_000);
  let dir: string;
  let sources: string;
  let served: { child: ChildProcess; urls: { ownerUrl: string; fetchEndpoint: string } } | undefined;

  before(async () => {
    ensureBuilt();
    neonConfig.fetchEndpoint = (host, port) => `http://${host}:${port}/sql`;
    dir = makeTempDir('naw-lint-');
    sources = join(dir, 'app');
    mkdirSync(join(sources, 'db'), { recursive: true });
    writeFileSync(join(sources, 'db', 'schema.sql'), SCHEMA_SQL);
    served = await serve(['--port', '0', '--data', join(dir, 'playground')]);
    const owner = neon(served.urls.ownerUrl);
    for (const s of STATEMENTS) await owner.query(s);
  });

  after(async () => {
    if (served) await stop(served.child);
    removeTempDir(dir);
  });

  const port = () => new URL(served!.urls.ownerUrl).port;

  it('text on the served playground (--data, --port): each finding placed on its CREATE statement; exit 1 for an error', () => {
    const r = lint(['--data', join(dir, 'playground'), '--port', port(), '--sources', sources]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^error {3}rls-disabled-granted {2}db\/schema\.sql:3:1 {2}table public\.notes$/m);
    assert.match(r.stdout, /^warning auth-call-per-row {2}db\/schema\.sql:9:1 {2}policy "own projects" on public\.projects$/m);
    assert.match(r.stdout, /^ {10}ALTER POLICY "own projects" ON public\.projects$/m);
    assert.match(r.stdout, /\d+ problems \(1 error, \d+ warnings?, \d+ info\)\n$/);
  });

  it('JSON with --database (the owner URL): counts, object keys and locations', () => {
    const r = lint(['--database', served!.urls.ownerUrl, '--format', 'json', '--sources', sources]);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as JsonReport;
    const keys = report.findings.map((f) => `${f.ruleId} ${f.objectKey}`);
    assert.ok(keys.includes('rls-disabled-granted table:public.notes'), keys.join('\n'));
    assert.ok(keys.includes('auth-call-per-row policy:public.projects:own projects'));
    assert.ok(keys.includes('user-column-no-default table:public.projects'));
    assert.equal(report.counts.error, report.findings.filter((f) => f.level === 'error').length);
    assert.deepEqual(report.findings.find((f) => f.ruleId === 'rls-disabled-granted')!.locations, [{ path: 'db/schema.sql', line: 3, column: 1 }]);
  });

  it('SARIF 2.1.0 with physical and logical locations', () => {
    const r = lint(['--database', served!.urls.ownerUrl, '--format', 'sarif', '--sources', sources]);
    assert.equal(r.code, 1, r.stderr);
    const log = JSON.parse(r.stdout);
    assert.equal(log.version, '2.1.0');
    const run = log.runs[0];
    const result = run.results.find((x: { ruleId: string }) => x.ruleId === 'rls-disabled-granted');
    assert.equal(run.tool.driver.rules[result.ruleIndex].id, 'rls-disabled-granted');
    assert.equal(result.level, 'error');
    assert.deepEqual(result.locations[0].physicalLocation.region, { startLine: 3, startColumn: 1, endLine: 3, endColumn: 'CREATE TABLE notes (id bigint primary key, user_id text not null, body text)'.length + 1 });
    assert.equal(result.locations[0].logicalLocations[0].fullyQualifiedName, 'public.notes');
  });

  it('--fail-on and --disable decide the exit code', () => {
    assert.equal(lint(['--database', served!.urls.ownerUrl, '--no-sources', '--fail-on', 'never']).code, 0);
    const noErrors = ['--disable', 'rls-disabled-granted'];
    assert.equal(lint(['--database', served!.urls.ownerUrl, '--no-sources', ...noErrors]).code, 0);
    assert.equal(lint(['--database', served!.urls.ownerUrl, '--no-sources', ...noErrors, '--fail-on', 'warn']).code, 1);
    const onlyInfo = [...noErrors, '--disable', 'auth-call-per-row', '--disable', 'user-column-not-indexed', '--disable', 'anonymous-can-write'];
    const r = lint(['--database', served!.urls.ownerUrl, '--no-sources', ...onlyInfo, '--fail-on', 'warn', '--format', 'json']);
    assert.equal(r.code, 0, r.stdout);
    const { findings } = JSON.parse(r.stdout) as JsonReport;
    assert.ok(findings.length > 0 && findings.every((f) => f.level === 'info'), `only info findings remain: ${JSON.stringify(findings.map((f) => f.ruleId))}`);
  });

  it('usage errors and an unreachable database: one line on stderr, nothing on stdout, exit 2', async () => {
    const closed = await freePort();
    const cases: [string[], RegExp][] = [
      [['--format', 'xml'], /^naw: --format "xml": use text, json, sarif\.\n$/],
      [['--fail-on', 'sometimes'], /^naw: --fail-on "sometimes": use error, warn, info, never\.\n$/],
      [['--bogus'], /^naw: Unknown option '--bogus'\. Run 'naw help' for usage\.\n$/],
      [['--database', served!.urls.ownerUrl, '--disable', 'no-such-rule'], /^naw: Unknown rule "no-such-rule"\. Rules: rls-disabled-granted, .*\n$/],
      [['--database', 'not a url'], /^naw: --database: .*\n$/],
      [['--database', `postgresql://u:p@127.0.0.1:${closed}/db`, '--no-sources'], /^naw: could not lint u@127\.0\.0\.1:\d+\/db: .*Nothing accepted the connection at 127\.0\.0\.1:\d+.*\n$/],
      [['--data', join(dir, 'none')], /^naw: No playground in .*none: start one with 'naw serve'.*\n$/],
    ];
    for (const [args, expected] of cases) {
      const r = lint(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, '', args.join(' '));
      assert.match(r.stderr, expected);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    }
  });

  it('the playground stopped: lint --data opens its database directly (default folder .neon-playground, from the working directory)', async () => {
    await stop(served!.child);
    served = undefined;
    // The default --data is ./.neon-playground: run from a folder whose playground is the one above.
    const cwd = join(dir, 'cwd');
    mkdirSync(cwd, { recursive: true });
    const moved = lint(['--data', join(dir, 'playground'), '--port', String(await freePort()), '--format', 'json', '--no-sources'], cwd);
    assert.equal(moved.code, 1, moved.stderr);
    assert.ok((JSON.parse(moved.stdout) as JsonReport).findings.some((f) => f.ruleId === 'rls-disabled-granted'));
    const none = lint(['--port', String(await freePort())], cwd);
    assert.equal(none.code, 2);
    assert.match(none.stderr, new RegExp(`No playground in ${join(cwd, '.neon-playground').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
  });

  describe('on a real PostgreSQL server (node-postgres)', () => {
    let server: ManagedPostgres;
    before(async () => {
      // pg_session_jwt is installable there: the server was started with it in its share directory.
      server = await startManagedPostgres();
      const owner = new pg.Client({ connectionString: server.ownerUrl });
      await owner.connect();
      try {
        for (const s of STATEMENTS) await owner.query(s);
      } finally {
        await owner.end();
      }
    });
    after(async () => {
      await server?.stop();
    });

    it('lints it over the Postgres protocol with the same findings', () => {
      const r = lint(['--database', server.ownerUrl, '--format', 'json', '--sources', sources]);
      assert.equal(r.code, 1, r.stderr);
      const report = JSON.parse(r.stdout) as JsonReport;
      const keys = report.findings.map((f) => `${f.ruleId} ${f.objectKey}`);
      assert.ok(keys.includes('rls-disabled-granted table:public.notes'), keys.join('\n'));
      assert.ok(keys.includes('auth-call-per-row policy:public.projects:own projects'));
    });
  });
});
