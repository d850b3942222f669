// The simulated-link Transport decorator: both directions cross their LinkSimulator (delay,
// loss, duplication) and arrive in time order with their bytes intact; the same seed gives the
// same fates; queues are bounded; pooled slots are reused instead of allocated per packet; a
// real UDP pair over the 4g profile shows the profile's latency; `mixed` holds its shares.

import { describe, expect, it } from 'vitest';
import { LinkScheduler, MIXED_PROFILE_SHARES, mixedProfileAt, mixedProfiles, SimulatedTransport } from '../../src/net/transport-simulated.js';
import { PROFILES, profile, type NetworkProfile } from '../../src/net/simulator.js';
import type { PacketReceiver, Transport } from '../../src/net/transport.js';
import { UdpTransport } from '../../src/net/transport-udp.js';

/** A transport that records what is sent through it and lets the test play the network. */
class FakeTransport implements Transport {
  readonly name = 'memory' as const;
  receiver: PacketReceiver | undefined;
  sent: { at: number; bytes: Uint8Array; host: string; port: number }[] = [];
  closed = false;
  constructor(private readonly clock: () => number) {}
  attach(r: PacketReceiver): void {
    this.receiver = r;
  }
  send(bytes: Uint8Array, host: string, port: number): void {
    this.sent.push({ at: this.clock(), bytes: bytes.slice(), host, port });
  }
  /** The wire delivers `bytes` to this end. */
  arrive(bytes: Uint8Array): void {
    this.receiver?.receive(this, bytes, 'server', 9, null);
  }
  closeLink(): void {}
  linkBound(): void {}
  async close(): Promise<void> {
    this.closed = true;
  }
}

class Collector implements PacketReceiver {
  got: { at: number; bytes: Uint8Array; transport: Transport }[] = [];
  constructor(private readonly clock: () => number) {}
  receive(transport: Transport, bytes: Uint8Array): void {
    this.got.push({ at: this.clock(), bytes: bytes.slice(), transport });
  }
  linkClosed(): void {}
  transportDrop(): void {}
}

function packet(i: number, size = 100): Uint8Array {
  const b = new Uint8Array(size);
  new DataView(b.buffer).setUint32(0, i, true);
  for (let k = 4; k < size; k++) b[k] = (i * 31 + k) & 0xff;
  return b;
}

function setup(p: NetworkProfile = PROFILES['4g'], seed = 1, maxInFlight?: number) {
  let now = 0;
  const clock = () => now;
  const scheduler = new LinkScheduler({ now: clock, timer: false });
  const inner = new FakeTransport(clock);
  const sim = new SimulatedTransport(inner, { profile: p, seed, scheduler, maxInFlight });
  const out = new Collector(clock);
  sim.attach(out);
  const advance = (ms: number) => {
    // Deliver in 1 ms steps, as the real timer would.
    for (let t = 0; t < ms; t++) {
      now++;
      scheduler.run(now);
    }
  };
  return { clock, scheduler, inner, sim, out, advance, setNow: (t: number) => (now = t) };
}

describe('SimulatedTransport', () => {
  it('delays, loses and duplicates sends by the profile and keeps their bytes', () => {
    const p = profile('4g', { bandwidthBytesPerSec: 0 });
    const { inner, sim, advance } = setup(p, 7);
    const n = 5000;
    for (let i = 0; i < n; i++) {
      sim.send(packet(i), 'server', 9, null);
      advance(1);
    }
    advance(1000);
    const ids = inner.sent.map((s) => new DataView(s.bytes.buffer).getUint32(0, true));
    for (const s of inner.sent) {
      const i = new DataView(s.bytes.buffer).getUint32(0, true);
      expect(s.bytes).toEqual(packet(i));
      // Sent at i + 1 ms (the loop advanced after each send); at least the base latency later.
      expect(s.at - (i + 0)).toBeGreaterThanOrEqual(p.latencyMs);
      expect(s.host).toBe('server');
    }
    const unique = new Set(ids).size;
    const lost = 1 - unique / n;
    expect(Math.abs(lost - p.loss)).toBeLessThan(0.012);
    expect(ids.length - unique).toBe(sim.up.stats.duplicated);
    // Jitter reorders: some packet arrives after a later one.
    expect(ids.some((id, k) => k > 0 && id < ids[k - 1]!)).toBe(true);
    expect(sim.stats().inFlightUp).toBe(0);
  });

  it('delivers received packets to its receiver after the way down, as itself', () => {
    const { inner, sim, out, advance, clock } = setup(profile('fiber', { loss: 0 }), 3);
    const sentAt: number[] = [];
    for (let i = 0; i < 200; i++) {
      sentAt.push(clock());
      inner.arrive(packet(i, 300));
      advance(2);
    }
    advance(500);
    expect(out.got.length).toBe(200);
    for (const g of out.got) {
      const i = new DataView(g.bytes.buffer).getUint32(0, true);
      expect(g.bytes).toEqual(packet(i, 300));
      expect(g.transport).toBe(sim);
      expect(g.at - sentAt[i]!).toBeGreaterThanOrEqual(PROFILES.fiber.latencyMs);
    }
    const times = out.got.map((g) => g.at);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('decides the same fates from the same seed, other ones from another', () => {
    const run = (seed: number) => {
      const { inner, sim, advance } = setup(PROFILES['congested-wifi'], seed);
      for (let i = 0; i < 2000; i++) {
        sim.send(packet(i, 60), 'server', 9, null);
        inner.arrive(packet(i, 60));
        advance(1);
      }
      advance(2000);
      return inner.sent.map((s) => `${new DataView(s.bytes.buffer).getUint32(0, true)}@${s.at}`).join(',');
    };
    expect(run(11)).toBe(run(11));
    expect(run(11)).not.toBe(run(12));
  });

  it('bounds what is in flight per direction and counts the overflow', () => {
    const { inner, sim, scheduler, advance } = setup(profile('satellite', { loss: 0, duplicate: 0, bandwidthBytesPerSec: 0 }), 5, 32);
    for (let i = 0; i < 100; i++) sim.send(packet(i), 'server', 9, null);
    expect(scheduler.pending).toBe(32);
    expect(sim.overflow).toBe(68);
    advance(2000);
    expect(inner.sent.length).toBe(32);
    expect(scheduler.pending).toBe(0);
  });

  it('reuses its pooled slots instead of allocating per packet', () => {
    const { sim, inner, scheduler, advance } = setup(profile('4g', { loss: 0 }), 9);
    const burst = () => {
      for (let i = 0; i < 2000; i++) {
        sim.send(packet(i, i % 2 === 0 ? 80 : 1100), 'server', 9, null);
        inner.arrive(packet(i, 200));
        if (i % 4 === 0) advance(1);
      }
      advance(1000);
    };
    burst();
    const pool = scheduler.poolBytes;
    for (let k = 0; k < 5; k++) burst();
    expect(scheduler.poolBytes).toBe(pool);
    expect(scheduler.pending).toBe(0);
  });

  it('lets what was sent before close() leave, then closes the real transport', async () => {
    const { inner, sim, advance } = setup(profile('4g', { loss: 0 }), 2);
    sim.send(packet(1), 'server', 9, null);
    const closed = sim.close();
    inner.arrive(packet(2));
    expect(inner.closed).toBe(false);
    advance(1000);
    await closed;
    expect(inner.closed).toBe(true);
    expect(inner.sent.length).toBeGreaterThanOrEqual(1);
  });

  it('carries real UDP datagrams over the 4g profile with its round trip', async () => {
    const server = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
    const echo: PacketReceiver = {
      receive: (_t, bytes, host, port) => server.send(bytes, host, port),
      linkClosed() {},
      transportDrop() {},
    };
    server.attach(echo);
    const udp = await UdpTransport.bind({ host: '127.0.0.1', port: 0, connect: { host: '127.0.0.1', port: server.port } });
    const sim = new SimulatedTransport(udp, { profile: profile('4g', { loss: 0, duplicate: 0 }), seed: 4, scheduler: new LinkScheduler() });
    const rtts: number[] = [];
    const sentAt = new Map<number, number>();
    sim.attach({
      receive: (_t, bytes) => {
        const i = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
        rtts.push(performance.now() - sentAt.get(i)!);
      },
      linkClosed() {},
      transportDrop() {},
    });
    for (let i = 0; i < 40; i++) {
      sentAt.set(i, performance.now());
      sim.send(packet(i), '127.0.0.1', server.port, null);
      await new Promise((r) => setTimeout(r, 5));
    }
    const deadline = Date.now() + 3000;
    while (rtts.length < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await sim.close();
    await server.close();
    expect(rtts.length).toBe(40);
    // Two crossings of 50 ms base latency each.
    expect(Math.min(...rtts)).toBeGreaterThanOrEqual(2 * PROFILES['4g'].latencyMs - 1);
  });
});

describe('the mixed profile', () => {
  it('draws the profiles in their shares', () => {
    const total = Object.values(MIXED_PROFILE_SHARES).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1, 9);
    const counts = new Map<string, number>();
    const n = 10_000;
    for (let i = 0; i < n; i++) {
      const p = mixedProfileAt((i + 0.5) / n);
      counts.set(p.name, (counts.get(p.name) ?? 0) + 1);
    }
    for (const [name, share] of Object.entries(MIXED_PROFILE_SHARES)) expect(Math.abs(counts.get(name)! / n - share)).toBeLessThan(0.001);
  });

  it('gives a population its exact shares, shuffled by the seed', () => {
    const a = mixedProfiles(1000, 1).map((p) => p.name);
    const counts = new Map<string, number>();
    for (const name of a) counts.set(name, (counts.get(name) ?? 0) + 1);
    for (const [name, share] of Object.entries(MIXED_PROFILE_SHARES)) expect(counts.get(name)).toBe(Math.round(share * 1000));
    expect(mixedProfiles(1000, 1).map((p) => p.name)).toEqual(a);
    expect(mixedProfiles(1000, 2).map((p) => p.name)).not.toEqual(a);
  });
});
