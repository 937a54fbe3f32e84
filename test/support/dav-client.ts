import * as http from 'node:http';

export interface DavResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface DavRequestOptions {
  auth?: [string, string];
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/**
 * Sends one request with the path exactly as given: WHATWG URL (fetch) would normalise `..` and `%2e%2e`
 * away before the server could see them, which is what the traversal tests must exercise.
 */
export function davRequest(
  port: number,
  method: string,
  rawPath: string,
  options: DavRequestOptions = {},
): Promise<DavResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth) {
    headers.authorization =
      'Basic ' + Buffer.from(`${options.auth[0]}:${options.auth[1]}`).toString('base64');
  }
  if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: rawPath, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${rawPath} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}
