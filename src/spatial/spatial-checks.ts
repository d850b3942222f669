// Argument checks for SpatialIndex: every call validates its input with these before anything
// changes, so a rejected call throws a typed error and leaves the index exactly as it was. They
// take what they read (bounds, capacity, the source) as arguments, which keeps them plain
// functions that the index, its membership calls and its queries share.

import { InvalidArgumentError, InvalidValueError, OutOfWorldError, UnknownEntityError, WasmLinkError } from '../core/errors.js';
import { FX_ONE, fitsQ16 } from '../core/fixed.js';
import type { Bounds } from '../core/schema.js';
import type { Arena } from '../wasm/arena.js';
import type { BatchQuery } from './batch-query.js';
import type { SpatialKernels } from './kernels.js';
import { MAX_LEVELS, SPATIAL_HEADER_BYTES, SPATIAL_VERSION, STATS_WORDS } from './layout.js';
import type { SpatialSource } from './spatial-types.js';

export const INV_Q16 = 1 / FX_ONE;
/** Longest radius, ray or thickness accepted, metres: far beyond any 64 km world. */
const MAX_LENGTH_M = 1e9;
const Q16_MIN = -0x80000000;
const Q16_MAX = 0x7fffffff;

export function toQ16(m: number): number {
  return Math.min(Q16_MAX, Math.max(Q16_MIN, Math.round(m * FX_ONE)));
}

/** Throws WasmLinkError if the module's spatial layout differs from layout.ts. */
export function checkSpatialLayout(kernels: SpatialKernels): void {
  const problems: string[] = [];
  if (kernels.spatial_layout_header_bytes() !== SPATIAL_HEADER_BYTES) problems.push('spatial header size');
  if (kernels.spatial_layout_version() !== SPATIAL_VERSION) problems.push('spatial layout version');
  if (kernels.spatial_max_levels() !== MAX_LEVELS) problems.push('spatial level count');
  if (kernels.spatial_stats_words() !== STATS_WORDS) problems.push('spatial stats words');
  if (problems.length > 0) throw new WasmLinkError(problems);
}

/** A source given to forSource: a capacity in range, and columns that lie in the memory. */
export function checkSource(source: SpatialSource, memoryBytes: number): void {
  if (!Number.isInteger(source.capacity) || source.capacity < 1 || source.capacity > 1 << 24) {
    throw new InvalidArgumentError(`source capacity must be an integer in [1, ${1 << 24}], got ${source.capacity}`);
  }
  for (const [name, ptr] of [['posX', source.posX], ['posY', source.posY], ['posZ', source.posZ], ['radius', source.radius ?? 4], ['flags', source.alive?.flags ?? 4]] as const) {
    if (!Number.isInteger(ptr) || ptr <= 0 || ptr % 4 !== 0 || ptr + source.capacity * 4 > memoryBytes) {
      throw new InvalidArgumentError(`source ${name} pointer ${ptr} does not hold ${source.capacity} aligned 32-bit values in memory`);
    }
  }
}

export function checkSlot(slot: number, capacity: number): void {
  if (!Number.isInteger(slot) || slot < 0 || slot >= capacity) {
    throw new UnknownEntityError(slot, `no slot ${slot} in a spatial index of capacity ${capacity}`);
  }
}

/** Validates metres and returns Q16 values [x, y, z, radius]. */
export function checkPosition(bounds: Bounds, xM: number, yM: number, zM: number, radiusM: number): [number, number, number, number] {
  checkPoint(bounds, 'position', xM, yM, zM);
  checkLength('radiusM', radiusM);
  if (!fitsQ16(radiusM)) throw new InvalidValueError('radiusM', radiusM, 'must fit Q16.16 (below 32768 m)');
  return [toQ16(xM), toQ16(yM), toQ16(zM), toQ16(radiusM)];
}

/** Points (centres, origins) must lie in the world; hot path: comparisons only. */
export function checkPoint(bounds: Bounds, what: string, xM: number, yM: number, zM: number): void {
  const b = bounds;
  if (xM >= b.minX && xM <= b.maxX && yM >= b.minY && yM <= b.maxY && zM >= b.minZ && zM <= b.maxZ) return;
  throwPoint(bounds, what, xM, yM, zM);
}

function throwPoint(bounds: Bounds, what: string, xM: number, yM: number, zM: number): never {
  const b = bounds;
  const axes = [['x', xM, b.minX, b.maxX], ['y', yM, b.minY, b.maxY], ['z', zM, b.minZ, b.maxZ]] as const;
  for (const [axis, v, min, max] of axes) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidValueError(`${what}.${axis}`, v, 'must be a finite number of metres');
    if (v < min || v > max) throw new OutOfWorldError(`${what}.${axis}`, v, min, max);
  }
  throw new InvalidValueError(what, `${xM},${yM},${zM}`, 'is not a point in the world');
}

/** A slot's position in the source must lie in the world, and its radius must not be negative. */
export function checkSourceSlot(arena: Arena, source: SpatialSource, bounds: Bounds, slot: number): void {
  const off = slot * 4;
  const buf = arena.memoryBuffer;
  const read = (ptr: number) => new Int32Array(buf, ptr + off, 1)[0]!;
  const q = [read(source.posX), read(source.posY), read(source.posZ)];
  const lo = [toQ16(bounds.minX), toQ16(bounds.minY), toQ16(bounds.minZ)];
  const hi = [toQ16(bounds.maxX), toQ16(bounds.maxY), toQ16(bounds.maxZ)];
  const names = ['x', 'y', 'z'];
  for (let i = 0; i < 3; i++) {
    if (q[i]! < lo[i]! || q[i]! > hi[i]!) {
      throw new OutOfWorldError(`slot ${slot} ${names[i]}`, q[i]! * INV_Q16, lo[i]! * INV_Q16, hi[i]! * INV_Q16);
    }
  }
  if (source.radius !== undefined && read(source.radius) < 0) {
    throw new InvalidValueError(`slot ${slot} radius`, read(source.radius) * INV_Q16, 'must not be negative');
  }
}

/** For a slot the validation kernel rejected: throws the typed error that names why. */
export function throwBadSource(arena: Arena, source: SpatialSource, bounds: Bounds, slot: number): never {
  checkSourceSlot(arena, source, bounds, slot);
  throw new InvalidValueError(`slot ${slot}`, 'position', 'was rejected by validation');
}

/** The first `count` queries of a batch: centres (or the slots they centre on) and radii. */
export function checkBatch(
  arena: Arena,
  source: SpatialSource,
  bounds: Bounds,
  capacity: number,
  query: BatchQuery,
  count: number,
  useSlots: boolean,
  perQueryRadius: boolean,
): void {
  const r = query.radius;
  if (useSlots) {
    const slots = query.slot;
    for (let j = 0; j < count; j++) {
      const slot = slots[j]!;
      if (slot >= capacity) throw new UnknownEntityError(slot, `query ${j} centres on a slot outside capacity ${capacity}`);
      checkSourceSlot(arena, source, bounds, slot);
    }
  } else {
    const [x, y, z] = [query.x, query.y, query.z];
    const lo = [toQ16(bounds.minX), toQ16(bounds.minY), toQ16(bounds.minZ)];
    const hi = [toQ16(bounds.maxX), toQ16(bounds.maxY), toQ16(bounds.maxZ)];
    for (let j = 0; j < count; j++) {
      const p = [x[j]!, y[j]!, z[j]!];
      for (let a = 0; a < 3; a++) {
        if (p[a]! < lo[a]! || p[a]! > hi[a]!) {
          throw new OutOfWorldError(`query ${j} ${'xyz'[a]}`, p[a]! * INV_Q16, lo[a]! * INV_Q16, hi[a]! * INV_Q16);
        }
      }
    }
  }
  if (perQueryRadius) {
    for (let j = 0; j < count; j++) {
      if (r[j]! < 0) throw new InvalidValueError(`query ${j} radius`, r[j]! * INV_Q16, 'must not be negative');
    }
  }
}

export function throwBox(minX: number, minY: number, minZ: number, maxX: number, maxY: number, maxZ: number): never {
  const v = [minX, minY, minZ, maxX, maxY, maxZ];
  v.forEach((value, i) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InvalidValueError(`box ${['minX', 'minY', 'minZ', 'maxX', 'maxY', 'maxZ'][i]}`, value, 'must be a finite number of metres');
    }
  });
  throw new InvalidValueError('box', `[${minX}, ${minY}, ${minZ}] .. [${maxX}, ${maxY}, ${maxZ}]`, 'needs min <= max on every axis');
}

/** A length (radius, ray length, thickness): finite, >= 0, and below MAX_LENGTH_M. */
export function checkLength(name: string, value: number): void {
  if (value >= 0 && value <= MAX_LENGTH_M) return;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidValueError(name, value, 'must be a finite number of metres');
  if (value < 0) throw new InvalidValueError(name, value, 'must not be negative');
  throw new InvalidValueError(name, value, `is beyond any world (${MAX_LENGTH_M} m)`);
}
