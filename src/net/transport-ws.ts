// The server side of the WebSocket transport (Node, the `ws` package): browsers cannot send UDP,
// so they send the very same packets as binary WebSocket frames, one packet per frame. Each
// socket is a link. Text frames and oversized frames never reach the protocol (counted, or
// refused by ws with 1009). A socket that has not completed a handshake within
// LINK_HANDSHAKE_TIMEOUT_MS is closed, and at most maxPendingLinks such sockets exist at once,
// at most maxPendingLinksPerIp from one address (closed with 1013 beyond).
//
// ws keeps a reference to the buffer it is given until the frame is written, so every packet
// is copied into a fresh Buffer here (browsers are few per server; the UDP path allocates
// nothing). A socket whose queue passes MAX_BUFFERED_BYTES has packets dropped, as a congested
// UDP path would (the protocol's reliability resends what matters; a send drop 'backpressure');
// one whose queue stays above it for stallTimeoutMs (a reader that stopped reading) is
// terminated, so a slow reader holds at most MAX_BUFFERED_BYTES and only for that long.

import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import { SEND_DROP } from './drops.js';
import type { PacketReceiver, Transport } from './transport.js';
import { normalizeAddress } from './client-address.js';

export const LINK_HANDSHAKE_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_PENDING_LINKS = 1024;
export const DEFAULT_MAX_PENDING_LINKS_PER_IP = 8;
export const MAX_BUFFERED_BYTES = 1 << 20;
/** A link whose queue stays above MAX_BUFFERED_BYTES this long is terminated. */
export const DEFAULT_STALL_TIMEOUT_MS = 5_000;
const SEND_OPTIONS = { binary: true } as const;

interface LinkState {
  readonly host: string;
  /** When the socket opened, while it has no connection yet; -1 once bound. */
  pendingSinceMs: number;
  /** Since when its queue has been over MAX_BUFFERED_BYTES; -1 while it is not. */
  stalledSinceMs: number;
}

export interface WebSocketServerTransportOptions {
  maxPendingLinks?: number;
  maxPendingLinksPerIp?: number;
  stallTimeoutMs?: number;
  /**
   * The client's address for an upgrade request (default: the socket's peer). Behind reverse
   * proxies: the one X-Forwarded-For names (src/net/client-address.ts), so the per-address
   * limits here and in the NetServer count clients, not the proxy.
   */
  clientAddress?: (req: IncomingMessage) => string;
}

export class WebSocketServerTransport implements Transport {
  readonly name = 'websocket' as const;
  private receiver: PacketReceiver | undefined;
  private readonly links = new Map<WebSocket, LinkState>();
  private readonly pendingPerIp = new Map<string, number>();
  private pendingCount = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly maxPendingLinks: number;
  private readonly maxPendingLinksPerIp: number;
  private readonly stallTimeoutMs: number;
  private readonly clientAddress: (req: IncomingMessage) => string;
  rejectedLinks = 0;
  backpressureDrops = 0;
  /** Links terminated because their reader stopped reading. */
  stalledLinks = 0;
  private closed = false;

  constructor(
    private readonly wss: WebSocketServer,
    options: WebSocketServerTransportOptions = {},
  ) {
    this.maxPendingLinks = options.maxPendingLinks ?? DEFAULT_MAX_PENDING_LINKS;
    this.maxPendingLinksPerIp = options.maxPendingLinksPerIp ?? DEFAULT_MAX_PENDING_LINKS_PER_IP;
    this.stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    this.clientAddress = options.clientAddress ?? ((req) => normalizeAddress(req.socket.remoteAddress ?? ''));
    wss.on('connection', (ws: WebSocket, req: IncomingMessage) => this.accept(ws, req));
    this.timer = setInterval(() => this.sweep(Date.now()), Math.min(1000, this.stallTimeoutMs));
    this.timer.unref();
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    const host = this.clientAddress(req);
    if (this.closed || this.pendingCount >= this.maxPendingLinks || (this.pendingPerIp.get(host) ?? 0) >= this.maxPendingLinksPerIp) {
      this.rejectedLinks++;
      ws.close(1013, 'try again later');
      return;
    }
    const port = req.socket.remotePort ?? 0;
    const state: LinkState = { host, pendingSinceMs: Date.now(), stalledSinceMs: -1 };
    this.links.set(ws, state);
    this.pendingCount++;
    this.pendingPerIp.set(host, (this.pendingPerIp.get(host) ?? 0) + 1);
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      if (!isBinary || !Buffer.isBuffer(data)) {
        this.receiver?.transportDrop(this);
        return;
      }
      this.receiver?.receive(this, data, host, port, ws);
    });
    // The close event follows an error; the close handler does the work.
    ws.on('error', () => undefined);
    ws.on('close', () => {
      this.unpend(state);
      this.links.delete(ws);
      this.receiver?.linkClosed(this, ws);
    });
  }

  /** The link is no longer pending (bound, or gone). */
  private unpend(state: LinkState): void {
    if (state.pendingSinceMs < 0) return;
    state.pendingSinceMs = -1;
    this.pendingCount--;
    const n = (this.pendingPerIp.get(state.host) ?? 1) - 1;
    if (n > 0) this.pendingPerIp.set(state.host, n);
    else this.pendingPerIp.delete(state.host);
  }

  /** Closes links still without a connection after the handshake timeout, and stalled ones. */
  private sweep(nowMs: number): void {
    for (const [ws, state] of this.links) {
      if (state.pendingSinceMs >= 0 && nowMs - state.pendingSinceMs > LINK_HANDSHAKE_TIMEOUT_MS) {
        this.unpend(state);
        ws.close(1008, 'handshake timeout');
      } else if (this.stalled(ws, state, nowMs)) {
        this.terminateStalled(ws);
      }
    }
  }

  /** True if the link's queue has stayed over MAX_BUFFERED_BYTES for the stall timeout. */
  private stalled(ws: WebSocket, state: LinkState, nowMs: number): boolean {
    if (ws.bufferedAmount <= MAX_BUFFERED_BYTES) {
      state.stalledSinceMs = -1;
      return false;
    }
    if (state.stalledSinceMs < 0) state.stalledSinceMs = nowMs;
    return nowMs - state.stalledSinceMs >= this.stallTimeoutMs;
  }

  private terminateStalled(ws: WebSocket): void {
    this.stalledLinks++;
    ws.terminate();
  }

  attach(receiver: PacketReceiver): void {
    this.receiver = receiver;
  }

  send(bytes: Uint8Array, _host: string, _port: number, link: object | null): number {
    const ws = link as WebSocket | null;
    if (ws === null || ws.readyState !== ws.OPEN) return SEND_DROP.link_closed;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      const state = this.links.get(ws);
      if (state !== undefined && this.stalled(ws, state, Date.now())) {
        this.terminateStalled(ws);
        return SEND_DROP.link_closed;
      }
      this.backpressureDrops++;
      return SEND_DROP.backpressure;
    }
    ws.send(Buffer.from(bytes), SEND_OPTIONS);
    return -1;
  }

  linkBound(link: object): void {
    const state = this.links.get(link as WebSocket);
    if (state !== undefined) this.unpend(state);
  }

  closeLink(link: object): void {
    const ws = link as WebSocket;
    const state = this.links.get(ws);
    if (state !== undefined) this.unpend(state);
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(1000, 'closed');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const ws of this.links.keys()) ws.close(1001, 'server shutting down');
    this.links.clear();
    this.pendingPerIp.clear();
    this.pendingCount = 0;
  }
}
