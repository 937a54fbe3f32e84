import net from 'node:net';

/** One HTTP/1.1 response read off a raw socket. */
export interface RawResponse {
  status: number;
  /** Header names lowercased, repeated headers kept in order. */
  headers: Array<[string, string]>;
  body: string;
}

/** What came back for bytes written on one connection: the responses, and whether the server closed it. */
export interface RawExchange {
  responses: RawResponse[];
  closed: boolean;
}

/**
 * Writes `bytes` on a fresh connection to 127.0.0.1:port exactly as given (pipelined requests, broken
 * framing) and reads responses until `count` arrived or the server closed the connection. `methods` names the
 * request methods in order, so the responses to HEAD are read without a body.
 */
export function rawExchange(
  port: number,
  bytes: string | Buffer,
  opts: { count: number; methods?: string[]; timeoutMs?: number },
): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    const responses: RawResponse[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer after ${opts.timeoutMs ?? 10_000} ms; got ${JSON.stringify(responses)}`));
    }, opts.timeoutMs ?? 10_000);
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ responses, closed });
    };
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const head = opts.methods?.[responses.length] === 'HEAD';
        const parsed = parseResponse(buffer, head);
        if (!parsed) break;
        responses.push(parsed.response);
        buffer = buffer.subarray(parsed.used);
        if (responses.length >= opts.count) return finish(false);
      }
    });
    // A reset after the answer (the server closed while the client was still sending) counts as closed.
    socket.on('error', () => finish(true));
    socket.on('end', () => finish(true));
    socket.write(bytes);
  });
}

/** Parses one complete response at the start of `buf` (Content-Length or chunked body), or null if partial. */
function parseResponse(buf: Buffer, head: boolean): { response: RawResponse; used: number } | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1]);
  const headers = lines.slice(1).map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
  });
  const get = (name: string): string | undefined => headers.find(([k]) => k === name)?.[1];
  let at = end + 4;
  if (head || status === 204 || status === 304 || status < 200) {
    return { response: { status, headers, body: '' }, used: at };
  }
  if (get('transfer-encoding')?.toLowerCase() === 'chunked') {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', at);
      if (lineEnd < 0) return null;
      const size = parseInt(buf.subarray(at, lineEnd).toString('latin1'), 16);
      if (buf.length < lineEnd + 2 + size + 2) return null;
      parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
      if (size === 0) break;
    }
    return { response: { status, headers, body: Buffer.concat(parts).toString('utf8') }, used: at };
  }
  const length = Number(get('content-length') ?? 0);
  if (buf.length < at + length) return null;
  const body = buf.subarray(at, at + length).toString('utf8');
  return { response: { status, headers, body }, used: at + length };
}

/** A request as raw bytes: request line, headers, blank line, body (already framed by the caller). */
export function rawRequest(method: string, path: string, headers: Record<string, string>, body = ''): string {
  const lines = [
    `${method} ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** `text` as one chunk of a chunked body, followed by the last chunk. */
export function chunked(text: string): string {
  return `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n0\r\n\r\n`;
}
