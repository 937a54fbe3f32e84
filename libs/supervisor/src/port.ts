import { createServer } from 'node:net';

/** Asks the OS for a free TCP port on `host` (bind to 0, read it, close). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  // Check-then-use race, as in jupyter-server-proxy: the port could be taken before the child binds it.
  // Callers pick once and keep the port, so the window is only the first start.
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() =>
        port > 0 ? resolve(port) : reject(new Error(`Could not read a free port on ${host}.`)),
      );
    });
  });
}
