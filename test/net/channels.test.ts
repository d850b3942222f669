// Channels end to end: two endpoints over the seeded network simulator, with every named
// profile and with fixed loss rates. The oracle is the list of messages sent: reliable channels
// must deliver exactly it (ordered: in order), unreliable-sequenced must never go backwards.

import { describe, expect, it } from 'vitest';
import { makePair, type Pair } from './harness.js';
import { profile, PROFILE_NAMES, type NetworkProfile } from '../../src/net/simulator.js';
import type { ChannelConfig } from '../../src/net/channel.js';
import { mulberry32 } from '../helpers/wasm.js';
import { MAX_MESSAGE_BYTES } from '../../src/net/spec.js';

const RELIABLE = 0;
const SEQUENCED = 1;
const UNRELIABLE = 2;
const UNORDERED = 3;
const CHANNELS: ChannelConfig[] = [
  { kind: 'reliable-ordered', priority: 'critical' },
  { kind: 'unreliable-sequenced', priority: 'high' },
  { kind: 'unreliable', priority: 'medium' },
  { kind: 'reliable-unordered', priority: 'high' },
];

function connected(p: Pair): void {
  p.connect();
  p.until(() => p.client.state === 'connected' && p.server.connections[0]?.accepted === true, 20_000);
}

function message(rand: () => number, i: number, size: number): Uint8Array {
  const b = new Uint8Array(size);
  const seed = (i * 2654435761) >>> 0;
  for (let j = 0; j < size; j++) b[j] = (seed + j * 31 + (j >>> 8)) & 0xff;
  if (size >= 4) new DataView(b.buffer).setUint32(0, i, true);
  void rand;
  return b;
}

function randomSize(rand: () => number, max: number): number {
  // Mostly small game messages, some that need a few fragments.
  return rand() < 0.9 ? 4 + Math.floor(rand() * 300) : 1200 + Math.floor(rand() * (max - 1200));
}

/** Sends `count` messages each way on `channel`, a few per tick, and waits for all of them. */
function exchange(p: Pair, channel: number, count: number, maxSize: number, seed: number, maxMs: number): { toServer: Uint8Array[]; toClient: Uint8Array[] } {
  const rand = mulberry32(seed);
  const toServer: Uint8Array[] = [];
  const toClient: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    toServer.push(message(rand, i, randomSize(rand, maxSize)));
    toClient.push(message(rand, i + 100_000, randomSize(rand, maxSize)));
  }
  let next = 0;
  p.until(() => {
    for (let k = 0; k < 4 && next < count; k++, next++) {
      p.client.send(channel, toServer[next]!);
      p.serverConn().send(channel, toClient[next]!);
    }
    return p.atServer.length >= count && p.atClient.length >= count;
  }, maxMs);
  return { toServer, toClient };
}

/** Same messages in the same order; Buffer.equals keeps 256 KB comparisons fast. */
function expectSameMessages(actual: Uint8Array[], expected: Uint8Array[]): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Buffer.from(actual[i]!).equals(Buffer.from(expected[i]!))) throw new Error(`message ${i} differs (${actual[i]!.length} vs ${expected[i]!.length} bytes)`);
  }
}

function lossy(loss: number): NetworkProfile {
  return profile('lan', { loss, latencyMs: 30, jitterMs: 5, reorder: 0.02 });
}

describe('reliable-ordered', () => {
  for (const name of PROFILE_NAMES) {
    it(`delivers every message exactly once and in order over the ${name} profile`, () => {
      const p = makePair({ seed: 21, profile: profile(name), channels: CHANNELS });
      connected(p);
      const { toServer, toClient } = exchange(p, RELIABLE, 200, 4000, 7, 120_000);
      expectSameMessages(p.atServer.map((m) => m.bytes), toServer);
      expectSameMessages(p.atClient.map((m) => m.bytes), toClient);
    });
  }

  for (const loss of [0.05, 0.2]) {
    it(`delivers 100% in order at ${loss * 100}% loss`, () => {
      const p = makePair({ seed: 5, profile: lossy(loss), channels: CHANNELS });
      connected(p);
      const { toServer, toClient } = exchange(p, RELIABLE, 500, 3000, 9, 300_000);
      expectSameMessages(p.atServer.map((m) => m.bytes), toServer);
      expectSameMessages(p.atClient.map((m) => m.bytes), toClient);
      expect(p.client.connection.stats().packetsLost).toBeGreaterThan(0);
    });
  }

  it('round-trips messages of random sizes up to 256 KB under 5% loss', () => {
    const p = makePair({ seed: 8, profile: lossy(0.05), channels: CHANNELS });
    connected(p);
    const rand = mulberry32(4);
    const sizes = [1, MAX_MESSAGE_BYTES, ...Array.from({ length: 10 }, () => 1 + Math.floor(rand() * MAX_MESSAGE_BYTES))];
    const sent = sizes.map((n, i) => message(rand, i, n));
    for (const m of sent) p.client.send(RELIABLE, m);
    let echoed = 0;
    p.until(() => {
      while (echoed < p.atServer.length) p.serverConn().send(RELIABLE, p.atServer[echoed++]!.bytes);
      return p.atClient.length === sent.length;
    }, 600_000);
    expectSameMessages(p.atClient.map((m) => m.bytes), sent);
  });

  it('rejects a message larger than the channel allows with the sizes in the error', () => {
    const p = makePair({ channels: [{ kind: 'reliable-ordered', maxMessageBytes: 100 }] });
    connected(p);
    expect(() => p.client.send(0, new Uint8Array(101))).toThrow(/101 bytes exceeds channel 0's limit of 100/);
  });
});

describe('reliable-unordered', () => {
  it('delivers every message exactly once under loss and reordering', () => {
    const p = makePair({ seed: 12, profile: profile('congested-wifi'), channels: CHANNELS });
    connected(p);
    const { toServer, toClient } = exchange(p, UNORDERED, 300, 3000, 13, 300_000);
    const key = (b: Uint8Array) => Array.from(b.subarray(0, 8)).join(',') + ':' + b.length;
    expect(p.atServer.map((m) => key(m.bytes)).sort()).toEqual(toServer.map(key).sort());
    expect(p.atClient.map((m) => key(m.bytes)).sort()).toEqual(toClient.map(key).sort());
  });
});

describe('unreliable-sequenced', () => {
  for (const name of ['4g', 'congested-wifi', 'satellite'] as const) {
    it(`never delivers a message older than one already delivered (${name})`, () => {
      const p = makePair({ seed: 31, profile: profile(name, { reorder: 0.2 }), channels: CHANNELS, server: { congestion: { minBytesPerSec: 1 << 20 } } });
      connected(p);
      const received: number[] = [];
      const rand = mulberry32(17);
      for (let t = 0; t < 600; t++) {
        // Mostly one-packet snapshots, sometimes a fragmented one.
        const size = rand() < 0.1 ? 5000 : 200;
        const b = new Uint8Array(size);
        new DataView(b.buffer).setUint32(0, t, true);
        p.serverConn().send(SEQUENCED, b);
        p.step();
        for (const m of p.atClient.splice(0)) received.push(new DataView(m.bytes.buffer).getUint32(0, true));
      }
      p.run(3000);
      for (const m of p.atClient.splice(0)) received.push(new DataView(m.bytes.buffer).getUint32(0, true));
      for (let i = 1; i < received.length; i++) expect(received[i]!).toBeGreaterThan(received[i - 1]!);
      // Heavy reordering makes many arrive stale (dropped, as they must be); most still count.
      expect(received.length).toBeGreaterThan(150);
    });
  }
});

describe('unreliable', () => {
  it('reports acked only for messages the peer actually received', () => {
    const acked = new Set<number>();
    // At 20% loss congestion control is in emergency state, which suspends medium priority:
    // this channel is high so it keeps sending.
    const p = makePair({
      seed: 3,
      profile: lossy(0.2),
      channels: CHANNELS.map((c, i) => (i === UNRELIABLE ? { ...c, priority: 'high' as const } : c)),
      server: { congestion: { minBytesPerSec: 1 << 20 } },
      serverHandlers: { acked: (_c, channel, n) => channel === UNRELIABLE && acked.add(n) },
    });
    connected(p);
    const numbers: number[] = [];
    for (let t = 0; t < 400; t++) {
      const b = new Uint8Array(t % 10 === 0 ? 3000 : 50);
      // Borrowed: the connection reads the bytes at flush, so the number can go in after.
      const n = p.serverConn().sendBorrowed(UNRELIABLE, b);
      new DataView(b.buffer).setUint32(0, n, true);
      numbers.push(n);
      p.step();
    }
    p.run(2000);
    const delivered = new Set(p.atClient.filter((m) => m.channel === UNRELIABLE).map((m) => new DataView(m.bytes.buffer).getUint32(0, true)));
    expect(acked.size).toBeGreaterThan(200);
    for (const n of acked) expect(delivered.has(n)).toBe(true);
    expect(delivered.size).toBeLessThan(numbers.length);
  });

  it('packs several small messages into one packet', () => {
    const p = makePair({ channels: CHANNELS });
    connected(p);
    p.run(200);
    const before = p.client.connection.packetsOut;
    for (let i = 0; i < 30; i++) p.client.send(UNRELIABLE, new Uint8Array(20));
    p.client.flush();
    expect(p.client.connection.packetsOut - before).toBe(1);
    p.run(100);
    expect(p.atServer.filter((m) => m.channel === UNRELIABLE).length).toBe(30);
  });

  it('drops a message it cannot send within the congestion budget instead of queueing it', () => {
    const p = makePair({ channels: CHANNELS, server: { congestion: { initialBytesPerSec: 40_000, minBytesPerSec: 40_000, maxBytesPerSec: 40_000 } } });
    connected(p);
    p.run(500);
    const conn = p.serverConn();
    const budget = conn.budgetBytes();
    expect(budget).toBeLessThan(20_000);
    conn.send(SEQUENCED, new Uint8Array(budget + 10_000));
    p.step();
    expect(p.server.drops.messagesByReason().over_budget).toBe(1);
  });
});

describe('a seeded run', () => {
  it('replays exactly: same seed, same packets lost, same stats, same deliveries', () => {
    const run = (seed: number) => {
      const p = makePair({ seed, profile: profile('congested-wifi'), channels: CHANNELS });
      connected(p);
      exchange(p, RELIABLE, 100, 3000, 3, 120_000);
      for (let t = 0; t < 100; t++) {
        p.serverConn().send(SEQUENCED, new Uint8Array(300).fill(t));
        p.step();
      }
      const c = p.client.connection.stats();
      const s = p.serverConn().stats();
      return JSON.stringify({ c, s, now: p.net.nowMs, delivered: p.atClient.length, drops: p.client.drops.messagesByReason() });
    };
    expect(run(77)).toBe(run(77));
    expect(run(77)).not.toBe(run(78));
  });
});
