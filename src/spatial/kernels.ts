// Typed bindings of the spatial kernels in chronos.wasm (assembly/spatial). Pointers are byte
// offsets into the shared memory; coordinates passed as f64 are Q16 units (metres * 65536),
// unrounded.

import type { ChronosWasm } from '../wasm/loader.js';
import { bindKernels } from '../wasm/kernels.js';

type Ptr = number;

export interface SpatialKernels {
  spatial_init(idx: Ptr): void;
  spatial_layout_header_bytes(): number;
  spatial_layout_version(): number;
  spatial_max_levels(): number;
  spatial_stats_words(): number;
  /** First member slot (every slot with `all`) out of the world or with a negative radius, or -1. */
  spatial_validate(idx: Ptr, count: number, all: number): number;
  /** -1 when done, else the slot to resume from after growing the pools. */
  spatial_update(idx: Ptr, count: number, start: number): number;
  /** 0 done, 1 grow first, 2 already indexed. */
  spatial_insert(idx: Ptr, slot: number): number;
  /** 0 done, 1 grow first, 2 not indexed. */
  spatial_remove(idx: Ptr, slot: number): number;
  /** 0 done, 1 grow first, 2 not indexed. */
  spatial_refresh(idx: Ptr, slot: number): number;
  spatial_rehash(idx: Ptr, table: Ptr, bits: number): void;
  /** Bulk build pass 1: -1, or the slot to resume from after growth. */
  spatial_build_count(idx: Ptr, count: number, start: number, all: number): number;
  /** Bulk build passes 2 and 3 (entry array sized from spatial_compact_size). */
  spatial_build_place(idx: Ptr, count: number): void;
  /** 0 done, 1 grow first and call again. */
  spatial_split_overfull(idx: Ptr): number;
  /** Entries a compaction needs. */
  spatial_compact_size(idx: Ptr): number;
  /** Rewrites every leaf block into the entry array at `to` (room for `capacity`), in brick order. */
  spatial_compact(idx: Ptr, to: Ptr, capacity: number): void;
  spatial_radius(idx: Ptr, cx: number, cy: number, cz: number, r: number, out: Ptr, cap: number): number;
  /** Query indices in Morton order of their base-level cell (scratch: keys, tmpOrder, tmpKeys). */
  spatial_batch_order(idx: Ptr, qx: Ptr, qy: Ptr, qidx: Ptr, count: number, order: Ptr, keys: Ptr, tmpOrder: Ptr, tmpKeys: Ptr): void;
  spatial_radius_batch(
    idx: Ptr, qx: Ptr, qy: Ptr, qz: Ptr, qidx: Ptr, qr: Ptr, rConst: number, order: Ptr, first: number, count: number,
    outIds: Ptr, outCap: number, written: number, offsets: Ptr, counts: Ptr, flags: number,
  ): number;
  spatial_box(idx: Ptr, x0: number, y0: number, z0: number, x1: number, y1: number, z1: number, out: Ptr, cap: number): number;
  spatial_knn(idx: Ptr, px: number, py: number, pz: number, k: number, outIds: Ptr, outKeys: Ptr): number;
  spatial_ray(
    idx: Ptr, ox: number, oy: number, oz: number, ux: number, uy: number, uz: number, len: number, thick: number,
    mode: number, outIds: Ptr, outT: Ptr, cap: number,
  ): number;
  frustum_cull(planes: Ptr, x: Ptr, y: Ptr, z: Ptr, r: Ptr, flags: Ptr, mask: number, count: number, out: Ptr): number;
  frustum_cull_multi(planes: Ptr, cameras: number, x: Ptr, y: Ptr, z: Ptr, r: Ptr, flags: Ptr, mask: number, count: number, outMasks: Ptr): void;
  spatial_frustum(idx: Ptr, frustum: Ptr, out: Ptr, cap: number): number;
  spatial_frustum_batch(
    idx: Ptr, frustums: Ptr, first: number, count: number, outIds: Ptr, outCap: number, written: number, offsets: Ptr, counts: Ptr,
  ): number;
  spatial_stats(idx: Ptr, out: Ptr): void;
  spatial_cells(idx: Ptr, out: Ptr, cap: number): number;
  /** 0, or the code of the first broken invariant (slot or record in the header's status slot). */
  spatial_check(idx: Ptr, checkCopies: number): number;
}

export const SPATIAL_KERNEL_NAMES: readonly (keyof SpatialKernels)[] = [
  'spatial_init', 'spatial_layout_header_bytes', 'spatial_layout_version', 'spatial_max_levels',
  'spatial_stats_words', 'spatial_validate', 'spatial_update', 'spatial_insert', 'spatial_remove',
  'spatial_refresh', 'spatial_rehash', 'spatial_compact_size', 'spatial_compact',
  'spatial_build_count', 'spatial_build_place', 'spatial_split_overfull', 'spatial_radius', 'spatial_batch_order', 'spatial_radius_batch', 'spatial_box',
  'spatial_knn', 'spatial_ray', 'frustum_cull', 'frustum_cull_multi', 'spatial_frustum',
  'spatial_frustum_batch', 'spatial_stats', 'spatial_cells', 'spatial_check',
];

const bound = new WeakMap<ChronosWasm, SpatialKernels>();

/** The spatial kernels of a loaded module (checked once per module instance). */
export function spatialKernels(wasm: ChronosWasm): SpatialKernels {
  let kernels = bound.get(wasm);
  if (!kernels) {
    kernels = bindKernels<SpatialKernels>(wasm, SPATIAL_KERNEL_NAMES);
    bound.set(wasm, kernels);
  }
  return kernels;
}
