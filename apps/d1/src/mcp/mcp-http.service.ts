import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { D1_CONFIG, D1Config } from '../app-config';
import { AuthService } from '../auth/auth.service';
import { D1Error, forbidden, unauthorized } from '../common/errors';
import { errorBody, payloadTooLarge } from '../common/error-json';
import { MCP_MAX_BODY, McpSessions } from './mcp-sessions.service';

/** The path of the MCP endpoint. */
export const MCP_PATH = '/mcp';

/** Writes d1's error JSON; a 401 names the scheme that would work, as every other d1 route does. */
function sendD1Error(res: ServerResponse, err: D1Error): void {
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (err.status === 401) headers['www-authenticate'] = 'Bearer';
  res.writeHead(err.status, headers).end(JSON.stringify(errorBody(err)));
}

/** A refusal in JSON-RPC's shape, as the SDK's transport itself answers protocol mistakes. */
function sendRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  const body = { jsonrpc: '2.0', error: { code, message }, id: null };
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/**
 * `/mcp` on d1's own port: the Model Context Protocol over Streamable HTTP (the SDK's transport), behind
 * d1's bearer tokens. The route lives in an encapsulated Fastify scope that leaves the body unread, so a
 * request is authenticated (and its declared size checked) before a byte of it is read; the SDK then reads
 * it, bounded.
 */
@Injectable()
export class McpHttpService implements OnModuleInit {
  private readonly logger = new Logger('MCP');
  private readonly maxBody: number;

  constructor(
    @Inject(D1_CONFIG) config: D1Config,
    private readonly adapterHost: HttpAdapterHost,
    private readonly auth: AuthService,
    private readonly sessions: McpSessions,
  ) {
    this.maxBody = Math.min(MCP_MAX_BODY, config.maxBodyBytes);
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    void fastify.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
      const handler = (req: FastifyRequest, reply: FastifyReply): void => {
        reply.hijack();
        void this.handle(req.raw, reply.raw);
      };
      scope.route({ method: ['GET', 'POST', 'DELETE'], url: MCP_PATH, handler, exposeHeadRoute: false });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const principal = this.auth.fromBearer(req.headers.authorization);
      if (!principal) return sendD1Error(res, unauthorized());
      if (!this.auth.allows(principal, 'read')) return sendD1Error(res, forbidden());
      if (Number(req.headers['content-length'] ?? 0) > this.maxBody)
        return sendD1Error(res, payloadTooLarge(this.maxBody));
      const id = req.headers['mcp-session-id'];
      if (id === undefined) {
        if (req.method !== 'POST')
          return sendRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
        const session = await this.sessions.open(principal);
        await session.handle(req, res, principal);
        // Anything but a successful initialize leaves a session nobody can reach again.
        if (!session.id) await session.close();
        return;
      }
      const session = typeof id === 'string' ? this.sessions.get(id) : undefined;
      if (!session) return sendRpcError(res, 404, -32001, 'Session not found');
      if (session.canWrite !== principal.permission.write_access) {
        return sendD1Error(
          res,
          forbidden('This MCP session was opened with a token of other permissions; start a new session'),
        );
      }
      await session.handle(req, res, principal);
    } catch (err) {
      this.logger.error(`MCP request failed: ${(err as Error)?.stack ?? String(err)}`);
      if (!res.headersSent)
        sendD1Error(
          res,
          new D1Error(500, 'INTERNAL_ERROR', 'The server failed to handle this request', null),
        );
      else res.end();
    }
  }
}
