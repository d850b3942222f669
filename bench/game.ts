// Suite `game`: the codec a game's declaration derives (src/core/game.ts, src/codec/game-*.ts) on
// the shooter's declared NPC fields (bench/shooter-game.ts): position, velocity (normal rate),
// heading, health and body, 11 fields; the brain's timer is server-only and never leaves.
//
// | case        | world                                       | timed                         | metrics                      |
// |-------------|---------------------------------------------|-------------------------------|------------------------------|
// | encode-1k   | 1,000 wandering NPCs (the interest suite's  | chronos: GameReplicator       | bytes per moving entity per  |
// |             | encode-1k world), all in one client's view, | .encode() against the frame   | tick, decode time per message|
// |             | acks 2 ticks after each snapshot; chronos:  | acked; colyseus: setters +    | (GameReplica, not timed in   |
// |             | the store in the WebAssembly arena (run     | encode()                      | the row), the paired speedup |
// |             | kernels in WebAssembly), chronos-js: in the |                               | (median per-tick ratio, both |
// |             | JavaScript heap (JavaScript kernels)        |                               | timed in turn each tick)     |
// | delta-ratio | the same, two clients: one acks, one never  | the acking client's encode    | bytes per entity in view:    |
// |             | does (every message whole)                  |                               | never-acking / acking        |
// | encode-     | the arena shooter's served world, 60        | each player's encode, by the  | the paired ratio, the mean   |
// | served-views| players' own views and zones                | WebAssembly and JavaScript    | view (game-encode-served.ts) |
// |             |                                             | run kernels in turn           |                              |
// | save-100k   | 100,000 shooter NPCs in a GameStore         | saveGame (capture + encode)   | bytes, bytes per entity      |
// | load-100k   | the same save                               | restoreGame (decode, checks,  | entities                     |
// |             |                                             | copy in) into another store   |                              |
// | init-to-page| a game scaffolded by `chronos init --link`  | init, build, server start,    | scaffold size, module size,  |
// |             | (game-scaffold.ts), three times             | first GET / (wall time)       | compile time, rebuild time   |
// | serve-sky-  | Skyworld with 200 players, socketless       | the whole server tick: inputs | CPU and main-thread us per   |
// | world-200   | (game-serve.ts)                             | in, step, views, snapshots,   | player tick, bytes per client|
// |             |                                             | sealed and handed over        | per tick, zap hits per second|
//
// The World steps in AssemblyScript; its columns are copied into the GameStore the codec reads
// before each sample (not timed): a game running on its declared store has no such copy. The
// timings leave out acks, packets, sealing and sending, as the interest suite's do.

import { loadChronos } from '../src/wasm/loader.js';
import { Arena } from '../src/wasm/arena.js';
import { World } from '../src/core/world.js';
import { FLAG_AWAY, FLAG_DEAD } from '../src/core/world-layout.js';
import { GameStore } from '../src/core/game-store.js';
import { GameReplicator } from '../src/codec/game-snapshot.js';
import { GameReplica } from '../src/codec/game-replica.js';
import { SHOOTER_GAME, type ShooterDeclaration } from './shooter-game.js';
import { mulberry32 } from '../src/core/mulberry32.js';
import { restoreGame, saveGame } from '../src/persist/game-save.js';
import { measure, type CaseResult, type Suite, type SuiteContext } from './harness.js';
import { ColyseusGamePeer, type NpcColumns } from './peers/game-colyseus.js';
import { initToPage } from './game-scaffold.js';

const SUITE = 'game';
const N = 1000;
const HALF_M = 200;
const WARMUP_TICKS = 120;
const COUNTED_TICKS = 600;
/** Snapshots are acknowledged this many ticks after they were sent (about 20 ms at 60 Hz). */
const ACK_TICKS = 2;
const TOP_SPEED_MPS = 1.5;

const round = (v: number, digits = 2): number => Number(v.toFixed(digits));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The wandering world and a GameStore holding the same NPCs in the shooter's declared layout: in
 * the WebAssembly arena (`inArena`, where a game whose rules are its AssemblyScript keeps its
 * store: the encoder's run kernels are then WebAssembly), or in the JavaScript heap.
 */
async function npcWorld(inArena = true) {
  const arena = new Arena(await loadChronos({ maximumPages: 4096 }));
  const world = World.create(arena, {
    name: 'game-npcs',
    capacity: N,
    seed: 11,
    tickHz: 60,
    bounds: { minX: -HALF_M, minY: -HALF_M, minZ: 0, maxX: HALF_M, maxY: HALF_M, maxZ: 10 },
    npc: { topSpeedMps: TOP_SPEED_MPS, wanderMinS: 1, wanderMaxS: 4, idlePercent: 0 },
  });
  world.spawnNpcs(N);
  const memory = inArena ? { buffer: arena.memoryBuffer, byteOffset: arena.allocate('game-npcs-store', GameStore.bytesFor(SHOOTER_GAME, N)).ptr } : undefined;
  const store = new GameStore(SHOOTER_GAME, { capacity: N, memory });
  for (let i = 0; i < N; i++) store.spawn('npc', { body: { kind: 'npc' } });
  const cols: NpcColumns = {
    x: store.column('position.x'),
    y: store.column('position.y'),
    z: store.column('position.z'),
    vx: store.column('velocity.x'),
    vy: store.column('velocity.y'),
    vz: store.column('velocity.z'),
    yaw: store.column('heading.yaw'),
    hp: store.column('health.hp'),
    kind: store.column('body.kind'),
    dead: store.column('body.dead'),
    away: store.column('body.away'),
  };
  const timer = store.column('brain.timer');
  const mirror = () => {
    cols.x.set(world.column('posX').subarray(0, N));
    cols.y.set(world.column('posY').subarray(0, N));
    cols.z.set(world.column('posZ').subarray(0, N));
    cols.vx.set(world.column('velX').subarray(0, N));
    cols.vy.set(world.column('velY').subarray(0, N));
    cols.vz.set(world.column('velZ').subarray(0, N));
    cols.yaw.set(world.column('heading').subarray(0, N));
    cols.hp.set(world.column('hp').subarray(0, N));
    timer.set(world.column('timer').subarray(0, N));
    const flags = world.column('flags');
    for (let i = 0; i < N; i++) {
      cols.dead[i] = (flags[i]! & FLAG_DEAD) !== 0 ? 1 : 0;
      cols.away[i] = (flags[i]! & FLAG_AWAY) !== 0 ? 1 : 0;
    }
  };
  mirror();
  const slots = Uint32Array.from({ length: N }, (_, i) => i);
  return { world, store, cols, mirror, slots, arena: inArena ? arena : undefined };
}

/** A client of the codec: its replicator on the server, its replica, acks that come back late. */
class CodecClient {
  readonly server: GameReplicator<ShooterDeclaration>;
  readonly replica = new GameReplica(SHOOTER_GAME, { viewCapacity: N });
  private readonly pending: { due: number; seq: number }[] = [];
  private last: Uint8Array | null = null;
  lastBytes = 0;

  constructor(store: GameStore<ShooterDeclaration>, readonly acks: boolean, arena?: Arena) {
    this.server = new GameReplicator(store, { viewCapacity: N, maxMessageBytes: 64 * 1024, arena });
  }

  encode(tick: number, slots: Uint32Array): void {
    this.last = this.server.encode(tick, slots, N);
    this.lastBytes = this.last.byteLength;
  }

  /** Decodes what was sent (untimed), schedules its ack and delivers those due by `tick`. */
  settle(tick: number): number {
    let ns = 0;
    if (this.last) {
      const t0 = process.hrtime.bigint();
      const { seq } = this.replica.decode(this.last);
      ns = Number(process.hrtime.bigint() - t0);
      if (this.acks) this.pending.push({ due: tick + ACK_TICKS, seq });
      this.last = null;
    }
    while (this.pending.length > 0 && this.pending[0]!.due <= tick) this.server.ack(this.pending.shift()!.seq);
    return ns;
  }
}

/** One encoder's samples on its own world: the timed row, with its bytes and its client's decode time; and its tick and encode, to pair with the peer's. */
async function encodeRow(ctx: SuiteContext, impl: string, inArena: boolean): Promise<{ row: CaseResult; before: () => void; encode: () => void }> {
  const { world, store, mirror, slots, arena } = await npcWorld(inArena);
  const client = new CodecClient(store, true, arena);
  let tick = 0;
  const before = () => {
    client.settle(tick);
    world.step();
    mirror();
    tick++;
  };
  const encode = () => client.encode(tick, slots);
  for (let i = 0; i < WARMUP_TICKS; i++) {
    before();
    encode();
  }
  const sizes: number[] = [];
  const decodeNs: number[] = [];
  for (let i = 0; i < COUNTED_TICKS; i++) {
    before();
    encode();
    sizes.push(client.lastBytes);
    decodeNs.push(client.settle(tick));
  }
  const row = await measure(ctx, SUITE, 'encode-1k', impl, encode, { beforeEach: before });
  Object.assign(row.metrics, {
    bytes_per_entity: round(median(sizes) / N),
    bytes_per_tick: median(sizes),
    decode_us_median: round(median(decodeNs) / 1000, 1),
    fields: 11,
    wasm_run_kernels: client.server.wasm ? 1 : 0,
  });
  return { row, before, encode };
}

/** Ticks of the paired comparison (encode-1k): both encoders each tick, in turn. */
const PAIRED_TICKS = 3000;

/**
 * The median over ticks of the peer's encode time over ours in the same tick, the two timed one
 * right after the other (in alternating order): this shared machine runs in fast and slow phases
 * of seconds, and rows timed one after the other can each fall in a different one.
 */
function pairedSpeedup(ours: { before: () => void; encode: () => void }, theirs: { before: () => void; encode: () => void }): number {
  const ratios: number[] = [];
  const time = (f: () => void): bigint => {
    const t0 = process.hrtime.bigint();
    f();
    return process.hrtime.bigint() - t0;
  };
  for (let k = 0; k < PAIRED_TICKS; k++) {
    ours.before();
    theirs.before();
    let a: bigint;
    let b: bigint;
    if (k % 2 === 0) {
      a = time(ours.encode);
      b = time(theirs.encode);
    } else {
      b = time(theirs.encode);
      a = time(ours.encode);
    }
    ratios.push(Number(b) / Math.max(1, Number(a)));
  }
  return median(ratios);
}

async function encode1k(ctx: SuiteContext): Promise<CaseResult[]> {
  // chronos: the store in the arena (the run kernels in WebAssembly); chronos-js: in the heap.
  const oursRun = await encodeRow(ctx, 'chronos', true);
  const jsRun = await encodeRow(ctx, 'chronos-js', false);
  const ours = oursRun.row;
  const js = jsRun.row;
  const { world, cols, mirror } = await npcWorld(false);

  let peerTick = 0;
  const peer = new ColyseusGamePeer(N, cols, world.bounds, Math.ceil((TOP_SPEED_MPS / 60) * 65536), 1023);
  const stepOnly = () => {
    world.step();
    mirror();
    peerTick++;
  };
  let peerBytes = 0;
  const peerEncode = () => {
    peerBytes = peer.tick(cols, peerTick);
  };
  const peerSizes: number[] = [];
  for (let i = 0; i < COUNTED_TICKS; i++) {
    stepOnly();
    peerEncode();
    peerSizes.push(peerBytes);
  }
  const theirs = await measure(ctx, SUITE, 'encode-1k', '@colyseus/schema', peerEncode, { beforeEach: stepOnly });
  Object.assign(theirs.metrics, {
    bytes_per_entity: round(median(peerSizes) / N),
    bytes_per_tick: median(peerSizes),
    fields: 11,
  });
  ours.metrics.speedup_vs_colyseus = round(theirs.median_ns / ours.median_ns);
  js.metrics.speedup_vs_colyseus = round(theirs.median_ns / js.median_ns);
  const peerRun = { before: stepOnly, encode: peerEncode };
  ours.metrics.paired_speedup_vs_colyseus = round(pairedSpeedup(oursRun, peerRun));
  js.metrics.paired_speedup_vs_colyseus = round(pairedSpeedup(jsRun, peerRun));
  return [ours, js, theirs];
}

async function deltaRatio(ctx: SuiteContext): Promise<CaseResult> {
  const { world, mirror, slots, store } = await npcWorld();
  const acking = new CodecClient(store, true);
  const never = new CodecClient(store, false);
  let tick = 0;
  let ackBytes = 0;
  let fullBytes = 0;
  const run = (count: boolean) => {
    acking.settle(tick);
    never.settle(tick);
    world.step();
    mirror();
    tick++;
    acking.encode(tick, slots);
    never.encode(tick, slots);
    if (count) {
      ackBytes += acking.lastBytes;
      fullBytes += never.lastBytes;
    }
  };
  for (let i = 0; i < WARMUP_TICKS; i++) run(false);
  for (let i = 0; i < COUNTED_TICKS; i++) run(true);
  const perEntity = (bytes: number) => bytes / COUNTED_TICKS / N;
  const row = await measure(ctx, SUITE, 'delta-ratio', 'chronos', () => acking.encode(tick, slots), {
    beforeEach: () => {
      acking.settle(tick);
      world.step();
      mirror();
      tick++;
    },
  });
  Object.assign(row.metrics, {
    bytes_per_entity_acking: round(perEntity(ackBytes), 3),
    bytes_per_entity_never_acking: round(perEntity(fullBytes), 3),
    delta_ratio: round(fullBytes / ackBytes),
  });
  return row;
}

/** save-100k and load-100k: a declared world of 100,000 entities through src/persist/game-save.ts. */
async function saveLoad100k(ctx: SuiteContext): Promise<CaseResult[]> {
  const COUNT = 100_000;
  const store = new GameStore(SHOOTER_GAME, { capacity: COUNT });
  const rnd = mulberry32(3);
  for (let i = 0; i < COUNT; i++) {
    store.spawn('npc', {
      position: { x: Math.round((rnd() - 0.5) * 8000 * 128) / 128, y: Math.round((rnd() - 0.5) * 8000 * 128) / 128, z: 0 },
      velocity: { x: Math.round((rnd() - 0.5) * 0.05 * 1024) / 1024, y: Math.round((rnd() - 0.5) * 0.05 * 1024) / 1024 },
      heading: { yaw: (rnd() - 0.5) * 6 },
      health: { hp: 50 },
      body: { kind: 'npc' },
      brain: { timer: Math.floor(rnd() * 240) },
    });
  }
  let bytes = saveGame(store);
  const target = new GameStore(SHOOTER_GAME, { capacity: COUNT });
  const save = await measure(ctx, SUITE, 'save-100k', 'chronos', () => {
    bytes = saveGame(store);
  });
  Object.assign(save.metrics, { entities: COUNT, bytes: bytes.byteLength, bytes_per_entity: round(bytes.byteLength / COUNT) });
  const load = await measure(ctx, SUITE, 'load-100k', 'chronos', () => restoreGame(target, bytes));
  Object.assign(load.metrics, { entities: COUNT, bytes: bytes.byteLength });
  return [save, load];
}

export const suite: Suite = {
  name: SUITE,
  description: "the codec derived from a game's declaration, on the shooter's 11 declared NPC fields (encode only: no acks, packets, sealing or sending), vs @colyseus/schema; saves of a 100,000-entity declared world; a scaffolded game from chronos init to its page answering; the arena shooter as a rollback room (a frame and a 10-frame rollback of its rules, vs the engine's own shooter; no network); Skyworld's whole server tick with 200 players and the arena shooter's with 1,000, and with 500 in one crowd (views narrowed, and whole), socketless",
  async run(ctx) {
    // GAME_ONLY=codec (encode-1k and delta-ratio), room, serve-skyworld, serve-arena-shooter or serve-arena-crowd: those cases alone (a quick look).
    const only = process.env.GAME_ONLY;
    const { encodeServedViews } = await import('./game-encode-served.js');
    if (only === 'codec') return [...(await encode1k(ctx)), await deltaRatio(ctx), ...(await encodeServedViews(ctx))];
    const { roomBench } = await import('./game-room.js');
    if (only === 'room') return roomBench(ctx);
    const codec = only ? [] : [...(await encode1k(ctx)), await deltaRatio(ctx), ...(await encodeServedViews(ctx)), ...(await saveLoad100k(ctx)), await initToPage(ctx, SUITE), ...(await roomBench(ctx))];
    // Loaded only now: under tsx, having loaded the server's modules (prom-client's, it turned
    // out) made the codec cases above about 20 % slower, which plain node on dist/ does not show.
    const { serveArenaCrowd, serveArenaShooter, serveSkyworld } = await import('./game-serve.js');
    return [
      ...codec,
      ...(!only || only === 'serve-skyworld' ? await serveSkyworld(ctx) : []),
      ...(!only || only === 'serve-arena-shooter' ? await serveArenaShooter(ctx) : []),
      ...(!only || only === 'serve-arena-crowd' ? await serveArenaCrowd(ctx) : []),
    ];
  },
};
