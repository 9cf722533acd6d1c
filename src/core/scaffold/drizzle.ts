// Drizzle ORM form of the policy scaffolds: a pgTable with the table's columns and the policies written
// with drizzle-orm/neon's crudPolicy/authUid (what Neon's guides and drizzle-kit users compare with).
// crudPolicy names its policies `crud-<roles>-policy-<command>`; drizzle-kit enables RLS on any table
// that has a policy.
import type { ColumnDescription, TableDescription } from '../introspect/types';
import { isTextType, planPolicies, userIdDefaultExpression, type PolicyScaffoldOptions } from './policies';
import { ScaffoldOptionError } from './script';
import { fitIdentifier } from '../sql/quote';

export interface DrizzleScaffoldOptions extends PolicyScaffoldOptions {
  /**
   * authUid(col) is `(select auth.user_id() = col)`: a sub-select evaluated per row that cannot use an
   * index. true writes the owner check as sql`(select auth.user_id()) = ${col}` (evaluated once per
   * query) instead; false (default) uses authUid as drizzle-orm/neon does.
   */
  readonly initplanSafe?: boolean;
}

export interface DrizzleScaffold {
  readonly code: string;
  /** The exported table constant. */
  readonly tableVariable: string;
  readonly notes: readonly string[];
}

const JS_RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await arguments eval undefined'
  ).split(' '),
);

function tsString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

/** Text for inside sql`…`: backslashes, backticks and `${` escaped. */
function templateText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
}

function camel(name: string): string {
  const parts = name.split(/[^A-Za-z0-9]+|_/).filter(Boolean);
  if (parts.length === 0) return 'column';
  const [first, ...rest] = parts;
  const out = first!.charAt(0).toLowerCase() + first!.slice(1) + rest.map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
  return /^[0-9]/.test(out) ? `c${out}` : out;
}

function propertyKey(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : tsString(key);
}

function propertyAccess(obj: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${obj}.${key}` : `${obj}[${tsString(key)}]`;
}

interface ColumnCode {
  readonly key: string;
  readonly code: string;
}

class Imports {
  readonly pgCore = new Set<string>();
  readonly neon = new Set<string>();
  sql = false;
}

/** The column builder for a format_type() string, e.g. `character varying(255)` → varchar('x', { length: 255 }). */
function columnBuilder(col: ColumnDescription, imports: Imports, serial: boolean): string {
  let type = col.type.trim();
  let array = '';
  while (type.endsWith('[]')) {
    type = type.slice(0, -2);
    array += '.array()';
  }
  const n = tsString(col.name);
  const use = (fn: string, args = ''): string => {
    imports.pgCore.add(fn);
    return `${fn}(${n}${args})${array}`;
  };
  let m: RegExpExecArray | null;
  if (serial) {
    if (type === 'integer') return use('serial');
    if (type === 'bigint') return use('bigserial', ", { mode: 'number' }");
    if (type === 'smallint') return use('smallserial');
  }
  switch (type) {
    case 'text':
    case 'uuid':
    case 'boolean':
    case 'integer':
    case 'smallint':
    case 'real':
    case 'json':
    case 'jsonb':
    case 'date':
    case 'inet':
    case 'cidr':
    case 'macaddr':
    case 'interval':
      return use(type);
    case 'bigint':
      return use('bigint', ", { mode: 'number' }");
    case 'double precision':
      return use('doublePrecision');
    case 'character varying':
      return use('varchar');
    case 'character':
      return use('char');
  }
  if ((m = /^character varying\((\d+)\)$/.exec(type))) return use('varchar', `, { length: ${m[1]} }`);
  if ((m = /^character\((\d+)\)$/.exec(type))) return use('char', `, { length: ${m[1]} }`);
  if ((m = /^numeric(?:\((\d+)(?:,(\d+))?\))?$/.exec(type))) {
    const opts = [m[1] ? `precision: ${m[1]}` : '', m[2] ? `scale: ${m[2]}` : ''].filter(Boolean).join(', ');
    return use('numeric', opts ? `, { ${opts} }` : '');
  }
  if ((m = /^(timestamp|time)(?:\((\d)\))? with(out)? time zone$/.exec(type))) {
    const opts = [m[3] ? '' : 'withTimezone: true', m[2] ? `precision: ${m[2]}` : ''].filter(Boolean).join(', ');
    return use(m[1]!, opts ? `, { ${opts} }` : '');
  }
  // Anything else (enums, domains, PostGIS…): a custom type that prints the same SQL type.
  imports.pgCore.add('customType');
  return `customType<{ data: unknown }>({ dataType: () => ${tsString(type)} })(${n})${array}`;
}

/** Turns a pg_get_expr() default into the Drizzle call that reproduces it. */
function defaultCall(col: ColumnDescription, imports: Imports): string {
  const expr = (col.default ?? '').trim();
  const type = col.type;
  let m: RegExpExecArray | null;
  if (/^(now\(\)|CURRENT_TIMESTAMP)$/i.test(expr) && /^timestamp|^date|^time/.test(type)) return '.defaultNow()';
  if (expr === 'true' || expr === 'false') return `.default(${expr})`;
  if (expr === 'gen_random_uuid()' && type === 'uuid') return '.defaultRandom()';
  if ((m = /^'?(-?\d+(?:\.\d+)?)'?(?:::(?:integer|bigint|smallint|numeric|real|double precision))?$/.exec(expr))) {
    if (/^numeric/.test(type)) {
      // Drizzle's numeric takes strings and would write '0'::numeric; sql`0` keeps the default as typed.
      imports.sql = true;
      return `.default(sql\`${m[1]}\`)`;
    }
    return `.default(${m[1]})`;
  }
  if ((m = /^'((?:[^']|'')*)'::(text|character varying|character|bpchar)$/.exec(expr)) && isTextType(type)) {
    return `.default(${tsString(m[1]!.replace(/''/g, "'"))})`;
  }
  imports.sql = true;
  return `.default(sql\`${templateText(expr)}\`)`;
}

function columnCode(
  col: ColumnDescription,
  key: string,
  table: TableDescription,
  userColumnDefault: string | undefined,
  imports: Imports,
): ColumnCode {
  const serial = /^nextval\('.*'::regclass\)$/.test(col.default ?? '') && /^(integer|bigint|smallint)$/.test(col.type);
  let code = columnBuilder(col, imports, serial);
  const pk = table.primaryKey ?? [];
  if (pk.length === 1 && pk[0] === col.name) code += '.primaryKey()';
  if (col.identity === 'always') code += '.generatedAlwaysAsIdentity()';
  else if (col.identity === 'by-default') code += '.generatedByDefaultAsIdentity()';
  if (col.generated && col.default) {
    imports.sql = true;
    code += `.generatedAlwaysAs(sql\`${templateText(col.default)}\`)`;
  }
  if (col.nullable === false && !(pk.length === 1 && pk[0] === col.name) && !serial) code += '.notNull()';
  if (userColumnDefault !== undefined) {
    imports.sql = true;
    code += `.default(sql\`(${templateText(userColumnDefault)})\`)`;
  } else if (col.default && !serial && !col.generated && !col.identity) {
    code += defaultCall(col, imports);
  }
  return { key, code };
}

/** Drizzle schema code for the table with the template's policies. */
export function scaffoldDrizzle(table: TableDescription, options: DrizzleScaffoldOptions): DrizzleScaffold {
  if (table.columns.length === 0) {
    throw new ScaffoldOptionError(`${table.schema}.${table.name} has no columns: Drizzle needs at least one.`);
  }
  const plan = planPolicies(table, options);
  const imports = new Imports();
  const notes = [...plan.notes];

  // Column keys: camelCase, unique.
  const keys = new Map<string, string>();
  const used = new Set<string>();
  for (const col of table.columns) {
    let key = camel(col.name);
    for (let i = 2; used.has(key); i++) key = `${camel(col.name)}${i}`;
    used.add(key);
    keys.set(col.name, key);
  }
  const ref = (column: string): string => propertyAccess('table', keys.get(column)!);

  const setDefault = plan.userColumn && (options.setUserColumnDefault ?? true) && !plan.userColumn.identity && !plan.userColumn.generated;
  const columns = table.columns.map((col) =>
    columnCode(col, keys.get(col.name)!, table, setDefault && col === plan.userColumn ? userIdDefaultExpression(col) : undefined, imports),
  );

  // Roles: drizzle-orm/neon's predefined ones, or pgRole(...).existing() for other names.
  const roleDecls: string[] = [];
  const roleVar = (name: string): string => {
    if (name === 'authenticated') {
      imports.neon.add('authenticatedRole');
      return 'authenticatedRole';
    }
    if (name === 'anonymous') {
      imports.neon.add('anonymousRole');
      return 'anonymousRole';
    }
    imports.pgCore.add('pgRole');
    const v = `${camel(name)}Role`;
    if (!roleDecls.some((d) => d.includes(`const ${v} `))) roleDecls.push(`export const ${v} = pgRole(${tsString(name)}).existing();`);
    return v;
  };
  const roleList = (names: readonly string[]): string => (names.length === 1 ? roleVar(names[0]!) : `[${names.map(roleVar).join(', ')}]`);

  const extras: string[] = [];
  const pk = table.primaryKey ?? [];
  if (pk.length > 1) {
    imports.pgCore.add('primaryKey');
    extras.push(`primaryKey({ columns: [${pk.map(ref).join(', ')}] })`);
  }
  if (plan.indexColumn && (options.createIndex ?? true)) {
    imports.pgCore.add('index');
    extras.push(`index(${tsString(fitIdentifier(`${table.name}_${plan.indexColumn.name}_idx`))}).on(${ref(plan.indexColumn.name)})`);
  }

  const auth = options.authenticatedRole ?? 'authenticated';
  const anon = options.anonymousRole ?? 'anonymous';
  const ownerExpr = (): string => {
    const col = plan.userColumn!;
    if (!options.initplanSafe && isTextType(col.type)) {
      imports.neon.add('authUid');
      return `authUid(${ref(col.name)})`;
    }
    imports.sql = true;
    return `sql\`${templateText(plan.ownerClaim!)} = \${${ref(col.name)}}\``;
  };
  const crud = (role: string, read: string, modify: string): string => {
    imports.neon.add('crudPolicy');
    return `crudPolicy({ role: ${role}, read: ${read}, modify: ${modify} })`;
  };
  let enableRls = false;
  switch (options.template) {
    case 'owner-crud': {
      const owner = ownerExpr();
      extras.push(crud(roleList([auth]), owner, owner));
      break;
    }
    case 'public-read-owner-write':
      extras.push(crud(roleList([auth, anon]), 'true', 'null'));
      extras.push(crud(roleList([auth]), 'null', ownerExpr()));
      break;
    case 'org-by-claim': {
      imports.sql = true;
      const expr = `sql\`${templateText(plan.orgClaim!)} = \${${ref(plan.orgColumn!.name)}}\``;
      extras.push(crud(roleList([auth]), expr, expr));
      break;
    }
    case 'anonymous-read-only':
      extras.push(crud(roleList([anon]), 'true', 'null'));
      break;
    case 'blank':
      enableRls = true;
      break;
  }
  if (options.forceRls) notes.push('drizzle-kit does not emit FORCE ROW LEVEL SECURITY: add it in a custom migration.');

  const variable = (() => {
    let v = camel(table.name);
    const taken = new Set([...imports.pgCore, ...imports.neon, 'sql', 'pgTable', 'pgSchema', 'table']);
    if (JS_RESERVED.has(v) || taken.has(v)) v = `${v}Table`;
    return v;
  })();
  const schemaVar = table.schema === 'public' ? undefined : `${camel(table.schema)}Schema`;
  const tableFn = schemaVar ? `${schemaVar}.table` : 'pgTable';
  imports.pgCore.add(schemaVar ? 'pgSchema' : 'pgTable');

  const lines: string[] = [];
  lines.push(`// ${table.schema}.${table.name}: ${options.template} policies (generated by Neon Authorize Workbench).`);
  lines.push("// drizzle.config.ts: add `entities: { roles: { provider: 'neon' } }` so drizzle-kit leaves Neon's roles alone.");
  if (plan.userColumn && !options.initplanSafe && options.template !== 'org-by-claim' && options.template !== 'anonymous-read-only' && options.template !== 'blank') {
    lines.push('// authUid(col) is `(select auth.user_id() = col)`, checked once per row; on large tables write');
    lines.push('// sql`(select auth.user_id()) = ${table.col}` instead so Postgres evaluates auth.user_id() once per query.');
  }
  for (const note of notes) lines.push(`// ${note}`);
  if (imports.sql) lines.push("import { sql } from 'drizzle-orm';");
  lines.push(`import { ${[...imports.pgCore].sort().join(', ')} } from 'drizzle-orm/pg-core';`);
  if (imports.neon.size > 0) lines.push(`import { ${[...imports.neon].sort().join(', ')} } from 'drizzle-orm/neon';`);
  lines.push('');
  if (schemaVar) lines.push(`export const ${schemaVar} = pgSchema(${tsString(table.schema)});`, '');
  if (roleDecls.length) lines.push(...roleDecls, '');
  lines.push(`export const ${variable} = ${tableFn}(`);
  lines.push(`  ${tsString(table.name)},`);
  lines.push('  {');
  for (const c of columns) lines.push(`    ${propertyKey(c.key)}: ${c.code},`);
  lines.push('  },');
  if (extras.length > 0) {
    lines.push('  (table) => [');
    for (const e of extras) lines.push(`    ${e},`);
    lines.push('  ],');
  }
  lines.push(`)${enableRls ? '.enableRLS()' : ''};`);
  if (options.template === 'blank') {
    const example = plan.userColumn ? ref(plan.userColumn.name) : 'table.userId';
    lines.push('');
    lines.push('// Row-level security is on with no policy: only the owner sees rows. Add policies in the third argument, e.g.');
    lines.push(`// crudPolicy({ role: authenticatedRole, read: authUid(${example}), modify: authUid(${example}) })`);
  }
  return { code: `${lines.join('\n')}\n`, tableVariable: variable, notes };
}
