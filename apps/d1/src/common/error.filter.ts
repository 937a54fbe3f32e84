import { ArgumentsHost, Catch, ExceptionFilter, Inject, Logger, NotFoundException } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { D1_CONFIG, D1Config } from '../app-config';
import { D1Error } from './errors';
import { errorBody, payloadTooLarge, toD1Error } from './error-json';
import { routeIndexOf } from './route-index';

/** Writes every error as d1's error JSON; unexpected errors become a 500 without internals. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(D1_CONFIG) private readonly config: D1Config,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const err = this.toError(exception, http.getRequest<FastifyRequest>());
    if (reply.sent || reply.raw.headersSent) {
      if (!reply.raw.writableEnded) reply.raw.end();
      return;
    }
    sendError(reply, err);
  }

  private toError(exception: unknown, req: FastifyRequest): D1Error {
    if (exception instanceof NotFoundException && !req.routeOptions?.url) {
      return unroutedError(this.adapterHost.httpAdapter.getInstance<FastifyInstance>(), req);
    }
    const err = toD1Error(exception);
    // The limit that applied is the route's own (uploads and JSON routes differ).
    if (err?.status === 413) return payloadTooLarge(req.routeOptions?.bodyLimit ?? this.config.maxBodyBytes);
    if (err) return err;
    this.logger.error(
      exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
    );
    return new D1Error(500, 'INTERNAL_ERROR', 'The server failed to handle this request', null);
  }
}

/** No route matched: 405 when the path exists under other methods, 404 otherwise. */
export function unroutedError(fastify: FastifyInstance, req: FastifyRequest): D1Error {
  const path = req.url.split('?')[0];
  const allowed = routeIndexOf(fastify)?.allowed(path) ?? [];
  if (allowed.length === 0) return new D1Error(404, 'NOT_FOUND', `No such route: ${req.method} ${path}`);
  return new D1Error(
    405,
    'METHOD_NOT_ALLOWED',
    `${req.method} is not allowed on ${path}; use ${allowed.join(', ')}`,
    allowed,
  );
}

/** Sends a D1Error as the response, with the headers its status calls for. */
export function sendError(reply: FastifyReply, err: D1Error): void {
  // RFC 9110: a 401 names the scheme that would work, a 405 the methods that would.
  if (err.status === 401) void reply.header('www-authenticate', 'Bearer');
  if (err.status === 405 && Array.isArray(err.detail)) void reply.header('allow', err.detail.join(', '));
  if (err.status === 429 && typeof err.retryAfterSeconds === 'number')
    void reply.header('retry-after', String(err.retryAfterSeconds));
  void reply
    .status(err.status)
    .header('content-type', 'application/json; charset=utf-8')
    .send(errorBody(err));
}

/**
 * Fastify's `frameworkErrors`: URLs it refuses before routing (bad percent-encoding, an over-long path
 * parameter) get d1's error JSON rather than Fastify's own shape.
 */
export function frameworkError(error: Error & { code?: string }, _req: unknown, reply: FastifyReply): void {
  const path = /'([^']*)'/.exec(error.message)?.[1] ?? '';
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  switch (error.code) {
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return sendError(
        reply,
        new D1Error(414, 'URI_TOO_LONG', 'A path segment is longer than the server accepts'),
      );
    case 'FST_ERR_BAD_URL':
      return sendError(
        reply,
        new D1Error(400, 'BAD_REQUEST', `The URL is not valid (bad %-encoding): ${shown}`),
      );
    default:
      return sendError(reply, new D1Error(400, 'BAD_REQUEST', 'The request could not be routed', null));
  }
}

/** Node's parser errors that mean "the request's head was too large" (431) or "too slow" (408). */
const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'HEADERS_TOO_LARGE',
    'The request line or headers are larger than the server accepts',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'REQUEST_TIMEOUT', 'The request was not received in time'],
  ERR_HTTP_HEADERS_TIMEOUT: [408, 'REQUEST_TIMEOUT', 'The request headers were not received in time'],
};

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser refuses before Fastify sees them (headers too
 * large, malformed framing, too slow) still get d1's error JSON, then the connection is closed.
 */
export function clientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const [status, code, reason] = CLIENT_ERRORS[error.code ?? ''] ?? [
    400,
    'BAD_REQUEST',
    'The request is not valid HTTP',
  ];
  const body = JSON.stringify(errorBody(new D1Error(status, code, reason, null)));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
