// Update zones (src/codec/update-zones.ts): a declared game's snapshots refresh entities by their
// distance from the recipient's avatar. Checked message by message against the rule itself: an
// entity of band period p that changed is updated in message seq exactly when (seq + slot) % p
// is 0, and the client then holds its current value; between, it holds the value of its last due
// message. Entering and leaving are never delayed, what the recipient owns is always current, and
// without an origin (or zones) every change goes out at once. Both the one-by-one walk and the
// compiled run kernels (long runs of one type) are covered.

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { defineGame } from '../../src/core/game.js';
import { GameStore } from '../../src/core/game-store.js';
import { GameReplica } from '../../src/codec/game-replica.js';
import { GameReplicator } from '../../src/codec/game-snapshot.js';
import type { UpdateZonesSpec } from '../../src/codec/update-zones.js';

const M = { type: 'q16', min: -1000, max: 1000, precision: 1 / 64 } as const;
const GAME = defineGame({
  name: 'zones',
  components: { pos: { fields: { x: M, y: M } }, hp: { fields: { v: { type: 'i32', min: 0, max: 1000 } } } },
  types: { walker: ['pos', 'hp'], hero: ['pos', 'hp'] },
});
type Decl = typeof GAME.declaration;
const ZONES: UpdateZonesSpec<Decl> = { x: 'pos.x', y: 'pos.y', bands: [{ withinM: 10, hz: 60 }, { withinM: 50, hz: 15 }], beyondHz: 5 };
/** Messages between updates by distance (60 Hz messages): within 10 m 1, within 50 m 4, beyond 12. */
const periodAt = (d: number): number => (d <= 10 ? 1 : d <= 50 ? 4 : 12);

function world() {
  const store = new GameStore(GAME, { capacity: 512 });
  const me = store.spawn('hero', { pos: { x: 0, y: 0 }, hp: { v: 1 } }, 1);
  // Walkers at 3 to 300 m (a long run of one type), an owned hero far away, a stranger hero.
  const walkers = Array.from({ length: 200 }, (_, i) => store.spawn('walker', { pos: { x: 3 + i * 1.5, y: 0 }, hp: { v: 0 } }));
  const mine = store.spawn('hero', { pos: { x: 200, y: 0 }, hp: { v: 0 } }, 1);
  const stranger = store.spawn('hero', { pos: { x: 0, y: 120 }, hp: { v: 0 } }, 2);
  return { store, me, walkers, mine, stranger };
}

describe('update zones', () => {
  it('refreshes each entity on its band\'s messages, and the client holds what the last due one said', () => {
    const { store, me, walkers, mine, stranger } = world();
    const server = new GameReplicator(store, { viewCapacity: 512, owner: 1, zones: ZONES });
    const client = new GameReplica(GAME, { viewCapacity: 512 });
    const view = Uint32Array.from([me, ...walkers, mine, stranger], (id) => id & 0xfffff);
    const lastDue = new Map<number, number>();
    let updates = 0;
    for (let tick = 0; tick < 60; tick++) {
      // Everyone's hit points change every tick (so every entity has something to send).
      for (const id of [me, ...walkers, mine, stranger]) store.set(id, 'hp.v', tick + 1);
      const seq = server.nextSeq;
      const before = server.counters.updates;
      client.decode(server.encode(tick, view, view.length, undefined, me & 0xfffff));
      server.ack(seq);
      if (tick === 0) continue; // the first message is whole
      updates += server.counters.updates - before;
      for (const id of [...walkers, mine, stranger]) {
        const slot = id & 0xfffff;
        const d = Math.hypot(store.get(id, 'pos.x') as number, store.get(id, 'pos.y') as number);
        const p = id === mine ? 1 : periodAt(d);
        if ((seq + slot) % p === 0) lastDue.set(id, tick + 1);
        expect(client.value(id, 'hp.v'), `entity at ${d} m, period ${p}, message ${seq}`).toBe(lastDue.get(id) ?? 1);
      }
      expect(client.value(me, 'hp.v')).toBe(tick + 1);
    }
    // Far fewer updates than entities x messages: most walkers are past 50 m.
    expect(updates).toBeLessThan(59 * 203 * 0.3);
  });

  it('never delays an entity entering or leaving the view, however far', () => {
    const { store, me, walkers } = world();
    const server = new GameReplicator(store, { viewCapacity: 512, owner: 1, zones: ZONES });
    const client = new GameReplica(GAME, { viewCapacity: 512 });
    const far = walkers[walkers.length - 1]!;
    const all = [me, ...walkers].map((id) => id & 0xfffff);
    for (let tick = 0; tick < 30; tick++) {
      const inView = tick % 2 === 0 ? all : all.filter((s) => s !== (far & 0xfffff));
      const seq = server.nextSeq;
      client.decode(server.encode(tick, Uint32Array.from(inView), inView.length, undefined, me & 0xfffff));
      server.ack(seq);
      expect(client.has(far)).toBe(tick % 2 === 0);
    }
  });

  it('sends every change at once without an origin, as without zones, and the two agree byte for byte', () => {
    const { store, me, walkers } = world();
    const zoned = new GameReplicator(store, { viewCapacity: 512, owner: 1, zones: ZONES });
    const plain = new GameReplicator(store, { viewCapacity: 512, owner: 1 });
    const view = Uint32Array.from([me, ...walkers], (id) => id & 0xfffff);
    for (let tick = 0; tick < 20; tick++) {
      for (const id of walkers) store.set(id, 'hp.v', tick);
      const a = zoned.encode(tick, view, view.length);
      const b = plain.encode(tick, view, view.length);
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
      zoned.ack(tick);
      plain.ack(tick);
    }
  });

  it('refuses bands out of order, rates past the tick rate and fields that are not positions', () => {
    const store = new GameStore(GAME, { capacity: 8 });
    const bad: UpdateZonesSpec<Decl>[] = [
      { ...ZONES, bands: [{ withinM: 50, hz: 15 }, { withinM: 10, hz: 60 }] },
      { ...ZONES, bands: [{ withinM: 10, hz: 120 }] },
      { ...ZONES, beyondHz: 0 },
      { ...ZONES, bands: [{ withinM: Number.NaN, hz: 5 }] },
      { ...ZONES, x: 'hp.v' },
      { ...ZONES, y: 'nope.x' as never },
    ];
    for (const zones of bad) expect(() => new GameReplicator(store, { viewCapacity: 8, zones })).toThrow(ConfigError);
  });
});
