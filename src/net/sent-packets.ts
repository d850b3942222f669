// What each sent packet carried, for acks, loss and RTT: a sequence buffer of the last
// SENT_WINDOW_PACKETS packets (reliable.io's sent packet buffer) plus a ring of message entries
// (which channel / message / fragment rode in which packet). One ArrayBuffer, about 7 KB.
//
// | per packet slot (seq % 256) | type | meaning                                           |
// | seqLow                      | u32  | low 32 bits of the sequence in this slot          |
// | sentAtMs                    | f64  | when it left                                      |
// | bytes                       | u16  | wire size                                         |
// | state                       | u8   | 0 empty, 1 in flight, 2 acked, 3 lost             |
// | entryStart                  | u32  | first entry (absolute count mod 2^32)             |
// | entryCount                  | u8   | entries it carried                                |
// | entry (ring of 512)         | u32  | channel bits 0-2, fragment index 3-10, id 11-26   |
//
// A packet is lost when the peer has acked a sequence more than ACK_BITS newer (it can no
// longer be acked) or when it has waited longer than the loss timeout; an ack that still
// arrives for it later turns it back into an acked packet (the loss was spurious). A packet whose entries
// were overwritten in the entry ring before it was acked just reports no entries: the reliable
// channels resend on their own timers, so nothing is lost but an early ack.

import type { NetClock } from './clock.js';
import { ACK_BITS } from './spec.js';

/** Packets remembered: more than a 200 ms round trip at 1,000 packets a second needs. */
export const SENT_WINDOW_PACKETS = 256;
export const ENTRY_RING_SIZE = 512;
/** Tracked blocks per packet; a packet with this many closes early. */
export const MAX_ENTRIES_PER_PACKET = 64;

const SLOT_MASK = SENT_WINDOW_PACKETS - 1;
const ENTRY_MASK = ENTRY_RING_SIZE - 1;
export const STATE_EMPTY = 0;
export const STATE_IN_FLIGHT = 1;
export const STATE_ACKED = 2;
export const STATE_LOST = 3;

export function packEntry(channel: number, fragmentIndex: number, id16: number): number {
  return (channel | (fragmentIndex << 3) | ((id16 & 0xffff) << 11)) >>> 0;
}

export class SentPackets {
  private readonly seqLow: Uint32Array;
  private readonly sentAtMs: Float64Array;
  private readonly bytes: Uint16Array;
  private readonly state: Uint8Array;
  private readonly entryStart: Uint32Array;
  private readonly entryCount: Uint8Array;
  private readonly entries: Uint32Array;
  /** Entries written so far, mod 2^32. */
  private entriesWritten = 0;
  /** Oldest sequence whose fate (acked or lost) is not settled yet. */
  private lossCursor = 0;
  /** Next sequence `begin` will record. */
  private nextSeq = 0;
  ackedTotal = 0;
  lostTotal = 0;
  /** Send time of the packet the last successful `ack` acknowledged. */
  ackedSentAtMs = 0;
  /** How long a packet may wait for its ack before it counts as lost (set by the connection). */
  lossTimeoutMs = 1000;
  private readonly clock: NetClock;

  constructor(clock: NetClock) {
    this.clock = clock;
    const n = SENT_WINDOW_PACKETS;
    // f64 first keeps every view aligned.
    const buffer = new ArrayBuffer(n * 8 + n * 4 * 2 + ENTRY_RING_SIZE * 4 + n * 2 + n * 2);
    let off = 0;
    this.sentAtMs = new Float64Array(buffer, off, n);
    off += n * 8;
    this.seqLow = new Uint32Array(buffer, off, n);
    off += n * 4;
    this.entryStart = new Uint32Array(buffer, off, n);
    off += n * 4;
    this.entries = new Uint32Array(buffer, off, ENTRY_RING_SIZE);
    off += ENTRY_RING_SIZE * 4;
    this.bytes = new Uint16Array(buffer, off, n);
    off += n * 2;
    this.state = new Uint8Array(buffer, off, n);
    off += n;
    this.entryCount = new Uint8Array(buffer, off, n);
  }

  /** Starts recording packet `seq` (sequences must be consecutive from 0). */
  begin(seq: number, onLost: (seq: number) => void): void {
    const slot = seq & SLOT_MASK;
    // The slot's previous packet is a full window old: settle it before reuse.
    while (this.lossCursor <= seq - SENT_WINDOW_PACKETS) this.settleOldest(onLost);
    this.seqLow[slot] = seq >>> 0;
    this.sentAtMs[slot] = this.clock.nowMs;
    this.bytes[slot] = 0;
    this.state[slot] = STATE_IN_FLIGHT;
    this.entryStart[slot] = this.entriesWritten;
    this.entryCount[slot] = 0;
    this.nextSeq = seq + 1;
  }

  addEntry(seq: number, entry: number): void {
    const slot = seq & SLOT_MASK;
    this.entries[this.entriesWritten & ENTRY_MASK] = entry;
    this.entriesWritten = (this.entriesWritten + 1) >>> 0;
    this.entryCount[slot]!++;
  }

  /** Forgets packet `seq` begun but not sent (it wrote nothing): the sequence is reused. */
  cancel(seq: number): void {
    const slot = seq & SLOT_MASK;
    this.state[slot] = STATE_EMPTY;
    this.entriesWritten = (this.entriesWritten - this.entryCount[slot]!) >>> 0;
    this.entryCount[slot] = 0;
    this.nextSeq = seq;
  }

  finish(seq: number, wireBytes: number): void {
    this.bytes[seq & SLOT_MASK] = wireBytes;
  }

  /**
   * Marks `seq` acked if it is in the window and not acked yet; true if so, with its send time
   * in `ackedSentAtMs`. `visit` receives each entry the packet carried (unless the entry ring
   * overwrote them).
   */
  ack(seq: number, visit: (entry: number) => void): boolean {
    if (seq < 0 || seq >= this.nextSeq || this.nextSeq - seq > SENT_WINDOW_PACKETS) return false;
    const slot = seq & SLOT_MASK;
    const st = this.state[slot];
    if (this.seqLow[slot] !== seq >>> 0 || (st !== STATE_IN_FLIGHT && st !== STATE_LOST)) return false;
    // An ack for a packet already declared lost: the loss was spurious (the ack was late).
    if (st === STATE_LOST) this.lostTotal--;
    this.state[slot] = STATE_ACKED;
    this.ackedTotal++;
    const count = this.entryCount[slot]!;
    const start = this.entryStart[slot]!;
    if (((this.entriesWritten - start) >>> 0) <= ENTRY_RING_SIZE) {
      for (let i = 0; i < count; i++) visit(this.entries[(start + i) & ENTRY_MASK]!);
    }
    this.ackedSentAtMs = this.sentAtMs[slot]!;
    return true;
  }

  /**
   * Settles packets that can no longer be acked: older than ACK_BITS behind the newest acked
   * sequence, or in flight longer than `lossTimeoutMs`. Calls `onLost` for each lost one.
   */
  detectLosses(newestAcked: number, onLost: (seq: number) => void): void {
    const nowMs = this.clock.nowMs;
    const lossTimeoutMs = this.lossTimeoutMs;
    while (this.lossCursor < this.nextSeq) {
      const slot = this.lossCursor & SLOT_MASK;
      const st = this.state[slot]!;
      if (st === STATE_IN_FLIGHT) {
        const beyondAcks = newestAcked - this.lossCursor > ACK_BITS;
        const timedOut = nowMs - this.sentAtMs[slot]! > lossTimeoutMs;
        if (!beyondAcks && !timedOut) break;
        this.state[slot] = STATE_LOST;
        this.lostTotal++;
        onLost(this.lossCursor);
      }
      this.lossCursor++;
    }
  }

  /** Packets sent but neither acked nor declared lost. */
  get inFlight(): number {
    let n = 0;
    for (let s = this.lossCursor; s < this.nextSeq; s++) if (this.state[s & SLOT_MASK] === STATE_IN_FLIGHT) n++;
    return n;
  }

  reset(): void {
    this.state.fill(STATE_EMPTY);
    this.entryCount.fill(0);
    this.lossCursor = 0;
    this.nextSeq = 0;
  }

  private settleOldest(onLost: (seq: number) => void): void {
    const slot = this.lossCursor & SLOT_MASK;
    if (this.state[slot] === STATE_IN_FLIGHT) {
      this.state[slot] = STATE_LOST;
      this.lostTotal++;
      onLost(this.lossCursor);
    }
    this.lossCursor++;
  }
}
