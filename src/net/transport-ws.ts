// The server side of the WebSocket transport (Node, the `ws` package): browsers cannot send UDP,
// so they send the very same packets as binary WebSocket frames, one packet per frame. Each
// socket is a link. Text frames and oversized frames never reach the protocol (counted, or
// refused by ws with 1009). A socket that has not completed a handshake within
// LINK_HANDSHAKE_TIMEOUT_MS is closed, and at most maxPendingLinks such sockets exist at once.
//
// ws keeps a reference to the buffer it is given until the frame is written, so every packet
// is copied into a fresh Buffer here (browsers are few per server; the UDP path allocates
// nothing). A socket whose queue passes MAX_BUFFERED_BYTES has packets dropped, as a congested
// UDP path would (the protocol's reliability resends what matters); past MAX_STALLED_BYTES it
// is terminated.

import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import { SEND_DROP } from './drops.js';
import type { PacketReceiver, Transport } from './transport.js';

export const LINK_HANDSHAKE_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_PENDING_LINKS = 1024;
export const MAX_BUFFERED_BYTES = 1 << 20;
export const MAX_STALLED_BYTES = 16 << 20;
const SEND_OPTIONS = { binary: true } as const;

export class WebSocketServerTransport implements Transport {
  readonly name = 'websocket' as const;
  private receiver: PacketReceiver | undefined;
  private readonly pending = new Map<WebSocket, number>();
  private readonly links = new Set<WebSocket>();
  private readonly timer: NodeJS.Timeout;
  private readonly maxPendingLinks: number;
  rejectedLinks = 0;
  backpressureDrops = 0;
  private closed = false;

  constructor(
    private readonly wss: WebSocketServer,
    options: { maxPendingLinks?: number } = {},
  ) {
    this.maxPendingLinks = options.maxPendingLinks ?? DEFAULT_MAX_PENDING_LINKS;
    wss.on('connection', (ws: WebSocket, req: IncomingMessage) => this.accept(ws, req));
    this.timer = setInterval(() => this.expirePending(Date.now()), 1000);
    this.timer.unref();
  }

  private accept(ws: WebSocket, req: IncomingMessage): void {
    if (this.closed || this.pending.size >= this.maxPendingLinks) {
      this.rejectedLinks++;
      ws.close(1013, 'try again later');
      return;
    }
    const host = req.socket.remoteAddress ?? '';
    const port = req.socket.remotePort ?? 0;
    this.links.add(ws);
    this.pending.set(ws, Date.now());
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
      this.links.delete(ws);
      this.pending.delete(ws);
      this.receiver?.linkClosed(this, ws);
    });
  }

  private expirePending(nowMs: number): void {
    for (const [ws, openedAt] of this.pending) {
      if (nowMs - openedAt > LINK_HANDSHAKE_TIMEOUT_MS) {
        this.pending.delete(ws);
        ws.close(1008, 'handshake timeout');
      }
    }
  }

  attach(receiver: PacketReceiver): void {
    this.receiver = receiver;
  }

  send(bytes: Uint8Array, _host: string, _port: number, link: object | null): number {
    const ws = link as WebSocket | null;
    if (ws === null || ws.readyState !== ws.OPEN) return SEND_DROP.link_closed;
    if (ws.bufferedAmount > MAX_STALLED_BYTES) {
      ws.terminate();
      return SEND_DROP.link_closed;
    }
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.backpressureDrops++;
      return SEND_DROP.backpressure;
    }
    ws.send(Buffer.from(bytes), SEND_OPTIONS);
    return -1;
  }

  linkBound(link: object): void {
    this.pending.delete(link as WebSocket);
  }

  closeLink(link: object): void {
    const ws = link as WebSocket;
    this.pending.delete(ws);
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(1000, 'closed');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const ws of this.links) ws.close(1001, 'server shutting down');
    this.links.clear();
    this.pending.clear();
  }
}
