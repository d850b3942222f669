// The arena shooter (examples/arena-shooter): the shooter as a studio would write it on the
// public API, its rules in its own AssemblyScript compiled with the engine's kernels into one
// module (npm run build: build/examples/arena-shooter/game.wasm). Its rules (walking, shots that
// hit what is in their way without tunnelling, kills, deaths and respawns), its determinism (a
// second run, and the engine's SyncTestSession rolling every frame back), what the wire carries
// (a player's weapon to its owner alone, the timers to nobody), bots playing it over UDP against
// its server, and its page in headless Chromium: the avatar predicted with the same module, and
// that module run to Node's state hashes (Node = Chromium). A screenshot goes to
// test-artifacts/arena-shooter.png.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeclaredBots, DeclaredClient, DeclaredRollbackGame, DeclaredServer, GameInputCodec, GameReplica, GameReplicator, SyncTestSession, traceDeclaredGame } from '../../src/index.js';
import { connectUdp } from '../../src/client/udp-connector.js';
import { DECLARED_INPUT_CHANNEL } from '../../src/client/declared-channels.js';
import { encodeGameInput, MSG_GAME_WATCH } from '../../src/codec/declared-messages.js';
import type { EntityId } from '../../src/core/entity-id.js';
import { botInput } from '../../examples/arena-shooter/bot.js';
import { CAPACITY, EVENT_DOWN, EVENT_KILL, eventAvatar, GAME, IDLE, NO_TARGET, NPCS, RIFLE_DAMAGE, type Declaration, type Input } from '../../examples/arena-shooter/game.js';
import type { DeclaredEvent } from '../../src/index.js';
import { createArena, loadRules } from '../../examples/arena-shooter/module.js';
import { ROOT } from '../helpers/server-process.js';
import { hasChromium } from '../helpers/chromium.js';
import { expectPageTrace, pageStatus, untilPredicting, withDeclaredPage, type PageStatus } from '../helpers/declared-page.js';
import { waiter } from '../helpers/until.js';

type Arena = Awaited<ReturnType<typeof createArena>>;
const until = waiter(20_000, 50);

/** Puts NPC `id` at (x, y), standing still for a long while. */
function park(arena: Arena, id: EntityId, x: number, y: number): void {
  arena.store.set(id, 'position.x', x);
  arena.store.set(id, 'position.y', y);
  arena.store.set(id, 'velocity.x', 0);
  arena.store.set(id, 'velocity.y', 0);
  arena.store.set(id, 'timer.ticks', 100_000);
}

/** A place (metres) cleared of NPCs for 40 m around (they stand still in a far corner): where a test's shots meet only what it put there. */
function quietSpot(arena: Arena): { x: number; y: number } {
  const npc = GAME.typeIndex.get('npc')! + 1;
  const spot = { x: 200, y: 200 };
  for (let s = 0; s < arena.store.highWater; s++) {
    if (arena.store.typeColumn[s] !== npc) continue;
    const id = arena.store.idAt(s);
    if (Math.hypot((arena.store.get(id, 'position.x') as number) - spot.x, (arena.store.get(id, 'position.y') as number) - spot.y) < 40) park(arena, id, -480, -480);
  }
  return spot;
}

/** Puts `id` at (x, y). */
function put(arena: Arena, id: EntityId, x: number, y: number): void {
  arena.store.set(id, 'position.x', x);
  arena.store.set(id, 'position.y', y);
}

/** The first NPC in the store. */
function anNpc(arena: Arena): EntityId {
  for (let s = 0; s < arena.store.highWater; s++) if (arena.store.typeColumn[s] === GAME.typeIndex.get('npc')! + 1) return arena.store.idAt(s);
  throw new Error('no NPC');
}

function play(arena: Arena, inputs: Map<EntityId, Input>, ticks: number, from = arena.store.frame, events?: (DeclaredEvent & { tick: number })[]): void {
  for (let t = 0; t < ticks; t++) {
    for (const [avatar, input] of inputs) arena.input(avatar, input);
    arena.step(from + t);
    // What the server would emit after this step (DeclaredServer calls announce so).
    arena.announce?.((e) => (events?.push({ ...e, tick: from + t }), { sent: 0, dropped: 0, bytes: 0 }), from + t);
  }
}

describe('the arena shooter\'s rules', () => {
  it('fills the arena with its NPCs, and a player walks 6 m/s, diagonals no faster', async () => {
    const arena = await createArena({ seed: 3 });
    expect(arena.store.alive).toBe(NPCS + 1); // and the settings
    expect(arena.store.typeColumn[0]).toBe(GAME.typeIndex.get('settings')! + 1);
    const me = arena.join(1);
    expect(arena.store.get(me, 'health.hp')).toBe(100);
    expect(Math.abs(arena.store.get(me, 'position.x') as number)).toBeLessThanOrEqual(25);
    const x0 = arena.store.get(me, 'position.x') as number;
    const y0 = arena.store.get(me, 'position.y') as number;
    play(arena, new Map([[me, { ...IDLE, moveX: 1, moveY: 1 }]]), 60);
    const moved = Math.hypot((arena.store.get(me, 'position.x') as number) - x0, (arena.store.get(me, 'position.y') as number) - y0);
    expect(moved).toBeCloseTo(6, 1);
  });

  it('spawns as many NPCs as its settings say, where they say, and the settings reach nobody\'s view', async () => {
    const arena = await createArena({ seed: 3, npcs: 700, npcSpreadM: 100 });
    const npc = GAME.typeIndex.get('npc')! + 1;
    let npcs = 0;
    for (let s = 0; s < arena.store.highWater; s++) {
      if (arena.store.typeColumn[s] !== npc) continue;
      npcs++;
      const id = arena.store.idAt(s);
      expect(Math.max(Math.abs(arena.store.get(id, 'position.x') as number), Math.abs(arena.store.get(id, 'position.y') as number))).toBeLessThanOrEqual(100);
    }
    expect(npcs).toBe(700);
    // More than its broadphase holds is refused, not left unhittable.
    await expect(createArena({ npcs: 300_000 })).rejects.toThrow(RangeError);
    const me = arena.join(1);
    put(arena, me, 0, 0);
    arena.step(0);
    const out = new Uint32Array(arena.viewCapacity);
    const n = arena.visible(me, out);
    expect(n).toBeGreaterThan(10);
    expect(Array.from(out.subarray(0, n))).not.toContain(0);
  });

  it('a shot hits the first body in its way though it flies 1.5 m a tick; two kill an NPC, which comes back elsewhere, and the shooter scores', async () => {
    const arena = await createArena({ seed: 4 });
    const me = arena.join(1);
    // Away from the wandering NPCs: what the shots meet is what the test puts there.
    const { x, y } = quietSpot(arena);
    put(arena, me, x, y);
    // Two NPCs in the line of fire, 10 m and 12 m east: the nearer one takes both shots.
    const near = anNpc(arena);
    park(arena, near, x + 10, y);
    let far = -1;
    for (let s = 0; s < arena.store.highWater && far < 0; s++) if (arena.store.idAt(s) !== near && arena.store.typeColumn[s] === GAME.typeIndex.get('npc')! + 1) far = arena.store.idAt(s);
    park(arena, far, x + 12, y);
    arena.step(arena.store.frame); // the grid sees them where they were put
    play(arena, new Map([[me, { ...IDLE, fire: true, aim: 0 }]]), 10);
    expect(arena.store.get(near, 'health.hp')).toBe(25);
    expect(arena.store.get(far, 'health.hp')).toBe(50);
    play(arena, new Map([[me, { ...IDLE, fire: false, aim: 0 }]]), 5);
    play(arena, new Map([[me, { ...IDLE, fire: true, aim: 0 }]]), 15);
    // Killed: full hit points again, far away; the kill is the shooter's.
    expect(arena.store.get(near, 'health.hp')).toBe(50);
    expect(Math.hypot((arena.store.get(near, 'position.x') as number) - x, (arena.store.get(near, 'position.y') as number) - y)).toBeGreaterThan(15);
    expect(arena.store.get(me, 'weapon.kills')).toBe(1);
    expect(arena.store.get(far, 'health.hp')).toBe(50);
  });

  it('the rifle is judged against what the shooter\'s screen showed: it hits an NPC that has moved on since, and a client cannot name its own target', async () => {
    const arena = await createArena({ seed: 9 });
    const me = arena.join(1);
    const { x, y } = quietSpot(arena);
    put(arena, me, x, y);
    const npc = anNpc(arena);
    park(arena, npc, x + 20, y);
    let tick = 0;
    const run = (input: Input, ticks: number) => {
      for (let t = 0; t < ticks; t++, tick++) {
        arena.input(me, input);
        arena.step(tick);
      }
    };
    run(IDLE, 20);
    const seen = tick - 1; // the tick the shooter's screen shows: the NPC 20 m east, in the line of fire
    put(arena, npc, x + 20, y + 3); // it steps out of the line
    run(IDLE, 10);
    // Aimed where it is now, at the tick it was elsewhere: a miss (and the verdict replaces the client's target).
    run({ ...IDLE, shoot: true, aim: Math.atan2(3, 20), viewTick: seen & 0xffff, target: (npc & 0xfffff) + 1 }, 1);
    expect(arena.store.get(npc, 'health.hp')).toBe(50);
    run(IDLE, 16);
    // Aimed where the screen showed it: a hit, though it has moved on since.
    run({ ...IDLE, shoot: true, aim: 0, viewTick: seen & 0xffff }, 1);
    expect(arena.store.get(npc, 'health.hp')).toBe(50 - RIFLE_DAMAGE);
    expect(arena.rifle.counters.hits).toBe(1);
    run(IDLE, 16);
    // Aimed at nothing, naming the NPC as its target: nothing.
    run({ ...IDLE, shoot: true, aim: Math.PI, viewTick: tick & 0xffff, target: (npc & 0xfffff) + 1 }, 1);
    expect(arena.store.get(npc, 'health.hp')).toBe(50 - RIFLE_DAMAGE);
    run(IDLE, 16);
    // Aimed at it as it is now, with a fresh screen: a second hit, and it is down (back elsewhere, whole), the shooter's kill.
    run({ ...IDLE, shoot: true, aim: Math.atan2(3, 20), viewTick: (tick - 1) & 0xffff }, 1);
    expect(arena.store.get(me, 'weapon.kills')).toBe(1);
    expect(arena.store.get(npc, 'health.hp')).toBe(50);
    expect(Math.hypot((arena.store.get(npc, 'position.x') as number) - x, (arena.store.get(npc, 'position.y') as number) - y)).toBeGreaterThan(30);
  });

  it('a player shot down is out three seconds, then back near the centre with full hit points', async () => {
    const arena = await createArena({ seed: 5 });
    const a = arena.join(1);
    const b = arena.join(2);
    const { x, y } = quietSpot(arena);
    put(arena, a, x, y);
    put(arena, b, x + 5, y);
    // a fires at b (east) while b stands: four shots.
    const inputs = new Map<EntityId, Input>([[a, { ...IDLE, fire: true, aim: 0 }], [b, IDLE]]);
    const events: (DeclaredEvent & { tick: number })[] = [];
    for (let t = 0; t < 120 && !arena.store.get(b, 'body.dead'); t++) play(arena, inputs, 1, arena.store.frame, events);
    expect(arena.store.get(b, 'body.dead')).toBe(true);
    expect(arena.store.get(a, 'weapon.kills')).toBe(1);
    // The kill feed, that tick: a scored (at a), b went down (at b), each heard within the view's 100 m.
    const tick = events[0]?.tick;
    expect(events.map((e) => [e.kind, eventAvatar(e.payload!), e.tick, Math.round(e.x), Math.round(e.y), e.rangeM])).toEqual([
      [EVENT_KILL, a, tick, x, y, 100],
      [EVENT_DOWN, b, tick, x + 5, y, 100],
    ]);
    inputs.set(a, IDLE);
    play(arena, inputs, 170, arena.store.frame, events);
    expect(events).toHaveLength(2);
    expect(arena.store.get(b, 'body.dead')).toBe(true);
    play(arena, inputs, 15);
    expect(arena.store.get(b, 'body.dead')).toBe(false);
    expect(arena.store.get(b, 'health.hp')).toBe(100);
  });

  it('the same seed and inputs give the same arena, byte for byte', async () => {
    const run = async () => {
      const arena = await createArena({ seed: 6 });
      const players = [1, 2, 3].map((p) => arena.join(p));
      for (let t = 0; t < 600; t++) {
        players.forEach((avatar, i) => arena.input(avatar, { ...IDLE, moveX: Math.cos(t / 50 + i), moveY: Math.sin(t / 70 + i), fire: t % 3 === 0, shoot: t % 7 === i, viewTick: (t - 6) & 0xffff, aim: (t / 30 + i) % (2 * Math.PI) }));
        arena.step(t);
      }
      return arena.store.save();
    };
    expect(await run()).toEqual(await run());
  });

  it('rolls back and re-simulates every frame to the same hash (the engine\'s SyncTestSession)', async () => {
    const game = DeclaredRollbackGame.fromWasm(await loadRules(), { players: 3, seed: 1 });
    const sync = new SyncTestSession(game);
    const frame = new Uint8Array(3 * game.inputBytes);
    for (let f = 0; f < 240; f++) {
      // Rifle verdicts as the server writes them (slot + 1): NPCs (slots 1 to 40), now and then a player or the settings.
      for (let p = 0; p < 3; p++) game.codec.encode({ ...IDLE, moveX: Math.cos(f / 20 + p), moveY: Math.sin(f / 30 + p), fire: (f + p) % 4 === 0, shoot: (f + p) % 3 === 0, target: f % 5 === 0 ? NO_TARGET : 1 + ((f * 7 + p) % 40), aim: ((f / 10 + p) % 6.28) }, frame, p * game.inputBytes);
      sync.advanceFrame(frame);
    }
    expect(sync.mismatches, JSON.stringify(sync.firstMismatch, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).toBe(0);
    expect(sync.framesResimulated).toBeGreaterThan(400);
  });
});

describe('the arena shooter on the wire', () => {
  it('a player\'s weapon reaches its owner alone, the timers nobody; projectiles carry their shooter', async () => {
    const arena = await createArena({ seed: 7 });
    const codec = new GameInputCodec(GAME);
    const players = [1, 2].map((player) => ({
      player,
      avatar: arena.join(player),
      server: new GameReplicator(arena.store, { viewCapacity: arena.viewCapacity, owner: player }),
      client: new GameReplica(GAME, { viewCapacity: arena.viewCapacity }),
    }));
    arena.store.set(players[1]!.avatar, 'position.x', (arena.store.get(players[0]!.avatar, 'position.x') as number) + 8);
    const slots = new Uint32Array(arena.viewCapacity);
    let ownShots = 0;
    for (let t = 0; t < 300; t++) {
      for (const p of players) arena.input(p.avatar, codec.decode(codec.encode({ ...IDLE, fire: t % 20 === 0, aim: p.player === 1 ? Math.PI / 2 : 0 })));
      arena.step(t);
      for (const p of players) {
        const n = arena.visible(p.avatar, slots);
        const { seq } = p.client.decode(p.server.encode(t, slots, n));
        p.server.ack(seq);
      }
      const c = players[0]!.client;
      for (let k = 0; k < c.size; k++) if (c.typeAt(k) === 'projectile' && c.valueAt(k, GAME.fieldIndex.get('shot.shooter')!) === players[0]!.avatar) ownShots++;
    }
    expect(ownShots).toBeGreaterThan(0);
    for (const p of players) {
      const other = players.find((o) => o !== p)!;
      expect(p.client.has(other.avatar)).toBe(true);
      expect(p.client.value(p.avatar, 'weapon.cooldown')).toBe(arena.store.get(p.avatar, 'weapon.cooldown'));
      expect(p.client.value(other.avatar, 'weapon.cooldown')).toBeUndefined();
      expect(p.client.value(other.avatar, 'weapon.kills')).toBeUndefined();
      for (let k = 0; k < p.client.size; k++) expect(p.client.valueAt(k, GAME.fieldIndex.get('timer.ticks')!)).toBeUndefined();
      expect(p.client.value(other.avatar, 'position.x')).toBeCloseTo(arena.store.get(other.avatar, 'position.x') as number, 2);
    }
  });
});

describe('the arena shooter served', () => {
  let server: DeclaredServer<Declaration>;
  let arena: Arena;
  let url: string;
  beforeAll(async () => {
    arena = await createArena({ seed: 8 });
    server = await DeclaredServer.start({ module: arena, host: '127.0.0.1', httpPort: 0, udpPort: 0, staticDir: join(ROOT, 'build/examples/arena-shooter'), log: () => {} });
    url = `http://127.0.0.1:${server.httpPort}/`;
  });
  afterAll(async () => {
    await server.stop();
  });

  it('lets a client watch from a camera: its avatar leaves, it is sent what lies around the camera, and its inputs and bad cameras are counted drops', async () => {
    const spot = quietSpot(arena);
    const npc = GAME.typeIndex.get('npc')! + 1;
    let slot = 1;
    while (arena.store.typeColumn[slot] !== npc) slot++;
    const parked = arena.store.idAt(slot);
    park(arena, parked, spot.x + 5, spot.y);
    const c = await DeclaredClient.create({ game: GAME, tokenUrl: `${url}connect`, transport: 'udp', udp: connectUdp });
    try {
      await c.connect();
      await until('the client to hold its avatar', () => c.replica?.has(c.avatarId) === true);
      const avatar = c.avatarId;
      expect(arena.store.isAlive(avatar)).toBe(true);
      expect(c.replica!.has(parked)).toBe(false); // 280 m from the spawn
      c.watch(spot.x, spot.y);
      await until('the avatar to leave and the camera to see the parked NPC', () => !arena.store.isAlive(avatar) && c.replica!.has(parked) && !c.replica!.has(avatar));
      expect(c.watching).toEqual({ xM: spot.x, yM: spot.y });
      expect(server.health()).toMatchObject({ spectators: 1 });
      // All it holds lies within the view (100 m, kept to 110 m) of the camera, not of the spawn.
      const r = c.replica!;
      for (let k = 0; k < r.size; k++) {
        const d = Math.hypot((r.valueAt(k, GAME.fieldIndex.get('position.x')!) as number) - spot.x, (r.valueAt(k, GAME.fieldIndex.get('position.y')!) as number) - spot.y);
        expect(d).toBeLessThanOrEqual(111);
      }
      // A spectator's input, a camera of NaN and a truncated one: each dropped and counted, the session kept.
      const codec = new GameInputCodec(GAME);
      c.net.send(DECLARED_INPUT_CHANNEL, encodeGameInput(0, 1, codec.bytes, (_i, out, offset) => codec.encode(IDLE, out, offset), new Uint8Array(64)));
      const nan = new Uint8Array(17);
      nan[0] = MSG_GAME_WATCH;
      new DataView(nan.buffer).setFloat64(1, Number.NaN, true);
      c.net.send(DECLARED_INPUT_CHANNEL, nan);
      c.net.send(DECLARED_INPUT_CHANNEL, Uint8Array.of(MSG_GAME_WATCH, 1, 2));
      c.net.flush();
      await until('the drops to be counted', async () => {
        const m = await fetch(`${url}metrics`).then((res) => res.text());
        return /reason="spectator_input"} [1-9]/.test(m) && /reason="decode"} [2-9]/.test(m);
      });
      expect(server.health()).toMatchObject({ spectators: 1 });
      expect(() => c.watch(Number.NaN, 0)).toThrow(/finite/);
    } finally {
      c.close();
    }
    await until('the spectator to be gone', () => (server.health() as { spectators: number }).spectators === 0);
  });

  it('bots play it over UDP with their brain, and none ever receives another\'s weapon', async () => {
    const kills = GAME.fieldIndex.get('weapon.kills')!;
    let leaks = 0;
    let snapshots = 0;
    const bots = await DeclaredBots.start<Declaration>({
      game: GAME,
      url,
      players: 4,
      think: (client, i, frame) => botInput(client.replica, client.avatarId, i, frame),
      snapshot: (client) => {
        snapshots++;
        const r = client.replica!;
        for (let k = 0; k < r.size; k++) if (r.idAt(k) !== client.avatarId && r.valueAt(k, kills) !== undefined) leaks++;
      },
    });
    try {
      await until('every bot to join', () => bots.clients.every((c) => c.avatarId >= 0 && c.replica !== null));
      const starts = bots.clients.map((c) => arena.store.get(c.avatarId, 'position.x') as number);
      await until('the bots to stroll', () => bots.clients.every((c, i) => Math.abs((arena.store.get(c.avatarId, 'position.x') as number) - starts[i]!) > 1));
      expect(bots.totals().joined).toBe(4);
      expect(snapshots).toBeGreaterThan(20);
      expect(bots.totals().brainErrors).toBe(0);
      expect(bots.clients.every((c) => c.replica!.value(c.avatarId, 'weapon.kills') !== undefined)).toBe(true);
      expect(leaks).toBe(0);
      // An event where bot 0 stands, heard within 1 m: bot 0 hears it (and the kill feed's events, if any, beside).
      const first = bots.clients[0]!;
      const heard = first.stats.events;
      const at = { x: arena.store.get(first.avatarId, 'position.x') as number, y: arena.store.get(first.avatarId, 'position.y') as number };
      expect(server.emit({ kind: 200, ...at, rangeM: 1 }).sent).toBeGreaterThanOrEqual(1);
      await until('bot 0 to hear it', () => first.recentEvents.some((e) => e.kind === 200));
      expect(first.stats.events).toBeGreaterThan(heard);
      expect(bots.totals().events).toBeGreaterThanOrEqual(1);
      // /metrics counts the views its DeclaredInterest computed: four players in a store of
      // thousands query theirs every tick (too few to pay for reusing them).
      const m = await fetch(`${url}metrics`).then((res) => res.text());
      const queried = Number(/chronos_declared_views_total\{how="queried"\} (\d+)/.exec(m)?.[1]);
      expect(queried).toBeGreaterThan(20);
      expect(m).toMatch(/chronos_declared_views_total\{how="reused"\} 0/);
      expect(m).toMatch(/chronos_declared_views_cut_total 0/);
      expect(m).toMatch(/chronos_declared_views_narrowed_total 0/);
    } finally {
      bots.close();
    }
  }, 30_000);

  it.skipIf(!hasChromium)('its page watches with ?watch: no avatar, a camera the keys pan, and what lies around it', async () => {
    type Watching = { watching: { x: number; y: number } | null; entities: number; drawn: number };
    const status = (page: import('playwright-core').Page) => page.evaluate(() => (window as unknown as { chronos: { status(): Watching } }).chronos.status());
    await withDeclaredPage(`${url}?watch`, 'arena-shooter-watch', async (page) => {
      await page.waitForFunction(() => (window as unknown as { chronos?: { status(): Watching } }).chronos?.status().watching != null, undefined, { timeout: 20_000 });
      await until('the spectator to be served', () => (server.health() as { spectators: number }).spectators === 1);
      const start = await status(page);
      await page.keyboard.down('KeyD');
      await page.waitForFunction((x0) => (window as unknown as { chronos: { status(): Watching } }).chronos.status().watching!.x > x0 + 10, start.watching!.x, { timeout: 5_000 });
      await page.keyboard.up('KeyD');
      await page.waitForFunction(() => (window as unknown as { chronos: { status(): Watching } }).chronos.status().drawn > 0, undefined, { timeout: 5_000 });
      // The server sends what lies around the camera: its players list has it watching from there.
      const players = (await fetch(`${url}players`).then((r) => r.json())) as { avatar: number | null; camera?: { xM: number } }[];
      const watcher = players.find((p) => p.camera !== undefined)!;
      expect(watcher.avatar).toBeNull();
      expect(watcher.camera!.xM).toBeGreaterThan(start.watching!.x + 5);
    });
  }, 60_000);

  it.skipIf(!hasChromium)('its page predicts the avatar with the game\'s module and runs that module to Node\'s state hashes (Node = Chromium)', async () => {
    const codec = new GameInputCodec(GAME);
    const frames = 600;
    const players = 3;
    const inputs = new Uint8Array(frames * players * codec.bytes);
    for (let i = 0; i < frames * players; i++) {
      codec.encode({ ...IDLE, moveX: ((i * 37) % 255 - 127) / 127, moveY: ((i * 91) % 255 - 127) / 127, fire: i % 5 === 0, shoot: i % 7 === 0, target: i % 3 === 0 ? 1 + (i % 50) : NO_TARGET, aim: ((i * 13) % 628) / 100 }, inputs, i * codec.bytes);
    }
    const result = traceDeclaredGame(await loadRules(), { players, seed: 9, frames, inputs, checkpointEvery: 100 });
    expect(result.checkpoints).toHaveLength(6);
    await withDeclaredPage(url, 'arena-shooter', async (page) => {
      const start = await untilPredicting(page);
      await page.keyboard.down('KeyD');
      await page.waitForFunction((x0) => ((window as unknown as { chronos: { status(): PageStatus } }).chronos.status().predicted?.x ?? -Infinity) > x0 + 1, start.predicted!.x, { timeout: 5_000 });
      await page.keyboard.up('KeyD');
      // The interest layer: the server's view (100 m) and zones from /game.json, every entity in
      // view counted in its band (the 60 Hz one holds the nearest), shown with I and hidden again.
      const closeUp = await pageStatus(page);
      expect(closeUp.interest).toMatchObject({ enabled: false, radiusM: 100 });
      expect(closeUp.interest.byBand).toHaveLength(3);
      expect(closeUp.interest.byBand[0]).toBeGreaterThan(0);
      await page.keyboard.press('KeyI');
      expect((await pageStatus(page)).interest.enabled).toBe(true);
      await page.screenshot({ path: join(ROOT, 'test-artifacts', 'arena-shooter-interest.png') });
      await page.keyboard.press('KeyI');
      // The spatial grid (G): the engine's index over the page's view, run by the module's kernels.
      expect((await pageStatus(page)).spatial).toBeNull();
      await page.keyboard.press('KeyG');
      await page.waitForFunction(() => ((window as unknown as { chronos: { status(): PageStatus } }).chronos.status().spatial?.cells ?? 0) > 0, undefined, { timeout: 5_000 });
      const grid = await pageStatus(page);
      expect(grid.spatial!.visible).toBe(true);
      expect(grid.spatial!.levelsInUse).toBeGreaterThanOrEqual(1);
      // It indexes what the view holds (re-indexed every 100 ms, so within a few of the replica's count).
      expect(Math.abs(grid.spatial!.entities - grid.entities)).toBeLessThanOrEqual(Math.max(5, grid.entities * 0.1));
      expect(grid.spatial!.cells).toBeLessThanOrEqual(grid.spatial!.entities);
      await page.screenshot({ path: join(ROOT, 'test-artifacts', 'arena-shooter-grid.png') });
      await page.keyboard.press('KeyG');
      expect((await pageStatus(page)).spatial!.visible).toBe(false);
      await page.mouse.move(700, 200);
      await page.mouse.down();
      await new Promise((r) => setTimeout(r, 500));
      await page.mouse.up();
      await expectPageTrace(page, { players, seed: 9, frames, inputs, checkpointEvery: 100 }, result);
    });
  }, 90_000);
});

describe('the arena shooter served from a store larger than its page\'s', () => {
  it.skipIf(!hasChromium)('says its store\'s size in /game.json, and the page predicts an avatar whose slot lies past its own default (20,000 NPCs before it)', async () => {
    const arena = await createArena({ seed: 12, npcs: 20_000, npcSpreadM: 300 });
    expect(arena.store.capacity).toBeGreaterThan(CAPACITY);
    const server = await DeclaredServer.start({ module: arena, host: '127.0.0.1', httpPort: 0, udpPort: 0, staticDir: join(ROOT, 'build/examples/arena-shooter'), log: () => {} });
    try {
      const url = `http://127.0.0.1:${server.httpPort}/`;
      expect(await fetch(`${url}game.json`).then((r) => r.json())).toMatchObject({ capacity: arena.store.capacity });
      await withDeclaredPage(url, 'arena-shooter-large', async (page) => {
        const start = await untilPredicting(page);
        expect(start.prediction).toMatchObject({ off: null });
        expect((start.own as unknown as { id: number }).id & 0xfffff).toBeGreaterThan(CAPACITY);
        await page.keyboard.down('KeyD');
        await page.waitForFunction((x0) => ((window as unknown as { chronos: { status(): PageStatus } }).chronos.status().predicted?.x ?? -Infinity) > x0 + 1, start.predicted!.x, { timeout: 5_000 });
        await page.keyboard.up('KeyD');
        expect((await pageStatus(page)).prediction).toMatchObject({ off: null });
      });
    } finally {
      await server.stop();
    }
  }, 60_000);
});
