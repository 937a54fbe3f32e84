import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import { AuthService, Principal } from '../auth/auth.service';
import { CLOSE_POLICY, handshakeToken } from '../auth/ws-auth';
import { WsClient } from './ws-client';
import { TextFrame } from '../events/ws-frame';

/** The uuid segment of `/notebooks/{uuid}/ws/...`. */
export function notebookUuidOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://localhost').pathname.split('/')[2] ?? '';
}

/**
 * Subscribers grouped by topic (a notebook uuid, or one server-wide topic), with the handshake checks all
 * d1 websockets share: a token with read access (1008 otherwise), closed when the token expires.
 */
export class WsHub {
  private readonly topics = new Map<string, Set<WsClient>>();

  constructor(
    private readonly auth: AuthService,
    readonly maxQueuedBytes: number,
  ) {}

  /** Authenticates a new socket; null (and the socket closed with 1008) when it may not subscribe. */
  admit(socket: WebSocket, req: IncomingMessage, versioned = false): WsClient | null {
    const client = new WsClient(socket, this.maxQueuedBytes, versioned);
    const principal: Principal | null = this.auth.verify(handshakeToken(req));
    if (!principal) {
      client.close(CLOSE_POLICY, 'Could not validate credentials');
      return null;
    }
    if (!this.auth.allows(principal, 'read')) {
      client.close(CLOSE_POLICY, 'Inadequate permissions');
      return null;
    }
    client.permission = principal.permission;
    client.expireAt(principal.exp);
    return client;
  }

  /** Adds a client to a topic until its socket closes. */
  subscribe(topic: string, client: WsClient): void {
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(client);
    client.socket.once('close', () => {
      set.delete(client);
      if (set.size === 0 && this.topics.get(topic) === set) this.topics.delete(topic);
    });
  }

  /** Whether a topic has any client. */
  has(topic: string): boolean {
    return (this.topics.get(topic)?.size ?? 0) > 0;
  }

  /** The clients of a topic. */
  clients(topic: string): Iterable<WsClient> {
    return this.topics.get(topic) ?? [];
  }

  /** How many clients are connected in all. */
  count(): number {
    let n = 0;
    for (const set of this.topics.values()) n += set.size;
    return n;
  }

  /** Sends one serialised message to every client of a topic, framed once for all of them. */
  publish(topic: string, data: Buffer): void {
    const clients = this.topics.get(topic);
    if (!clients || clients.size === 0) return;
    const frame = TextFrame.ofBuffer(data);
    for (const c of clients) c.sendFrame(frame);
  }
}
