// Which packet sequences arrived: one bit per sequence in a ring of REPLAY_WINDOW_PACKETS bits
// (128 bytes), anchored at the newest sequence seen. It is the replay filter (a sequence is
// accepted once, and nothing older than the window is accepted at all) and the source of the
// ack bits each outgoing packet carries (netcode's replay protection + reliable's received
// packet buffer in one structure).

import { ACK_BITS } from './spec.js';

/** 1024 packets: four times the 256 the protocol promises, for bursts of fragments. */
export const REPLAY_WINDOW_PACKETS = 1024;
const WORDS = REPLAY_WINDOW_PACKETS >>> 5;
const MASK = REPLAY_WINDOW_PACKETS - 1;

export class ReplayWindow {
  private readonly bits = new Uint32Array(WORDS);
  /** Newest sequence accepted, -1 before the first. */
  newest = -1;

  /** True if `seq` would be accepted: newer than the window's start and not seen yet. */
  check(seq: number): boolean {
    if (seq > this.newest) return true;
    if (this.newest - seq >= REPLAY_WINDOW_PACKETS) return false;
    const i = seq & MASK;
    return (this.bits[i >>> 5]! & (1 << (i & 31))) === 0;
  }

  /** Marks `seq` received; call only after `check(seq)` returned true. */
  mark(seq: number): void {
    if (seq > this.newest) {
      // Clear the slots the window slides over: they held sequences a full window older.
      const advance = this.newest < 0 ? REPLAY_WINDOW_PACKETS : seq - this.newest;
      if (advance >= REPLAY_WINDOW_PACKETS) this.bits.fill(0);
      else for (let s = this.newest + 1; s <= seq; s++) this.clearBit(s & MASK);
      this.newest = seq;
    }
    const i = seq & MASK;
    this.bits[i >>> 5]! |= 1 << (i & 31);
  }

  has(seq: number): boolean {
    if (seq < 0 || seq > this.newest || this.newest - seq >= REPLAY_WINDOW_PACKETS) return false;
    const i = seq & MASK;
    return (this.bits[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  /** Ack bits for the newest sequence: bit i = (newest - 1 - i) received. */
  ackBits(): number {
    let out = 0;
    for (let i = 0; i < ACK_BITS; i++) if (this.has(this.newest - 1 - i)) out |= 1 << i;
    return out >>> 0;
  }

  reset(): void {
    this.bits.fill(0);
    this.newest = -1;
  }

  private clearBit(i: number): void {
    this.bits[i >>> 5]! &= ~(1 << (i & 31));
  }
}
