import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { D1_CONFIG, D1Config } from '../../app-config';
import { AuthService, Principal } from '../../auth/auth.service';
import type { Access } from '../../auth/permission';
import { D1Error, forbidden, notFound, unauthorized } from '../../common/errors';
import { errorBody, payloadTooLarge } from '../../common/error-json';
import { handshakeToken } from '../../auth/ws-auth';
import {
  bodyRefusal,
  forward,
  hasBody,
  isBodyTooLarge,
  limitedBody,
  registerForwarding,
  retryable,
} from './http-forward';
import { ProcessesService, ProxyTarget } from './processes.service';
import {
  clientResponseHeaders,
  ForwardContext,
  prefixedLocation,
  upstreamProtocols,
  upstreamRequestHeaders,
  withoutToken,
} from './proxy-headers';
import { accessFor, httpToken, parseProxyPath, ProxyPath, upstreamPath } from './proxy-path';
import { refuseUpgrade, WsForwarder } from './ws-forward';

/** Pauses between attempts when a just-killed server refuses connections until it is restarted. */
const RETRY_PAUSES_MS = [25, 50, 100, 200, 400, 800, 1600];

/** A resolved proxied request: who sent it, the server, its paths, and the headers context. */
interface Resolved {
  principal: Principal;
  target: ProxyTarget;
  path: ProxyPath;
  ctx: ForwardContext;
}

/**
 * HTTP and websockets at `/proxy/<name>/...`, behind d1's auth. The routes live in Fastify directly (an
 * encapsulated scope whose body parsers leave the stream alone) because Nest routing wants fixed paths and
 * parsed bodies; the guard's and filter's rules (401/403, error JSON) are applied here, before any of the body
 * is read.
 */
@Injectable()
export class ProxyService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Proxy');
  private readonly ws: WsForwarder;

  constructor(
    @Inject(D1_CONFIG) private readonly config: D1Config,
    private readonly adapterHost: HttpAdapterHost,
    private readonly auth: AuthService,
    private readonly processes: ProcessesService,
  ) {
    // A proxied websocket holds at most this much per direction, like d1's own feeds; a larger frame could
    // not be held back, so it is refused (1009).
    const bound = config.wsMaxQueuedBytes;
    this.ws = new WsForwarder({ maxPayload: bound, maxQueuedBytes: bound });
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    void fastify.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
      await registerForwarding(scope);
      const handler = (req: FastifyRequest, reply: FastifyReply): void => this.handleHttp(req, reply);
      scope.route({ method: [...scope.supportedMethods], url: '/proxy/*', handler, exposeHeadRoute: false });
    });
  }

  /** Before the HTTP server closes: it waits for every connection, upgraded ones included. */
  beforeApplicationShutdown(): void {
    this.ws.closeAll();
  }

  private handleHttp(request: FastifyRequest, reply: FastifyReply): void {
    const req = request.raw;
    try {
      const r = this.resolve(req, httpToken(req), (target) => accessFor(req.method, target?.writeOnly));
      if (!r.path.rest) return redirectToSlash(reply, r.path);
      const refusal = bodyRefusal(req, this.config.maxBodyBytes);
      if (refusal) throw refusal;
      if (hasBody(req)) request.body = this.body(req, reply);
      void this.attempt(request, reply, r, 0);
    } catch (err) {
      this.sendError(reply, err);
    }
  }

  /** The body streamed upstream; past --max-body the upstream request is aborted and the client cut off. */
  private body(req: IncomingMessage, reply: FastifyReply): NodeJS.ReadableStream {
    const body = limitedBody(req, this.config.maxBodyBytes);
    // Before a response started, the failed forward answers 413; after, only cutting the connection is left.
    body.on('error', () => {
      if (reply.sent) reply.raw.destroy();
    });
    return body;
  }

  /**
   * Authenticates and finds the server; throws the D1Error to answer with: 401 before anything else, then 403
   * for what the server (if there is one) needs, then 404.
   */
  private resolve(
    req: IncomingMessage,
    token: string | undefined,
    accessOf: (target: ProxyTarget | undefined) => Access,
  ): Resolved {
    const principal = this.auth.verify(token);
    if (!principal) throw unauthorized();
    const path = parseProxyPath(req.url ?? '/');
    const target = path ? this.processes.find(path.name) : undefined;
    if (!this.auth.allows(principal, accessOf(target))) throw forbidden();
    if (!path || !target) throw notFound(`No proxied server named "${path?.name ?? ''}"`);
    const prefix = `/proxy/${path.name}`;
    const ctx = { remoteAddress: req.socket.remoteAddress, prefix, stripped: !target.absoluteUrl };
    return { principal, target, path, ctx };
  }

  /** One forward: start the server if needed, then stream the exchange; failures go to `failed`. */
  private async attempt(request: FastifyRequest, reply: FastifyReply, r: Resolved, n: number): Promise<void> {
    try {
      await this.processes.ensure(r.target);
      const origin = `http://127.0.0.1:${r.target.process.info().port ?? 0}`;
      const rewrite = (location: string): string =>
        r.ctx.stripped ? prefixedLocation(location, r.ctx.prefix, origin) : location;
      forward({
        reply,
        url: origin + upstreamPath(r.path, r.target.absoluteUrl, ''),
        search: withoutToken(r.path.search),
        requestHeaders: {
          ...upstreamRequestHeaders(request.raw.headers, r.ctx),
          ...r.target.upstreamHeaders,
        },
        responseHeaders: (headers) => ({
          ...clientResponseHeaders(headers, rewrite, r.target.dropCookies),
          ...r.target.responseHeaders,
        }),
        onError: (error) => void this.failed(request, reply, r, n, error),
      });
    } catch (err) {
      this.sendError(reply, err);
    }
  }

  /** A server killed a moment ago refuses connections until it is restarted: wait for it, for bodyless requests. */
  private async failed(
    request: FastifyRequest,
    reply: FastifyReply,
    r: Resolved,
    n: number,
    error: Error,
  ): Promise<void> {
    if (isBodyTooLarge(error)) return this.sendError(reply, payloadTooLarge(this.config.maxBodyBytes));
    const pause = RETRY_PAUSES_MS[n];
    if (pause === undefined || !retryable(error, request.raw))
      return this.sendError(reply, badGateway(r, error));
    await new Promise((resolve) => setTimeout(resolve, pause));
    if (!reply.raw.destroyed) await this.attempt(request, reply, r, n + 1);
  }

  private sendError(reply: FastifyReply, err: unknown): void {
    const e =
      err instanceof D1Error ? err : new D1Error(502, 'BAD_GATEWAY', 'The proxied server failed', null);
    if (!(err instanceof D1Error)) this.logger.warn(`proxy failure: ${(err as Error)?.message ?? err}`);
    if (reply.sent) return void reply.raw.destroy();
    // A body nobody read is not read now: the connection closes rather than be drained for a next request.
    if (!reply.request.raw.complete) reply.header('connection', 'close');
    reply
      .code(e.status)
      .header('content-type', 'application/json; charset=utf-8')
      .send(JSON.stringify(errorBody(e)));
  }

  /** A websocket upgrade no gateway serves: taken (true) when it is for /proxy/. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (!parseProxyPath(req.url ?? '/')) return false;
    socket.on('error', () => undefined);
    void this.upgrade(req, socket, head).catch((err) => {
      const e =
        err instanceof D1Error ? err : new D1Error(502, 'BAD_GATEWAY', 'The proxied server failed', null);
      refuseUpgrade(socket, e.status, errorBody(e));
    });
    return true;
  }

  /** Websockets can drive a proxied app (terminals, kernels) both ways, so they need write access. */
  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const r = this.resolve(req, handshakeToken(req), () => 'write');
    await this.processes.ensure(r.target);
    const port = r.target.process.info().port ?? 0;
    const path = upstreamPath(r.path, r.target.absoluteUrl, withoutToken(r.path.search));
    const headers = { ...upstreamRequestHeaders(req.headers, r.ctx, true), ...r.target.upstreamHeaders };
    const protocols = upstreamProtocols(req.headers['sec-websocket-protocol']);
    const url = `ws://127.0.0.1:${port}${path}`;
    this.ws.forward({ req, socket, head, url, headers, protocols, expiresAt: r.principal.exp });
  }
}

function badGateway(r: Resolved, err: Error): D1Error {
  const cause = (err as { cause?: Error }).cause ?? err;
  const detail = r.target.logs(20);
  if ((err as { statusCode?: number }).statusCode === 504) {
    return new D1Error(504, 'GATEWAY_TIMEOUT', `${r.target.name} did not answer in time`, detail);
  }
  return new D1Error(502, 'BAD_GATEWAY', `${r.target.name} did not answer: ${cause.message}`, detail);
}

/** `/proxy/<name>` without the slash: relative links of the server only work under `/proxy/<name>/`. */
function redirectToSlash(reply: FastifyReply, p: ProxyPath): void {
  reply.code(301).header('location', `/proxy/${p.name}/${p.search}`).send();
}
