import * as domain from 'node:domain';
import { realpathSync } from 'node:fs';
import * as path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { v2 as webdav } from 'webdav-server';
import { clientKey } from '../auth/login-throttle';
import { D1Error } from '../common/errors';
import { errorBody } from '../common/error-json';
import { cutOffUnreadBody } from '../common/linger';
import { parseDavPath, parseDestination, resolveInsideRoot, type Refusal } from './confine';
import { ConfinedFileSystem } from './confined-file-system';
import { authorize, type DavAuthenticate } from './dav-auth';
import { isValidIfHeader } from './if-header';
import { descriptorPathsAvailable } from './inside-root';

export type DavChangeKind = 'modified' | 'deleted' | 'moved';

export interface DavPluginOptions {
  rootDir: string;
  prefix?: '/dav';
  authenticate: DavAuthenticate;
  /** Largest PUT body, with or without a Content-Length (default 100 MiB). */
  maxPutBytes?: number;
  onRequest?: (method: string) => void;
  /** Called once each request is answered; gets no headers, so credentials cannot leak into logs. */
  onResponse?: (method: string, url: string, status: number) => void;
  onFileChanged?: (absPath: string, kind: DavChangeKind, destAbsPath?: string) => void;
  /** Where unexpected failures inside webdav-server are reported; never receives credentials. */
  onError?: (error: unknown) => void;
}

const DAV_METHODS = ['PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK'];
const ROUTE_METHODS = ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', ...DAV_METHODS];
/** webdav-server buffers every non-PUT body in memory, sized by Content-Length; XML requests are tiny. */
const MAX_BUFFERED_BODY = 1024 * 1024;
const DEFAULT_MAX_PUT = 100 * 1024 * 1024;
/** Served files never run on d1's origin: an uploaded HTML page is a sandboxed document, nothing is sniffed. */
const INERT_HEADERS = { 'Content-Security-Policy': 'sandbox', 'X-Content-Type-Options': 'nosniff' };
const REASONS: Record<number, [string, string]> = {
  400: ['BAD_REQUEST', 'Bad WebDAV request'],
  401: ['UNAUTHORIZED', 'Could not validate credentials'],
  403: ['FORBIDDEN', 'Inadequate permissions'],
  413: ['PAYLOAD_TOO_LARGE', 'Request body is larger than the server accepts'],
  // RFC 4918 §9.9.4: a Destination on another server is a 502.
  502: ['BAD_GATEWAY', 'Destination is on another server'],
};
const CHANGE_KINDS: Record<string, DavChangeKind> = {
  PUT: 'modified',
  DELETE: 'deleted',
  MOVE: 'moved',
  COPY: 'modified',
};

/**
 * webdav-server runs its own authentication and privilege checks; the plugin has already decided who may do
 * what before the request reaches it, so it is told every request comes from one trusted principal.
 */
const TRUSTED_USER: webdav.IUser = {
  uid: 'd1',
  username: 'd1',
  isAdministrator: false,
  isDefaultUser: false,
};
const trustAll: webdav.HTTPAuthentication = {
  askForAuthentication: () => ({}),
  getUser: (_ctx, callback) => callback(undefined as unknown as Error, TRUSTED_USER),
};

function addDavMethods(fastify: FastifyInstance): void {
  for (const method of DAV_METHODS) {
    // Another plugin may have added them already; adding twice only warns, but stay quiet.
    if (!fastify.supportedMethods.includes(method)) fastify.addHttpMethod(method, { hasBody: true });
  }
}

function sendStatus(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  if (res.writableEnded) return;
  if (!res.headersSent) {
    res.writeHead(status, { 'Content-Length': '0', ...headers });
  }
  res.end();
}

/** Answers a refused request with d1's error JSON (a body still on its way is dropped: see handle). */
function refuse(res: ServerResponse, err: D1Error, headers: Record<string, string> = {}): void {
  if (res.writableEnded || res.headersSent) return;
  const body = JSON.stringify(errorBody(err));
  res.writeHead(err.status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}

function refusal(status: number, reason?: string): D1Error {
  const [code, fallback] = REASONS[status] ?? ['FORBIDDEN', 'Refused'];
  return new D1Error(status, code, reason ?? fallback, null);
}

function fromRefusal(r: Refusal): D1Error {
  return refusal(r.status, r.reason);
}

/** Whether `inner` is `outer` or below it. */
function within(outer: string[], inner: string[]): boolean {
  return inner.length >= outer.length && outer.every((s, i) => inner[i] === s);
}

const davPluginImpl: FastifyPluginAsync<DavPluginOptions> = async (fastify, opts) => {
  // `prefix` doubles as Fastify's own register option: when given, Fastify has already prefixed this scope.
  const routeBase = opts.prefix ? '' : '/dav';
  const prefix = fastify.prefix + routeBase;
  const rootReal = realpathSync(opts.rootDir);
  const maxPutBytes = opts.maxPutBytes ?? DEFAULT_MAX_PUT;
  if (!descriptorPathsAvailable())
    throw new Error('WebDAV needs /proc/self/fd to keep files inside the root dir');
  const server = new webdav.WebDAVServer({
    rootFileSystem: new ConfinedFileSystem(rootReal, maxPutBytes),
    httpAuthentication: trustAll,
    requireAuthentification: false,
    respondWithPaths: true,
    serverName: 'd1',
    version: '1',
  });
  const reportError = (error: unknown): void => opts.onError?.(error);

  addDavMethods(fastify);
  fastify.removeAllContentTypeParsers();
  // webdav-server reads the body itself from the raw request, so Fastify must leave the stream untouched.
  fastify.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));

  const toAbsolute = (segments: string[]): string => path.join(rootReal, ...segments);

  /**
   * The checked segments of a COPY/MOVE destination (undefined for other methods or none given), the refusal
   * for an unparsable one, or false for one that resolves outside the root.
   */
  async function checkDestination(req: IncomingMessage, method: string) {
    const header = req.headers.destination;
    if ((method !== 'COPY' && method !== 'MOVE') || typeof header !== 'string') return undefined;
    const dest = parseDestination(header, req.headers.host, prefix);
    if (!dest.ok) return dest;
    if ((await resolveInsideRoot(rootReal, dest.segments)) === null) return false;
    // Hand webdav-server exactly the path that was checked, not its own reading of the header.
    req.headers.destination = prefix + dest.encoded;
    return dest.segments;
  }

  /** Tells the host about a successful write once the response is out. */
  function reportChange(res: ServerResponse, method: string, source: string[], destination?: string[]) {
    const notify = opts.onFileChanged;
    if (!notify) return;
    res.once('finish', () => {
      if (res.statusCode < 200 || res.statusCode >= 300) return;
      if (method === 'COPY' && destination) notify(toAbsolute(destination), 'modified');
      else if (method === 'MOVE' && destination) notify(toAbsolute(source), 'moved', toAbsolute(destination));
      else if (method !== 'COPY' && method !== 'MOVE') notify(toAbsolute(source), CHANGE_KINDS[method]);
    });
  }

  /** Who is asking and may they: a refusal to send, or null to go on. */
  async function authenticate(
    req: IncomingMessage,
    method: string,
  ): Promise<[D1Error, Record<string, string>] | null> {
    const decision = await authorize(
      opts.authenticate,
      req.headers.authorization,
      method,
      clientKey(req.socket.remoteAddress),
    );
    if (decision.ok) return null;
    if (decision.status === 429) {
      return [decision.error, { 'Retry-After': String(decision.error.retryAfterSeconds ?? 60) }];
    }
    const challenge: Record<string, string> =
      decision.status === 401 ? { 'WWW-Authenticate': 'Basic realm="d1", charset="UTF-8"' } : {};
    return [refusal(decision.status), challenge];
  }

  /** Checks of the request itself (size, If header, paths); the refusal, or the target and destination. */
  async function check(req: IncomingMessage, method: string) {
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > (method === 'PUT' ? maxPutBytes : MAX_BUFFERED_BODY)) return refusal(413);
    const ifHeader = req.headers.if;
    if (ifHeader !== undefined && !isValidIfHeader(String(ifHeader)))
      return refusal(400, 'The If header is malformed (RFC 4918 §10.4)');
    const target = parseDavPath(req.url ?? '/', prefix);
    if (!target.ok) return fromRefusal(target);
    if ((await resolveInsideRoot(rootReal, target.segments)) === null) return refusal(403);
    if (target.segments.length === 0 && (method === 'DELETE' || method === 'MOVE'))
      return refusal(403, 'The root collection cannot be deleted or moved');
    const destination = await checkDestination(req, method);
    if (destination === false) return refusal(403);
    if (destination && !Array.isArray(destination)) return fromRefusal(destination);
    if (destination && destination.length === 0)
      return refusal(403, 'The root collection cannot be replaced');
    if (destination && within(target.segments, destination))
      return refusal(403, 'A collection cannot be copied or moved into itself');
    return { target, destination };
  }

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    reply.hijack();
    const req = request.raw;
    const res = reply.raw;
    const method = (req.method ?? 'GET').toUpperCase();
    opts.onRequest?.(method);
    const url = req.url ?? '/';
    res.once('finish', () => opts.onResponse?.(method, url, res.statusCode));
    cutOffUnreadBody(req, res);
    for (const [name, value] of Object.entries(INERT_HEADERS)) res.setHeader(name, value);

    const denied = await authenticate(req, method);
    if (denied) return refuse(res, ...denied);
    const checked = await check(req, method);
    if (checked instanceof D1Error) return refuse(res, checked);
    const { target, destination } = checked;
    if (CHANGE_KINDS[method]) reportChange(res, method, target.segments, destination);

    req.url = target.encoded;
    execute(server, req, res, prefix, reportError);
  }

  fastify.route({ method: ROUTE_METHODS, url: routeBase || '/', handler: handle });
  fastify.route({ method: ROUTE_METHODS, url: `${routeBase}/*`, handler: handle });
};

/**
 * Runs one request inside its own domain: a throw from any of webdav-server's nested callbacks then ends
 * this request with a 500 instead of taking the whole process down with it.
 */
function execute(
  server: webdav.WebDAVServer,
  req: IncomingMessage,
  res: ServerResponse,
  prefix: string,
  reportError: (error: unknown) => void,
): void {
  const guard = domain.create();
  guard.add(req);
  guard.add(res);
  guard.on('error', (error) => {
    reportError(error);
    sendStatus(res, 500);
  });
  guard.run(() => server.executeRequest(req, res, prefix));
}

/** Fastify plugin serving `rootDir` over WebDAV below `prefix` (default `/dav`). */
export const davPlugin = davPluginImpl;
