// The client side of the WebSocket transport: the browser's WebSocket (or the `ws` package's,
// which has the same interface, in Node). One socket is one link to the server; the packets
// are the same bytes UDP carries, one per binary frame.

import type { PacketReceiver, Transport } from './transport.js';

/** The part of the WebSocket interface used here (browser and `ws` both provide it). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

const OPEN = 1;

export class WebSocketClientTransport implements Transport {
  readonly name = 'websocket' as const;
  private receiver: PacketReceiver | undefined;
  closeCode = 0;
  closeReason = '';
  private closed = false;

  private constructor(
    private readonly socket: WebSocketLike,
    /** The `ws` package keeps the buffer it is given; the browser copies at once. */
    private readonly copyOnSend: boolean,
  ) {
    socket.onmessage = (event) => {
      const data = event.data;
      if (data instanceof ArrayBuffer) this.receiver?.receive(this, new Uint8Array(data), '', 0, null);
      else if (ArrayBuffer.isView(data)) this.receiver?.receive(this, new Uint8Array(data.buffer, data.byteOffset, data.byteLength), '', 0, null);
      else this.receiver?.transportDrop(this);
    };
    socket.onclose = (event) => {
      this.closeCode = event.code;
      this.closeReason = event.reason;
      this.closed = true;
      this.receiver?.linkClosed(this, this);
    };
  }

  /** Opens `url` and resolves once the socket is open (rejects if it closes first). */
  static connect(url: string, WebSocketImpl?: WebSocketConstructor): Promise<WebSocketClientTransport> {
    const native = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    const Impl = WebSocketImpl ?? native;
    if (!Impl) return Promise.reject(new Error('no WebSocket implementation: pass the ws package\'s WebSocket'));
    return new Promise((resolve, reject) => {
      const socket = new Impl(url);
      socket.binaryType = 'arraybuffer';
      // The error event carries no detail; the close event that follows does.
      socket.onerror = () => undefined;
      socket.onopen = () => resolve(new WebSocketClientTransport(socket, Impl !== native));
      socket.onclose = (event) => reject(new Error(`WebSocket ${url} closed before opening (${event.code}${event.reason ? ' ' + event.reason : ''})`));
    });
  }

  attach(receiver: PacketReceiver): void {
    this.receiver = receiver;
  }

  send(bytes: Uint8Array): void {
    if (this.closed || this.socket.readyState !== OPEN) return;
    this.socket.send(this.copyOnSend ? bytes.slice() : bytes);
  }

  closeLink(): void {
    void this.close();
  }

  linkBound(): void {}

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(1000, 'client closed');
  }
}
