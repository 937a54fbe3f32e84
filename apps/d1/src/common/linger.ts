import type { IncomingMessage, ServerResponse } from 'node:http';

/** How long a refused request may keep sending its body (read and dropped) before its connection is cut. */
const LINGER_MS = 1000;

/**
 * After answering a request before reading its body (401, 403, 413): Node reads the rest of the body and
 * drops it, so memory stays flat, but a client could keep sending for as long as it likes. Once the answer
 * is out, it gets a moment to finish; then the connection is closed. Closing at once instead would make
 * the kernel reset the connection over unread bytes, and the client could lose the answer itself.
 */
export function cutOffUnreadBody(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete) return;
  res.once('finish', () => {
    if (req.complete) return;
    setTimeout(() => {
      if (!req.complete) req.socket.destroy();
    }, LINGER_MS).unref();
  });
}
