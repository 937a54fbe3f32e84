import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { AppModule } from './app.module';
import { AuthService } from './auth/auth.service';
import { installRequestAuth } from './auth/request-auth';
import { clientError, frameworkError } from './common/error.filter';
import { DOCS_PATH, buildOpenApiDocument } from './common/openapi';
import { D1Logger, routeConsole } from './common/logger';
import { installRequestLog, requestId } from './common/request-log';
import { indexRoutes } from './common/route-index';
import { D1WsAdapter } from './websockets/d1-ws.adapter';
import type { D1Config } from './config';

/** JSON bodies may be empty (GET-style actions sent as POST); other content types arrive as text. */
function configureParsers(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      const e = err as Error & { statusCode?: number; code?: string };
      e.statusCode = 400;
      e.code = 'FST_ERR_CTP_INVALID_JSON_BODY';
      done(e, undefined);
    }
  });
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, String(body)));
}

/** Builds the d1 application (not yet listening): Fastify, websockets, OpenAPI at /docs. */
export async function createApp(config: D1Config): Promise<NestFastifyApplication> {
  routeConsole();
  const adapter = new FastifyAdapter({
    // Routes that take uploads raise it to --max-body (request-auth.ts); the rest, unknown paths included, keep this.
    bodyLimit: config.maxJsonBodyBytes,
    logger: false,
    routerOptions: { maxParamLength: 1000 },
    frameworkErrors: frameworkError,
    clientErrorHandler: clientError,
    genReqId: requestId,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: new D1Logger(config.logLevel, config.logFormat),
    abortOnError: false,
    bodyParser: false,
  });
  app.useWebSocketAdapter(new D1WsAdapter(app, config.wsMaxMessageBytes));
  const fastify: FastifyInstance = app.getHttpAdapter().getInstance();
  installRequestLog(fastify);
  configureParsers(fastify);
  indexRoutes(fastify);
  installRequestAuth(fastify, app.get(AuthService), {
    uploadBytes: config.maxBodyBytes,
    jsonBytes: config.maxJsonBodyBytes,
  });
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app));
  await app.init();
  return app;
}
