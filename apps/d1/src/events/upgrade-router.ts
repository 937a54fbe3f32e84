import { Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** Handles a websocket upgrade that no gateway claimed; returns true when it took the socket. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;

/** Upgrade handlers outside the gateways (the proxy), consulted after the gateway paths. */
@Injectable()
export class UpgradeRouter {
  private readonly handlers: UpgradeHandler[] = [];

  /** Adds a handler for upgrades on paths no gateway serves. */
  add(handler: UpgradeHandler): void {
    this.handlers.push(handler);
  }

  /** Offers an upgrade to each handler in turn. */
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    return this.handlers.some((h) => h(req, socket, head));
  }
}
