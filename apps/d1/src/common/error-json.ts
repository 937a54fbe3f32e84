import { HttpException } from '@nestjs/common';
import { CellNotFoundError, NotebookFormatError } from '@d1/notebook';
import { RelayError } from '@d1/kernel-relay';
import { D1Error, badRequest, kernelUnavailable, notFound } from './errors';

/** The error JSON of every d1 response. */
export interface ErrorBody {
  error: string;
  reason: string;
  detail: unknown;
}

const STATUS_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'VALIDATION_ERROR',
  429: 'TOO_MANY_REQUESTS',
  431: 'HEADERS_TOO_LARGE',
  503: 'SERVICE_UNAVAILABLE',
};

/** Translates any thrown value into a D1Error: the one place foreign errors meet the client. */
export function toD1Error(err: unknown): D1Error | null {
  if (err instanceof D1Error) return err;
  if (err instanceof CellNotFoundError) {
    const uuid = /uuid: (.*)$/.exec(err.message)?.[1] ?? '';
    return new D1Error(404, 'CELL_NOT_FOUND', err.message || `Cell not found with uuid: ${uuid}`, null);
  }
  if (err instanceof NotebookFormatError) return badRequest(`Failed to parse notebook: ${err.message}`);
  if (err instanceof RelayError) return fromRelay(err);
  if (err instanceof HttpException) return fromHttpException(err);
  const fastify = err as { statusCode?: number; code?: string; message?: string };
  if (typeof fastify?.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return fromFastify(fastify.statusCode, fastify.code, fastify.message ?? '');
  }
  return null;
}

function fromRelay(err: RelayError): D1Error {
  switch (err.kind) {
    case 'not_found':
      return notFound('Kernel not found');
    case 'bad_request':
      return badRequest(err.message);
    default:
      return kernelUnavailable(`Kernels are unavailable: ${err.message}`);
  }
}

function fromHttpException(err: HttpException): D1Error {
  const status = err.getStatus();
  // Nest's Fastify adapter hands Fastify's own errors (body limit, media type) over as HttpExceptions.
  if (status === 413) return payloadTooLarge();
  const res = err.getResponse();
  const message = typeof res === 'string' ? res : ((res as { message?: unknown }).message ?? err.message);
  const reason = Array.isArray(message) ? message.join('; ') : String(message);
  return new D1Error(status, STATUS_CODES[status] ?? `HTTP_${status}`, reason);
}

function fromFastify(status: number, code: string | undefined, message: string): D1Error {
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return payloadTooLarge();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new D1Error(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported Content-Type');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new D1Error(400, 'INVALID_JSON', `Body is not valid JSON: ${message}`);
    default:
      if (err400Json(message)) return new D1Error(400, 'INVALID_JSON', `Body is not valid JSON: ${message}`);
      return new D1Error(status, STATUS_CODES[status] ?? `HTTP_${status}`, message || 'Bad request');
  }
}

function err400Json(message: string): boolean {
  return /JSON|Unexpected token|Unexpected end/.test(message);
}

/** 413; the filter adds the configured limit to the sentence. */
export function payloadTooLarge(limitBytes?: number): D1Error {
  const limit = limitBytes === undefined ? '' : ` (${limitBytes} bytes)`;
  return new D1Error(413, 'PAYLOAD_TOO_LARGE', `Request body is larger than the server accepts${limit}`);
}

/** The body for a D1Error. */
export function errorBody(err: D1Error): ErrorBody {
  return { error: err.code, reason: err.reason, detail: err.detail ?? null };
}
