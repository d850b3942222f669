// Client side of the demo world stream (src/codec/world-frame.ts) over the network layer: a
// GameClient on the world channels (src/client/world-channels.ts) that decodes HELLO, HASH and
// STATE and keeps simple rates. Runs in the browser (WebSocket) and in Node (WebSocket or UDP).
// Frames that fail to decode are counted and dropped; the connection stays up.

import { decodeWorldFrame, FRAME_HASH, FRAME_HELLO, FRAME_STATE, type HashFrame, type HelloFrame, type StateFrame } from '../codec/world-frame.js';
import { DecodeError } from '../core/errors.js';
import type { SessionTier } from '../net/spec.js';
import { GameClient, type GameClientOptions } from './game-client.js';
import { WORLD_CHANNELS } from './world-channels.js';

export interface WorldStreamHandlers {
  hello?(frame: HelloFrame): void;
  state?(frame: StateFrame): void;
  hash?(frame: HashFrame): void;
  connect?(tier: SessionTier): void;
  /** The link dropped; the client is reconnecting. */
  interrupt?(reason: number): void;
  /** The session ended for good (reason: a DisconnectReason). */
  close?(reason: number): void;
}

export type WorldStreamOptions = Omit<GameClientOptions, 'channels' | 'handlers'>;

/** Amounts per second over a window of about one second. */
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
  /** Wire bytes received (headers, tags and all) per second. */
  readonly bytesIn = new RateMeter();
  readonly framesIn = new RateMeter();
  totalBytes = 0;
  decodeErrors = 0;
  readonly client: GameClient;
  private lastBytesIn = 0;

  private constructor(client: GameClient) {
    this.client = client;
  }

  static async create(options: WorldStreamOptions, handlers: WorldStreamHandlers): Promise<WorldStreamClient> {
    let self: WorldStreamClient | undefined;
    const client = await GameClient.create({
      ...options,
      channels: WORLD_CHANNELS,
      handlers: {
        message: (_channel, bytes) => self?.receive(bytes, handlers),
        connect: (tier) => handlers.connect?.(tier),
        interrupt: (reason) => handlers.interrupt?.(reason),
        disconnect: (reason) => handlers.close?.(reason),
        update: (nowMs) => self?.sample(nowMs),
      },
    });
    self = new WorldStreamClient(client);
    return self;
  }

  connect(): Promise<SessionTier> {
    return this.client.connect();
  }

  close(): void {
    this.client.close();
  }

  private sample(nowMs: number): void {
    const total = this.client.net.connection.bytesIn;
    if (total < this.lastBytesIn) this.lastBytesIn = 0; // a new link counts from zero
    this.bytesIn.add(total - this.lastBytesIn, nowMs);
    this.totalBytes += total - this.lastBytesIn;
    this.lastBytesIn = total;
  }

  private receive(bytes: Uint8Array, handlers: WorldStreamHandlers): void {
    this.framesIn.add(1, typeof performance !== 'undefined' ? performance.now() : Date.now());
    let frame;
    try {
      frame = decodeWorldFrame(bytes);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.decodeErrors++;
      return;
    }
    if (frame.type === FRAME_HELLO) handlers.hello?.(frame);
    else if (frame.type === FRAME_STATE) handlers.state?.(frame);
    else if (frame.type === FRAME_HASH) handlers.hash?.(frame);
  }
}
