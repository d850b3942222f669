// InterestPipeline: every client's snapshot, every tick, in a few kernel calls over arena memory
// (the integration contract is at the top of index.ts). Per tick:
//   phase A  interest_world_pass per lane: quantise the replicated state, note deaths and fast
//            bodies;
//   discover interest_discovery_prepare writes the queries of the clients whose turn it is
//            (1 in discoveryPeriodTicks), SpatialIndex.radiusBatch answers them in one call;
//   phase B  interest_lane_tick per lane: acks -> baselines, fast bodies, deaths, events, then
//            per client: merge discoveries, classify zones (hysteresis), score and order what is
//            due, encode deltas against the acked baselines into its output until its budget.
// Nothing is allocated per client per tick: a client block (header, page table) lives in arena
// chunks of CHUNK_CLIENTS, reused on disconnect; its view grows and shrinks by pages from its
// lane's pools, pending records and snapshots too (pools.ts: a lane that runs short stops,
// the pools grow, it resumes); inputs (budgets, round trips, acks, events) are arena columns
// and queues. The context block is written by context.ts, the lanes' regions by
// lane-regions.ts; acks (acks.ts), events (events.ts) and inspection (inspect.ts) live apart.

import { InvalidArgumentError, InvalidValueError, StateError } from '../core/errors.js';
import { encodeCodecParams, type CodecParams } from '../codec/snapshot-spec.js';
import type { SpatialIndex, BatchQuery, BatchResult } from '../spatial/index.js';
import type { Arena, Region } from '../wasm/arena.js';
import { AckQueue } from './acks.js';
import { checkInterestLayout, writeContext } from './context.js';
import { EventQueue } from './events.js';
import { addInto, countersOf, laneCounters, viewEntries, zeroCounters } from './inspect.js';
import { interestKernels, type InterestKernels } from './kernels.js';
import { setUpLanes } from './lane-regions.js';
import { C, CTX_BYTES, EV_BYTES, LANE_BYTES, W_BYTES, X } from './layout.js';
import { CMD_LANE_TICK, CMD_WORLD_PASS, LaneWorkers } from './lanes.js';
import { ArenaWords } from './mem.js';
import { Pools } from './pools.js';
import { codecParamsOf, resolveInterestOptions, type InterestOptions, type ResolvedInterestOptions } from './options.js';
import type { ShapeSpec } from './shapes.js';
import { writeClientShape, writeViewer } from './client-header.js';
import { checkSource, hasVelocity, rotationOf, type ReplicationSource } from './source.js';
import type { ClientCounters, ClientOptions, EventOptions, InterestTotals, ReliableDelivery, ViewEntry } from './types.js';

export type { ClientCounters, ClientOptions, EventOptions, InterestTotals, ReliableDelivery, ViewEntry } from './types.js';
export { checkInterestLayout } from './context.js';

/** Client blocks are allocated this many at a time. */
const CHUNK_CLIENTS = 64;
/** Ids the discovery batch holds to start with (it grows by doubling). */
const INITIAL_BATCH_IDS = 1 << 16;

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
  private readonly laneTable: Region;
  private readonly acks: AckQueue;
  private readonly events: EventQueue;
  private readonly query: BatchQuery;
  private readonly batch: BatchResult;
  private readonly workers: LaneWorkers;
  private readonly freeClients: number[] = [];
  private readonly active: Uint8Array;
  private readonly generations: Uint32Array;
  private readonly mem: ArenaWords;
  private readonly pools: Pools;
  /** Block pointer per client (0: none), and what snapshot() reads, fixed at the end of a tick. */
  private readonly blocks: Uint32Array;
  private words: Uint32Array = new Uint32Array(0);
  private octets: Uint8Array = new Uint8Array(0);
  private readonly heaps: number[] = [];
  private clients = 0;
  private tickNumber = 0;
  private queries = 0;
  private maxReachQ16 = 0;
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
    this.mem = new ArenaWords(arena);
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
    this.acks = new AckQueue(arena, name, o.maxClients, this.mem, (ptr) => this.dv().setUint32(X.acks, ptr, true));
    this.events = new EventQueue(arena, region('events', o.maxEventsPerTick * EV_BYTES), region('event-payload', o.eventPayloadBytes), o.maxEventsPerTick, o.eventPayloadBytes);
    this.laneTable = region('lanes', o.lanes * LANE_BYTES);
    this.blockBytes = k.interest_block_bytes(o.viewCapacity);
    this.active = new Uint8Array(o.maxClients);
    this.blocks = new Uint32Array(o.maxClients);
    this.generations = new Uint32Array(o.maxClients);
    for (let c = o.maxClients - 1; c >= 0; c--) this.freeClients.push(c);
    this.query = index.createBatchQuery(o.maxClients);
    this.batch = index.createBatchResult({ queries: o.maxClients, ids: INITIAL_BATCH_IDS });
    setUpLanes(k, o, cap, this.laneTable, region);
    this.pools = new Pools(arena, name, this.laneTable, this.mem, o.lanes, o.viewCapacity, o.maxSnapshotBytes);
    writeContext(this.dv(), o, source, this.codecParams, {
      world: world.ptr,
      importance: this.importanceRegion.ptr,
      clients: this.table.ptr,
      inputs: this.inputs.ptr,
      acks: this.acks.ptr,
      events: this.events.records.ptr,
      eventPayload: this.events.payload.ptr,
      laneTable: this.laneTable.ptr,
      blockBytes: this.blockBytes,
    });
  }

  private dv(): DataView {
    const b = this.ctx.bytes();
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
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
      this.acks.resetClient(c);
      const dv = this.blockView(c);
      dv.setUint32(C.active, 1, true);
      dv.setUint32(C.generation, this.generations[c]!, true);
      writeViewer(dv, c, options, this.source);
      this.noteReach(writeClientShape(dv, c, options.shape ?? this.options.defaultShape, options.followHeading ?? true, options.fixedYawRad ?? 0, this.options));
      this.budgetBytes[c] = this.options.maxSnapshotBytes;
      this.rttMs[c] = 0;
      this.table.view('u32', 0, this.options.maxClients)[c] = block;
      this.blocks[c] = block;
      this.refreshViews();
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
    this.k.interest_client_release(this.ctx.ptr, this.blockPtr(c), c % this.options.lanes);
    this.table.view('u32', 0, this.options.maxClients)[c] = 0;
    this.blocks[c] = 0;
    this.blockView(c).setUint32(C.active, 0, true);
    this.active[c] = 0;
    this.freeClients.push(c);
    this.clients--;
  }

  setViewer(c: number, options: Pick<ClientOptions, 'viewerSlot' | 'position'>): void {
    this.checkClient(c);
    writeViewer(this.blockView(c), c, options, this.source);
  }

  setShape(c: number, shape: ShapeSpec, followHeading = true, fixedYawRad = 0): void {
    this.checkClient(c);
    this.noteReach(writeClientShape(this.blockView(c), c, shape, followHeading, fixedYawRad, this.options));
  }

  /** The widest reach of any client so far goes to the context (grid lookups use it). */
  private noteReach(reach: number): void {
    if (reach > this.maxReachQ16) {
      this.maxReachQ16 = reach;
      this.dv().setFloat64(X.maxReach, reach, true);
    }
  }

  isActive(c: number): boolean {
    return Number.isInteger(c) && c >= 0 && c < this.options.maxClients && this.active[c] === 1;
  }

  private blockPtr(c: number): number {
    const chunk = this.chunks[Math.floor(c / CHUNK_CLIENTS)];
    if (!chunk) throw new StateError(`client ${c} has no block`);
    return chunk.ptr + (c % CHUNK_CLIENTS) * this.blockBytes;
  }

  /** The u32 at byte `offset` of client c's block (offset a multiple of 4; c active). */
  private blockU32(c: number, offset: number): number {
    return this.words[(this.blocks[c]! + offset) >>> 2]!;
  }

  /** Views for the per-client reads between ticks (our blocks and heaps lie below their end). */
  private refreshViews(): void {
    this.words = this.mem.u32;
    this.octets = this.mem.u8;
    for (let l = 0; l < this.options.lanes; l++) this.heaps[l] = this.pools.heapPtr(l);
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

  sent(c: number, messageNumber: number): void {
    this.checkClient(c);
    this.acks.sent(c, (this.blockU32(c, C.seq) - 1) >>> 0, messageNumber);
  }

  /** The net layer reports that client c received message `messageNumber` (see sent). */
  acked(c: number, messageNumber: number): boolean {
    if (!this.isActive(c) || messageNumber < 0) return false;
    const seq = this.acks.takeSeq(c, messageNumber, this.blockU32(c, C.seq) - 1);
    if (seq < 0) return false;
    this.ackSeq(c, seq);
    return true;
  }

  /** Client c received snapshot `seq` (applied at the next tick). */
  ackSeq(c: number, seq: number): void {
    if (!this.isActive(c)) return;
    this.acks.push(c, seq);
  }

  /**
   * Queues a broadcast event for the next tick. Returns false (and counts a drop) when this
   * tick's event queue or payload space is full.
   */
  emit(e: EventOptions): boolean {
    this.live();
    return this.events.emit(e, this.tickNumber + 1);
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
    dv.setUint32(X.ackCount, this.acks.count, true);
    dv.setUint32(X.eventCount, this.events.count, true);
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
    if ((this.tickNumber & (this.options.poolTrimTicks - 1)) === 0) this.pools.trim();
    this.pools.runLanes(() => this.workers.run(CMD_LANE_TICK, () => k.interest_lane_tick(ctx, 0)));
    this.refreshViews();
    this.acks.count = 0;
    this.events.clear();
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
    const at = this.heaps[c % this.options.lanes]! + this.blockU32(c, C.outOff);
    return this.octets.subarray(at, at + n);
  }

  /** Reliable events of the last tick with their recipients (encode once, send to each). */
  reliableDeliveries(): ReliableDelivery[] {
    return this.events.reliableDeliveries(this.laneTable, this.options.lanes);
  }

  // ---- inspection and metrics ----

  /** Client c's view entries (allocates: tests, tools, debugging). */
  viewOf(c: number): ViewEntry[] {
    this.checkClient(c);
    return viewEntries(this.mem.u32, this.blockPtr(c));
  }

  clientCounters(c: number): ClientCounters {
    this.checkClient(c);
    return countersOf(this.blockView(c));
  }

  /** Counters summed over active clients, plus the lanes' own (for /metrics). */
  totals(): InterestTotals {
    const sum = zeroCounters();
    sum.eventsDropped = this.events.dropped;
    for (let c = 0; c < this.options.maxClients; c++) {
      if (this.active[c]) addInto(sum, countersOf(this.blockView(c)));
    }
    if (this.clients > 0) sum.scale /= this.clients;
    const lanes = laneCounters(this.laneTable.view('u32', 0, (this.options.lanes * LANE_BYTES) / 4), this.options.lanes);
    return { ...sum, ...lanes, clients: this.clients, queries: this.queries, memoryBytes: this.memoryBytes() };
  }

  /** Arena bytes the pipeline holds. */
  memoryBytes(): number {
    let bytes = this.ctx.byteLength + this.acks.byteLength + this.batch.byteLength + this.pools.memoryBytes();
    for (const r of this.regions) bytes += r.byteLength;
    for (const c of this.chunks) if (c) bytes += c.byteLength;
    return bytes;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.workers.stop();
    for (const r of [...this.regions, ...this.chunks, this.ctx]) if (r && !r.isReleased) this.arena.release(r);
    this.acks.release();
    this.pools.release();
    this.query.dispose();
    this.batch.dispose();
  }

  private live(): void {
    if (this.disposed) throw new StateError('interest pipeline was disposed');
  }
}

let nextPipelineId = 0;
