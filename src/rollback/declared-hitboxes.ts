// Lag compensation for a game that declares its data (src/core/game.ts): a short history of
// where every hittable entity was, tick by tick, and a hitscan judged against the world as the
// shooter saw it. A client renders the newest snapshot it has, which is about half a round trip
// old when the shot reaches the server (more over a bad link); rewinding the targets to the tick
// the client names (its input carries it) makes "I hit what I aimed at" true for the shooter,
// within a bound: a view tick older than maxRewindTicks is judged at that bound, so a lagging or
// lying client cannot shoot into the far past.
//
// The history is kept beside the store, not in it: the rules record it at the end of each step
// (record(tick)) and read it in theirs (hitscan). It is the same on every run of the same ticks,
// so a game that re-simulates frames (SyncTestSession) records the same entries again.
//
// A hitbox is a sphere (radiusM, centreHeightM) unless its type has a shape of its own (shapes:
// an upright capsule, a box along the axes; hit-shapes.ts). The history keeps each entity's type,
// so a slot reused by another type since is judged by the shape it had at the judged tick.
//
// Memory: historyTicks entries, each as large as the hittable entities it held (24 bytes each),
// or, where at least half the slots up to the high water are hittable, the position, type and
// generation columns up to it copied whole (16 bytes a slot, 20 in 3D).
//
//   const hitboxes = new DeclaredHitboxes(store, { position: ['position.x', 'position.y', 'position.z'], radiusM: 0.8, centreHeightM: 1,
//     shapes: { soldier: { kind: 'capsule', radiusM: 0.4, heightM: 1.8 } } });
//   // in the rules' step, for a player who fired with its client showing tick `view`:
//   const hit = hitboxes.hitscan({ viewTick: unwrapTick(input.viewTick, tick), nowTick: tick, originM, directionM, rangeM: 40, exclude: avatar });
//   // ... at the end of the step:
//   hitboxes.record(tick);

import { InvalidArgumentError } from '../core/errors.js';
import { GENERATION_MASK, makeEntityId, type EntityId } from '../core/entity-id.js';
import { FX_ONE } from '../core/fixed.js';
import { fieldOf, type FieldKey, type GameDeclaration, type TypeName } from '../core/game.js';
import type { GameStore } from '../core/game-store.js';
import { rayShape, shapeParams, type HitShape, type ShapeParams } from './hit-shapes.js';
import { DENSE_SHARE, HistoryEntry, indexOf } from './hitbox-entry.js';

export interface DeclaredHitboxOptions<D extends GameDeclaration> {
  /** The position fields (q16, metres): x and y, and z for a 3D game. */
  readonly position: readonly [FieldKey<D>, FieldKey<D>] | readonly [FieldKey<D>, FieldKey<D>, FieldKey<D>];
  /** A hitbox is a sphere of this radius, metres, unless its type has a shape of its own (shapes). */
  readonly radiusM: number;
  /** Its centre is this far above the position, metres (default 0). */
  readonly centreHeightM?: number;
  /** Shapes by type (hit-shapes.ts: sphere, upright capsule, box along the axes), for the types that are not the default sphere. */
  readonly shapes?: Partial<Record<TypeName<D>, HitShape>>;
  /** The types a shot can hit (default: every type that has the position fields). */
  readonly types?: readonly TypeName<D>[];
  /** Ticks of history kept (default 32, at least 2). */
  readonly historyTicks?: number;
  /** The farthest back a shot is judged, ticks (default 18: 300 ms at 60 Hz; below historyTicks). */
  readonly maxRewindTicks?: number;
}

export interface Vec3M {
  readonly x: number;
  readonly y: number;
  readonly z?: number;
}

export interface HitscanQuery {
  /** The tick the shooter's client showed when it fired (unwrapTick turns a wire's low bits into one). */
  readonly viewTick: number;
  /** How far past viewTick its view was, 0 .. 1 (an interpolating client's alpha; default 0). */
  readonly fraction?: number;
  /** The tick being simulated: the shot is judged no earlier than nowTick - maxRewindTicks. */
  readonly nowTick: number;
  /** Where the shot starts and where it points (any length but zero), metres. */
  readonly originM: Vec3M;
  readonly directionM: Vec3M;
  readonly rangeM: number;
  /** An entity the shot cannot hit (the shooter). */
  readonly exclude?: EntityId;
  /**
   * The slots worth testing, from the game's own broadphase (default: every hittable entity of
   * the judged tick). A target moves between then and now, so they must cover the ray's corridor
   * widened by the farthest anything moves in maxRewindTicks: a spatial query around the shooter
   * of rangeM + that margin does.
   */
  readonly candidates?: ArrayLike<number>;
  /** How many of `candidates` count (default: all). */
  readonly candidateCount?: number;
}

export interface HitscanHit {
  /** The entity as it was at the judged tick (it may have died since: the rules check). */
  readonly id: EntityId;
  /** From the origin to where the ray enters its hitbox, metres (0 when it starts inside). */
  readonly distanceM: number;
  /** The tick the shot was judged at, and how far that is behind nowTick. */
  readonly judgedTick: number;
  readonly rewoundTicks: number;
}

export interface DeclaredHitboxCounters {
  shots: number;
  hits: number;
  /** Shots whose view tick was further back than maxRewindTicks (judged at the bound). */
  clamped: number;
  /** Shots whose view tick the history did not hold (judged at the nearest tick it did). */
  missingTicks: number;
}

/**
 * The full tick whose low 16 bits are `low16`, the newest one not after `nowTick` (an input
 * carries its view tick in 16 bits: about 18 minutes at 60 Hz, far more than any rewind).
 */
export function unwrapTick(low16: number, nowTick: number): number {
  return nowTick - ((nowTick - (low16 & 0xffff)) & 0xffff);
}


const finite = (v: Vec3M, what: string): void => {
  if (!Number.isFinite(v.x) || !Number.isFinite(v.y) || (v.z !== undefined && !Number.isFinite(v.z))) {
    throw new InvalidArgumentError(`${what} must be finite, got (${v.x}, ${v.y}, ${v.z})`);
  }
};

export class DeclaredHitboxes<D extends GameDeclaration = GameDeclaration> {
  readonly historyTicks: number;
  readonly maxRewindTicks: number;
  readonly radiusM: number;
  readonly centreHeightM: number;
  /** Each type's hitbox (index by type), null for a type nothing can hit. */
  private readonly shapeOf: (ShapeParams | null)[];
  /** The default sphere, every hitbox's shape when no type has one of its own (shaped false). */
  private readonly sphere: ShapeParams;
  /** Some type has a shape of its own: the history records each entity's type to find it. */
  private readonly shaped: boolean;
  readonly counters: DeclaredHitboxCounters = { shots: 0, hits: 0, clamped: 0, missingTicks: 0 };
  private readonly entries: HistoryEntry[];
  private readonly hittable: Uint8Array;
  private readonly xs: Int32Array;
  private readonly ys: Int32Array;
  private readonly zs: Int32Array | null;
  private latest = -1;
  /** The last record's hittable count (-1: none yet) and whether it was dense: the next one's layout. */
  private lastHits = -1;
  private lastDense = false;

  constructor(readonly store: GameStore<D>, options: DeclaredHitboxOptions<D>) {
    const game = store.game;
    const keys = options.position;
    if (keys.length < 2 || keys.length > 3) throw new InvalidArgumentError(`position names x, y and optionally z, got ${keys.length} fields`);
    const fields = keys.map((k) => fieldOf(game, k));
    for (const f of fields) {
      const plan = game.fields[f]!;
      if (plan.spec.type !== 'q16') throw new InvalidArgumentError(`${plan.name} is ${plan.spec.type}, a position field must be q16 (metres)`);
    }
    this.xs = store.columns[fields[0]!] as Int32Array;
    this.ys = store.columns[fields[1]!] as Int32Array;
    this.zs = fields.length === 3 ? (store.columns[fields[2]!] as Int32Array) : null;
    if (!(options.radiusM > 0) || !Number.isFinite(options.radiusM)) throw new InvalidArgumentError(`radiusM must be a positive number, got ${options.radiusM}`);
    this.radiusM = options.radiusM;
    this.centreHeightM = options.centreHeightM ?? 0;
    if (!Number.isFinite(this.centreHeightM)) throw new InvalidArgumentError(`centreHeightM must be finite, got ${this.centreHeightM}`);
    this.historyTicks = options.historyTicks ?? 32;
    if (!Number.isInteger(this.historyTicks) || this.historyTicks < 2 || this.historyTicks > 1024) {
      throw new InvalidArgumentError(`historyTicks must be an integer in [2, 1024], got ${this.historyTicks}`);
    }
    this.maxRewindTicks = options.maxRewindTicks ?? Math.min(18, this.historyTicks - 1);
    if (!Number.isInteger(this.maxRewindTicks) || this.maxRewindTicks < 0 || this.maxRewindTicks >= this.historyTicks) {
      throw new InvalidArgumentError(`maxRewindTicks must be an integer in [0, ${this.historyTicks - 1}], got ${this.maxRewindTicks}`);
    }
    this.hittable = new Uint8Array(game.types.length);
    const named = options.types ? new Set<string>(options.types as readonly string[]) : null;
    for (const name of named ?? []) {
      if (!game.types.some((t) => t.name === name)) throw new InvalidArgumentError(`${game.name} declares no type ${name}`);
    }
    game.types.forEach((t, i) => {
      const hasPosition = fields.every((f) => t.components.some((c) => game.components[c]!.fields.includes(f)));
      if (named?.has(t.name) && !hasPosition) throw new InvalidArgumentError(`type ${t.name} has no ${keys.join(' / ')} to hit`);
      this.hittable[i] = hasPosition && (!named || named.has(t.name)) ? 1 : 0;
    });
    const threeD = this.zs !== null;
    const sphere = shapeParams({ kind: 'sphere', radiusM: this.radiusM, centreHeightM: this.centreHeightM }, 'the default hitbox', threeD);
    this.sphere = sphere;
    const shapes = (options.shapes ?? {}) as Record<string, HitShape | undefined>;
    for (const name of Object.keys(shapes)) {
      const i = game.types.findIndex((t) => t.name === name);
      if (i < 0) throw new InvalidArgumentError(`shapes: ${game.name} declares no type ${name}`);
      if (this.hittable[i] === 0) throw new InvalidArgumentError(`shapes: type ${name} is not hittable (no ${keys.join(' / ')}, or not in types)`);
    }
    this.shaped = Object.keys(shapes).length > 0;
    this.shapeOf = game.types.map((t, i) => (this.hittable[i] === 0 ? null : shapes[t.name] !== undefined ? shapeParams(shapes[t.name]!, `shapes.${t.name}`, threeD) : sphere));
    this.entries = Array.from({ length: this.historyTicks }, () => new HistoryEntry());
  }

  /** Bytes the history holds. */
  get heldBytes(): number {
    return this.entries.reduce((n, e) => n + e.bytes, 0);
  }

  /** The newest tick recorded, -1 before the first. */
  get latestTick(): number {
    return this.latest;
  }

  /** Where every hittable entity is now, as tick `tick` (call at the end of the step that made it). */
  record(tick: number): void {
    if (!Number.isInteger(tick) || tick < 0) throw new InvalidArgumentError(`tick must be a non-negative integer, got ${tick}`);
    const e = this.entries[tick % this.historyTicks]!;
    const s = this.store;
    const high = s.highWater;
    const types = s.typeColumn;
    const gens = s.generationColumn;
    const xs = this.xs, ys = this.ys, zs = this.zs;
    // The layout: after a compact entry, its own count decides (no second pass over the types);
    // after a dense one (or at the first), the hittable slots are counted.
    let hits = this.lastHits;
    if (hits < 0 || this.lastDense) {
      hits = this.countHittable(high);
    }
    this.lastDense = hits >= high * DENSE_SHARE;
    if (this.lastDense) {
      this.lastHits = hits;
      // Most slots are hittable: the columns whole (a copy each), the rest told apart when read.
      e.reserve(high, false, zs !== null);
      e.type.set(types.subarray(0, high));
      e.generation.set(gens.subarray(0, high));
      e.x.set(xs.subarray(0, high));
      e.y.set(ys.subarray(0, high));
      if (zs) e.z.set(zs.subarray(0, high));
      e.dense = true;
      e.count = high;
    } else {
      // Room for the last count and some: past it (a tick that spawned many), counted and made again.
      let n = this.recordCompact(e, high, hits + (hits >> 3) + 64);
      if (n < 0) {
        n = this.recordCompact(e, high, this.countHittable(high));
      }
      e.dense = false;
      e.count = n;
      this.lastHits = n;
    }
    e.tick = tick;
    if (tick > this.latest) this.latest = tick;
  }

  /** Slots up to `high` holding something hittable. */
  private countHittable(high: number): number {
    const types = this.store.typeColumn;
    const hittable = this.hittable;
    let hits = 0;
    for (let slot = 0; slot < high; slot++) {
      const t = types[slot]!;
      if (t !== 0) hits += hittable[t - 1]!;
    }
    return hits;
  }

  /** The hittable entities into a compact entry with room for `room`; -1 when there are more. */
  private recordCompact(e: HistoryEntry, high: number, room: number): number {
    const s = this.store;
    const types = s.typeColumn;
    const gens = s.generationColumn;
    const hittable = this.hittable;
    const xs = this.xs, ys = this.ys, zs = this.zs;
    e.reserve(room, true, zs !== null);
    // The entry's arrays in locals: V8 would reload them from `e` after every store otherwise.
    const eSlot = e.slot, eGen = e.generation, eType = e.type, ex = e.x, ey = e.y, ez = e.z;
    const cap = eSlot.length;
    let n = 0;
    for (let slot = 0; slot < high; slot++) {
      const t = types[slot]!;
      if (t === 0 || hittable[t - 1] === 0) continue;
      if (n === cap) return -1;
      eSlot[n] = slot;
      eGen[n] = gens[slot]!;
      eType[n] = t;
      ex[n] = xs[slot]!;
      ey[n] = ys[slot]!;
      if (zs) ez[n] = zs[slot]!;
      n++;
    }
    return n;
  }

  /** Forget every tick (the world was replaced: a restore). */
  clear(): void {
    for (const e of this.entries) e.tick = -1;
    this.latest = -1;
  }

  /**
   * The first hittable entity along the ray as it was at the shooter's view tick (clamped to
   * nowTick - maxRewindTicks .. nowTick), positions interpolated by `fraction` towards the next
   * tick; null when nothing is within rangeM. Ties go to the lower slot.
   */
  hitscan(q: HitscanQuery): HitscanHit | null {
    finite(q.originM, 'originM');
    finite(q.directionM, 'directionM');
    const dx0 = q.directionM.x, dy0 = q.directionM.y, dz0 = this.zs ? (q.directionM.z ?? 0) : 0;
    const len = Math.hypot(dx0, dy0, dz0);
    if (!(len > 0)) throw new InvalidArgumentError('directionM must not be zero');
    if (!(q.rangeM >= 0) || !Number.isFinite(q.rangeM)) throw new InvalidArgumentError(`rangeM must be a non-negative number, got ${q.rangeM}`);
    if (!Number.isInteger(q.nowTick) || !Number.isInteger(q.viewTick)) throw new InvalidArgumentError(`ticks must be integers, got view ${q.viewTick}, now ${q.nowTick}`);
    const fraction = q.fraction ?? 0;
    if (!(fraction >= 0 && fraction <= 1)) throw new InvalidArgumentError(`fraction must be in [0, 1], got ${fraction}`);
    this.counters.shots++;
    let view = Math.min(q.viewTick, q.nowTick);
    if (q.nowTick - view > this.maxRewindTicks) {
      view = q.nowTick - this.maxRewindTicks;
      this.counters.clamped++;
    }
    const a = this.held(view);
    if (!a) return null;
    if (a.tick !== view) this.counters.missingTicks++;
    const b = fraction > 0 && a.tick === view ? this.held(view + 1, true) : null;
    const dx = dx0 / len, dy = dy0 / len, dz = dz0 / len;
    const ox = q.originM.x, oy = q.originM.y, oz = this.zs ? (q.originM.z ?? 0) : 0;
    const shapeOf = this.shapeOf;
    const shaped = this.shaped;
    const sphere = this.sphere;
    const hittable = this.hittable;
    const excludeSlot = q.exclude !== undefined ? q.exclude & 0xfffff : -1;
    const excludeGen = q.exclude !== undefined ? q.exclude >>> 20 : -1;
    let best = Infinity;
    let bestIndex = -1;
    // Entity i of `a` (and bi of `b`, -1 if it is not there) against the ray.
    const threeD = this.zs !== null;
    let bestSlot = -1;
    let bestGen = 0;
    const consider = (i: number, bi: number): void => {
      const slot = a.dense ? i : a.slot[i]!;
      const gen = a.generation[i]! & GENERATION_MASK;
      if (slot === excludeSlot && gen === excludeGen) return;
      let px = a.x[i]!, py = a.y[i]!, pz = threeD ? a.z[i]! : 0;
      if (b && bi >= 0 && (b.generation[bi]! & GENERATION_MASK) === gen) {
        px += (b.x[bi]! - px) * fraction;
        py += (b.y[bi]! - py) * fraction;
        if (threeD) pz += (b.z[bi]! - pz) * fraction;
      }
      // The ray against the entity's hitbox as it was then (its type's shape), in metres.
      const shape = shaped ? shapeOf[a.type[i]! - 1] : sphere;
      if (!shape) return;
      const t = rayShape(shape, px / FX_ONE, py / FX_ONE, pz / FX_ONE, ox, oy, oz, dx, dy, dz);
      if (t <= q.rangeM && (t < best || (t === best && slot < bestSlot))) {
        best = t;
        bestIndex = i;
        bestSlot = slot;
        bestGen = gen;
      }
    };
    const candidates = q.candidates;
    if (candidates) {
      // The caller's broadphase: only these slots (found by binary search, the entries being
      // ascending by slot).
      const n = Math.min(q.candidateCount ?? candidates.length, candidates.length);
      for (let c = 0; c < n; c++) {
        const slot = candidates[c]!;
        const i = indexOf(a, slot, hittable);
        if (i >= 0) consider(i, b ? indexOf(b, slot, hittable) : -1);
      }
    } else if (a.dense) {
      for (let slot = 0; slot < a.count; slot++) {
        const t = a.type[slot]!;
        if (t !== 0 && hittable[t - 1] === 1) consider(slot, b ? indexOf(b, slot, hittable) : -1);
      }
    } else {
      let k = 0; // walks a compact b alongside a (both ascending by slot)
      for (let i = 0; i < a.count; i++) {
        let bi = -1;
        if (b) {
          const slot = a.slot[i]!;
          if (b.dense) bi = indexOf(b, slot, hittable);
          else {
            while (k < b.count && b.slot[k]! < slot) k++;
            if (k < b.count && b.slot[k] === slot) bi = k;
          }
        }
        consider(i, bi);
      }
    }
    if (bestIndex < 0) return null;
    this.counters.hits++;
    return { id: makeEntityId(bestSlot, bestGen), distanceM: best, judgedTick: a.tick, rewoundTicks: q.nowTick - a.tick };
  }

  /** The entry for `tick`, else (unless exact) the nearest held one; null when none is held. */
  private held(tick: number, exact = false): HistoryEntry | null {
    const e = this.entries[((tick % this.historyTicks) + this.historyTicks) % this.historyTicks]!;
    if (e.tick === tick) return e;
    if (exact || this.latest < 0) return null;
    // Not held (not yet recorded, or overwritten): the nearest tick that is.
    let nearest: HistoryEntry | null = null;
    for (const c of this.entries) {
      if (c.tick < 0) continue;
      if (!nearest || Math.abs(c.tick - tick) < Math.abs(nearest.tick - tick) || (Math.abs(c.tick - tick) === Math.abs(nearest.tick - tick) && c.tick > nearest.tick)) nearest = c;
    }
    return nearest;
  }
}
