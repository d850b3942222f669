// InterestReceiver: a client's side of interest management. It builds a SnapshotView from the
// codec parameters the server sends on every (re)join, applies each snapshot (a rejected one is
// counted, never thrown), keeps the AoI geometry for drawing, and meters bytes and records per
// second. PlayClient and WorldClient own one and route channels 2 and 3 to it
// (src/client/play-channels.ts).

import { DecodeError } from '../core/errors.js';
import type { Arena } from '../wasm/arena.js';
import { SnapshotView } from '../codec/snapshot-view.js';
import { decodeCodecParams, MSG_CODEC_PARAMS, MSG_EVENT, MSG_SNAPSHOT } from '../codec/snapshot-spec.js';
import { decodeEvent, type BroadcastEvent } from '../codec/broadcast-event.js';
import { decodeInterestSetup, encodeInterestAck, MAX_ACKS_PER_MESSAGE, MSG_INTEREST_SETUP, type InterestSetup } from '../codec/interest-setup.js';
import { INTEREST_RELIABLE_CHANNEL, INTEREST_SNAPSHOT_CHANNEL } from './play-channels.js';
import { RateMeter } from './rate-meter.js';

export type InterestDropReason = 'decode' | 'before_params' | 'unknown_type' | 'wrong_channel';

export class InterestReceiver {
  /** What the server lets this client see; undefined until the codec parameters arrive. */
  view: SnapshotView | undefined;
  /** The AoI geometry: radius, hysteresis and zone radii. */
  setup: InterestSetup | undefined;
  readonly bytesIn = new RateMeter();
  readonly updates = new RateMeter();
  readonly drops: Record<InterestDropReason, number> = { decode: 0, before_params: 0, unknown_type: 0, wrong_channel: 0 };
  snapshots = 0;
  /** Reliable events received in all. */
  eventsReceived = 0;
  /** The last few reliable events, oldest first (for a page to show). */
  readonly events: BroadcastEvent[] = [];
  private readonly arena: Arena;
  private readonly name: string;
  private views = 0;
  /** Seqs of the snapshots applied since the last takeAcks(). */
  private readonly applied: number[] = [];
  /** Called after each snapshot the view applied (world mode feeds its interpolation here). */
  onApplied: ((view: SnapshotView, nowMs: number) => void) | undefined;

  constructor(arena: Arena, name: string) {
    this.arena = arena;
    this.name = name;
  }

  /** Handles a message of channel 2 or 3; false for any other channel (not ours). */
  receive(channel: number, bytes: Uint8Array, nowMs: number): boolean {
    if (channel !== INTEREST_SNAPSHOT_CHANNEL && channel !== INTEREST_RELIABLE_CHANNEL) return false;
    const type = bytes.byteLength > 0 ? bytes[0] : -1;
    try {
      if (type === MSG_SNAPSHOT) {
        if (channel !== INTEREST_SNAPSHOT_CHANNEL) this.drops.wrong_channel++;
        else if (!this.view) this.drops.before_params++;
        else this.applySnapshot(this.view, bytes, nowMs);
      } else if (type === MSG_CODEC_PARAMS) {
        const params = decodeCodecParams(bytes);
        // A new session's view: whatever the old one held is gone on the server too.
        this.view?.dispose();
        this.view = SnapshotView.create(this.arena, params, `${this.name}-interest-${this.views++}`);
        this.applied.length = 0;
      } else if (type === MSG_INTEREST_SETUP) {
        this.setup = decodeInterestSetup(bytes);
      } else if (type === MSG_EVENT) {
        // The payload is a view into the network layer's receive buffer: keep a copy.
        const event = decodeEvent(bytes);
        this.events.push({ ...event, payload: event.payload.slice() });
        this.eventsReceived++;
        if (this.events.length > 16) this.events.shift();
      } else this.drops.unknown_type++;
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.drops.decode++;
    }
    return true;
  }

  private applySnapshot(view: SnapshotView, bytes: Uint8Array, nowMs: number): void {
    const code = view.tryApply(bytes);
    this.bytesIn.add(bytes.byteLength, nowMs);
    if (code >= 0) {
      this.snapshots++;
      this.updates.add(code, nowMs);
      // Only what the view applied is acknowledged (the server deltas against it).
      if (this.applied.length === MAX_ACKS_PER_MESSAGE) this.applied.shift();
      this.applied.push(view.seq);
      this.onApplied?.(view, nowMs);
    }
    // Rejected (code < 0): counted by the view itself (rejected / stale).
  }

  /** The INTEREST_ACK for the snapshots applied since the last call, or null when there are none. */
  takeAcks(): Uint8Array | null {
    if (this.applied.length === 0) return null;
    const bytes = encodeInterestAck(this.applied);
    this.applied.length = 0;
    return bytes;
  }

  /** Snapshots the view refused as malformed or inconsistent (stale ones are not errors). */
  get rejected(): number {
    return (this.view?.rejected ?? 0) + this.drops.decode;
  }

  dispose(): void {
    this.view?.dispose();
    this.view = undefined;
  }
}
