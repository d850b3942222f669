// Hostile and malformed input. Oracle: a twin that never saw the bad input — its state hash must
// equal the victim's after the same good traffic — plus the drop counters naming each reason.

import { describe, expect, it } from 'vitest';
import { ReferenceGame, setReferenceInput } from '../fixtures/reference-game/reference-game.js';
import { RollbackServer } from '../../src/rollback/server-session.js';
import { RollbackClient } from '../../src/rollback/client-session.js';
import { InvalidValueError } from '../../src/core/errors.js';
import { H, HEADER_BYTES } from '../../src/core/world-layout.js';
import {
  encodeConfirmedMessage, encodeInputMessage, encodeStateMessage, MSG_INPUT, MSG_STATE, RB_VERSION,
} from '../../src/codec/rollback-messages.js';
import { BUTTON_FIRE, INPUT_BYTES, IN_BUTTONS, IN_MOVE_X, IN_RESERVED, REFERENCE_INPUT_FORMAT } from '../fixtures/reference-game/input.js';
import { mulberry32, newArena, worldOptions } from './fixtures.js';

async function twinServers() {
  const arena = await newArena();
  const make = (name: string) => {
    const server = new RollbackServer(ReferenceGame.create(arena, { world: worldOptions({ name }), npcs: 32, players: 4 }), { name });
    server.addPlayer(0);
    server.addPlayer(1);
    return server;
  };
  return { victim: make('victim'), twin: make('twin') };
}

function record(overrides: Partial<Record<number, number>> = {}): Uint8Array {
  const r = new Uint8Array(INPUT_BYTES);
  r[IN_MOVE_X] = 40;
  r[IN_BUTTONS] = BUTTON_FIRE;
  for (const [k, v] of Object.entries(overrides)) r[Number(k)] = v!;
  return r;
}

describe('server: bad input is dropped, counted, and changes nothing', () => {
  it('refuses frames far in the future or already simulated', async () => {
    const { victim, twin } = await twinServers();
    for (let i = 0; i < 50; i++) {
      victim.tick();
      twin.tick();
    }
    victim.receive(0, encodeInputMessage(0, victim.frame + 100_000, 0, record(), 0, 1, REFERENCE_INPUT_FORMAT));
    victim.receive(0, encodeInputMessage(0, 3, 0, record(), 0, 1, REFERENCE_INPUT_FORMAT));
    expect(victim.drops.too_early).toBe(1);
    expect(victim.drops.late).toBe(1);
    for (let i = 0; i < 20; i++) {
      victim.tick();
      twin.tick();
    }
    expect(victim.game.hash()).toBe(twin.game.hash());
  });

  it('refuses out-of-range values, client-set PRESENT, unknown buttons and reserved bits: the whole packet', async () => {
    const { victim, twin } = await twinServers();
    const good = record();
    const cases: [Uint8Array, keyof RollbackServer['drops']][] = [
      [record({ [IN_MOVE_X]: 0x80 }), 'move_range'],
      [record({ [IN_BUTTONS]: 0x80 }), 'buttons'],
      [record({ [IN_BUTTONS]: 0x40 | BUTTON_FIRE }), 'buttons'],
      [record({ [IN_RESERVED]: 1 }), 'reserved'],
    ];
    for (const [bad, reason] of cases) {
      // A good input next to the bad one in the same packet is refused with it.
      const two = new Uint8Array(2 * INPUT_BYTES);
      two.set(good, 0);
      two.set(bad, INPUT_BYTES);
      const packet = encodeInputMessage(0, victim.frame, 0, two, 0, 2, REFERENCE_INPUT_FORMAT);
      packet[12 + 8 + (IN_BUTTONS)] = bad[IN_BUTTONS]!; // the encoder strips PRESENT; put it back
      victim.receive(0, packet);
      expect(victim.drops[reason], reason).toBeGreaterThan(0);
    }
    expect(victim.accepted).toBe(0);
    for (let i = 0; i < 30; i++) {
      victim.tick();
      twin.tick();
    }
    expect(victim.game.hash()).toBe(twin.game.hash());
  });

  it('refuses unknown players and packets naming another player', async () => {
    const { victim } = await twinServers();
    victim.receive(3, encodeInputMessage(3, victim.frame, 0, record(), 0, 1, REFERENCE_INPUT_FORMAT));
    victim.receive(0, encodeInputMessage(1, victim.frame, 0, record(), 0, 1, REFERENCE_INPUT_FORMAT));
    expect(victim.drops.unknown_player).toBe(1);
    expect(victim.drops.wrong_player).toBe(1);
    expect(victim.accepted).toBe(0);
  });

  it('survives 5,000 random and mutated packets without throwing or changing state', async () => {
    const { victim, twin } = await twinServers();
    const rand = mulberry32(99);
    const valid = encodeInputMessage(0, 0, 0, new Uint8Array(4 * INPUT_BYTES), 0, 4, REFERENCE_INPUT_FORMAT);
    for (let i = 0; i < 5_000; i++) {
      let bytes: Uint8Array;
      if (i % 2 === 0) bytes = Uint8Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256));
      else {
        bytes = valid.slice(0, Math.max(1, Math.floor(rand() * (valid.length + 4))));
        bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
        bytes[0] = MSG_INPUT;
        bytes[1] = RB_VERSION;
        if (bytes.length > 4) bytes.fill(0xff, 4, 8); // frames far away: never accepted
      }
      expect(() => victim.receive(Math.floor(rand() * 4), bytes)).not.toThrow();
    }
    expect(victim.accepted).toBe(0);
    const dropped = Object.values(victim.drops).reduce((a, b) => a + b, 0);
    expect(dropped).toBeGreaterThan(3_500);
    for (let i = 0; i < 10; i++) {
      victim.tick();
      twin.tick();
    }
    expect(victim.game.hash()).toBe(twin.game.hash());
  });
});

describe('client: bad input is rejected before it touches anything', () => {
  async function running() {
    const arena = await newArena();
    const origin = ReferenceGame.create(arena, { world: worldOptions({ name: 'origin' }), npcs: 32, players: 4 });
    const game = ReferenceGame.create(arena, { world: worldOptions({ name: 'client' }), npcs: 32, players: 4 });
    const client = new RollbackClient(game, { localPlayer: 0, tickHz: 60 });
    const state = new Uint8Array(arena.memoryBuffer, origin.statePtr, origin.stateBytes).slice();
    client.receive(encodeStateMessage(0, origin.hash(), state), 0);
    setReferenceInput(client, { moveX: 0.5, moveY: 0, aimRad: 0 });
    for (let i = 0; i < 10; i++) client.advanceFrame();
    return { client, game, state, origin };
  }

  it('throws on NaN, infinite and out-of-range input values and keeps the previous input', async () => {
    const { client } = await running();
    const bad = [
      { moveX: Number.NaN, moveY: 0, aimRad: 0 },
      { moveX: 0, moveY: Number.POSITIVE_INFINITY, aimRad: 0 },
      { moveX: 1.5, moveY: 0, aimRad: 0 },
      { moveX: 0, moveY: 0, aimRad: Number.NaN },
    ];
    for (const input of bad) expect(() => setReferenceInput(client, input)).toThrow(InvalidValueError);
    client.advanceFrame();
    const q = client.sync.localQueue!;
    const newest = q.offsetOf(client.currentFrame - 1 + client.options.inputDelayFrames);
    expect(q.bytes[newest + IN_MOVE_X]).toBe(64); // 0.5 * 127, rounded: the last good input
  });

  it('drops forged, truncated and mismatched messages by reason, state unchanged', async () => {
    const { client, game, state } = await running();
    const before = game.hash();
    const frame = client.currentFrame;
    const wrongPlayers = encodeConfirmedMessage({ players: 3, firstFrame: 0, count: 1, inputs: new Uint8Array(3 * INPUT_BYTES), offset: 0, presence: [1n], presenceOffset: 0 }, 5, 0, 0, INPUT_BYTES);
    client.receive(wrongPlayers, 1);
    client.receive(wrongPlayers.subarray(0, 25), 1);
    client.receive(Uint8Array.of(0x7f, 1, 2, 3), 1);
    client.receive(encodeStateMessage(0, 12345n, state), 1); // hash does not match the bytes
    const forged = state.slice();
    new DataView(forged.buffer).setUint32(H.simPlayerTable, 100_000, true); // an avatar slot past the world
    client.receive(encodeStateMessage(0, 0n, forged), 1);
    client.receive(encodeStateMessage(0, 0n, state.subarray(0, HEADER_BYTES * 2)), 1);
    const s = client.stats();
    expect(s.drops).toMatchObject({ player_count: 1, decode: 1, unknown_type: 1, state_hash: 1, state_layout: 2 });
    expect(game.hash()).toBe(before);
    expect(client.currentFrame).toBe(frame);
    expect(client.statesInstalled).toBe(1);
  });

  it('survives 5,000 random and mutated messages without throwing or moving', async () => {
    const { client, game, state } = await running();
    const before = game.hash();
    const rand = mulberry32(5);
    const templates = [
      encodeConfirmedMessage({ players: 4, firstFrame: 100_000, count: 2, inputs: new Uint8Array(8 * INPUT_BYTES), offset: 0, presence: [15n, 15n], presenceOffset: 0 }, 5, 0, 0, INPUT_BYTES),
      encodeStateMessage(0, 1n, state),
    ];
    for (let i = 0; i < 5_000; i++) {
      const t = templates[i % 2]!;
      const bytes = t.slice(0, Math.max(1, Math.floor(rand() * (t.length + 2))));
      for (let k = 0; k < 3; k++) bytes[Math.floor(rand() * Math.min(bytes.length, 64))] = Math.floor(rand() * 256);
      if (bytes[0] === MSG_STATE && bytes.length > 16) bytes[16] = bytes[16]! ^ 1; // never a valid state hash
      expect(() => client.receive(bytes, i)).not.toThrow();
    }
    expect(game.hash()).toBe(before);
    expect(client.statesInstalled).toBe(1);
  });
});
