import { ConsoleLogger, LogLevel as NestLogLevel, Logger } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { inspect } from 'node:util';
import type { LogFormat, LogLevel } from '../config';

const LEVELS: NestLogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Nest's start-up chatter (every module and route) is debug detail, not something an operator needs. */
const QUIET_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'WebSocketsController',
  'NestFactory',
]);

const requests = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `fn` (and everything it starts) as part of the request `requestId`: its log lines carry the id. */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return requests.run({ requestId }, fn);
}

/** The id of the request whose work is running now, if any. */
export function currentRequestId(): string | undefined {
  return requests.getStore()?.requestId;
}

/** A log line with structured fields beside its message (JSON keys, or `key=value` in text). */
export interface LogFields {
  message: string;
  [field: string]: unknown;
}

function isFields(message: unknown): message is LogFields {
  return (
    typeof message === 'object' && message !== null && typeof (message as LogFields).message === 'string'
  );
}

/**
 * d1's logger: Nest's ConsoleLogger as JSON lines (for journald, Docker and collectors: no colour codes) or as
 * text; every line written while a request is handled carries its request id.
 */
export class D1Logger extends ConsoleLogger {
  constructor(level: LogLevel, format: LogFormat) {
    const json = format === 'json';
    super({
      logLevels: LEVELS.slice(0, LEVELS.indexOf(level) + 1),
      json,
      colors: !json && process.stdout.isTTY === true,
    });
  }

  override log(message: unknown, context?: string): void {
    if (context && QUIET_CONTEXTS.has(context)) super.debug(message, context);
    else super.log(message, context);
  }

  protected override getJsonLogObject(
    message: unknown,
    options: Parameters<ConsoleLogger['getJsonLogObject']>[1],
  ): ReturnType<ConsoleLogger['getJsonLogObject']> {
    const fields = isFields(message) ? message : { message };
    const line = { ...super.getJsonLogObject(fields.message, options), ...fields };
    const requestId = currentRequestId();
    return requestId && !('request_id' in line) ? Object.assign(line, { request_id: requestId }) : line;
  }

  protected override stringifyMessage(message: unknown, logLevel: NestLogLevel): string {
    if (!isFields(message)) return super.stringifyMessage(message, logLevel) as string;
    const { message: text, ...fields } = message;
    const pairs = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : inspect(v)}`);
    return super.stringifyMessage(`${text} ${pairs.join(' ')}`.trim(), logLevel) as string;
  }

  protected override formatContext(context: string): string {
    const requestId = currentRequestId();
    return super.formatContext(context) + (requestId ? `[${requestId}] ` : '');
  }
}

/**
 * @jupyterlab/services reports reconnects, restarts and failures with console.debug/warn/error; route those to
 * d1's logger so they come out in its format (a JSON log has no stray text lines).
 */
export function routeConsole(): void {
  const logger = new Logger('Kernels');
  const text = (args: unknown[]): string =>
    args.map((a) => (typeof a === 'string' ? a : inspect(a))).join(' ');
  console.debug = (...args: unknown[]) => logger.debug(text(args));
  console.warn = (...args: unknown[]) => logger.warn(text(args));
  console.error = (...args: unknown[]) => logger.error(text(args));
}
