import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  clientResponseHeaders,
  ForwardContext,
  prefixedLocation,
  upstreamRequestHeaders,
} from './proxy-headers';

/** One proxied HTTP exchange. */
export interface ForwardRequest {
  req: IncomingMessage;
  res: ServerResponse;
  port: number;
  /** Path and query the upstream sees. */
  path: string;
  ctx: ForwardContext;
  extraHeaders: Record<string, string>;
  agent: http.Agent;
}

/** Why a forward failed before the client got a response (after that, the client connection is cut). */
export class UpstreamError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Nothing was sent upstream that cannot be sent again (a refused or reset connection, no body). */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

const RETRYABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

/** Whether the request carries a body (which can be streamed upstream only once). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Streams the request to 127.0.0.1:port and the answer back, both ways without buffering. Resolves when the
 * response ended; rejects with UpstreamError only while nothing was written to the client yet.
 */
export function forward(f: ForwardRequest): Promise<void> {
  const headers = { ...upstreamRequestHeaders(f.req.headers, f.ctx), ...f.extraHeaders };
  const origin = `http://127.0.0.1:${f.port}`;
  return new Promise((resolve, reject) => {
    const upstream = http.request(
      { host: '127.0.0.1', port: f.port, method: f.req.method, path: f.path, headers, agent: f.agent },
      (answer) => relayResponse(f, answer, origin, resolve),
    );
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      // Too late for an error answer, or nobody left to give one to (the client went away).
      if (f.res.headersSent || f.res.destroyed) {
        f.res.destroy();
        return resolve();
      }
      const code = err.code ?? 'EUPSTREAM';
      reject(new UpstreamError(code, err.message, RETRYABLE.has(code) && !hasBody(f.req)));
    });
    // A client that goes away takes the upstream request with it.
    f.res.on('close', () => {
      if (!f.res.writableFinished) upstream.destroy();
    });
    // A bodyless request may be forwarded twice (a retry), and an ended stream would never end a new pipe.
    if (hasBody(f.req)) f.req.pipe(upstream);
    else upstream.end();
  });
}

function relayResponse(f: ForwardRequest, answer: IncomingMessage, origin: string, done: () => void): void {
  const rewrite = (location: string): string =>
    f.ctx.stripped ? prefixedLocation(location, f.ctx.prefix, origin) : location;
  f.res.writeHead(
    answer.statusCode ?? 502,
    answer.statusMessage,
    clientResponseHeaders(answer.headers, rewrite),
  );
  answer.pipe(f.res);
  answer.on('error', () => f.res.destroy());
  f.res.on('close', () => {
    if (!answer.complete) answer.destroy();
    done();
  });
}
