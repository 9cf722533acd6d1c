// The test suite's own helpers: waiting for a condition, and temporary folders that do not outlive a suite.
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDir } from '../support/cleanup.mjs';
import { waitFor } from '../support/waitFor.mjs';

describe('test support: waitFor', () => {
  it('resolves with what the condition returned once it holds (0 and empty strings hold)', async () => {
    let calls = 0;
    assert.equal(await waitFor(() => (++calls >= 3 ? 'ready' : undefined), { interval: 1 }), 'ready');
    assert.equal(calls, 3);
    assert.equal(await waitFor(() => 0), 0);
    assert.equal(await waitFor(async () => ''), '');
  });

  it('fails after the timeout with the message, and with the last error when the condition threw', async () => {
    await assert.rejects(waitFor(() => false, { timeout: 30, interval: 5, message: 'the moon' }), /^Error: Timed out after 0\.03 s waiting for the moon$/);
    await assert.rejects(
      waitFor(
        () => {
          throw new Error('not yet');
        },
        { timeout: 30, interval: 5, message: () => 'a thrower' },
      ),
      /waiting for a thrower \(last attempt: not yet\)/,
    );
  });
});

describe('test support: temporary folders', () => {
  it('are private to the user (0700) and removed with what they hold', () => {
    const dir = makeTempDir('naw-support-');
    writeFileSync(join(dir, 'file'), 'x');
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    removeTempDir(dir);
    assert.equal(existsSync(dir), false);
    removeTempDir(dir); // removing twice is harmless
  });
});
