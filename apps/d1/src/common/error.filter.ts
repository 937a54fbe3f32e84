import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { D1Error } from './errors';
import { errorBody, toD1Error } from './error-json';

/** Writes every error as d1's error JSON; unexpected errors become a 500 without internals. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    let err = toD1Error(exception);
    if (!err) {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
      err = new D1Error(500, 'INTERNAL_ERROR', 'The server failed to handle this request', null);
    }
    if (reply.sent || reply.raw.headersSent) {
      if (!reply.raw.writableEnded) reply.raw.end();
      return;
    }
    void reply
      .status(err.status)
      .header('content-type', 'application/json; charset=utf-8')
      .send(errorBody(err));
  }
}
