// Fixtures for the interest management tests: a replication source the test places entities in
// directly (Q16 columns in the arena), its spatial index, a pipeline, client views that apply
// every snapshot, and reference functions that repeat the kernels' definitions in TypeScript
// (shape containment with hysteresis, quantisation) for brute-force oracles.

import { FX_ONE } from '../../src/core/fixed.js';
import type { Bounds } from '../../src/core/schema.js';
import { SpatialIndex } from '../../src/spatial/index.js';
import { InterestPipeline, type InterestOptions, type ReplicationSource, type ShapeSpec, type SimpleShape } from '../../src/interest/index.js';
import { SnapshotView } from '../../src/codec/snapshot-view.js';
import type { Arena, SoaRegion } from '../../src/wasm/arena.js';
import { freshArena } from '../helpers/wasm.js';

export const Q = FX_ONE;
export const ALIVE = 1;
export const BOUNDS_2KM: Bounds = { minX: -1000, minY: -1000, minZ: 0, maxX: 1000, maxY: 1000, maxZ: 50 };

const FIELDS = {
  x: 'i32', y: 'i32', z: 'i32', vx: 'i32', vy: 'i32', vz: 'i32', yaw: 'i32', hp: 'i32', state: 'u32', flags: 'u32', gen: 'u32',
  qx: 'i32', qy: 'i32', qz: 'i32', qw: 'i32',
} as const;

export interface EntityInit {
  x: number;
  y: number;
  z?: number;
  /** Velocity, metres per tick. */
  vx?: number;
  vy?: number;
  vz?: number;
  yaw?: number;
  hp?: number;
  state?: number;
}

export interface FixtureOptions {
  capacity?: number;
  bounds?: Bounds;
  interest?: InterestOptions;
  /** Replicate a quaternion instead of a yaw. */
  quaternion?: boolean;
  velocity?: boolean;
}

export class Fixture {
  readonly arena: Arena;
  readonly cols: SoaRegion<typeof FIELDS>;
  readonly source: ReplicationSource;
  readonly index: SpatialIndex;
  pipeline!: InterestPipeline;
  readonly views = new Map<number, SnapshotView>();
  private nextMessage = 0;

  static async create(o: FixtureOptions = {}): Promise<Fixture> {
    const arena = await freshArena({ maximumPages: 8192 });
    const f = new Fixture(arena, o);
    f.pipeline = await InterestPipeline.create(arena, f.source, f.index, { maxClients: 16, ...o.interest });
    return f;
  }

  private constructor(arena: Arena, o: FixtureOptions) {
    this.arena = arena;
    const capacity = o.capacity ?? 1024;
    const bounds = o.bounds ?? BOUNDS_2KM;
    this.cols = arena.soa(`fixture-${Math.random()}`, capacity, FIELDS);
    const c = this.cols;
    const velocity = o.velocity ?? true;
    this.source = {
      capacity,
      count: () => capacity,
      bounds,
      flags: c.ptrOf('flags'),
      aliveMask: ALIVE,
      generation: c.ptrOf('gen'),
      posX: c.ptrOf('x'),
      posY: c.ptrOf('y'),
      posZ: c.ptrOf('z'),
      ...(velocity ? { velX: c.ptrOf('vx'), velY: c.ptrOf('vy'), velZ: c.ptrOf('vz') } : {}),
      ...(o.quaternion ? { quat: { x: c.ptrOf('qx'), y: c.ptrOf('qy'), z: c.ptrOf('qz'), w: c.ptrOf('qw') } } : { yaw: c.ptrOf('yaw') }),
      hp: c.ptrOf('hp'),
      state: c.ptrOf('state'),
    };
    this.index = SpatialIndex.forSource(arena, bounds, {
      posX: c.ptrOf('x'), posY: c.ptrOf('y'), posZ: c.ptrOf('z'), capacity, alive: { flags: c.ptrOf('flags'), mask: ALIVE },
    }, { name: `fixture-index-${Math.random()}` });
  }

  /** Places (and makes alive) entity `slot`. */
  put(slot: number, e: EntityInit): void {
    const c = this.cols;
    c.column('x')[slot] = Math.round(e.x * Q);
    c.column('y')[slot] = Math.round(e.y * Q);
    c.column('z')[slot] = Math.round((e.z ?? 0) * Q);
    c.column('vx')[slot] = Math.round((e.vx ?? 0) * Q);
    c.column('vy')[slot] = Math.round((e.vy ?? 0) * Q);
    c.column('vz')[slot] = Math.round((e.vz ?? 0) * Q);
    c.column('yaw')[slot] = Math.round((e.yaw ?? 0) * Q);
    c.column('hp')[slot] = e.hp ?? 0;
    c.column('state')[slot] = e.state ?? 0;
    c.column('flags')[slot] = ALIVE;
  }

  move(slot: number, x: number, y: number, z?: number): void {
    this.cols.column('x')[slot] = Math.round(x * Q);
    this.cols.column('y')[slot] = Math.round(y * Q);
    if (z !== undefined) this.cols.column('z')[slot] = Math.round(z * Q);
  }

  /** Frees a slot: not replicated any more; its next occupant has the next generation. */
  kill(slot: number): void {
    this.cols.column('flags')[slot] = 0;
    this.cols.column('gen')[slot] = (this.cols.column('gen')[slot]! + 1) & 0xfff;
  }

  /** Moves every alive entity by its velocity (Q16 per tick, exact integer steps). */
  integrate(): void {
    const c = this.cols;
    const x = c.column('x'), y = c.column('y'), z = c.column('z');
    const vx = c.column('vx'), vy = c.column('vy'), vz = c.column('vz'), flags = c.column('flags');
    for (let i = 0; i < c.capacity; i++) {
      if (!flags[i]) continue;
      x[i] = x[i]! + vx[i]!;
      y[i] = y[i]! + vy[i]!;
      z[i] = z[i]! + vz[i]!;
    }
  }

  addClient(options: Parameters<InterestPipeline['addClient']>[0]): number {
    const c = this.pipeline.addClient(options);
    this.views.get(c)?.dispose();
    this.views.set(c, SnapshotView.create(this.arena, this.pipeline.codecParams));
    return c;
  }

  /**
   * One tick: index update, pipeline tick, then each client's snapshot is handed to `deliver`
   * (default: applied to its view and acked at once). Returns the snapshots by client.
   */
  tick(deliver?: (c: number, bytes: Uint8Array, messageNumber: number) => void): Map<number, Uint8Array> {
    this.index.update();
    this.pipeline.tick();
    const out = new Map<number, Uint8Array>();
    for (const c of this.views.keys()) {
      if (!this.pipeline.isActive(c)) continue;
      const bytes = this.pipeline.snapshot(c);
      if (!bytes) continue;
      const copy = bytes.slice();
      out.set(c, copy);
      const n = this.nextMessage++;
      this.pipeline.sent(c, n);
      if (deliver) deliver(c, copy, n);
      else {
        this.views.get(c)!.apply(copy);
        this.pipeline.acked(c, n);
      }
    }
    return out;
  }

  /** Slots client c's view (SnapshotView) holds. */
  clientSlots(c: number): Set<number> {
    const v = this.views.get(c)!;
    const out = new Set<number>();
    for (let h = 0; h < v.handles; h++) if (v.has(h)) out.add(v.idOf(h) & 0xfffff);
    return out;
  }

  /** Slots the server's view of client c holds as visible. */
  serverSlots(c: number): Set<number> {
    return new Set(this.pipeline.viewOf(c).filter((e) => e.state === 'visible').map((e) => e.slot));
  }

  async dispose(): Promise<void> {
    for (const v of this.views.values()) v.dispose();
    await this.pipeline.dispose();
  }
}

// ---- references ----

/** Whether offset (dx, dy, dz) metres lies in one simple shape scaled by s (linear) and f (h). */
function inSimple(p: SimpleShape, dx: number, dy: number, dz: number, facing: number, s: number, f: number): boolean {
  const Qd = (v: number): number => v * Q;
  const X = Qd(dx), Y = Qd(dy), Z = Qd(dz);
  const h2 = X * X + Y * Y;
  if (p.kind === 'sphere') {
    const ra = Qd(p.radiusM) * s * f;
    return h2 + Z * Z <= ra * ra;
  }
  const hh = Qd(p.halfHeightM ?? Infinity) * f;
  if (Math.abs(Z) > hh) return false;
  const yaw = facing + ('yawOffsetRad' in p ? (p.yawOffsetRad ?? 0) : 0);
  if (p.kind === 'ellipse') {
    const ra = Qd(p.forwardM) * s * f, rb = Qd(p.sideM) * s * f;
    const c = Math.cos(yaw), sn = Math.sin(yaw);
    const u = X * c + Y * sn, v = -X * sn + Y * c;
    return (u * u) / (ra * ra) + (v * v) / (rb * rb) <= 1;
  }
  const ra = Qd(p.radiusM) * s * f;
  if (h2 > ra * ra) return false;
  if (p.kind === 'circle') return true;
  if (h2 === 0) return true;
  const cosT = Math.cos(Math.min(Math.PI, p.halfAngleRad * f));
  return X * Math.cos(yaw) + Y * Math.sin(yaw) >= cosT * Math.sqrt(h2);
}

/** Containment of the kernel's definition (assembly/interest/geometry.ts), in metres. */
export function shapeContains(shape: ShapeSpec, dx: number, dy: number, dz: number, facing: number, scale: number, factor: number): boolean {
  const parts = shape.kind === 'composite' ? shape.parts : [shape];
  return parts.some((p) => inSimple(p, dx, dy, dz, facing, scale, factor));
}

/** Whether a point is so close to a boundary that f64 rounding (cos in two engines) could decide. */
export function nearBoundary(shape: ShapeSpec, dx: number, dy: number, dz: number, facing: number, scale: number, factor: number): boolean {
  const eps = 1e-7;
  const a = shapeContains(shape, dx, dy, dz, facing, scale, factor * (1 - eps));
  const b = shapeContains(shape, dx, dy, dz, facing, scale, factor * (1 + eps));
  return a !== b;
}

/** Quantised wire record of a slot (what a client must hold after receiving it). */
export function quantised(f: Fixture, slot: number, yawCode: (yawQ16: number) => number): number[] {
  const c = f.cols;
  const p = f.pipeline.codecParams;
  return [
    c.column('x')[slot]! >> p.posShift,
    c.column('y')[slot]! >> p.posShift,
    c.column('z')[slot]! >> p.posShift,
    c.column('vx')[slot]! >> p.velShift,
    c.column('vy')[slot]! >> p.velShift,
    c.column('vz')[slot]! >> p.velShift,
    yawCode(c.column('yaw')[slot]!),
    c.column('hp')[slot]!,
    c.column('state')[slot]!,
  ];
}
