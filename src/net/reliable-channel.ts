// Reliable channels (ordered and unordered), after yojimbo's reliable-ordered channel: every
// message gets a 16-bit id (a wide counter locally), stays queued until the packet that carried
// it is acked, and is resent until then: first after one RTO, then each time after twice the
// previous wait (exponential backoff, up to MAX_RESEND_WAIT_MS), so a peer that never acks
// pulls ever less. A critical message's first send ignores the congestion budget; its resends
// wait for it; every block fits the flush's hard ceiling. At most `windowMessages` ids are in flight,
// so the receiver's window of the same size always has room, and at most one fragmented message
// is in flight, so the receiver reassembles one at a time (bounded memory, no deadlock).
//
// Send ring (allocated on first send with 16 slots, doubled as the queue grows, up to
// queueMessages): payload; in `sentAtMs` the last send (-1 never); in `flags` the acked flag and
// the sends so far; fragment state. (Two arrays, not three: a connection's idle cost.) Receive ring
// (windowMessages flags, allocated on first receive) and, for ordered channels, the copies of
// messages that arrived early (allocated the first time one does). An idle or lightly used
// channel costs a few hundred bytes, which is what keeps a connection near 10 KB.

import { MESSAGE_DROP } from './drops.js';
import { FragmentGroup, fragmentCountOf } from './fragment.js';
import type { PacketWriter } from './packet-writer.js';
import type { ResolvedChannel } from './channel.js';
import { reconstructId16 } from './sequence.js';
import { FRAGMENT_BLOCK_HEADER_BYTES, FRAGMENT_BYTES, MESSAGE_BLOCK_HEADER_BYTES } from './spec.js';

export interface ChannelSink {
  deliver(channel: number, bytes: Uint8Array): void;
  acked(channel: number, messageNumber: number): void;
  messageDropped(reason: number): void;
}

/** What a flush hands every channel: the time, the resend timeout, and what non-critical
 * channels may still write (fields, not arguments, so no number is boxed per call). */
export interface Budget {
  bytes: number;
  limited: boolean;
  /** What any block, critical included, may still take this flush (the hard ceiling). */
  ceiling: number;
  nowMs: number;
  rtoMs: number;
}

/** Resend waits double up to 2^MAX_BACKOFF_SHIFT RTOs, and never exceed MAX_RESEND_WAIT_MS. */
export const MAX_BACKOFF_SHIFT = 8;
export const MAX_RESEND_WAIT_MS = 4_000;

/** How long a message sent `sends` times waits for its ack before the next send. */
export function resendWaitMs(rtoMs: number, sends: number): number {
  if (sends <= 1) return rtoMs;
  return Math.min(MAX_RESEND_WAIT_MS, rtoMs * (1 << Math.min(sends - 1, MAX_BACKOFF_SHIFT)));
}

interface FragmentSend {
  readonly count: number;
  readonly sentAtMs: Float64Array;
  readonly sends: Uint8Array;
  readonly acked: Uint8Array;
  remaining: number;
  /** Next fragment to consider in the current flush. */
  scan: number;
}

/** What holding one message costs beyond its bytes (a typed array, its buffer and backing
 * store: about 190 B measured in Node 20): charged with every out-of-order message stored, so a
 * flood of tiny messages counts what it really pins. */
export const STORED_MESSAGE_OVERHEAD_BYTES = 192;

export const WRITE_DONE = 0;
export const WRITE_FULL = 1;

export class ReliableChannel {
  readonly config: ResolvedChannel;
  private readonly sink: ChannelSink;
  // send side
  private sendNext = 0;
  private sendOldest = 0;
  /** Current send ring capacity (a power of two, at most queueMessages). */
  private capacity = 0;
  private scan = 0;
  private fragInFlight = -1;
  private payloads: (Uint8Array | null)[] = [];
  /** Last send of each slot, ms (-1 never). */
  private sentAtMs: Float64Array | undefined;
  /** [2 slot] acked, [2 slot + 1] sends so far (saturating at 255). */
  private flags: Uint8Array | undefined;
  private frags: (FragmentSend | null)[] = [];
  // receive side
  private recvNext = 0;
  private recvHave: Uint8Array | undefined;
  private recvBuffer: (Uint8Array | null)[] = [];
  private assembly: FragmentGroup | null = null;
  /** Bytes of out-of-order messages held for in-order delivery (their buffers' sizes plus
   * STORED_MESSAGE_OVERHEAD_BYTES each). */
  bufferedBytes = 0;
  /** Bytes of the assembly in progress counted against the connection's receive cap: all of it
   * unless it is the next message in order (which must always be able to complete: it is what
   * drains the store), then 0. */
  private assemblyCounted = 0;

  constructor(config: ResolvedChannel, sink: ChannelSink) {
    this.config = config;
    this.sink = sink;
  }

  /** Messages queued and not yet acked. */
  get pending(): number {
    return this.sendNext - this.sendOldest;
  }

  /** Queues a message (kept by reference until acked); its number, or -1 if the queue is full. */
  enqueue(bytes: Uint8Array): number {
    const queued = this.sendNext - this.sendOldest;
    if (queued >= this.config.queueMessages) return -1;
    if (queued >= this.capacity) this.grow();
    const id = this.sendNext++;
    const slot = id & (this.capacity - 1);
    this.payloads[slot] = bytes;
    this.sentAtMs![slot] = -1;
    this.flags![2 * slot] = 0;
    this.flags![2 * slot + 1] = 0;
    const count = fragmentCountOf(bytes.length);
    this.frags[slot] = count === 0 ? null : { count, sentAtMs: new Float64Array(count).fill(-1), sends: new Uint8Array(count), acked: new Uint8Array(count), remaining: count, scan: 0 };
    return id;
  }

  /** Doubles the send ring, re-slotting the queued messages. */
  private grow(): void {
    const cap = Math.min(this.config.queueMessages, Math.max(16, this.capacity * 2));
    const sentAtMs = new Float64Array(cap).fill(-1);
    const flags = new Uint8Array(2 * cap);
    const payloads = new Array<Uint8Array | null>(cap).fill(null);
    const frags = new Array<FragmentSend | null>(cap).fill(null);
    const oldMask = this.capacity - 1;
    for (let id = this.sendOldest; id < this.sendNext; id++) {
      const from = id & oldMask;
      const to = id & (cap - 1);
      sentAtMs[to] = this.sentAtMs![from]!;
      flags[2 * to] = this.flags![2 * from]!;
      flags[2 * to + 1] = this.flags![2 * from + 1]!;
      payloads[to] = this.payloads[from] ?? null;
      frags[to] = this.frags[from] ?? null;
    }
    this.sentAtMs = sentAtMs;
    this.flags = flags;
    this.payloads = payloads;
    this.frags = frags;
    this.capacity = cap;
  }

  beginFlush(): void {
    this.scan = this.sendOldest;
    if (this.fragInFlight >= 0) {
      const f = this.frags[this.fragInFlight & (this.capacity - 1)];
      if (f) f.scan = 0;
    }
  }

  /**
   * Writes due messages into the packet: never sent, or unacked for their resend wait. Returns
   * WRITE_FULL if the packet filled up with more still due (the caller starts another packet).
   */
  write(w: PacketWriter, budget: Budget): number {
    if (this.sendNext === this.sendOldest) return WRITE_DONE;
    const nowMs = budget.nowMs;
    const rtoMs = budget.rtoMs;
    const mask = this.capacity - 1;
    const end = Math.min(this.sendNext, this.sendOldest + this.config.windowMessages);
    const channel = this.config.index;
    const sentAt = this.sentAtMs!;
    const flags = this.flags!;
    while (this.scan < end) {
      const id = this.scan;
      const slot = id & mask;
      if (flags[2 * slot] === 1) {
        this.scan++;
        continue;
      }
      const payload = this.payloads[slot]!;
      const frag = this.frags[slot] ?? null;
      if (frag === null) {
        const last = sentAt[slot]!;
        if (last >= 0 && nowMs - last < resendWaitMs(rtoMs, flags[2 * slot + 1]!)) {
          this.scan++;
          continue;
        }
        const blockBytes = MESSAGE_BLOCK_HEADER_BYTES + payload.length;
        if (budget.ceiling < blockBytes) return WRITE_DONE;
        if (budget.bytes < blockBytes && (budget.limited || last >= 0)) {
          if (budget.limited) return WRITE_DONE;
          this.scan++; // a critical resend waits for the budget; first sends behind it go
          continue;
        }
        if (!w.fits(blockBytes)) return WRITE_FULL;
        w.writeMessage(channel, id & 0xffff, payload, 0, payload.length);
        budget.bytes -= blockBytes;
        budget.ceiling -= blockBytes;
        sentAt[slot] = nowMs;
        if (flags[2 * slot + 1]! < 255) flags[2 * slot + 1]!++;
        this.scan++;
        continue;
      }
      if (this.fragInFlight >= 0 && this.fragInFlight !== id) {
        this.scan++;
        continue;
      }
      this.fragInFlight = id;
      for (; frag.scan < frag.count; frag.scan++) {
        const i = frag.scan;
        if (frag.acked[i] === 1) continue;
        const last = frag.sentAtMs[i]!;
        if (last >= 0 && nowMs - last < resendWaitMs(rtoMs, frag.sends[i]!)) continue;
        const off = i * FRAGMENT_BYTES;
        const length = Math.min(FRAGMENT_BYTES, payload.length - off);
        const blockBytes = FRAGMENT_BLOCK_HEADER_BYTES + length;
        if (budget.ceiling < blockBytes) return WRITE_DONE;
        if (budget.bytes < blockBytes && (budget.limited || last >= 0)) {
          if (budget.limited) return WRITE_DONE;
          continue;
        }
        if (!w.fits(blockBytes)) return WRITE_FULL;
        w.writeFragment(channel, id & 0xffff, frag.count, i, payload, off, length);
        budget.bytes -= blockBytes;
        budget.ceiling -= blockBytes;
        frag.sentAtMs[i] = nowMs;
        if (frag.sends[i]! < 255) frag.sends[i]!++;
      }
      frag.scan = 0;
      this.scan++;
    }
    return WRITE_DONE;
  }

  /** The packet carrying (id16, fragment) was acked. */
  onAck(fragmentIndex: number, id16: number): void {
    if (this.sendNext === this.sendOldest) return;
    const id = reconstructId16(id16, this.sendOldest);
    if (id < this.sendOldest || id >= this.sendNext) return;
    const mask = this.capacity - 1;
    const slot = id & mask;
    const flags = this.flags!;
    if (flags[2 * slot] === 1) return;
    const frag = this.frags[slot];
    if (frag) {
      if (fragmentIndex >= frag.count || frag.acked[fragmentIndex] === 1) return;
      frag.acked[fragmentIndex] = 1;
      if (--frag.remaining > 0) return;
      if (this.fragInFlight === id) this.fragInFlight = -1;
    }
    flags[2 * slot] = 1;
    this.sink.acked(this.config.index, id);
    while (this.sendOldest < this.sendNext && flags[2 * (this.sendOldest & mask)] === 1) {
      const s = this.sendOldest & mask;
      flags[2 * s] = 0;
      flags[2 * s + 1] = 0;
      this.payloads[s] = null;
      this.frags[s] = null;
      this.sentAtMs![s] = -1;
      this.sendOldest++;
    }
  }

  /** Marks everything unacked for immediate resend (the link was replaced). */
  resendAll(): void {
    if (!this.sentAtMs) return;
    this.sentAtMs.fill(-1);
    for (let i = 1; i < this.flags!.length; i += 2) this.flags![i] = 0;
    for (const f of this.frags) {
      if (f) {
        f.sentAtMs.fill(-1);
        f.sends.fill(0);
      }
    }
  }

  /** True if a message this channel has sent is still unacked. */
  get hasUnackedSent(): boolean {
    if (this.sendNext === this.sendOldest) return false;
    return this.flags![2 * (this.sendOldest & (this.capacity - 1)) + 1]! > 0 || this.fragInFlight >= 0;
  }

  /**
   * Checks a received block without changing anything: 0 if acceptable, else the packet drop
   * reason (as a string key understood by the caller).
   */
  validate(id16: number, fragment: boolean, count: number): 'window' | 'malformed' | null {
    const id = reconstructId16(id16, this.recvNext);
    if (id < this.recvNext) return null;
    if (id >= this.recvNext + this.config.windowMessages) return 'window';
    if (this.recvHave && this.recvHave[id & (this.config.windowMessages - 1)] === 1) return null;
    const asm = this.assembly;
    if (fragment) {
      if (asm && asm.id !== id) return 'window';
      if (asm && asm.count !== count) return 'malformed';
    } else if (asm && asm.id === id) return 'malformed';
    return null;
  }

  /**
   * Bytes accepting this (validated) block would add to what the connection holds: an ordered
   * message ahead of the next expected one is stored, and a new assembly of any message but the
   * next expected one is counted whole. 0 for duplicates and what is delivered at once.
   */
  storeCost(id16: number, fragment: boolean, count: number, length: number): number {
    const id = reconstructId16(id16, this.recvNext);
    if (id <= this.recvNext) return 0;
    if (this.recvHave && this.recvHave[id & (this.config.windowMessages - 1)] === 1) return 0;
    if (!fragment) return this.config.ordered ? length + STORED_MESSAGE_OVERHEAD_BYTES : 0;
    return this.assembly === null ? count * FRAGMENT_BYTES : 0;
  }

  /** True if this block is (part of) the next message in order: accepting it drains the store. */
  isNext(id16: number): boolean {
    return reconstructId16(id16, this.recvNext) === this.recvNext;
  }

  /** Receive-side bytes this channel holds against the connection's cap. */
  get heldBytes(): number {
    return this.bufferedBytes + this.assemblyCounted;
  }

  /** Applies a validated message block. `bytes[off, off+length)` is only valid during the call. */
  receiveMessage(id16: number, bytes: Uint8Array, off: number, length: number): void {
    const id = reconstructId16(id16, this.recvNext);
    if (this.isDuplicate(id)) {
      this.sink.messageDropped(MESSAGE_DROP.duplicate);
      return;
    }
    this.accept(id, bytes.subarray(off, off + length), false);
  }

  receiveFragment(id16: number, count: number, index: number, bytes: Uint8Array, off: number, length: number): void {
    const id = reconstructId16(id16, this.recvNext);
    if (this.isDuplicate(id)) {
      this.sink.messageDropped(MESSAGE_DROP.duplicate);
      return;
    }
    let asm = this.assembly;
    // Reliable reassembly never times out (the sender resends), so no start time is kept.
    if (asm === null) {
      asm = this.assembly = new FragmentGroup(this.config.index, id, count, 0);
      this.assemblyCounted = id === this.recvNext ? 0 : asm.byteLength;
    } else if (asm.id !== id || asm.count !== count) return; // a sender breaking the one-at-a-time rule
    if (asm.has(index)) {
      this.sink.messageDropped(MESSAGE_DROP.duplicate);
      return;
    }
    if (!asm.add(index, bytes, off, length)) return;
    this.assembly = null;
    this.assemblyCounted = 0;
    this.accept(id, asm.message(), true);
  }

  private isDuplicate(id: number): boolean {
    if (id < this.recvNext) return true;
    return this.recvHave !== undefined && this.recvHave[id & (this.config.windowMessages - 1)] === 1;
  }

  /** `owned` says `message` is ours to keep (a reassembled buffer) rather than a view. */
  private accept(id: number, message: Uint8Array, owned: boolean): void {
    const window = this.config.windowMessages;
    const mask = window - 1;
    if (this.recvHave === undefined) this.recvHave = new Uint8Array(window);
    const have = this.recvHave;
    const channel = this.config.index;
    if (!this.config.ordered) {
      this.sink.deliver(channel, message);
      have[id & mask] = 1;
      while (have[this.recvNext & mask] === 1) {
        have[this.recvNext & mask] = 0;
        this.recvNext++;
      }
      return;
    }
    if (id !== this.recvNext) {
      if (this.recvBuffer.length === 0) this.recvBuffer = new Array<Uint8Array | null>(window).fill(null);
      have[id & mask] = 1;
      const kept = owned ? message : message.slice();
      this.recvBuffer[id & mask] = kept;
      this.bufferedBytes += kept.buffer.byteLength + STORED_MESSAGE_OVERHEAD_BYTES;
      return;
    }
    this.sink.deliver(channel, message);
    this.recvNext++;
    while (have[this.recvNext & mask] === 1) {
      const s = this.recvNext & mask;
      const buffered = this.recvBuffer[s]!;
      have[s] = 0;
      this.recvBuffer[s] = null;
      this.bufferedBytes -= buffered.buffer.byteLength + STORED_MESSAGE_OVERHEAD_BYTES;
      this.recvNext++;
      this.sink.deliver(channel, buffered);
    }
  }

  /** Drops all state (a resync: the session continues, the channel starts over). */
  reset(): void {
    this.sendNext = 0;
    this.sendOldest = 0;
    this.capacity = 0;
    this.scan = 0;
    this.fragInFlight = -1;
    this.payloads = [];
    this.sentAtMs = undefined;
    this.flags = undefined;
    this.frags = [];
    this.recvNext = 0;
    this.recvHave = undefined;
    this.recvBuffer = [];
    this.assembly = null;
    this.assemblyCounted = 0;
    this.bufferedBytes = 0;
  }

  /** Bytes this channel holds for sending (payloads not yet acked). */
  get queuedBytes(): number {
    let n = 0;
    for (const p of this.payloads) if (p) n += p.length;
    return n;
  }
}
