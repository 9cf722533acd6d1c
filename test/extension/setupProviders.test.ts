// Add / List / Remove Authentication Provider on the playground, against a JWKS server started here:
// the live check's report is opened, a good key set is registered (and listed, then removed), a bad
// URL gives the report and a clear error and registers nothing.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { JwksProviderRegistration } from '../../src/core/jwt/types';
import { findNode } from '../../src/extension/authorizeView/model';
import type { AddProviderResult } from '../../src/extension/setup/providers';
import { extensionApi, recordMessages, run, startLocalJwks, type ExtensionExports, type LocalJwks } from './setupHelpers';

describe('authentication providers on the playground', function () {
  this.timeout(60_000);
  let api: ExtensionExports;
  let jwks: LocalJwks;
  let shown: ReturnType<typeof recordMessages>;
  const list = () => run<JwksProviderRegistration[]>('neonAuthorize.listProviders', { quiet: true });

  before(async () => {
    api = await extensionApi();
    jwks = await startLocalJwks();
    shown = recordMessages();
    await run('neonAuthorize.startPlayground');
  });
  after(async () => {
    shown.restore();
    await jwks?.close();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('lists the playground\'s built-in key set', async () => {
    const providers = await list();
    assert.ok(providers.some((p) => p.id === 'playground' && p.providerName === 'Playground'));
  });

  it('checks a pasted JWKS URL, shows the report, registers it, lists it, then removes it', async () => {
    const result = await run<AddProviderResult>('neonAuthorize.addProvider', { url: jwks.url, providerName: 'Local test IdP' });
    assert.ok(result, shown.errors().join(' | '));
    assert.equal(result.ok, true);
    assert.equal(result.report.ok, true);
    assert.equal(result.registered?.providerName, 'Local test IdP');
    assert.deepEqual(result.registered?.roleNames, ['authenticated', 'anonymous']);

    const report = vscode.workspace.textDocuments.find((d) => d.uri.toString() === result.reportUri);
    assert.ok(report, 'the report document is open');
    assert.equal(report.uri.scheme, 'neon-authorize');
    assert.match(report.getText(), /# JWKS check: Local test IdP/);
    assert.match(report.getText(), /Neon can use this key set/);
    assert.match(report.getText(), new RegExp(`kid "${jwks.kid}"`));

    const listed = (await list()).find((p) => p.jwksUrl === jwks.url);
    assert.equal(listed?.id, result.registered?.id);
    const nodes = await api.setup.explorer.refresh();
    assert.equal(findNode(nodes, `provider:${listed!.id}`)?.label, 'Local test IdP');

    // Adding it again says it is already there instead of registering a twin.
    const again = await run<AddProviderResult>('neonAuthorize.addProvider', { url: jwks.url, showReport: false });
    assert.equal(again.alreadyRegistered, true);
    assert.equal((await list()).filter((p) => p.jwksUrl === jwks.url).length, 1);

    assert.equal(await run<boolean>('neonAuthorize.removeProvider', { id: listed!.id }), true);
    assert.equal((await list()).some((p) => p.jwksUrl === jwks.url), false);
  });

  it('a catalog entry with fields works too (custom JWKS URL with an audience)', async () => {
    const result = await run<AddProviderResult>('neonAuthorize.addProvider', { providerId: 'custom', fields: { url: jwks.url }, audience: 'my-api', showReport: false });
    assert.equal(result.registered?.audience, 'my-api');
    assert.equal(await run<boolean>('neonAuthorize.removeProvider', { id: result.registered!.id }), true);
  });

  it('a bad JWKS URL gives the report and a clear error, and registers nothing', async () => {
    const before = (await list()).length;
    const mark = shown.messages.length;
    const result = await run<AddProviderResult>('neonAuthorize.addProvider', { url: jwks.missingUrl, providerName: 'Broken IdP' });
    assert.equal(result.ok, false);
    assert.equal(result.registered, undefined);
    const error = shown.messages.slice(mark).find((m) => m.severity === 'error');
    assert.match(error?.text ?? '', /^The JWKS of Broken IdP failed the check, so nothing was registered: HTTP status: HTTP 404/);
    const report = vscode.workspace.textDocuments.find((d) => d.uri.toString() === result.reportUri);
    assert.match(report?.getText() ?? '', /Neon cannot use this key set\.\*\* Nothing was registered on the playground\./);
    assert.equal((await list()).length, before);
  });

  it('refuses a provider that needs an audience without one, and an unsupported provider', async () => {
    const mark = shown.messages.length;
    assert.equal(await run('neonAuthorize.addProvider', { providerId: 'firebase' }), undefined);
    assert.equal(await run('neonAuthorize.addProvider', { url: 'https://abcdefghijklmnopqrst.supabase.co/auth/v1/.well-known/jwks.json' }), undefined);
    const errors = shown.messages.slice(mark).filter((m) => m.severity === 'error').map((m) => m.text);
    assert.match(errors[0] ?? '', /Firebase .* needs an audience \(Firebase project ID\)/);
    assert.match(errors[1] ?? '', /Supabase Auth is not supported by Neon Authorize/);
  });

  it('Remove says so when there is nothing to remove, with a button to add one', async () => {
    // Providers another suite may have left on the shared playground.
    for (const p of (await list()).filter((x) => x.id !== 'playground')) await run('neonAuthorize.removeProvider', { id: p.id });
    const mark = shown.messages.length;
    assert.equal(await run('neonAuthorize.removeProvider'), undefined);
    const needs = shown.messages.slice(mark).find((m) => m.severity === 'warning');
    assert.match(needs?.text ?? '', /There is no provider to remove on the playground/);
    assert.deepEqual(needs?.buttons, ['Add Authentication Provider']);
  });
});
