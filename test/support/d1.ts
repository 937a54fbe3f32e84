import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { D1Config, makeConfig } from '../../apps/d1/src/config';
import { createApp } from '../../apps/d1/src/main';

/** A running d1 for one test suite: real app, real embedded Jupyter Server, a temp root dir. */
export interface TestD1 {
  app: NestFastifyApplication;
  baseUrl: string;
  wsUrl: string;
  rootDir: string;
  secret: string;
  config: D1Config;
  /** A token with read+write (default) or the given permission. */
  token(perm?: { read_access?: boolean; write_access?: boolean; expires_in?: number }): Promise<string>;
  /** fetch against the server with a read+write token unless `auth` is given (null: no header). */
  request(method: string, path: string, opts?: RequestOpts): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface RequestOpts {
  body?: unknown;
  raw?: string | Buffer;
  auth?: string | null;
  headers?: Record<string, string>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Starts d1 on a free port with a fresh root dir (removed on close), or on `overrides.rootDir` (kept). */
export async function startD1(overrides: Partial<D1Config> = {}): Promise<TestD1> {
  const ownRoot = overrides.rootDir === undefined;
  const rootDir = overrides.rootDir ?? realpathSync(mkdtempSync(join(tmpdir(), 'd1-test-')));
  const secret = 'test-secret-' + Math.random().toString(36).slice(2);
  const config = makeConfig({ secretToken: secret, rootDir, logLevel: 'warn', ...overrides });
  const app = await createApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  let rwToken: string | null = null;

  const request = async (method: string, path: string, opts: RequestOpts = {}): Promise<TestResponse> => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.auth === undefined) {
      rwToken ??= await loginToken(baseUrl, secret);
      headers.authorization = `Bearer ${rwToken}`;
    } else if (opts.auth !== null) {
      headers.authorization = opts.auth;
    }
    let body: string | Buffer | undefined = opts.raw;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(baseUrl + path, { method, headers, body: body as BodyInit | undefined });
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  };

  const token = async (perm?: {
    read_access?: boolean;
    write_access?: boolean;
    expires_in?: number;
  }): Promise<string> => {
    if (!perm) return (rwToken ??= await loginToken(baseUrl, secret));
    const res = await request('POST', '/login/token', { body: perm });
    if (res.status !== 200) throw new Error(`minting a token failed: ${res.status} ${res.text}`);
    return res.json.token.access_token as string;
  };

  return {
    app,
    baseUrl,
    wsUrl: baseUrl.replace('http', 'ws'),
    rootDir,
    secret,
    config,
    token,
    request,
    close: async () => {
      await app.close();
      if (ownRoot) rmSync(rootDir, { recursive: true, force: true });
    },
  };
}

/** A d1 that `useD1` starts for a suite; `beforeClose` registers what must end before it closes. */
export interface SuiteD1 extends TestD1 {
  /** Runs `fn` in the suite's afterAll before d1 closes (the last registered first): clients, sessions, browsers. */
  beforeClose(fn: () => unknown): void;
}

/**
 * Starts d1 in the calling describe block's beforeAll and closes it (and its temp root dir) in afterAll. The handle
 * it returns reaches the running d1 from tests and later hooks. `overrides` may be a function, called in beforeAll,
 * when it needs something that set-up registered earlier made.
 */
export function useD1(
  overrides: Partial<D1Config> | (() => Partial<D1Config>) = {},
  opts: { timeoutMs?: number } = {},
): SuiteD1 {
  let current: TestD1 | undefined;
  const cleanups: Array<() => unknown> = [];
  const d1 = (): TestD1 => {
    if (!current) throw new Error('d1 is not running: use the handle of useD1 inside hooks and tests');
    return current;
  };
  beforeAll(async () => {
    current = await startD1(typeof overrides === 'function' ? overrides() : overrides);
  }, opts.timeoutMs);
  afterAll(async () => {
    try {
      for (const fn of cleanups.splice(0).reverse()) await fn();
    } finally {
      await current?.close();
      current = undefined;
    }
  });
  return {
    get app() {
      return d1().app;
    },
    get baseUrl() {
      return d1().baseUrl;
    },
    get wsUrl() {
      return d1().wsUrl;
    },
    get rootDir() {
      return d1().rootDir;
    },
    get secret() {
      return d1().secret;
    },
    get config() {
      return d1().config;
    },
    token: (perm) => d1().token(perm),
    request: (method, path, requestOpts) => d1().request(method, path, requestOpts),
    close: () => d1().close(),
    beforeClose: (fn) => void cleanups.push(fn),
  };
}

async function loginToken(baseUrl: string, secret: string): Promise<string> {
  const res = await fetch(`${baseUrl}/login/access-token`, { headers: { authorization: secret } });
  if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
  const body = (await res.json()) as { token: { access_token: string } };
  return body.token.access_token;
}

export { StopWaiting, waitFor } from './wait';
