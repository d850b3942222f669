// Rate limits. A token bucket per connection (packets and bytes per second), and for packets
// from addresses without a connection a fixed table of buckets indexed by a seeded hash of the
// source IP: bounded memory, nothing allocated per address, and an attacker cannot pick which
// bucket a spoofed address lands in. Colliding addresses share a bucket, which only errs on the
// side of limiting. Time comes from the endpoint's NetClock.

import type { NetClock } from './clock.js';

export class TokenBucket {
  private tokens: number;
  private lastMs = -1;

  constructor(
    private readonly clock: NetClock,
    private readonly ratePerSec: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  /** Takes `cost` tokens if there are that many; false means over the limit. */
  take(cost: number): boolean {
    const nowMs = this.clock.nowMs;
    if (this.lastMs >= 0 && nowMs > this.lastMs) {
      this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.lastMs) * this.ratePerSec) / 1000);
    }
    this.lastMs = nowMs;
    if (this.tokens < cost) return false;
    this.tokens -= cost;
    return true;
  }
}

/** 4096 buckets x 16 bytes = 64 KB for every unknown address the server will ever see. */
export const ADDRESS_BUCKETS = 4096;

export class AddressRateLimiter {
  private readonly tokens = new Float64Array(ADDRESS_BUCKETS);
  private readonly lastMs = new Float64Array(ADDRESS_BUCKETS).fill(-1);
  private readonly seed: number;

  constructor(
    private readonly clock: NetClock,
    private readonly ratePerSec: number,
    private readonly burst: number,
    seed: number,
  ) {
    this.seed = seed >>> 0;
  }

  /** FNV-1a of the host string, seeded; no allocation. */
  bucketOf(host: string): number {
    let h = (0x811c9dc5 ^ this.seed) >>> 0;
    for (let i = 0; i < host.length; i++) {
      h ^= host.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= h >>> 15;
    return (h >>> 0) & (ADDRESS_BUCKETS - 1);
  }

  allow(host: string): boolean {
    const nowMs = this.clock.nowMs;
    const i = this.bucketOf(host);
    const last = this.lastMs[i]!;
    let tokens = last < 0 ? this.burst : this.tokens[i]!;
    if (last >= 0 && nowMs > last) tokens = Math.min(this.burst, tokens + ((nowMs - last) * this.ratePerSec) / 1000);
    this.lastMs[i] = nowMs;
    if (tokens < 1) {
      this.tokens[i] = tokens;
      return false;
    }
    this.tokens[i] = tokens - 1;
    return true;
  }
}
