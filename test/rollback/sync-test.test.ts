// Sync-test mode: every frame rolled back 1..8 frames and re-simulated must hash as it did the
// first time. The oracle is the game's own first run; a mismatch means some state escaped the
// region or the step is not a pure function of region and inputs.

import { describe, expect, it } from 'vitest';
import { SyncTestSession } from '../../src/rollback/sync-test.js';
import { mulberry32, newArena, randomInputs, smallGame } from './fixtures.js';

describe('sync test', () => {
  it('re-simulates 100,000 frames of 8 players with seeded random inputs without a single mismatch', async () => {
    const arena = await newArena();
    const game = smallGame(arena, { lagCompensation: false });
    const session = new SyncTestSession(game, { checkDistance: 8 });
    const rand = mulberry32(2024);
    const inputs = new Uint8Array(8 * game.inputBytes);
    for (let f = 0; f < 100_000; f++) session.advanceFrame(randomInputs(rand, 8, inputs));
    expect(session.firstMismatch).toBeUndefined();
    expect(session.mismatches).toBe(0);
    expect(session.framesAdvanced).toBe(100_000);
    expect(session.framesResimulated).toBeGreaterThan(400_000);
    // The run did exercise the game: kills happened and projectiles flew.
    expect(game.kills).toBeGreaterThan(100);
  });

  it('catches state kept outside the region', async () => {
    const arena = await newArena();
    const game = smallGame(arena, { lagCompensation: false });
    // A step that also reads a counter living outside the region: not a pure function of it.
    let hidden = 0;
    const advance = game.advance.bind(game);
    game.advance = (ptr, count) => {
      advance(ptr, count);
      hidden++;
      if (hidden % 7 === 0) game.world.column('posX')[0] = hidden;
    };
    const session = new SyncTestSession(game, { checkDistance: 4 });
    const rand = mulberry32(1);
    for (let f = 0; f < 50; f++) session.advanceFrame(randomInputs(rand, 8));
    expect(session.mismatches).toBeGreaterThan(0);
    expect(session.firstMismatch!.frame).toBeGreaterThan(0);
  });
});
