// The Authorize guides' GRANT block (docs/authorize-guides.md#grants): table privileges for the JWT
// roles on existing tables and, through ALTER DEFAULT PRIVILEGES, on future ones, plus USAGE on the
// schema. RLS decides which rows a role sees; these grants decide whether it may touch the table at all.
import { ScaffoldOptionError, ScriptBuilder, type SqlScaffold } from './script';
export type { SqlScaffold } from './script';
import { quoteIdent } from '../sql/quote';
import { TABLE_PRIVILEGES, type TablePrivilege } from '../introspect/types';

/** The guides grant these four, in this order. */
export const SEED_PRIVILEGES: readonly TablePrivilege[] = ['SELECT', 'UPDATE', 'INSERT', 'DELETE'];
export const AUTH_ROLES: readonly string[] = ['authenticated', 'anonymous'];

export interface GrantScaffoldOptions {
  /** Default 'public'. */
  schema?: string;
  /** Default ['authenticated', 'anonymous'] (the guides'). */
  roles?: readonly string[];
  /** Per role; a role not listed gets SEED_PRIVILEGES. An empty list skips the role's table grants. */
  privileges?: Readonly<Record<string, readonly TablePrivilege[]>>;
  /** GRANT … ON ALL TABLES (default true). */
  existingTables?: boolean;
  /** ALTER DEFAULT PRIVILEGES … ON TABLES (default true). */
  futureTables?: boolean;
  /**
   * Default privileges only cover tables created later by the role named here (default: the role that
   * runs the script). Set it when migrations run as another role than the one running this.
   */
  futureTablesOwner?: string;
  /** GRANT USAGE ON SCHEMA (default true). */
  schemaUsage?: boolean;
  /** USAGE, SELECT on the schema's sequences for roles that may INSERT (default false, as in the guides). */
  includeSequences?: boolean;
}

function privilegesFor(role: string, options: GrantScaffoldOptions): readonly TablePrivilege[] {
  const chosen = options.privileges?.[role] ?? SEED_PRIVILEGES;
  for (const p of chosen) {
    if (!(TABLE_PRIVILEGES as readonly string[]).includes(p)) {
      throw new ScaffoldOptionError(`Unknown table privilege "${p}" for ${role}: use ${TABLE_PRIVILEGES.join(', ')}.`);
    }
  }
  return [...new Set(chosen)];
}

/** The guides' GRANT block with the user's choices. */
export function scaffoldGrants(options: GrantScaffoldOptions = {}): SqlScaffold {
  const schema = options.schema ?? 'public';
  const roles = [...new Set(options.roles ?? AUTH_ROLES)];
  if (roles.length === 0) throw new ScaffoldOptionError('Choose at least one role to grant to (authenticated, anonymous).');
  if (schema.trim() === '') throw new ScaffoldOptionError('The schema name is empty: choose a schema such as public.');
  const existingTables = options.existingTables ?? true;
  const futureTables = options.futureTables ?? true;
  const schemaUsage = options.schemaUsage ?? true;
  const s = quoteIdent(schema);
  const forRole = options.futureTablesOwner ? ` FOR ROLE ${quoteIdent(options.futureTablesOwner)}` : '';
  const withPrivileges = roles.map((role) => ({ role, privileges: privilegesFor(role, options) }));
  const granted = withPrivileges.filter((r) => r.privileges.length > 0);

  const out = new ScriptBuilder();
  out.comment(
    `Table privileges for ${roles.join(' and ')} in schema ${schema}.`,
    'Row-level security decides which rows each role sees; without these grants the role gets',
    '"permission denied for table …" before any policy is looked at.',
  );
  for (const r of withPrivileges) {
    if (r.privileges.length === 0) out.comment(`${r.role}: no table privileges chosen.`);
  }
  out.blank();

  if (existingTables && granted.length > 0) {
    out.comment('For existing tables');
    for (const r of granted) {
      out.statement(`GRANT ${r.privileges.join(', ')} ON ALL TABLES\n  IN SCHEMA ${s}\n  TO ${quoteIdent(r.role)}`);
      out.blank();
    }
  }

  if (futureTables && granted.length > 0) {
    out.comment(
      'For future tables',
      options.futureTablesOwner
        ? `(tables created later by ${options.futureTablesOwner})`
        : '(tables created later by the role that runs this script; add FOR ROLE <owner> if migrations run as another role)',
    );
    for (const r of granted) {
      out.statement(
        `ALTER DEFAULT PRIVILEGES${forRole}\n  IN SCHEMA ${s}\n  GRANT ${r.privileges.join(', ')} ON TABLES\n  TO ${quoteIdent(r.role)}`,
      );
      out.blank();
    }
  }

  if (options.includeSequences) {
    const inserters = granted.filter((r) => r.privileges.includes('INSERT'));
    if (inserters.length > 0) {
      out.comment(
        'Sequences: an INSERT that takes a serial column\'s default calls nextval(), which needs USAGE on its',
        'sequence ("permission denied for sequence …"). Identity columns need no grant; this covers both kinds.',
      );
      for (const r of inserters) {
        if (existingTables) out.statement(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${s} TO ${quoteIdent(r.role)}`);
        if (futureTables) {
          out.statement(`ALTER DEFAULT PRIVILEGES${forRole} IN SCHEMA ${s} GRANT USAGE, SELECT ON SEQUENCES TO ${quoteIdent(r.role)}`);
        }
      }
      out.blank();
    } else {
      out.comment('Sequences: no role may INSERT, so no sequence grant is needed.');
      out.blank();
    }
  }

  if (schemaUsage) {
    out.comment(`Grant USAGE on "${schema}" schema`);
    for (const role of roles) out.statement(`GRANT USAGE ON SCHEMA ${s} TO ${quoteIdent(role)}`);
  }
  return out.build();
}
