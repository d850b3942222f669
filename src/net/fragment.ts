// Fragmentation and reassembly of messages larger than one packet. A message of n bytes above
// MAX_UNFRAGMENTED_BYTES travels as ceil(n / FRAGMENT_BYTES) fragment blocks (seed header:
// message id u16, count u8, index u8); every fragment but the last is exactly FRAGMENT_BYTES,
// so the receiver knows each fragment's offset and the total from the last one.
//
// Reassembly memory is bounded three ways: a group is allocated only for a fragment that
// passed every check, unreliable groups count against the connection's receive cap together
// with what its reliable channels hold (at most MAX_REASSEMBLY_GROUPS of them), and a group that
// has not completed within REASSEMBLY_TIMEOUT_MS is freed. Reliable channels send one
// fragmented message at a time, so each holds at most one group of its own.

import type { NetClock } from './clock.js';
import { FRAGMENT_BYTES, MAX_FRAGMENTS, MAX_UNFRAGMENTED_BYTES } from './spec.js';

/** The seed discards incomplete fragment sets after 5 s. */
export const REASSEMBLY_TIMEOUT_MS = 5_000;
/** Per connection, unreliable groups in progress at once. */
export const MAX_REASSEMBLY_GROUPS = 16;

export function fragmentCountOf(length: number): number {
  return length <= MAX_UNFRAGMENTED_BYTES ? 0 : Math.ceil(length / FRAGMENT_BYTES);
}

/** Checks a fragment block's header against the rules; true if it is well formed. */
export function fragmentHeaderValid(count: number, index: number, length: number, maxMessageBytes: number): boolean {
  if (count < 2 || count > MAX_FRAGMENTS || index >= count) return false;
  if (index < count - 1) {
    if (length !== FRAGMENT_BYTES) return false;
  } else if (length < 1 || length > FRAGMENT_BYTES) return false;
  return (count - 1) * FRAGMENT_BYTES + (index === count - 1 ? length : 1) <= maxMessageBytes;
}

export class FragmentGroup {
  readonly channel: number;
  readonly id: number;
  readonly count: number;
  readonly buffer: Uint8Array;
  private readonly have: Uint8Array;
  received = 0;
  totalBytes = 0;
  readonly startedMs: number;

  constructor(channel: number, id: number, count: number, nowMs: number) {
    this.channel = channel;
    this.id = id;
    this.count = count;
    this.buffer = new Uint8Array(count * FRAGMENT_BYTES);
    this.have = new Uint8Array(count);
    this.startedMs = nowMs;
  }

  get byteLength(): number {
    return this.buffer.byteLength;
  }

  has(index: number): boolean {
    return this.have[index] === 1;
  }

  /** Stores fragment `index` (already validated); returns true once the message is complete. */
  add(index: number, src: Uint8Array, srcOff: number, length: number): boolean {
    if (this.have[index] === 1) return this.received === this.count;
    this.have[index] = 1;
    this.received++;
    this.buffer.set(src.subarray(srcOff, srcOff + length), index * FRAGMENT_BYTES);
    if (index === this.count - 1) this.totalBytes = (this.count - 1) * FRAGMENT_BYTES + length;
    return this.received === this.count;
  }

  /** The whole message; valid once complete. */
  message(): Uint8Array {
    return this.buffer.subarray(0, this.totalBytes);
  }
}

/** Unreliable fragment groups of one connection. */
export class Reassembler {
  private readonly groups: FragmentGroup[] = [];
  bytes = 0;
  /** The connection's receive cap, shared with what `heldElsewhere` reports. */
  readonly capBytes: number;
  private readonly clock: NetClock;
  private readonly elsewhere: { heldElsewhere(): number } | null;

  /** `elsewhere` reports what else counts against the same cap (the reliable channels). */
  constructor(clock: NetClock, capBytes: number, elsewhere: { heldElsewhere(): number } | null = null) {
    this.clock = clock;
    this.capBytes = capBytes;
    this.elsewhere = elsewhere;
  }

  get groupCount(): number {
    return this.groups.length;
  }

  find(channel: number, id: number): FragmentGroup | undefined {
    for (const g of this.groups) if (g.channel === channel && g.id === id) return g;
    return undefined;
  }

  /** A new group, or undefined if the group count or byte cap would be exceeded. */
  start(channel: number, id: number, count: number): FragmentGroup | undefined {
    const bytes = count * FRAGMENT_BYTES;
    const elsewhere = this.elsewhere === null ? 0 : this.elsewhere.heldElsewhere();
    if (this.groups.length >= MAX_REASSEMBLY_GROUPS || elsewhere + this.bytes + bytes > this.capBytes) return undefined;
    const group = new FragmentGroup(channel, id, count, this.clock.nowMs);
    this.groups.push(group);
    this.bytes += bytes;
    return group;
  }

  remove(group: FragmentGroup): void {
    const i = this.groups.indexOf(group);
    if (i < 0) return;
    this.groups.splice(i, 1);
    this.bytes -= group.byteLength;
  }

  /** Frees groups of `channel` older than `id` (a sequenced channel moved past them). */
  dropOlder(channel: number, id: number): number {
    let dropped = 0;
    for (let i = this.groups.length - 1; i >= 0; i--) {
      const g = this.groups[i]!;
      if (g.channel === channel && g.id < id) {
        this.groups.splice(i, 1);
        this.bytes -= g.byteLength;
        dropped++;
      }
    }
    return dropped;
  }

  /** Frees groups started more than REASSEMBLY_TIMEOUT_MS ago; returns how many. */
  expire(): number {
    const nowMs = this.clock.nowMs;
    let dropped = 0;
    for (let i = this.groups.length - 1; i >= 0; i--) {
      const g = this.groups[i]!;
      if (nowMs - g.startedMs > REASSEMBLY_TIMEOUT_MS) {
        this.groups.splice(i, 1);
        this.bytes -= g.byteLength;
        dropped++;
      }
    }
    return dropped;
  }

  clear(): void {
    this.groups.length = 0;
    this.bytes = 0;
  }
}
