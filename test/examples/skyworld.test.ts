// The Skyworld example (examples/skyworld/) against the engine's public game API: its
// declaration derives what it should (61 types, animation state, owner-only inventory, server-
// only AI), its simulation is deterministic and its physics does what the map says, and a
// replicated run over a lossy, late link gives every client exactly the server's quantised
// state of what it sees, its own inventory, and never another player's.

import { describe, expect, it } from 'vitest';
import type { EntityId } from '../../src/core/entity-id.js';
import { fromCode, fromStored, toCode, toStored } from '../../src/core/game-fields.js';
import { GameInputCodec } from '../../src/codec/game-input.js';
import { GameReplica } from '../../src/codec/game-replica.js';
import { GameReplicator } from '../../src/codec/game-snapshot.js';
import { mulberry32 } from '../../src/core/mulberry32.js';
import { SkyworldBot, type BotView } from '../../examples/skyworld/bot.js';
import { CLIPS, EVENT_KNOCKOUT, EVENT_ZAP_HIT, IDLE_INPUT, SKYWORLD, ZAP_COOLDOWN, ZAP_DAMAGE, ZAP_EVENT_RANGE_M, zapPayload, type SkyworldInput } from '../../examples/skyworld/game.js';
import { G_IDLE } from '../../examples/skyworld/npc.js';
import { SkyworldSim } from '../../examples/skyworld/sim.js';
import { skyworldModule } from '../../examples/skyworld/module.js';
import { DeclaredEvents } from '../../src/server/declared-events.js';
import type { DeclaredSession } from '../../src/server/declared-session.js';
import { CLIFF, LADDERS, MESA, Q, SPIRE, TERRACE, groundHeightAt, ladderAt, levelAt } from '../../examples/skyworld/terrain.js';

const comp = (name: string) => SKYWORLD.components.find((c) => c.name === name)!;
const fieldsOf = (name: string) => comp(name).fields.map((f) => SKYWORLD.fields[f]!);
/** A sim with no NPCs: only what a test puts there. */
const empty = () => new SkyworldSim({ seed: 1, entities: 0, maxPlayers: 4 });
const input = (patch: Partial<SkyworldInput>): SkyworldInput => ({ ...IDLE_INPUT, ...patch });

/** What a bot may know of its player, read from the server's store. */
function storeView(sim: SkyworldSim, id: EntityId): BotView {
  const s = sim.store;
  return {
    x: s.get(id, 'position.x') as number, y: s.get(id, 'position.y') as number, z: s.get(id, 'position.z') as number,
    grounded: s.get(id, 'body.grounded') as boolean, climbing: s.get(id, 'body.climbing') as boolean,
  };
}

describe('skyworld declaration', () => {
  it('declares 55+ types, animation, owner-only and server-only fields', () => {
    expect(SKYWORLD.types.length).toBeGreaterThanOrEqual(55);
    expect(fieldsOf('anim').map((f) => f.name)).toEqual(['anim.clip', 'anim.frame', 'anim.speed']);
    expect(fieldsOf('anim')[0]!.spec.values!.length).toBeGreaterThanOrEqual(8);
    expect(fieldsOf('inventory').every((f) => f.replicate === 'owner')).toBe(true);
    expect(fieldsOf('ai').every((f) => f.replicate === 'server')).toBe(true);
    const player = SKYWORLD.types[SKYWORLD.typeIndex.get('player')!]!;
    const gold = SKYWORLD.fieldIndex.get('inventory.gold')!;
    expect(Array.from(player.wire[1].fields)).toContain(gold);
    expect(Array.from(player.wire[0].fields)).not.toContain(gold);
    // No type sends its AI to anyone; props carry no motion at all.
    const ai = comp('ai').fields;
    for (const t of SKYWORLD.types) for (const w of t.wire) expect(Array.from(w.fields).some((f) => ai.includes(f))).toBe(false);
    const crate = SKYWORLD.types[SKYWORLD.typeIndex.get('crate')!]!;
    expect(crate.components).not.toContain(comp('velocity').index);
    expect(SKYWORLD.types[SKYWORLD.typeIndex.get('bat')!]!.components).not.toContain(comp('body').index);
  });
});

describe('skyworld simulation', () => {
  it('is deterministic: same seed and bot inputs, identical region bytes after 300 ticks', () => {
    const run = (seed: number) => {
      const sim = new SkyworldSim({ seed, entities: 400, maxPlayers: 3 });
      const bots = [1, 2, 3].map((owner) => ({ id: sim.addPlayer(owner), bot: new SkyworldBot(100 + owner) }));
      const start = sim.store.save();
      for (let tick = 0; tick < 300; tick++) {
        for (const b of bots) sim.applyInput(b.id, b.bot.think(storeView(sim, b.id)));
        sim.step(tick);
      }
      // Nothing the sim wrote is outside its field's declared range.
      const s = sim.store;
      const outOfRange: string[] = [];
      for (let slot = 0; slot < s.highWater; slot++) {
        const t = s.typeColumn[slot]!;
        if (t === 0) continue;
        for (const ci of SKYWORLD.types[t - 1]!.components) {
          for (const f of SKYWORLD.components[ci]!.fields) {
            const plan = SKYWORLD.fields[f]!;
            try {
              toStored(plan, fromStored(plan, s.columns[f]![slot]!));
            } catch (e) {
              outOfRange.push((e as Error).message);
            }
          }
        }
      }
      expect(outOfRange).toEqual([]);
      return { start, end: s.save() };
    };
    const a = run(7);
    const b = run(7);
    expect(Buffer.from(a.end).equals(Buffer.from(b.end))).toBe(true);
    expect(Buffer.from(a.end).equals(Buffer.from(a.start))).toBe(false);
    expect(Buffer.from(run(8).end).equals(Buffer.from(a.end))).toBe(false);
  });

  it('a zap is judged against the tick its client showed: it hits a creature that has moved on since', () => {
    const sim = empty();
    const shooter = sim.addPlayer(1);
    const late = sim.addPlayer(2);
    const s = sim.store;
    // The shooter at the origin, the late one 3 m north of it, both looking east; a goblin 12 m east.
    s.set(shooter, 'position.x', 0);
    s.set(shooter, 'position.y', 0);
    s.set(late, 'position.x', 0);
    s.set(late, 'position.y', 3);
    const goblin = sim.spawnAt('goblin', 12, 0, 0);
    expect(groundHeightAt(Q * 12, 0, 0)).toBe(groundHeightAt(0, 0, 0)); // one level: the zap flies flat
    const hp0 = s.get(goblin, 'health.hp') as number;
    const hits: object[] = [];
    for (let tick = 0; tick < 20; tick++) {
      // The goblin stands in the shooter's line of fire until tick 9, then 6 m to the north (3 m
      // beside the late one's).
      s.set(goblin, 'position.x', 12);
      s.set(goblin, 'position.y', tick < 10 ? 0 : 6);
      if (tick === 16) {
        // The shooter's client showed tick 5 when it fired; the late one's showed tick 15.
        sim.applyInput(shooter, input({ zap: true, aim: 0, viewTick: 5 }));
        sim.applyInput(late, input({ zap: true, aim: 0, viewTick: 15 }));
      } else if (tick === 17) {
        sim.applyInput(shooter, IDLE_INPUT);
        sim.applyInput(late, IDLE_INPUT);
      }
      sim.step(tick);
      // What the module announces after the step: the hit, where the goblin stands now (6 m north of where it was hit).
      for (const e of sim.events) hits.push({ tick, kind: e.kind, ...zapPayload(e.payload), x: e.x, y: e.y, rangeM: e.rangeM });
    }
    expect(s.get(goblin, 'health.hp')).toBe(hp0 - ZAP_DAMAGE);
    expect(s.get(shooter, 'zapper.hits')).toBe(1);
    expect(s.get(late, 'zapper.hits')).toBe(0);
    expect(s.get(shooter, 'zapper.cooldown')).toBe(ZAP_COOLDOWN - 3);
    expect(sim.hitboxes.counters).toMatchObject({ shots: 2, hits: 1, clamped: 0 });
    expect(hits).toEqual([{ tick: 16, kind: EVENT_ZAP_HIT, zapper: shooter, type: SKYWORLD.typeIndex.get('goblin'), x: 12, y: 6, rangeM: ZAP_EVENT_RANGE_M }]);
    // A client claiming a tick further back than half a second is judged half a second back.
    for (let tick = 20; tick < 60; tick++) {
      sim.applyInput(shooter, input({ zap: tick === 50, aim: 0, viewTick: 3 }));
      sim.step(tick);
    }
    expect(sim.hitboxes.counters.clamped).toBe(1);
    expect(s.get(shooter, 'zapper.hits')).toBe(1); // at tick 20 the goblin stood 6 m north
  });

  it('a zap that takes a creature\'s last hit points announces a knock-out where it fell, and nothing the next step', () => {
    const sim = empty();
    const shooter = sim.addPlayer(1);
    const s = sim.store;
    s.set(shooter, 'position.x', 0);
    s.set(shooter, 'position.y', 0);
    const goblin = sim.spawnAt('goblin', 10, 0, 0);
    s.set(goblin, 'health.hp', ZAP_DAMAGE);
    const heard: { kind: number; zapper: number; x: number }[] = [];
    for (let tick = 0; tick < 6; tick++) {
      if (s.isAlive(goblin)) {
        s.set(goblin, 'position.x', 10);
        s.set(goblin, 'position.y', 0);
      }
      sim.applyInput(shooter, input({ zap: tick === 4, aim: 0, viewTick: 3 }));
      sim.step(tick);
      for (const e of sim.events) heard.push({ kind: e.kind, zapper: zapPayload(e.payload).zapper, x: e.x });
    }
    expect(s.isAlive(goblin)).toBe(false); // back elsewhere later, as a new entity
    expect(heard).toEqual([{ kind: EVENT_KNOCKOUT, zapper: shooter, x: 10 }]);
  });

  it('a player dropped above a platform lands on it', () => {
    const sim = empty();
    const p = sim.addPlayer(1);
    sim.store.set(p, 'position.x', 64);
    sim.store.set(p, 'position.y', 0);
    sim.store.set(p, 'position.z', 20);
    sim.store.set(p, 'body.grounded', false);
    let tick = 0;
    while (!sim.store.get(p, 'body.grounded') && tick < 600) sim.step(tick++);
    expect(sim.store.get(p, 'position.z')).toBe(MESA.z / Q);
    expect(sim.store.get(p, 'body.level')).toBe(MESA.level);
    expect(tick).toBeGreaterThan(20); // it fell 12 m, it did not teleport
  });

  it('walking off a platform edge falls to the level below', () => {
    const sim = empty();
    const p = sim.addPlayer(1);
    sim.store.set(p, 'position.x', 170);
    sim.store.set(p, 'position.y', 20);
    sim.store.set(p, 'position.z', TERRACE.z / Q);
    sim.applyInput(p, input({ moveX: 1 }));
    let tick = 0;
    for (; sim.store.get(p, 'body.grounded') && tick < 600; tick++) sim.step(tick);
    expect(sim.store.get(p, 'position.x') as number).toBeGreaterThanOrEqual(176);
    sim.applyInput(p, IDLE_INPUT);
    const clips = new Set<string>();
    for (; !sim.store.get(p, 'body.grounded') && tick < 1200; tick++) {
      sim.step(tick);
      clips.add(sim.store.get(p, 'anim.clip') as string);
    }
    const x = Math.round((sim.store.get(p, 'position.x') as number) * Q);
    expect(sim.store.get(p, 'position.z')).toBe(groundHeightAt(x, 20 * Q, 0) / Q);
    expect(sim.store.get(p, 'position.z')).toBe(0);
    expect(sim.store.get(p, 'body.level')).toBe(levelAt(x, 20 * Q, 0));
    expect(clips.has('fall')).toBe(true);
  });

  it('holding climb at a ladder raises the player onto the platform above', () => {
    const sim = empty();
    const p = sim.addPlayer(1);
    const ladder = LADDERS.find((l) => l.top === SPIRE.z && l.bottom === CLIFF.z)!;
    expect(ladderAt(ladder.x, ladder.y)).toBe(LADDERS.indexOf(ladder));
    sim.store.set(p, 'position.x', ladder.x / Q);
    sim.store.set(p, 'position.y', ladder.y / Q);
    sim.store.set(p, 'position.z', CLIFF.z / Q);
    sim.applyInput(p, input({ climb: true }));
    for (let tick = 0; tick < 60; tick++) sim.step(tick);
    expect(sim.store.get(p, 'position.z') as number).toBeGreaterThan(CLIFF.z / Q + 1.5);
    expect(sim.store.get(p, 'body.climbing')).toBe(true);
    expect(sim.store.get(p, 'anim.clip')).toBe('climb');
    for (let tick = 60; tick < 1200 && !sim.store.get(p, 'body.grounded'); tick++) sim.step(tick);
    expect(sim.store.get(p, 'position.z')).toBe(SPIRE.z / Q);
    expect(sim.store.get(p, 'body.level')).toBe(SPIRE.level);
  });

  it('a jump goes up and comes back down; flyers and flying players keep their height', () => {
    const sim = empty();
    const p = sim.addPlayer(1);
    sim.applyInput(p, input({ jump: true }));
    sim.step(0);
    sim.applyInput(p, IDLE_INPUT);
    let top = 0;
    let tick = 1;
    for (; !sim.store.get(p, 'body.grounded') && tick < 600; tick++) {
      sim.step(tick);
      top = Math.max(top, sim.store.get(p, 'position.z') as number);
    }
    expect(top).toBeGreaterThan(1);
    expect(sim.store.get(p, 'position.z')).toBe(0);
    // A bat heading east at 200 m (above every platform), and the player flying east at 100 m.
    const bat = sim.spawnAt('bat', -300, 100, 200);
    sim.store.set(bat, 'ai.goal', 0);
    sim.store.set(bat, 'ai.timer', 10_000);
    const hover = sim.spawnAt('owl', -300, 120, 150);
    sim.store.set(hover, 'ai.goal', G_IDLE);
    sim.store.set(hover, 'ai.timer', 10_000);
    sim.store.set(p, 'position.z', 100);
    sim.applyInput(p, input({ fly: true, moveX: 1 }));
    const x0 = sim.store.get(bat, 'position.x') as number;
    for (let i = 0; i < 300; i++) sim.step(tick++);
    expect(sim.store.get(bat, 'position.z')).toBe(200);
    expect(sim.store.get(bat, 'position.x') as number).toBeGreaterThan(x0 + 10);
    expect(sim.store.get(hover, 'position.z')).toBe(150);
    expect(sim.store.get(p, 'position.z')).toBe(100);
    expect(sim.store.get(p, 'anim.clip')).toBe('fly');
    expect(CLIPS).toContain(sim.store.get(bat, 'anim.clip'));
    // Flight off: it falls back to a surface.
    sim.applyInput(p, IDLE_INPUT);
    for (let i = 0; i < 600 && !sim.store.get(p, 'body.grounded'); i++) sim.step(tick++);
    expect(sim.store.get(p, 'body.grounded')).toBe(true);
    expect(sim.store.get(p, 'position.z') as number).toBeLessThan(100);
  });
});

describe('skyworld\'s events', () => {
  it('reach the players within an event\'s range in 3D: one on a platform above is out of a blast on the ground', () => {
    const module = skyworldModule({ entities: 50, seed: 3 });
    const low = module.join(1);
    const high = module.join(2);
    const put = (id: EntityId, x: number, y: number, z: number) => {
      module.store.set(id, 'position.x', x);
      module.store.set(id, 'position.y', y);
      module.store.set(id, 'position.z', z);
    };
    put(low, 10, 10, 0);
    put(high, 10, 10, 40);
    const heard: number[] = [];
    const session = (avatar: EntityId, n: number) => ({ link: { state: 'connected', sendBorrowed: () => (heard.push(n), 1) }, avatar, camera: null }) as unknown as DeclaredSession<typeof SKYWORLD.declaration>;
    const events = new DeclaredEvents(module.store, module.positions);
    // A blast 5 m from the one on the ground: the one 40 m above it hears nothing.
    expect(events.deliver({ kind: 1, x: 13, y: 14, z: 0, rangeM: 10 }, 0, [session(low, 1), session(high, 2)])).toEqual({ sent: 1, dropped: 0, bytes: 24 });
    expect(heard).toEqual([1]);
  });
});

describe('skyworld replicated over a lossy, late link', () => {
  it('every client holds the server quantised state of its view, its own inventory, never another', () => {
    const sim = new SkyworldSim({ seed: 5, entities: 500, maxPlayers: 3 });
    const store = sim.store;
    const codec = new GameInputCodec(SKYWORLD);
    const link = mulberry32(77);
    const clients = [1, 2, 3].map((owner) => ({
      owner,
      id: sim.addPlayer(owner),
      bot: new SkyworldBot(owner),
      server: new GameReplicator(store, { viewCapacity: 1024, owner, maxMessageBytes: 1200 * 8 }),
      replica: new GameReplica(SKYWORLD, { viewCapacity: 1024 }),
      acks: [] as { at: number; seq: number }[],
      checked: 0,
    }));
    // Players start within a few metres of each other, so each sees the others.
    const view = new Uint32Array(1024);
    let foreign = 0;
    let fields = 0;
    for (let tick = 0; tick < 300; tick++) {
      for (const c of clients) sim.applyInput(c.id, codec.decode(codec.encode(c.bot.think(storeView(sim, c.id)))) as SkyworldInput);
      sim.step(tick);
      for (const c of clients) {
        while (c.acks.length > 0 && c.acks[0]!.at <= tick) c.server.ack(c.acks.shift()!.seq);
        const n = sim.visibleSlots(c.id, 64, view);
        const bytes = c.server.encode(tick, view, n);
        if (link() < 0.1) continue; // lost
        const got = c.replica.decode(bytes);
        c.acks.push({ at: tick + 3, seq: got.seq });
        const slots = Array.from(view.subarray(0, n)).sort((a, b) => a - b);
        expect(c.replica.size).toBe(n);
        for (let i = 0; i < n; i++) {
          const slot = slots[i]!;
          expect(c.replica.idAt(i)).toBe(store.idAt(slot));
          const type = SKYWORLD.types[store.typeColumn[slot]! - 1]!;
          expect(c.replica.typeAt(i)).toBe(type.name);
          const owned = store.ownerColumn[slot] === c.owner;
          for (const f of type.wire[owned ? 1 : 0].fields) {
            const plan = SKYWORLD.fields[f]!;
            if (plan.period !== 1) continue; // a half- or sixth-rate field may lag its column
            expect(c.replica.valueAt(i, f)).toBe(fromCode(plan, toCode(plan, store.columns[f]![slot]!)));
            fields++;
          }
        }
        for (const k of ['inventory.gold', 'inventory.keys', 'inventory.potions'] as const) expect(c.replica.value(c.id, k)).toBe(store.get(c.id, k));
        for (const o of clients) {
          if (o === c || !c.replica.has(o.id)) continue;
          foreign++;
          expect(c.replica.value(o.id, 'inventory.gold')).toBeUndefined();
          expect(c.replica.entity(o.id)!.inventory).toBeUndefined();
        }
        c.checked++;
      }
    }
    for (const c of clients) {
      expect(c.checked).toBeGreaterThan(240);
      expect(c.server.counters.deferred).toBe(0);
      expect(c.server.counters.updates).toBeGreaterThan(1000);
    }
    expect(foreign).toBeGreaterThan(100);
    expect(fields).toBeGreaterThan(10_000);
  });
});
