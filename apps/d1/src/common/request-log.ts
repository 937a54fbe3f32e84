import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { withRequestId } from './logger';

/** An id a client or a proxy in front of d1 sent along (kept so logs can be joined across hops). */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify's `genReqId`: the caller's `X-Request-Id` when it is a sane token, else a fresh UUID. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * The route a request matched (`/notebooks/:uuid`), or its path without the query for one that matched none:
 * what an access log and a metric may show. Never the raw URL, whose query can carry a `?token=`.
 */
export function routeOf(req: FastifyRequest): string {
  return req.routeOptions?.url ?? (req.url ?? '/').split('?')[0];
}

/**
 * Returns every request's id as `X-Request-Id`, runs its handling under that id (so its log lines carry it), and
 * writes one access line per request once the response is out: method, route, status, duration. Registered
 * before any other hook, so even a request refused early is answered with its id.
 */
export function installRequestLog(fastify: FastifyInstance): void {
  const logger = new Logger('HTTP');
  fastify.addHook('onRequest', (req, reply, done) => {
    reply.raw.setHeader('x-request-id', req.id);
    withRequestId(req.id, done);
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    const route = routeOf(req);
    const duration = Math.round(reply.elapsedTime * 10) / 10;
    withRequestId(req.id, () =>
      logger.log({
        message: `${req.method} ${route} ${reply.statusCode} ${duration} ms`,
        method: req.method,
        route,
        status: reply.statusCode,
        duration_ms: duration,
      }),
    );
    done();
  });
}
