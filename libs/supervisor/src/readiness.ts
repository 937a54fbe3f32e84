import http from 'node:http';
import https from 'node:https';

/** A single probe never waits longer than this, as in simpervisor. */
const PROBE_CAP_MS = 5000;
const FIRST_PAUSE_MS = 20;
const MAX_PAUSE_MS = 250;

/** Result of waiting for readiness; `lastStatus` is the last HTTP status seen, null if nothing answered. */
export type ReadyOutcome = { ready: true } | { ready: false; aborted: boolean; lastStatus: number | null };

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** One HTTP GET; resolves with the status code, or null when nothing answered. */
export function probe(url: string, timeoutMs: number, signal?: AbortSignal): Promise<number | null> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve) => {
    // No keep-alive agent: an idle pooled socket would outlive the probe and the child.
    const req = client.get(url, { agent: false, timeout: timeoutMs, signal }, (res) => {
      res.resume();
      resolve(res.statusCode ?? null);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(null));
  });
}

/** GETs `url` with doubling pauses (20 ms to 250 ms) until `accept` likes the status, the deadline passes or `signal` aborts. */
export async function waitUntilReady(
  url: string,
  timeoutMs: number,
  accept: (status: number) => boolean,
  signal: AbortSignal,
): Promise<ReadyOutcome> {
  const deadline = Date.now() + timeoutMs;
  let pause = FIRST_PAUSE_MS;
  let lastStatus: number | null = null;
  for (;;) {
    const remaining = deadline - Date.now();
    if (signal.aborted || remaining <= 0) return { ready: false, aborted: signal.aborted, lastStatus };
    const status = await probe(url, Math.min(PROBE_CAP_MS, remaining), signal);
    if (status !== null && accept(status)) return { ready: true };
    lastStatus = status ?? lastStatus;
    await delay(Math.min(pause, Math.max(0, deadline - Date.now())), signal);
    pause = Math.min(pause * 2, MAX_PAUSE_MS);
  }
}
