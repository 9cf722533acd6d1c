// Drives the workbench like a person: F1 → "Neon Authorize: Show Welcome" → Enter, then reads the toast.
import { strict as assert } from 'node:assert';
import { openExtensionWorkbench, runCommand, screenshot, waitForNotification } from '../../../scripts/vscode/ui.mjs';

describe('UI: Neon Authorize: Show Welcome', () => {
  /** @type {import('playwright-core').Page} */
  let page;
  before(async () => {
    page = await openExtensionWorkbench();
  });
  after(async () => {
    await page?.context().close();
  });

  it('runs from the command palette and shows the welcome notification', async () => {
    await runCommand(page, 'Neon Authorize: Show Welcome');
    const text = await waitForNotification(page, 'Neon Authorize Workbench is ready');
    await screenshot(page, 'show-welcome');
    assert.match(text, /auth\.user_id\(\)/);
  });
});
