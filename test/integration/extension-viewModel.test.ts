// The Authorize view's model (src/extension/authorizeView/model.ts) built from real snapshots: the demo's
// schema and the workbench's own scaffolds run on the playground, then introspected.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { introspectDatabase } from '../../src/core/introspect';
import { loadSqlParser } from '../../src/core/sql/parser';
import { splitStatements } from '../../src/core/sqlClassify';
import { scaffoldGrants } from '../../src/core/scaffold/grants';
import { scaffoldPolicies } from '../../src/core/scaffold/policies';
import { openDatabase, type OwnerDatabase } from '../../src/core/connections/database';
import { COLORS, TABLE_CONTEXT, TABLE_RLS_OFF_CONTEXT, buildViewModel, findNode, type ViewNode } from '../../src/extension/authorizeView/model';
import { startPlayground, type Playground } from '../../src/playground/playground';
import { makeTempDir, removeTempDir } from '../support/cleanup.mjs';

const demoSchema = readFileSync(join(__dirname, '..', '..', 'demo', 'todos', 'schema.sql'), 'utf8');

describe('Authorize view model from a live snapshot', () => {
  let playground: Playground;
  let dataDir: string;
  let db: OwnerDatabase;
  const connection = () => ({ kind: 'playground' as const, label: 'Playground (test)', ownerUrl: playground.ownerUrl, authenticatedUrl: playground.authenticatedUrl });
  const model = async (): Promise<ViewNode[]> =>
    buildViewModel({ connection: connection(), providers: { list: playground.listProviders(), where: 'the playground' }, snapshot: await introspectDatabase(db) });

  before(async () => {
    dataDir = makeTempDir('naw-ext-view-');
    playground = await startPlayground({ dataDir, memory: true, port: 0 });
    db = await openDatabase(playground.ownerUrl, { fetchEndpoint: playground.fetchEndpoint });
    await loadSqlParser();
  });
  after(async () => {
    await playground?.close();
    removeTempDir(dataDir);
  });

  it('shows the connection masked, the providers, and pg_session_jwt missing before install', async () => {
    const nodes = await model();
    assert.deepEqual(nodes.map((n) => n.kind), ['connection', 'providers', 'extension', 'roles', 'tables']);
    const tooltip = nodes[0]!.tooltip ?? '';
    const password = new URL(playground.ownerUrl).password;
    assert.ok(!tooltip.includes(password), 'the owner password is not in the tooltip');
    assert.match(tooltip, /\*\*\*\*/);
    const extension = findNode(nodes, 'extension')!;
    assert.equal(extension.label, 'pg_session_jwt');
    assert.match(extension.description ?? '', /not installed/);
    assert.equal(extension.contextValue, 'neonAuthorize.extension.missing');
    assert.equal(findNode(nodes, 'role:authenticated')?.description, 'missing');
    assert.ok(findNode(nodes, 'provider:playground'), 'the built-in playground key set is listed');
  });

  it('flags a table granted to authenticated with RLS off, in the warning colour', async () => {
    await db.runScript([
      'CREATE EXTENSION IF NOT EXISTS pg_session_jwt',
      'create table notes (id int primary key, owner_id text not null, body text)',
      ...scaffoldGrants().statements,
    ]);
    const nodes = await model();
    const extension = findNode(nodes, 'extension')!;
    assert.match(extension.label, /^pg_session_jwt \d+\.\d+\.\d+$/);
    assert.equal(findNode(nodes, 'role:authenticated')?.description, 'NOLOGIN');
    const notes = findNode(nodes, 'table:public.notes');
    assert.ok(notes && notes.kind === 'table');
    assert.equal(notes.contextValue, TABLE_RLS_OFF_CONTEXT);
    assert.equal(notes.iconColor, COLORS.warning);
    assert.match(notes.description ?? '', /RLS off · authenticated, anonymous see every row/);
    assert.ok(notes.children?.some((c) => c.command?.command === 'neonAuthorize.enableRls'));
  });

  it('shows the demo todos table with RLS on and its four policies (command, roles, USING / WITH CHECK)', async () => {
    const statements = splitStatements(demoSchema).map((s) => s.text);
    await db.runScript(statements);
    const nodes = await model();
    const todos = findNode(nodes, 'table:public.todos');
    assert.ok(todos && todos.kind === 'table');
    assert.equal(todos.contextValue, TABLE_CONTEXT);
    assert.equal(todos.description, 'RLS on · 4 policies');
    assert.equal(todos.iconColor, COLORS.ok);
    const policies = todos.children!.filter((c) => c.kind === 'policy');
    assert.equal(policies.length, 4);
    const update = policies.find((p) => p.label === 'Individuals can update their own todos.')!;
    assert.match(update.description ?? '', /^UPDATE · authenticated · permissive · USING .*auth\.user_id\(\).* WITH CHECK .*auth\.user_id\(\)/);
    assert.match(update.tooltip ?? '', /USING\n\n```sql\n/);
    const insert = policies.find((p) => p.label === 'Individuals can create todos.')!;
    assert.doesNotMatch(insert.description ?? '', /USING/);
    assert.match(insert.description ?? '', /WITH CHECK/);
  });

  it('counts FORCE and restrictive policies from the workbench\'s own scaffold', async () => {
    const snapshot = await introspectDatabase(db);
    const notes = snapshot.tables.find((t) => t.name === 'notes')!;
    await db.runScript([...scaffoldPolicies(notes, { template: 'public-read-owner-write', forceRls: true }).statements, 'create policy "no bob" on notes as restrictive for all to authenticated using ((select auth.user_id()) <> \'bob\')']);
    const nodes = await model();
    const node = findNode(nodes, 'table:public.notes')!;
    assert.match(node.description ?? '', /^RLS on · FORCE · \d+ policies$/);
    const restrictive = node.children!.find((c) => c.label === 'no bob')!;
    assert.match(restrictive.description ?? '', /ALL · authenticated · restrictive/);
    assert.equal(restrictive.icon, 'circle-slash');
  });

  it('shows why the database could not be read instead of tables', () => {
    const nodes = buildViewModel({ connection: connection(), providers: { unavailable: 'no registry' }, error: 'Could not connect: ECONNREFUSED' });
    assert.deepEqual(nodes.map((n) => n.kind), ['connection', 'providers', 'message']);
    assert.equal(nodes[1]!.description, 'not available');
    assert.match(nodes[2]!.description ?? '', /ECONNREFUSED/);
    assert.equal(nodes[2]!.iconColor, COLORS.error);
  });
});
