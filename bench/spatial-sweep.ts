// Node-size sweep for the spatial suite's peers (run once; its result is written in each peer's
// file and used by bench/spatial.ts): `npx tsx bench/spatial-sweep.ts [--time=MS] [--rounds=N]`.
// On the suite's own data (100,000 points in a 10 km world, the same seed, query centres and
// cameras; the 10k and hotspot worlds too) it times every case the suite has for kdbush,
// flatbush and rbush at each node size, then scores each size by the geometric mean over the
// cases of (its time / the peer's fastest time in that case): 1.00 is best in every case.
// Sizes are measured in ROUNDS interleaved rounds and each (size, case) keeps its fastest
// median, so a burst of load from another process on a shared machine does not pick the size.
// The batch case uses the first 1,000 of its centres (the same per-query work, 10x shorter).

import { loadChronos } from '../src/wasm/loader.js';
import { Arena } from '../src/wasm/arena.js';
import { measure, type SuiteContext } from './harness.js';
import type { SpatialPeer } from './peers/spatial-common.js';
import { KdbushPeer } from './peers/spatial-kdbush.js';
import { FlatbushPeer } from './peers/spatial-flatbush.js';
import { RbushPeer } from './peers/spatial-rbush.js';
import { BOUNDS, cameraAt, HEIGHT_M, lcg, makeWorld, N, onGrid, peerFrustum, WORLD_M } from './spatial.js';

const timeMs = Number(process.argv.find((a) => a.startsWith('--time='))?.slice(7) ?? 150);
const ROUNDS = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 3);
const ctx: SuiteContext = { timeMs, log: () => undefined };
const SIZES: Record<string, number[]> = {
  kdbush: [4, 8, 16, 32, 64, 128, 256],
  flatbush: [4, 8, 16, 32, 64, 128],
  rbush: [4, 6, 9, 12, 16, 24, 32, 64],
};
const make = (name: string, size: number): SpatialPeer =>
  name === 'kdbush' ? new KdbushPeer(size, WORLD_M * WORLD_M) : name === 'flatbush' ? new FlatbushPeer(size) : new RbushPeer(size);

const arena = new Arena(await loadChronos({ maximumPages: 16384 }));
// The same sequence of random draws as the suite: world, query points, cameras, 10k world,
// batch centres, hotspot world.
const rand = lcg(20240601);
const world = makeWorld(arena, 'sweep-uniform', N, rand, 0);
const QP = 4096;
const qx = new Float64Array(QP), qy = new Float64Array(QP), qz = new Float64Array(QP);
for (let i = 0; i < QP; i++) {
  qx[i] = onGrid(BOUNDS.minX + 200 + rand() * (WORLD_M - 400));
  qy[i] = onGrid(BOUNDS.minY + 200 + rand() * (WORLD_M - 400));
  qz[i] = onGrid(rand() * HEIGHT_M);
}
for (let i = 0; i < 2 * N; i++) rand(); // update-100k's headings
const cams = Array.from({ length: 64 }, (_, i) => peerFrustum(cameraAt(qx[i]!, qy[i]!, rand() * Math.PI * 2)));
const small = makeWorld(arena, 'sweep-10k', 10_000, rand, 0);
const BATCH = 1000;
const bx = new Float64Array(BATCH), by = new Float64Array(BATCH), bz = new Float64Array(BATCH);
for (let j = 0; j < 10_000; j++) {
  const x = onGrid(BOUNDS.minX + 200 + rand() * (WORLD_M - 400));
  const y = onGrid(BOUNDS.minY + 200 + rand() * (WORLD_M - 400));
  const z = onGrid(rand() * HEIGHT_M);
  if (j < BATCH) [bx[j], by[j], bz[j]] = [x, y, z];
}
const hot = makeWorld(arena, 'sweep-hotspot', N, rand, 5_000);
const hx = Float64Array.from({ length: 256 }, () => onGrid(-50 + rand() * 100));
const hy = Float64Array.from({ length: 256 }, () => onGrid(-50 + rand() * 100));
const hz = Float64Array.from({ length: 256 }, () => onGrid(rand() * HEIGHT_M));

// build-100k, update-100k, radius-r100, box-200m, knn-k10, knn-k50, frustum-100k, frustum-10k,
// batch-radius (1,000 of its centres), hotspot-radius-r100:
const CASES = ['build', 'update', 'radius', 'box', 'knn10', 'knn50', 'fr-100k', 'fr-10k', 'batch1k', 'hotspot'];
const out = new Uint32Array(64);

async function sweepOne(name: string, size: number): Promise<number[]> {
  const p = make(name, size);
  const row: number[] = [];
  let q = 0;
  const next = () => (q = (q + 1) & (QP - 1));
  row.push((await measure(ctx, 'sweep', 'build-100k', name, () => p.build(world.points))).median_ns);
  row.push((await measure(ctx, 'sweep', 'update-100k', name, () => p.update(world.points))).median_ns);
  row.push((await measure(ctx, 'sweep', 'radius-r100', name, () => p.radius(qx[next()]!, qy[q]!, qz[q]!, 100))).median_ns);
  row.push((await measure(ctx, 'sweep', 'box-200m', name, () => p.box(qx[next()]! - 100, qy[q]! - 100, 0, qx[q]! + 100, qy[q]! + 100, HEIGHT_M))).median_ns);
  row.push((await measure(ctx, 'sweep', 'knn-k10', name, () => p.knn(qx[next()]!, qy[q]!, qz[q]!, 10, out))).median_ns);
  row.push((await measure(ctx, 'sweep', 'knn-k50', name, () => p.knn(qx[next()]!, qy[q]!, qz[q]!, 50, out))).median_ns);
  row.push((await measure(ctx, 'sweep', 'frustum-100k', name, () => p.frustum(cams[next() & 63]!))).median_ns);
  const ps = make(name, size);
  ps.build(small.points);
  row.push((await measure(ctx, 'sweep', 'frustum-10k', name, () => ps.frustum(cams[next() & 63]!))).median_ns);
  row.push((await measure(ctx, 'sweep', 'batch-radius-1k', name, () => {
    let t = 0;
    for (let j = 0; j < BATCH; j++) t += p.radius(bx[j]!, by[j]!, bz[j]!, 100);
    return t;
  })).median_ns);
  const ph = make(name, size);
  ph.build(hot.points);
  row.push((await measure(ctx, 'sweep', 'hotspot-radius-r100', name, () => ph.radius(hx[next() & 255]!, hy[q & 255]!, hz[q & 255]!, 100))).median_ns);
  return row;
}

for (const name of Object.keys(SIZES)) {
  const times: number[][] = SIZES[name]!.map(() => CASES.map(() => Infinity));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [si, size] of SIZES[name]!.entries()) {
      const row = await sweepOne(name, size);
      row.forEach((t, c) => (times[si]![c] = Math.min(times[si]![c]!, t)));
      process.stderr.write(`${name} ${size} round ${round + 1} done\n`);
    }
  }
  const best = CASES.map((_, c) => Math.min(...times.map((r) => r[c]!)));
  const lines = [`${name}: time / fastest size, per case`, `size ${CASES.map((c) => c.padStart(8)).join('')}  geomean`];
  const scores = times.map((r) => Math.exp(r.reduce((a, t, c) => a + Math.log(t / best[c]!), 0) / CASES.length));
  SIZES[name]!.forEach((size, i) => {
    lines.push(`${String(size).padStart(4)} ${times[i]!.map((t, c) => (t / best[c]!).toFixed(2).padStart(8)).join('')}  ${scores[i]!.toFixed(3).padStart(7)}`);
  });
  const winner = SIZES[name]![scores.indexOf(Math.min(...scores))]!;
  lines.push(`best ${name}: ${winner}`, `fastest per case (us): ${best.map((b) => (b / 1000).toFixed(2)).join(' ')}`, '');
  process.stdout.write(lines.join('\n') + '\n');
}
