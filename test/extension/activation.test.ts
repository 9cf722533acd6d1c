import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { contributedCommands, extensionId, getExtensionUnderTest } from './extensionUnderTest';

describe('activation', () => {
  it('the extension is loaded in the extension host', () => {
    assert.ok(vscode.extensions.getExtension(extensionId), `${extensionId} is not among the loaded extensions`);
  });

  it('is not active before one of its activation events fires (lazy)', () => {
    assert.equal(getExtensionUnderTest().isActive, false);
  });

  it('activates without error', async () => {
    const extension = getExtensionUnderTest();
    await extension.activate();
    assert.equal(extension.isActive, true);
  });

  it('loads no playground WASM package (PGlite, libpg-query) when it activates', () => {
    // They are loaded when the playground or the SQL parser is first used, not at activation.
    const loaded = Object.keys(require.cache).filter((path) => /[\\/](@electric-sql[\\/]pglite|libpg-query)[\\/]/.test(path));
    assert.deepEqual(loaded, []);
  });

  it('contributes at least one command, each with a title in the "Neon Authorize" category', () => {
    const commands = contributedCommands();
    assert.ok(commands.length > 0, 'package.json contributes no commands');
    for (const c of commands) {
      assert.ok(c.title, `${c.command} has no title`);
      assert.equal(c.category, 'Neon Authorize', `${c.command} category`);
    }
  });

  it('registers every command package.json contributes', async () => {
    await getExtensionUnderTest().activate();
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributedCommands().map((c) => c.command).filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });
});
