// The game-declared snapshot codec against brute force: a random world of several entity types
// changes every tick, two clients see random parts of it over a lossy, late network, and after
// every message a client decodes, its view must equal what an independent quantisation of the
// server's state said it should hold at that tick: the same entities, types, ownership, and
// every field the client may receive, while owner-only fields reach only their owner and
// server-only fields nobody.

import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/core/errors.js';
import { defineGame } from '../../src/core/game.js';
import { fromCode, toCode } from '../../src/core/game-fields.js';
import { GameStore } from '../../src/core/game-store.js';
import { mulberry32 } from '../../src/core/mulberry32.js';
import { GameReplica } from '../../src/codec/game-replica.js';
import { GameReplicator, sharedEncodeBytes } from '../../src/codec/game-snapshot.js';
import { GAME_HEADER_BYTES } from '../../src/codec/game-frames.js';

const TEST_GAME = defineGame({
  name: 'codec-test',
  components: {
    pos: {
      fields: {
        x: { type: 'q16', min: -1000, max: 1000, precision: 1 / 64 },
        y: { type: 'q16', min: -1000, max: 1000, precision: 1 / 64 },
        z: { type: 'q16' },
      },
    },
    spin: { fields: { a: { type: 'q16', min: -Math.PI, max: Math.PI, bits: 10, wrap: true } } },
    stats: {
      fields: {
        hp: { type: 'i32', min: -500, max: 500 },
        level: { type: 'u32' },
        flag: { type: 'bool' },
        mood: { type: 'enum', values: ['calm', 'angry', 'sleepy'] },
        heat: { type: 'q16', min: 0, max: 10, bits: 7 },
      },
    },
    secret: { fields: { gold: { type: 'u32', min: 0, max: 100_000 } }, replicate: 'owner' },
    brain: { fields: { plan: { type: 'i32' } }, replicate: 'server' },
  },
  types: {
    spinner: ['pos', 'spin'],
    hero: ['pos', 'stats', 'secret'],
    monster: ['pos', 'stats', 'brain'],
    ghost: ['stats'],
  },
});
type Decl = typeof TEST_GAME.declaration;
type Key = Parameters<GameStore<Decl>['set']>[1];
const TYPES = ['spinner', 'hero', 'monster', 'ghost'] as const;

/** What a client owning `owner` must hold of the store's entity in `slot`, by brute force. */
function expected(store: GameStore<Decl>, slot: number, owner: number): Record<string, unknown> {
  const game = store.game;
  const t = store.typeColumn[slot]! - 1;
  const owned = owner !== 0 && store.ownerColumn[slot] === owner;
  const out: Record<string, unknown> = { id: store.idAt(slot), type: game.types[t]!.name, owned };
  for (const ci of game.types[t]!.components) {
    const comp: Record<string, unknown> = {};
    for (const f of game.components[ci]!.fields) {
      const plan = game.fields[f]!;
      if (plan.replicate === 'server' || (plan.replicate === 'owner' && !owned)) continue;
      comp[plan.name.split('.')[1]!] = fromCode(plan, toCode(plan, store.columns[f]![slot]!));
    }
    if (Object.keys(comp).length > 0) out[game.components[ci]!.name] = comp;
  }
  return out;
}

function dump(replica: GameReplica<Decl>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < replica.size; i++) out.push({ ...replica.entity(replica.idAt(i))! });
  return out;
}

function randomValue(key: string, rnd: () => number): number | boolean | string {
  switch (key) {
    case 'pos.x':
    case 'pos.y':
      return rnd() < 0.5 ? (rnd() - 0.5) * 2000 : Math.round((rnd() - 0.5) * 40) / 8;
    case 'pos.z':
      return (rnd() - 0.5) * 60000;
    case 'spin.a':
      return (rnd() - 0.5) * 20;
    case 'stats.hp':
      return Math.floor(rnd() * 1001) - 500;
    case 'stats.level':
      return Math.floor(rnd() * 0xffffffff);
    case 'stats.flag':
      return rnd() < 0.5;
    case 'stats.mood':
      return ['calm', 'angry', 'sleepy'][Math.floor(rnd() * 3)]!;
    case 'stats.heat':
      return rnd() * 10;
    case 'secret.gold':
      return Math.floor(rnd() * 100_001);
    default:
      return Math.floor((rnd() - 0.5) * 1e9);
  }
}

/** A world of TEST_GAME entities that changes at random every tick. */
function randomWorld(seed: number, capacity = 400) {
  const rnd = mulberry32(seed);
  const store = new GameStore(TEST_GAME, { capacity });
  const live = new Set<number>();
  const step = () => {
    if (live.size < capacity - 10 && rnd() < 0.9) {
      for (let k = Math.floor(rnd() * 6); k > 0; k--) {
        const id = store.spawn(TYPES[Math.floor(rnd() * TYPES.length)]!, {}, Math.floor(rnd() * 3));
        live.add(id);
      }
    }
    for (const id of live) {
      const r = rnd();
      if (r < 0.02) {
        store.despawn(id);
        live.delete(id);
        continue;
      }
      if (r < 0.5) continue;
      const t = TEST_GAME.types[store.typeColumn[id & 0xfffff]! - 1]!;
      for (const ci of t.components) {
        for (const f of TEST_GAME.components[ci]!.fields) {
          if (rnd() < 0.4) store.set(id, TEST_GAME.fields[f]!.name as Key, randomValue(TEST_GAME.fields[f]!.name, rnd));
        }
      }
      if (rnd() < 0.01) store.setOwner(id, Math.floor(rnd() * 3));
    }
  };
  return { store, live, step, rnd };
}

describe('game snapshot codec against brute force', () => {
  it('two clients over a lossy, late network always hold exactly what they were sent', () => {
    const { store, live, step, rnd } = randomWorld(7);
    const clients = [1, 2].map((owner) => ({
      owner,
      server: new GameReplicator(store, { viewCapacity: 512, owner }),
      client: new GameReplica(TEST_GAME, { viewCapacity: 512 }),
      visible: new Set<number>(),
      acks: [] as { at: number; seq: number }[],
      expect: new Map<number, Record<string, unknown>[]>(),
      checked: 0,
      deltas: 0,
    }));
    for (let tick = 0; tick < 400; tick++) {
      step();
      for (const c of clients) {
        for (const id of [...c.visible]) if (!live.has(id) || rnd() < 0.05) c.visible.delete(id);
        for (const id of live) if (!c.visible.has(id) && rnd() < 0.2) c.visible.add(id);
        while (c.acks.length > 0 && c.acks[0]!.at <= tick) c.server.ack(c.acks.shift()!.seq);
        const slots = [...c.visible].map((id) => id & 0xfffff);
        const bytes = c.server.encode(tick, slots, slots.length).slice();
        const seq = c.server.nextSeq - 1;
        c.expect.set(seq, [...slots].sort((a, b) => a - b).map((s) => expected(store, s, c.owner)));
        if (rnd() < 0.2) continue; // lost
        const got = c.client.decode(bytes);
        expect(got.seq).toBe(seq);
        if (got.baselineSeq >= 0) c.deltas++;
        expect(dump(c.client)).toEqual(c.expect.get(seq));
        // Lookups by id: every entity in view is found, the same slot under another generation
        // (the entity that held it before, or will) and a slot out of view are not.
        const inView = new Set<number>();
        for (let i = 0; i < c.client.size; i++) {
          const id = c.client.idAt(i);
          inView.add(id & 0xfffff);
          const stale = ((((id >>> 20) + 1) & 0xfff) << 20 | (id & 0xfffff)) >>> 0;
          expect(c.client.has(id) && !c.client.has(stale) && c.client.value(stale, 'pos.x') === undefined).toBe(true);
        }
        for (let probe = 0; probe < 5; probe++) {
          const slot = Math.floor(rnd() * 700);
          if (!inView.has(slot)) expect(c.client.has(slot)).toBe(false);
        }
        c.checked++;
        if (rnd() < 0.85) c.acks.push({ at: tick + Math.floor(rnd() * 4), seq });
      }
    }
    for (const c of clients) {
      expect(c.checked).toBeGreaterThan(250);
      expect(c.deltas).toBeGreaterThan(200);
      expect(c.server.counters.updates).toBeGreaterThan(1000);
      expect(c.server.counters.leaves).toBeGreaterThan(100);
      expect(c.server.counters.deferred).toBe(0);
    }
  });

  it('long runs of one type go through the compiled run kernels and decode to exactly the server state', () => {
    const rnd = mulberry32(17);
    const store = new GameStore(TEST_GAME, { capacity: 600 });
    // Slots laid out by type (300 spinners, then 200 heroes), as a crowd spawned together is.
    const ids: number[] = [];
    for (let i = 0; i < 300; i++) ids.push(store.spawn('spinner', { pos: { x: i - 150, y: 0, z: 0 } }, i % 7 === 0 ? 1 : 0));
    for (let i = 0; i < 200; i++) ids.push(store.spawn('hero', { pos: { x: 0, y: i - 100, z: 1 } }, i % 5 === 0 ? 1 : 2));
    const server = new GameReplicator(store, { viewCapacity: 512, owner: 1 });
    const client = new GameReplica(TEST_GAME, { viewCapacity: 512 });
    const acks: { at: number; seq: number }[] = [];
    const sent = new Map<number, Record<string, unknown>[]>();
    let checked = 0;
    for (let tick = 0; tick < 300; tick++) {
      for (let k = 0; k < ids.length; k++) {
        const id = ids[k]!;
        const r = rnd();
        if (r < 0.7) {
          store.set(id, 'pos.x', (store.get(id, 'pos.x') as number) + Math.round((rnd() - 0.5) * 20) / 64);
          store.set(id, 'pos.y', randomValue('pos.y', rnd));
        }
        if (r < 0.2 && k < 300) store.set(id, 'spin.a', randomValue('spin.a', rnd));
        if (r > 0.9 && k >= 300) {
          store.set(id, 'stats.hp', randomValue('stats.hp', rnd));
          store.set(id, 'stats.mood', randomValue('stats.mood', rnd));
          store.set(id, 'stats.heat', randomValue('stats.heat', rnd));
          store.set(id, 'secret.gold', randomValue('secret.gold', rnd));
        }
      }
      // Now and then one dies and another of its type takes its slot (a new generation).
      if (tick % 10 === 5) {
        const k = Math.floor(rnd() * ids.length);
        const type = k < 300 ? 'spinner' : 'hero';
        store.despawn(ids[k]!);
        ids[k] = store.spawn(type, {}, k % 3);
      }
      while (acks.length > 0 && acks[0]!.at <= tick) server.ack(acks.shift()!.seq);
      // A window of the crowd that slides, plus a few strays from elsewhere.
      const from = (tick * 3) % 200;
      const view = new Set<number>();
      for (let s = from; s < from + 300; s++) view.add(s);
      for (let e = 0; e < 5; e++) view.add(Math.floor(rnd() * 500));
      const slots = [...view];
      const bytes = server.encode(tick, slots, slots.length).slice();
      const seq = server.nextSeq - 1;
      sent.set(seq, [...slots].sort((a, b) => a - b).map((s) => expected(store, s, 1)));
      if (rnd() < 0.1) continue; // lost
      const got = client.decode(bytes);
      expect(dump(client)).toEqual(sent.get(got.seq));
      checked++;
      if (rnd() < 0.9) acks.push({ at: tick + 1 + Math.floor(rnd() * 3), seq });
    }
    expect(checked).toBeGreaterThan(250);
    expect(server.counters.runEntities).toBeGreaterThan(40_000);
    expect(server.counters.deferred).toBe(0);
  });

  it('an owner-only field reaches its owner alone, and a server-only field nobody', () => {
    const store = new GameStore(TEST_GAME, { capacity: 8 });
    const hero = store.spawn('hero', { pos: { x: 1, y: 2 } }, 1);
    const monster = store.spawn('monster', {}, 1);
    const owner = new GameReplicator(store, { viewCapacity: 8, owner: 1 });
    const other = new GameReplicator(store, { viewCapacity: 8, owner: 2 });
    const ownerView = new GameReplica(TEST_GAME, { viewCapacity: 8 });
    const otherView = new GameReplica(TEST_GAME, { viewCapacity: 8 });
    const slots = [hero & 0xfffff, monster & 0xfffff];
    const send = (tick: number) => {
      const a = owner.encode(tick, slots, 2);
      ownerView.decode(a);
      owner.ack(owner.nextSeq - 1);
      const b = other.encode(tick, slots, 2);
      otherView.decode(b);
      other.ack(other.nextSeq - 1);
      return [a.byteLength, b.byteLength];
    };
    store.set(hero, 'secret.gold', 4242);
    send(0);
    expect(ownerView.value(hero, 'secret.gold')).toBe(4242);
    expect(ownerView.entity(hero)!.owned).toBe(true);
    expect(otherView.value(hero, 'secret.gold')).toBeUndefined();
    expect(otherView.entity(hero)!.secret).toBeUndefined();
    expect(otherView.value(monster, 'brain.plan')).toBeUndefined();
    expect(ownerView.value(monster, 'brain.plan')).toBeUndefined();
    // Only the gold changes: the owner gets an update, the other client a message with no record.
    store.set(hero, 'secret.gold', 99);
    store.set(monster, 'brain.plan', 12345);
    const [ownerBytes, otherBytes] = send(1);
    expect(ownerView.value(hero, 'secret.gold')).toBe(99);
    expect(otherBytes).toBe(GAME_HEADER_BYTES);
    expect(ownerBytes).toBeGreaterThan(GAME_HEADER_BYTES);
    // A new owner: the entity re-enters both views with the other recipient class.
    store.setOwner(hero, 2);
    send(2);
    expect(ownerView.value(hero, 'secret.gold')).toBeUndefined();
    expect(otherView.value(hero, 'secret.gold')).toBe(99);
  });

  it('a wrapped field crossing its seam costs a small delta and comes back on the right side', () => {
    const store = new GameStore(TEST_GAME, { capacity: 4 });
    const id = store.spawn('spinner', { spin: { a: Math.PI - 0.01 } });
    const server = new GameReplicator(store, { viewCapacity: 4 });
    const client = new GameReplica(TEST_GAME, { viewCapacity: 4 });
    client.decode(server.encode(0, [id & 0xfffff], 1));
    server.ack(0);
    store.set(id, 'spin.a', -Math.PI + 0.01);
    const bytes = server.encode(1, [id & 0xfffff], 1);
    client.decode(bytes);
    expect(client.value(id, 'spin.a') as number).toBeCloseTo(-Math.PI + 0.01, 2);
    // gap 1 + op 1 + mask 2 + a 6-bit tiered delta of 3 steps: 10 bits. The long way round
    // (1,020 steps) would take a 12-bit code alone.
    expect(bytes.byteLength).toBe(GAME_HEADER_BYTES + 2);
  });

  it('carries the last input the server applied and how many it holds, for a predicting client', () => {
    const store = new GameStore(TEST_GAME, { capacity: 4 });
    const id = store.spawn('spinner', {});
    const server = new GameReplicator(store, { viewCapacity: 4 });
    const client = new GameReplica(TEST_GAME, { viewCapacity: 4 });
    expect(client.decode(server.encode(0, [id & 0xfffff], 1))).toMatchObject({ inputSeq: -1, inputQueue: 0 });
    server.inputSeq = 0xfffffffe;
    server.inputQueue = 7;
    expect(client.decode(server.encode(1, [id & 0xfffff], 1))).toMatchObject({ inputSeq: 0xfffffffe, inputQueue: 7 });
    server.inputQueue = 300; // capped at a byte
    expect(client.decode(server.encode(2, [id & 0xfffff], 1)).inputQueue).toBe(255);
  });

  it('says how far the recipient\'s view reached, in 255ths: a crowd narrows it; not said reads as whole', () => {
    const store = new GameStore(TEST_GAME, { capacity: 4 });
    const id = store.spawn('spinner', {});
    const server = new GameReplicator(store, { viewCapacity: 4 });
    const client = new GameReplica(TEST_GAME, { viewCapacity: 4 });
    const sent = (tick: number, scale: number) => {
      server.viewScale = scale;
      return client.decode(server.encode(tick, [id & 0xfffff], 1)).viewScale;
    };
    expect(sent(0, 0)).toBe(1);
    expect(sent(1, 1)).toBe(1);
    expect(sent(2, 0.5)).toBeCloseTo(0.5, 2);
    expect(sent(3, 0.25)).toBeCloseTo(0.25, 2);
    // Never nothing, never past whole, NaN not said.
    expect(sent(4, 0.0001)).toBe(1 / 255);
    expect(sent(5, 7)).toBe(1);
    expect(sent(6, Number.NaN)).toBe(1);
  });

  it('a byte budget defers records, keeps every message within it and converges', () => {
    const { store, live, step } = randomWorld(11, 300);
    for (let i = 0; i < 30; i++) step();
    const server = new GameReplicator(store, { viewCapacity: 512, owner: 1, maxMessageBytes: 300 });
    const client = new GameReplica(TEST_GAME, { viewCapacity: 512 });
    const slots = () => [...live].map((id) => id & 0xfffff);
    for (let tick = 0; tick < 60; tick++) {
      const bytes = server.encode(tick, slots(), live.size);
      expect(bytes.byteLength).toBeLessThanOrEqual(300);
      client.decode(bytes);
      server.ack(server.nextSeq - 1);
    }
    expect(server.counters.deferred).toBeGreaterThan(0);
    const s = slots().sort((a, b) => a - b);
    expect(dump(client)).toEqual(s.map((slot) => expected(store, slot, 1)));
  });

  it('replicators of one thread share their planning over budget: interleaved, each sends what it sends alone', () => {
    const run = (interleaved: boolean) => {
      const { store, live, step } = randomWorld(13, 300);
      const servers = [1, 2].map((owner) => new GameReplicator(store, { viewCapacity: 512, owner, maxMessageBytes: 300 + owner * 40 }));
      const sent: number[][][] = [[], []];
      const slots = () => [...live].map((id) => id & 0xfffff);
      for (let tick = 0; tick < 40; tick++) {
        step();
        // Alone: only the first replicator encodes; interleaved: both, the second between the first's messages.
        servers.forEach((server, k) => {
          if (k === 1 && !interleaved) return;
          sent[k]!.push([...server.encode(tick, slots(), live.size)]);
          if (tick % 3 !== 2) server.ack(server.nextSeq - 1);
        });
      }
      return { sent, servers };
    };
    const alone = run(false);
    const both = run(true);
    expect(both.servers[0]!.counters.deferred).toBeGreaterThan(0);
    expect(both.servers[1]!.counters.deferred).toBeGreaterThan(0);
    expect(both.sent[0]).toEqual(alone.sent[0]);
    // The planning is the thread's, not each replicator's.
    expect(both.servers[0]!.heldBytes).toBeLessThan(sharedEncodeBytes());
  });

  it('under a budget far below what changes, every entity is refreshed in turn (none starves)', () => {
    const store = new GameStore(TEST_GAME, { capacity: 400 });
    const ids = Array.from({ length: 300 }, (_, i) => store.spawn('spinner', { pos: { x: -900 + i * 0.5, y: i } }));
    const slots = ids.map((id) => id & 0xfffff);
    const server = new GameReplicator(store, { viewCapacity: 512, maxMessageBytes: 300 });
    const client = new GameReplica(TEST_GAME, { viewCapacity: 512 });
    const x = store.column('pos.x');
    let worstLagM = 0;
    let seen = 0;
    for (let tick = 0; tick < 300; tick++) {
      for (const s of slots) x[s]! += 0.25 * 65536; // every entity moves every tick
      const bytes = server.encode(tick, slots, slots.length);
      expect(bytes.byteLength).toBeLessThanOrEqual(300);
      client.decode(bytes);
      server.ack(server.nextSeq - 1);
      if (tick < 100) continue;
      for (const id of ids) {
        const have = client.value(id, 'pos.x');
        if (have === undefined) continue;
        seen++;
        worstLagM = Math.max(worstLagM, (store.get(id, 'pos.x') as number) - (have as number));
      }
    }
    // ~900 B of changes a tick through 300 B: each entity waits a few ticks, never for ever.
    expect(seen).toBe(300 * 200);
    expect(server.counters.deferred).toBeGreaterThan(1000);
    expect(worstLagM).toBeGreaterThan(0.25);
    expect(worstLagM).toBeLessThanOrEqual(0.25 * 12);
    // Once they stop, the deferred records drain and the view is exact.
    for (let tick = 300; tick < 320; tick++) {
      client.decode(server.encode(tick, slots, slots.length));
      server.ack(server.nextSeq - 1);
    }
    expect(dump(client)).toEqual([...slots].sort((a, b) => a - b).map((s) => expected(store, s, 0)));
  });

  it('slower rate classes count the client\'s snapshots, so every slot refreshes whatever ticks they are sent at', () => {
    const paced = defineGame({
      name: 'paced',
      components: {
        drift: { fields: { v: { type: 'q16', min: -10, max: 10, precision: 1 / 1024 } }, rate: 'normal' },
        mood: { fields: { m: { type: 'u32', min: 0, max: 1000 } }, rate: 'low' },
      },
      types: { thing: ['drift', 'mood'] },
    });
    const store = new GameStore(paced, { capacity: 8 });
    const ids = Array.from({ length: 6 }, () => store.spawn('thing'));
    const slots = ids.map((id) => id & 0xfffff);
    const server = new GameReplicator(store, { viewCapacity: 8 });
    const client = new GameReplica(paced, { viewCapacity: 8 });
    // Sent every other tick (a server at half rate): due-ness must not follow the tick's parity.
    for (let tick = 0; tick <= 60; tick += 2) {
      for (const id of ids) {
        store.set(id, 'drift.v', tick / 100);
        store.set(id, 'mood.m', tick);
      }
      client.decode(server.encode(tick, slots, slots.length));
      server.ack(server.nextSeq - 1);
    }
    for (let k = 0; k < 6; k++) {
      client.decode(server.encode(62 + 2 * k, slots, slots.length));
      server.ack(server.nextSeq - 1);
    }
    for (const id of ids) {
      expect(client.value(id, 'drift.v') as number).toBeCloseTo(0.6, 2);
      expect(client.value(id, 'mood.m')).toBe(60);
    }
  });

  it('holds the frames acknowledgements may still name: a few when they come promptly, the lag\'s worth when they are late', () => {
    const { store, live, step } = randomWorld(5, 300);
    const run = (lag: number, ticks: number, ackUntil = Infinity) => {
      const server = new GameReplicator(store, { viewCapacity: 512 });
      const client = new GameReplica(TEST_GAME, { viewCapacity: 512 });
      let most = 0;
      let deltas = 0;
      for (let tick = 0; tick < ticks; tick++) {
        step();
        const slots = [...live].map((id) => id & 0xfffff);
        const got = client.decode(server.encode(tick, slots, slots.length));
        if (got.baselineSeq >= 0) {
          deltas++;
          // A delta against the frame acknowledged `lag` messages ago, decoded to exactly the store's state.
          if (tick <= ackUntil) expect(got.seq - got.baselineSeq).toBe(lag + 1);
        }
        expect(dump(client)).toEqual([...slots].sort((a, b) => a - b).map((sl) => expected(store, sl, 0)));
        if (tick - lag >= 0 && tick < ackUntil) server.ack(tick - lag);
        most = Math.max(most, server.heldFrames);
      }
      return { server, most, deltas };
    };
    const prompt = run(2, 80);
    expect(prompt.deltas).toBeGreaterThan(70);
    expect(prompt.most).toBeLessThanOrEqual(2 + 1 + 1 + 2); // acked, 2 sent since, the spare, 2 kept for reuse
    const late = run(20, 80);
    expect(late.deltas).toBeGreaterThan(50);
    expect(late.most).toBeLessThanOrEqual(20 + 1 + 1 + 2);
    expect(late.most).toBeGreaterThan(prompt.most * 3);
    // Acknowledgements stop: the ring fills to the window and messages go whole past it.
    const stopped = run(2, 80, 20);
    expect(stopped.most).toBeGreaterThanOrEqual(32);
    expect(stopped.most).toBeLessThanOrEqual(32 + 1 + 2);
    expect(stopped.server.counters.fulls).toBeGreaterThan(20);
  });

  it('reuses the frames acknowledgements in bursts free, instead of making new ones each burst', () => {
    const { store, live, step } = randomWorld(9, 200);
    const server = new GameReplicator(store, { viewCapacity: 512 });
    const client = new GameReplica(TEST_GAME, { viewCapacity: 512 });
    let mostHeld = 0;
    for (let tick = 0; tick < 400; tick++) {
      step();
      const slots = [...live].map((id) => id & 0xfffff);
      const { seq } = client.decode(server.encode(tick, slots, slots.length));
      expect(dump(client)).toEqual([...slots].sort((a, b) => a - b).map((sl) => expected(store, sl, 0)));
      // A jittery link: nothing for five ticks, then the newest message's acknowledgement (the others' lost or late).
      if (tick % 6 === 5) server.ack(seq - 1);
      if (tick >= 60) mostHeld = Math.max(mostHeld, server.heldFrames);
    }
    // About the bursts' worth once (keeping two would make two more every burst: over a hundred).
    expect(server.framesMade).toBeLessThanOrEqual(12);
    expect(mostHeld).toBeLessThanOrEqual(12);
  });

  it('lets a replica hold only the frames from the server\'s baseline on, and still decode every delta', () => {
    const { store, live, step } = randomWorld(13, 200);
    const server = new GameReplicator(store, { viewCapacity: 512 });
    const client = new GameReplica(TEST_GAME, { viewCapacity: 512 });
    let mostHeld = 0;
    let deltas = 0;
    const acks: number[] = [];
    for (let tick = 0; tick < 200; tick++) {
      step();
      const slots = [...live].map((id) => id & 0xfffff);
      const { seq, baselineSeq } = client.decode(server.encode(tick, slots, slots.length));
      expect(dump(client)).toEqual([...slots].sort((a, b) => a - b).map((sl) => expected(store, sl, 0)));
      if (baselineSeq >= 0) deltas++;
      // Acknowledgements arrive three ticks late, one in five lost.
      acks.push(tick % 5 === 2 ? -1 : seq);
      if (acks.length > 3) {
        const a = acks.shift()!;
        if (a >= 0) server.ack(a);
      }
      if (tick >= 20) mostHeld = Math.max(mostHeld, client.heldFrames);
    }
    expect(deltas).toBeGreaterThan(190);
    // The baseline (three or four behind), those since, the spare and a few kept: not the window's 33.
    expect(mostHeld).toBeLessThanOrEqual(12);
  });

  it('grows its message buffer to the longest message it sent, and a message handed out stays intact', () => {
    const { store, live, step } = randomWorld(17, 400);
    for (let i = 0; i < 200; i++) step();
    const server = new GameReplicator(store, { viewCapacity: 512, maxMessageBytes: 64 * 1024 });
    const client = new GameReplica(TEST_GAME, { viewCapacity: 512 });
    const all = () => [...live].map((id) => id & 0xfffff);
    const few = all().slice(0, 3);
    const small = server.encode(0, few, few.length);
    const smallCopy = small.slice();
    const held = server.heldBytes;
    // Everything at once: a message of kilobytes, past the first buffer (1 KB).
    step();
    const big = server.encode(1, all(), live.size);
    expect(big.byteLength).toBeGreaterThan(1500);
    expect(Array.from(small)).toEqual(Array.from(smallCopy));
    expect(server.heldBytes - held).toBeGreaterThanOrEqual(big.byteLength - 1024);
    client.decode(big);
    expect(dump(client)).toEqual(all().sort((a, b) => a - b).map((sl) => expected(store, sl, 0)));
  });

  it('without acknowledgements every message is whole and decodes on its own', () => {
    const { store, live, step } = randomWorld(3, 200);
    const server = new GameReplicator(store, { viewCapacity: 256 });
    for (let tick = 0; tick < 20; tick++) {
      step();
      const slots = [...live].map((id) => id & 0xfffff);
      const client = new GameReplica(TEST_GAME, { viewCapacity: 256 });
      const got = client.decode(server.encode(tick, slots, slots.length));
      expect(got.baselineSeq).toBe(-1);
      expect(client.size).toBe(slots.length);
    }
    expect(server.counters.fulls).toBe(20);
  });
});

describe('game snapshot decoder under hostile input', () => {
  it('a damaged message is refused whole with a DecodeError and the view stays as it was', () => {
    const { store, live, step, rnd } = randomWorld(5, 200);
    const server = new GameReplicator(store, { viewCapacity: 256, owner: 1 });
    const client = new GameReplica(TEST_GAME, { viewCapacity: 256 });
    let refused = 0;
    let accepted = 0;
    for (let tick = 0; tick < 120; tick++) {
      step();
      const slots = [...live].map((id) => id & 0xfffff);
      const good = server.encode(tick, slots, slots.length).slice();
      const before = dump(client);
      const newest = client.newestSeq;
      // Damage: truncate, flip bits, or append garbage.
      const bad = good.slice(0, rnd() < 0.3 ? Math.floor(rnd() * good.byteLength) : good.byteLength);
      for (let k = 1 + Math.floor(rnd() * 3); k > 0 && bad.byteLength > 0; k--) bad[Math.floor(rnd() * bad.byteLength)]! ^= 1 << Math.floor(rnd() * 8);
      const damaged = rnd() < 0.2 ? Uint8Array.from([...bad, 0xff, 0x01]) : bad;
      try {
        client.decode(damaged);
        accepted++;
        // A flip can still decode (a changed value); the view must then be a valid one.
        expect(client.newestSeq).toBeGreaterThan(newest);
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
        expect(dump(client)).toEqual(before);
        expect(client.newestSeq).toBe(newest);
        refused++;
      }
      // The real message still decodes when it is newer than what the damaged one claimed.
      try {
        client.decode(good);
        server.ack(server.nextSeq - 1);
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
      }
    }
    expect(refused).toBeGreaterThan(30);
    expect(accepted + refused).toBe(120);
    expect([...client.rejected.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(refused);
  });

  it('random bytes never throw anything but DecodeError', () => {
    const rnd = mulberry32(99);
    const client = new GameReplica(TEST_GAME, { viewCapacity: 64 });
    let refused = 0;
    for (let i = 0; i < 5000; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(rnd() * 80) }, () => Math.floor(rnd() * 256));
      if (bytes.byteLength > 1 && rnd() < 0.7) {
        bytes[0] = 0xc8;
        bytes[1] = 1;
      }
      try {
        client.decode(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(4000);
  });

  it('stale and unknown-baseline messages are typed refusals', () => {
    const store = new GameStore(TEST_GAME, { capacity: 4 });
    const id = store.spawn('ghost');
    const server = new GameReplicator(store, { viewCapacity: 4 });
    const client = new GameReplica(TEST_GAME, { viewCapacity: 4 });
    const first = server.encode(0, [id & 0xfffff], 1).slice();
    client.decode(first);
    expect(() => client.decode(first)).toThrow(/stale/);
    server.ack(0);
    store.set(id, 'stats.hp', 5);
    const second = server.encode(1, [id & 0xfffff], 1).slice();
    const fresh = new GameReplica(TEST_GAME, { viewCapacity: 4 });
    expect(() => fresh.decode(second)).toThrow(/unknown_baseline/);
    expect(fresh.size).toBe(0);
  });
});
