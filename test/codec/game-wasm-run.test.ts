// The encoder's WebAssembly run kernels (src/codec/game-wasm-run.ts) against its JavaScript
// ones: two replicators on one store in a WebAssembly arena, one with the arena (its runs in
// WebAssembly, its frames and message in the arena) and one without, are handed the same views,
// budgets and acknowledgements tick after tick, and must write the same bytes every time. The
// world has every quantiser (powers of two, thirds and odd ranges that round through f64, a
// wrapped angle, unsigned and signed integers, enums), rate classes, owner-only fields, types
// laid out in runs, owners that change, teleports (deltas past the tier tables), sparse views
// (gaps past them), update zones (none, 2D, 3D), despawns, columns written with any 32 bits (every clamp), tight budgets and
// acknowledgements that come late or never.

import { describe, expect, it, vi } from 'vitest';
import { defineGame } from '../../src/core/game.js';
import { GameStore } from '../../src/core/game-store.js';
import { mulberry32 } from '../../src/core/mulberry32.js';
import { GameReplicator } from '../../src/codec/game-snapshot.js';
import { GameReplica } from '../../src/codec/game-replica.js';
import { wasmEncodingStats } from '../../src/codec/game-wasm-kernels.js';
import type { UpdateZonesSpec } from '../../src/codec/update-zones.js';
import { Arena } from '../../src/wasm/arena.js';
import { loadChronos } from '../../src/wasm/loader.js';

const GAME = defineGame({
  name: 'wasm-run',
  components: {
    pos: {
      fields: {
        x: { type: 'q16', min: -1000, max: 1000, precision: 1 / 64 },
        y: { type: 'q16', min: -1000, max: 1000, precision: 1 / 128 },
        third: { type: 'q16', min: -50, max: 50, precision: 1 / 3 },
      },
    },
    vel: { fields: { x: { type: 'q16', min: -8, max: 8, precision: 1 / 1024 }, odd: { type: 'q16', min: -7.3, max: 11.9, bits: 9 } }, rate: 'normal' },
    turn: {
      fields: {
        yaw: { type: 'q16', min: -Math.PI, max: Math.PI, bits: 12, wrap: true },
        deg: { type: 'q16', min: 0, max: 360, precision: 1, wrap: true },
      },
    },
    stats: {
      fields: {
        hp: { type: 'i32', min: -500, max: 500 },
        level: { type: 'u32' },
        raw: { type: 'i32' },
        mood: { type: 'enum', values: ['a', 'b', 'c'] },
        flag: { type: 'bool' },
        rank: { type: 'u32', min: 5, max: 900 },
      },
      rate: 'low',
    },
    purse: { fields: { gold: { type: 'u32', min: 0, max: 100_000 } }, replicate: 'owner' },
    brain: { fields: { plan: { type: 'i32' } }, replicate: 'server' },
  },
  types: {
    walker: ['pos', 'vel', 'turn', 'brain'],
    hero: ['pos', 'vel', 'turn', 'stats', 'purse'],
    rock: ['pos'],
    bag: ['stats', 'purse'],
  },
});
type Decl = typeof GAME.declaration;
type Key = Parameters<GameStore<Decl>['set']>[1];
const TYPES = ['walker', 'hero', 'rock', 'bag'] as const;

function value(key: string, rnd: () => number, big: boolean): number | boolean | string {
  switch (key) {
    case 'pos.x':
    case 'pos.y':
      return big ? (rnd() - 0.5) * 2000 : (rnd() - 0.5) * 3;
    case 'pos.third':
      return (rnd() - 0.5) * 100;
    case 'vel.x':
      return (rnd() - 0.5) * 16;
    case 'vel.odd':
      return -7.3 + rnd() * 19.2;
    case 'turn.yaw':
      return (rnd() - 0.5) * 20;
    case 'turn.deg':
      return rnd() * 720 - 360;
    case 'stats.hp':
      return Math.floor(rnd() * 1001) - 500;
    case 'stats.level':
      return Math.floor(rnd() * 0xffffffff);
    case 'stats.raw':
      return Math.floor((rnd() - 0.5) * 2 ** 32);
    case 'stats.mood':
      return ['a', 'b', 'c'][Math.floor(rnd() * 3)]!;
    case 'stats.flag':
      return rnd() < 0.5;
    case 'stats.rank':
      return 5 + Math.floor(rnd() * 896);
    case 'purse.gold':
      return Math.floor(rnd() * 100_001);
    default:
      return Math.floor((rnd() - 0.5) * 1e9);
  }
}

async function arenaStore(capacity: number): Promise<{ arena: Arena; store: GameStore<Decl> }> {
  const arena = new Arena(await loadChronos());
  const region = arena.allocate('wasm-run-store', GameStore.bytesFor(GAME, capacity));
  return { arena, store: new GameStore(GAME, { capacity, memory: { buffer: arena.memoryBuffer, byteOffset: region.ptr } }) };
}

describe('the encoder\'s WebAssembly run kernels', () => {
  it('write the same bytes as the JavaScript ones, tick after tick, over a world that changes at random', async () => {
    const capacity = 1500;
    const { arena, store } = await arenaStore(capacity);
    const rnd = mulberry32(23);
    const live: number[] = [];
    // Runs of one type (a crowd spawned together), then a mixed tail.
    for (const [type, n] of [['walker', 500], ['hero', 200], ['rock', 300], ['bag', 100]] as const) {
      for (let i = 0; i < n; i++) live.push(store.spawn(type, {}, type === 'hero' || type === 'bag' ? 1 + (i % 3) : 0));
    }
    const set = (id: number, big: boolean) => {
      const t = GAME.types[store.typeColumn[id & 0xfffff]! - 1]!;
      for (const ci of t.components) {
        for (const f of GAME.components[ci]!.fields) {
          const name = GAME.fields[f]!.name;
          if (rnd() < 0.5) store.set(id, name as Key, value(name, rnd, big));
        }
      }
    };
    for (const id of live) set(id, true);
    // Update zones: none, on the ground, and in 3D (pos.third as the height).
    const bands = [{ withinM: 20, hz: 60 }, { withinM: 300, hz: 20 }, { withinM: 600, hz: 7 }];
    const zonesOf = (owner: number): UpdateZonesSpec<Decl> | undefined =>
      owner === 1 ? undefined : owner === 0 ? { x: 'pos.x', y: 'pos.y', z: 'pos.third', bands, beyondHz: 2 } : { x: 'pos.x', y: 'pos.y', bands, beyondHz: 2 };
    const pairs = [1, 2, 0].map((owner) => ({
      owner,
      wasm: new GameReplicator(store, { viewCapacity: capacity, owner, arena, maxMessageBytes: 16 * 1024, zones: zonesOf(owner) }),
      js: new GameReplicator(store, { viewCapacity: capacity, owner, maxMessageBytes: 16 * 1024, zones: zonesOf(owner) }),
      replica: new GameReplica(GAME, { viewCapacity: capacity }),
      acks: [] as { at: number; seq: number }[],
      // Most of the world, changing a little each tick (views drift, as players walk).
      seen: new Set(live.filter(() => rnd() < 0.9)),
    }));
    for (const p of pairs) expect(p.wasm.wasm && !p.js.wasm).toBe(true);
    let compared = 0;
    for (let tick = 0; tick < 200; tick++) {
      // Most move a little; a few teleport (deltas past the tables), change owner, die or are born.
      for (let k = 0; k < live.length; k++) {
        const id = live[k]!;
        const r = rnd();
        if (r < 0.005) {
          store.despawn(id);
          live[k] = store.spawn(TYPES[Math.floor(rnd() * TYPES.length)]!, {}, Math.floor(rnd() * 3));
          set(live[k]!, true);
        } else if (r < 0.02) set(id, true);
        else if (r < 0.7) set(id, false);
        else if (r < 0.705) store.setOwner(id, Math.floor(rnd() * 3));
        else if (r < 0.73) {
          // Systems write columns directly: any 32 bits, out of every range (the clamps), or
          // beside a rounding step (the stored value nearest (k + 1/2) steps, give or take one).
          const f = Math.floor(rnd() * GAME.fields.length);
          const plan = GAME.fields[f]!;
          const k = Math.floor((rnd() - 0.5) * 2 * (plan.codeMax - plan.codeMin + 1));
          store.columns[f]![id & 0xfffff] = plan.scale > 1 && rnd() < 0.5
            ? Math.round(plan.base + (k + 0.5) * plan.scale) + Math.floor(rnd() * 3) - 1
            : Math.floor(rnd() * 2 ** 32) | 0;
        }
      }
      for (const p of pairs) {
        while (p.acks.length > 0 && p.acks[0]!.at <= tick) {
          const seq = p.acks.shift()!.seq;
          p.wasm.ack(seq);
          p.js.ack(seq);
        }
        // A view that drifts most ticks, sparse some (gaps past the tables); in slot order or not.
        for (const id of p.seen) if (rnd() < 0.02) p.seen.delete(id);
        for (const id of live) if (rnd() < 0.02) p.seen.add(id);
        const slots = live.filter((id) => p.seen.has(id) && (tick % 9 !== 4 || rnd() < 0.05)).map((id) => id & 0xfffff);
        if (tick % 5 === 0) slots.reverse();
        // Budgets from a trickle (records wait for later messages) to plenty.
        const budget = tick % 4 === 1 ? 200 + Math.floor(rnd() * 2000) : 16 * 1024;
        // The zones measure from a hero's avatar (any live slot), or from nothing some ticks.
        const origin = tick % 6 === 5 ? -1 : live[500 + (tick % 200)]! & 0xfffff;
        const a = p.wasm.encode(tick, slots, slots.length, budget, origin).slice();
        const b = p.js.encode(tick, slots, slots.length, budget, origin).slice();
        expect(a).toEqual(b);
        compared++;
        p.replica.decode(a);
        if (rnd() < 0.8) p.acks.push({ at: tick + Math.floor(rnd() * 5), seq: p.wasm.nextSeq - 1 });
      }
    }
    expect(compared).toBe(600);
    for (const p of pairs) {
      expect(p.wasm.counters).toEqual(p.js.counters);
      // The runs went through WebAssembly, most of each view.
      expect(p.wasm.counters.runEntities).toBeGreaterThan(10_000);
      expect(p.wasm.counters.deferred).toBeGreaterThan(0);
      p.wasm.dispose();
    }
  });

  it('gives its frames back to the arena when disposed', async () => {
    const { arena, store } = await arenaStore(200);
    for (let i = 0; i < 150; i++) store.spawn('walker', { pos: { x: i, y: 0, third: 0 } });
    const slots = Array.from({ length: 150 }, (_, i) => i);
    const encodeSome = (r: GameReplicator<Decl>) => {
      for (let t = 0; t < 40; t++) {
        r.encode(t, slots, slots.length);
        if (t % 3 === 0) r.ack(r.nextSeq - 1);
      }
    };
    // A first encoder makes the thread's scratch (tier tables, the writer, the walk's block and view copy), which stays.
    const first = new GameReplicator(store, { viewCapacity: 200, arena });
    encodeSome(first);
    const withScratch = arena.stats().regions.map((g) => g.name).sort();
    const r = new GameReplicator(store, { viewCapacity: 200, arena });
    encodeSome(r);
    expect(r.wasm && r.heldFrames > 1).toBe(true);
    expect(arena.stats().regions.length).toBeGreaterThan(withScratch.length);
    r.dispose();
    expect(arena.stats().regions.map((g) => g.name).sort()).toEqual(withScratch);
    first.dispose();
    expect(arena.stats().regions.length).toBeLessThan(withScratch.length);
  });
});

describe('the encoder on a full arena', () => {
  it('keeps writing the same bytes, its frames in the JavaScript heap where the arena has no room', async () => {
    const capacity = 600;
    // An arena capped a little past what the module and the store take: the frames soon find no room.
    const probe = new Arena(await loadChronos());
    probe.allocate('probe-store', GameStore.bytesFor(GAME, capacity));
    const pages = Math.ceil(probe.stats().topByte / 65536) + 2;
    const arena = new Arena(await loadChronos({ initialPages: pages, maximumPages: pages }));
    const region = arena.allocate('wasm-run-store', GameStore.bytesFor(GAME, capacity));
    const store = new GameStore(GAME, { capacity, memory: { buffer: arena.memoryBuffer, byteOffset: region.ptr } });
    const rnd = mulberry32(41);
    const ids = Array.from({ length: 500 }, (_, i) => store.spawn('walker', { pos: { x: i - 250, y: 0, third: 0 } }));
    const slots = ids.map((id) => id & 0xfffff);
    const before = { ...wasmEncodingStats };
    const pairs = Array.from({ length: 8 }, (_, k) => ({
      wasm: new GameReplicator(store, { viewCapacity: capacity, owner: k + 1, arena }),
      js: new GameReplicator(store, { viewCapacity: capacity, owner: k + 1 }),
    }));
    for (let tick = 0; tick < 40; tick++) {
      for (const id of ids) store.set(id, 'pos.x', Math.max(-1000, Math.min(1000, (store.get(id, 'pos.x') as number) + (rnd() - 0.5))));
      for (const p of pairs) {
        expect(p.wasm.encode(tick, slots, slots.length).slice()).toEqual(p.js.encode(tick, slots, slots.length).slice());
        // Acknowledged late: each holds several frames.
        if (tick >= 6) {
          p.wasm.ack(p.wasm.nextSeq - 6);
          p.js.ack(p.js.nextSeq - 6);
        }
      }
    }
    expect(wasmEncodingStats.framesOutsideArena).toBeGreaterThan(before.framesOutsideArena);
    expect(wasmEncodingStats.walksInJavaScript).toBeGreaterThan(before.walksInJavaScript);
    expect(pairs[0]!.wasm.counters.runEntities).toBeGreaterThan(0);
    for (const p of pairs) p.wasm.dispose();
  });

  it('falls back to the JavaScript kernels when WebAssembly refuses a kernel module, and counts it', async () => {
    const { arena, store } = await arenaStore(50);
    for (let i = 0; i < 20; i++) store.spawn('walker', { pos: { x: i, y: 0, third: 0 } });
    const before = wasmEncodingStats.modulesRefused;
    const spy = vi.spyOn(WebAssembly, 'Module').mockImplementationOnce(function refuse(): never {
      throw new WebAssembly.CompileError('refused');
    });
    try {
      const r = new GameReplicator(store, { viewCapacity: 50, arena });
      expect(r.wasm).toBe(false);
      expect(wasmEncodingStats.modulesRefused).toBe(before + 1);
      const slots = Array.from({ length: 20 }, (_, i) => i);
      const js = new GameReplicator(store, { viewCapacity: 50 });
      expect(r.encode(0, slots, 20)).toEqual(js.encode(0, slots, 20));
    } finally {
      spy.mockRestore();
    }
  });
});
