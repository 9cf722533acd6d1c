// The one way tests wait: poll a condition until it holds, never sleep for a fixed time. Plain
// JavaScript without imports, so every kind of test can use it: the mocha suites (through tsx), the
// extension-host bundle (esbuild) and the UI tests (plain Node). Its types: waitFor.d.mts.

/**
 * Polls `condition` until it holds and resolves with what it returned. It holds when it returns (or
 * resolves to) anything but `undefined`, `null` or `false`; when it throws, it does not hold yet and
 * the last error ends up in the failure. After `timeout` ms it fails with
 * "Timed out after N s waiting for <message>".
 */
export async function waitFor(condition, { timeout = 30_000, interval = 50, message = 'a condition' } = {}) {
  const deadline = Date.now() + timeout;
  let lastError;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined && value !== null && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const what = typeof message === 'function' ? await message() : message;
      const why = lastError ? ` (last attempt: ${lastError instanceof Error ? lastError.message : String(lastError)})` : '';
      throw new Error(`Timed out after ${timeout / 1000} s waiting for ${what}${why}`, lastError ? { cause: lastError } : undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, Math.max(1, deadline - Date.now()))));
  }
}
