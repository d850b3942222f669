// Brute-force oracles for the spatial queries: every entity tested with the same f64 arithmetic,
// in the same order, as the definitions in assembly/spatial/{query,knn,ray}.ts. A query is
// exact when it returns exactly the set (or sequence) these return.

export interface Points {
  /** Q16 coordinates and radii by slot. */
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  z: ArrayLike<number>;
  r?: ArrayLike<number>;
  /** Slots that are indexed. */
  members: readonly number[];
}

const Q = 65536;

/** Slots whose sphere touches the sphere (cx, cy, cz, r) metres, sorted. */
export function bruteRadius(p: Points, cxM: number, cyM: number, czM: number, rM: number, skip = -1): number[] {
  const [cx, cy, cz, r] = [cxM * Q, cyM * Q, czM * Q, rM * Q];
  const out: number[] = [];
  for (const i of p.members) {
    if (i === skip) continue;
    const dx = p.x[i]! - cx;
    const dy = p.y[i]! - cy;
    const dz = p.z[i]! - cz;
    const d2 = dx * dx + dy * dy + dz * dz;
    const t = r + (p.r ? p.r[i]! : 0);
    if (d2 <= t * t) out.push(i);
  }
  return out.sort((a, b) => a - b);
}

/** Slots whose sphere touches the box [min, max] metres, sorted. */
export function bruteBox(p: Points, minM: readonly number[], maxM: readonly number[]): number[] {
  const lo = minM.map((v) => v * Q);
  const hi = maxM.map((v) => v * Q);
  const out: number[] = [];
  for (const i of p.members) {
    const c = [p.x[i]!, p.y[i]!, p.z[i]!];
    const d = c.map((v, a) => (v < lo[a]! ? lo[a]! - v : v > hi[a]! ? v - hi[a]! : 0));
    const d2 = d[0]! * d[0]! + d[1]! * d[1]! + d[2]! * d[2]!;
    const ri = p.r ? p.r[i]! : 0;
    if (d2 <= ri * ri) out.push(i);
  }
  return out.sort((a, b) => a - b);
}

/** The k nearest by max(0, distance - radius), ties by slot: [slots, distances in metres]. */
export function bruteKnn(p: Points, xM: number, yM: number, zM: number, k: number): [number[], number[]] {
  const [px, py, pz] = [xM * Q, yM * Q, zM * Q];
  const all: [number, number][] = [];
  for (const i of p.members) {
    const dx = p.x[i]! - px;
    const dy = p.y[i]! - py;
    const dz = p.z[i]! - pz;
    let key = Math.sqrt(dx * dx + dy * dy + dz * dz);
    if (p.r) {
      key = key - p.r[i]!;
      if (key < 0) key = 0;
    }
    all.push([key, i]);
  }
  all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const best = all.slice(0, k);
  return [best.map((e) => e[1]), best.map((e) => e[0] / Q)];
}

/** Every entity the segment enters, by (t, slot): [slots, t in metres]. */
export function bruteRay(
  p: Points, o: readonly number[], dir: readonly number[], maxM: number, thicknessM = 0,
): [number[], number[]] {
  const len = Math.hypot(dir[0]!, dir[1]!, dir[2]!);
  const u = [dir[0]! / len, dir[1]! / len, dir[2]! / len];
  const [ox, oy, oz] = [o[0]! * Q, o[1]! * Q, o[2]! * Q];
  const L = maxM * Q;
  const thick = thicknessM * Q;
  const hits: [number, number][] = [];
  for (const i of p.members) {
    const wx = p.x[i]! - ox;
    const wy = p.y[i]! - oy;
    const wz = p.z[i]! - oz;
    const b = wx * u[0]! + wy * u[1]! + wz * u[2]!;
    const ww = wx * wx + wy * wy + wz * wz;
    const R = (p.r ? p.r[i]! : 0) + thick;
    const c = ww - R * R;
    let t: number;
    if (c <= 0) t = 0;
    else {
      if (b < 0) continue;
      const disc = b * b - c;
      if (disc < 0) continue;
      t = b - Math.sqrt(disc);
      if (t > L) continue;
    }
    hits.push([t, i]);
  }
  hits.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return [hits.map((h) => h[1]), hits.map((h) => h[0] / Q)];
}

export function sorted(view: ArrayLike<number>, count: number): number[] {
  return Array.from({ length: count }, (_, i) => view[i]!).sort((a, b) => a - b);
}
