/**
 * Thrown from a `waitFor` check when waiting longer cannot help (a process exited, a socket closed): `waitFor`
 * rethrows it at once instead of polling until its deadline.
 */
export class StopWaiting extends Error {}

/** What a truthy check returns: `T` without the falsy values that keep `waitFor` polling. */
export type Truthy<T> = Exclude<T, false | 0 | 0n | '' | null | undefined>;

/**
 * Polls `check` until it returns a truthy value and resolves with that value. An error thrown by `check` counts as
 * "not yet" (a server still starting refuses connections) and is remembered: once `timeoutMs` passes, the rejection
 * names `what` and the last such error. A `StopWaiting` error ends the wait at once.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 10_000,
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    try {
      const value = await check();
      if (value) return value as Truthy<T>;
    } catch (error) {
      if (error instanceof StopWaiting) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError === undefined ? '' : `; last error: ${describe(lastError)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`, { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
