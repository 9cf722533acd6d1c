/**
 * Add / List / Remove Authentication Provider. Adding picks a provider from the catalog (Stack Auth
 * and Stytch first) and fills its fields, or takes a pasted URL and detects the provider; asks for an
 * audience where the provider needs one; checks the JWKS live with Neon's rules (report opened as a
 * Markdown document); then registers it on the playground or on the Neon project.
 */
import * as vscode from 'vscode';
import type { JwksCheckReport } from '../../core/jwksCheck';
import { fixAction } from '../../core/fixActions';
import type { JwksProviderRegistration } from '../../core/jwt/types';
import {
  PROVIDERS,
  buildJwksUrl,
  detectProvider,
  getProvider,
  isProviderId,
  providerFieldWarnings,
  validateAudience,
  validateProviderField,
  type ProviderEntry,
  type ProviderId,
} from '../../core/providers/catalog';
import type { WorkbenchConnectionService } from '../connections/connectionService';
import type { ProviderRegistry } from '../connections/providerRegistries';
import type { ActiveConnection } from '../connections/types';
import { NeedsFirstError } from './prerequisites';
import type { ReportDocuments } from './reportDocuments';
import { jwksFailureSummary, jwksReportMarkdown } from './reports';

export interface AddProviderArgs {
  /** A catalog provider; with `fields` for its template. */
  providerId?: ProviderId;
  fields?: Record<string, string>;
  /** A pasted JWKS URL: the provider is detected. */
  url?: string;
  audience?: string;
  /** Shown name (default: the catalog name, or the URL's host). */
  providerName?: string;
  /** Open the report document (default true). */
  showReport?: boolean;
}

export interface AddProviderResult {
  ok: boolean;
  jwksUrl: string;
  report: Pick<JwksCheckReport, 'ok' | 'items' | 'url'>;
  reportUri?: string;
  registered?: JwksProviderRegistration;
  alreadyRegistered?: boolean;
}

type RegistryConnections = Pick<WorkbenchConnectionService, 'current' | 'registry'>;

interface Deps {
  connections: RegistryConnections;
  reports: ReportDocuments;
  refresh: () => Promise<unknown>;
}

/** The registry of the active connection, or a clear "needs" error. */
export async function requireRegistry(connections: RegistryConnections): Promise<{ connection: ActiveConnection; registry: ProviderRegistry }> {
  const connection = await connections.current();
  const registry = connections.registry(connection);
  if (!registry) {
    throw new NeedsFirstError(
      `Authentication providers are registered on a Neon project or on the playground; ${connection.label} is a plain Postgres connection. ` +
        'Connect your Neon account to register on the project, or use the playground.',
      [fixAction('connectNeonAccount'), fixAction('openPlayground')],
    );
  }
  return { connection, registry };
}

async function askFields(provider: ProviderEntry): Promise<Record<string, string> | undefined> {
  const values: Record<string, string> = {};
  for (const field of provider.fields) {
    let value: string | undefined;
    if (field.kind === 'choice' && field.choices) {
      const picked = await vscode.window.showQuickPick(
        field.choices.map((c) => ({ label: c, description: c === field.defaultValue ? 'default' : undefined })),
        { title: `${provider.name}: ${field.label}`, placeHolder: field.placeholder, ignoreFocusOut: true },
      );
      value = picked?.label;
    } else {
      value = await vscode.window.showInputBox({
        title: `${provider.name}: ${field.label}`,
        placeHolder: field.placeholder,
        value: field.defaultValue,
        prompt: `JWKS URL: ${provider.jwksUrlTemplate}`,
        ignoreFocusOut: true,
        validateInput: (v) => validateProviderField(provider.id, field.name, v),
      });
    }
    if (value === undefined) return undefined;
    values[field.name] = value;
  }
  return values;
}

/** The provider to check and register, its JWKS URL and what to tell the user about it. */
interface ChosenProvider {
  providerId: ProviderId;
  jwksUrl: string;
  notes: string[];
}

function notSupported(providerName: string, notes: readonly string[]): Error {
  return new Error(`${providerName} is not supported by Neon Authorize. ${notes.join(' ')}`);
}

/** The provider a pasted JWKS URL belongs to, when Neon supports it. */
function fromDetectedUrl(url: string): ChosenProvider | undefined {
  const detected = detectProvider(url);
  if (!detected) return undefined;
  if (!detected.supported) throw notSupported(getProvider(detected.providerId).name, detected.warnings);
  return { providerId: detected.providerId, jwksUrl: detected.jwksUrl, notes: detected.warnings };
}

async function askProvider(): Promise<ChosenProvider | undefined> {
  type Item = vscode.QuickPickItem & { id?: ProviderId | 'paste' };
  const items: Item[] = [
    { label: '$(clippy) Paste a JWKS URL…', detail: 'The provider is recognised from the URL.', id: 'paste' },
    { label: 'Providers', kind: vscode.QuickPickItemKind.Separator },
    ...PROVIDERS.filter((p) => p.id !== 'custom').map((p) => ({
      label: p.name,
      description: p.supported ? (p.audience === 'required' ? 'audience required' : undefined) : 'not supported by Neon',
      detail: p.jwksUrlTemplate,
      id: p.id,
    })),
    { label: getProvider('custom').name, detail: 'Any JWKS URL with ES256 or RS256 keys.', id: 'custom' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Neon Authorize: Add Authentication Provider', matchOnDetail: true, ignoreFocusOut: true });
  if (!picked?.id) return undefined;
  if (picked.id === 'paste') {
    const url = await vscode.window.showInputBox({
      title: 'JWKS URL',
      placeHolder: 'https://api.stack-auth.com/api/v1/projects/<project-id>/.well-known/jwks.json',
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === '' ? 'Paste the provider\'s JWKS URL.' : detectProvider(v) ? undefined : 'Not a URL: paste the full https:// JWKS URL.'),
    });
    return url ? fromDetectedUrl(url) : undefined;
  }
  const provider = getProvider(picked.id);
  if (!provider.supported) throw notSupported(provider.name, provider.notes);
  const fields = await askFields(provider);
  if (!fields) return undefined;
  return { providerId: provider.id, jwksUrl: buildJwksUrl(provider.id, fields), notes: [...providerFieldWarnings(provider.id, fields), ...provider.notes] };
}

async function askAudience(provider: ProviderEntry): Promise<string | undefined | null> {
  if (provider.audience === 'none') return undefined;
  const value = await vscode.window.showInputBox({
    title: `${provider.name}: audience${provider.audience === 'required' ? ' (required)' : ' (optional)'}`,
    prompt: provider.audienceExplanation,
    placeHolder: provider.audiencePlaceholder ?? provider.audienceLabel,
    ignoreFocusOut: true,
    validateInput: (v) => validateAudience(provider.id, v),
  });
  if (value === undefined) return null; // cancelled
  return value.trim() || undefined;
}

function resolveFromArgs(args: AddProviderArgs): ChosenProvider {
  if (args.url) {
    const chosen = fromDetectedUrl(args.url);
    if (!chosen) throw new Error(`"${args.url}" is not a URL: give the provider's full JWKS URL, e.g. https://auth.example.com/.well-known/jwks.json.`);
    return chosen;
  }
  if (!args.providerId || !isProviderId(args.providerId)) {
    throw new Error(`Unknown provider "${String(args.providerId)}": use one of ${PROVIDERS.map((p) => p.id).join(', ')}, or pass url.`);
  }
  const fields = args.fields ?? {};
  return { providerId: args.providerId, jwksUrl: buildJwksUrl(args.providerId, fields), notes: providerFieldWarnings(args.providerId, fields as Record<string, string>) };
}

export async function addProvider(deps: Deps, args?: AddProviderArgs): Promise<AddProviderResult | undefined> {
  const { registry } = await requireRegistry(deps.connections);
  const interactive = !args || (args.url === undefined && args.providerId === undefined);
  const chosen = interactive ? await askProvider() : resolveFromArgs(args);
  if (!chosen) return undefined;
  const provider = getProvider(chosen.providerId);

  let audience: string | undefined;
  if (interactive) {
    const asked = await askAudience(provider);
    if (asked === null) return undefined;
    audience = asked;
  } else {
    audience = args.audience?.trim() || undefined;
    const problem = validateAudience(provider.id, audience);
    if (problem) throw new Error(problem);
  }
  const providerName =
    args?.providerName?.trim() || (provider.id === 'custom' ? `${new URL(chosen.jwksUrl).host}` : provider.name);

  const { checkJwks } = await import('../../core/jwksCheck');
  const report = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Checking the JWKS of ${providerName} as Neon would …` },
    () => checkJwks(chosen.jwksUrl),
  );
  const notes = [...chosen.notes];
  if (provider.audience !== 'none' && !audience) notes.push(provider.audienceExplanation);
  const markdown = jwksReportMarkdown(report, { providerName, audience, target: registry.where, notes });
  const reportUri = args?.showReport === false ? undefined : (await deps.reports.show(`JWKS check - ${providerName}`, markdown)).toString();
  const summary = { ok: report.ok, items: report.items, url: report.url };

  if (!report.ok) {
    void vscode.window.showErrorMessage(
      `The JWKS of ${providerName} failed the check, so nothing was registered: ${jwksFailureSummary(report)}`,
    );
    return { ok: false, jwksUrl: chosen.jwksUrl, report: summary, reportUri };
  }

  const existing = (await registry.list()).find((p) => p.jwksUrl === chosen.jwksUrl && (p.audience ?? undefined) === audience);
  if (existing) {
    void vscode.window.showInformationMessage(`${existing.providerName} (${chosen.jwksUrl}) is already registered on ${registry.where}.`);
    return { ok: true, jwksUrl: chosen.jwksUrl, report: summary, reportUri, registered: existing, alreadyRegistered: true };
  }
  const registered = await registry.add({ jwksUrl: chosen.jwksUrl, providerName, audience });
  await deps.refresh();
  void vscode.window.showInformationMessage(
    `Registered ${providerName} on ${registry.where} for roles authenticated and anonymous. Tokens it signs (with a kid from its JWKS) are now accepted.`,
  );
  return { ok: true, jwksUrl: chosen.jwksUrl, report: summary, reportUri, registered };
}

export async function listProviders(deps: Deps, args?: { quiet?: boolean }): Promise<JwksProviderRegistration[]> {
  const { registry } = await requireRegistry(deps.connections);
  const list = await registry.list();
  if (!args?.quiet) {
    if (list.length === 0) {
      throw new NeedsFirstError(`No authentication provider is registered on ${registry.where} yet.`, [fixAction('addProvider')]);
    }
    void vscode.window.showQuickPick(
      list.map((p) => ({
        label: p.providerName,
        description: p.audience ? `aud ${p.audience}` : undefined,
        detail: `${p.jwksUrl} · roles ${p.roleNames.join(', ') || '(Neon defaults)'}`,
      })),
      { title: `Authentication providers on ${registry.where}`, matchOnDetail: true },
    );
  }
  return list;
}

export interface RemoveProviderArgs {
  id?: string;
  /** From the view: a provider node. */
  providerId?: string;
  kind?: string;
}

export async function removeProvider(deps: Deps, args?: RemoveProviderArgs): Promise<boolean | undefined> {
  const { registry } = await requireRegistry(deps.connections);
  const list = await registry.list();
  const removable = list.filter((p) => p.id !== 'playground');
  const fromView = args?.kind === 'provider';
  let target: JwksProviderRegistration | undefined;
  const id = args?.id ?? args?.providerId;
  if (id) {
    target = list.find((p) => p.id === id);
    if (!target) throw new Error(`No provider with id "${id}" on ${registry.where}: it may already be removed. Refresh the view.`);
  } else {
    if (removable.length === 0) throw new NeedsFirstError(`There is no provider to remove on ${registry.where}.`, [fixAction('addProvider')]);
    const picked = await vscode.window.showQuickPick(
      removable.map((p) => ({ label: p.providerName, detail: p.jwksUrl, value: p })),
      { title: `Remove a provider from ${registry.where}` },
    );
    if (!picked) return undefined;
    target = picked.value;
  }
  if (!id || fromView) {
    const answer = await vscode.window.showWarningMessage(
      `Remove ${target.providerName} from ${registry.where}? Tokens signed by ${target.jwksUrl} will be refused.`,
      { modal: true },
      'Remove',
    );
    if (answer !== 'Remove') return undefined;
  }
  const removed = await registry.remove(target.id);
  await deps.refresh();
  void vscode.window.showInformationMessage(
    removed ? `Removed ${target.providerName} from ${registry.where}.` : `${target.providerName} was not registered on ${registry.where} any more.`,
  );
  return removed;
}
