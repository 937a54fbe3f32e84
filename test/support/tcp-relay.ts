import { createServer, connect, type Server, type Socket } from 'node:net';

/** One connection through the relay: the client's socket and the one to the server. */
interface Pair {
  client: Socket;
  upstream: Socket;
  /** A kernel websocket (its request was for `…/channels`). */
  channel: boolean;
  dropToServer: boolean;
  dropToClient: boolean;
}

/**
 * A TCP relay between d1 and a Jupyter Server that a test can break on purpose: swallow the bytes of the
 * kernel websockets in one direction (as a network that loses them would), then cut those connections with a
 * reset. Everything else (REST calls) passes untouched.
 */
export class TcpRelay {
  private readonly server: Server;
  private readonly pairs = new Set<Pair>();
  /** Bytes of kernel websockets swallowed so far. */
  dropped = 0;
  port = 0;

  private constructor(private readonly targetPort: number) {
    this.server = createServer((client) => this.relay(client));
  }

  /** Listens on a free loopback port and relays every connection to `targetPort`. */
  static async start(targetPort: number): Promise<TcpRelay> {
    const relay = new TcpRelay(targetPort);
    await new Promise<void>((resolve) => relay.server.listen(0, '127.0.0.1', resolve));
    relay.port = (relay.server.address() as { port: number }).port;
    return relay;
  }

  /** Kernel websocket connections open now. */
  get channels(): number {
    return [...this.pairs].filter((p) => p.channel).length;
  }

  /** From now on, bytes of the open kernel websockets going this way are swallowed. */
  swallow(direction: 'to-server' | 'to-client'): void {
    for (const p of this.pairs) {
      if (!p.channel) continue;
      if (direction === 'to-server') p.dropToServer = true;
      else p.dropToClient = true;
    }
  }

  /** Resets both sides of every open kernel websocket connection. */
  cut(): void {
    for (const p of [...this.pairs]) {
      if (!p.channel) continue;
      this.pairs.delete(p);
      p.client.resetAndDestroy();
      p.upstream.resetAndDestroy();
    }
  }

  async close(): Promise<void> {
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket): void {
    const upstream = connect(this.targetPort, '127.0.0.1');
    const pair: Pair = { client, upstream, channel: false, dropToServer: false, dropToClient: false };
    this.pairs.add(pair);
    let first = true;
    client.on('data', (data: Buffer) => {
      if (first) pair.channel = /^GET [^ ]*\/channels\?/.test(data.toString('latin1', 0, 2048));
      first = false;
      if (pair.dropToServer) this.dropped += data.length;
      else upstream.write(data);
    });
    upstream.on('data', (data: Buffer) => {
      if (pair.dropToClient) this.dropped += data.length;
      else client.write(data);
    });
    const end = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
  }
}
