// A World is one simulation region (layout in world-layout.ts) plus the kernels that step it.
// Everything deterministic lives inside the region: header, PRNG, entity slots, columns. Two
// Worlds created with the same options and stepped the same number of ticks hold the same
// bytes, in Node and in the browser, which `hash()` proves.

import { ConfigError } from './errors.js';
import { FX_ONE, fitsQ16, toQ16 } from './fixed.js';
import { MAX_ENTITIES } from './entity-id.js';
import { STORAGE, type Bounds } from './schema.js';
import { HEADER_BYTES, H, MAX_COLUMNS, WORLD_MAGIC, WORLD_SCHEMA, WORLD_VERSION, type WorldField } from './world-layout.js';
import { alignUp, typedView, type Arena, type Region } from '../wasm/arena.js';
import { WasmLinkError } from './errors.js';
import type { CoreKernels } from '../wasm/kernels.js';

export interface NpcOptions {
  /** Fastest walking speed, metres per second. */
  readonly topSpeedMps: number;
  /** Shortest and longest time between wander decisions, seconds. */
  readonly wanderMinS: number;
  readonly wanderMaxS: number;
  /** Share of decisions (0-100) that stand still. */
  readonly idlePercent: number;
}

export interface WorldOptions {
  /** Entity slots; columns are sized for this many. */
  readonly capacity: number;
  readonly seed: number;
  readonly tickHz: number;
  readonly bounds: Bounds;
  readonly npc: NpcOptions;
  /** Arena region name (several worlds may share one arena). */
  readonly name?: string;
}

export const DEFAULT_NPC_OPTIONS: NpcOptions = { topSpeedMps: 2, wanderMinS: 1, wanderMaxS: 5, idlePercent: 20 };

type ColumnView<K extends WorldField> = (typeof WORLD_SCHEMA.fields)[K]['type'] extends 'u32' ? Uint32Array : Int32Array;

function checkOptions(o: WorldOptions): void {
  if (!Number.isInteger(o.capacity) || o.capacity < 1 || o.capacity > MAX_ENTITIES) {
    throw new ConfigError('capacity', `must be an integer in [1, ${MAX_ENTITIES}], got ${o.capacity}`);
  }
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) {
    throw new ConfigError('seed', `must be an integer in [0, 4294967295], got ${o.seed}`);
  }
  if (!Number.isFinite(o.tickHz) || o.tickHz < 1 || o.tickHz > 1000) {
    throw new ConfigError('tickHz', `must be in [1, 1000], got ${o.tickHz}`);
  }
  const b = o.bounds;
  for (const axis of ['X', 'Y', 'Z'] as const) {
    const min = b[`min${axis}`];
    const max = b[`max${axis}`];
    if (!fitsQ16(min) || !fitsQ16(max) || !(min < max)) {
      throw new ConfigError(`bounds.${axis.toLowerCase()}`, `need finite min < max within ±32768 m, got [${min}, ${max}]`);
    }
  }
  const n = o.npc;
  if (!(n.topSpeedMps >= 0) || !fitsQ16(n.topSpeedMps / o.tickHz)) throw new ConfigError('npc.topSpeedMps', `got ${n.topSpeedMps}`);
  if (!(n.wanderMinS > 0) || !(n.wanderMaxS >= n.wanderMinS) || n.wanderMaxS * o.tickHz > 0x7fffffff) {
    throw new ConfigError('npc.wanderMinS', `need 0 < wanderMinS <= wanderMaxS, got ${n.wanderMinS}..${n.wanderMaxS}`);
  }
  if (!Number.isInteger(n.idlePercent) || n.idlePercent < 0 || n.idlePercent > 100) {
    throw new ConfigError('npc.idlePercent', `must be an integer in [0, 100], got ${n.idlePercent}`);
  }
}

/** Throws WasmLinkError if the module's world layout differs from world-layout.ts. */
export function checkWorldLayout(kernels: CoreKernels): void {
  const problems: string[] = [];
  if (kernels.world_layout_header_bytes() !== HEADER_BYTES) problems.push('world header size');
  if (kernels.world_layout_version() !== WORLD_VERSION) problems.push('world layout version');
  if (kernels.world_layout_column_count() !== WORLD_SCHEMA.names.length) problems.push('world column count');
  if (problems.length > 0) throw new WasmLinkError(problems);
}

export class World {
  readonly arena: Arena;
  readonly kernels: CoreKernels;
  readonly region: Region;
  readonly options: WorldOptions;
  readonly capacity: number;
  readonly bounds: Bounds;
  private readonly columnOffsets: number[];
  private header: Uint32Array;
  private headerGeneration: number;

  static create(arena: Arena, options: WorldOptions): World {
    checkOptions(options);
    checkWorldLayout(arena.wasm.exports);
    return new World(arena, options);
  }

  /** Bytes one world of `capacity` slots occupies. */
  static bytesFor(capacity: number): number {
    return HEADER_BYTES + WORLD_SCHEMA.names.length * alignUp(capacity * 4);
  }

  private constructor(arena: Arena, options: WorldOptions) {
    this.arena = arena;
    this.kernels = arena.wasm.exports;
    this.options = options;
    this.capacity = options.capacity;
    this.bounds = options.bounds;
    const columnBytes = alignUp(options.capacity * 4);
    this.columnOffsets = WORLD_SCHEMA.names.map((_, i) => HEADER_BYTES + i * columnBytes);
    this.region = arena.allocate(options.name ?? 'world', World.bytesFor(options.capacity));
    this.header = this.region.view('u32', 0, HEADER_BYTES / 4);
    this.headerGeneration = arena.generation;
    this.writeHeader();
  }

  get ptr(): number {
    return this.region.ptr;
  }

  get byteLength(): number {
    return this.region.byteLength;
  }

  private get h(): Uint32Array {
    const generation = this.arena.generation;
    if (generation !== this.headerGeneration) {
      this.header = this.region.view('u32', 0, HEADER_BYTES / 4);
      this.headerGeneration = generation;
    }
    return this.header;
  }

  private writeHeader(): void {
    const o = this.options;
    const h = this.h;
    const i32 = new Int32Array(h.buffer, h.byteOffset, h.length);
    h[H.magic / 4] = WORLD_MAGIC;
    h[H.version / 4] = WORLD_VERSION;
    h[H.capacity / 4] = o.capacity;
    h[H.columns / 4] = WORLD_SCHEMA.names.length;
    h[H.size / 4] = this.region.byteLength;
    h[H.seed / 4] = o.seed;
    this.kernels.rng_seed(this.ptr + H.rng, o.seed);
    i32[H.minX / 4] = toQ16(o.bounds.minX);
    i32[H.minY / 4] = toQ16(o.bounds.minY);
    i32[H.minZ / 4] = toQ16(o.bounds.minZ);
    i32[H.maxX / 4] = toQ16(o.bounds.maxX);
    i32[H.maxY / 4] = toQ16(o.bounds.maxY);
    i32[H.maxZ / 4] = toQ16(o.bounds.maxZ);
    i32[H.npcSpeed / 4] = toQ16(o.npc.topSpeedMps / o.tickHz);
    h[H.wanderMin / 4] = Math.max(1, Math.round(o.npc.wanderMinS * o.tickHz));
    h[H.wanderMax / 4] = Math.max(1, Math.round(o.npc.wanderMaxS * o.tickHz));
    h[H.idlePercent / 4] = o.npc.idlePercent;
    if (this.columnOffsets.length > MAX_COLUMNS) throw new ConfigError('schema', `at most ${MAX_COLUMNS} columns`);
    this.columnOffsets.forEach((offset, i) => {
      h[H.columnTable / 4 + i] = offset;
    });
  }

  /** Simulation frames completed. */
  get tick(): number {
    return this.h[H.tick / 4]!;
  }

  /** Slots [0, highWater) have been used; kernels iterate up to here. */
  get highWater(): number {
    return this.h[H.highWater / 4]!;
  }

  get aliveCount(): number {
    return this.h[H.alive / 4]!;
  }

  /** Byte address of a column (for kernels). */
  columnPtr(field: WorldField): number {
    return this.ptr + this.columnOffsets[WORLD_SCHEMA.index[field]]!;
  }

  /** A column as a typed view of `capacity` elements (rebuilt if memory grew). */
  column<K extends WorldField>(field: K): ColumnView<K> {
    const type = STORAGE[WORLD_SCHEMA.fields[field].type];
    return typedView(this.arena.memoryBuffer, type, this.columnPtr(field), this.capacity) as ColumnView<K>;
  }

  /** Spawns NPCs from the world's PRNG; returns how many fit. */
  spawnNpcs(count: number): number {
    return this.kernels.npc_spawn(this.ptr, count);
  }

  /** Runs `ticks` simulation steps. */
  step(ticks = 1): void {
    for (let i = 0; i < ticks; i++) this.kernels.npc_step(this.ptr);
  }

  /** xxHash64 of the whole region: equal hashes mean equal simulation state. */
  hash(): bigint {
    // WebAssembly hands i64 results to JS as signed BigInts; the hash is an unsigned 64-bit value.
    return BigInt.asUintN(64, this.kernels.xxh64(this.ptr, this.byteLength, 0n));
  }

  /** Copies the region's bytes into `out` (at least byteLength long). */
  saveInto(out: Uint8Array): void {
    out.set(this.region.bytes());
  }

  /** Restores bytes produced by saveInto of a world with identical options. */
  restoreFrom(bytes: Uint8Array): void {
    if (bytes.byteLength !== this.byteLength) {
      throw new ConfigError('restore', `snapshot is ${bytes.byteLength} bytes, this world is ${this.byteLength}`);
    }
    this.region.bytes().set(bytes);
  }

  /** Position of a slot in metres (for tools and tests; kernels read the columns directly). */
  positionOf(slot: number): [number, number, number] {
    return [this.column('posX')[slot]! / FX_ONE, this.column('posY')[slot]! / FX_ONE, this.column('posZ')[slot]! / FX_ONE];
  }
}
