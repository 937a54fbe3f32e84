import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How long, and how much more, a refused request may send (read and dropped) before its connection is cut. */
const LINGER_MS = 1000;
const LINGER_BYTES = 1024 * 1024;
const POLL_MS = 10;

/**
 * For a request answered before all of its body was read (401, 403, 413, or a WebDAV PUT stopped at the
 * limit): once the answer is out, the rest of the body is read and dropped, so memory stays flat, and a
 * client that keeps sending past a moment or a megabyte is cut off. Closing at once instead would make the
 * kernel reset the connection over unread bytes, and the client could lose the answer itself. Node drops
 * such a body without a 'data' event, so the bytes are counted on the socket.
 */
export function cutOffUnreadBody(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete) return;
  res.once('finish', () => {
    if (req.complete) return;
    cutOffAfterLinger(req.socket, () => req.complete);
    // A body that was piped somewhere and then unpiped (an aborted write) is paused; Node would wait.
    req.resume();
  });
}

/**
 * Destroys `socket` once it has read more than a megabyte more, or after a second, unless `done` turns
 * true first: for a peer whose remaining input is being dropped after d1 gave its answer.
 */
export function cutOffAfterLinger(socket: Socket, done: () => boolean = () => false): void {
  const start = socket.bytesRead;
  const deadline = Date.now() + LINGER_MS;
  const timer = setInterval(() => {
    if (done()) return clearInterval(timer);
    if (socket.bytesRead - start > LINGER_BYTES || Date.now() > deadline) {
      clearInterval(timer);
      socket.destroy();
    }
  }, POLL_MS);
  timer.unref();
  socket.once('close', () => clearInterval(timer));
}
