/**
 * Scaffold Grants and Scaffold Policies: the choices are read from the live schema, the output opens as
 * an untitled SQL document (or TypeScript for Drizzle) to review, then run with Run SQL on Owner.
 */
import * as vscode from 'vscode';
import { introspectDatabase, type DatabaseSnapshot, type TableSnapshot } from '../../core/introspect';
import { fixAction } from '../../core/fixActions';
import { scaffoldDrizzle } from '../../core/scaffold/drizzle';
import { TABLE_PRIVILEGES, type TablePrivilege } from '../../core/introspect/types';
import { AUTH_ROLES, SEED_PRIVILEGES, scaffoldGrants, type GrantScaffoldOptions } from '../../core/scaffold/grants';
import { POLICY_TEMPLATES, guessOrgColumn, guessUserColumn, scaffoldPolicies, type PolicyTemplateId } from '../../core/scaffold/policies';
import { tableLabel, userSchemas, userTables } from '../../core/introspect/userTables';
import { executeCommand } from '../commands';
import { COMMANDS } from '../commands/registry';
import type { WorkbenchConnectionService } from '../connections/connectionService';
import { NeedsFirstError, showFixes } from './prerequisites';

export const RUN_HINT = '-- Review, then run it on the owner connection: Neon Authorize: Run SQL on Owner (▶ in the editor title).';

export interface ScaffoldResult {
  /** The untitled document's URI. */
  uri: string;
  language: 'sql' | 'typescript';
  text: string;
  /** The runnable statements (SQL only). */
  statements?: string[];
}

type OwnerConnections = Pick<WorkbenchConnectionService, 'owner'>;

async function snapshotOf(connections: OwnerConnections): Promise<{ label: string; snapshot: DatabaseSnapshot }> {
  const { connection, database } = await connections.owner();
  return { label: connection.label, snapshot: await introspectDatabase(database) };
}

/**
 * Opens the scaffold as an untitled document named after what it is (`grants-public.sql`,
 * `policies-todos.sql`, `todos.schema.ts`): saving proposes that name. Scaffolding the same thing again
 * replaces the text of the still-open document.
 */
async function openScaffold(text: string, language: 'sql' | 'typescript', name: string): Promise<vscode.TextDocument> {
  const uri = vscode.Uri.from({ scheme: 'untitled', path: name.replace(/[\\/:*?"<>|]+/g, '-') });
  let document = await vscode.workspace.openTextDocument(uri);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), text);
  if (!(await vscode.workspace.applyEdit(edit))) {
    // Could not reuse the name (e.g. a read-only editor): fall back to an anonymous untitled document.
    document = await vscode.workspace.openTextDocument({ language, content: text });
  } else if (document.languageId !== language) {
    document = await vscode.languages.setTextDocumentLanguage(document, language);
  }
  await vscode.window.showTextDocument(document, { preview: false });
  return document;
}

function offerRun(what: string): void {
  void vscode.window.showInformationMessage(`${what} opened: review it, then run it on the owner connection.`, 'Run on Owner').then((choice) => {
    if (choice === 'Run on Owner') void executeCommand(COMMANDS.runSqlOnOwner.id);
  });
}

export interface ScaffoldGrantsArgs extends GrantScaffoldOptions {
  /** Skip the prompts even when no option is given. */
  defaults?: boolean;
}

async function askGrantOptions(snapshot: DatabaseSnapshot, schema: string): Promise<GrantScaffoldOptions | undefined> {
  type Item = vscode.QuickPickItem & { role?: string; privilege?: TablePrivilege; option?: keyof GrantScaffoldOptions };
  const hasSerial = snapshot.tables.some((t) => t.schema === schema && t.sequences.some((s) => s.kind === 'serial'));
  const items: Item[] = [
    { label: 'Roles', kind: vscode.QuickPickItemKind.Separator },
    ...AUTH_ROLES.map((role) => ({ label: role, description: 'role', picked: true, role })),
    { label: 'Table privileges', kind: vscode.QuickPickItemKind.Separator },
    ...TABLE_PRIVILEGES.map((p) => ({ label: p, description: 'privilege', picked: SEED_PRIVILEGES.includes(p), privilege: p })),
    { label: 'Options', kind: vscode.QuickPickItemKind.Separator },
    { label: 'Existing tables', detail: 'GRANT … ON ALL TABLES IN SCHEMA', picked: true, option: 'existingTables' },
    { label: 'Future tables', detail: 'ALTER DEFAULT PRIVILEGES … ON TABLES', picked: true, option: 'futureTables' },
    { label: `USAGE on schema ${schema}`, detail: 'GRANT USAGE ON SCHEMA', picked: true, option: 'schemaUsage' },
    {
      label: 'Sequences (serial columns)',
      detail: hasSerial ? 'This schema has serial columns: inserts need USAGE on their sequences.' : 'Identity columns need no grant; serial ones do.',
      picked: hasSerial,
      option: 'includeSequences',
    },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: `Scaffold Grants for schema ${schema}`,
    placeHolder: 'Enter keeps the Authorize guides\' choices: SELECT, UPDATE, INSERT, DELETE for authenticated and anonymous',
    canPickMany: true,
    ignoreFocusOut: true,
  });
  if (!picked) return undefined;
  const roles = picked.filter((i) => i.role).map((i) => i.role!);
  const privileges = picked.filter((i) => i.privilege).map((i) => i.privilege!);
  if (roles.length === 0) throw new Error('Choose at least one role to grant to (authenticated, anonymous).');
  const option = (name: keyof GrantScaffoldOptions) => picked.some((i) => i.option === name);
  return {
    schema,
    roles,
    privileges: Object.fromEntries(roles.map((r) => [r, privileges])),
    existingTables: option('existingTables'),
    futureTables: option('futureTables'),
    schemaUsage: option('schemaUsage'),
    includeSequences: option('includeSequences'),
  };
}

export async function runScaffoldGrants(connections: OwnerConnections, args?: ScaffoldGrantsArgs | { kind: string; schema?: string }): Promise<ScaffoldResult | undefined> {
  const { label, snapshot } = await snapshotOf(connections);
  const fromView = args !== undefined && 'kind' in args && typeof args.kind === 'string';
  const given = !fromView && args ? (args as ScaffoldGrantsArgs) : undefined;
  const roles = given?.roles ?? AUTH_ROLES;
  const missing = roles.filter((r) => !snapshot.roles.roles.some((x) => x.name === r));
  if (missing.length) {
    throw new NeedsFirstError(
      `Role${missing.length > 1 ? 's' : ''} ${missing.join(' and ')} ${missing.length > 1 ? 'do' : 'does'} not exist on ${label} yet: install pg_session_jwt first (it creates authenticated and anonymous).`,
      [fixAction('installPgSessionJwt')],
    );
  }
  let options: GrantScaffoldOptions | undefined;
  const interactive = !given || (Object.keys(given).length === 0 && !given.defaults);
  if (interactive) {
    const schemas = userSchemas(snapshot);
    let schema = fromView && (args as { schema?: string }).schema ? (args as { schema: string }).schema : undefined;
    if (!schema) {
      if (schemas.length <= 1) schema = schemas[0] ?? 'public';
      else {
        schema = await vscode.window.showQuickPick(
          schemas.map((s) => s),
          { title: 'Scaffold Grants: which schema?', placeHolder: 'public' },
        );
        if (!schema) return undefined;
      }
    }
    options = await askGrantOptions(snapshot, schema);
    if (!options) return undefined;
  } else {
    const { defaults: _defaults, ...rest } = given;
    options = rest;
  }
  const scaffold = scaffoldGrants(options);
  const text = `${RUN_HINT}\n${scaffold.sql}`;
  const document = await openScaffold(text, 'sql', `grants-${options.schema ?? 'public'}.sql`);
  if (interactive) offerRun('The grants script');
  return { uri: document.uri.toString(), language: 'sql', text, statements: scaffold.statements };
}

export interface ScaffoldPoliciesArgs {
  schema?: string;
  /** The table name (also accepted as `name`, the view's table node). */
  table?: string;
  name?: string;
  kind?: string;
  template?: PolicyTemplateId;
  userColumn?: string;
  orgColumn?: string;
  orgClaim?: string;
  format?: 'sql' | 'drizzle';
  forceRls?: boolean;
  setUserColumnDefault?: boolean;
  createIndex?: boolean;
  initplanSafe?: boolean;
}

async function pickTable(tables: TableSnapshot[], label: string): Promise<TableSnapshot | undefined> {
  if (tables.length === 1) return tables[0];
  const picked = await vscode.window.showQuickPick(
    tables.map((t) => ({
      label: tableLabel(t),
      description: t.rlsEnabled ? `RLS on · ${t.policies.length} policies` : 'RLS off',
      detail: `user column: ${guessUserColumn(t.columns) ?? '(none guessed)'}`,
      table: t,
    })),
    { title: `Scaffold Policies: which table of ${label}?`, matchOnDetail: true, ignoreFocusOut: true },
  );
  return picked?.table;
}

/** One of the table's columns, the guessed one first. */
async function pickColumn(table: TableSnapshot, guess: string | undefined, title: string): Promise<string | undefined> {
  const columns = [...table.columns].sort((a, b) => Number(b.name === guess) - Number(a.name === guess));
  const picked = await vscode.window.showQuickPick(
    columns.map((c) => ({ label: c.name, description: `${c.type}${c.name === guess ? ' · guessed' : ''}` })),
    { title, ignoreFocusOut: true },
  );
  return picked?.label;
}

export async function runScaffoldPolicies(connections: OwnerConnections, args: ScaffoldPoliciesArgs = {}): Promise<ScaffoldResult | undefined> {
  const { label, snapshot } = await snapshotOf(connections);
  if (!snapshot.pgSessionJwt.installed) {
    throw new NeedsFirstError(
      `pg_session_jwt is not installed on ${label}: the policies call auth.user_id(), which it provides. Install it first.`,
      [fixAction('installPgSessionJwt')],
    );
  }
  const tables = userTables(snapshot);
  if (tables.length === 0) {
    throw new NeedsFirstError(
      `${label} has no table yet: create one first (for the demo, open schema.sql and run Neon Authorize: Run SQL on Owner).`,
      [],
    );
  }
  const wanted = args.table ?? args.name;
  let table: TableSnapshot | undefined;
  if (wanted) {
    const schema = args.schema ?? 'public';
    table = tables.find((t) => t.name === wanted && t.schema === schema);
    if (!table) throw new Error(`Table ${schema}.${wanted} does not exist on ${label}. Refresh the Authorize view and pick a table it lists.`);
  } else {
    table = await pickTable(tables, label);
    if (!table) return undefined;
  }
  const interactive = args.template === undefined;
  const title = `Policies for ${table.schema}.${table.name}`;

  let template = args.template;
  if (!template) {
    const picked = await vscode.window.showQuickPick(
      POLICY_TEMPLATES.map((t) => ({ label: t.label, detail: t.description, id: t.id })),
      { title: `${title}: template`, ignoreFocusOut: true },
    );
    if (!picked) return undefined;
    template = picked.id;
  }
  const info = POLICY_TEMPLATES.find((t) => t.id === template);
  if (!info) throw new Error(`Unknown policy template "${template}": use ${POLICY_TEMPLATES.map((t) => t.id).join(', ')}.`);

  let userColumn = args.userColumn;
  if (interactive && info.needsUserColumn) {
    userColumn = await pickColumn(table, guessUserColumn(table.columns), `${title}: the column holding the user id (the token's sub)`);
    if (!userColumn) return undefined;
  }
  let orgColumn = args.orgColumn;
  let orgClaim = args.orgClaim;
  if (interactive && info.needsOrgColumn) {
    orgColumn = await pickColumn(table, guessOrgColumn(table.columns), `${title}: the column holding the organisation id`);
    if (!orgColumn) return undefined;
    orgClaim = await vscode.window.showInputBox({ title: `${title}: the token claim with the organisation id`, value: 'org_id', ignoreFocusOut: true });
    if (orgClaim === undefined) return undefined;
  }
  let format = args.format;
  if (!format) {
    if (interactive) {
      const picked = await vscode.window.showQuickPick(
        [
          { label: 'SQL', detail: 'CREATE POLICY statements to run on the owner connection', id: 'sql' as const },
          { label: 'Drizzle schema (TypeScript)', detail: 'pgTable with crudPolicy/authUid from drizzle-orm/neon', id: 'drizzle' as const },
        ],
        { title: `${title}: output`, ignoreFocusOut: true },
      );
      if (!picked) return undefined;
      format = picked.id;
    } else format = 'sql';
  }

  const options = {
    template,
    userColumn,
    orgColumn,
    orgClaim: orgClaim || undefined,
    forceRls: args.forceRls,
    setUserColumnDefault: args.setUserColumnDefault,
    createIndex: args.createIndex,
  };
  const ungranted = Object.entries(table.grants).filter(([, p]) => p.length === 0).map(([role]) => role);
  if (format === 'drizzle') {
    const scaffold = scaffoldDrizzle(table, { ...options, initplanSafe: args.initplanSafe });
    const document = await openScaffold(scaffold.code, 'typescript', `${table.name}.schema.ts`);
    return { uri: document.uri.toString(), language: 'typescript', text: scaffold.code };
  }
  const scaffold = scaffoldPolicies(table, options);
  const text = `${RUN_HINT}\n${scaffold.sql}`;
  const document = await openScaffold(text, 'sql', `policies-${table.schema === 'public' ? '' : `${table.schema}.`}${table.name}.sql`);
  if (interactive) {
    if (ungranted.length) {
      showFixes(
        `${ungranted.join(' and ')} ${ungranted.length > 1 ? 'have' : 'has'} no privilege on ${table.name}: policies alone give "permission denied for table ${table.name}". Scaffold Grants too.`,
        [fixAction('scaffoldGrants')],
      );
    }
    offerRun('The policies script');
  }
  return { uri: document.uri.toString(), language: 'sql', text, statements: scaffold.statements };
}
