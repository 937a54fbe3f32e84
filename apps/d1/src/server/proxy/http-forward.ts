import replyFrom from '@fastify/reply-from';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { Readable, Transform } from 'node:stream';
import { badRequest, D1Error } from '../../common/errors';
import { payloadTooLarge } from '../../common/error-json';
import { isReadMethod } from './proxy-path';

/**
 * Registers the forwarding client (@fastify/reply-from on undici) on the proxy's scope. undici frames every
 * request body itself (Content-Length checked against the bytes sent, chunked otherwise), so nothing a client
 * sends can reach an upstream connection as a second request. Connections are pooled and kept alive.
 */
export async function registerForwarding(scope: FastifyInstance): Promise<void> {
  await scope.register(replyFrom, {
    // Downloads and event streams may pause for long; a server that never answers still gets a 504.
    undici: { connections: 256, bodyTimeout: 0 },
    disableRequestLogging: true,
    destroyAgent: true,
  });
}

/** One proxied HTTP exchange, forwarded with the request's own method and (streamed) body. */
export interface Forward {
  reply: FastifyReply;
  /** `http://127.0.0.1:<port><path>`, without the query. */
  url: string;
  /** The query the server sees, with its `?` (or empty). */
  search: string;
  requestHeaders: OutgoingHttpHeaders;
  responseHeaders: (headers: IncomingHttpHeaders) => OutgoingHttpHeaders;
  /** Called only while nothing was sent to the client yet. */
  onError: (error: Error) => void;
}

/** Forwards the request; throws a D1Error (400) for a path that cannot be passed on as it is. */
export function forward(f: Forward): void {
  try {
    f.reply.from(f.url, {
      queryString: () => f.search.replace(/^\?/, ''),
      // d1 retries itself, waiting for a restarting server first; undici's retries would replay bodies.
      retryDelay: () => null,
      rewriteRequestHeaders: () => f.requestHeaders as IncomingHttpHeaders,
      rewriteHeaders: (headers) => f.responseHeaders(headers as IncomingHttpHeaders) as IncomingHttpHeaders,
      onError: (_reply, { error }) => f.onError(error),
    });
  } catch (err) {
    // reply-from refuses `..` segments and percent-encoding it cannot decode.
    throw badRequest(`The path cannot be proxied: ${(err as Error).message}`);
  }
}

/** Whether the request carries a body (which can be streamed upstream only once). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Why a request's body is refused before a byte of it is read, or null. Methods that only read carry no body
 * through the proxy: a GET with a body is what smuggling hides a second request in, and some servers leave such
 * a body unread on the connection.
 */
export function bodyRefusal(req: IncomingMessage, maxBytes: number): D1Error | null {
  if (!hasBody(req)) return null;
  if (isReadMethod(req.method)) {
    return badRequest(`A ${req.method} request carries no body through the proxy`);
  }
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return payloadTooLarge(maxBytes);
  return null;
}

/** A body that went past the limit while it was streamed (chunked bodies announce no length). */
export class BodyTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`Request body is larger than ${maxBytes} bytes`);
  }
}

/** The request body as a stream that fails with BodyTooLarge past `maxBytes`, holding nothing itself. */
export function limitedBody(req: IncomingMessage, maxBytes: number): Readable {
  let seen = 0;
  const body = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > maxBytes) done(new BodyTooLarge(maxBytes));
      else done(null, chunk);
    },
  });
  req.on('error', (err) => body.destroy(err));
  req.on('close', () => {
    if (!req.complete) body.destroy(new Error('The client closed the connection before its body ended'));
  });
  req.pipe(body);
  return body;
}

const NOTHING_SENT = new Set(['ECONNREFUSED']);
const CONNECTION_LOST = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/** The error code of a forwarding failure (reply-from wraps undici's error as its cause). */
export function errorCode(error: Error): string {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  const code = cause?.code ?? (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : '';
}

/** Whether the cause of a forwarding failure was the body limit. */
export function isBodyTooLarge(error: Error): boolean {
  return error instanceof BodyTooLarge || (error as { cause?: unknown }).cause instanceof BodyTooLarge;
}

/**
 * Whether a failed forward may be sent again (a server killed a moment ago refuses connections until it is
 * restarted): never with a body, which was streamed once; a refused connection saw nothing of the request, a
 * lost one may have, so only reads are repeated then.
 */
export function retryable(error: Error, req: IncomingMessage): boolean {
  if (hasBody(req)) return false;
  const code = errorCode(error);
  return NOTHING_SENT.has(code) || (CONNECTION_LOST.has(code) && isReadMethod(req.method));
}
