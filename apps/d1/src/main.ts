import 'reflect-metadata';
import { ConsoleLogger, LogLevel as NestLogLevel, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { AppModule } from './app.module';
import { AuthService } from './auth/auth.service';
import { installRequestAuth } from './auth/request-auth';
import { clientError, frameworkError } from './common/error.filter';
import { indexRoutes } from './common/route-index';
import { D1WsAdapter } from './events/d1-ws.adapter';
import type { D1Config, LogLevel } from './config';

const LEVELS: NestLogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

function nestLevels(level: LogLevel): NestLogLevel[] {
  return LEVELS.slice(0, LEVELS.indexOf(level) + 1);
}

/** Nest's start-up chatter (every module and route) is debug detail, not something an operator needs. */
const QUIET_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'WebSocketsController',
  'NestFactory',
]);

class D1Logger extends ConsoleLogger {
  override log(message: unknown, context?: string): void {
    if (context && QUIET_CONTEXTS.has(context)) super.debug(message, context);
    else super.log(message, context);
  }
}

/** @jupyterlab/services reports reconnects on the console; route them to d1's logger instead. */
function routeConsole(): void {
  const logger = new Logger('Kernels');
  console.debug = (...args: unknown[]) => logger.debug(args.map(String).join(' '));
}

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
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: new D1Logger({ logLevels: nestLevels(config.logLevel) }),
    abortOnError: false,
    bodyParser: false,
  });
  app.useWebSocketAdapter(new D1WsAdapter(app, config.wsMaxMessageBytes));
  const fastify: FastifyInstance = app.getHttpAdapter().getInstance();
  configureParsers(fastify);
  indexRoutes(fastify);
  installRequestAuth(fastify, app.get(AuthService), {
    uploadBytes: config.maxBodyBytes,
    jsonBytes: config.maxJsonBodyBytes,
  });
  const doc = new DocumentBuilder()
    .setTitle('d1')
    .setDescription('Stateful notebook-model server: notebooks, cells, execution and kernels')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, doc));
  await app.init();
  return app;
}
