// What tests leave behind, undone: temporary folders (private to the user, mode 0700) that suites
// remove in their `after` hooks, and that are removed anyway when the process ends — after a failure,
// with mocha's `--exit`, or on Ctrl-C (SIGINT, SIGTERM, SIGHUP) — together with anything else
// registered with `onProcessExit` (servers the tests started). Plain JavaScript, so the mocha suites
// (through tsx) and the UI test scripts (plain Node) share it. Its types: cleanup.d.mts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** @type {Set<() => void>} */
const exitCleanups = new Set();
let hooked = false;

function runExitCleanups() {
  for (const cleanup of [...exitCleanups].reverse()) {
    exitCleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // The process is ending: one failed cleanup must not stop the others.
    }
  }
}

function hookProcessExit() {
  if (hooked) return;
  hooked = true;
  process.on('exit', runExitCleanups);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    const onSignal = () => {
      runExitCleanups();
      process.off(signal, onSignal);
      // Listening replaced the default action (ending the process): restore it unless someone else decides.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** Runs `cleanup` (synchronous) when the process ends; the returned function unregisters it. */
export function onProcessExit(cleanup) {
  hookProcessExit();
  exitCleanups.add(cleanup);
  return () => void exitCleanups.delete(cleanup);
}

/** @type {Map<string, () => void>} */
const removals = new Map();

/** A new empty folder in the system temp folder, mode 0700, named `<prefix>XXXXXX`. */
export function makeTempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  removals.set(dir, onProcessExit(remove));
  return dir;
}

/** Removes a folder made by makeTempDir (and anything in it); nothing happens when it is already gone. */
export function removeTempDir(dir) {
  if (!dir) return;
  removals.get(dir)?.();
  removals.delete(dir);
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}
