// A Transport decorator that puts a simulated network between an endpoint and its real transport
// (a bot's UDP socket, say): every packet sent and every packet received crosses a
// LinkSimulator for its direction (latency, jitter, loss, burst loss, duplication, reordering,
// bandwidth, MTU; seeded per transport), waits in a shared delivery queue, and goes on when due.
//
//   const link = await connectUdp(host, port);
//   const transport = new SimulatedTransport(link.transport, { profile: PROFILES['4g'], seed: botIndex });
//
// Cost: one LinkScheduler per process holds every transport's packets in flight in one binary
// heap over preallocated arrays, with the bytes in pooled slots of two sizes (small packets in
// 256-byte slots, the rest in MAX_PACKET_BYTES ones), so nothing is allocated per packet once the
// pools have grown to the traffic; one 1 ms interval timer runs while anything is in flight.
// Bounds: at most `maxInFlight` packets per transport and direction (further ones are dropped and
// counted as `overflow`), and at most `maxPending` in the whole scheduler.

import { apportion } from '../core/apportion.js';
import { InvalidArgumentError } from '../core/errors.js';
import { LinkSimulator, PROFILES, SeededRandom, type LinkStats, type NetworkProfile, type ProfileName } from './simulator.js';
import { MAX_PACKET_BYTES } from './spec.js';
import type { PacketReceiver, Transport } from './transport.js';
import { ViewCache } from './wire.js';

/** `mixed`: the profiles a population of players comes over, in these shares (sum 1). */
export const MIXED_PROFILE_SHARES: Readonly<Partial<Record<ProfileName, number>>> = Object.freeze({
  fiber: 0.35,
  dsl: 0.2,
  '4g': 0.25,
  'congested-wifi': 0.15,
  satellite: 0.05,
});

/** The profile of one member of a `mixed` population, drawn from `u` in [0, 1). */
export function mixedProfileAt(u: number): NetworkProfile {
  let rest = u;
  const entries = Object.entries(MIXED_PROFILE_SHARES) as [ProfileName, number][];
  for (const [name, share] of entries) {
    if (rest < share) return PROFILES[name];
    rest -= share;
  }
  return PROFILES[entries[entries.length - 1]![0]];
}

/**
 * The profiles of a `mixed` population of `n`: the shares apportioned exactly (as whole numbers
 * allow), then shuffled by `seed`, so which member gets which profile is seeded and the mix holds.
 */
export function mixedProfiles(n: number, seed: number): NetworkProfile[] {
  const names = Object.keys(MIXED_PROFILE_SHARES) as ProfileName[];
  const out = apportion(names.map((k) => MIXED_PROFILE_SHARES[k]!), n).map((k) => PROFILES[names[k]!] as NetworkProfile);
  const r = new SeededRandom(seed ^ 0x4d495844); // 'MIXD'
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r.next() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

const SMALL_SLOT_BYTES = 256;
const SLOTS_PER_CHUNK = 256;
const UP = 0;
const DOWN = 1;

export interface LinkSchedulerOptions {
  /** The clock, ms (default performance.now). */
  now?: () => number;
  /** Deliver on a 1 ms interval timer while packets are in flight (default true); false: call run() yourself. */
  timer?: boolean;
  /** Packets in flight in all (default 1,000,000). */
  maxPending?: number;
}

/** Slab of fixed-size byte slots with a free list. */
class SlotPool {
  readonly slotBytes: number;
  readonly views: ViewCache[] = [];
  private readonly free: number[] = [];
  private chunks = 0;

  constructor(slotBytes: number) {
    this.slotBytes = slotBytes;
  }

  take(): number {
    if (this.free.length === 0) {
      const chunk = new Uint8Array(this.slotBytes * SLOTS_PER_CHUNK);
      const base = this.chunks++ * SLOTS_PER_CHUNK;
      for (let i = SLOTS_PER_CHUNK - 1; i >= 0; i--) {
        this.views[base + i] = new ViewCache(chunk, i * this.slotBytes);
        this.free.push(base + i);
      }
    }
    return this.free.pop()!;
  }

  give(slot: number): void {
    this.free.push(slot);
  }

  get bytes(): number {
    return this.chunks * SLOTS_PER_CHUNK * this.slotBytes;
  }
}

/** The shared delivery queue of simulated transports (one per process is the usual). */
export class LinkScheduler {
  readonly now: () => number;
  readonly maxPending: number;
  private readonly useTimer: boolean;
  private timer: ReturnType<typeof setInterval> | undefined;
  // Entries: parallel arrays indexed by entry number, with a free list.
  private atMs = new Float64Array(256);
  private order = new Float64Array(256);
  private len = new Int32Array(256);
  private slot = new Int32Array(256);
  private dir = new Uint8Array(256);
  private target: (SimulatedTransport | null)[] = [];
  private host: string[] = [];
  private port = new Int32Array(256);
  private link: (object | null)[] = [];
  private readonly freeEntries: number[] = [];
  private entries = 0;
  /** Min-heap of entry numbers by (atMs, order). */
  private heap = new Int32Array(256);
  private size = 0;
  private nextOrder = 0;
  private readonly small = new SlotPool(SMALL_SLOT_BYTES);
  private readonly large = new SlotPool(MAX_PACKET_BYTES);
  delivered = 0;
  overflow = 0;

  constructor(options: LinkSchedulerOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.useTimer = options.timer ?? true;
    this.maxPending = options.maxPending ?? 1_000_000;
  }

  /** Packets in flight. */
  get pending(): number {
    return this.size;
  }

  /** Bytes the slot pools hold (their high-water mark: pools never shrink). */
  get poolBytes(): number {
    return this.small.bytes + this.large.bytes;
  }

  /** Queues a copy of `bytes` for `target` at `atMs`; false when the scheduler is full. */
  schedule(target: SimulatedTransport, direction: number, atMs: number, bytes: Uint8Array, host: string, port: number, link: object | null): boolean {
    if (this.size >= this.maxPending || bytes.byteLength > MAX_PACKET_BYTES) {
      this.overflow++;
      return false;
    }
    const e = this.freeEntries.length > 0 ? this.freeEntries.pop()! : this.newEntry();
    const pool = bytes.byteLength <= SMALL_SLOT_BYTES ? this.small : this.large;
    const s = pool.take();
    const view = pool.views[s]!;
    view.buffer.set(bytes, view.offset);
    this.atMs[e] = atMs;
    this.order[e] = this.nextOrder++;
    this.len[e] = bytes.byteLength;
    this.slot[e] = pool === this.small ? s : -1 - s;
    this.dir[e] = direction;
    this.target[e] = target;
    this.host[e] = host;
    this.port[e] = port;
    this.link[e] = link;
    this.push(e);
    if (this.useTimer && this.timer === undefined) this.timer = setInterval(() => this.run(this.now()), 1);
    return true;
  }

  /** Delivers every packet due at or before `nowMs`, in time order (ties in send order); returns how many. */
  run(nowMs: number): number {
    let n = 0;
    while (this.size > 0) {
      const e = this.heap[0]!;
      if (this.atMs[e]! > nowMs) break;
      this.pop();
      const s = this.slot[e]!;
      const pool = s >= 0 ? this.small : this.large;
      const k = s >= 0 ? s : -1 - s;
      const target = this.target[e]!;
      const host = this.host[e]!;
      const link = this.link[e]!;
      this.target[e] = null;
      this.link[e] = null;
      this.freeEntries.push(e);
      // The slot goes back after the delivery: the receiver reads the bytes during the call only.
      try {
        target.arrive(this.dir[e]!, pool.views[k]!.get(this.len[e]!), host, this.port[e]!, link);
      } finally {
        pool.give(k);
      }
      n++;
    }
    this.delivered += n;
    if (this.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
    return n;
  }

  /** Stops the timer and forgets everything in flight. */
  clear(): void {
    while (this.size > 0) {
      const e = this.heap[0]!;
      this.pop();
      const s = this.slot[e]!;
      if (s >= 0) this.small.give(s);
      else this.large.give(-1 - s);
      this.target[e] = null;
      this.link[e] = null;
      this.freeEntries.push(e);
    }
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private newEntry(): number {
    const e = this.entries++;
    if (e >= this.atMs.length) {
      const grow = <T extends Float64Array | Int32Array | Uint8Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.atMs = grow(this.atMs);
      this.order = grow(this.order);
      this.len = grow(this.len);
      this.slot = grow(this.slot);
      this.dir = grow(this.dir);
      this.port = grow(this.port);
      this.heap = grow(this.heap);
    }
    this.target[e] = null;
    this.host[e] = '';
    this.link[e] = null;
    return e;
  }

  private less(a: number, b: number): boolean {
    const ta = this.atMs[a]!, tb = this.atMs[b]!;
    return ta < tb || (ta === tb && this.order[a]! < this.order[b]!);
  }

  private push(e: number): void {
    const h = this.heap;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(e, h[parent]!)) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = e;
  }

  private pop(): void {
    const h = this.heap;
    const last = h[--this.size]!;
    if (this.size === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && this.less(h[r]!, h[l]!) ? r : l;
      if (!this.less(h[c]!, last)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
}

let sharedScheduler: LinkScheduler | undefined;

/** The process's scheduler (created on first use, real time, 1 ms timer). */
export function defaultLinkScheduler(): LinkScheduler {
  sharedScheduler ??= new LinkScheduler();
  return sharedScheduler;
}

export interface SimulatedTransportOptions {
  /** Both directions' profile (one-way figures: a round trip crosses it twice). */
  profile: NetworkProfile;
  /** The way back, when it differs (default: `profile`). */
  downProfile?: NetworkProfile;
  /** Seeds both directions' simulators (each gets its own stream). */
  seed: number;
  scheduler?: LinkScheduler;
  /** Packets in flight per direction before further ones are dropped (default 512). */
  maxInFlight?: number;
}

export interface SimulatedTransportStats {
  up: LinkStats;
  down: LinkStats;
  /** Packets dropped because a direction (or the scheduler) was full. */
  overflow: number;
  inFlightUp: number;
  inFlightDown: number;
}

export class SimulatedTransport implements Transport, PacketReceiver {
  readonly inner: Transport;
  readonly up: LinkSimulator;
  readonly down: LinkSimulator;
  readonly scheduler: LinkScheduler;
  readonly maxInFlight: number;
  private receiver: PacketReceiver | undefined;
  private readonly fates: number[] = [0, 0];
  private readonly inFlight = new Int32Array(2);
  private closed = false;
  private closing: Promise<void> | undefined;
  overflow = 0;

  constructor(inner: Transport, options: SimulatedTransportOptions) {
    const maxInFlight = options.maxInFlight ?? 512;
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new InvalidArgumentError(`maxInFlight must be a positive integer, got ${maxInFlight}`);
    this.inner = inner;
    this.maxInFlight = maxInFlight;
    this.scheduler = options.scheduler ?? defaultLinkScheduler();
    // Two independent streams from one seed.
    const r = new SeededRandom(options.seed);
    this.up = new LinkSimulator(options.profile, Math.floor(r.next() * 4294967296));
    this.down = new LinkSimulator(options.downProfile ?? options.profile, Math.floor(r.next() * 4294967296));
    inner.attach(this);
  }

  get name() {
    return this.inner.name;
  }

  get profile(): NetworkProfile {
    return this.up.profile;
  }

  attach(receiver: PacketReceiver): void {
    this.receiver = receiver;
  }

  send(bytes: Uint8Array, host: string, port: number, link: object | null): void {
    if (this.closed) return;
    this.enqueue(UP, this.up, bytes, host, port, link);
  }

  /** The real transport received a packet: it crosses the way down first. */
  receive(_transport: Transport, bytes: Uint8Array, host: string, port: number, link: object | null): void {
    if (this.closed) return;
    this.enqueue(DOWN, this.down, bytes, host, port, link);
  }

  private enqueue(direction: number, sim: LinkSimulator, bytes: Uint8Array, host: string, port: number, link: object | null): void {
    const now = this.scheduler.now();
    const n = sim.fate(now, bytes.byteLength, this.fates);
    for (let i = 0; i < n; i++) {
      if (this.inFlight[direction]! >= this.maxInFlight || !this.scheduler.schedule(this, direction, this.fates[i]!, bytes, host, port, link)) {
        this.overflow++;
        continue;
      }
      this.inFlight[direction]!++;
    }
  }

  /** A packet's time has come (the scheduler calls this). */
  arrive(direction: number, bytes: Uint8Array, host: string, port: number, link: object | null): void {
    this.inFlight[direction]!--;
    if (direction === UP) this.inner.send(bytes, host, port, link);
    else if (!this.closed) this.receiver?.receive(this, bytes, host, port, link);
  }

  linkClosed(_transport: Transport, link: object): void {
    this.receiver?.linkClosed(this, link);
  }

  transportDrop(_transport: Transport): void {
    this.receiver?.transportDrop(this);
  }

  closeLink(link: object): void {
    this.inner.closeLink(link);
  }

  linkBound(link: object): void {
    this.inner.linkBound(link);
  }

  stats(): SimulatedTransportStats {
    return { up: { ...this.up.stats }, down: { ...this.down.stats }, overflow: this.overflow, inFlightUp: this.inFlight[UP]!, inFlightDown: this.inFlight[DOWN]! };
  }

  /**
   * Stops receiving at once; packets still on their way up (a DISCONNECT sent just before) leave
   * first, then the real transport closes (after at most `drainMs`).
   */
  close(drainMs = 2000): Promise<void> {
    if (this.closed) return this.closing ?? Promise.resolve();
    this.closed = true;
    this.closing = new Promise<void>((resolve) => {
      const started = this.scheduler.now();
      const poll = () => {
        if (this.inFlight[UP]! === 0 || this.scheduler.now() - started > drainMs) void this.inner.close().then(resolve, resolve);
        else setTimeout(poll, 5);
      };
      poll();
    });
    return this.closing;
  }
}
