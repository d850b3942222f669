// What both play clients (PlayClient in arena mode, WorldClient in world mode) do with their
// GameClient: it is made on the play channels with its events forwarded to the client built on
// it, and the client's updates are run by the SDK's timer ('timer') or by the caller ('manual':
// every animation frame; the timer steps in while those calls stop for more than
// MANUAL_STALL_MS, a page in a background tab).

import type { DisconnectReason, SessionTier } from '../net/spec.js';
import { GameClient, type GameClientOptions } from './game-client.js';
import type { ChannelConfig } from '../net/channel.js';

/** Manual driving pauses longer than this hand the updates to the timer. */
const MANUAL_STALL_MS = 100;

/** Where a play client takes its GameClient's events. */
export interface PlayNetEvents {
  connect(tier: SessionTier): void;
  message(channel: number, bytes: Uint8Array): void;
  interrupt(reason: DisconnectReason): void;
  disconnect(reason: DisconnectReason): void;
  /** The SDK's timer ran an update. */
  update(nowMs: number): void;
}

/** Makes a GameClient on the play channels, then the client `build` makes on it, whose `events` get the GameClient's. */
export async function createOnPlayChannels<T>(
  netOptions: Omit<GameClientOptions, 'channels' | 'handlers'>,
  channels: readonly ChannelConfig[],
  build: (net: GameClient) => T,
  events: (client: T) => PlayNetEvents,
): Promise<T> {
  // Nothing arrives before connect(), by which time `to` is set.
  let to: PlayNetEvents | undefined;
  const net = await GameClient.create({
    ...netOptions,
    channels,
    handlers: {
      connect: (tier) => to?.connect(tier),
      message: (channel, bytes) => to?.message(channel, bytes),
      interrupt: (reason) => to?.interrupt(reason),
      disconnect: (reason) => to?.disconnect(reason),
      update: (nowMs) => to?.update(nowMs),
    },
  });
  const client = build(net);
  to = events(client);
  return client;
}

/** Who runs a play client's updates, by its `drive` option. */
export class UpdateDriver {
  private lastManualMs = -Infinity;

  constructor(private readonly options: { drive?: 'timer' | 'manual' }) {}

  /** The caller ran an update at `nowMs`. */
  called(nowMs: number): void {
    if (this.options.drive === 'manual') this.lastManualMs = nowMs;
  }

  /** Whether the SDK's timer runs the update due at `nowMs`. */
  timerRuns(nowMs: number): boolean {
    return this.options.drive !== 'manual' || nowMs - this.lastManualMs > MANUAL_STALL_MS;
  }
}
