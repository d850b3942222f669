// __NAME__'s own tests (node --test): the rules, and what the engine's codec makes of them for
// two players over a lossy link: each gets its own score and never the other's, and the world
// is the same byte for byte when the same inputs run twice.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GameInputCodec, GameReplica, GameReplicator } from 'chronos';
import { GAME, type Input } from '../game.js';
import { createGame } from '../rules.js';

function play(seed: number, ticks: number) {
  const game = createGame(seed);
  const codec = new GameInputCodec(GAME);
  const players = [1, 2].map((player) => ({
    player,
    avatar: game.join(player),
    server: new GameReplicator(game.store, { viewCapacity: game.viewCapacity, owner: player }),
    client: new GameReplica(GAME, { viewCapacity: game.viewCapacity }),
  }));
  const slots = new Uint32Array(game.viewCapacity);
  let lost = 0;
  for (let tick = 0; tick < ticks; tick++) {
    for (const p of players) {
      const input: Input = { moveX: Math.cos(tick / 40 + p.player), moveY: Math.sin(tick / 55 * p.player) };
      game.input(p.avatar, codec.decode(codec.encode(input)));
    }
    game.step(tick);
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
  return { game, players, lost };
}

test('players walk by their input', () => {
  const { game, players } = play(1, 120);
  for (const p of players) assert.notEqual(game.store.get(p.avatar, 'position.x'), 0);
});

test('each player receives its own score and never the other\'s', () => {
  const { game, players, lost } = play(2, 600);
  assert.ok(lost > 0);
  for (const p of players) {
    const other = players.find((o) => o !== p)!;
    assert.equal(p.client.value(p.avatar, 'score.orbs'), game.store.get(p.avatar, 'score.orbs'));
    if (p.client.has(other.avatar)) assert.equal(p.client.value(other.avatar, 'score.orbs'), undefined);
    assert.equal(p.client.entity(p.avatar)?.owned, true);
  }
});

test('the same seed and inputs give the same world, byte for byte', () => {
  const a = play(3, 300).game.store.save();
  const b = play(3, 300).game.store.save();
  assert.deepEqual(a, b);
});
