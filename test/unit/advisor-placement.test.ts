// Where findings go in a workspace: CREATE statements of SQL files and drizzle-orm calls, over the sample
// workspace in test/fixtures/advisor/workspace (the extension-host test applies the same files to a database).
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { getTableConfig } from 'drizzle-orm/pg-core';
import { findDrizzleDefinitions, findSqlDefinitions, indexDefinitions, placeFinding, type Definition, type SourceFile } from '../../src/core/advisor';
import { loadSqlParser } from '../../src/core/sql/parser';
import { buildPresentation } from '../../src/extension/advisor/present';
import { collectSourceFiles } from '../../src/playground/lintCommand';
import * as drizzleSchema from '../fixtures/advisor/workspace/src/db/schema';
import { sampleReport } from '../fixtures/advisor/sampleReport';

const root = join(__dirname, '..', 'fixtures', 'advisor', 'workspace');

function lineOf(file: SourceFile, needle: string): number {
  const at = file.text.indexOf(needle);
  assert.ok(at >= 0, `${needle} not in ${file.path}`);
  return file.text.slice(0, at).split('\n').length - 1;
}

describe('advisor: placing findings on a workspace', () => {
  let files: SourceFile[];
  const file = (name: string) => files.find((f) => f.path.endsWith(name))!;

  before(async () => {
    await loadSqlParser();
    files = collectSourceFiles(root);
  });

  it('collects the SQL and TypeScript files of the workspace', () => {
    assert.deepEqual(files.map((f) => f.path.slice(root.length + 1)).sort(), ['db/schema.sql', 'db/wip.sql', 'src/db/schema.ts']);
  });

  it('finds every CREATE statement of a SQL file, on the statement\'s first line, unqualified names in public', () => {
    const schema = file('db/schema.sql');
    const defs = findSqlDefinitions(schema);
    const at = (d: Definition) => [d.key, d.range.start.line, d.range.start.character, schema.text.split('\n')[d.range.start.line]!.slice(d.range.start.character, d.range.end.character)];
    assert.deepEqual(defs.map(at), [
      ['extension:pg_session_jwt', lineOf(schema, 'CREATE EXTENSION'), 0, 'CREATE EXTENSION IF NOT EXISTS pg_session_jwt;'.slice(0, -1)],
      ['table:public.notes', lineOf(schema, 'CREATE TABLE notes'), 0, 'CREATE TABLE notes ('],
      ['table:public.projects', lineOf(schema, 'CREATE TABLE public.projects'), 0, 'CREATE TABLE public.projects ('],
      ['policy:public.projects:Owners can read projects', lineOf(schema, 'CREATE POLICY "Owners can read'), 0, 'CREATE POLICY "Owners can read projects" ON projects FOR SELECT TO authenticated'],
      ['policy:public.projects:Owners can change projects', lineOf(schema, 'CREATE POLICY "Owners can change'), 0, 'CREATE POLICY "Owners can change projects" ON projects FOR UPDATE TO authenticated'],
      ['view:public.project_names', lineOf(schema, 'CREATE VIEW'), 0, 'CREATE VIEW project_names AS SELECT id, name FROM projects'],
      ['function:public.count_projects', lineOf(schema, 'CREATE FUNCTION'), 0, 'CREATE FUNCTION count_projects() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS $$'],
    ]);
  });

  it('still finds the statements after one that does not parse', () => {
    const wip = file('db/wip.sql');
    assert.deepEqual(
      findSqlDefinitions(wip).map((d) => [d.key, d.range.start.line]),
      [['policy:public.projects:Owners can delete projects', lineOf(wip, 'CREATE POLICY')]],
    );
  });

  it("finds drizzle's pgTable/schema.table/pgPolicy/crudPolicy calls, with crudPolicy's generated names", () => {
    const ts = file('src/db/schema.ts');
    const defs = findDrizzleDefinitions(ts);
    const policies = (schema: string, table: string) =>
      defs.filter((d) => d.kind === 'policy' && d.key.startsWith(`policy:${schema}.${table}:`)).map((d) => d.key.split(':').slice(2).join(':')).sort();
    assert.deepEqual(defs.filter((d) => d.kind === 'table').map((d) => d.key), ['table:public.todos', 'table:app.comments', 'table:public.invites']);
    // The names drizzle-orm itself gives the policies (what CREATE POLICY will use).
    for (const table of [drizzleSchema.todos, drizzleSchema.comments, drizzleSchema.invites]) {
      const config = getTableConfig(table);
      const linked = table === drizzleSchema.invites ? [drizzleSchema.invitesPolicy.name] : [];
      assert.deepEqual(policies(config.schema ?? 'public', config.name), [...config.policies.map((p) => p.name), ...linked].sort(), config.name);
    }
    const todos = defs.find((d) => d.key === 'table:public.todos')!;
    assert.equal(todos.range.start.line, lineOf(ts, 'export const todos = pgTable(') );
    assert.equal(ts.text.split('\n')[todos.range.start.line]!.slice(todos.range.start.character), 'pgTable(');
    assert.equal(todos.range.end.line, lineOf(ts, "'todos',"));
    assert.ok(!defs.some((d) => /not_a_table|fake/.test(d.key)), 'comments and strings are not definitions');
  });

  it('places a finding on its object, a policy defined nowhere on its table, and leaves unknown objects unplaced', () => {
    const index = indexDefinitions(files);
    const where = (object: Parameters<typeof placeFinding>[0]['object']) => placeFinding({ object }, index).map((d) => `${d.path.slice(root.length + 1)}:${d.range.start.line + 1}`);
    const schema = file('db/schema.sql');
    assert.deepEqual(where({ kind: 'table', schema: 'public', name: 'notes' }), [`db/schema.sql:${lineOf(schema, 'CREATE TABLE notes') + 1}`]);
    assert.deepEqual(where({ kind: 'policy', schema: 'public', table: 'projects', name: 'made in the console' }), [`db/schema.sql:${lineOf(schema, 'CREATE TABLE public.projects') + 1}`]);
    assert.deepEqual(where({ kind: 'function', schema: 'public', name: 'count_projects', args: '' }), [`db/schema.sql:${lineOf(schema, 'CREATE FUNCTION') + 1}`]);
    assert.deepEqual(where({ kind: 'policy', schema: 'public', table: 'todos', name: 'crud-authenticated-policy-update' }).length, 1);
    assert.deepEqual(where({ kind: 'table', schema: 'other', name: 'notes' }), []);
    assert.deepEqual(where({ kind: 'role', name: 'authenticated' }), []);
  });

  it('presents placed findings on their files and the others in the report document', () => {
    const index = indexDefinitions(files);
    const report = sampleReport();
    const placements = new Map(report.findings.map((f) => [f, placeFinding(f, index)]));
    const p = buildPresentation(report, placements, { connectionLabel: 'Playground', workspaceRoot: root });
    assert.equal(p.placed, 2);
    assert.equal(p.unplaced, 1);
    const lines = p.reportText.split('\n');
    for (const d of p.diagnostics) {
      if (d.target.kind === 'report') {
        assert.equal(d.ruleId, 'app-role-bypasses-rls');
        assert.match(lines[d.range.start.line]!, /^## Error: /);
      } else {
        assert.ok(d.target.path.startsWith(root));
      }
    }
    assert.match(p.reportText, /Defined at: db\/schema\.sql:\d+/);
    assert.match(p.reportText, /```sql\n-- fix\nALTER TABLE public\.notes ENABLE ROW LEVEL SECURITY;\n```/);
  });
});
