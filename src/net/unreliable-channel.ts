// Unreliable channels, plain and sequenced. Messages queued between flushes are written into
// the next flush's packets or dropped (counted) if the congestion budget has no room for them:
// an unreliable message is worth sending now or never. Each message gets a number (u16 on the
// wire) so the peer's ack of the packet(s) that carried it can be reported as `acked` (what
// interest management needs for delta baselines), and so a sequenced receiver can drop stale
// ones. Fragmented unreliable messages reassemble in the connection's Reassembler.
//
// The send queue holds references or offsets into the endpoint's staging buffer, in parallel
// arrays reused flush after flush (no allocation once they have grown to the largest flush).

import { MESSAGE_DROP } from './drops.js';
import { fragmentCountOf, type Reassembler } from './fragment.js';
import type { PacketWriter } from './packet-writer.js';
import type { ResolvedChannel } from './channel.js';
import type { Budget, ChannelSink } from './reliable-channel.js';
import { WRITE_DONE, WRITE_FULL } from './reliable-channel.js';
import { reconstructId16 } from './sequence.js';
import { DATA_OVERHEAD_BYTES, FRAGMENT_BLOCK_HEADER_BYTES, FRAGMENT_BYTES, MESSAGE_BLOCK_HEADER_BYTES } from './spec.js';
import type { Staging } from './staging.js';

/** Messages whose acks are tracked per channel; an older message's ack goes unreported. */
export const ACK_TRACK_MESSAGES = 64;

/** Wire bytes a message of `length` costs, counting its share of packet overhead. */
export function unreliableWireBytes(length: number): number {
  const count = fragmentCountOf(length);
  if (count === 0) return MESSAGE_BLOCK_HEADER_BYTES + length;
  return length + count * (FRAGMENT_BLOCK_HEADER_BYTES + DATA_OVERHEAD_BYTES);
}

export class UnreliableChannel {
  readonly config: ResolvedChannel;
  private readonly sink: ChannelSink;
  private readonly staging: Staging;
  // send queue (parallel arrays; `queued` entries from 0, `head` is the next to write)
  private readonly qRef: (Uint8Array | null)[] = [];
  private readonly qOff: number[] = [];
  private readonly qLen: number[] = [];
  private readonly qNum: number[] = [];
  private readonly qFrag: number[] = [];
  private queued = 0;
  private head = 0;
  queuedBytes = 0;
  private nextNumber = 0;
  private trackNum: Float64Array | undefined;
  private trackRemaining: Uint16Array | undefined;
  // receive side
  private newestSeen = -1;
  private lastDelivered = -1;

  constructor(config: ResolvedChannel, sink: ChannelSink, staging: Staging) {
    this.config = config;
    this.sink = sink;
    this.staging = staging;
  }

  get hasQueued(): boolean {
    return this.head < this.queued;
  }

  /** Queues a message for the next flush: by reference (`ref`) or at a staging offset. */
  enqueue(ref: Uint8Array | null, stagingOff: number, length: number): number {
    const i = this.queued++;
    const num = this.nextNumber++;
    if (i < this.qRef.length) {
      this.qRef[i] = ref;
      this.qOff[i] = stagingOff;
      this.qLen[i] = length;
      this.qNum[i] = num;
      this.qFrag[i] = 0;
    } else {
      this.qRef.push(ref);
      this.qOff.push(stagingOff);
      this.qLen.push(length);
      this.qNum.push(num);
      this.qFrag.push(0);
    }
    this.queuedBytes += length;
    return num;
  }

  /** Writes queued messages; WRITE_FULL if the packet filled with more to come. */
  write(w: PacketWriter, budget: Budget, allowed: boolean): number {
    const channel = this.config.index;
    while (this.head < this.queued) {
      const i = this.head;
      const length = this.qLen[i]!;
      const num = this.qNum[i]!;
      const ref = this.qRef[i];
      const src = ref ?? this.staging.bytes;
      const base = ref ? 0 : this.qOff[i]!;
      let frag = this.qFrag[i]!;
      const count = fragmentCountOf(length);
      if (frag === 0) {
        // All or nothing: a message starts only if the whole of it fits the budget.
        if (!allowed) {
          this.sink.messageDropped(MESSAGE_DROP.suspended);
          this.head++;
          continue;
        }
        const cost = unreliableWireBytes(length);
        // Critical messages ignore the congestion budget but not the hard ceiling.
        if ((budget.limited && budget.bytes < cost) || budget.ceiling < cost) {
          this.sink.messageDropped(MESSAGE_DROP.over_budget);
          this.head++;
          continue;
        }
        if (count === 0) {
          if (!w.fits(MESSAGE_BLOCK_HEADER_BYTES + length)) return WRITE_FULL;
          w.writeMessage(channel, num & 0xffff, src, base, length);
          budget.bytes -= cost;
          budget.ceiling -= cost;
          this.track(num, 1);
          this.head++;
          continue;
        }
        budget.bytes -= cost;
        budget.ceiling -= cost;
        this.track(num, count);
      } else if (frag < 0) frag = 0;
      for (; frag < count; frag++) {
        const off = frag * FRAGMENT_BYTES;
        const fragLength = Math.min(FRAGMENT_BYTES, length - off);
        if (!w.fits(FRAGMENT_BLOCK_HEADER_BYTES + fragLength)) {
          this.qFrag[i] = frag === 0 ? -1 : frag; // -1: started, budget already taken
          return WRITE_FULL;
        }
        w.writeFragment(channel, num & 0xffff, count, frag, src, base + off, fragLength);
      }
      this.head++;
    }
    return WRITE_DONE;
  }

  /** Ends a flush: whatever was not written is dropped. */
  endFlush(): void {
    for (let i = this.head; i < this.queued; i++) this.sink.messageDropped(MESSAGE_DROP.over_budget);
    for (let i = 0; i < this.queued; i++) this.qRef[i] = null;
    this.queued = 0;
    this.head = 0;
    this.queuedBytes = 0;
  }

  /** Drops everything queued (the connection is not connected). */
  discardQueued(reason: number): void {
    for (let i = this.head; i < this.queued; i++) this.sink.messageDropped(reason);
    this.head = this.queued;
    this.endFlush();
  }

  private track(num: number, fragments: number): void {
    if (this.trackNum === undefined) {
      this.trackNum = new Float64Array(ACK_TRACK_MESSAGES).fill(-1);
      this.trackRemaining = new Uint16Array(ACK_TRACK_MESSAGES);
    }
    const slot = num & (ACK_TRACK_MESSAGES - 1);
    this.trackNum[slot] = num;
    this.trackRemaining![slot] = fragments;
  }

  onAck(id16: number): void {
    if (this.trackNum === undefined || this.nextNumber === 0) return;
    const num = reconstructId16(id16, this.nextNumber - 1);
    const slot = num & (ACK_TRACK_MESSAGES - 1);
    if (this.trackNum[slot] !== num) return;
    const remaining = this.trackRemaining!;
    if (remaining[slot] === 0) return;
    if (--remaining[slot]! === 0) this.sink.acked(this.config.index, num);
  }

  /** False if a fragment contradicts a group already in progress (a malformed packet). */
  fragmentConsistent(id16: number, count: number, reassembler: Reassembler): boolean {
    const group = reassembler.find(this.config.index, reconstructId16(id16, this.newestSeen + 1));
    return group === undefined || group.count === count;
  }

  receiveMessage(id16: number, bytes: Uint8Array, off: number, length: number, reassembler: Reassembler): void {
    const id = reconstructId16(id16, this.newestSeen + 1);
    if (id > this.newestSeen) this.newestSeen = id;
    if (this.config.sequenced) {
      if (id <= this.lastDelivered) {
        this.sink.messageDropped(MESSAGE_DROP.stale);
        return;
      }
      this.lastDelivered = id;
      reassembler.dropOlder(this.config.index, id);
    }
    this.sink.deliver(this.config.index, bytes.subarray(off, off + length));
  }

  receiveFragment(id16: number, count: number, index: number, bytes: Uint8Array, off: number, length: number, reassembler: Reassembler): void {
    const id = reconstructId16(id16, this.newestSeen + 1);
    if (id > this.newestSeen) this.newestSeen = id;
    const channel = this.config.index;
    if (this.config.sequenced && id <= this.lastDelivered) {
      this.sink.messageDropped(MESSAGE_DROP.stale);
      return;
    }
    let group = reassembler.find(channel, id);
    if (group === undefined) {
      if (this.config.sequenced) {
        // A newer message makes older incomplete ones stale: free them first.
        const dropped = reassembler.dropOlder(channel, id);
        for (let i = 0; i < dropped; i++) this.sink.messageDropped(MESSAGE_DROP.stale);
      }
      group = reassembler.start(channel, id, count);
      if (group === undefined) {
        this.sink.messageDropped(MESSAGE_DROP.reassembly_full);
        return;
      }
    } else if (group.count !== count) return; // inconsistent counts: the validator let it pass only if equal
    if (group.has(index)) {
      this.sink.messageDropped(MESSAGE_DROP.duplicate);
      return;
    }
    if (!group.add(index, bytes, off, length)) return;
    reassembler.remove(group);
    if (this.config.sequenced) {
      if (id <= this.lastDelivered) {
        this.sink.messageDropped(MESSAGE_DROP.stale);
        return;
      }
      this.lastDelivered = id;
    }
    this.sink.deliver(channel, group.message());
  }

  reset(): void {
    this.endFlush();
    this.nextNumber = 0;
    this.trackNum = undefined;
    this.trackRemaining = undefined;
    this.newestSeen = -1;
    this.lastDelivered = -1;
  }
}
