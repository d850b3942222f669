// Suite `spatial`: the SpatialIndex (chronos) against kdbush, flatbush, rbush (+ rbush-knn) and
// a brute-force scan, on the same points. 100,000 entities in a 10 km x 10 km world with
// heights 0-100 m unless a case says otherwise; the peers are 2D indexes and filter by 3D
// distance (see bench/peers/spatial-common.ts). Memory bytes per entity in `metrics`.
//
// Cases (time per call):
//   build-100k           build the index from 100,000 positions
//   update-100k          every entity moved ~1 m: chronos update(), peers rebuild (rbush reloads)
//   radius-r100          one 100 m radius query at a random point
//   box-200m             one 200 m x 200 m box (all heights)
//   knn-k10, knn-k50     exact 3D k nearest to a random point
//   frustum-100k         one camera (60 deg, 16:9, 1 km far) over 100,000 entities
//   frustum-10k          the same over 10,000 entities
//   batch-radius-10k     10,000 radius-100 m queries at distinct centres in one call (peers:
//                        10,000 calls, in the order chronos runs them: Morton order of cells)
//   hotspot-radius-r100  a 100 m radius query inside a cluster of 5,000 entities in 100 m
// The brute-force scan has no structure to build or update and appears in query cases only.
// chronos runs with a 100 m base cell, the size of the queries (the default is 50 m); the peers
// run with the node size that was fastest for them on this data in a sweep (bench/spatial-sweep.ts;
// the sweep and its result are in each peer's file): kdbush KDBUSH_NODE_SIZE, flatbush
// FLATBUSH_NODE_SIZE, rbush RBUSH_MAX_ENTRIES.
// Every impl answers on the same points (query centres on the Q16 grid, chronos's index updated
// after update-100k as the peers are rebuilt), and one answer per case is cross-checked between
// all impls before timing: a disagreement throws (a bench error, not a test).

import { loadChronos } from '../src/wasm/loader.js';
import { Arena, type SoaRegion } from '../src/wasm/arena.js';
import { SpatialIndex, Frustum, FrustumCuller } from '../src/spatial/index.js';
import type { Bounds } from '../src/core/schema.js';
import { consume, measure, type CaseResult, type Suite, type SuiteContext } from './harness.js';
import type { PeerFrustum, PointSet, SpatialPeer } from './peers/spatial-common.js';
import { KdbushPeer, KDBUSH_NODE_SIZE } from './peers/spatial-kdbush.js';
import { FlatbushPeer, FLATBUSH_NODE_SIZE } from './peers/spatial-flatbush.js';
import { RbushPeer, RBUSH_MAX_ENTRIES } from './peers/spatial-rbush.js';
import { BrutePeer } from './peers/spatial-brute.js';

const SUITE = 'spatial';
export const N = 100_000;
export const WORLD_M = 10_000;
export const HEIGHT_M = 100;
export const BOUNDS: Bounds = { minX: -WORLD_M / 2, minY: -WORLD_M / 2, minZ: 0, maxX: WORLD_M / 2, maxY: WORLD_M / 2, maxZ: HEIGHT_M };
const Q = 65536;
/** Query points cycled through by the single-query cases. */
const QUERY_POINTS = 4096;
const BATCH = 10_000;

const SOURCE_FIELDS = { x: 'i32', y: 'i32', z: 'i32', flags: 'u32' } as const;

export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/** Positions on the Q16 grid, so chronos and the peers index exactly the same points. */
interface World {
  points: PointSet;
  source: SoaRegion<typeof SOURCE_FIELDS>;
}

export function makeWorld(arena: Arena, name: string, count: number, rand: () => number, hotspot: number): World {
  const source = arena.soa(name, count, SOURCE_FIELDS);
  const points: PointSet = { xs: new Float64Array(count), ys: new Float64Array(count), zs: new Float64Array(count), count };
  const sx = source.column('x'), sy = source.column('y'), sz = source.column('z'), flags = source.column('flags');
  for (let i = 0; i < count; i++) {
    const inHot = i < hotspot;
    const x = inHot ? -50 + rand() * 100 : BOUNDS.minX + rand() * WORLD_M;
    const y = inHot ? -50 + rand() * 100 : BOUNDS.minY + rand() * WORLD_M;
    const z = rand() * HEIGHT_M;
    sx[i] = Math.round(x * Q);
    sy[i] = Math.round(y * Q);
    sz[i] = Math.round(z * Q);
    flags[i] = 1;
    points.xs[i] = sx[i]! / Q;
    points.ys[i] = sy[i]! / Q;
    points.zs[i] = sz[i]! / Q;
  }
  return { points, source };
}

/** The base cell matched to the 100 m queries of this suite. */
const BASE_CELL_M = 100;

function indexOver(arena: Arena, world: World, name: string): SpatialIndex {
  const s = world.source;
  return SpatialIndex.forSource(arena, BOUNDS, {
    posX: s.ptrOf('x'), posY: s.ptrOf('y'), posZ: s.ptrOf('z'), capacity: s.capacity, alive: { flags: s.ptrOf('flags'), mask: 1 },
  }, { name, baseCellM: BASE_CELL_M });
}

function peers(): SpatialPeer[] {
  return [new KdbushPeer(KDBUSH_NODE_SIZE, WORLD_M * WORLD_M), new FlatbushPeer(FLATBUSH_NODE_SIZE), new RbushPeer(RBUSH_MAX_ENTRIES), new BrutePeer()];
}

/** A metre value on the Q16 grid, so every impl queries exactly the same point. */
export const onGrid = (m: number): number => Math.round(m * Q) / Q;

type Answer = number | readonly number[] | Uint32Array;

/**
 * Cross-check: every impl gave the same answer to the same question (a count, or ids in order).
 * A disagreement is a bench error (impls answering on different data or different questions).
 */
export function crossCheck(caseName: string, answers: [impl: string, answer: Answer][]): void {
  const show = (a: Answer) => (typeof a === 'number' ? String(a) : `[${Array.from(a).join(',')}]`);
  const [refImpl, ref] = answers[0]!;
  for (const [impl, answer] of answers.slice(1)) {
    if (show(answer) !== show(ref)) throw new Error(`${caseName}: ${impl} answered ${show(answer)}, ${refImpl} ${show(ref)}: impls disagree`);
  }
}

export function cameraAt(x: number, y: number, angle: number): Frustum {
  return Frustum.fromCamera({
    position: [x, y, 50],
    forward: [Math.cos(angle), Math.sin(angle), -0.05],
    fovYRad: Math.PI / 3,
    aspect: 16 / 9,
    nearM: 0.1,
    farM: 1000,
  });
}

export function peerFrustum(f: Frustum): PeerFrustum {
  return { planes: Float64Array.from(f.planes), minX: f.aabb[0]!, minY: f.aabb[1]!, maxX: f.aabb[3]!, maxY: f.aabb[4]! };
}

export const suite: Suite = {
  name: SUITE,
  description: 'spatial index: chronos vs kdbush, flatbush, rbush and brute force (100k entities, 10 km world)',
  async run(ctx: SuiteContext) {
    const results: CaseResult[] = [];
    const arena = new Arena(await loadChronos({ maximumPages: 16384 }));
    const rand = lcg(20240601);
    const world = makeWorld(arena, 'bench-spatial-uniform', N, rand, 0);
    const index = indexOver(arena, world, 'bench-uniform');
    index.update();
    const bytesPerEntity = index.memoryBytes / N;
    const queryX = new Float64Array(QUERY_POINTS), queryY = new Float64Array(QUERY_POINTS), queryZ = new Float64Array(QUERY_POINTS);
    for (let i = 0; i < QUERY_POINTS; i++) {
      queryX[i] = onGrid(BOUNDS.minX + 200 + rand() * (WORLD_M - 400));
      queryY[i] = onGrid(BOUNDS.minY + 200 + rand() * (WORLD_M - 400));
      queryZ[i] = onGrid(rand() * HEIGHT_M);
    }
    const others = peers();
    for (const p of others) p.build(world.points);
    const mem = (p: SpatialPeer) => ({ bytes_per_entity: p.bytesPerEntity(), entities: N });
    const ours = { bytes_per_entity: bytesPerEntity, entities: N, base_cell_m: BASE_CELL_M };

    // ---- build ----
    {
      let built: SpatialIndex | undefined;
      results.push(await measure(ctx, SUITE, 'build-100k', 'chronos', () => {
        built = indexOver(arena, world, 'bench-build');
        built.update();
      }, { metrics: ours, beforeEach: () => built?.dispose() }));
      for (const p of others) {
        if (p.name === 'brute-force') continue;
        results.push(await measure(ctx, SUITE, 'build-100k', p.name, () => p.build(world.points), { metrics: mem(p) }));
      }
      // What was built answers alike (one radius query).
      const probe = index.createResult(8192);
      crossCheck('build-100k', [
        ['chronos', built!.radiusInto(probe, queryX[0]!, queryY[0]!, queryZ[0]!, 100)],
        ...others.map((p): [string, number] => [p.name, p.radius(queryX[0]!, queryY[0]!, queryZ[0]!, 100)]),
      ]);
      built?.dispose();
    }

    // ---- update: every entity moves ~1 m (untimed), then the index follows (timed) ----
    {
      const sx = () => world.source.column('x'), sy = () => world.source.column('y');
      const pts = world.points;
      // Each entity keeps walking its own heading (1 m per step per axis, reflected at the
      // edges), so cells are crossed at a steady rate, as wandering NPCs cross them.
      const dirX = Int32Array.from({ length: N }, () => (rand() < 0.5 ? -Q : Q));
      const dirY = Int32Array.from({ length: N }, () => (rand() < 0.5 ? -Q : Q));
      const move = () => {
        const x = sx(), y = sy();
        for (let i = 0; i < N; i++) {
          let nx = x[i]! + dirX[i]!;
          if (nx < BOUNDS.minX * Q || nx > BOUNDS.maxX * Q) {
            dirX[i] = -dirX[i]!;
            nx = x[i]! + dirX[i]!;
          }
          let ny = y[i]! + dirY[i]!;
          if (ny < BOUNDS.minY * Q || ny > BOUNDS.maxY * Q) {
            dirY[i] = -dirY[i]!;
            ny = y[i]! + dirY[i]!;
          }
          x[i] = nx;
          y[i] = ny;
          pts.xs[i] = nx / Q;
          pts.ys[i] = ny / Q;
        }
      };
      const before = index.counters();
      const row = await measure(ctx, SUITE, 'update-100k', 'chronos', () => index.update(), {
        metrics: ours, beforeEach: move, perOp: { count: N, unit: 'entity' },
      });
      const after = index.counters();
      const ticks = Math.max(1, (after.moves - before.moves) / N);
      row.metrics.cell_changes_per_update = (after.cellChanges - before.cellChanges) / ticks;
      row.metrics.compactions = after.compactions - before.compactions;
      results.push(row);
      for (const p of others) {
        if (p.name === 'brute-force') continue;
        results.push(await measure(ctx, SUITE, 'update-100k', p.name, () => p.update(world.points), {
          metrics: mem(p), beforeEach: move, perOp: { count: N, unit: 'entity' },
        }));
      }
      // The peers' samples moved the points further: every impl now follows the same points
      // (chronos updates, the peers rebuild), and the query cases below run on them.
      index.update();
      for (const p of others) p.build(world.points);
      const probe = index.createResult(8192);
      crossCheck('update-100k', [
        ['chronos', index.radiusInto(probe, queryX[1]!, queryY[1]!, queryZ[1]!, 100)],
        ...others.map((p): [string, number] => [p.name, p.radius(queryX[1]!, queryY[1]!, queryZ[1]!, 100)]),
      ]);
    }

    // ---- single queries ----
    const result = index.createResult(8192);
    let q = 0;
    const next = () => (q = (q + 1) & (QUERY_POINTS - 1));
    const caseQueries: [string, (p: SpatialPeer | null) => () => unknown][] = [
      ['radius-r100', (p) => p
        ? () => consume(p.radius(queryX[next()]!, queryY[q]!, queryZ[q]!, 100))
        : () => consume(index.radiusInto(result, queryX[next()]!, queryY[q]!, queryZ[q]!, 100))],
      ['box-200m', (p) => p
        ? () => consume(p.box(queryX[next()]! - 100, queryY[q]! - 100, 0, queryX[q]! + 100, queryY[q]! + 100, HEIGHT_M))
        : () => consume(index.boxInto(result, queryX[next()]! - 100, queryY[q]! - 100, 0, queryX[q]! + 100, queryY[q]! + 100, HEIGHT_M))],
    ];
    const knnOut = new Uint32Array(64);
    for (const k of [10, 50]) {
      caseQueries.push([`knn-k${k}`, (p) => p
        ? () => consume(p.knn(queryX[next()]!, queryY[q]!, queryZ[q]!, k, knnOut))
        : () => consume(index.knnInto(result, queryX[next()]!, queryY[q]!, queryZ[q]!, k))]);
    }
    // One answer per case, the same question to every impl (query point 2).
    const at = (i: number) => [queryX[i]!, queryY[i]!, queryZ[i]!] as const;
    {
      const [x, y, z] = at(2);
      crossCheck('radius-r100', [['chronos', index.radiusInto(result, x, y, z, 100)], ...others.map((p): [string, number] => [p.name, p.radius(x, y, z, 100)])]);
      crossCheck('box-200m', [
        ['chronos', index.boxInto(result, x - 100, y - 100, 0, x + 100, y + 100, HEIGHT_M)],
        ...others.map((p): [string, number] => [p.name, p.box(x - 100, y - 100, 0, x + 100, y + 100, HEIGHT_M)]),
      ]);
      for (const k of [10, 50]) {
        const n = index.knnInto(result, x, y, z, k);
        crossCheck(`knn-k${k}`, [
          ['chronos', result.ids.slice(0, n)],
          ...others.map((p): [string, Uint32Array] => [p.name, knnOut.slice(0, p.knn(x, y, z, k, knnOut))]),
        ]);
      }
    }
    for (const [name, make] of caseQueries) {
      results.push(await measure(ctx, SUITE, name, 'chronos', make(null), { metrics: ours }));
      for (const p of others) results.push(await measure(ctx, SUITE, name, p.name, make(p), { metrics: mem(p) }));
    }

    // ---- frustum: 100k, then a 10k world ----
    const cameras = Array.from({ length: 64 }, (_, i) => cameraAt(queryX[i]!, queryY[i]!, rand() * Math.PI * 2));
    const peerCameras = cameras.map(peerFrustum);
    let cam = 0;
    {
      // The flat v128 kernel over all 100,000 sources (no index), reported in the metrics.
      const culler = new FrustumCuller(arena);
      const flatOut = index.createResult(N);
      const s = world.source;
      const columns = { x: s.ptrOf('x'), y: s.ptrOf('y'), z: s.ptrOf('z'), count: N };
      crossCheck('frustum-100k', [
        ['chronos', index.frustumInto(result, cameras[5]!)],
        ['chronos-flat-simd', culler.cullInto(flatOut, cameras[5]!, columns)],
        ...others.map((p): [string, number] => [p.name, p.frustum(peerCameras[5]!)]),
      ]);
      const flat = await measure(ctx, SUITE, 'frustum-100k', 'chronos-flat-simd', () => {
        cam = (cam + 1) & 63;
        return consume(culler.cullInto(flatOut, cameras[cam]!, columns));
      });
      results.push(await measure(ctx, SUITE, 'frustum-100k', 'chronos', () => {
        cam = (cam + 1) & 63;
        return consume(index.frustumInto(result, cameras[cam]!));
      }, { metrics: { ...ours, flat_simd_median_ns: flat.median_ns, visible: index.frustumInto(result, cameras[0]!) } }));
      for (const p of others) {
        results.push(await measure(ctx, SUITE, 'frustum-100k', p.name, () => {
          cam = (cam + 1) & 63;
          return consume(p.frustum(peerCameras[cam]!));
        }, { metrics: mem(p) }));
      }
    }
    {
      const small = makeWorld(arena, 'bench-spatial-10k', 10_000, rand, 0);
      const smallIndex = indexOver(arena, small, 'bench-10k');
      smallIndex.update();
      const smallPeers = peers();
      for (const p of smallPeers) p.build(small.points);
      crossCheck('frustum-10k', [
        ['chronos', smallIndex.frustumInto(result, cameras[6]!)],
        ...smallPeers.map((p): [string, number] => [p.name, p.frustum(peerCameras[6]!)]),
      ]);
      results.push(await measure(ctx, SUITE, 'frustum-10k', 'chronos', () => {
        cam = (cam + 1) & 63;
        return consume(smallIndex.frustumInto(result, cameras[cam]!));
      }, { metrics: { bytes_per_entity: smallIndex.memoryBytes / 10_000, entities: 10_000 } }));
      for (const p of smallPeers) {
        results.push(await measure(ctx, SUITE, 'frustum-10k', p.name, () => {
          cam = (cam + 1) & 63;
          return consume(p.frustum(peerCameras[cam]!));
        }, { metrics: { bytes_per_entity: p.bytesPerEntity(), entities: 10_000 } }));
      }
      smallIndex.dispose();
    }

    // ---- batch: 10,000 radius-100 queries at distinct centres ----
    {
      const batchQuery = index.createBatchQuery(BATCH);
      const seen = new Set<string>();
      for (let j = 0; j < BATCH; j++) {
        let x: number, y: number, z: number;
        do {
          x = onGrid(BOUNDS.minX + 200 + rand() * (WORLD_M - 400));
          y = onGrid(BOUNDS.minY + 200 + rand() * (WORLD_M - 400));
          z = onGrid(rand() * HEIGHT_M);
        } while (seen.has(`${x},${y},${z}`));
        seen.add(`${x},${y},${z}`);
        batchQuery.setCenter(j, x, y, z, 100);
      }
      const batchOut = index.createBatchResult({ queries: BATCH, ids: 1 << 20 });
      const perQuery = { count: BATCH, unit: 'query' };
      index.radiusBatch(batchQuery, BATCH, batchOut);
      const idsPerBatch = batchOut.total;
      // The order chronos ran the queries in (Morton order of their cells, the kernel's scratch
      // column): the peers run theirs in the same order, with the same cache locality.
      const order = new Uint32Array(arena.memoryBuffer, batchQuery.ptrOf('order'), BATCH).slice();
      const bx = batchQuery.x, by = batchQuery.y, bz = batchQuery.z;
      const cx = Float64Array.from(order, (j) => bx[j]! / Q);
      const cy = Float64Array.from(order, (j) => by[j]! / Q);
      const cz = Float64Array.from(order, (j) => bz[j]! / Q);
      const peerBatch = (p: SpatialPeer) => () => {
        let total = 0;
        for (let j = 0; j < BATCH; j++) total += p.radius(cx[j]!, cy[j]!, cz[j]!, 100);
        consume(total);
        return total;
      };
      // Cross-check: the ids found over the whole batch, and the first query's count.
      const first = order[0]!;
      const peerFirst = (p: SpatialPeer) => p.radius(cx[0]!, cy[0]!, cz[0]!, 100);
      crossCheck('batch-radius-10k', [
        ['chronos', [idsPerBatch, batchOut.counts[first]!]],
        ...others.filter((p) => p.name !== 'brute-force').map((p): [string, number[]] => [p.name, [peerBatch(p)(), peerFirst(p)]]),
      ]);
      results.push(await measure(ctx, SUITE, 'batch-radius-10k', 'chronos', () => index.radiusBatch(batchQuery, BATCH, batchOut), {
        metrics: { ...ours, ids_per_batch: idsPerBatch, distinct_centres: seen.size }, perOp: perQuery,
      }));
      for (const p of others) {
        // 10,000 brute-force scans of 100,000 entities take seconds per sample: left out.
        if (p.name === 'brute-force') continue;
        const run = peerBatch(p);
        results.push(await measure(ctx, SUITE, 'batch-radius-10k', p.name, () => { run(); }, { metrics: mem(p), perOp: perQuery }));
      }
    }

    // ---- hotspot: 5,000 entities in 100 m, queries inside it ----
    {
      const hot = makeWorld(arena, 'bench-spatial-hotspot', N, rand, 5_000);
      const hotIndex = indexOver(arena, hot, 'bench-hotspot');
      hotIndex.update();
      const hotPeers = peers();
      for (const p of hotPeers) p.build(hot.points);
      const hx = Float64Array.from({ length: 256 }, () => onGrid(-50 + rand() * 100));
      const hy = Float64Array.from({ length: 256 }, () => onGrid(-50 + rand() * 100));
      const hz = Float64Array.from({ length: 256 }, () => onGrid(rand() * HEIGHT_M));
      crossCheck('hotspot-radius-r100', [
        ['chronos', hotIndex.radiusInto(result, hx[3]!, hy[3]!, hz[3]!, 100)],
        ...hotPeers.map((p): [string, number] => [p.name, p.radius(hx[3]!, hy[3]!, hz[3]!, 100)]),
      ]);
      let h = 0;
      const stats = hotIndex.stats();
      results.push(await measure(ctx, SUITE, 'hotspot-radius-r100', 'chronos', () => {
        h = (h + 1) & 255;
        return consume(hotIndex.radiusInto(result, hx[h]!, hy[h]!, hz[h]!, 100));
      }, { metrics: { bytes_per_entity: hotIndex.memoryBytes / N, entities: N, split_cells: stats.splitCells, max_depth: stats.maxDepthInUse } }));
      for (const p of hotPeers) {
        results.push(await measure(ctx, SUITE, 'hotspot-radius-r100', p.name, () => {
          h = (h + 1) & 255;
          return consume(p.radius(hx[h]!, hy[h]!, hz[h]!, 100));
        }, { metrics: { bytes_per_entity: p.bytesPerEntity(), entities: N } }));
      }
      hotIndex.dispose();
    }
    return results;
  },
};
