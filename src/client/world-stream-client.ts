// Client side of the interim world stream (src/codec/world-frame.ts): connects to the server's
// /ws endpoint, decodes frames and keeps simple rates. Runs in the browser and in Node (pass the
// `ws` package's WebSocket as `WebSocketImpl`). Frames that fail to decode are counted and
// dropped; the connection stays up.

import { decodeWorldFrame, FRAME_HASH, FRAME_HELLO, FRAME_STATE, type HashFrame, type HelloFrame, type StateFrame } from '../codec/world-frame.js';
import { DecodeError } from '../core/errors.js';

export interface WorldStreamHandlers {
  hello?(frame: HelloFrame): void;
  state?(frame: StateFrame): void;
  hash?(frame: HashFrame): void;
  close?(code: number, reason: string): void;
}

interface MinimalWebSocket {
  binaryType: string;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  close(code?: number, reason?: string): void;
}

type WebSocketConstructor = new (url: string) => MinimalWebSocket;

/** Bytes and frames per second over a sliding one-second window. */
export class RateMeter {
  private windowStart = 0;
  private windowCount = 0;
  private rate = 0;

  add(amount: number, nowMs: number): void {
    if (this.windowStart === 0) this.windowStart = nowMs;
    this.windowCount += amount;
    const elapsed = nowMs - this.windowStart;
    if (elapsed >= 1000) {
      this.rate = (this.windowCount * 1000) / elapsed;
      this.windowCount = 0;
      this.windowStart = nowMs;
    }
  }

  get perSecond(): number {
    return this.rate;
  }
}

export class WorldStreamClient {
  readonly bytesIn = new RateMeter();
  readonly framesIn = new RateMeter();
  totalBytes = 0;
  decodeErrors = 0;
  private socket: MinimalWebSocket | undefined;

  constructor(
    private readonly url: string,
    private readonly handlers: WorldStreamHandlers,
    private readonly WebSocketImpl: WebSocketConstructor = (globalThis as unknown as { WebSocket: WebSocketConstructor }).WebSocket,
  ) {}

  connect(): void {
    const socket = new this.WebSocketImpl(this.url);
    socket.binaryType = 'arraybuffer';
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = (event) => this.handlers.close?.(event.code, event.reason);
    socket.onerror = () => undefined; // a close event always follows and carries the outcome
    this.socket = socket;
  }

  close(): void {
    this.socket?.close(1000, 'client closed');
  }

  private receive(data: unknown): void {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined;
    if (!bytes) {
      this.decodeErrors++;
      return;
    }
    const now = typeof performance !== 'undefined' ? performance.now() : Date.now();
    this.totalBytes += bytes.byteLength;
    this.bytesIn.add(bytes.byteLength, now);
    this.framesIn.add(1, now);
    let frame;
    try {
      frame = decodeWorldFrame(bytes);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.decodeErrors++;
      return;
    }
    if (frame.type === FRAME_HELLO) this.handlers.hello?.(frame);
    else if (frame.type === FRAME_STATE) this.handlers.state?.(frame);
    else if (frame.type === FRAME_HASH) this.handlers.hash?.(frame);
  }
}
