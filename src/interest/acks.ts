// Acknowledgements between ticks: which net message each client's snapshot went out as (per
// ring slot), and the queue of (client, snapshot seq) pairs the lanes apply at the next tick
// (an arena region that doubles when full; the context block names where it is).

import type { Arena, Region } from '../wasm/arena.js';
import { RING } from './layout.js';
import type { ArenaWords } from './mem.js';

/** Ack queue entries to start with (it grows). */
const INITIAL_ACKS = 4096;

export class AckQueue {
  /** Pairs queued for the next tick. */
  count = 0;
  private region: Region;
  private capacity = INITIAL_ACKS;
  /** Per client, per ring slot: the net message number a snapshot went out as (-1: none). */
  private readonly netNumbers: Float64Array;
  private readonly netSeqs: Uint32Array;

  constructor(
    private readonly arena: Arena,
    private readonly name: string,
    maxClients: number,
    private readonly mem: ArenaWords,
    /** Called with the queue's new address when it moved. */
    private readonly moved: (ptr: number) => void,
  ) {
    this.region = arena.allocate(`${name}:acks#${this.capacity}`, this.capacity * 8);
    this.netNumbers = new Float64Array(maxClients * RING).fill(-1);
    this.netSeqs = new Uint32Array(maxClients * RING);
  }

  get ptr(): number {
    return this.region.ptr;
  }

  get byteLength(): number {
    return this.region.byteLength;
  }

  /** Forgets client c's message numbers (a new client in its place). */
  resetClient(c: number): void {
    this.netNumbers.fill(-1, c * RING, (c + 1) * RING);
  }

  /** Snapshot `seq` of client c went out as net message `messageNumber`. */
  sent(c: number, seq: number, messageNumber: number): void {
    const at = c * RING + (seq & (RING - 1));
    this.netNumbers[at] = messageNumber;
    this.netSeqs[at] = seq;
  }

  /**
   * The seq client c's message `messageNumber` carried (forgotten now), or -1. The search runs
   * back from `newest` (the client's latest seq): acks are for recent snapshots.
   */
  takeSeq(c: number, messageNumber: number, newest: number): number {
    const base = c * RING;
    for (let k = 0; k < RING; k++) {
      const i = (newest - k) & (RING - 1);
      if (this.netNumbers[base + i] === messageNumber) {
        this.netNumbers[base + i] = -1;
        return this.netSeqs[base + i]!;
      }
    }
    return -1;
  }

  push(c: number, seq: number): void {
    if (this.count === this.capacity) this.grow();
    const at = (this.region.ptr >>> 2) + this.count * 2;
    const mem = this.mem.u32To((at + 2) * 4);
    mem[at] = c;
    mem[at + 1] = seq >>> 0;
    this.count++;
  }

  private grow(): void {
    const next = this.arena.allocate(`${this.name}:acks#${this.capacity * 2}`, this.capacity * 16);
    next.bytes().set(this.region.bytes().subarray(0, this.count * 8));
    this.arena.release(this.region);
    this.region = next;
    this.capacity *= 2;
    this.moved(next.ptr);
  }

  release(): void {
    if (!this.region.isReleased) this.arena.release(this.region);
  }
}
