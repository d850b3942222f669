// MessageRing: records come out in the order they went in, whole, across the wrap at the end of
// the buffer; a full ring refuses (and counts) rather than overwrites; and a producer thread and
// a consumer thread running at once lose nothing and corrupt nothing.

import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { MessageRing } from '../../src/core/message-ring.js';
import { mulberry32 } from '../helpers/wasm.js';

function payloadOf(seq: number, length: number): Uint8Array {
  const p = new Uint8Array(length);
  for (let i = 0; i < length; i++) p[i] = (seq * 31 + i) & 0xff;
  return p;
}

describe('MessageRing', () => {
  it('hands records back in order, whole, across many wraps', () => {
    const ring = new MessageRing(1024);
    const rand = mulberry32(3);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 2000; round++) {
      const burst = 1 + Math.floor(rand() * 5);
      for (let i = 0; i < burst; i++) {
        const length = Math.floor(rand() * 120);
        if (ring.push(next, next & 0xff, next % 7, next & 0xffff, payloadOf(next, length))) next++;
        else break;
      }
      ring.drain((r) => {
        expect(r.id).toBe(expected);
        expect(r.kind).toBe(expected & 0xff);
        expect(r.channel).toBe(expected % 7);
        expect(r.arg).toBe(expected & 0xffff);
        expect(Array.from(r.payload)).toEqual(Array.from(payloadOf(expected, r.payload.length)));
        expected++;
      });
    }
    expect(expected).toBe(next);
    expect(next).toBeGreaterThan(4000);
    expect(ring.used).toBe(0);
  });

  it('refuses a record when full, counts it, and takes records again once drained', () => {
    const ring = new MessageRing(256);
    let accepted = 0;
    while (ring.push(accepted, 1, 0, 0, payloadOf(accepted, 40))) accepted++;
    expect(accepted).toBe(4); // 4 x 56 bytes fit in 256, a fifth does not
    expect(ring.dropped).toBe(1);
    expect(ring.drain(() => undefined, 2)).toBe(2);
    expect(ring.push(99, 1, 0, 0, payloadOf(99, 40))).toBe(true);
    const ids: number[] = [];
    ring.drain((r) => ids.push(r.id));
    expect(ids).toEqual([2, 3, 99]);
    expect(() => ring.push(0, 0, 0, 0, new Uint8Array(200))).toThrow(/does not fit/);
  });

  it('moves 200,000 records from a producer thread to this one without loss or corruption', async () => {
    const ring = new MessageRing(1 << 16);
    const total = 200_000;
    const source = `
      const { workerData } = require('node:worker_threads');
      const buf = workerData.buffer, total = workerData.total;
      const ctrl = new Int32Array(buf, 0, 4), bytes = new Uint8Array(buf, 16), view = new DataView(buf, 16);
      const cap = buf.byteLength - 16, mask = cap - 1;
      let seq = 0;
      while (seq < total) {
        const length = seq % 97;
        const need = (16 + length + 3) & ~3;
        const write = Atomics.load(ctrl, 0) >>> 0, read = Atomics.load(ctrl, 1) >>> 0;
        const at = write & mask, toEnd = cap - at, filler = toEnd < need ? toEnd : 0;
        if (((write - read) >>> 0) + filler + need > cap) continue; // full: spin until drained
        let pos = at;
        if (filler > 0) { view.setUint32(pos, (0x80000000 | filler) >>> 0, true); pos = 0; }
        view.setUint32(pos, need, true); view.setUint32(pos + 4, seq, true);
        view.setUint8(pos + 8, 1); view.setUint8(pos + 9, 0); view.setUint16(pos + 10, 0, true); view.setUint32(pos + 12, length, true);
        for (let i = 0; i < length; i++) bytes[pos + 16 + i] = (seq * 31 + i) & 0xff;
        Atomics.store(ctrl, 0, (write + filler + need) | 0);
        seq++;
      }
    `;
    const worker = new Worker(source, { eval: true, workerData: { buffer: ring.buffer, total } });
    let expected = 0;
    let bad = 0;
    const deadline = Date.now() + 60_000;
    while (expected < total && Date.now() < deadline) {
      ring.drain((r) => {
        if (r.id !== expected || r.payload.length !== expected % 97) bad++;
        else for (let i = 0; i < r.payload.length; i++) if (r.payload[i] !== ((expected * 31 + i) & 0xff)) bad++;
        expected++;
      });
      await new Promise((resolve) => setImmediate(resolve));
    }
    await worker.terminate();
    expect(bad).toBe(0);
    expect(expected).toBe(total);
  });
});
