import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { BodyTooLarge, bodyRefusal, isBodyTooLarge, limitedBody, retryable } from './http-forward';
import { accessFor } from './proxy-path';

/** A request with just what the helpers read: method, headers, a body stream, and `complete` once it ended. */
function request(method: string, headers: Record<string, string> = {}): IncomingMessage {
  const req = Object.assign(new PassThrough(), { method, headers, complete: false });
  req.on('end', () => (req.complete = true));
  return req as unknown as IncomingMessage;
}

describe('bodyRefusal', () => {
  it.each([
    ['GET', {}, null],
    ['GET', { 'content-length': '0' }, null],
    ['GET', { 'transfer-encoding': 'chunked' }, 400],
    ['HEAD', { 'transfer-encoding': 'chunked' }, 400],
    ['GET', { 'content-length': '3' }, 400],
    ['OPTIONS', { 'content-length': '3' }, 400],
    ['POST', { 'transfer-encoding': 'chunked' }, null],
    ['PUT', { 'content-length': '1024' }, null],
    ['PUT', { 'content-length': '1025' }, 413],
    ['DELETE', { 'content-length': '3' }, null],
  ])('%s with %j: %s', (method, headers, status) => {
    expect(bodyRefusal(request(method, headers), 1024)?.status ?? null).toBe(status);
  });

  it('names the method', () => {
    const refusal = bodyRefusal(request('GET', { 'transfer-encoding': 'chunked' }), 1024);
    expect(refusal?.reason).toBe('A GET request carries no body through the proxy');
  });
});

describe('retryable', () => {
  const failure = (code: string) => Object.assign(new Error('wrapped'), { cause: { code } });
  it.each([
    ['GET', {}, 'ECONNREFUSED', true],
    ['POST', {}, 'ECONNREFUSED', true],
    ['GET', {}, 'UND_ERR_SOCKET', true],
    ['HEAD', {}, 'ECONNRESET', true],
    ['POST', {}, 'ECONNRESET', false],
    ['DELETE', {}, 'UND_ERR_SOCKET', false],
    ['POST', { 'content-length': '5' }, 'ECONNREFUSED', false],
    ['PUT', { 'transfer-encoding': 'chunked' }, 'ECONNREFUSED', false],
    ['GET', {}, 'UND_ERR_HEADERS_TIMEOUT', false],
  ])('%s with %j after %s: %s', (method, headers, code, expected) => {
    expect(retryable(failure(code), request(method, headers))).toBe(expected);
  });
});

describe('limitedBody', () => {
  it('passes a body within the limit through unchanged', async () => {
    const req = request('POST', { 'transfer-encoding': 'chunked' });
    const body = limitedBody(req, 10);
    const read = (async () => {
      const parts: Buffer[] = [];
      for await (const part of body) parts.push(part as Buffer);
      return Buffer.concat(parts).toString();
    })();
    (req as unknown as PassThrough).end('0123456789');
    expect(await read).toBe('0123456789');
  });

  it('fails with BodyTooLarge past the limit, holding nothing back', async () => {
    const req = request('POST', { 'transfer-encoding': 'chunked' });
    const body = limitedBody(req, 10);
    const failed = new Promise<Error>((resolve) => body.on('error', resolve));
    body.resume();
    (req as unknown as PassThrough).write('0123456789');
    (req as unknown as PassThrough).write('x');
    const err = await failed;
    expect(err).toBeInstanceOf(BodyTooLarge);
    expect(isBodyTooLarge(Object.assign(new Error('wrapped'), { cause: err }))).toBe(true);
  });
});

describe('accessFor', () => {
  it.each([
    ['GET', false, 'read'],
    ['HEAD', false, 'read'],
    ['OPTIONS', false, 'read'],
    ['POST', false, 'write'],
    ['DELETE', false, 'write'],
    ['GET', true, 'write'],
    ['OPTIONS', true, 'write'],
  ])('%s (every method writes: %s) needs %s', (method, writeOnly, access) => {
    expect(accessFor(method, writeOnly)).toBe(access);
  });
});
