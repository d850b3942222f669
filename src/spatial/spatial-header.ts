// The index header: the one arena region that TypeScript and the kernels both read, laid out
// as in layout.ts. SpatialIndex fills it once at creation (where the source, the bounds, the
// options and the per-slot columns are; SpatialPools adds where the pools are) and reads the
// kernels' counters back from it; this keeps those reads and writes together.

import type { Bounds } from '../core/schema.js';
import type { Arena, SoaRegion } from '../wasm/arena.js';
import { FLAG_ALIVE_MEMBERSHIP, FLAG_HAS_RADIUS, SH, SPATIAL_HEADER_BYTES } from './layout.js';
import type { ResolvedGridOptions } from './options.js';
import { toQ16 } from './spatial-checks.js';
import type { SpatialCounters, SpatialSource } from './spatial-types.js';

/** The index's own per-slot columns, which the kernels find through the header. */
export const SLOT_FIELDS = { cell: 'u32', loc: 'u32', lx: 'i32', ly: 'i32', lz: 'i32', radius: 'i32', code: 'u8' } as const;

/** The header as u32 words (a fresh view: the memory may have grown since the last). */
export function headerU32(arena: Arena, ptr: number): Uint32Array {
  return new Uint32Array(arena.memoryBuffer, ptr, SPATIAL_HEADER_BYTES / 4);
}

export function headerI32(arena: Arena, ptr: number): Int32Array {
  return new Int32Array(arena.memoryBuffer, ptr, SPATIAL_HEADER_BYTES / 4);
}

/** Writes everything but the pools into a new header, for spatial_init to complete. */
export function writeHeader(
  arena: Arena,
  ptr: number,
  capacity: number,
  source: SpatialSource,
  bounds: Bounds,
  options: ResolvedGridOptions,
  slots: SoaRegion<typeof SLOT_FIELDS>,
): void {
  const h = headerU32(arena, ptr);
  const i32 = headerI32(arena, ptr);
  h[SH.capacity / 4] = capacity;
  h[SH.flags / 4] = (source.radius !== undefined ? FLAG_HAS_RADIUS : 0) | (source.alive !== undefined ? FLAG_ALIVE_MEMBERSHIP : 0);
  h[SH.srcX / 4] = source.posX;
  h[SH.srcY / 4] = source.posY;
  h[SH.srcZ / 4] = source.posZ;
  h[SH.srcR / 4] = source.radius ?? 0;
  h[SH.srcFlags / 4] = source.alive?.flags ?? 0;
  h[SH.srcMask / 4] = source.alive?.mask ?? 0;
  i32[SH.minX / 4] = toQ16(bounds.minX);
  i32[SH.minY / 4] = toQ16(bounds.minY);
  i32[SH.minZ / 4] = toQ16(bounds.minZ);
  i32[SH.maxX / 4] = toQ16(bounds.maxX);
  i32[SH.maxY / 4] = toQ16(bounds.maxY);
  i32[SH.maxZ / 4] = toQ16(bounds.maxZ);
  i32[SH.baseCell / 4] = options.baseCellQ16;
  h[SH.maxDepth / 4] = options.maxSplitDepth;
  h[SH.split / 4] = options.splitThreshold;
  h[SH.merge / 4] = options.mergeThreshold;
  h[SH.hysteresis / 4] = options.hysteresisQ16;
  h[SH.cellOf / 4] = slots.ptrOf('cell');
  h[SH.loc / 4] = slots.ptrOf('loc');
  h[SH.lo / 4] = slots.ptrOf('lx');
  h[SH.loStride / 4] = slots.ptrOf('ly') - slots.ptrOf('lx');
  h[SH.code / 4] = slots.ptrOf('code');
  h[SH.radius / 4] = slots.ptrOf('radius');
}

/** The kernels' cumulative counters (u64 words in the header). */
export function readCounters(arena: Arena, ptr: number): Omit<SpatialCounters, 'queries' | 'growths' | 'compactions'> {
  const v = new BigUint64Array(arena.memoryBuffer, ptr + SH.moves, 6);
  return {
    moves: Number(v[0]),
    cellChanges: Number(v[1]),
    splits: Number(v[2]),
    merges: Number(v[3]),
    inserts: Number(v[4]),
    removes: Number(v[5]),
  };
}
