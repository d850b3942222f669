// Suite `interest`: the per-tick interest pipeline (batched spatial queries, zones with
// hysteresis, priority under a byte budget, delta encoding against acknowledged baselines) over
// worlds of 100,000 entities whose players move by the seed's archetypes, and the snapshot
// codec against @colyseus/schema.
//
// | case                 | world                                     | timed                        | metrics                          |
// |----------------------|-------------------------------------------|------------------------------|----------------------------------|
// | pipeline-1k-clients  | 100,000 archetype entities, 1,000 players | pipeline.tick() + every      | payload and wire bytes per client|
// | pipeline-10k-clients | ... 10,000 players                        | client's snapshot() only     | per tick, records per tick,      |
// |                      |                                           | (see below)                  | index update ms (not timed)      |
// | crowd-200            | one client inside 200 wandering NPCs      | one tick (as above)          | bytes/s (payload, wire), updates/s|
// | reduction            | the 1,000-player world                    | one tick (as above)          | records sent vs every visible    |
// |                      |                                           |                              | entity every tick (60 Hz)        |
// | delta-ratio          | 200 clients of the 1,000-player world,    | one tick (as above)          | bytes per record: never-acking   |
// |                      | each twice: one acks, one never acks      |                              | twin (full states) / acking one  |
// | encode-1k            | 1,000 wandering entities, all at 60 Hz    | chronos: index update + tick | bytes per moving entity          |
// |                      | in one client's view                      | + snapshot; colyseus:        |                                  |
// |                      |                                           | setters + encode()           |                                  |
//
// What the pipeline-*, crowd-200, reduction and delta-ratio timings EXCLUDE: delivering acks,
// the world step, the spatial index update (reported apart as index_update_ms_not_timed),
// building packets, sealing and sending. They are the interest pipeline's own CPU per tick; the
// whole server tick is the job of a future `server` suite.
//
// Network class. The pipeline scales zone rates by each client's round-trip class (limits
// [50, 100, 200] ms, strict <: excellent, good, fair, poor). `chronos` rows run every client in
// the EXCELLENT class (30 ms away: acks come back 2 ticks after a snapshot), so the figures are
// the AoI design's own; `chronos-fair` rows run the same case with clients 100 ms away (the
// FAIR class: immediate/near/awareness/background rates x0.9/0.6/0.4/0.2, acks after 6 ticks),
// as these benches did before. Every row says which: metrics rtt_ms and network_class
// (0 excellent, 1 good, 2 fair, 3 poor). `chronos-*` rows are variants, never peers.
//
// Wire bytes: wire_* metrics add what the network layer puts around each snapshot — a
// 32-byte DATA packet overhead (16-byte header + 16-byte tag) and a 5-byte message block per
// packet, or 7-byte fragment blocks when a snapshot does not fit one 1,200-byte packet.
//
// The peer @colyseus/schema gets its fastest honest use (bench/peers/interest-colyseus.ts:
// integer fields of the narrowest type holding the same quantised codes our wire carries,
// change tracking, a buffer that fits a tick).

import { loadChronos } from '../src/wasm/loader.js';
import { Arena } from '../src/wasm/arena.js';
import { World } from '../src/core/world.js';
import { SpatialIndex } from '../src/spatial/index.js';
import { InterestPipeline, worldSource, type InterestOptions } from '../src/interest/index.js';
import { measure, type CaseResult, type Suite, type SuiteContext } from './harness.js';
import { ArchetypeWorld } from './peers/interest-archetypes.js';
import { ColyseusEncodePeer } from './peers/interest-colyseus.js';
import { DATA_OVERHEAD_BYTES, FRAGMENT_BLOCK_HEADER_BYTES, FRAGMENT_BYTES, MAX_UNFRAGMENTED_BYTES, MESSAGE_BLOCK_HEADER_BYTES } from '../src/net/spec.js';

const SUITE = 'interest';
const ENTITIES = 100_000;
const TICK_MS = 1000 / 60;
/** Ticks run before a world's cases are measured: views fill, baselines get acknowledged. */
const WARMUP_TICKS = 120;
/** Ticks counted for the traffic figures (10 s at 60 Hz). */
const COUNTED_TICKS = 600;

/** Where the bench's clients sit, network-wise. */
interface NetClass {
  /** The impl name of rows run in this class. */
  impl: string;
  rttMs: number;
  /** 0 excellent, 1 good, 2 fair, 3 poor (the pipeline's default limits 50/100/200 ms, strict <). */
  networkClass: number;
}
/** Clients 30 ms away: the excellent class, every zone at its full rate. */
const EXCELLENT: NetClass = { impl: 'chronos', rttMs: 30, networkClass: 0 };
/** Clients 100 ms away: the fair class (100 is not < 100), zone rates scaled down. */
const FAIR: NetClass = { impl: 'chronos-fair', rttMs: 100, networkClass: 2 };
const classMetrics = (n: NetClass) => ({ rtt_ms: n.rttMs, network_class: n.networkClass });
const typeBytes = (t: string): number => (t.endsWith('8') ? 1 : t.endsWith('16') ? 2 : 4);

/** Bytes on the wire for one snapshot message: payload, block headers, packet overhead. */
function wireBytes(payload: number): number {
  if (payload <= MAX_UNFRAGMENTED_BYTES) return payload + MESSAGE_BLOCK_HEADER_BYTES + DATA_OVERHEAD_BYTES;
  const packets = Math.ceil(payload / FRAGMENT_BYTES);
  return payload + packets * (FRAGMENT_BLOCK_HEADER_BYTES + DATA_OVERHEAD_BYTES);
}

/** Snapshots sent but not yet acknowledged, by the tick their ack arrives. */
class AckLine {
  private readonly ring: number[][];
  private readonly rttTicks: number;
  private tick = 0;
  private nextMessage = 0;
  /** Every snapshot's bytes on the wire so far (see wireBytes). */
  wire = 0;

  constructor(
    private readonly pipeline: InterestPipeline,
    rttMs: number,
    /** Clients whose acks never come back (the delta-ratio twins). */
    private readonly deaf: (c: number) => boolean = () => false,
  ) {
    // A snapshot sent at the end of tick t is acknowledged before tick t + d runs, d the first
    // whole number of ticks that spans the round trip (30 ms: 2, 100 ms: 6).
    this.rttTicks = Math.max(1, Math.ceil(rttMs / TICK_MS)) + 1;
    this.ring = Array.from({ length: this.rttTicks }, () => []);
  }

  /** Delivers the acks due now; call between ticks. */
  deliver(): void {
    const due = this.ring[this.tick % this.rttTicks]!;
    for (let i = 0; i < due.length; i += 2) this.pipeline.acked(due[i]!, due[i + 1]!);
    due.length = 0;
  }

  /** Sends every client's snapshot of this tick: returns the bytes. */
  send(clients: number): number {
    const p = this.pipeline;
    const line = this.ring[(this.tick + this.rttTicks - 1) % this.rttTicks]!;
    let bytes = 0;
    let wire = 0;
    for (let c = 0; c < clients; c++) {
      const snapshot = p.snapshot(c);
      if (!snapshot) continue;
      bytes += snapshot.byteLength;
      wire += wireBytes(snapshot.byteLength);
      const n = this.nextMessage++;
      p.sent(c, n);
      if (!this.deaf(c)) line.push(c, n);
    }
    this.wire += wire;
    this.tick++;
    return bytes;
  }
}

interface Traffic {
  bytes: number;
  records: number;
  visibleTicks: number;
  fulls: number;
  deltas: number;
  zoneUpdates: number[];
}

function traffic(p: InterestPipeline, clients?: (c: number) => boolean): Traffic {
  const out: Traffic = { bytes: 0, records: 0, visibleTicks: 0, fulls: 0, deltas: 0, zoneUpdates: [0, 0, 0, 0] };
  for (let c = 0; c < p.options.maxClients; c++) {
    if (!p.isActive(c) || (clients && !clients(c))) continue;
    const k = p.clientCounters(c);
    out.bytes += k.bytes;
    out.visibleTicks += k.visibleTicks;
    out.fulls += k.fulls;
    out.deltas += k.deltas;
    k.zoneUpdates.forEach((v, i) => (out.zoneUpdates[i]! += v));
    out.records += k.zoneUpdates.reduce((a, b) => a + b, 0);
  }
  return out;
}

function since(now: Traffic, before: Traffic): Traffic {
  return {
    bytes: now.bytes - before.bytes,
    records: now.records - before.records,
    visibleTicks: now.visibleTicks - before.visibleTicks,
    fulls: now.fulls - before.fulls,
    deltas: now.deltas - before.deltas,
    zoneUpdates: now.zoneUpdates.map((v, i) => v - before.zoneUpdates[i]!),
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;
const round = (v: number, digits = 2): number => Number(v.toFixed(digits));

/** The archetype world with `players` clients on the players' avatars, each tick timed apart. */
async function archetypeRun(players: number, lanes: number, net: NetClass, extra: InterestOptions = {}) {
  const arena = new Arena(await loadChronos({ maximumPages: 32768 }));
  const aw = new ArchetypeWorld(arena, { entities: ENTITIES, players });
  const index = SpatialIndex.forWorld(aw.world, { baseCellM: 100 });
  index.update();
  const pipeline = await InterestPipeline.create(arena, worldSource(aw.world), index, { maxClients: players, lanes, ...extra });
  for (let i = 0; i < players; i++) {
    const c = pipeline.addClient({ viewerSlot: aw.players[i]! });
    pipeline.rttMs[c] = net.rttMs;
  }
  return { arena, aw, index, pipeline };
}

/** A pipeline tick as a server runs it, with the world step and index update before it. */
function driver(run: { aw: ArchetypeWorld; index: SpatialIndex; pipeline: InterestPipeline }, acks: AckLine, clients: number) {
  const indexMs: number[] = [];
  let bytes = 0;
  return {
    before(): void {
      acks.deliver();
      run.aw.step();
      const t0 = performance.now();
      run.index.update();
      indexMs.push(performance.now() - t0);
    },
    tick(): void {
      run.pipeline.tick();
      bytes = acks.send(clients);
    },
    get lastBytes(): number {
      return bytes;
    },
    indexMs: () => median(indexMs),
  };
}

async function pipelineCase(ctx: SuiteContext, name: string, players: number, lanes: number, net: NetClass, impl = net.impl): Promise<CaseResult[]> {
  ctx.log(`  ${name}: building 100,000 entities, ${players} clients, ${lanes} lane(s), clients ${net.rttMs} ms away`);
  const run = await archetypeRun(players, lanes, net);
  const acks = new AckLine(run.pipeline, net.rttMs);
  const d = driver(run, acks, players);
  for (let i = 0; i < WARMUP_TICKS; i++) {
    d.before();
    d.tick();
  }
  const start = traffic(run.pipeline);
  const wire0 = acks.wire;
  const ticksBefore = run.pipeline.currentTick;
  const row = await measure(ctx, SUITE, name, impl, () => d.tick(), { beforeEach: () => d.before() });
  const ticks = run.pipeline.currentTick - ticksBefore;
  const seen = since(traffic(run.pipeline), start);
  Object.assign(row.metrics, {
    ...classMetrics(net),
    ms_per_tick: round(row.median_ns / 1e6),
    clients: players,
    entities: run.aw.world.aliveCount,
    lanes,
    bytes_per_client_per_tick: round(seen.bytes / ticks / players),
    wire_bytes_per_client_per_tick: round((acks.wire - wire0) / ticks / players),
    records_per_tick: Math.round(seen.records / ticks),
    index_update_ms_not_timed: round(d.indexMs()),
    memory_bytes: run.pipeline.memoryBytes(),
  });
  const rows = [row];
  if (players === 1000 && lanes === 1) rows.push(...(await reductionAndDelta(ctx, run, d, net)));
  await run.pipeline.dispose();
  return rows;
}

/** reduction (on the running 1,000-player world) and delta-ratio (200 acking/never-acking twins). */
async function reductionAndDelta(
  ctx: SuiteContext,
  run: Awaited<ReturnType<typeof archetypeRun>>,
  d: ReturnType<typeof driver>,
  net: NetClass,
): Promise<CaseResult[]> {
  const before = traffic(run.pipeline);
  for (let i = 0; i < COUNTED_TICKS; i++) {
    d.before();
    d.tick();
  }
  const seen = since(traffic(run.pipeline), before);
  const reductionRow = await measure(ctx, SUITE, 'reduction', net.impl, () => d.tick(), { beforeEach: () => d.before() });
  Object.assign(reductionRow.metrics, {
    ...classMetrics(net),
    reduction_pct: round((1 - seen.records / seen.visibleTicks) * 100, 1),
    records_sent: seen.records,
    records_if_all_visible_at_60hz: seen.visibleTicks,
    immediate: seen.zoneUpdates[0]!,
    near: seen.zoneUpdates[1]!,
    awareness: seen.zoneUpdates[2]!,
    background: seen.zoneUpdates[3]!,
    ticks: COUNTED_TICKS,
  });
  return [reductionRow, await deltaRatio(ctx, net)];
}

/** Twins see from the same avatars with the same budget; only the acknowledgements differ. */
async function deltaRatio(ctx: SuiteContext, net: NetClass): Promise<CaseResult> {
  const TWINS = 200;
  const arena = new Arena(await loadChronos({ maximumPages: 16384 }));
  const aw = new ArchetypeWorld(arena, { entities: ENTITIES, players: 1000 });
  const index = SpatialIndex.forWorld(aw.world, { baseCellM: 100 });
  index.update();
  // A budget no tick reaches, so both twins send the same records.
  const pipeline = await InterestPipeline.create(arena, worldSource(aw.world), index, { maxClients: TWINS * 2, maxSnapshotBytes: 64 * 1024 });
  for (let i = 0; i < TWINS * 2; i++) {
    const c = pipeline.addClient({ viewerSlot: aw.players[i % TWINS]! });
    pipeline.rttMs[c] = net.rttMs;
  }
  const deaf = (c: number) => c >= TWINS;
  const acks = new AckLine(pipeline, net.rttMs, deaf);
  const d = driver({ aw, index, pipeline }, acks, TWINS * 2);
  for (let i = 0; i < WARMUP_TICKS; i++) {
    d.before();
    d.tick();
  }
  const hearing0 = traffic(pipeline, (c) => !deaf(c));
  const deaf0 = traffic(pipeline, deaf);
  for (let i = 0; i < COUNTED_TICKS; i++) {
    d.before();
    d.tick();
  }
  const hearing = since(traffic(pipeline, (c) => !deaf(c)), hearing0);
  const full = since(traffic(pipeline, deaf), deaf0);
  const row = await measure(ctx, SUITE, 'delta-ratio', net.impl, () => d.tick(), { beforeEach: () => d.before() });
  const deltaPerRecord = hearing.bytes / hearing.records;
  const fullPerRecord = full.bytes / full.records;
  Object.assign(row.metrics, {
    ...classMetrics(net),
    // The same records, full states against deltas (interest's own rate reduction is apart).
    ratio: round(fullPerRecord / deltaPerRecord),
    // Whole-view full states every tick against the delta stream actually sent.
    full_state_stream_ratio: round((hearing.visibleTicks * fullPerRecord) / hearing.bytes),
    delta_bytes_per_record: round(deltaPerRecord),
    full_bytes_per_record: round(fullPerRecord),
    acking_share_delta_pct: round((hearing.deltas / (hearing.deltas + hearing.fulls)) * 100, 1),
    clients_each: TWINS,
    ticks: COUNTED_TICKS,
  });
  await pipeline.dispose();
  return row;
}

/** A small World of wandering NPCs (every one moving) around the origin. */
async function wanderers(count: number, halfM: number) {
  const arena = new Arena(await loadChronos({ maximumPages: 4096 }));
  const world = World.create(arena, {
    name: `wanderers-${count}`,
    capacity: count,
    seed: 11,
    tickHz: 60,
    bounds: { minX: -halfM, minY: -halfM, minZ: 0, maxX: halfM, maxY: halfM, maxZ: 10 },
    npc: { topSpeedMps: 1.5, wanderMinS: 1, wanderMaxS: 4, idlePercent: 0 },
  });
  world.spawnNpcs(count);
  const index = SpatialIndex.forWorld(world, { baseCellM: 25 });
  index.update();
  return { arena, world, index };
}

async function crowd200(ctx: SuiteContext, net: NetClass): Promise<CaseResult> {
  const { arena, world, index } = await wanderers(200, 50);
  const pipeline = await InterestPipeline.create(arena, worldSource(world), index, { maxClients: 1 });
  const c = pipeline.addClient({ position: [0, 0, 0] });
  pipeline.rttMs[c] = net.rttMs;
  const acks = new AckLine(pipeline, net.rttMs);
  let bytes = 0;
  const tick = () => {
    acks.deliver();
    world.step();
    index.update();
    pipeline.tick();
    bytes += acks.send(1);
  };
  for (let i = 0; i < WARMUP_TICKS; i++) tick();
  bytes = 0;
  const wire0 = acks.wire;
  const before = traffic(pipeline);
  for (let i = 0; i < COUNTED_TICKS; i++) tick();
  const seen = since(traffic(pipeline), before);
  const wire = acks.wire - wire0;
  const seconds = COUNTED_TICKS / 60;
  const row = await measure(ctx, SUITE, 'crowd-200', net.impl, () => {
    pipeline.tick();
    acks.send(1);
  }, { beforeEach: () => { acks.deliver(); world.step(); index.update(); } });
  Object.assign(row.metrics, {
    ...classMetrics(net),
    bytes_per_sec: Math.round(bytes / seconds),
    kb_per_sec: round(bytes / seconds / 1024),
    wire_bytes_per_sec: Math.round(wire / seconds),
    wire_kb_per_sec: round(wire / seconds / 1024),
    updates_per_sec: Math.round(seen.records / seconds),
    visible: pipeline.clientCounters(c).visible,
  });
  await pipeline.dispose();
  return row;
}

async function encode1k(ctx: SuiteContext): Promise<CaseResult[]> {
  const N = 1000;
  const { arena, world, index } = await wanderers(N, 200);
  // Every entity in the immediate zone (60 Hz) of one client, with a budget no tick reaches.
  const pipeline = await InterestPipeline.create(arena, worldSource(world), index, {
    maxClients: 1,
    viewCapacity: 2048,
    maxSnapshotBytes: 64 * 1024,
    zones: { immediateM: 1000, nearM: 1001, awarenessM: 1002 },
    defaultShape: { kind: 'circle', radiusM: 1000 },
  });
  const c = pipeline.addClient({ position: [0, 0, 0] });
  const ENCODE_RTT_MS = 20;
  pipeline.rttMs[c] = ENCODE_RTT_MS;
  const acks = new AckLine(pipeline, ENCODE_RTT_MS);
  let last = 0;
  const before = () => {
    acks.deliver();
    world.step();
  };
  // Our pipeline finds what moved through the spatial index, so its update is part of the
  // encode (the peer has no index to keep).
  const encode = () => {
    index.update();
    pipeline.tick();
    last = acks.send(1);
  };
  for (let i = 0; i < WARMUP_TICKS; i++) {
    before();
    encode();
  }
  const sizes: number[] = [];
  const records0 = traffic(pipeline).records;
  for (let i = 0; i < 60; i++) {
    before();
    encode();
    sizes.push(last);
  }
  const recordsPerTick = (traffic(pipeline).records - records0) / 60;
  const ours = await measure(ctx, SUITE, 'encode-1k', 'chronos', encode, { beforeEach: before });
  Object.assign(ours.metrics, {
    rtt_ms: ENCODE_RTT_MS,
    network_class: 0,
    bytes_per_entity: round(median(sizes) / N),
    bytes_per_tick: median(sizes),
    wire_bytes_per_tick: wireBytes(median(sizes)),
    records_per_tick: round(recordsPerTick, 1),
  });

  // The same movement, mirrored into Colyseus state by its setters (only changed values).
  const columns = () => ({ x: world.column('posX'), y: world.column('posY'), z: world.column('posZ'), headingRad: world.column('heading') });
  const colyseus = new ColyseusEncodePeer(N, columns(), world.bounds);
  let colyseusBytes: number[] = [];
  const colyseusTick = () => {
    colyseusBytes.push(colyseus.tick(columns()));
  };
  const stepOnly = () => world.step();
  for (let i = 0; i < 60; i++) {
    stepOnly();
    colyseusTick();
  }
  const peerSizes = colyseusBytes;
  colyseusBytes = [];
  const peer = await measure(ctx, SUITE, 'encode-1k', '@colyseus/schema', colyseusTick, { beforeEach: stepOnly });
  Object.assign(peer.metrics, {
    bytes_per_entity: round(median(peerSizes) / N),
    bytes_per_tick: median(peerSizes),
    wire_bytes_per_tick: wireBytes(median(peerSizes)),
    // Field widths in bytes (x, y, z, yaw): the narrowest types holding this world's codes.
    field_bytes_x: typeBytes(colyseus.types.x),
    field_bytes_y: typeBytes(colyseus.types.y),
    field_bytes_z: typeBytes(colyseus.types.z),
    field_bytes_yaw: typeBytes(colyseus.types.yaw),
  });
  ours.metrics.speedup_vs_colyseus = round(peer.median_ns / ours.median_ns);
  await pipeline.dispose();
  return [ours, peer];
}

export const suite: Suite = {
  name: SUITE,
  description: 'interest pipeline CPU per tick (no acks, index update, packets, sealing or sending) and snapshot codec: 100,000-entity archetype worlds, clients in the excellent class (chronos-fair: fair), vs @colyseus/schema',
  async run(ctx) {
    const results: CaseResult[] = [];
    results.push(...(await encode1k(ctx)));
    results.push(await crowd200(ctx, EXCELLENT));
    results.push(await crowd200(ctx, FAIR));
    results.push(...(await pipelineCase(ctx, 'pipeline-1k-clients', 1000, 1, EXCELLENT)));
    results.push(...(await pipelineCase(ctx, 'pipeline-1k-clients', 1000, 1, FAIR)));
    results.push(...(await pipelineCase(ctx, 'pipeline-1k-clients', 1000, 2, EXCELLENT, 'chronos-2-lanes')));
    results.push(...(await pipelineCase(ctx, 'pipeline-10k-clients', 10_000, 1, EXCELLENT)));
    results.push(...(await pipelineCase(ctx, 'pipeline-10k-clients', 10_000, 1, FAIR)));
    results.push(...(await pipelineCase(ctx, 'pipeline-10k-clients', 10_000, 2, EXCELLENT, 'chronos-2-lanes')));
    return results;
  },
};
