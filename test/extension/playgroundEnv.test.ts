import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { getExtensionUnderTest } from './extensionUnderTest';

describe('the demo workspace .env points at the playground', () => {
  it('fills the variables of a .env that carries the marker line once the playground runs', async () => {
    const api = (await getExtensionUnderTest().activate()) as { connections: { startPlayground(): Promise<{ ownerUrl: string; authenticatedUrl?: string; fetchEndpoint?: string }> } };
    const connection = await api.connections.startPlayground();
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, '.env')));
    assert.match(text, /^# neon-authorize: playground$/m, 'the marker stays');
    assert.ok(text.includes(`DATABASE_URL='${connection.ownerUrl}'`), 'DATABASE_URL is the playground owner URL');
    assert.ok(text.includes(`DATABASE_AUTHENTICATED_URL='${connection.authenticatedUrl}'`));
    assert.ok(text.includes(`NEON_FETCH_ENDPOINT='${connection.fetchEndpoint}'`));
  });
});
