export interface WaitForOptions {
  /** How long to keep trying, in ms (default 30 000). */
  timeout?: number;
  /** Pause between attempts, in ms (default 50). */
  interval?: number;
  /** What is awaited, for the failure: "Timed out after N s waiting for <message>". */
  message?: string | (() => string | Promise<string>);
}

/**
 * Polls `condition` until it returns (or resolves to) anything but `undefined`, `null` or `false`, and
 * resolves with that; a throwing condition does not hold yet. Fails with `message` after `timeout` ms.
 */
export declare function waitFor<T>(
  condition: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options?: WaitForOptions,
): Promise<T>;
