// Workspace .env discovery and URLs entered by hand, in the real extension host: a folder of the workspace
// with several .env files (Next.js precedence, the NEXT_PUBLIC_ variant, NEON_FETCH_ENDPOINT) pointing at
// the in-process playground; the owner URL then really answers. Passwords are masked in what is shown.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ConnectionSummary } from '../../src/extension/connections/commands';
import { everyConfigurationValue, extensionApi, recordMessages, run, type ExtensionExports } from './setupHelpers';

describe('connections: workspace .env files and URLs by hand', function () {
  this.timeout(90_000);
  let api: ExtensionExports;
  let folder: vscode.Uri;
  let shown: ReturnType<typeof recordMessages>;

  before(async () => {
    api = await extensionApi();
    await run('neonAuthorize.startPlayground');
    const root = vscode.workspace.workspaceFolders?.[0]?.uri;
    assert.ok(root, 'the tests run with a workspace folder');
    folder = vscode.Uri.joinPath(root, 'naw-env-discovery');
    const p = api.connections.runningPlayground()!;
    const write = (name: string, text: string) => vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, name), new TextEncoder().encode(text));
    // .env has stale values that .env.local overrides; .env.production is not loaded in development.
    await write('.env', `DATABASE_URL='postgresql://stale_owner:StaleSecret1@127.0.0.1:1/old'\nDATABASE_AUTHENTICATED_URL='postgresql://authenticated:StaleSecret2@127.0.0.1:1/old'\n`);
    await write('.env.local', `DATABASE_URL='${p.ownerUrl}'\nNEXT_PUBLIC_DATABASE_AUTHENTICATED_URL='${p.authenticatedUrl}'\nNEON_FETCH_ENDPOINT='${p.fetchEndpoint}'\n`);
    await write('.env.development', `DATABASE_AUTHENTICATED_URL='${p.authenticatedUrl}'\n`);
    await write('.env.production', `DATABASE_URL='postgresql://prod:ProdSecret3@ep-prod.us-east-2.aws.neon.tech/neondb'\n`);
    shown = recordMessages();
  });
  after(async () => {
    shown?.restore();
    await vscode.workspace.fs.delete(folder, { recursive: true });
    await run('neonAuthorize.startPlayground');
  });

  it('discovers the folder with several .env files and resolves it as Next.js would', async () => {
    const { discovery } = await api.connections.discoverEnv();
    const dir = discovery.directories.find((d) => d.directory === folder.fsPath);
    assert.ok(dir, `found ${folder.fsPath} among ${discovery.directories.map((d) => d.directory).join(', ')}`);
    assert.deepEqual(dir.loadedFiles.map((f) => f.split(/[\\/]/).pop()), ['.env.local', '.env.development', '.env']);
    assert.deepEqual(dir.ignoredFiles.map((f) => f.split(/[\\/]/).pop()), ['.env.production']);
    assert.equal(dir.owner?.variable, 'DATABASE_URL');
    assert.equal(dir.owner?.file, join(folder.fsPath, '.env.local'));
  });

  it('Select Connection (.env) connects with the winning URLs and the owner URL answers over the playground endpoint', async () => {
    const summary = await run<ConnectionSummary>('neonAuthorize.selectConnection', { kind: 'env', directory: folder.fsPath });
    assert.ok(summary, shown.errors().join(' | '));
    assert.equal(summary.kind, 'env');
    assert.match(summary.label, /^naw-env-discovery[\\/]\.env\.local: neondb_owner@127\.0\.0\.1:\d+\/neondb$/);
    assert.match(summary.ownerUrl, /^postgresql:\/\/neondb_owner:\*\*\*\*@127\.0\.0\.1/);
    assert.match(summary.authenticatedUrl ?? '', /^postgresql:\/\/authenticated:\*\*\*\*@127\.0\.0\.1/);
    const p = api.connections.runningPlayground()!;
    const connection = await api.connections.current();
    assert.equal(connection.ownerUrl, p.ownerUrl);
    assert.equal(connection.authenticatedUrl, p.authenticatedUrl);
    assert.equal(connection.fetchEndpoint, p.fetchEndpoint);
    const { database } = await api.connections.owner();
    assert.deepEqual((await database.query('select current_user as who')).rows, [{ who: 'neondb_owner' }]);
    const nodes = await api.setup.explorer.refresh();
    assert.equal(nodes[0]?.description, 'workspace .env');
  });

  it('a URL entered by hand: its password goes to secret storage, the view shows it masked', async () => {
    const p = api.connections.runningPlayground()!;
    const password = decodeURIComponent(new URL(p.ownerUrl).password);
    const summary = await run<ConnectionSummary>('neonAuthorize.selectConnection', { kind: 'manual', ownerUrl: p.ownerUrl });
    assert.equal(summary.kind, 'manual');
    assert.match(summary.label, /^neondb_owner@127\.0\.0\.1:\d+\/neondb$/);
    assert.ok(!JSON.stringify(summary).includes(password));
    assert.ok(!everyConfigurationValue('neonAuthorize').includes(password), 'the password is in no configuration scope');
    // The live connection has the password back (from SecretStorage) and reaches the playground.
    const { database } = await api.connections.owner();
    assert.deepEqual((await database.query('select 1 as ok')).rows, [{ ok: 1 }]);
    const nodes = await api.setup.explorer.refresh();
    assert.ok(!JSON.stringify(nodes).includes(password), 'no password anywhere in the view');
  });

  it('a manual URL that cannot connect is explained (refused), with Select Connection offered', async () => {
    const mark = shown.messages.length;
    await run('neonAuthorize.selectConnection', { kind: 'manual', ownerUrl: 'postgresql://someone:Pw-Unused-9@127.0.0.1:1/app' });
    assert.equal(await run('neonAuthorize.installPgSessionJwt'), undefined);
    const error = shown.messages.slice(mark).find((m) => m.severity === 'error');
    assert.match(error?.text ?? '', /Nothing accepted the connection at 127\.0\.0\.1:1 \(ECONNREFUSED\)/);
    assert.deepEqual(error?.buttons, ['Select Connection']);
    assert.ok(!error!.text.includes('Pw-Unused-9'));
  });
});
