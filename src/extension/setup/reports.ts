/**
 * Texts the setup commands show: the JWKS check report (a Markdown document), the pg_session_jwt
 * install summary and the explanation of `permission denied to create extension`. No `vscode` import.
 */
import type { JwksCheckReport } from '../../core/jwksCheck';
import type { PgSessionJwtInfo, RolesInfo, SchemaInfo } from '../../core/introspect';
import { StatementError } from '../../core/connections/database';

/** The statement Neon's Authorize guides give (docs/authorize-guides.md#steps). */
export const INSTALL_SQL = 'CREATE EXTENSION IF NOT EXISTS pg_session_jwt';

/** `permission denied to create extension …` (SQLSTATE 42501 on CREATE EXTENSION). */
export function isCreateExtensionDenied(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return (err instanceof StatementError && err.code === '42501') || /permission denied to create extension/i.test(err.message);
}

const MARK = { pass: '✅', warn: '⚠️', fail: '❌' } as const;

export interface JwksReportContext {
  readonly providerName: string;
  readonly audience?: string;
  /** Where it would be registered, e.g. "the playground". */
  readonly target: string;
  /** What detection or the catalog says about the URL (changes made, notes). */
  readonly notes?: readonly string[];
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The live JWKS check as a Markdown document: verdict first, then each check, the keys, and notes. */
export function jwksReportMarkdown(report: JwksCheckReport, context: JwksReportContext): string {
  const failed = report.items.filter((i) => i.status === 'fail');
  const warned = report.items.filter((i) => i.status === 'warn');
  const lines: string[] = [];
  lines.push(`# JWKS check: ${context.providerName}`, '');
  lines.push(`URL: \`${report.url}\``, '');
  if (context.audience) lines.push(`Audience (aud): \`${context.audience}\``, '');
  if (report.ok) {
    lines.push(
      `**${MARK.pass} Neon can use this key set** (${report.keys.usable} usable key${report.keys.usable === 1 ? '' : 's'}: ${report.keys.es256} ES256, ${report.keys.rs256} RS256)` +
        (warned.length ? `, with ${warned.length} warning${warned.length === 1 ? '' : 's'} below.` : '.'),
      '',
      `It can be registered on ${context.target}.`,
    );
  } else {
    lines.push(`**${MARK.fail} Neon cannot use this key set.** Nothing was registered on ${context.target}.`, '');
    for (const f of failed) lines.push(`- **${f.title}**: ${f.message}`);
  }
  lines.push('', '## Checks (the rules Neon applies when it fetches keys)', '', '| | Check | Result |', '|---|---|---|');
  for (const item of report.items) lines.push(`| ${MARK[item.status]} | ${cell(item.title)} | ${cell(item.message)} |`);
  if (report.keys.lines.length) {
    lines.push('', '## Keys', '');
    for (const line of report.keys.lines) lines.push(`- ${line}`);
  }
  if (context.notes?.length) {
    lines.push('', '## Notes', '');
    for (const note of context.notes) lines.push(`- ${note}`);
  }
  lines.push('');
  return lines.join('\n');
}

/** The first thing to fix, in one line, for a notification. */
export function jwksFailureSummary(report: JwksCheckReport): string {
  const first = report.items.find((i) => i.status === 'fail');
  return first ? `${first.title}: ${first.message}` : 'the key set cannot be used by Neon.';
}

export interface InstallSummary {
  /** One paragraph for a notification. */
  readonly message: string;
  /** Problems left to fix (roles missing, no USAGE on auth…), each saying what to do. */
  readonly problems: string[];
}

/** What CREATE EXTENSION left behind: version, the roles, and USAGE on the auth schema. */
export function pgSessionJwtSummary(
  before: Pick<PgSessionJwtInfo, 'installed'>,
  after: PgSessionJwtInfo,
  roles: Pick<RolesInfo, 'authenticated' | 'anonymous'>,
  schemas: readonly Pick<SchemaInfo, 'name' | 'privileges'>[],
): InstallSummary {
  const problems: string[] = [];
  const schema = after.schema ?? 'auth';
  const auth = schemas.find((s) => s.name === schema);
  const roleParts: string[] = [];
  for (const name of ['authenticated', 'anonymous'] as const) {
    const role = roles[name];
    if (!role) {
      roleParts.push(`${name} missing`);
      problems.push(
        `Role "${name}" does not exist. Neon creates it with pg_session_jwt; elsewhere create it: CREATE ROLE ${name} NOLOGIN; then GRANT ${name} TO the role your app connects as.`,
      );
      continue;
    }
    const usage = auth?.privileges[name]?.usage ?? false;
    roleParts.push(`${name} ✓${usage ? '' : ' (no USAGE on auth)'}`);
    if (role.bypassRls || role.superuser) problems.push(`Role "${name}" bypasses row-level security (${role.superuser ? 'SUPERUSER' : 'BYPASSRLS'}): ALTER ROLE ${name} NOBYPASSRLS.`);
    if (!usage) problems.push(`Role "${name}" cannot use schema ${schema} (auth.user_id() fails with "permission denied for schema ${schema}"): GRANT USAGE ON SCHEMA ${schema} TO ${name};`);
  }
  const verb = before.installed ? 'was already installed' : 'is installed';
  const message =
    `pg_session_jwt ${after.installedVersion ?? '?'} ${verb} in schema ${schema}. Roles: ${roleParts.join(', ')}.` +
    (problems.length ? ` To fix: ${problems.join(' ')}` : ' Next: Scaffold Grants, then Scaffold Policies.');
  return { message, problems };
}

/** Explains `permission denied to create extension "pg_session_jwt"` and what to do, for this server. */
export function explainCreateExtensionDenied(
  info: Pick<PgSessionJwtInfo, 'trusted' | 'superuserRequired' | 'currentUserIsSuperuser' | 'currentUserCanCreateInDatabase'>,
  where: { isNeon: boolean; role: string; database: string },
): string {
  if (where.isNeon) {
    return (
      `Permission denied to create extension "pg_session_jwt" as ${where.role} on database "${where.database}". ` +
      'On Neon this happens when the database was created with SQL (CREATE DATABASE) instead of the Neon Console, CLI or API: ' +
      'such a database is not set up for the extensions Neon manages. Create the database in the Neon Console (Databases → New database) ' +
      'or with the API/CLI (neon databases create), move your tables there, and run Install pg_session_jwt again; ' +
      'or connect as the database\'s owner from the Neon Console.'
    );
  }
  const why: string[] = [];
  if (info.superuserRequired && !info.trusted) why.push('the extension is not marked trusted, so only a superuser may create it');
  if (!info.currentUserCanCreateInDatabase) why.push(`${where.role} has no CREATE privilege on database "${where.database}"`);
  return (
    `Permission denied to create extension "pg_session_jwt" as ${where.role} on database "${where.database}"` +
    (why.length ? `: ${why.join('; ')}. ` : '. ') +
    'Ask a superuser to run CREATE EXTENSION IF NOT EXISTS pg_session_jwt; in this database' +
    (info.currentUserCanCreateInDatabase ? '' : `, or GRANT CREATE ON DATABASE "${where.database}" TO ${where.role}`) +
    ', then run Install pg_session_jwt again to check it.'
  );
}

/** The server does not offer the extension at all. */
export function explainExtensionUnavailable(where: { isNeon: boolean; label: string }): string {
  return where.isNeon
    ? `pg_session_jwt is not offered by the compute of ${where.label}. Neon ships it with Postgres 16 and later: check the project's Postgres version in the Neon Console.`
    : `pg_session_jwt is not installed on the server of ${where.label} (it is not in pg_available_extensions). Install its package on the server (e.g. postgresql-17-pg-session-jwt), or use a Neon project or the playground.`;
}
