// Sequence reconstruction, the replay window and the sent-packet ring, each against a brute
// force oracle (BigInt arithmetic, a Set of everything seen, a plain list of sent packets).

import { describe, expect, it } from 'vitest';
import { reconstructId16, reconstructSequence } from '../../src/net/sequence.js';
import { REPLAY_WINDOW_PACKETS, ReplayWindow } from '../../src/net/replay.js';
import { SentPackets, SENT_WINDOW_PACKETS, packEntry } from '../../src/net/sent-packets.js';
import { mulberry32 } from '../helpers/wasm.js';
import { NetClock } from '../../src/net/clock.js';

describe('sequence reconstruction', () => {
  it('recovers every 64-bit sequence within 2^31 of the expected one, across 32-bit wraps', () => {
    const rand = mulberry32(1);
    for (let i = 0; i < 20_000; i++) {
      const expected = Math.floor(rand() * 2 ** 40);
      const offset = Math.floor((rand() - 0.5) * 2 * (2 ** 31 - 1));
      const actual = Math.max(0, expected + offset);
      const low = Number(BigInt(actual) & 0xffffffffn);
      expect(reconstructSequence(low, expected)).toBe(actual);
    }
  });

  it('handles the edges: the first packets and the wrap at 2^32', () => {
    expect(reconstructSequence(0, 0)).toBe(0);
    expect(reconstructSequence(5, 0)).toBe(5);
    expect(reconstructSequence(0xffffffff, 2 ** 32 + 3)).toBe(2 ** 32 - 1);
    expect(reconstructSequence(2, 2 ** 32 - 2)).toBe(2 ** 32 + 2);
  });

  it('recovers 16-bit message ids within 2^15 of the expected counter', () => {
    const rand = mulberry32(2);
    for (let i = 0; i < 20_000; i++) {
      const expected = Math.floor(rand() * 2 ** 30);
      const actual = Math.max(0, expected + Math.floor((rand() - 0.5) * 2 * 32767));
      expect(reconstructId16(actual & 0xffff, expected)).toBe(actual);
    }
  });
});

describe('replay window', () => {
  it('accepts each sequence once and nothing older than the window, matching a Set oracle', () => {
    const rand = mulberry32(3);
    const w = new ReplayWindow();
    const seen = new Set<number>();
    let newest = -1;
    for (let i = 0; i < 50_000; i++) {
      // Mostly forward with reordering, duplicates and the occasional ancient replay.
      const r = rand();
      const seq = r < 0.05 ? Math.floor(rand() * (newest + 1)) : r < 0.2 ? Math.max(0, newest - Math.floor(rand() * 300)) : newest + 1 + Math.floor(rand() * 3);
      const oracle = !seen.has(seq) && (newest < 0 || newest - seq < REPLAY_WINDOW_PACKETS);
      expect(w.check(seq)).toBe(oracle);
      if (oracle) {
        w.mark(seq);
        seen.add(seq);
        newest = Math.max(newest, seq);
      }
    }
  });

  it('reports the 32 sequences before the newest as ack bits', () => {
    const w = new ReplayWindow();
    for (const s of [0, 1, 2, 5, 9, 40]) w.mark(s);
    const bits = w.ackBits();
    // newest 40: bit i is 39 - i. 9 -> bit 30, 5 -> bit 34 (out of range).
    expect(bits).toBe((1 << 30) >>> 0);
    w.mark(41);
    expect(w.ackBits() & 1).toBe(1);
  });

  it('forgets everything when the window jumps by more than its size', () => {
    const w = new ReplayWindow();
    w.mark(3);
    w.mark(3 + REPLAY_WINDOW_PACKETS * 5);
    expect(w.check(3)).toBe(false);
    expect(w.check(3 + REPLAY_WINDOW_PACKETS * 5 - 1)).toBe(true);
  });
});

describe('sent packets', () => {
  it('acks each packet once with its entries, and declares lost what falls out of the ack window', () => {
    const clock = new NetClock();
    const sent = new SentPackets(clock);
    const lost: number[] = [];
    for (let s = 0; s < 100; s++) {
      clock.nowMs = s * 10;
      sent.begin(s, (q) => lost.push(q));
      sent.addEntry(s, packEntry(1, 0, s));
      sent.finish(s, 100);
    }
    const entries: number[] = [];
    expect(sent.ack(50, (e) => entries.push(e))).toBe(true);
    expect(sent.ackedSentAtMs).toBe(500);
    expect(entries).toEqual([packEntry(1, 0, 50)]);
    expect(sent.ack(50, () => undefined)).toBe(false);
    clock.nowMs = 1000;
    sent.lossTimeoutMs = 10_000;
    sent.detectLosses(50, (q) => lost.push(q));
    // 0..17 are more than 32 behind 50 and were never acked.
    expect(lost).toEqual(Array.from({ length: 18 }, (_, i) => i));
    clock.nowMs = 100_000;
    sent.lossTimeoutMs = 1000;
    sent.detectLosses(50, (q) => lost.push(q));
    expect(lost.length).toBe(99);
    // A late ack turns a lost packet into an acked one: the loss was spurious.
    expect(sent.ack(3, () => undefined)).toBe(true);
    expect(sent.lostTotal).toBe(98);
  });

  it('settles a packet as lost when its slot is needed again a full window later', () => {
    const sent = new SentPackets(new NetClock());
    let lost = 0;
    for (let s = 0; s < SENT_WINDOW_PACKETS + 10; s++) sent.begin(s, () => lost++);
    expect(lost).toBe(10);
    expect(sent.ack(5, () => undefined)).toBe(false);
  });

  it('reuses a cancelled sequence', () => {
    const clock = new NetClock();
    const sent = new SentPackets(clock);
    sent.begin(0, () => undefined);
    sent.cancel(0);
    clock.nowMs = 5;
    sent.begin(0, () => undefined);
    expect(sent.ack(0, () => undefined)).toBe(true);
    expect(sent.ackedSentAtMs).toBe(5);
  });
});
