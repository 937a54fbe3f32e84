import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RouteOptions,
  onRequestHookHandler,
} from 'fastify';
import { payloadTooLarge } from '../common/error-json';
import { sendError, unroutedError } from '../common/error.filter';
import { D1Error, forbidden, unauthorized } from '../common/errors';
import { cutOffUnreadBody } from '../common/linger';
import type { D1RouteConfig } from './access.decorator';
import type { AuthedRequest } from './auth.guard';
import type { AuthService } from './auth.service';
import type { Access } from './permission';

/** How large request bodies may be: uploads, and every other route. */
export interface BodyLimits {
  uploadBytes: number;
  jsonBytes: number;
}

/**
 * Makes Fastify refuse a request before it reads a byte of its body: routes marked with @Public/@Read/@Write
 * check the token in `onRequest` (401/403; the guard checks again later, cheaply, from the token cache) and
 * get their own body limit; a request no route matches is answered there too (404/405), so an anonymous
 * client cannot make d1 buffer a body for nothing. Call before any route is registered.
 */
export function installRequestAuth(fastify: FastifyInstance, auth: AuthService, limits: BodyLimits): void {
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const config = (route.config ?? {}) as D1RouteConfig;
    if (!config.d1Access) return;
    const limit = config.d1Body === 'upload' ? limits.uploadBytes : limits.jsonBytes;
    route.bodyLimit = limit;
    const hooks = route.onRequest === undefined ? [] : [route.onRequest].flat();
    const checks = config.d1Access === 'public' ? [] : [checkToken(auth, config.d1Access)];
    route.onRequest = [...hooks, ...checks, checkLength(limit)];
  });
  fastify.addHook('onRequest', (req, reply, done) => {
    if (!req.is404) return done();
    refuse(reply, req, unroutedError(fastify, req));
  });
}

function checkToken(auth: AuthService, access: Access): onRequestHookHandler {
  return (req, reply, done) => {
    const principal = auth.fromBearer(req.headers.authorization);
    if (!principal) return refuse(reply, req, unauthorized());
    if (!auth.allows(principal, access)) return refuse(reply, req, forbidden());
    (req as AuthedRequest).principal = principal;
    done();
  };
}

/**
 * 413 for a Content-Length over the route's limit, before reading any of it. (Fastify's own check would
 * close the connection at once, and the client could lose the answer; see cutOffUnreadBody.)
 */
function checkLength(limit: number): onRequestHookHandler {
  return (req, reply, done) => {
    if (Number(req.headers['content-length'] ?? 0) > limit) return refuse(reply, req, payloadTooLarge(limit));
    done();
  };
}

/** Answers at once; a body still on its way is dropped unread, and cut off if it keeps coming. */
function refuse(reply: FastifyReply, req: FastifyRequest, err: D1Error): void {
  cutOffUnreadBody(req.raw, reply.raw);
  sendError(reply, err);
}
