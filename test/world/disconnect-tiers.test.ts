// World mode's disconnect tiers, driven tick by tick: a lost link leaves the avatar standing
// for 5 s, then marks it away (stopped) until the player comes back or the session ends; a
// player back within the window keeps its avatar (a reset session gets a JOIN for the same one);
// a session that ends takes the avatar out of the world. A linked player that sends no input
// for idleTicks (--idle-seconds) watches instead, its avatar out of the world.

import { beforeAll, describe, expect, it } from 'vitest';
import { WorldGame, worldGameParams } from '../../src/world/world-game.js';
import { WorldHost, AWAY_AFTER_S } from '../../src/server/world-host.js';
import { resolveConfig } from '../../src/core/config.js';
import { decodeWorldJoin, encodeWorldHello, encodeWorldInput, MSG_WORLD_JOIN, MSG_WORLD_OWN } from '../../src/codec/world-messages.js';
import { FLAG_AWAY } from '../../src/core/world-layout.js';
import { slotOf } from '../../src/core/entity-id.js';
import { DisconnectReason, SessionTier } from '../../src/net/spec.js';
import type { Connection } from '../../src/net/connection.js';
import type { Arena } from '../../src/wasm/arena.js';
import { freshArena } from '../helpers/wasm.js';

let arena: Arena;
beforeAll(async () => {
  arena = await freshArena();
});

interface FakeConn {
  conn: Connection;
  sent: { channel: number; bytes: Uint8Array }[];
  state: string;
}

function fakeConnection(clientId: number): FakeConn {
  const f: FakeConn = { sent: [], state: 'connected', conn: undefined as unknown as Connection };
  const record = (channel: number, bytes: Uint8Array) => {
    f.sent.push({ channel, bytes: bytes.slice() });
    return f.sent.length;
  };
  f.conn = {
    clientId,
    rttMs: 20,
    transport: { name: 'fake' },
    get state() {
      return f.state;
    },
    send: record,
    sendBorrowed: record,
  } as unknown as Connection;
  return f;
}

function setup(name: string, idleTicks = 0) {
  const config = resolveConfig({ npcs: 20, worldSizeM: 300, seed: 2, spareEntities: 16 });
  const game = WorldGame.create(arena, worldGameParams(config, 8), undefined, name);
  const host = new WorldHost(game, { idleTicks });
  const h = host.handlers();
  const step = (n: number) => {
    for (let i = 0; i < n; i++) {
      host.tick();
      host.publish();
    }
  };
  return { game, host, h, step };
}

describe('world mode disconnect tiers', () => {
  it('keeps the avatar through a short outage, marks it away after 5 s, and removes it when the session ends', () => {
    const { game, host, h, step } = setup('tiers');
    const f = fakeConnection(1);
    h.connect!(f.conn, SessionTier.New);
    h.message!(f.conn, 0, encodeWorldHello({ mode: 'play', hub: 0 }));
    const join = decodeWorldJoin(f.sent.find((m) => m.bytes[0] === MSG_WORLD_JOIN)!.bytes);
    expect(join.mode).toBe('play');
    const slot = slotOf(join.avatarId);
    // Walking east.
    for (let t = 1; t <= 30; t++) {
      h.message!(f.conn, 1, encodeWorldInput(t, 1, () => ({ moveX: 127, moveY: 0, buttons: 0, aim: 0, viewTick: 0, viewFraction: 0 })));
      step(1);
    }
    expect(f.sent.filter((m) => m.bytes[0] === MSG_WORLD_OWN).length).toBe(30);
    expect(game.world.column('velX')[slot]).toBeGreaterThan(0);
    const x = game.world.column('posX')[slot]!;

    // The link drops: the avatar stands where it was, and no OWN goes out.
    f.state = 'suspended';
    h.interrupt!(f.conn, DisconnectReason.Timeout);
    const ownBefore = f.sent.length;
    step(Math.round(AWAY_AFTER_S * 60) - 1);
    expect(game.world.column('posX')[slot]).toBe(x);
    expect(game.world.column('flags')[slot]! & FLAG_AWAY).toBe(0);
    expect(f.sent.length).toBe(ownBefore);
    step(1);
    expect(game.world.column('flags')[slot]! & FLAG_AWAY).toBe(FLAG_AWAY);
    expect(game.world.column('velX')[slot]).toBe(0);
    expect(host.away).toBe(1);

    // Back within 30 s with reset channels: the same avatar, no longer away; HELLO gets a JOIN for it.
    f.state = 'connected';
    h.connect!(f.conn, SessionTier.Resync);
    expect(game.world.column('flags')[slot]! & FLAG_AWAY).toBe(0);
    step(60); // HELLO is rate limited to one a second
    h.message!(f.conn, 0, encodeWorldHello({ mode: 'play', hub: 0 }));
    const rejoin = decodeWorldJoin(f.sent.filter((m) => m.bytes[0] === MSG_WORLD_JOIN).at(-1)!.bytes);
    expect(rejoin.sameAvatar).toBe(true);
    expect(rejoin.avatarId).toBe(join.avatarId);
    expect(rejoin.lastAppliedSeq).toBe(30);

    // The session ends for good: the avatar leaves the world.
    const alive = game.world.aliveCount;
    h.disconnect!(f.conn, DisconnectReason.SessionExpired);
    expect(game.world.aliveCount).toBe(alive - 1);
    expect(host.connections).toBe(0);
    expect(host.counters.avatarsRemoved).toBe(1);
  });

  it('resumes a session within 5 s with nothing changed', () => {
    const { game, host, h, step } = setup('resume');
    const f = fakeConnection(2);
    h.connect!(f.conn, SessionTier.New);
    h.message!(f.conn, 0, encodeWorldHello({ mode: 'play', hub: 0 }));
    step(5);
    h.interrupt!(f.conn, DisconnectReason.Timeout);
    step(120);
    h.connect!(f.conn, SessionTier.Resume);
    expect(host.away).toBe(0);
    expect(host.counters.awayMarked).toBe(0);
    expect(host.players).toBe(1);
    expect(game.avatarCount).toBe(1);
  });

  it('rate-limits HELLO and answers a watcher without an avatar', () => {
    const { game, host, h, step } = setup('hello');
    const f = fakeConnection(3);
    h.connect!(f.conn, SessionTier.New);
    for (let i = 0; i < 10; i++) h.message!(f.conn, 0, encodeWorldHello({ mode: 'watch', hub: -1 }));
    expect(f.sent.filter((m) => m.bytes[0] === MSG_WORLD_JOIN).length).toBe(1);
    expect(host.counters.drops.rate_limited).toBe(9);
    expect(game.avatarCount).toBe(0);
    step(60);
    h.message!(f.conn, 0, encodeWorldHello({ mode: 'play', hub: 0 }));
    expect(game.avatarCount).toBe(1);
    step(60);
    h.message!(f.conn, 0, encodeWorldHello({ mode: 'watch', hub: 0 }));
    expect(game.avatarCount).toBe(0);
  });

  it('takes the avatar of a linked player that sends no input for idleTicks out of the world, and it watches', () => {
    const { game, host, h, step } = setup('idle', 120);
    const idle = fakeConnection(5);
    const busy = fakeConnection(6);
    for (const f of [idle, busy]) {
      h.connect!(f.conn, SessionTier.New);
      h.message!(f.conn, 0, encodeWorldHello({ mode: 'play', hub: 0 }));
    }
    expect(game.avatarCount).toBe(2);
    let seq = 0;
    const input = () => encodeWorldInput(++seq, 1, () => ({ moveX: 0, moveY: 0, buttons: 0, aim: 0, viewTick: 0, viewFraction: 0 }));
    // `busy` sends a (standing) input every other tick; `idle` sends none after its JOIN.
    for (let t = 0; t < 120; t++) {
      if (t % 2 === 0) h.message!(busy.conn, 1, input());
      step(1);
    }
    expect(game.avatarCount).toBe(2);
    h.message!(busy.conn, 1, input());
    step(2);
    expect(game.avatarCount).toBe(1);
    expect(host.counters.idleUnseated).toBe(1);
    const join = decodeWorldJoin(idle.sent.filter((m) => m.bytes[0] === MSG_WORLD_JOIN).at(-1)!.bytes);
    expect(join.mode).toBe('watch');
    // It keeps its link and hears no OWN; a HELLO plays again.
    expect(host.connections).toBe(2);
    const owns = idle.sent.filter((m) => m.bytes[0] === MSG_WORLD_OWN).length;
    step(60);
    expect(idle.sent.filter((m) => m.bytes[0] === MSG_WORLD_OWN).length).toBe(owns);
    h.message!(idle.conn, 0, encodeWorldHello({ mode: 'play', hub: 0 }));
    expect(game.avatarCount).toBe(2);
  });

  it('does not count an outage as idleness: a player back from a lost link keeps its avatar', () => {
    const { game, h, step } = setup('idle-outage', 120);
    const f = fakeConnection(7);
    h.connect!(f.conn, SessionTier.New);
    h.message!(f.conn, 0, encodeWorldHello({ mode: 'play', hub: 0 }));
    f.state = 'suspended';
    h.interrupt!(f.conn, DisconnectReason.Timeout);
    step(600);
    f.state = 'connected';
    h.connect!(f.conn, SessionTier.Resync);
    step(60);
    expect(game.avatarCount).toBe(1);
  });
});
