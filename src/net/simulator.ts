// A seeded network simulator: given a packet leaving at time t on a link, decides whether it
// arrives and when. Same seed, same sends -> same fates, so tests over it are deterministic.
//
// Per direction of each link: base one-way latency, half-normal jitter (which also reorders
// packets that leave close together), independent loss, burst loss (Gilbert-Elliott: a good
// and a bad state with their own loss rates), duplication, explicit reordering (an extra delay
// of up to four times the jitter for a fraction of packets), a bandwidth cap with a bounded
// bottleneck queue (a packet that would wait longer than the queue holds is dropped), and an MTU
// (a datagram larger than the path's MTU, counting IP and UDP headers, is lost).
//
// Named profiles come from the seed's "Network Condition Simulation" table: latency, jitter,
// loss and bandwidth at the middle of each range (the table's latency is a round trip, so the
// one-way latency is half of it).

import { UDP_IPV4_OVERHEAD_BYTES } from './spec.js';

export interface NetworkProfile {
  readonly name: string;
  /** One-way base latency, ms. */
  readonly latencyMs: number;
  /** Standard deviation of the half-normal extra delay, ms. */
  readonly jitterMs: number;
  /** Independent loss probability (0..1). */
  readonly loss: number;
  /** Gilbert-Elliott burst loss: chance per packet to enter / leave the bad state, loss in it. */
  readonly burst?: { readonly enter: number; readonly exit: number; readonly loss: number };
  readonly duplicate: number;
  readonly reorder: number;
  /** 0 = unlimited. */
  readonly bandwidthBytesPerSec: number;
  /** Bottleneck queue, in ms of the bandwidth. */
  readonly queueMs: number;
  /** Path MTU, bytes on the wire including IP and UDP headers. */
  readonly mtuBytes: number;
}

const MBIT = 1_000_000 / 8;

export const PROFILES = {
  lan: { name: 'lan', latencyMs: 0.25, jitterMs: 0.05, loss: 0, duplicate: 0, reorder: 0, bandwidthBytesPerSec: 0, queueMs: 100, mtuBytes: 1500 },
  fiber: { name: 'fiber', latencyMs: 17.5, jitterMs: 3.5, loss: 0.003, duplicate: 0, reorder: 0, bandwidthBytesPerSec: 100 * MBIT, queueMs: 50, mtuBytes: 1500 },
  dsl: { name: 'dsl', latencyMs: 27.5, jitterMs: 10, loss: 0.0125, duplicate: 0, reorder: 0.001, bandwidthBytesPerSec: 62.5 * MBIT, queueMs: 100, mtuBytes: 1492 },
  '4g': { name: '4g', latencyMs: 50, jitterMs: 30, loss: 0.03, duplicate: 0.001, reorder: 0.01, bandwidthBytesPerSec: 35 * MBIT, queueMs: 150, mtuBytes: 1428 },
  satellite: { name: 'satellite', latencyMs: 300, jitterMs: 60, loss: 0.05, duplicate: 0, reorder: 0.005, bandwidthBytesPerSec: 25 * MBIT, queueMs: 300, mtuBytes: 1400 },
  'congested-wifi': {
    name: 'congested-wifi',
    latencyMs: 56,
    jitterMs: 60,
    loss: 0.03,
    burst: { enter: 0.02, exit: 0.2, loss: 0.6 },
    duplicate: 0.002,
    reorder: 0.02,
    bandwidthBytesPerSec: 10 * MBIT,
    queueMs: 200,
    mtuBytes: 1500,
  },
} as const satisfies Record<string, NetworkProfile>;

export type ProfileName = keyof typeof PROFILES;
export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];

export function profile(name: ProfileName, overrides: Partial<NetworkProfile> = {}): NetworkProfile {
  return { ...PROFILES[name], ...overrides };
}

/** xoshiro128** seeded through splitmix32: small, fast, and independent of the engine PRNG. */
export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    // splitmix32 to spread the seed over the state.
    let x = seed >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() | 1;
  }

  /** Uniform in [0, 1). xoshiro128** */
  next(): number {
    const result = Math.imul(this.rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = this.rotl(this.s3, 11);
    return result / 4294967296;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  private rotl(x: number, k: number): number {
    return ((x << k) | (x >>> (32 - k))) >>> 0;
  }
}

export interface LinkStats {
  sent: number;
  delivered: number;
  lost: number;
  lostToMtu: number;
  lostToQueue: number;
  duplicated: number;
  reordered: number;
}

/** One direction of one link. */
export class LinkSimulator {
  profile: NetworkProfile;
  private readonly rand: SeededRandom;
  private bad = false;
  private queueFreeAtMs = 0;
  readonly stats: LinkStats = { sent: 0, delivered: 0, lost: 0, lostToMtu: 0, lostToQueue: 0, duplicated: 0, reordered: 0 };

  constructor(profile: NetworkProfile, seed: number) {
    this.profile = profile;
    this.rand = new SeededRandom(seed);
  }

  /**
   * Arrival times (0, 1 or 2 of them) of a `bytes`-long datagram sent at `nowMs`, written to
   * `out`; returns how many.
   */
  fate(nowMs: number, bytes: number, out: number[]): number {
    const p = this.profile;
    const r = this.rand;
    this.stats.sent++;
    if (bytes + UDP_IPV4_OVERHEAD_BYTES > p.mtuBytes) {
      this.stats.lostToMtu++;
      this.stats.lost++;
      return 0;
    }
    let departMs = nowMs;
    if (p.bandwidthBytesPerSec > 0) {
      const start = Math.max(nowMs, this.queueFreeAtMs);
      if (start - nowMs > p.queueMs) {
        this.stats.lostToQueue++;
        this.stats.lost++;
        return 0;
      }
      departMs = start + ((bytes + UDP_IPV4_OVERHEAD_BYTES) * 1000) / p.bandwidthBytesPerSec;
      this.queueFreeAtMs = departMs;
    }
    let lossRate = p.loss;
    if (p.burst) {
      if (this.bad) {
        if (r.next() < p.burst.exit) this.bad = false;
      } else if (r.next() < p.burst.enter) this.bad = true;
      if (this.bad) lossRate = p.burst.loss;
    }
    if (r.next() < lossRate) {
      this.stats.lost++;
      return 0;
    }
    let n = 0;
    out[n++] = departMs + this.delay();
    if (p.duplicate > 0 && r.next() < p.duplicate) {
      out[n++] = departMs + this.delay();
      this.stats.duplicated++;
    }
    this.stats.delivered += n;
    return n;
  }

  private delay(): number {
    const p = this.profile;
    let d = p.latencyMs + Math.abs(this.rand.normal()) * p.jitterMs;
    if (p.reorder > 0 && this.rand.next() < p.reorder) {
      d += this.rand.next() * 4 * Math.max(p.jitterMs, 1);
      this.stats.reordered++;
    }
    return d;
  }
}
