// Lag compensation: shots judged against where bodies were when the shooter saw them. A target
// runs north across a shooter's line of fire at 0.2 m per tick; the oracle is its known path:
// at each rewind the test knows exactly where it stood and so whether the ray meets it.

import { describe, expect, it } from 'vitest';
import { ReferenceGame } from '../fixtures/reference-game/reference-game.js';
import { RollbackServer } from '../../src/rollback/server-session.js';
import { makeEntityId } from '../../src/core/entity-id.js';
import { encodeInputMessage } from '../../src/codec/rollback-messages.js';
import { BUTTON_PRESENT, BUTTON_SHOOT, INPUT_BYTES, IN_AIM, IN_BUTTONS, IN_MOVE_Y, IN_TARGET, IN_VIEW_DELAY, NO_TARGET, REFERENCE_INPUT_FORMAT } from '../fixtures/reference-game/input.js';
import { newArena, worldOptions } from './fixtures.js';

const Q = 65536;
const AIM_EAST = 0;

/** Shooter at (0, 0); target at x = 10 running north, at y = 0 exactly `framesAgo` frames before now. */
async function range(options: { historyFrames?: number; framesAgo?: number } = {}) {
  const arena = await newArena();
  const game = ReferenceGame.create(arena, {
    world: worldOptions({ capacity: 64, bounds: { minX: -50, minY: -50, minZ: 0, maxX: 50, maxY: 50, maxZ: 4 } }),
    npcs: 0,
    players: 2,
    rules: { playerSpeedMps: 12 },
    lagCompensation: options.historyFrames ? { historyFrames: options.historyFrames } : {},
  });
  const inputs = arena.allocate('inputs', 2 * INPUT_BYTES);
  const bytes = inputs.bytes();
  bytes[IN_BUTTONS] = BUTTON_PRESENT;
  bytes[INPUT_BYTES + IN_BUTTONS] = BUTTON_PRESENT;
  game.advance(inputs.ptr, 2);
  const shooter = game.playerSlot(0);
  const target = game.playerSlot(1);
  const x = game.world.column('posX');
  const y = game.world.column('posY');
  x[shooter] = 0;
  y[shooter] = 0;
  const framesAgo = options.framesAgo ?? 10;
  const run = 30;
  x[target] = 10 * Q;
  y[target] = Math.round(-0.2 * (run - framesAgo) * Q);
  game.onFrame(game.frame());
  bytes[INPUT_BYTES + IN_MOVE_Y] = 127;
  for (let f = 0; f < run; f++) {
    game.advance(inputs.ptr, 2);
    game.onFrame(game.frame());
  }
  return { game, shooter, target, targetId: makeEntityId(target, game.world.column('generation')[target]!), comp: game.lagCompensator!, now: game.frame() };
}

describe('lag compensation', () => {
  it('hits a target where the shooter saw it 10 frames (167 ms) ago', async () => {
    const r = await range();
    expect(r.game.world.column('posY')[r.target]! / Q).toBeCloseTo(2, 3); // 2 m north of the line now
    const verdict = r.comp.judge(r.now, r.shooter, 0, 0, AIM_EAST, 10 * 256);
    expect(verdict).toMatchObject({ target: r.targetId, outcome: 'hit' });
    expect(verdict.rewindMs).toBeCloseTo(166.7, 0);
  });

  it('misses the same shot judged in the present, where the target no longer is', async () => {
    const r = await range();
    expect(r.comp.judge(r.now, r.shooter, 0, 0, AIM_EAST, 0)).toMatchObject({ target: NO_TARGET, outcome: 'miss' });
  });

  it('misses a shot that was wide at the time it was fired', async () => {
    const r = await range();
    const aimNorthOfTarget = Math.round((Math.atan2(1.5, 10) / (2 * Math.PI)) * 65536);
    expect(r.comp.judge(r.now, r.shooter, 0, 0, aimNorthOfTarget, 10 * 256).outcome).toBe('miss');
  });

  it('interpolates between recorded frames as the client drew them', async () => {
    const r = await range({ framesAgo: 10 });
    // 12.5 frames back the target stood at y = -0.5: a ray 1.45 m south of the line misses it
    // by 0.05 m with the 1 m grown radius at frames 12 and 13 alike, but 0.95 m from -0.5 hits.
    const aim = Math.round((Math.atan2(-1.45, 10) / (2 * Math.PI)) * 65536) & 0xffff;
    expect(r.comp.judge(r.now, r.shooter, 0, 0, aim, Math.round(12.5 * 256)).outcome).not.toBe('miss');
    expect(r.comp.judge(r.now, r.shooter, 0, 0, aim, 4 * 256).outcome).toBe('miss');
  });

  it('allows a near miss within the one-frame timing tolerance', async () => {
    const r = await range();
    // 1.1 m south of where the target was 10 frames ago: 0.1 m outside its grown radius. A frame
    // earlier the target was 0.2 m further south, and the ray meets it.
    const aim = Math.round((Math.atan2(-1.1, 10) / (2 * Math.PI)) * 65536) & 0xffff;
    const verdict = r.comp.judge(r.now, r.shooter, 0, 0, aim, 10 * 256);
    expect(verdict).toMatchObject({ target: r.targetId, outcome: 'hit-within-tolerance' });
    expect(r.comp.hitsWithinTolerance).toBe(1);
  });

  it('rejects and counts claims reaching back beyond the cap', async () => {
    const r = await range({ framesAgo: 20 });
    const verdict = r.comp.judge(r.now, r.shooter, 0, 0, AIM_EAST, 20 * 256); // 333 ms
    expect(verdict).toMatchObject({ target: NO_TARGET, outcome: 'beyond-cap' });
    expect(r.comp.rejectedBeyondCap).toBe(1);
    // The cap with its margins: 200 ms + 20 ms latency buffer + 16 ms timing tolerance.
    expect(r.comp.capFrames * (1000 / 60)).toBeCloseTo(236, 5);
  });

  it('rejects and counts claims older than its history', async () => {
    const r = await range({ historyFrames: 4 });
    expect(r.comp.judge(r.now, r.shooter, 0, 0, AIM_EAST, 10 * 256).outcome).toBe('no-history');
    expect(r.comp.rejectedNoHistory).toBe(1);
  });

  it('turns a client SHOOT into a confirmed hit on the server, whatever verdict the client sent', async () => {
    const r = await range();
    const server = new RollbackServer(r.game);
    server.addPlayer(0);
    server.addPlayer(1);
    const record = new Uint8Array(INPUT_BYTES);
    record[IN_BUTTONS] = BUTTON_SHOOT;
    new DataView(record.buffer).setUint16(IN_AIM, AIM_EAST, true);
    new DataView(record.buffer).setUint16(IN_VIEW_DELAY, 10 * 256, true);
    new DataView(record.buffer).setUint32(IN_TARGET, 12345, true); // a forged verdict: overwritten
    server.receive(0, encodeInputMessage(0, server.frame, 0, record, 0, 1, REFERENCE_INPUT_FORMAT));
    const hp = r.game.world.column('hp')[r.target]!;
    server.tick();
    expect(r.game.lastVerdict).toMatchObject({ target: r.targetId, outcome: 'hit' });
    expect(r.game.world.column('hp')[r.target]).toBe(hp - 34);
  });

  it('judges a held SHOOT once per shot the weapon fires, not once per frame of its cooldown', async () => {
    const r = await range();
    const record = new Uint8Array(2 * INPUT_BYTES);
    const v = new DataView(record.buffer);
    record[IN_BUTTONS] = BUTTON_PRESENT | BUTTON_SHOOT;
    v.setUint16(IN_AIM, AIM_EAST, true);
    record[INPUT_BYTES + IN_BUTTONS] = BUTTON_PRESENT;
    const inputs = r.game.arena.allocate('held-shoot', record.byteLength);
    const cooldownFrames = Math.round(0.25 * 60); // the default weaponCooldownS at 60 Hz
    const frames = 3 * cooldownFrames;
    const shotsBefore = r.comp.shots;
    for (let f = 0; f < frames; f++) {
      inputs.bytes().set(record);
      r.game.resolveClaim(r.game.frame(), 0, inputs.bytes(), 0);
      r.game.advance(inputs.ptr, 2);
      r.game.onFrame(r.game.frame());
    }
    // A shot at frame 0, then one each time the cooldown (15 frames, counted down to 0) ends.
    expect(r.comp.shots - shotsBefore).toBe(Math.ceil(frames / (cooldownFrames + 1)));
  });
});
