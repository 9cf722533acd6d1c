/**
 * What the Authorize view shows, as plain data built from a database snapshot: the connection,
 * providers, pg_session_jwt, roles, and each table with its RLS flags and policies. No `vscode`
 * import (tested in plain Node); tree.ts turns nodes into TreeItems with codicons and theme colours.
 */
import type { DatabaseSnapshot, PolicyInfo, TableSnapshot } from '../../core/introspect';
import { tableLabel, userTables } from '../../core/introspect/userTables';
import type { JwksProviderRegistration } from '../../core/jwt/types';
import { maskConnectionUrl } from '../../core/connections';
import { COMMANDS, type CommandId, type CommandName } from '../commands/registry';
import type { ActiveConnection } from '../connections/types';

/** Theme colour ids the view uses. */
export const COLORS = {
  ok: 'testing.iconPassed',
  warning: 'list.warningForeground',
  error: 'list.errorForeground',
  muted: 'descriptionForeground',
} as const;

export interface NodeCommand {
  readonly command: CommandId;
  readonly title: string;
  readonly arguments?: unknown[];
}

/** What clicking a node runs: one of the extension's commands, under its registry title. */
export function nodeCommand(name: CommandName, ...args: unknown[]): NodeCommand {
  const { id, title } = COMMANDS[name];
  return args.length ? { command: id, title, arguments: args } : { command: id, title };
}

interface NodeBase {
  /** Stable across refreshes (expansion state is kept by id). */
  readonly id: string;
  readonly label: string;
  readonly description?: string;
  /** Markdown. */
  readonly tooltip?: string;
  /** Codicon id. */
  readonly icon?: string;
  readonly iconColor?: string;
  readonly contextValue?: string;
  /** undefined: no children; true/false: expanded or collapsed at first. */
  readonly expanded?: boolean;
  readonly children?: ViewNode[];
  readonly command?: NodeCommand;
}

export type ViewNode =
  | (NodeBase & { readonly kind: 'connection' | 'providers' | 'extension' | 'roles' | 'role' | 'tables' | 'message' })
  | (NodeBase & { readonly kind: 'provider'; readonly providerId: string })
  | (NodeBase & { readonly kind: 'table'; readonly schema: string; readonly name: string; readonly rlsEnabled: boolean })
  | (NodeBase & { readonly kind: 'policy'; readonly schema: string; readonly table: string; readonly policy: PolicyInfo });

export type ProvidersState =
  | { readonly list: readonly JwksProviderRegistration[]; readonly where: string }
  | { readonly unavailable: string }
  | { readonly error: string };

export interface ViewInput {
  readonly connection: Pick<ActiveConnection, 'kind' | 'label' | 'ownerUrl' | 'authenticatedUrl' | 'anonymousUrl'>;
  readonly providers: ProvidersState;
  readonly snapshot?: DatabaseSnapshot;
  /** Why the snapshot could not be read. */
  readonly error?: string;
}

export const TABLE_CONTEXT = 'neonAuthorize.table';
export const TABLE_RLS_OFF_CONTEXT = 'neonAuthorize.table.rlsOff';

const KIND_NAMES: Record<ActiveConnection['kind'], string> = {
  playground: 'playground',
  env: 'workspace .env',
  manual: 'URL',
  neon: 'Neon account',
};

const code = (text: string) => '`' + text.replace(/`/g, "'") + '`';
const fence = (text: string) => '\n```sql\n' + text + '\n```\n';

function connectionNode(input: ViewInput): ViewNode {
  const c = input.connection;
  const lines = [`**${c.label}** (${KIND_NAMES[c.kind]})`, '', `Owner: ${code(maskConnectionUrl(c.ownerUrl))}`];
  if (c.authenticatedUrl) lines.push('', `Authenticated: ${code(maskConnectionUrl(c.authenticatedUrl))}`);
  if (c.anonymousUrl) lines.push('', `Anonymous: ${code(maskConnectionUrl(c.anonymousUrl))}`);
  return {
    kind: 'connection',
    id: 'connection',
    label: c.label,
    description: KIND_NAMES[c.kind],
    tooltip: lines.join('\n'),
    icon: c.kind === 'playground' ? 'beaker' : c.kind === 'neon' ? 'cloud' : 'database',
    contextValue: 'neonAuthorize.connection',
  };
}

function providersNode(state: ProvidersState): ViewNode {
  if ('unavailable' in state) {
    return { kind: 'providers', id: 'providers', label: 'Providers', description: 'not available', tooltip: state.unavailable, icon: 'key', iconColor: COLORS.muted };
  }
  if ('error' in state) {
    return { kind: 'providers', id: 'providers', label: 'Providers', description: 'could not be read', tooltip: state.error, icon: 'error', iconColor: COLORS.error };
  }
  const children: ViewNode[] = state.list.map((p) => ({
    kind: 'provider',
    id: `provider:${p.id}`,
    providerId: p.id,
    label: p.providerName,
    description: p.jwksUrl,
    tooltip: [
      `**${p.providerName}**`,
      '',
      `JWKS: ${code(p.jwksUrl)}`,
      '',
      `Audience: ${p.audience ? code(p.audience) : 'not checked'}`,
      '',
      `Roles: ${p.roleNames.join(', ') || '(Neon defaults)'}`,
    ].join('\n'),
    icon: 'key',
    contextValue: p.id === 'playground' ? 'neonAuthorize.provider.builtIn' : 'neonAuthorize.provider',
  }));
  if (children.length === 0) {
    children.push({
      kind: 'message',
      id: 'providers:none',
      label: 'No provider yet: add one',
      icon: 'add',
      command: nodeCommand('addProvider'),
    });
  }
  return {
    kind: 'providers',
    id: 'providers',
    label: 'Providers',
    description: `${state.list.length} on ${state.where}`,
    tooltip: `JWKS URLs whose keys ${state.where} trusts for the authenticated and anonymous roles.`,
    icon: 'key',
    expanded: false,
    children,
  };
}

function extensionNode(s: DatabaseSnapshot): ViewNode {
  const j = s.pgSessionJwt;
  if (j.installed) {
    const functions = j.authFunctions.length ? j.authFunctions.map((f) => `auth.${f}()`).join(', ') : '(none)';
    return {
      kind: 'extension',
      id: 'extension',
      label: `pg_session_jwt ${j.installedVersion}`,
      description: `installed · schema ${j.schema ?? 'auth'}`,
      tooltip: `**pg_session_jwt ${j.installedVersion}** in schema ${code(j.schema ?? 'auth')}\n\nFunctions: ${functions}`,
      icon: 'pass',
      iconColor: COLORS.ok,
      contextValue: 'neonAuthorize.extension.installed',
    };
  }
  if (j.defaultVersion === null) {
    return {
      kind: 'extension',
      id: 'extension',
      label: 'pg_session_jwt',
      description: 'not available on this server',
      tooltip: 'This server does not offer pg_session_jwt (it is not in pg_available_extensions). Use Neon or the playground, or install the extension\'s package on the server.',
      icon: 'error',
      iconColor: COLORS.error,
      contextValue: 'neonAuthorize.extension.unavailable',
    };
  }
  return {
    kind: 'extension',
    id: 'extension',
    label: 'pg_session_jwt',
    description: `not installed (${j.defaultVersion} available)`,
    tooltip: 'auth.user_id() does not exist yet: install pg_session_jwt with the owner connection.',
    icon: 'warning',
    iconColor: COLORS.warning,
    contextValue: 'neonAuthorize.extension.missing',
    command: nodeCommand('installPgSessionJwt'),
  };
}

function rolesNode(s: DatabaseSnapshot): ViewNode {
  const children: ViewNode[] = [];
  for (const name of ['authenticated', 'anonymous'] as const) {
    const role = s.roles[name];
    if (!role) {
      children.push({
        kind: 'role',
        id: `role:${name}`,
        label: name,
        description: 'missing',
        tooltip: `Role ${code(name)} does not exist. Installing pg_session_jwt creates it (on Neon and on the playground).`,
        icon: 'warning',
        iconColor: COLORS.warning,
      });
      continue;
    }
    const flags = [role.superuser ? 'SUPERUSER' : '', role.bypassRls ? 'BYPASSRLS' : '', role.canLogin ? 'LOGIN' : 'NOLOGIN'].filter(Boolean);
    const bypasses = role.superuser || role.bypassRls;
    children.push({
      kind: 'role',
      id: `role:${name}`,
      label: name,
      description: flags.join(' · '),
      tooltip: bypasses
        ? `Role ${code(name)} bypasses row-level security (${flags.join(', ')}): every policy is ignored for it. Remove BYPASSRLS.`
        : `Role ${code(name)}: row-level security applies (${flags.join(', ')}).`,
      icon: bypasses ? 'warning' : 'person',
      iconColor: bypasses ? COLORS.warning : undefined,
    });
  }
  const me = s.roles.current;
  if (me) {
    const bypasses = me.superuser || me.bypassRls;
    children.push({
      kind: 'role',
      id: `role:current:${me.name}`,
      label: me.name,
      description: `owner connection${bypasses ? ` · ${me.superuser ? 'SUPERUSER' : 'BYPASSRLS'}: sees every row` : ' · owns its tables: bypasses RLS unless FORCE'}`,
      tooltip: 'The role of the owner connection. Queries run as the owner are not filtered by policies (a false green when testing): use Run as User.',
      icon: 'account',
      iconColor: COLORS.muted,
    });
  }
  const missing = !s.roles.authenticated || !s.roles.anonymous;
  return {
    kind: 'roles',
    id: 'roles',
    label: 'Roles',
    description: missing ? 'authenticated/anonymous missing' : 'authenticated, anonymous',
    icon: 'organization',
    iconColor: missing ? COLORS.warning : undefined,
    expanded: false,
    children,
  };
}

function policyDescription(p: PolicyInfo): string {
  return `${p.command} · ${p.roles.join(', ')} · ${p.permissive ? 'permissive' : 'restrictive'}`;
}

function policyNode(t: TableSnapshot, p: PolicyInfo): ViewNode {
  const parts = [`**${p.name}**`, '', `${p.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} FOR ${p.command} TO ${p.roles.join(', ')}`];
  if (p.using !== null) parts.push('', 'USING', fence(p.using));
  if (p.withCheck !== null) parts.push('', 'WITH CHECK', fence(p.withCheck));
  const clauses = [p.using !== null ? `USING ${p.using}` : '', p.withCheck !== null ? `WITH CHECK ${p.withCheck}` : ''].filter(Boolean).join(' ');
  return {
    kind: 'policy',
    id: `policy:${t.schema}.${t.name}:${p.name}`,
    schema: t.schema,
    table: t.name,
    policy: p,
    label: p.name,
    description: `${policyDescription(p)}${clauses ? ` · ${clauses}` : ''}`,
    tooltip: parts.join('\n'),
    icon: p.permissive ? 'symbol-event' : 'circle-slash',
    contextValue: 'neonAuthorize.policy',
  };
}

/** Roles among authenticated/anonymous that hold any table privilege. */
function grantedRoles(t: TableSnapshot): string[] {
  const rank = (role: string) => (role === 'authenticated' ? 0 : role === 'anonymous' ? 1 : 2);
  return Object.entries(t.grants)
    .filter(([, privileges]) => privileges.length > 0)
    .map(([role]) => role)
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function tableNode(t: TableSnapshot): ViewNode {
  const granted = grantedRoles(t);
  const children: ViewNode[] = t.policies.map((p) => policyNode(t, p));
  let description: string;
  let icon: string;
  let iconColor: string | undefined;
  const tip: string[] = [`**${t.schema}.${t.name}** (owner ${code(t.owner)})`, ''];
  if (t.rlsEnabled) {
    description = `RLS on${t.rlsForced ? ' · FORCE' : ''} · ${t.policies.length} ${t.policies.length === 1 ? 'policy' : 'policies'}`;
    icon = 'shield';
    iconColor = t.policies.length ? COLORS.ok : COLORS.warning;
    tip.push(`Row-level security is **on**${t.rlsForced ? ' and forced (the owner is filtered too)' : ' (the owner bypasses it; FORCE is off)'}.`);
    if (t.policies.length === 0) {
      children.push({ kind: 'message', id: `table:${t.schema}.${t.name}:nopolicy`, label: 'No policy: only the owner sees rows', icon: 'info', iconColor: COLORS.muted });
      tip.push('', 'No policy: every role but the owner sees no rows. Scaffold Policies adds some.');
    }
  } else {
    description = 'RLS off';
    icon = 'unlock';
    if (granted.length) {
      description += ` · ${granted.join(', ')} see every row`;
      iconColor = COLORS.warning;
      icon = 'warning';
      tip.push(`Row-level security is **off** while ${granted.join(' and ')} ${granted.length === 1 ? 'has' : 'have'} privileges: every signed-in user sees and changes every row. Enable RLS and add policies.`);
    } else {
      iconColor = COLORS.muted;
      tip.push('Row-level security is **off**; authenticated and anonymous have no privileges on it yet.');
    }
    children.push({
      kind: 'message',
      id: `table:${t.schema}.${t.name}:rlsoff`,
      label: 'RLS is off',
      description: 'enable it',
      icon: 'unlock',
      iconColor,
      command: nodeCommand('enableRls', { schema: t.schema, name: t.name }),
    });
  }
  const grantLines = Object.entries(t.grants).map(([role, privileges]) => `${role}: ${privileges.length ? privileges.join(', ') : 'no privileges'}`);
  if (grantLines.length) tip.push('', `Grants: ${grantLines.join('; ')}`);
  return {
    kind: 'table',
    id: `table:${t.schema}.${t.name}`,
    schema: t.schema,
    name: t.name,
    rlsEnabled: t.rlsEnabled,
    label: tableLabel(t),
    description,
    tooltip: tip.join('\n'),
    icon,
    iconColor,
    contextValue: t.rlsEnabled ? TABLE_CONTEXT : TABLE_RLS_OFF_CONTEXT,
    expanded: false,
    children,
  };
}

function tablesNode(s: DatabaseSnapshot): ViewNode {
  const tables = userTables(s);
  const children = tables.map(tableNode);
  if (children.length === 0) {
    children.push({ kind: 'message', id: 'tables:none', label: 'No tables yet: create one (e.g. run schema.sql with Run SQL on Owner)', icon: 'info', iconColor: COLORS.muted });
  }
  const off = tables.filter((t) => !t.rlsEnabled).length;
  return {
    kind: 'tables',
    id: 'tables',
    label: 'Tables',
    description: `${tables.length}${off ? ` · ${off} without RLS` : ''}`,
    icon: 'table',
    iconColor: off ? COLORS.warning : undefined,
    expanded: true,
    children,
  };
}

/** The view's top-level nodes. */
export function buildViewModel(input: ViewInput): ViewNode[] {
  const nodes: ViewNode[] = [connectionNode(input), providersNode(input.providers)];
  if (input.error !== undefined) {
    nodes.push({ kind: 'message', id: 'error', label: 'Could not read the database', description: input.error, tooltip: input.error, icon: 'error', iconColor: COLORS.error, command: nodeCommand('refresh') });
    return nodes;
  }
  if (input.snapshot) nodes.push(extensionNode(input.snapshot), rolesNode(input.snapshot), tablesNode(input.snapshot));
  return nodes;
}

/** Finds a node by id anywhere in the tree. */
export function findNode(nodes: readonly ViewNode[], id: string): ViewNode | undefined {
  for (const n of nodes) {
    if (n.id === id) return n;
    const inner = n.children ? findNode(n.children, id) : undefined;
    if (inner) return inner;
  }
  return undefined;
}
