// The Neon account path in the real extension host, against the spec-checked fake Neon API on 127.0.0.1
// (neonAuthorize.neonApiBaseUrl points there): a refused key is explained and not kept; an accepted key goes
// to SecretStorage (never to any configuration scope); organization → project → branch → database gives
// the owner and authenticated URIs; providers are registered on the project with the JWT roles.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { JwksProviderRegistration } from '../../src/core/jwt/types';
import type { ConnectionSummary } from '../../src/extension/connections/commands';
import type { AddProviderResult } from '../../src/extension/setup/providers';
import {
  everyConfigurationValue,
  extensionApi,
  recordMessages,
  run,
  startFakeNeon,
  startLocalJwks,
  type ExtensionExports,
  type FakeNeon,
  type LocalJwks,
} from './setupHelpers';
import { waitFor } from '../support/waitFor.mjs';

const API_KEY = 'napi_' + 'extHostTestKey0123456789abcdefghijklmnopqrstu';
const WRONG_KEY = 'napi_' + 'notTheRightKey0123456789abcdefghijklmnopqrstu';
const PROJECT = 'shiny-wind-028834';
const MAIN = 'br-aged-salad-637688';

interface FakeState {
  jwks: { id: string; jwks_url: string; provider_name: string; role_names?: string[]; jwt_audience?: string }[];
}

describe('Neon account (fake Neon API)', function () {
  this.timeout(90_000);
  let api: ExtensionExports;
  let fake: FakeNeon;
  let jwks: LocalJwks;
  let shown: ReturnType<typeof recordMessages>;
  const config = () => vscode.workspace.getConfiguration('neonAuthorize');

  before(async () => {
    api = await extensionApi();
    fake = await startFakeNeon(API_KEY);
    jwks = await startLocalJwks();
    await config().update('neonApiBaseUrl', fake.baseURL, vscode.ConfigurationTarget.Global);
    await run('neonAuthorize.signOutNeon');
    shown = recordMessages();
  });
  after(async () => {
    shown?.restore();
    await run('neonAuthorize.signOutNeon');
    await config().update('neonApiBaseUrl', undefined, vscode.ConfigurationTarget.Global);
    await run('neonAuthorize.startPlayground');
    await jwks?.close();
    await fake?.stop();
  });

  it('a refused API key (401) is explained and not kept', async () => {
    const mark = shown.messages.length;
    const result = await run('neonAuthorize.connectNeonAccount', { apiKey: WRONG_KEY, projectId: PROJECT, branchId: MAIN, databaseName: 'neondb' });
    assert.equal(result, undefined);
    const error = shown.messages.slice(mark).find((m) => m.severity === 'error');
    assert.ok(error, 'an error was shown');
    assert.match(error.text, /401|API key/i);
    assert.ok(!error.text.includes(WRONG_KEY), 'the key is not in the message');
    assert.equal(await api.connections.neonAccount.hasApiKey(), false);
  });

  it('an accepted key goes to SecretStorage, never to settings; org → project → branch → database connects', async () => {
    const summary = await run<ConnectionSummary>('neonAuthorize.connectNeonAccount', { apiKey: API_KEY, projectId: PROJECT, branchId: MAIN, databaseName: 'neondb' });
    assert.ok(summary, shown.errors().join(' | '));
    assert.equal(summary.kind, 'neon');
    assert.equal(summary.label, 'Neon: acme-app / main / neondb');
    assert.deepEqual(summary.neon, { projectId: PROJECT, branchId: MAIN, databaseName: 'neondb' });
    assert.match(summary.ownerUrl, /^postgresql:\/\/neondb_owner:\*\*\*\*@ep-aged-salad-637688\.us-east-2\.aws\.neon\.tech\/neondb/);
    assert.match(summary.authenticatedUrl ?? '', /^postgresql:\/\/authenticated:\*\*\*\*@/);

    assert.equal(await api.connections.neonAccount.hasApiKey(), true);
    const everything = everyConfigurationValue('neonAuthorize');
    assert.ok(!everything.includes(API_KEY), 'the API key is in no configuration scope');
    assert.ok(!everything.includes('npg_OwnerSecret123') && !everything.includes('npg_AuthSecret456'), 'no role password in settings');
    const connection = await api.connections.current();
    assert.match(connection.ownerUrl, /npg_OwnerSecret123/, 'the live connection has the real URI from getConnectionUri');

    const requests = await fake.call<{ operationId?: string; query: Record<string, unknown> }[]>('requests');
    const uris = requests.filter((r) => r.operationId === 'getConnectionURI').map((r) => r.query.role_name);
    assert.deepEqual(uris, ['neondb_owner', 'authenticated']);
    assert.deepEqual(await fake.call('violations'), []);
  });

  it('without a project given, asks project → branch (default first) → database with quick picks', async () => {
    await fake.call('addProject', { project: { id: 'quiet-lake-123456', name: 'other-app', orgId: 'org-morning-bread-81040908' } });
    const connecting = run<ConnectionSummary>('neonAuthorize.connectNeonAccount');
    let settled = false;
    void connecting.finally(() => (settled = true));
    // Accept the highlighted entry of each quick pick as it appears (the first project, the default branch).
    await waitFor(
      async () => {
        if (!settled) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
        return settled;
      },
      { timeout: 60_000, interval: 100, message: 'Connect Neon Account to finish its quick picks' },
    );
    const summary = await connecting;
    assert.ok(summary, shown.errors().join(' | '));
    assert.equal(summary.label, 'Neon: acme-app / main / neondb');
    const listed = (await fake.call<{ operationId?: string; query: Record<string, unknown> }[]>('requests')).filter((r) => r.operationId === 'listProjects');
    assert.equal(listed.at(-1)?.query.org_id, 'org-morning-bread-81040908', 'projects are listed for the (only) organization');
  });

  it('registers a provider on the Neon project for authenticated and anonymous, lists and removes it', async () => {
    const result = await run<AddProviderResult>('neonAuthorize.addProvider', { url: jwks.url, providerName: 'Local test IdP', showReport: false });
    assert.ok(result?.registered, shown.errors().join(' | '));
    let state = await fake.call<FakeState>('state');
    assert.equal(state.jwks.length, 1);
    assert.equal(state.jwks[0]!.jwks_url, jwks.url);
    assert.equal(state.jwks[0]!.provider_name, 'Local test IdP');
    assert.deepEqual(state.jwks[0]!.role_names, ['authenticated', 'anonymous']);

    const listed = await run<JwksProviderRegistration[]>('neonAuthorize.listProviders', { quiet: true });
    assert.deepEqual(listed.map((p) => p.id), [state.jwks[0]!.id]);
    assert.equal(await run<boolean>('neonAuthorize.removeProvider', { id: state.jwks[0]!.id }), true);
    state = await fake.call<FakeState>('state');
    assert.equal(state.jwks.length, 0);
    assert.deepEqual(await fake.call('violations'), []);
  });

  it('an API error while registering (401 after the key was revoked) is shown clearly', async () => {
    await fake.call('inject', { operationId: 'getProjectJWKS', answer: { status: 401, body: { code: '', message: 'authorization failed' } } });
    const mark = shown.messages.length;
    assert.equal(await run('neonAuthorize.listProviders', { quiet: true }), undefined);
    const error = shown.messages.slice(mark).find((m) => m.severity === 'error');
    assert.match(error?.text ?? '', /API key/i);
  });

  it('Sign Out of Neon removes the key and the Neon connection', async () => {
    assert.equal(await run<boolean>('neonAuthorize.signOutNeon'), true);
    assert.equal(await api.connections.neonAccount.hasApiKey(), false);
    assert.equal(api.connections.peek(), undefined);
    const mark = shown.messages.length;
    assert.equal(await run('neonAuthorize.refresh'), undefined);
    const needs = shown.messages.slice(mark).find((m) => m.severity === 'warning');
    assert.match(needs?.text ?? '', /Nothing is connected yet/);
    assert.deepEqual(needs?.buttons, ['Start Playground', 'Select Connection']);
  });
});
