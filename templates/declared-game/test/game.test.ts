// __NAME__'s own tests (node --test), run against the module `chronos build` compiled
// (build/page/game.wasm: the game's AssemblyScript rules and the engine's kernels): the rules;
// the engine's sync-test over them (every frame rolled back and simulated again must hash the
// same: nothing outside the store, nothing from a clock); and what the engine's codec makes of
// them for two players over a lossy link: each gets its own score and never the other's, and
// every orb taken is announced once (the rules' emitEvent), naming who took it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeclaredRollbackGame, GameInputCodec, GameReplica, GameReplicator, SyncTestSession } from 'chronos';
import { EVENT_ORB, GAME, ORB_EVENT_RANGE_M, type Input } from '../game.js';
import { createGame, loadRules } from '../module.js';

const wander = (tick: number, player: number): Input => ({
  moveX: Math.round(Math.cos(tick / 40 + player) * 127) / 127,
  moveY: Math.round(Math.sin((tick / 55) * player) * 127) / 127,
});

async function play(seed: number, ticks: number) {
  const game = await createGame(seed);
  const codec = new GameInputCodec(GAME);
  const players = [1, 2].map((player) => ({
    player,
    avatar: game.join(player),
    server: new GameReplicator(game.store, { viewCapacity: game.viewCapacity, owner: player }),
    client: new GameReplica(GAME, { viewCapacity: game.viewCapacity }),
  }));
  const slots = new Uint32Array(game.viewCapacity);
  let lost = 0;
  const events: { kind: number; rangeM: number; payload?: Uint8Array }[] = [];
  for (let tick = 0; tick < ticks; tick++) {
    // What a client sends goes through the wire's checks, as on the server.
    for (const p of players) game.input(p.avatar, codec.decode(codec.encode(wander(tick, p.player))));
    game.step(tick);
    // What the server would send after this step (DeclaredServer calls announce so).
    game.announce?.((e) => (events.push(e), { sent: 0, dropped: 0, bytes: 0 }), tick);
    for (const p of players) {
      const n = game.visible(p.avatar, slots);
      const bytes = p.server.encode(tick, slots, n);
      if ((tick * 7 + p.player) % 10 === 0) {
        lost++;
        continue; // a lost message: the next one is a delta against what was acknowledged
      }
      const { seq } = p.client.decode(bytes);
      p.server.ack(seq);
    }
  }
  return { game, players, lost, events };
}

test('players walk by their input', async () => {
  const { game, players } = await play(1, 120);
  for (const p of players) assert.notEqual(game.store.get(p.avatar, 'position.x'), 0);
});

test('each player receives its own score and never the other\'s', async () => {
  const { game, players, lost, events } = await play(2, 600);
  assert.ok(lost > 0);
  assert.ok(players.some((p) => (game.store.get(p.avatar, 'score.orbs') as number) > 0), 'somebody scored');
  for (const p of players) {
    const other = players.find((o) => o !== p)!;
    assert.equal(p.client.value(p.avatar, 'score.orbs'), game.store.get(p.avatar, 'score.orbs'));
    if (p.client.has(other.avatar)) assert.equal(p.client.value(other.avatar, 'score.orbs'), undefined);
    assert.equal(p.client.entity(p.avatar)?.owned, true);
  }
  // Every orb taken was announced once, by the one who took it.
  const taker = (e: { payload?: Uint8Array }) => new DataView(e.payload!.buffer, e.payload!.byteOffset, 4).getUint32(0, true);
  for (const p of players) {
    const announced = events.filter((e) => e.kind === EVENT_ORB && e.rangeM === ORB_EVENT_RANGE_M && taker(e) === p.avatar).length;
    assert.equal(announced, game.store.get(p.avatar, 'score.orbs'));
  }
});

test('the same seed and inputs give the same world, byte for byte', async () => {
  const a = (await play(3, 300)).game.store.save();
  const b = (await play(3, 300)).game.store.save();
  assert.deepEqual(a, b);
});

test('rolls back and re-simulates every frame to the same hash (the engine\'s SyncTestSession)', async () => {
  const game = DeclaredRollbackGame.fromWasm(await loadRules(), { players: 2, seed: 1 });
  const sync = new SyncTestSession(game);
  const frame = new Uint8Array(2 * game.inputBytes);
  for (let f = 0; f < 300; f++) {
    if (f % 20 === 0) for (let p = 0; p < 2; p++) game.codec.encode(wander(f, p + 1), frame, p * game.inputBytes);
    sync.advanceFrame(frame);
  }
  assert.equal(sync.mismatches, 0, `first mismatch: ${JSON.stringify(sync.firstMismatch, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
  assert.ok(sync.framesResimulated > 600);
});
