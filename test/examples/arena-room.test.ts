// The arena shooter as a rollback room (examples/arena-shooter/room.ts over the engine's
// DeclaredRoomGame): seats taken and left while it runs are part of the state (the sync-test
// rolls back over joins and leaves), the server's clients converge on its state hash by hash,
// the rifle's verdict is the server's alone, and a client cannot claim one.

import { describe, expect, it } from 'vitest';
import { RollbackClient, RollbackServer, SyncTestSession } from '../../src/index.js';
import { decodeConfirmedMessage } from '../../src/codec/rollback-messages.js';
import { IDLE, NO_TARGET, type Input } from '../../examples/arena-shooter/game.js';
import { createRoom, loadRoomRules, roomOver } from '../../examples/arena-shooter/room.js';

const SMALL = { npcs: 200, npcSpreadM: 40, seats: 4 } as const;

describe('the arena shooter as a rollback room', () => {
  it('seats and unseats players by presence, the same after every rollback (SyncTestSession)', async () => {
    const room = await createRoom({ ...SMALL, seed: 3 });
    const sync = new SyncTestSession(room);
    const codec = room.inputFormat.codec;
    const frame = new Uint8Array(room.players * room.inputBytes);
    const seatedAt: number[][] = [];
    for (let f = 0; f < 300; f++) {
      frame.fill(0);
      for (let p = 0; p < room.players; p++) {
        // Seat p is present from frame 20p, away for frames 150..199 (seat 1), and fires now and then.
        const present = f >= 20 * p && !(p === 1 && f >= 150 && f < 200);
        if (!present) continue;
        const at = p * room.inputBytes;
        codec.encode({ ...IDLE, moveX: Math.cos(f / 17 + p), moveY: Math.sin(f / 23 + p), fire: (f + p) % 9 === 0, shoot: (f + p) % 7 === 0, target: (f + p) % 7 === 0 ? 1 + ((f * 5 + p) % 150) : NO_TARGET, aim: (f / 11 + p) % 6.28 }, frame, at);
        frame[at + codec.bytes] = 1; // present (what the server's widening sets)
      }
      sync.advanceFrame(frame);
      seatedAt.push([0, 1, 2, 3].filter((p) => room.avatarOf(p) !== undefined));
    }
    expect(sync.mismatches, JSON.stringify(sync.firstMismatch, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).toBe(0);
    expect(sync.framesResimulated).toBeGreaterThan(600);
    // Seated from the frame after the one whose record first says present, unseated likewise.
    expect(seatedAt[0]).toEqual([0]);
    expect(seatedAt[21]).toEqual([0, 1]);
    expect(seatedAt[160]).toEqual([0, 2, 3]);
    expect(seatedAt[299]).toEqual([0, 1, 2, 3]);
  });

  it('gives a seat whose avatar the rules despawned a new one, and never steers what took its slot', async () => {
    const room = await createRoom({ ...SMALL, seed: 6 });
    const codec = room.inputFormat.codec;
    const inputs = room.arena.allocate('despawn-inputs', room.players * room.inputBytes);
    const stage = () => {
      const b = inputs.bytes();
      b.fill(0);
      for (const p of [0, 1]) {
        codec.encode({ ...IDLE, moveX: 1, moveY: 0 }, b, p * room.inputBytes);
        b[p * room.inputBytes + codec.bytes] = 1;
      }
      return inputs.ptr;
    };
    for (let f = 0; f < 5; f++) room.advance(stage(), room.players);
    const gone = room.avatarOf(0)!;
    room.store.despawn(gone);
    // Something else takes the freed slot at once: it must not be walked as seat 0's avatar.
    const squatter = room.store.spawn('npc', { position: { x: 3000, y: 3000 }, health: { hp: 50 }, body: { kind: 'npc' }, timer: { ticks: 100_000 } });
    expect(squatter & 0xfffff).toBe(gone & 0xfffff);
    room.advance(stage(), room.players);
    expect(room.avatarOf(0)).toBeUndefined();
    expect(room.store.get(squatter, 'position.x')).toBe(3000);
    room.advance(stage(), room.players);
    const again = room.avatarOf(0)!;
    expect(again).not.toBe(gone);
    expect(room.store.typeName(again)).toBe('player');
    expect(room.store.get(squatter, 'position.x')).toBe(3000);
  });

  it('keeps two predicting clients on the server\'s state, hash by hash, with the rifle judged by the server alone', async () => {
    const room = await createRoom({ ...SMALL, seed: 5 });
    const server = new RollbackServer(room, { hashEveryFrames: 30 });
    const clients = await Promise.all([0, 1].map(async (i) => {
      const player = server.addPlayer();
      const game = roomOver(await loadRoomRules({ ...SMALL, setup: false }), false);
      return { player, game, client: new RollbackClient(game, { localPlayer: player, tickHz: 60, name: `c${i}` }) };
    }));
    // Messages in flight: delivered 2 ticks later (about 33 ms one way).
    const down: { at: number; to: number; bytes: Uint8Array }[] = [];
    const up: { at: number; from: number; bytes: Uint8Array }[] = [];
    const verdicts: number[] = [];
    let claimed = 0;
    for (let t = 0; t < 600; t++) {
      const now = t * (1000 / 60);
      for (const m of up.filter((m) => m.at <= t)) server.receive(m.from, m.bytes);
      up.splice(0, up.length, ...up.filter((m) => m.at > t));
      server.tick();
      const hash = server.hashMessage();
      for (const c of clients) {
        if (server.wantsState(c.player)) down.push({ at: t + 2, to: c.player, bytes: server.stateFor(c.player) });
        const confirmed = server.confirmedFor(c.player);
        if (confirmed) {
          down.push({ at: t + 2, to: c.player, bytes: confirmed });
          const msg = decodeConfirmedMessage(confirmed, room.inputBytes);
          for (let k = 0; k < msg.count * msg.players; k++) {
            const at = k * room.inputBytes;
            if (msg.inputs[at + room.inputFormat.codec.bytes] !== 1) continue;
            const input = room.inputFormat.codec.decode(msg.inputs, at) as Input;
            if (input.target !== NO_TARGET) verdicts.push(input.target);
          }
        }
        if (hash) down.push({ at: t + 2, to: c.player, bytes: hash });
      }
      for (const c of clients) {
        for (const m of down.filter((m) => m.at <= t && m.to === c.player)) c.client.receive(m.bytes, now);
        if (c.client.state === 'running') {
          // Both walk about and shoot the rifle at the nearest NPC; the first also claims, every
          // tick, to have hit slot 0 (the settings entity, which no verdict of the server's names).
          const avatar = c.game.avatarOf(c.player);
          const aim = avatar === undefined ? 0 : aimAtNearestNpc(c.game, avatar);
          const claim = c.player === clients[0]!.player ? 1 : NO_TARGET;
          if (claim !== NO_TARGET) claimed++;
          c.client.setInputRecord(c.game.record({ ...IDLE, moveX: Math.sin(t / 40 + c.player), moveY: 0.3, shoot: t % 20 === 0, aim, target: claim }));
        }
        c.client.update(now);
        const packet = c.client.takeInputPacket(now);
        if (packet) up.push({ at: t + 2, from: c.player, bytes: packet });
        const resync = c.client.takeResync();
        if (resync) up.push({ at: t + 2, from: c.player, bytes: resync });
      }
      down.splice(0, down.length, ...down.filter((m) => m.at > t));
    }
    for (const c of clients) {
      expect(c.client.hashChecks.mismatched).toBe(0);
      expect(c.client.hashChecks.matched).toBeGreaterThan(10);
      expect(c.client.confirmedFrame).toBeGreaterThan(580);
      expect(c.game.avatarOf(c.player)).toBe(room.avatarOf(c.player));
    }
    // The server judged the shots and some hit; the claims never reached anyone as a verdict.
    expect(claimed).toBeGreaterThan(0);
    expect(verdicts.length).toBeGreaterThan(0);
    expect(verdicts).not.toContain(1);
    expect(server.drops.input_value).toBe(0);
  });
});

/** The aim (radians) from `avatar` to the nearest live NPC in the room's store. */
function aimAtNearestNpc(game: ReturnType<typeof roomOver>, avatar: number): number {
  const store = game.store;
  const npc = store.game.typeIndex.get('npc')! + 1;
  const x = store.get(avatar, 'position.x') as number;
  const y = store.get(avatar, 'position.y') as number;
  let best = Infinity;
  let aim = 0;
  for (let s = 0; s < store.highWater; s++) {
    if (store.typeColumn[s] !== npc) continue;
    const id = store.idAt(s);
    const dx = (store.get(id, 'position.x') as number) - x;
    const dy = (store.get(id, 'position.y') as number) - y;
    const d = dx * dx + dy * dy;
    if (d < best) {
      best = d;
      aim = Math.atan2(dy, dx);
    }
  }
  return aim < 0 ? aim + 2 * Math.PI : aim;
}
