// Paged views and the lanes' pools: a client holds view pages for what it sees (16 handles a
// page) and gives them back as its view empties; a lane tick that stops for its pools (pages,
// pending records, output heap grown mid-tick, or trimmed every tick) and resumes produces
// exactly the snapshots an uninterrupted one does, whatever the lane split; handles stay within
// the view capacity, below a page too; memory per client follows what clients see.

import { afterEach, describe, expect, it } from 'vitest';
import type { InterestOptions } from '../../src/interest/index.js';
import { mulberry32 } from '../helpers/wasm.js';
import { Fixture } from './fixture.js';

const fixtures: Fixture[] = [];
afterEach(async () => {
  for (const f of fixtures.splice(0)) await f.dispose();
});

async function make(o: { capacity?: number; interest?: InterestOptions }): Promise<Fixture> {
  const f = await Fixture.create(o);
  fixtures.push(f);
  return f;
}

describe('paged views', () => {
  it('hold a page per 16 handles of what the client sees and give pages back as the view empties', async () => {
    const f = await make({
      capacity: 256,
      interest: { maxSnapshotBytes: 64 * 1024, discoveryPeriodTicks: 1, dynamicRadius: { minScale: 1, maxScale: 1, growBelow: 0 } },
    });
    f.put(0, { x: 0, y: 0 });
    for (let i = 1; i <= 3; i++) f.put(i, { x: i * 10, y: 0 });
    const c = f.addClient({ viewerSlot: 0, shape: { kind: 'circle', radiusM: 100 } });
    f.tick();
    expect(f.pipeline.clientCounters(c).viewPages).toBe(1);
    const rand = mulberry32(3);
    for (let i = 4; i <= 100; i++) f.put(i, { x: (rand() - 0.5) * 120, y: (rand() - 0.5) * 120 });
    f.tick();
    f.tick();
    const k = f.pipeline.clientCounters(c);
    expect(k.visible).toBe(101);
    expect(k.viewPages).toBe(Math.ceil(101 / 16));
    // Everything but the viewer and the first three bodies (handles 0-3) walks away: their
    // leaves are acked, their handles freed, and the pages they held go back.
    for (let i = 4; i <= 100; i++) f.move(i, 900, 900);
    for (let t = 0; t < 30; t++) f.tick();
    const after = f.pipeline.clientCounters(c);
    expect(after.visible).toBe(4);
    expect(after.viewPages).toBe(1);
    expect(f.pipeline.viewOf(c).every((e) => e.handle < 16)).toBe(true);
    // The client's view still decodes to the server's.
    expect([...f.clientSlots(c)].sort((a, b) => a - b)).toEqual([...f.serverSlots(c)].sort((a, b) => a - b));
  });

  it('keep handles below a view capacity smaller than a page', async () => {
    const f = await make({ capacity: 32, interest: { viewCapacity: 8, maxSnapshotBytes: 64 * 1024 } });
    f.put(0, { x: 0, y: 0 });
    for (let i = 1; i < 20; i++) f.put(i, { x: i * 2, y: 0 });
    const c = f.addClient({ viewerSlot: 0, shape: { kind: 'circle', radiusM: 100 } });
    f.tick();
    const view = f.pipeline.viewOf(c);
    expect(view.length).toBe(8);
    expect(view.every((e) => e.handle < 8)).toBe(true);
    expect(f.pipeline.clientCounters(c).viewFull).toBeGreaterThan(0);
    expect(f.clientSlots(c).size).toBe(8);
  });
});

/** A random world with clients joining, leaving and moving; every snapshot of every tick. */
async function scriptedRun(interest: InterestOptions): Promise<string[]> {
  const N = 600;
  const f = await make({ capacity: N, interest: { maxClients: 40, ...interest } });
  const rand = mulberry32(17);
  for (let i = 0; i < N; i++) {
    const fast = i % 50 === 0;
    f.put(i, { x: (rand() - 0.5) * 800, y: (rand() - 0.5) * 800, vx: fast ? 15 : (rand() - 0.5) * 0.2, vy: fast ? 3 : (rand() - 0.5) * 0.2, hp: 100 });
  }
  const clients: number[] = [];
  for (let i = 0; i < 30; i++) clients.push(f.addClient({ viewerSlot: i * 7, shape: { kind: 'circle', radiusM: 100 + (i % 3) * 30 } }));
  const out: string[] = [];
  for (let t = 0; t < 160; t++) {
    f.integrate();
    for (let i = 0; i < N; i++) {
      const x = f.cols.column('x')[i]! / 65536;
      if (Math.abs(x) > 450) f.put(i, { x: 0, y: (rand() - 0.5) * 800, vx: -Math.sign(x) * 15, hp: 100 });
    }
    if (t === 40) f.pipeline.removeClient(clients.shift()!);
    if (t === 60) clients.push(f.addClient({ viewerSlot: 599, shape: { kind: 'circle', radiusM: 150 } }));
    if (t % 23 === 5) f.kill(Math.floor(rand() * N));
    const snaps = f.tick((c, bytes, n) => {
      f.views.get(c)!.apply(bytes);
      if ((c + t) % 5 !== 0) f.pipeline.acked(c, n);
    });
    for (const c of [...snaps.keys()].sort((a, b) => a - b)) out.push(`${t}:${c}:${Buffer.from(snaps.get(c)!).toString('hex')}`);
  }
  return out;
}

describe('lane pools', () => {
  it('produce the same snapshots with 1, 2 or 3 lanes and with pools trimmed every tick', async () => {
    const one = await scriptedRun({ lanes: 1 });
    expect(one.length).toBeGreaterThan(3000);
    expect(await scriptedRun({ lanes: 2 })).toEqual(one);
    expect(await scriptedRun({ lanes: 3, poolTrimTicks: 1 })).toEqual(one);
    expect(await scriptedRun({ lanes: 1, poolTrimTicks: 1 })).toEqual(one);
  });

  it('hold memory for what clients see and give a burst back', async () => {
    const N = 4000;
    const f = await make({ capacity: N, interest: { maxClients: 400, poolTrimTicks: 8, dynamicRadius: { minScale: 1, maxScale: 1, growBelow: 0 } } });
    const rand = mulberry32(5);
    // 400 clients, each with about 10 bodies within its 30 m view.
    for (let i = 0; i < N; i++) f.put(i, { x: (rand() - 0.5) * 1800, y: (rand() - 0.5) * 1800 });
    f.tick();
    const empty = f.pipeline.memoryBytes();
    const clients: number[] = [];
    for (let i = 0; i < 400; i++) clients.push(f.addClient({ viewerSlot: i * 10, shape: { kind: 'circle', radiusM: 30 } }));
    for (let t = 0; t < 20; t++) f.tick();
    const perClient = (f.pipeline.memoryBytes() - empty) / clients.length;
    // What a client adds: its header and page table (1.2 KB), one page (1.3 KB), its pending
    // records and its share of the output heap and of the pools' headroom.
    expect(perClient).toBeLessThan(4 * 1024);
    expect(f.pipeline.totals().viewPages).toBe(clients.length);
    // Every client leaves: its pages and pending records go back, and trimming returns the
    // pools' chunks to the arena (what is left: client blocks, kept for reuse, and the reserve
    // one client's turn may need).
    for (const c of clients) f.pipeline.removeClient(c);
    for (let t = 0; t < 16; t++) f.tick();
    const blocks = 400 * 1152;
    expect(f.pipeline.memoryBytes() - empty - blocks).toBeLessThan(128 * 1024);
  });
});
