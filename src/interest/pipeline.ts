// InterestPipeline: every client's snapshot, every tick, in a few kernel calls over arena memory
// (the integration contract is at the top of index.ts). Per tick:
//   phase A  interest_world_pass per lane: quantise the replicated state, note deaths and fast
//            bodies;
//   discover interest_discovery_prepare writes the queries of the clients whose turn it is
//            (1 in discoveryPeriodTicks), SpatialIndex.radiusBatch answers them in one call;
//   phase B  interest_lane_tick per lane: acks -> baselines, fast bodies, deaths, events, then
//            per client: merge discoveries, classify zones (hysteresis), score and order what is
//            due, encode deltas against the acked baselines into its output until its budget.
// Nothing is allocated per client per tick: per-client state is a fixed-size block (header,
// view columns, baselines, output buffer) in arena chunks of CHUNK_CLIENTS, reused on
// disconnect; inputs (budgets, round trips, acks, events) are arena columns and queues.

import { ConfigError, InvalidArgumentError, InvalidValueError, StateError, WasmLinkError } from '../core/errors.js';
import { FX_ONE, fitsQ16 } from '../core/fixed.js';
import { encodeCodecParams, ROTATION_MODES, type CodecParams } from '../codec/snapshot-spec.js';
import { encodeEvent, type BroadcastEvent } from '../codec/broadcast-event.js';
import type { SpatialIndex, BatchQuery, BatchResult } from '../spatial/index.js';
import type { Arena, Region } from '../wasm/arena.js';
import { interestKernels, type InterestKernels } from './kernels.js';
import {
  C, CC, CH_BYTES, CLIENT_COUNTERS, COL, COLS, CTX_BYTES, DEAD_BYTES, E, ENTRY_BYTES, EV_BYTES, FEATURE_VELOCITY,
  GRID_ITEM_BYTES, INTEREST_MAGIC, INTEREST_VERSION, W_BYTES, entriesOffset,
  L, LANE_BYTES, LANE_COUNTER_NAMES, NONE, OUT_SLACK, REC_BYTES, RING, RING_BYTES, ST_FREE, X, type LaneCounter,
} from './layout.js';
import { CMD_LANE_TICK, CMD_WORLD_PASS, LaneWorkers } from './lanes.js';
import { codecParamsOf, resolveInterestOptions, type InterestOptions, type ResolvedInterestOptions } from './options.js';
import { checkShape, writeShape, type ShapeSpec } from './shapes.js';
import { checkSource, hasVelocity, rotationOf, type ReplicationSource } from './source.js';

/** Client blocks are allocated this many at a time. */
const CHUNK_CLIENTS = 64;
/** Ack queue entries to start with (it grows). */
const INITIAL_ACKS = 4096;
/** Ids the discovery batch holds to start with (it grows by doubling). */
const INITIAL_BATCH_IDS = 1 << 16;

export interface ClientOptions {
  /** Entity slot the client sees from (its avatar or camera entity). */
  viewerSlot?: number;
  /** Or a fixed point in metres (spectators, tools). */
  position?: readonly [number, number, number];
  shape?: ShapeSpec;
  /** Shapes turn with the viewer's facing (default true); otherwise with fixedYawRad. */
  followHeading?: boolean;
  fixedYawRad?: number;
}

export interface EventOptions {
  x: number;
  y: number;
  z: number;
  /** Clients whose viewer is within this many metres receive it (default: everyone). */
  rangeM?: number;
  /** Game-defined kind, 0..255. */
  kind: number;
  /** Reliable events go on the reliable channel to every recipient; others ride in snapshots. */
  reliable?: boolean;
  payload?: Uint8Array;
}

export interface ReliableDelivery {
  /** The EVENT message (codec/broadcast-event.ts), the same bytes for every recipient. */
  bytes: Uint8Array;
  recipients: number[];
}

export interface ClientCounters {
  messages: number;
  bytes: number;
  enters: number;
  leaves: number;
  leavesAcked: number;
  fulls: number;
  deltas: number;
  /** Due records a budget did not leave room for (sent on a later tick). */
  deferred: number;
  acks: number;
  ackStale: number;
  ackExpired: number;
  viewFull: number;
  fastInserts: number;
  eventsSent: number;
  eventsDropped: number;
  /** Records sent per zone: immediate, near, awareness, background. */
  zoneUpdates: [number, number, number, number];
  /** Sum over ticks of the visible count (what sending all of it every tick would cost). */
  visibleTicks: number;
  visible: number;
  scale: number;
}

export type InterestTotals = ClientCounters & Record<LaneCounter, number> & { clients: number; queries: number; memoryBytes: number };

export interface ViewEntry {
  handle: number;
  slot: number;
  id: number;
  state: 'visible' | 'leaving';
  zone: number;
  due: number;
  lastSent: number;
  hasBaseline: boolean;
}

export class InterestPipeline {
  readonly arena: Arena;
  readonly options: ResolvedInterestOptions;
  readonly source: ReplicationSource;
  readonly index: SpatialIndex;
  readonly codecParams: CodecParams;
  private readonly k: InterestKernels;
  private readonly ctx: Region;
  private readonly regions: Region[] = [];
  private readonly chunks: (Region | undefined)[] = [];
  private readonly blockBytes: number;
  private readonly inputs: Region;
  private readonly table: Region;
  private readonly importanceRegion: Region;
  private readonly eventsRegion: Region;
  private readonly payloadRegion: Region;
  private readonly laneTable: Region;
  private acksRegion: Region;
  private ackCapacity: number;
  private ackCount = 0;
  private eventCount = 0;
  private payloadUsed = 0;
  private eventsDropped = 0;
  private readonly query: BatchQuery;
  private readonly batch: BatchResult;
  private readonly workers: LaneWorkers;
  private readonly freeClients: number[] = [];
  private readonly active: Uint8Array;
  private readonly generations: Uint32Array;
  /** Per client, per ring slot: the net message number a snapshot went out as (-1: none). */
  private readonly netNumbers: Float64Array;
  private readonly netSeqs: Uint32Array;
  /** Every u32 of wasm memory, rebuilt when memory grows (per-client reads need no DataView each). */
  private memU32: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  private memGeneration = -1;
  private clients = 0;
  private tickNumber = 0;
  private queries = 0;
  private maxReachQ16 = 0;
  private readonly eventMeta: { kind: number; tick: number; x: number; y: number; z: number; rangeM: number; payloadOff: number; payloadLen: number }[] = [];
  private disposed = false;

  /** Builds the pipeline (and starts its worker lanes). */
  static async create(arena: Arena, source: ReplicationSource, index: SpatialIndex, options: InterestOptions = {}): Promise<InterestPipeline> {
    const resolved = resolveInterestOptions(options);
    checkSource(source, arena.memoryBuffer.byteLength);
    const k = interestKernels(arena.wasm);
    checkInterestLayout(k);
    if (index.capacity < source.capacity) {
      throw new InvalidArgumentError(`spatial index holds ${index.capacity} slots, the source ${source.capacity}`);
    }
    const name = `interest-${nextPipelineId++}`;
    const ctx = arena.allocate(`${name}:ctx`, CTX_BYTES);
    const workers = await LaneWorkers.start(arena.wasm, arena, ctx.ptr, resolved.lanes, name);
    return new InterestPipeline(arena, source, index, resolved, k, ctx, workers, name);
  }

  private constructor(
    arena: Arena, source: ReplicationSource, index: SpatialIndex, o: ResolvedInterestOptions, k: InterestKernels,
    ctx: Region, workers: LaneWorkers, name: string,
  ) {
    this.arena = arena;
    this.source = source;
    this.index = index;
    this.options = o;
    this.k = k;
    this.ctx = ctx;
    this.workers = workers;
    this.codecParams = codecParamsOf(o, rotationOf(source), hasVelocity(source));
    const cap = source.capacity;
    const region = (suffix: string, bytes: number): Region => {
      const r = arena.allocate(`${name}:${suffix}`, Math.max(16, bytes));
      this.regions.push(r);
      return r;
    };
    const world = region('world', cap * W_BYTES);
    this.importanceRegion = region('importance', cap);
    this.table = region('clients', o.maxClients * 4);
    this.inputs = region('inputs', o.maxClients * 8);
    this.ackCapacity = INITIAL_ACKS;
    this.acksRegion = arena.allocate(`${name}:acks#${this.ackCapacity}`, this.ackCapacity * 8);
    this.eventsRegion = region('events', o.maxEventsPerTick * EV_BYTES);
    this.payloadRegion = region('event-payload', o.eventPayloadBytes);
    this.laneTable = region('lanes', o.lanes * LANE_BYTES);
    this.blockBytes = k.interest_block_bytes(o.viewCapacity, o.maxSnapshotBytes);
    this.active = new Uint8Array(o.maxClients);
    this.generations = new Uint32Array(o.maxClients);
    this.netNumbers = new Float64Array(o.maxClients * RING).fill(-1);
    this.netSeqs = new Uint32Array(o.maxClients * RING);
    for (let c = o.maxClients - 1; c >= 0; c--) this.freeClients.push(c);
    this.query = index.createBatchQuery(o.maxClients);
    this.batch = index.createBatchResult({ queries: o.maxClients, ids: INITIAL_BATCH_IDS });

    // ---- lanes ----
    const perLane = Math.ceil(o.maxClients / o.lanes);
    const gridBits = Math.max(4, Math.ceil(Math.log2(perLane * 2)));
    const lanes = this.laneTable.view('u32', 0, (o.lanes * LANE_BYTES) / 4);
    for (let l = 0; l < o.lanes; l++) {
      const w = (l * LANE_BYTES) / 4;
      const scratch = region(`lane${l}:scratch`, k.interest_lane_scratch_bytes(o.viewCapacity, perLane));
      const stamps = region(`lane${l}:stamps`, cap * 4);
      const bucketStamps = region(`lane${l}:bucket-stamps`, (1 << gridBits) * 4);
      const starts = region(`lane${l}:grid-starts`, ((1 << gridBits) + 1) * 4);
      const items = region(`lane${l}:grid-items`, (perLane + 1) * GRID_ITEM_BYTES);
      const fast = region(`lane${l}:fast`, o.fastListPerLane * 4);
      const dead = region(`lane${l}:lifecycle`, o.lifecycleListPerLane * DEAD_BYTES);
      const pairs = region(`lane${l}:event-pairs`, o.eventPairsPerLane * 8);
      const reliable = region(`lane${l}:reliable`, o.eventPairsPerLane * 8);
      const set = (field: keyof typeof L, v: number): void => {
        lanes[w + L[field] / 4] = v;
      };
      set('scratch', scratch.ptr);
      set('scratchBytes', scratch.byteLength);
      set('stamps', stamps.ptr);
      set('gridStarts', starts.ptr);
      set('gridBits', gridBits);
      set('gridItems', items.ptr);
      set('bucketStamps', bucketStamps.ptr);
      set('fast', fast.ptr);
      set('fastCap', o.fastListPerLane);
      set('dead', dead.ptr);
      set('deadCap', o.lifecycleListPerLane);
      set('pairs', pairs.ptr);
      set('pairsCap', o.eventPairsPerLane);
      set('reliable', reliable.ptr);
      set('reliableCap', o.eventPairsPerLane);
    }

    // ---- context ----
    const dv = this.dv();
    const u = (off: number, v: number): void => dv.setUint32(off, v >>> 0, true);
    const f64 = (off: number, v: number): void => dv.setFloat64(off, v, true);
    const f32 = (off: number, v: number): void => dv.setFloat32(off, v, true);
    const q = o.quantization;
    const perTick = FX_ONE / o.tickHz; // Q16 per tick of one metre per second
    u(X.magic, INTEREST_MAGIC);
    u(X.version, INTEREST_VERSION);
    u(X.maxClients, o.maxClients);
    u(X.viewCap, o.viewCapacity);
    u(X.handleBits, o.handleBits);
    u(X.lanes, o.lanes);
    u(X.discovery, o.discoveryPeriodTicks);
    u(X.srcCapacity, cap);
    u(X.srcFlags, source.flags);
    u(X.aliveMask, source.aliveMask);
    u(X.srcGen, source.generation ?? 0);
    u(X.pos, source.posX);
    u(X.pos + 4, source.posY);
    u(X.pos + 8, source.posZ);
    u(X.vel, source.velX ?? 0);
    u(X.vel + 4, source.velY ?? 0);
    u(X.vel + 8, source.velZ ?? 0);
    u(X.yaw, source.yaw ?? 0);
    u(X.quat, source.quat?.x ?? 0);
    u(X.quat + 4, source.quat?.y ?? 0);
    u(X.quat + 8, source.quat?.z ?? 0);
    u(X.quat + 12, source.quat?.w ?? 0);
    u(X.hp, source.hp ?? 0);
    u(X.state, source.state ?? 0);
    u(X.importance, this.importanceRegion.ptr);
    u(X.rotMode, ROTATION_MODES.indexOf(this.codecParams.rotation));
    u(X.posShift, q.posShift);
    u(X.velShift, q.velShift);
    u(X.yawBits, q.yawBits);
    u(X.quatBits, q.quatBits);
    u(X.cellShift, q.cellShift);
    u(X.world, world.ptr);
    u(X.clients, this.table.ptr);
    u(X.budget, this.inputs.ptr);
    u(X.rtt, this.inputs.ptr + o.maxClients * 4);
    u(X.acks, this.acksRegion.ptr);
    u(X.events, this.eventsRegion.ptr);
    u(X.eventPayload, this.payloadRegion.ptr);
    u(X.laneTable, this.laneTable.ptr);
    u(X.maxSnapshot, o.maxSnapshotBytes);
    u(X.includeSelf, o.includeSelf ? 1 : 0);
    u(X.blockBytes, this.blockBytes);
    u(X.features, this.codecParams.velocity ? FEATURE_VELOCITY : 0);
    f64(X.hysteresis, o.hysteresis);
    f64(X.zoneRadius, o.zones.immediateM * FX_ONE);
    f64(X.zoneRadius + 8, o.zones.nearM * FX_ONE);
    f64(X.zoneRadius + 16, o.zones.awarenessM * FX_ONE);
    o.zonePeriodsTicks.forEach((p, i) => u(X.zonePeriod + i * 4, p));
    const w = o.weights;
    [w.distance, w.velocity, w.interaction, w.importance, w.attention].forEach((v, i) => f64(X.weights + i * 8, v));
    f64(X.speedSat, o.speedSaturationMps * perTick);
    f64(X.fastSpeed, o.fast.speedMps * perTick);
    o.fast.bandsMps.forEach((v, i) => f64(X.fastBands + i * 8, v * perTick));
    o.fast.forward.forEach((v, i) => f64(X.fastForward + i * 8, v));
    o.fast.lateral.forEach((v, i) => f64(X.fastLateral + i * 8, v));
    o.fast.rate.forEach((v, i) => f64(X.fastRate + i * 8, v));
    u(X.fastPeriod, o.fast.maxPeriodTicks);
    u(X.interHalfLife, Math.max(1, Math.round(o.interactionHalfLifeS * o.tickHz)));
    o.network.rttLimitsMs.forEach((v, i) => f32(X.rttLimits + i * 4, v));
    o.network.multipliers.forEach((row, c) => row.forEach((m, z) => f32(X.netMult + (c * 4 + z) * 4, m)));
    u(X.gridShift, Math.max(0, Math.round(Math.log2(o.gridCellM * FX_ONE))));
    u(X.leaveResend, o.leaveResendTicks);
    f32(X.tickMs, 1000 / o.tickHz);
    f32(X.dynMinScale, o.dynamicRadius.minScale);
    f32(X.dynMaxScale, o.dynamicRadius.maxScale);
    u(X.dynShrink, o.dynamicRadius.shrinkAbove);
    u(X.dynTarget, o.dynamicRadius.target);
    u(X.dynGrow, o.dynamicRadius.growBelow);
    dv.setInt32(X.minZ, Math.round(source.bounds.minZ * FX_ONE), true);
    dv.setInt32(X.maxZ, Math.round(source.bounds.maxZ * FX_ONE), true);
  }

  private dv(): DataView {
    const b = this.ctx.bytes();
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  private ctxU32(): Uint32Array {
    return this.ctx.view('u32', 0, CTX_BYTES / 4);
  }

  /** Ticks produced so far (the tick number the last snapshots carry). */
  get currentTick(): number {
    return this.tickNumber;
  }

  /** Active clients. */
  get clientCount(): number {
    return this.clients;
  }

  /** The CODEC PARAMS message a client needs before its first snapshot. */
  codecParamsBytes(): Uint8Array {
    return encodeCodecParams(this.codecParams);
  }

  /** Per-client budget input, bytes for this tick's snapshot (capped by maxSnapshotBytes). */
  get budgetBytes(): Uint32Array {
    return this.inputs.view('u32', 0, this.options.maxClients);
  }

  /** Per-client round-trip input, ms (network-condition multipliers). */
  get rttMs(): Float32Array {
    return this.inputs.view('f32', this.options.maxClients * 4, this.options.maxClients);
  }

  /** Importance of each slot, 0..255 (the importance factor is value / 255). */
  get importance(): Uint8Array {
    return this.importanceRegion.view('u8', 0, this.source.capacity);
  }

  // ---- clients ----

  addClient(options: ClientOptions = {}): number {
    this.live();
    const c = this.freeClients.pop();
    if (c === undefined) throw new StateError(`interest pipeline is full: ${this.options.maxClients} clients`);
    try {
      const chunk = Math.floor(c / CHUNK_CLIENTS);
      if (!this.chunks[chunk]) this.chunks[chunk] = this.arena.allocate(`${this.ctx.name}:clients-${chunk}`, CHUNK_CLIENTS * this.blockBytes);
      const block = this.blockPtr(c);
      this.k.interest_client_reset(this.ctx.ptr, block);
      this.active[c] = 1;
      this.generations[c] = (this.generations[c]! + 1) >>> 0;
      this.netNumbers.fill(-1, c * RING, (c + 1) * RING);
      const dv = this.blockView(c);
      dv.setUint32(C.active, 1, true);
      dv.setUint32(C.generation, this.generations[c]!, true);
      this.writeViewer(c, dv, options);
      this.writeShapeOf(c, dv, options.shape ?? this.options.defaultShape, options.followHeading ?? true, options.fixedYawRad ?? 0);
      this.budgetBytes[c] = this.options.maxSnapshotBytes;
      this.rttMs[c] = 0;
      this.table.view('u32', 0, this.options.maxClients)[c] = block;
      this.clients++;
      return c;
    } catch (err) {
      this.active[c] = 0;
      this.freeClients.push(c);
      throw err;
    }
  }

  /** Ends a client: its block goes back to the pool, nothing of its view survives. */
  removeClient(c: number): void {
    this.checkClient(c);
    this.table.view('u32', 0, this.options.maxClients)[c] = 0;
    this.blockView(c).setUint32(C.active, 0, true);
    this.active[c] = 0;
    this.freeClients.push(c);
    this.clients--;
  }

  setViewer(c: number, options: Pick<ClientOptions, 'viewerSlot' | 'position'>): void {
    this.checkClient(c);
    this.writeViewer(c, this.blockView(c), options);
  }

  setShape(c: number, shape: ShapeSpec, followHeading = true, fixedYawRad = 0): void {
    this.checkClient(c);
    this.writeShapeOf(c, this.blockView(c), shape, followHeading, fixedYawRad);
  }

  isActive(c: number): boolean {
    return Number.isInteger(c) && c >= 0 && c < this.options.maxClients && this.active[c] === 1;
  }

  private writeViewer(c: number, dv: DataView, o: Pick<ClientOptions, 'viewerSlot' | 'position'>): void {
    dv.setUint32(C.discoverNow, 1, true);
    if (o.viewerSlot !== undefined) {
      if (!Number.isInteger(o.viewerSlot) || o.viewerSlot < 0 || o.viewerSlot >= this.source.capacity) {
        throw new InvalidArgumentError(`client ${c}: viewer slot ${o.viewerSlot} is outside [0, ${this.source.capacity})`);
      }
      dv.setUint32(C.viewer, o.viewerSlot, true);
      return;
    }
    const p = o.position;
    if (!p) throw new InvalidArgumentError(`client ${c}: give a viewerSlot or a position`);
    const b = this.source.bounds;
    const lo = [b.minX, b.minY, b.minZ], hi = [b.maxX, b.maxY, b.maxZ];
    p.forEach((v, i) => {
      if (!fitsQ16(v) || v < lo[i]! || v > hi[i]!) throw new InvalidValueError(`client ${c} position[${i}]`, v, `must lie in [${lo[i]}, ${hi[i]}] m`);
    });
    dv.setUint32(C.viewer, NONE, true);
    p.forEach((v, i) => dv.setInt32(C.point + i * 4, Math.round(v * FX_ONE), true));
  }

  private writeShapeOf(c: number, dv: DataView, shape: ShapeSpec, follow: boolean, fixedYawRad: number): void {
    checkShape(shape, `client ${c} shape`);
    if (!Number.isFinite(fixedYawRad)) throw new InvalidValueError(`client ${c} fixedYawRad`, fixedYawRad, 'must be finite');
    dv.setUint32(C.discoverNow, 1, true);
    const { count, reachQ16, halfHeightQ16 } = writeShape(dv, C.shapes, shape, this.options.hysteresis);
    dv.setUint32(C.shapeCount, count, true);
    dv.setUint32(C.follow, follow ? 1 : 0, true);
    dv.setFloat64(C.fixedYaw, fixedYawRad, true);
    dv.setFloat64(C.bound, reachQ16, true);
    dv.setFloat64(C.halfHeight, halfHeightQ16, true);
    const o = this.options;
    const lateral = Math.max(1, ...o.fast.lateral);
    const reach = reachQ16 * o.dynamicRadius.maxScale * (1 + o.hysteresis) * lateral;
    if (reach > this.maxReachQ16) {
      this.maxReachQ16 = reach;
      this.dv().setFloat64(X.maxReach, reach, true);
    }
  }

  private blockPtr(c: number): number {
    const chunk = this.chunks[Math.floor(c / CHUNK_CLIENTS)];
    if (!chunk) throw new StateError(`client ${c} has no block`);
    return chunk.ptr + (c % CHUNK_CLIENTS) * this.blockBytes;
  }

  /** Arena memory as u32s, re-fetched if memory grew since the last call. */
  private mem32(): Uint32Array {
    const generation = this.arena.generation;
    if (generation !== this.memGeneration) {
      this.memU32 = new Uint32Array(this.arena.memoryBuffer);
      this.memGeneration = generation;
    }
    return this.memU32;
  }

  /** The u32 at byte `offset` of client c's block (offset a multiple of 4). */
  private blockU32(c: number, offset: number): number {
    const chunk = this.chunks[(c / CHUNK_CLIENTS) | 0]!;
    return this.mem32()[(chunk.ptr + (c % CHUNK_CLIENTS) * this.blockBytes + offset) >>> 2]!;
  }

  private blockView(c: number): DataView {
    const chunk = this.chunks[Math.floor(c / CHUNK_CLIENTS)]!;
    const b = chunk.bytes();
    return new DataView(b.buffer, b.byteOffset + (c % CHUNK_CLIENTS) * this.blockBytes, this.blockBytes);
  }

  private checkClient(c: number): void {
    this.live();
    if (!this.isActive(c)) throw new InvalidArgumentError(`client ${c} is not an active client of this pipeline`);
  }

  // ---- per-tick inputs ----

  /** Raises client c's interest in `slot` (0..1 added, halving every interactionHalfLifeS). */
  interact(c: number, slot: number, strength = 1): boolean {
    this.checkClient(c);
    if (!(strength >= 0 && strength <= 1)) throw new InvalidValueError('strength', strength, 'must be in [0, 1]');
    return this.k.interest_interact(this.ctx.ptr, this.blockPtr(c), slot >>> 0, strength, this.tickNumber) === 1;
  }

  /** Importance of `slot` in [0, 1] (the score's importance factor). */
  setImportance(slot: number, importance: number): void {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.source.capacity) throw new InvalidArgumentError(`slot ${slot} is outside [0, ${this.source.capacity})`);
    if (!(importance >= 0 && importance <= 1)) throw new InvalidValueError('importance', importance, 'must be in [0, 1]');
    this.importance[slot] = Math.round(importance * 255);
  }

  /** Records the net message number client c's latest snapshot went out as (or -1 if dropped). */
  sent(c: number, messageNumber: number): void {
    this.checkClient(c);
    const seq = (this.blockU32(c, C.seq) - 1) >>> 0;
    const at = c * RING + (seq & (RING - 1));
    this.netNumbers[at] = messageNumber;
    this.netSeqs[at] = seq;
  }

  /** The net layer reports that client c received message `messageNumber` (see sent). */
  acked(c: number, messageNumber: number): boolean {
    if (!this.isActive(c) || messageNumber < 0) return false;
    const base = c * RING;
    for (let i = 0; i < RING; i++) {
      if (this.netNumbers[base + i] === messageNumber) {
        this.netNumbers[base + i] = -1;
        this.ackSeq(c, this.netSeqs[base + i]!);
        return true;
      }
    }
    return false;
  }

  /** Client c received snapshot `seq` (applied at the next tick). */
  ackSeq(c: number, seq: number): void {
    if (!this.isActive(c)) return;
    if (this.ackCount === this.ackCapacity) this.growAcks();
    const at = (this.acksRegion.ptr >>> 2) + this.ackCount * 2;
    const mem = this.mem32();
    mem[at] = c;
    mem[at + 1] = seq >>> 0;
    this.ackCount++;
  }

  private growAcks(): void {
    const next = this.arena.allocate(`${this.ctx.name}:acks#${this.ackCapacity * 2}`, this.ackCapacity * 16);
    next.bytes().set(this.acksRegion.bytes().subarray(0, this.ackCount * 8));
    this.arena.release(this.acksRegion);
    this.acksRegion = next;
    this.ackCapacity *= 2;
    this.dv().setUint32(X.acks, next.ptr, true);
  }

  /**
   * Queues a broadcast event for the next tick. Returns false (and counts a drop) when this
   * tick's event queue or payload space is full.
   */
  emit(e: EventOptions): boolean {
    this.live();
    const payload = e.payload ?? new Uint8Array(0);
    if (!Number.isInteger(e.kind) || e.kind < 0 || e.kind > 255) throw new InvalidArgumentError(`event kind must be a u8, got ${e.kind}`);
    if (payload.byteLength > 255) throw new InvalidArgumentError(`event payload is ${payload.byteLength} bytes, at most 255`);
    const rangeM = e.rangeM ?? Infinity;
    if (Number.isNaN(rangeM) || rangeM < 0) throw new InvalidValueError('rangeM', rangeM, 'must be a non-negative distance');
    for (const [name, v] of [['x', e.x], ['y', e.y], ['z', e.z]] as const) {
      if (!fitsQ16(v)) throw new InvalidValueError(`event ${name}`, v, 'must be a finite coordinate within ±32768 m');
    }
    if (this.eventCount >= this.options.maxEventsPerTick || this.payloadUsed + payload.byteLength > this.options.eventPayloadBytes) {
      this.eventsDropped++;
      return false;
    }
    const i = this.eventCount++;
    const dv = new DataView(this.eventsRegion.bytes().buffer, this.eventsRegion.ptr + i * EV_BYTES, EV_BYTES);
    const x = Math.round(e.x * FX_ONE), y = Math.round(e.y * FX_ONE), z = Math.round(e.z * FX_ONE);
    dv.setInt32(0, x, true);
    dv.setInt32(4, y, true);
    dv.setInt32(8, z, true);
    dv.setFloat32(12, Number.isFinite(rangeM) ? rangeM : Infinity, true);
    dv.setUint32(16, e.kind, true);
    dv.setUint32(20, e.reliable ? 1 : 0, true);
    dv.setUint32(24, this.payloadUsed, true);
    dv.setUint32(28, payload.byteLength, true);
    this.payloadRegion.bytes().set(payload, this.payloadUsed);
    this.eventMeta[i] = { kind: e.kind, tick: this.tickNumber + 1, x: x / FX_ONE, y: y / FX_ONE, z: z / FX_ONE, rangeM, payloadOff: this.payloadUsed, payloadLen: payload.byteLength };
    this.payloadUsed += payload.byteLength;
    return true;
  }

  // ---- the tick ----

  /**
   * Produces this tick's snapshots from the source's current state and the spatial index (the
   * caller updates the index first). Outputs stay valid until the next tick.
   */
  tick(): void {
    this.live();
    this.tickNumber = (this.tickNumber + 1) >>> 0;
    const dv = this.dv();
    dv.setUint32(X.tick, this.tickNumber, true);
    dv.setUint32(X.srcCount, Math.min(this.source.count(), this.source.capacity), true);
    dv.setUint32(X.ackCount, this.ackCount, true);
    dv.setUint32(X.eventCount, this.eventCount, true);
    const ctx = this.ctx.ptr;
    const k = this.k;
    this.workers.run(CMD_WORLD_PASS, () => k.interest_world_pass(ctx, 0));
    const q = this.query;
    const n = k.interest_discovery_prepare(ctx, q.ptrOf('x'), q.ptrOf('y'), q.ptrOf('z'), q.ptrOf('radius'));
    if (n > 0) {
      this.index.radiusBatch(q, n, this.batch);
      this.queries += n;
    }
    const dv2 = this.dv();
    dv2.setUint32(X.batchIds, this.batch.idsPtr, true);
    dv2.setUint32(X.batchOffsets, this.batch.offsetsPtr, true);
    dv2.setUint32(X.batchCounts, this.batch.countsPtr, true);
    dv2.setUint32(X.batchQueries, n, true);
    this.workers.run(CMD_LANE_TICK, () => k.interest_lane_tick(ctx, 0));
    this.ackCount = 0;
    this.eventCount = 0;
    this.payloadUsed = 0;
  }

  // ---- outputs ----

  /** Bytes of client c's snapshot this tick (0: nothing to send). */
  snapshotLength(c: number): number {
    if (!this.isActive(c)) return 0;
    return this.blockU32(c, C.outLen);
  }

  /** Client c's snapshot this tick, a view valid until the next tick, or null. */
  snapshot(c: number): Uint8Array | null {
    const n = this.snapshotLength(c);
    if (n === 0) return null;
    const chunk = this.chunks[Math.floor(c / CHUNK_CLIENTS)]!;
    const v = this.options.viewCapacity;
    const off = (c % CHUNK_CLIENTS) * this.blockBytes + entriesOffset(v) + v * ENTRY_BYTES;
    return chunk.bytes().subarray(off, off + n);
  }

  /** Reliable events of the last tick with their recipients (encode once, send to each). */
  reliableDeliveries(): ReliableDelivery[] {
    const byEvent = new Map<number, number[]>();
    const lanes = this.laneTable.view('u32', 0, (this.options.lanes * LANE_BYTES) / 4);
    const mem = this.arena.memoryBuffer;
    for (let l = 0; l < this.options.lanes; l++) {
      const w = (l * LANE_BYTES) / 4;
      const used = lanes[w + L.reliableUsed / 4]!;
      const pairs = new Uint32Array(mem, lanes[w + L.reliable / 4]!, used * 2);
      for (let i = 0; i < used; i++) {
        const e = pairs[i * 2]!;
        let list = byEvent.get(e);
        if (!list) byEvent.set(e, (list = []));
        list.push(pairs[i * 2 + 1]!);
      }
    }
    const out: ReliableDelivery[] = [];
    const payload = this.payloadRegion.bytes();
    for (const [e, recipients] of [...byEvent.entries()].sort((a, b) => a[0] - b[0])) {
      const m = this.eventMeta[e]!;
      const event: BroadcastEvent = {
        kind: m.kind, tick: m.tick, x: m.x, y: m.y, z: m.z, rangeM: m.rangeM,
        payload: payload.subarray(m.payloadOff, m.payloadOff + m.payloadLen),
      };
      out.push({ bytes: encodeEvent(event), recipients: recipients.sort((a, b) => a - b) });
    }
    return out;
  }

  // ---- inspection and metrics ----

  /** Client c's view entries (allocates: tests, tools, the demo's debug overlay). */
  viewOf(c: number): ViewEntry[] {
    this.checkClient(c);
    const v = this.options.viewCapacity;
    const dv = this.blockView(c);
    const hw = dv.getUint32(C.hw, true);
    const colAt = (col: number, i: number): number => dv.getUint32(CH_BYTES + (col * v + i) * 4, true);
    const entryAt = (field: number, i: number): number => dv.getUint32(entriesOffset(v) + i * ENTRY_BYTES + field, true);
    const out: ViewEntry[] = [];
    for (let h = 0; h < hw; h++) {
      const meta = entryAt(E.meta, h);
      if ((meta & 0xff) === ST_FREE) continue;
      out.push({
        handle: h,
        slot: colAt(COL.slot, h),
        id: entryAt(E.id, h),
        state: (meta & 0xff) === 2 ? 'leaving' : 'visible',
        zone: (meta >> 8) & 0xff,
        due: colAt(COL.due, h),
        lastSent: entryAt(E.last, h),
        hasBaseline: entryAt(E.bsend, h) !== NONE,
      });
    }
    return out;
  }

  clientCounters(c: number): ClientCounters {
    this.checkClient(c);
    return this.countersOf(this.blockView(c));
  }

  private countersOf(dv: DataView): ClientCounters {
    const cc = (i: number): number => dv.getUint32(C.counters + i * 4, true);
    return {
      messages: cc(CC.messages),
      bytes: dv.getFloat64(C.bytes, true),
      enters: cc(CC.enters),
      leaves: cc(CC.leaves),
      leavesAcked: cc(CC.leavesAcked),
      fulls: cc(CC.fulls),
      deltas: cc(CC.deltas),
      deferred: cc(CC.deferred),
      acks: cc(CC.acks),
      ackStale: cc(CC.ackStale),
      ackExpired: cc(CC.ackExpired),
      viewFull: cc(CC.viewFull),
      fastInserts: cc(CC.fastInserts),
      eventsSent: cc(CC.eventsSent),
      eventsDropped: cc(CC.eventsDropped),
      zoneUpdates: [cc(CC.zoneUpdates), cc(CC.zoneUpdates + 1), cc(CC.zoneUpdates + 2), cc(CC.zoneUpdates + 3)],
      visibleTicks: dv.getFloat64(C.visibleTicks, true),
      visible: dv.getUint32(C.visible, true),
      scale: dv.getFloat64(C.scale, true),
    };
  }

  /** Counters summed over active clients, plus the lanes' own (for /metrics). */
  totals(): InterestTotals {
    const sum: ClientCounters = {
      messages: 0, bytes: 0, enters: 0, leaves: 0, leavesAcked: 0, fulls: 0, deltas: 0, deferred: 0, acks: 0,
      ackStale: 0, ackExpired: 0, viewFull: 0, fastInserts: 0, eventsSent: 0, eventsDropped: this.eventsDropped,
      zoneUpdates: [0, 0, 0, 0], visibleTicks: 0, visible: 0, scale: 0,
    };
    for (let c = 0; c < this.options.maxClients; c++) {
      if (!this.active[c]) continue;
      const one = this.countersOf(this.blockView(c));
      for (const key of Object.keys(sum) as (keyof ClientCounters)[]) {
        if (key === 'zoneUpdates') one.zoneUpdates.forEach((v, i) => (sum.zoneUpdates[i] = sum.zoneUpdates[i]! + v));
        else (sum[key] as number) += one[key] as number;
      }
    }
    if (this.clients > 0) sum.scale /= this.clients;
    const lanes = this.laneTable.view('u32', 0, (this.options.lanes * LANE_BYTES) / 4);
    const laneTotals = Object.fromEntries(LANE_COUNTER_NAMES.map((n) => [n, 0])) as Record<LaneCounter, number>;
    for (let l = 0; l < this.options.lanes; l++) {
      LANE_COUNTER_NAMES.forEach((n, i) => (laneTotals[n] += lanes[(l * LANE_BYTES + L.counters) / 4 + i] ?? 0));
    }
    return { ...sum, ...laneTotals, clients: this.clients, queries: this.queries, memoryBytes: this.memoryBytes() };
  }

  /** Arena bytes the pipeline holds. */
  memoryBytes(): number {
    let bytes = this.ctx.byteLength + this.acksRegion.byteLength + this.batch.byteLength;
    for (const r of this.regions) bytes += r.byteLength;
    for (const c of this.chunks) if (c) bytes += c.byteLength;
    return bytes;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.workers.stop();
    for (const r of [...this.regions, ...this.chunks, this.ctx, this.acksRegion]) if (r && !r.isReleased) this.arena.release(r);
    this.query.dispose();
    this.batch.dispose();
  }

  private live(): void {
    if (this.disposed) throw new StateError('interest pipeline was disposed');
  }
}

let nextPipelineId = 0;

/** Throws WasmLinkError when chronos.wasm's interest layout differs from layout.ts. */
export function checkInterestLayout(k: InterestKernels): void {
  const expect = [INTEREST_VERSION, CTX_BYTES, CH_BYTES, LANE_BYTES, REC_BYTES, OUT_SLACK, COLS, RING, EV_BYTES, ENTRY_BYTES, W_BYTES];
  const wrong = expect.flatMap((v, i) => (k.interest_layout(i) === v ? [] : [`interest layout field ${i}`]));
  if (wrong.length > 0) throw new WasmLinkError(wrong);
  if (CLIENT_COUNTERS * 4 + C.counters > C.visibleTicks || RING * RING_BYTES + C.ring > CH_BYTES) {
    throw new ConfigError('layout', 'client header fields overlap');
  }
}
