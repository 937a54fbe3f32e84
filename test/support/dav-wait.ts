/** Polls `condition` until it returns a truthy value or `timeoutMs` passes; the last error explains a timeout. */
export async function waitFor<T>(
  description: string,
  condition: () => T | Promise<T>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`Timed out waiting for ${description}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
