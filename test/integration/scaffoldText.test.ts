// The scaffolds' text and choices, without a database: the Authorize guides' wording, the guessers, option errors.
// (Running the SQL for real is scaffold.test.ts; the Drizzle comparison is scaffoldDrizzle.test.ts.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { scaffoldDrizzle } from '../../src/core/scaffold/drizzle';
import { scaffoldGrants } from '../../src/core/scaffold/grants';
import type { TableDescription } from '../../src/core/introspect/types';
import { guessOrgColumn, guessUserColumn, scaffoldPolicies } from '../../src/core/scaffold/policies';
import { ScaffoldOptionError } from '../../src/core/scaffold/script';
import { fitIdentifier, qualifiedName, quoteIdent, quoteLiteral } from '../../src/core/sql/quote';

const SEED = readFileSync(new URL('../fixtures/authorize-guide-sql.md', import.meta.url), 'utf8');

/** The SQL statements of the guide's fenced blocks that contain `marker`, comments dropped, whitespace and case folded. */
function seedStatements(marker: string): string[] {
  const blocks = [...SEED.matchAll(/```sql[^\n]*\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => b.includes(marker));
  return blocks.flatMap((b) => b.replace(/--[^\n]*/g, '').split(';')).map(fold).filter(Boolean);
}

function fold(sql: string): string {
  return sql.replace(/--[^\n]*/g, '').replace(/\s+/g, ' ').trim().replace(/;$/, '').toLowerCase();
}

const TODOS: TableDescription = {
  schema: 'public',
  name: 'todos',
  primaryKey: ['id'],
  columns: [
    { name: 'id', type: 'bigint', identity: 'by-default', nullable: false },
    { name: 'user_id', type: 'text', default: null, nullable: false },
    { name: 'task', type: 'text', nullable: true },
    { name: 'is_complete', type: 'boolean', default: 'false', nullable: true },
    { name: 'inserted_at', type: 'timestamp without time zone', default: 'now()', nullable: false },
  ],
};

describe('scaffold text', () => {
  it('grants: the default block is the guide\'s block, statement for statement', () => {
    const ours = scaffoldGrants().statements.map(fold);
    assert.deepEqual(ours, seedStatements('ALTER DEFAULT PRIVILEGES'));
  });

  it('grants: options change roles, privileges, owner of future tables and sequences', () => {
    const out = scaffoldGrants({
      schema: 'App Data',
      roles: ['authenticated'],
      privileges: { authenticated: ['SELECT', 'INSERT'] },
      futureTablesOwner: 'migrator',
      includeSequences: true,
    });
    assert.deepEqual(out.statements, [
      'GRANT SELECT, INSERT ON ALL TABLES\n  IN SCHEMA "App Data"\n  TO authenticated;',
      'ALTER DEFAULT PRIVILEGES FOR ROLE migrator\n  IN SCHEMA "App Data"\n  GRANT SELECT, INSERT ON TABLES\n  TO authenticated;',
      'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "App Data" TO authenticated;',
      'ALTER DEFAULT PRIVILEGES FOR ROLE migrator IN SCHEMA "App Data" GRANT USAGE, SELECT ON SEQUENCES TO authenticated;',
      'GRANT USAGE ON SCHEMA "App Data" TO authenticated;',
    ]);
    assert.match(out.sql, /-- Sequences: an INSERT that takes a serial column's default calls nextval\(\)/);
    const readOnly = scaffoldGrants({ privileges: { authenticated: ['SELECT'], anonymous: [] }, includeSequences: true });
    assert.match(readOnly.sql, /-- anonymous: no table privileges chosen\./);
    assert.match(readOnly.sql, /no role may INSERT, so no sequence grant is needed/);
    assert.ok(readOnly.statements.includes('GRANT USAGE ON SCHEMA public TO anonymous;'));
    assert.ok(!readOnly.statements.some((s) => s.includes('TO anonymous;') && s.includes('ON ALL TABLES')));
  });

  it('grants: bad options say what to do', () => {
    assert.throws(() => scaffoldGrants({ roles: [] }), /Choose at least one role/);
    assert.throws(() => scaffoldGrants({ privileges: { authenticated: ['SELECT', 'DROP' as 'SELECT'] } }), (e: unknown) => {
      assert.ok(e instanceof ScaffoldOptionError);
      assert.match(e.message, /Unknown table privilege "DROP" for authenticated: use SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER/);
      return true;
    });
  });

  it('owner-crud: the guide\'s four policies, in the initplan-safe form', () => {
    const out = scaffoldPolicies(TODOS, { template: 'owner-crud', replaceExisting: false });
    const ours = out.statements.filter((s) => s.startsWith('CREATE POLICY') || s.includes('ENABLE ROW LEVEL')).map((s) => fold(s).replaceAll('public.todos', 'todos'));
    assert.deepEqual(ours, seedStatements('CREATE POLICY').filter((s) => !s.startsWith('create table')));
    assert.deepEqual(
      out.policies.map((p) => p.name),
      ['Individuals can create todos.', 'Individuals can view their own todos.', 'Individuals can update their own todos.', 'Individuals can delete their own todos.'],
    );
    assert.ok(out.statements.includes('ALTER TABLE public.todos\n  ALTER COLUMN user_id SET DEFAULT auth.user_id();'));
    assert.ok(out.statements.includes('CREATE INDEX IF NOT EXISTS todos_user_id_idx ON public.todos (user_id);'));
    assert.equal(out.indexName, 'todos_user_id_idx');
  });

  it('policies: options turn the default, the index and the DROP lines off', () => {
    const out = scaffoldPolicies(TODOS, { template: 'owner-crud', setUserColumnDefault: false, createIndex: false, replaceExisting: false });
    assert.equal(out.statements.some((s) => s.includes('SET DEFAULT') || s.includes('CREATE INDEX') || s.startsWith('DROP')), false);
    const replacing = scaffoldPolicies(TODOS, { template: 'owner-crud' });
    assert.equal(replacing.statements.filter((s) => s.startsWith('DROP POLICY IF EXISTS')).length, 4);
  });

  it('policies: no default on identity or generated user columns', () => {
    const t: TableDescription = { schema: 'public', name: 'notes', columns: [{ name: 'owner_id', type: 'bigint', identity: 'always' }] };
    const out = scaffoldPolicies(t, { template: 'owner-crud' });
    assert.ok(!out.sql.includes('SET DEFAULT'));
    assert.match(out.sql, /\(select auth\.user_id\(\)::bigint\) = owner_id/);
  });

  it('policies: other role names and long table names', () => {
    const long = 'a_really_long_table_name_that_goes_on_and_on_and_on_x';
    const t: TableDescription = { ...TODOS, name: long };
    const out = scaffoldPolicies(t, { template: 'public-read-owner-write', authenticatedRole: 'app_user', anonymousRole: 'web anon' });
    assert.match(out.sql, /TO app_user, "web anon"\nUSING \(true\)/);
    for (const p of out.policies) assert.ok(new TextEncoder().encode(p.name).length <= 63, p.name);
    assert.equal(out.indexName, fitIdentifier(`${long}_user_id_idx`));
    assert.equal(new TextEncoder().encode(out.indexName!).length, 63);
  });

  it('policies: clear errors for missing columns and templates', () => {
    const noUser: TableDescription = { schema: 'public', name: 'tags', columns: [{ name: 'id', type: 'integer' }, { name: 'label', type: 'text' }] };
    assert.throws(() => scaffoldPolicies(noUser, { template: 'owner-crud' }), /public\.tags has no column that looks like a user id.*add one \(user_id text not null default auth\.user_id\(\)\)/);
    assert.throws(() => scaffoldPolicies(noUser, { template: 'owner-crud', userColumn: 'owner' }), /public\.tags has no column "owner" for the user id\. Its columns: id, label\./);
    assert.throws(() => scaffoldPolicies(noUser, { template: 'org-by-claim' }), /has no organisation column/);
    assert.throws(() => scaffoldPolicies(noUser, { template: 'nope' as 'blank' }), /Unknown policy template "nope"/);
    // Templates that need no user column work on such a table.
    assert.equal(scaffoldPolicies(noUser, { template: 'anonymous-read-only' }).policies.length, 1);
    assert.equal(scaffoldPolicies(noUser, { template: 'blank' }).policies.length, 0);
  });

  it('org-by-claim: another claim name is quoted as a literal', () => {
    const t: TableDescription = { schema: 'public', name: 'boards', columns: [{ name: 'tenant_id', type: 'text' }] };
    const out = scaffoldPolicies(t, { template: 'org-by-claim', orgClaim: "team's id" });
    assert.match(out.sql, /USING \(\(select auth\.session\(\)->>'team''s id'\) = tenant_id\)/);
    assert.equal(out.orgColumn, 'tenant_id');
  });

  it('guesses the user column: user_id, owner_id, *_user_id, *_by (camelCase too), skipping unfit types', () => {
    const cols = (...names: [string, string?][]) => names.map(([name, type]) => ({ name, type: type ?? 'text' }));
    assert.equal(guessUserColumn(cols(['id'], ['created_by'], ['user_id'])), 'user_id');
    assert.equal(guessUserColumn(cols(['id'], ['created_by'], ['owner_id'])), 'owner_id');
    assert.equal(guessUserColumn(cols(['updated_by'], ['author_user_id'])), 'author_user_id');
    assert.equal(guessUserColumn(cols(['updated_by'], ['created_by'])), 'created_by');
    assert.equal(guessUserColumn(cols(['updated_by'], ['reviewed_by'])), 'updated_by');
    assert.equal(guessUserColumn(cols(['userId'])), 'userId');
    assert.equal(guessUserColumn(cols(['createdBy', 'uuid'])), 'createdBy');
    assert.equal(guessUserColumn(cols(['user_id', 'boolean'], ['owner_id', 'uuid'])), 'owner_id');
    assert.equal(guessUserColumn(cols(['approved_by', 'timestamp with time zone'])), undefined);
    assert.equal(guessUserColumn(cols(['id'], ['name'])), undefined);
    assert.equal(guessOrgColumn(cols(['tenant_id'], ['org_id'])), 'org_id');
    assert.equal(guessOrgColumn(cols(['organizationId'])), 'organizationId');
    assert.equal(guessOrgColumn(cols(['id'])), undefined);
  });

  it('Drizzle: the guide\'s table and crudPolicy call', () => {
    const out = scaffoldDrizzle(TODOS, { template: 'owner-crud' });
    assert.equal(out.tableVariable, 'todos');
    assert.match(out.code, /import \{ authUid, authenticatedRole, crudPolicy \} from 'drizzle-orm\/neon';/);
    assert.match(out.code, /userId: text\('user_id'\)\.notNull\(\)\.default\(sql`\(auth\.user_id\(\)\)`\),/);
    assert.match(out.code, /id: bigint\('id', \{ mode: 'number' \}\)\.primaryKey\(\)\.generatedByDefaultAsIdentity\(\),/);
    assert.match(out.code, /crudPolicy\(\{ role: authenticatedRole, read: authUid\(table\.userId\), modify: authUid\(table\.userId\) \}\),/);
    const safe = scaffoldDrizzle(TODOS, { template: 'owner-crud', initplanSafe: true });
    assert.match(safe.code, /read: sql`\(select auth\.user_id\(\)\) = \$\{table\.userId\}`/);
  });

  it('Drizzle: names that clash with imports or JavaScript, odd column names, custom roles and types', () => {
    const t: TableDescription = {
      schema: 'public',
      name: 'text',
      columns: [
        { name: 'user id', type: 'text' },
        { name: 'class', type: 'mood' },
        { name: 'Note`s', type: 'text', default: "'it''s ${x}'::text" },
      ],
    };
    const out = scaffoldDrizzle(t, { template: 'public-read-owner-write', anonymousRole: 'web_anon' });
    assert.equal(out.tableVariable, 'textTable');
    assert.match(out.code, /export const webAnonRole = pgRole\('web_anon'\)\.existing\(\);/);
    assert.match(out.code, /userId: text\('user id'\)/);
    assert.match(out.code, /class: customType<\{ data: unknown \}>\(\{ dataType: \(\) => 'mood' \}\)\('class'\)/);
    assert.match(out.code, /noteS: text\('Note`s'\)\.default\('it\\'s \$\{x\}'\)/);
    assert.match(out.code, /crudPolicy\(\{ role: \[authenticatedRole, webAnonRole\], read: true, modify: null \}\)/);
    assert.match(out.code, /crudPolicy\(\{ role: authenticatedRole, read: null, modify: authUid\(table\.userId\) \}\)/);
    assert.throws(() => scaffoldDrizzle({ schema: 'public', name: 'empty', columns: [] }, { template: 'blank' }), /has no columns/);
  });

  it('quoting helpers', () => {
    assert.equal(quoteIdent('todos'), 'todos');
    assert.equal(quoteIdent('Todos'), '"Todos"');
    assert.equal(quoteIdent('user'), '"user"');
    assert.equal(quoteIdent('a"b'), '"a""b"');
    assert.equal(qualifiedName('public', 'Order'), 'public."Order"');
    assert.equal(quoteLiteral("it's"), "'it''s'");
    assert.throws(() => quoteIdent(''), /cannot be empty/);
    assert.equal(fitIdentifier('é'.repeat(40)), 'é'.repeat(31), 'cut on a character boundary within 63 bytes');
  });
});
