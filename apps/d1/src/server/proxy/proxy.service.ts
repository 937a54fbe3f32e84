import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { D1_CONFIG, D1Config } from '../../app-config';
import { AuthService, Principal } from '../../auth/auth.service';
import type { Access } from '../../auth/permission';
import { D1Error, forbidden, notFound, unauthorized } from '../../common/errors';
import { errorBody } from '../../common/error-json';
import { handshakeToken } from '../../events/ws-auth';
import { UpgradeRouter } from '../../events/upgrade-router';
import { forward, UpstreamError } from './http-forward';
import { ProcessesService, ProxyTarget } from './processes.service';
import { upstreamProtocols, upstreamRequestHeaders, withoutToken } from './proxy-headers';
import { accessFor, httpToken, parseProxyPath, ProxyPath, upstreamPath } from './proxy-path';
import { refuseUpgrade, WsForwarder } from './ws-forward';

/** Verified tokens kept for reuse; a page of a proxied app is dozens of requests with the same token. */
const TOKEN_CACHE_SIZE = 1000;

/** Pauses between attempts when a just-killed server refuses connections until it is restarted. */
const RETRY_PAUSES_MS = [25, 50, 100, 200, 400, 800, 1600];

/** A resolved proxied request: the server, its paths, and the headers context. */
interface Resolved {
  target: ProxyTarget;
  path: ProxyPath;
  ctx: { remoteAddress: string | undefined; prefix: string; stripped: boolean };
}

/**
 * HTTP and websockets at `/proxy/<name>/...`, behind d1's auth. The routes live in Fastify directly (an
 * encapsulated scope whose body parsers leave the stream alone) because Nest routing wants fixed paths and
 * parsed bodies; the guard's and filter's rules (401/403, error JSON) are applied here.
 */
@Injectable()
export class ProxyService implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Proxy');
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private readonly ws = new WsForwarder();
  private readonly verified = new Map<string, Principal>();

  constructor(
    @Inject(D1_CONFIG) private readonly config: D1Config,
    private readonly adapterHost: HttpAdapterHost,
    private readonly auth: AuthService,
    private readonly processes: ProcessesService,
    private readonly upgrades: UpgradeRouter,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    void fastify.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
      const handler = (req: FastifyRequest, reply: FastifyReply): void => {
        reply.hijack();
        void this.handleHttp(req.raw, reply.raw);
      };
      scope.route({ method: [...scope.supportedMethods], url: '/proxy/*', handler, exposeHeadRoute: false });
    });
    this.upgrades.add((req, socket, head) => this.handleUpgrade(req, socket, head));
  }

  /** Before the HTTP server closes: it waits for every connection, upgraded ones included. */
  beforeApplicationShutdown(): void {
    this.ws.closeAll();
  }

  onApplicationShutdown(): void {
    this.agent.destroy();
  }

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const resolved = this.resolve(req, httpToken(req), accessFor(req.method));
      if (!resolved.path.rest) return redirectToSlash(res, resolved.path);
      const length = Number(req.headers['content-length'] ?? 0);
      if (length > this.config.maxBodyBytes) {
        throw new D1Error(413, 'PAYLOAD_TOO_LARGE', 'Request body is larger than the server accepts');
      }
      await this.forwardWithRetry(req, res, resolved);
    } catch (err) {
      this.sendError(res, err);
    }
  }

  /** Authenticates and finds the server; throws the D1Error to answer with. */
  private resolve(req: IncomingMessage, token: string | undefined, access: Access): Resolved {
    const path = parseProxyPath(req.url ?? '/');
    const principal = this.principal(token);
    if (!principal) throw unauthorized();
    if (!this.auth.allows(principal, access)) throw forbidden();
    const target = path && this.processes.find(path.name);
    if (!path || !target) throw notFound(`No proxied server named "${path?.name ?? ''}"`);
    const prefix = `/proxy/${path.name}`;
    return {
      target,
      path,
      ctx: { remoteAddress: req.socket.remoteAddress, prefix, stripped: !target.absoluteUrl },
    };
  }

  /** AuthService.verify, remembered until the token expires: HS256 verification costs ~0.7 ms a request. */
  private principal(token: string | undefined): Principal | null {
    if (!token) return null;
    const known = this.verified.get(token);
    if (known && known.exp * 1000 > Date.now()) return known;
    this.verified.delete(token);
    const principal = this.auth.verify(token);
    if (!principal) return null;
    if (this.verified.size >= TOKEN_CACHE_SIZE) this.verified.clear();
    this.verified.set(token, principal);
    return principal;
  }

  /** A server killed a moment ago refuses connections until restarted: wait for it, for bodyless requests. */
  private async forwardWithRetry(req: IncomingMessage, res: ServerResponse, r: Resolved): Promise<void> {
    const path = upstreamPath(r.path, r.target.absoluteUrl, withoutToken(r.path.search));
    for (let attempt = 0; ; attempt++) {
      await this.processes.ensure(r.target);
      const port = r.target.process.info().port ?? 0;
      try {
        const extraHeaders = r.target.upstreamHeaders;
        return await forward({ req, res, port, path, ctx: r.ctx, extraHeaders, agent: this.agent });
      } catch (err) {
        const pause = RETRY_PAUSES_MS[attempt];
        if (!(err instanceof UpstreamError) || !err.retryable || pause === undefined)
          throw this.badGateway(r, err);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  private badGateway(r: Resolved, err: unknown): D1Error {
    if (err instanceof D1Error) return err;
    const message = err instanceof Error ? err.message : String(err);
    const detail = r.target.process.logs(20);
    return new D1Error(502, 'BAD_GATEWAY', `${r.target.name} did not answer: ${message}`, detail);
  }

  private sendError(res: ServerResponse, err: unknown): void {
    const e =
      err instanceof D1Error ? err : new D1Error(502, 'BAD_GATEWAY', 'The proxied server failed', null);
    if (!(err instanceof D1Error)) this.logger.warn(`proxy failure: ${(err as Error)?.message ?? err}`);
    if (res.headersSent) return void res.destroy();
    const body = JSON.stringify(errorBody(e));
    res.writeHead(e.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
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
    const r = this.resolve(req, handshakeToken(req), 'write');
    await this.processes.ensure(r.target);
    const port = r.target.process.info().port ?? 0;
    const path = upstreamPath(r.path, r.target.absoluteUrl, withoutToken(r.path.search));
    const headers = { ...upstreamRequestHeaders(req.headers, r.ctx, true), ...r.target.upstreamHeaders };
    const protocols = upstreamProtocols(req.headers['sec-websocket-protocol']);
    this.ws.forward({ req, socket, head, url: `ws://127.0.0.1:${port}${path}`, headers, protocols });
  }
}

/** `/proxy/<name>` without the slash: relative links of the server only work under `/proxy/<name>/`. */
function redirectToSlash(res: ServerResponse, p: ProxyPath): void {
  res.writeHead(301, { location: `/proxy/${p.name}/${p.search}`, 'content-length': 0 });
  res.end();
}
