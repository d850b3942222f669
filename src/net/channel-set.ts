// The channels of one connection: the application's (0..6) and the protocol's control channel
// (7), their reassembly memory, and the payload's blocks both ways. The Connection owns the
// packet layer (sequence, acks, keys, congestion) and hands this set each packet's payload:
//   receive: validate every block without side effects, then apply them in order
//   send:    each flush, channels write into the packet in priority order (control first)
// The Connection is the set's ChannelSink: deliveries, acks and message drops go through it.
//
// Receive memory is bounded per connection: out-of-order reliable messages, reliable assemblies
// of anything but each channel's next message in order, and unreliable fragment groups share
// one cap (`receiveCapBytes`). A packet whose reliable blocks would pass it is refused before
// anything of it is applied or acked (receive_buffer_full: the honest sender resends it once
// the store has drained); an unreliable fragment past it is dropped (reassembly_full). What
// drains the store must always get through: a packet carrying some channel's next message in
// order may pass the cap by DRAIN_ALLOWANCE_BYTES (one packet's worth), and each channel's next
// in-order message may always be reassembled; its size is bounded by the channel's receiving
// limit, so the most a connection's receive side can hold is `receiveBound`: the cap, the
// allowance, and one such message per reliable channel.

import { InvalidArgumentError } from '../core/errors.js';
import { CONTROL_CHANNEL_CONFIG, resolveChannel, type ResolvedChannel } from './channel.js';
import type { CongestionController } from './congestion.js';
import { MESSAGE_DROP, PACKET_DROP } from './drops.js';
import { fragmentCountOf, fragmentHeaderValid, Reassembler } from './fragment.js';
import type { NetClock } from './clock.js';
import type { PacketWriter } from './packet-writer.js';
import { ReliableChannel, WRITE_FULL, type Budget, type ChannelSink } from './reliable-channel.js';
import {
  BLOCK_CHANNEL_MASK,
  BLOCK_DISCONNECT,
  BLOCK_FRAGMENT,
  BLOCK_KIND_SHIFT,
  BLOCK_MESSAGE,
  BLOCK_RESERVED_MASK,
  CONTROL_CHANNEL,
  DATA_HEADER_BYTES,
  FRAGMENT_BLOCK_HEADER_BYTES,
  FRAGMENT_BYTES,
  MAX_MESSAGE_BYTES,
  MESSAGE_BLOCK_HEADER_BYTES,
  SessionTier,
} from './spec.js';
import type { Staging } from './staging.js';
import { UnreliableChannel } from './unreliable-channel.js';
import { readU16 } from './wire.js';

/** Unreliable bytes one connection may queue between flushes. */
export const MAX_UNRELIABLE_QUEUED_BYTES = 512 << 10;
/** A server connection's receive cap by default (NetServerOptions.maxReceiveBufferBytes). */
export const DEFAULT_RECEIVE_BUFFER_BYTES = 64 << 10;
/** A client trusts its server: its cap only stops a runaway. */
export const CLIENT_RECEIVE_BUFFER_BYTES = 16 << 20;

/** What one packet can add to the store: a payload's bytes plus the per-message overhead of
 * the most blocks a packet carries (MAX_ENTRIES_PER_PACKET). */
export const DRAIN_ALLOWANCE_BYTES = 16 << 10;

/** Which end of the connection this set is: it decides which direction's limits apply. */
export type Side = 'server' | 'client';

interface Limits {
  /** Per channel index (0..7): the largest message this end may send / accept. */
  send: number[];
  receive: number[];
  /** Bytes beyond the cap the next in-order message of each reliable channel may take. */
  inOrder: number;
}

/** Limits depend on the channel list and the side only: computed once per endpoint. */
const limitsCache = new WeakMap<readonly ResolvedChannel[], Partial<Record<Side, Limits>>>();

function limitsFor(channels: readonly ResolvedChannel[], control: ResolvedChannel, side: Side): Limits {
  let bySide = limitsCache.get(channels);
  if (bySide === undefined) limitsCache.set(channels, (bySide = {}));
  const cached = bySide[side];
  if (cached !== undefined) return cached;
  const limits: Limits = { send: [], receive: [], inOrder: 0 };
  for (const c of [...channels, control]) {
    limits.send[c.index] = side === 'server' ? c.maxServerMessageBytes : c.maxClientMessageBytes;
    limits.receive[c.index] = side === 'server' ? c.maxClientMessageBytes : c.maxServerMessageBytes;
    if (c.reliable) limits.inOrder += fragmentCountOf(limits.receive[c.index]!) * FRAGMENT_BYTES;
  }
  bySide[side] = limits;
  return limits;
}

export class ChannelSet {
  readonly channels: readonly ResolvedChannel[];
  readonly reliable: (ReliableChannel | undefined)[] = [];
  readonly unreliable: (UnreliableChannel | undefined)[] = [];
  readonly reassembler: Reassembler;
  /** Control first, then application channels by priority class, then by index. */
  private readonly order: number[];
  private readonly sink: ChannelSink;
  private readonly staging: Staging;
  /** Per channel index (0..7): the largest message this end may send / accept. */
  readonly sendLimit: readonly number[];
  readonly receiveLimit: readonly number[];
  readonly receiveCapBytes: number;
  readonly side: Side;
  /** The most the receive side can hold: the cap plus each reliable channel's next message. */
  readonly receiveBound: number;
  /** Called with each acked entry of a packet (channel, fragment index, id16). */
  readonly onEntryAcked = (entry: number) => {
    const channel = entry & BLOCK_CHANNEL_MASK;
    const id16 = entry >>> 11;
    const rel = this.reliable[channel];
    if (rel) rel.onAck((entry >>> 3) & 0xff, id16);
    else this.unreliable[channel]?.onAck(id16);
  };

  constructor(channels: readonly ResolvedChannel[], sink: ChannelSink, clock: NetClock, staging: Staging, side: Side = 'client', receiveCapBytes = side === 'server' ? DEFAULT_RECEIVE_BUFFER_BYTES : CLIENT_RECEIVE_BUFFER_BYTES) {
    this.channels = channels;
    this.sink = sink;
    this.staging = staging;
    this.receiveCapBytes = receiveCapBytes;
    this.side = side;
    this.reassembler = new Reassembler(clock, receiveCapBytes, this);
    for (const c of channels) {
      if (c.reliable) this.reliable[c.index] = new ReliableChannel(c, sink);
      else this.unreliable[c.index] = new UnreliableChannel(c, sink, staging);
    }
    this.reliable[CONTROL_CHANNEL] = new ReliableChannel(resolveChannel(CONTROL_CHANNEL_CONFIG, CONTROL_CHANNEL), sink);
    const app = channels.map((c) => c.index).sort((a, b) => channels[a]!.priority - channels[b]!.priority || a - b);
    this.order = [CONTROL_CHANNEL, ...app];
    const limits = limitsFor(channels, this.reliable[CONTROL_CHANNEL]!.config, side);
    this.sendLimit = limits.send;
    this.receiveLimit = limits.receive;
    this.receiveBound = receiveCapBytes + DRAIN_ALLOWANCE_BYTES + limits.inOrder;
  }

  /** Receive bytes the reliable channels hold (for the Reassembler, which shares the cap). */
  heldElsewhere(): number {
    let n = 0;
    for (let i = 0; i < this.reliable.length; i++) n += this.reliable[i]?.heldBytes ?? 0;
    return n;
  }

  /** Receive-side bytes held against the cap: out-of-order messages, counted assemblies,
   * unreliable fragment groups. */
  heldBytes(): number {
    return this.heldElsewhere() + this.reassembler.bytes;
  }

  get control(): ReliableChannel {
    return this.reliable[CONTROL_CHANNEL]!;
  }

  /** Messages queued on reliable channels and not yet acked. */
  get reliableQueued(): number {
    let n = 0;
    for (const r of this.reliable) if (r) n += r.pending;
    return n;
  }

  config(channel: number): ResolvedChannel {
    const config = this.channels[channel];
    if (config === undefined) throw new InvalidArgumentError(`channel ${channel} does not exist (this connection has ${this.channels.length})`);
    return config;
  }

  /** Queues an unreliable message, lent (`borrowed`) or copied into the staging buffer; -1 if
   * it would pass the queue cap (counted). */
  queueUnreliable(channel: number, bytes: Uint8Array, borrowed: boolean): number {
    const unr = this.unreliable[channel]!;
    if (unr.queuedBytes + bytes.length > MAX_UNRELIABLE_QUEUED_BYTES) {
      this.sink.messageDropped(MESSAGE_DROP.over_budget);
      return -1;
    }
    return borrowed ? unr.enqueue(bytes, 0, bytes.length) : unr.enqueue(null, this.staging.stage(bytes), bytes.length);
  }

  /** Queues a message already in the staging buffer (a broadcast); -1 over the queue cap. */
  queueStaged(channel: number, stagingOff: number, length: number): number {
    const unr = this.unreliable[channel];
    if (!unr) throw new InvalidArgumentError(`channel ${channel} is not an unreliable channel`);
    if (unr.queuedBytes + length > MAX_UNRELIABLE_QUEUED_BYTES) {
      this.sink.messageDropped(MESSAGE_DROP.over_budget);
      return -1;
    }
    return unr.enqueue(null, stagingOff, length);
  }

  /** Applies a reconnect tier to the application channels. */
  applyTier(tier: SessionTier): void {
    for (const c of this.channels) {
      if (tier === SessionTier.Resume) {
        this.reliable[c.index]?.resendAll();
        this.unreliable[c.index]?.discardQueued(MESSAGE_DROP.not_connected);
      } else {
        this.reliable[c.index]?.reset();
        this.unreliable[c.index]?.reset();
      }
    }
    if (tier !== SessionTier.Resume) this.reassembler.clear();
  }

  /** The link is gone: unreliable queues and partial unreliable messages go. */
  park(): void {
    for (const c of this.channels) this.unreliable[c.index]?.discardQueued(MESSAGE_DROP.not_connected);
    this.reassembler.clear();
  }

  /** Everything goes: the session ended. */
  clear(): void {
    for (let i = 0; i < this.reliable.length; i++) this.reliable[i]?.reset();
    for (let i = 0; i < this.unreliable.length; i++) this.unreliable[i]?.reset();
    this.reassembler.clear();
  }

  /** Frees unreliable reassembly groups past their time; counts each as a drop. */
  expire(): void {
    if (this.reassembler.groupCount === 0) return;
    const expired = this.reassembler.expire();
    for (let i = 0; i < expired; i++) this.sink.messageDropped(MESSAGE_DROP.reassembly_timeout);
  }

  /** Checks every block of the payload without side effects: -1 or a PACKET_DROP index. */
  validate(b: Uint8Array, end: number): number {
    let p = DATA_HEADER_BYTES;
    let store = 0;
    let drains = false;
    while (p < end) {
      const block = b[p]!;
      if ((block & BLOCK_RESERVED_MASK) !== 0) return PACKET_DROP.malformed;
      const kind = block >>> BLOCK_KIND_SHIFT;
      const channel = block & BLOCK_CHANNEL_MASK;
      if (kind === BLOCK_DISCONNECT) {
        if (channel !== 0 || p + 2 > end) return PACKET_DROP.malformed;
        p += 2;
        continue;
      }
      const config = channel === CONTROL_CHANNEL ? this.reliable[CONTROL_CHANNEL]!.config : this.channels[channel];
      if (config === undefined) return PACKET_DROP.malformed;
      if (kind === BLOCK_MESSAGE) {
        if (p + MESSAGE_BLOCK_HEADER_BYTES > end) return PACKET_DROP.malformed;
        const length = readU16(b, p + 3);
        if (p + MESSAGE_BLOCK_HEADER_BYTES + length > end) return PACKET_DROP.malformed;
        if (length > this.receiveLimit[channel]!) return PACKET_DROP.too_large;
        if (config.reliable) {
          const rel = this.reliable[channel]!;
          const id16 = readU16(b, p + 1);
          const v = rel.validate(id16, false, 0);
          if (v !== null) return PACKET_DROP[v];
          store += rel.storeCost(id16, false, 0, length);
          if (rel.isNext(id16)) drains = true;
        }
        p += MESSAGE_BLOCK_HEADER_BYTES + length;
      } else if (kind === BLOCK_FRAGMENT) {
        if (p + FRAGMENT_BLOCK_HEADER_BYTES > end) return PACKET_DROP.malformed;
        const count = b[p + 3]!;
        const index = b[p + 4]!;
        const length = readU16(b, p + 5);
        if (p + FRAGMENT_BLOCK_HEADER_BYTES + length > end) return PACKET_DROP.malformed;
        if (!fragmentHeaderValid(count, index, length, MAX_MESSAGE_BYTES)) return PACKET_DROP.malformed;
        if (!fragmentHeaderValid(count, index, length, this.receiveLimit[channel]!)) return PACKET_DROP.too_large;
        const id16 = readU16(b, p + 1);
        if (config.reliable) {
          const rel = this.reliable[channel]!;
          const v = rel.validate(id16, true, count);
          if (v !== null) return PACKET_DROP[v];
          store += rel.storeCost(id16, true, count, length);
          if (rel.isNext(id16)) drains = true;
        } else if (!this.unreliable[channel]!.fragmentConsistent(id16, count, this.reassembler)) return PACKET_DROP.malformed;
        p += FRAGMENT_BLOCK_HEADER_BYTES + length;
      } else return PACKET_DROP.malformed;
    }
    // Refused whole and unacked: nothing of it is applied, the honest sender sends it again. A
    // packet that drains (carries a next message in order) gets one packet's allowance more.
    if (store > 0 && this.heldBytes() + store > this.receiveCapBytes + (drains ? DRAIN_ALLOWANCE_BYTES : 0)) return PACKET_DROP.receive_buffer_full;
    return -1;
  }

  /**
   * Applies the validated blocks in order while `owner` is not closed (a handler may close the
   * connection midway). Returns the reason of a DISCONNECT block, or -1.
   */
  apply(b: Uint8Array, end: number, owner: { readonly state: string }): number {
    let p = DATA_HEADER_BYTES;
    let disconnect = -1;
    while (p < end && owner.state !== 'closed') {
      const block = b[p]!;
      const kind = block >>> BLOCK_KIND_SHIFT;
      const channel = block & BLOCK_CHANNEL_MASK;
      if (kind === BLOCK_DISCONNECT) {
        disconnect = b[p + 1]!;
        p += 2;
        continue;
      }
      const id16 = readU16(b, p + 1);
      if (kind === BLOCK_MESSAGE) {
        const length = readU16(b, p + 3);
        const off = p + MESSAGE_BLOCK_HEADER_BYTES;
        const rel = this.reliable[channel];
        if (rel) rel.receiveMessage(id16, b, off, length);
        else this.unreliable[channel]!.receiveMessage(id16, b, off, length, this.reassembler);
        p = off + length;
      } else {
        const count = b[p + 3]!;
        const index = b[p + 4]!;
        const length = readU16(b, p + 5);
        const off = p + FRAGMENT_BLOCK_HEADER_BYTES;
        const rel = this.reliable[channel];
        if (rel) rel.receiveFragment(id16, count, index, b, off, length);
        else this.unreliable[channel]!.receiveFragment(id16, count, index, b, off, length, this.reassembler);
        p = off + length;
      }
    }
    return disconnect;
  }

  /** True if a reliable message (on any channel) has been sent and is still unacked. */
  hasUnackedSent(): boolean {
    for (let i = 0; i < this.reliable.length; i++) if (this.reliable[i]?.hasUnackedSent) return true;
    return false;
  }

  beginFlush(): void {
    for (let i = 0; i < this.reliable.length; i++) this.reliable[i]?.beginFlush();
  }

  endFlush(): void {
    for (let i = 0; i < this.unreliable.length; i++) this.unreliable[i]?.endFlush();
  }

  /**
   * Lets the channels write into the packet in priority order; application channels only once
   * `accepted`. Returns true if a channel has more to write (the caller sends another packet).
   */
  write(w: PacketWriter, budget: Budget, congestion: CongestionController, accepted: boolean): boolean {
    let more = false;
    for (let i = 0; i < this.order.length; i++) {
      const ci = this.order[i]!;
      if (ci !== CONTROL_CHANNEL && !accepted) break;
      const priority = ci === CONTROL_CHANNEL ? 0 : this.channels[ci]!.priority;
      budget.limited = priority !== 0;
      const allowed = priority === 0 || congestion.allows(priority);
      const rel = this.reliable[ci];
      if (rel) {
        if (allowed && rel.write(w, budget) === WRITE_FULL) more = true;
      } else {
        const unr = this.unreliable[ci]!;
        if (unr.hasQueued && unr.write(w, budget, allowed) === WRITE_FULL) more = true;
      }
    }
    return more;
  }
}
