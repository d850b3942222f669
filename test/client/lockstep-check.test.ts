// The client's lockstep check: follows the server's tick, confirms matching hashes, reports the
// first mismatching tick, and keeps its pending list bounded.

import { describe, expect, it } from 'vitest';
import { LockstepCheck } from '../../src/client/lockstep-check.js';
import { FRAME_HASH, FRAME_HELLO, type HelloFrame } from '../../src/codec/world-frame.js';
import { DEFAULT_CONFIG, worldBounds } from '../../src/core/config.js';
import { freshArena } from '../helpers/wasm.js';
import { referenceWorld } from '../helpers/reference-world.js';

const HELLO: HelloFrame = {
  type: FRAME_HELLO,
  seed: 3,
  tick: 0,
  capacity: 500 + DEFAULT_CONFIG.spareEntities,
  npcs: 500,
  hashEveryTicks: 60,
  tickHz: 60,
  bounds: worldBounds(DEFAULT_CONFIG),
  npc: DEFAULT_CONFIG.npc,
};

async function serverHashes(ticks: number[]): Promise<Map<number, bigint>> {
  const world = await referenceWorld({ seed: 3, npcs: 500 });
  const hashes = new Map<number, bigint>();
  for (const tick of ticks) {
    world.step(tick - world.tick);
    hashes.set(tick, world.hash());
  }
  return hashes;
}

describe('LockstepCheck', () => {
  it('steps to the server tick and confirms equal hashes', async () => {
    const hashes = await serverHashes([60, 120, 180]);
    const check = new LockstepCheck(await freshArena(), { ...HELLO, tick: 30 });
    for (const [tick, hash] of hashes) check.onHash({ type: FRAME_HASH, tick, hash });
    expect(check.state).toBe('syncing');
    check.advance(10_000, () => performance.now());
    expect(check.world.tick).toBe(180);
    expect(check.matches).toBe(3);
    expect(check.mismatches).toBe(0);
    expect(check.state).toBe('in-sync');
  });

  it('reports the first tick whose hash differs', async () => {
    const hashes = await serverHashes([60, 120]);
    const check = new LockstepCheck(await freshArena(), HELLO);
    check.onHash({ type: FRAME_HASH, tick: 60, hash: hashes.get(60)! });
    check.onHash({ type: FRAME_HASH, tick: 120, hash: hashes.get(120)! ^ 1n });
    check.advance(10_000, () => performance.now());
    expect(check.state).toBe('desync');
    expect(check.firstMismatchTick).toBe(120);
  });

  it('stops at its time budget and resumes later', async () => {
    const check = new LockstepCheck(await freshArena(), { ...HELLO, tick: 5000 });
    let fakeNow = 0;
    const stepped = check.advance(1, () => (fakeNow += 1));
    expect(stepped).toBeLessThan(5000);
    expect(check.progress).toBeLessThan(1);
    check.advance(100_000, () => performance.now());
    expect(check.world.tick).toBe(5000);
  });

  it('counts hashes for ticks already passed and bounds the pending ones', async () => {
    const check = new LockstepCheck(await freshArena(), { ...HELLO, tick: 10 });
    check.advance(10_000, () => performance.now());
    check.onHash({ type: FRAME_HASH, tick: 5, hash: 1n });
    expect(check.missed).toBe(1);
    for (let t = 1; t <= 1000; t++) check.onHash({ type: FRAME_HASH, tick: 10 + t, hash: 1n });
    check.advance(10_000, () => performance.now());
    expect(check.mismatches).toBeLessThanOrEqual(64);
  });
});
