// The network simulator: same seed, same fates; measured loss, latency and jitter match the
// profile within sampling error; burst loss clusters; the MTU and the bandwidth cap drop what
// they must; and the in-memory network delivers in time order.

import { describe, expect, it } from 'vitest';
import { LinkSimulator, profile, PROFILES, PROFILE_NAMES } from '../../src/net/simulator.js';
import { MemoryNetwork } from '../../src/net/transport-memory.js';
import type { PacketReceiver, Transport } from '../../src/net/transport.js';

function fates(link: LinkSimulator, n: number, bytes = 100, spacingMs = 1): number[][] {
  const out: number[][] = [];
  const buf = [0, 0];
  for (let i = 0; i < n; i++) {
    const k = link.fate(i * spacingMs, bytes, buf);
    out.push(buf.slice(0, k));
  }
  return out;
}

describe('the link simulator', () => {
  it('decides the same fates from the same seed and different ones from another', () => {
    const p = PROFILES['congested-wifi'];
    expect(fates(new LinkSimulator(p, 7), 2000)).toEqual(fates(new LinkSimulator(p, 7), 2000));
    expect(fates(new LinkSimulator(p, 7), 2000)).not.toEqual(fates(new LinkSimulator(p, 8), 2000));
  });

  for (const name of PROFILE_NAMES) {
    it(`measures the ${name} profile's loss and latency within sampling error`, () => {
      const p = PROFILES[name];
      const n = 50_000;
      // Spaced so the bandwidth cap never queues: this measures loss and delay alone.
      const all = fates(new LinkSimulator(p, 3), n, 100, 1);
      const lost = all.filter((f) => f.length === 0).length / n;
      const burst = 'burst' in p ? p.burst : undefined;
      const expectedLoss = burst ? (1 - burst.enter / (burst.enter + burst.exit)) * p.loss + (burst.enter / (burst.enter + burst.exit)) * burst.loss : p.loss;
      expect(Math.abs(lost - expectedLoss)).toBeLessThan(4 * Math.sqrt((expectedLoss * (1 - expectedLoss)) / n) + (burst ? 0.02 : 0.001));
      const minDelay = Math.min(...all.flatMap((f, i) => f.map((t) => t - i)));
      expect(minDelay).toBeGreaterThanOrEqual(p.latencyMs - 1e-9);
    });
  }

  it('loses packets in bursts under the congested-wifi profile', () => {
    const all = fates(new LinkSimulator(PROFILES['congested-wifi'], 5), 100_000);
    const lostFlags = all.map((f) => f.length === 0);
    let runs = 0;
    let lostTotal = 0;
    for (let i = 0; i < lostFlags.length; i++) {
      if (lostFlags[i]) {
        lostTotal++;
        if (i === 0 || !lostFlags[i - 1]) runs++;
      }
    }
    // Independent loss at this rate (about 8 %) would average 1.09 packets per run.
    expect(lostTotal / runs).toBeGreaterThan(1.3);
  });

  it('drops datagrams larger than the path MTU', () => {
    const link = new LinkSimulator(profile('lan', { mtuBytes: 576 }), 1);
    const buf = [0, 0];
    expect(link.fate(0, 548, buf)).toBe(1);
    expect(link.fate(0, 549, buf)).toBe(0);
    expect(link.stats.lostToMtu).toBe(1);
  });

  it('serialises at the bandwidth cap and drops what would wait longer than the queue', () => {
    const link = new LinkSimulator(profile('lan', { latencyMs: 0, jitterMs: 0, bandwidthBytesPerSec: 100_000, queueMs: 100 }), 1);
    const buf = [0, 0];
    const arrivals: number[] = [];
    for (let i = 0; i < 20; i++) if (link.fate(0, 972, buf) === 1) arrivals.push(buf[0]!);
    // 1000 wire bytes at 100 kB/s = 10 ms apart; about 100 ms of queue fits.
    expect(arrivals[1]! - arrivals[0]!).toBeCloseTo(10, 6);
    expect(arrivals.length).toBeGreaterThanOrEqual(10);
    expect(arrivals.length).toBeLessThan(13);
    expect(link.stats.lostToQueue).toBe(20 - arrivals.length);
  });
});

describe('the in-memory network', () => {
  it('delivers in time order, ties in send order, and only when time advances', () => {
    const net = new MemoryNetwork({ seed: 1, profile: profile('lan', { latencyMs: 10, jitterMs: 5 }) });
    const a = net.bind('a', 1);
    const b = net.bind('b', 1);
    const got: { at: number; n: number }[] = [];
    const receiver: PacketReceiver = {
      receive: (_t: Transport, bytes: Uint8Array) => got.push({ at: net.nowMs, n: bytes[0]! }),
      linkClosed: () => undefined,
      transportDrop: () => undefined,
    };
    b.attach(receiver);
    for (let i = 0; i < 100; i++) a.send(Uint8Array.of(i), 'b', 1);
    expect(got.length).toBe(0);
    net.advance(100);
    expect(got.length).toBe(100);
    for (let i = 1; i < got.length; i++) expect(got[i]!.at).toBeGreaterThanOrEqual(got[i - 1]!.at);
    // Jitter reordered some of them.
    expect(got.map((g) => g.n)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('counts packets sent to nobody as unroutable', () => {
    const net = new MemoryNetwork();
    net.bind('a', 1).send(new Uint8Array(4), 'nowhere', 9);
    expect(net.unroutable).toBe(1);
  });
});
