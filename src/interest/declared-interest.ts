// What each player of a declared game sees, by the engine's spatial index instead of a scan
// the game writes itself: a SpatialIndex reads the store's own position columns in place (the
// store laid out in the arena: WasmGameRules, DeclaredRollbackGame, or GameStore with `memory`),
// update() follows what moved, spawned and despawned once a tick, and visible() answers
// DeclaredGameModule.visible for one avatar with hysteresis: an entity enters a view within
// radiusM and leaves it only past radiusM + hysteresisM, so a body pacing along the edge does
// not enter and leave every other tick (each of those costs a full record on the wire).
//
//   const interest = DeclaredInterest.create(rules.arena, rules.store, { x: 'position.x', y: 'position.y', radiusM: 80 });
//   module.step = (tick) => { ...; interest.update(); };
//   module.visible = (avatar, out) => interest.visible(avatar, out);
//   module.leave = (player, avatar) => { interest.forget(avatar); ... };

import type { EntityId } from '../core/entity-id.js';
import { InvalidArgumentError, OutOfWorldError } from '../core/errors.js';
import { fieldOf, type FieldKey, type GameDeclaration } from '../core/game.js';
import type { GameStore } from '../core/game-store.js';
import type { Bounds } from '../core/schema.js';
import type { SpatialIndex } from '../spatial/spatial-index.js';
import { storeIndex } from '../spatial/store-index.js';
import type { SpatialResult } from '../spatial/result.js';
import type { Arena } from '../wasm/arena.js';

export interface DeclaredInterestOptions<D extends GameDeclaration> {
  /** The q16 fields holding positions (metres). Without z, the world is flat (z = 0). */
  readonly x: FieldKey<D>;
  readonly y: FieldKey<D>;
  readonly z?: FieldKey<D>;
  /** The world's extent, metres (default: the position fields' declared ranges). */
  readonly bounds?: Bounds;
  /** How far a player sees, metres (a sphere around its avatar). */
  readonly radiusM: number;
  /** How much further an entity in view may go before it leaves it (default radiusM / 8). */
  readonly hysteresisM?: number;
}

export interface DeclaredInterestStats {
  /** Entities the index holds after the last update. */
  indexed: number;
  queries: number;
  /** Entities kept in a view by the hysteresis band (past radiusM, within radiusM + hysteresisM). */
  heldByHysteresis: number;
  /** Views cut at the caller's out.length (the nearest are not chosen first: raise viewCapacity). */
  truncated: number;
  /** Entities found past the bounds by update() and put back on their edge (a rule let them stray). */
  clampedOutOfWorld: number;
}

const INV_Q16 = 1 / 65536;

export class DeclaredInterest<D extends GameDeclaration = GameDeclaration> {
  readonly index: SpatialIndex;
  /** A view's radius, and how much further an entity in it may go before it leaves, metres. */
  readonly radiusM: number;
  readonly hysteresisM: number;
  readonly stats: DeclaredInterestStats = { indexed: 0, queries: 0, heldByHysteresis: 0, truncated: 0, clampedOutOfWorld: 0 };
  private readonly x: Int32Array;
  private readonly y: Int32Array;
  private readonly z: Int32Array;
  private readonly result: SpatialResult;
  private readonly radius: number;
  private readonly bounds: Bounds;
  private readonly outer: number;
  /** By type column value: 1 when the type carries the x field (an entity without a position, a world's settings say, is in nobody's view). */
  private readonly located: Uint8Array;
  /** By slot: the stamp of the visible() call whose last view held it (see nextStamp). */
  private readonly marks: Uint32Array;
  private stamp = 0;
  /** Each avatar's last view (what the hysteresis keeps): a buffer reused tick to tick. */
  /** Keyed by avatar id, or by a spectator's (negative) viewer number. */
  private readonly views = new Map<number, { slots: Uint32Array; count: number }>();
  /** Scratch of ascending(): the last view's slots still in view, and those that entered. */
  private kept = new Uint32Array(64);
  private entered = new Uint32Array(64);

  private constructor(arena: Arena, readonly store: GameStore<D>, options: DeclaredInterestOptions<D>) {
    const { radiusM } = options;
    const hysteresisM = options.hysteresisM ?? radiusM / 8;
    if (!(radiusM > 0) || !Number.isFinite(radiusM)) throw new InvalidArgumentError(`radiusM must be a positive number, got ${radiusM}`);
    if (!(hysteresisM >= 0) || !Number.isFinite(hysteresisM)) throw new InvalidArgumentError(`hysteresisM must be >= 0, got ${hysteresisM}`);
    if (!arena.holds(store.region)) throw new InvalidArgumentError('the store must live in the arena\'s memory (GameStore with `memory`, WasmGameRules or DeclaredRollbackGame)');
    const column = (key: FieldKey<D>): Int32Array => {
      const f = fieldOf(store.game, key);
      if (store.game.fields[f]!.spec.type !== 'q16') throw new InvalidArgumentError(`${key} is not a q16 field (positions are Q16.16 metres)`);
      return store.columns[f]! as Int32Array;
    };
    const range = (key: FieldKey<D> | undefined): [number, number] => {
      if (key === undefined) return [0, 1]; // a flat world: every z is 0, inside [0, 1]
      const { min, max } = store.game.fields[fieldOf(store.game, key)]!.spec;
      if (min === undefined || max === undefined) throw new InvalidArgumentError(`${key} declares no range: give DeclaredInterest its bounds`);
      return [min, max];
    };
    const [[minX, maxX], [minY, maxY], [minZ, maxZ]] = options.bounds
      ? [[options.bounds.minX, options.bounds.maxX], [options.bounds.minY, options.bounds.maxY], [options.bounds.minZ, options.bounds.maxZ]]
      : [range(options.x), range(options.y), range(options.z)];
    const bounds: Bounds = { minX, maxX, minY, maxY, minZ, maxZ };
    this.x = column(options.x);
    this.y = column(options.y);
    const xField = fieldOf(store.game, options.x);
    const xComponent = store.game.components.findIndex((c) => c.fields.includes(xField));
    this.marks = new Uint32Array(store.capacity);
    this.located = new Uint8Array(store.game.types.length + 1);
    for (const t of store.game.types) this.located[t.index + 1] = t.components.includes(xComponent) ? 1 : 0;
    ({ index: this.index, z: this.z } = storeIndex(arena, store, bounds, this.x, this.y, options.z !== undefined ? column(options.z) : null, `interest-${store.game.name}`));
    this.result = this.index.createResult(256); // grows to what a query finds
    this.bounds = bounds;
    this.radius = radiusM;
    this.outer = radiusM + hysteresisM;
    this.radiusM = radiusM;
    this.hysteresisM = hysteresisM;
  }

  static create<D extends GameDeclaration>(arena: Arena, store: GameStore<D>, options: DeclaredInterestOptions<D>): DeclaredInterest<D> {
    return new DeclaredInterest(arena, store, options);
  }

  /** Follows the store: what moved, spawned and despawned since the last call. Once a tick. */
  update(): void {
    try {
      this.index.update();
    } catch (err) {
      if (!(err instanceof OutOfWorldError)) throw err;
      // The index refuses a source past its bounds (and changes nothing): put the strays on the
      // edge, as the wire already shows them (their codes clamp to the declared range), counted.
      this.clampStrays();
      this.index.update();
    }
    this.stats.indexed = this.index.size;
  }

  private clampStrays(): void {
    const b = this.bounds;
    const q = (m: number): number => Math.round(m * 65536);
    const axes: [Int32Array, number, number][] = [[this.x, q(b.minX), q(b.maxX)], [this.y, q(b.minY), q(b.maxY)], [this.z, q(b.minZ), q(b.maxZ)]];
    const types = this.store.typeColumn;
    for (let s = 0; s < this.store.highWater; s++) {
      if (types[s] === 0) continue;
      let moved = false;
      for (const [col, lo, hi] of axes) {
        const v = col[s]!;
        if (v < lo || v > hi) {
          col[s] = v < lo ? lo : hi;
          moved = true;
        }
      }
      if (moved) this.stats.clampedOutOfWorld++;
    }
  }

  /**
   * The live slots `avatar`'s player sees (its own avatar among them) into `out`, ascending:
   * within radiusM, or within radiusM + hysteresisM and in its last view. Returns how many.
   */
  visible(avatar: EntityId, out: Uint32Array): number {
    const me = avatar & 0xfffff;
    if (me >= this.store.capacity || this.store.typeColumn[me] === 0) return 0;
    return this.viewFrom(avatar, this.x[me]! * INV_Q16, this.y[me]! * INV_Q16, this.z[me]! * INV_Q16, out);
  }

  /**
   * What a spectator's camera at (xM, yM, zM) metres sees, as visible() does for an avatar: its
   * hysteresis kept under `viewer`, a number of the caller's that no avatar id is (a negative
   * one: -1, -2, ...). Forget it with forget(viewer). InvalidArgumentError for a viewer that is
   * not a negative integer or a point that is not finite.
   */
  visibleAt(viewer: number, xM: number, yM: number, zM: number, out: Uint32Array): number {
    if (!Number.isInteger(viewer) || viewer >= 0) throw new InvalidArgumentError(`a viewer is a negative integer (avatar ids are not), got ${viewer}`);
    if (!Number.isFinite(xM) || !Number.isFinite(yM) || !Number.isFinite(zM)) throw new InvalidArgumentError(`a viewer's point must be finite, got (${xM}, ${yM}, ${zM})`);
    return this.viewFrom(viewer, xM, yM, zM, out);
  }

  private viewFrom(key: number, cx: number, cy: number, cz: number, out: Uint32Array): number {
    // A point past the bounds (an avatar the game let stray, a camera) sees from the nearest point inside them.
    const b = this.bounds;
    const n = this.index.radiusInto(this.result, clamp(cx, b.minX, b.maxX), clamp(cy, b.minY, b.maxY), clamp(cz, b.minZ, b.maxZ), this.outer);
    this.stats.queries++;
    const slots = this.result.ids;
    const previous = this.views.get(key);
    // The last view's slots stamped in a column of the store's size (O(view), no sort): an entity
    // in the hysteresis band stays when its slot bears this call's stamp.
    const stamp = this.nextStamp();
    const marks = this.marks;
    if (previous !== undefined) for (let i = 0; i < previous.count; i++) marks[previous.slots[i]!] = stamp;
    const r2 = this.radius * this.radius;
    const types = this.store.typeColumn;
    const located = this.located;
    let count = 0;
    for (let i = 0; i < n && count < out.length; i++) {
      const s = slots[i]!;
      if (located[types[s]!] === 0) continue;
      const dx = this.x[s]! * INV_Q16 - cx;
      const dy = this.y[s]! * INV_Q16 - cy;
      const dz = this.z[s]! * INV_Q16 - cz;
      if (dx * dx + dy * dy + dz * dz <= r2) out[count++] = s;
      else if (marks[s] === stamp) {
        out[count++] = s;
        this.stats.heldByHysteresis++;
      }
    }
    if (count === out.length && n > count) this.stats.truncated++;
    let view = previous;
    if (view === undefined || view.slots.length < count) {
      const grown = { slots: new Uint32Array(Math.max(64, count * 2)), count: 0 };
      if (view !== undefined) {
        grown.slots.set(view.slots.subarray(0, view.count));
        grown.count = view.count;
      }
      view = grown;
      this.views.set(key, view);
    }
    this.ascending(out, count, view);
    view.slots.set(out.subarray(0, count));
    view.count = count;
    return count;
  }

  /**
   * Puts out[0 .. count) in ascending slot order (the encoder merges a view with its baseline by
   * slot: handed an ascending view, it only checks it). The last view is kept ascending, and most
   * of a view is in the last one, so: the last view's slots still in view, in its order, merged
   * with the few that entered, sorted alone. About four passes over the view where a radix sort
   * of slots below 2^21 took nine and 384 bucket steps (a tenth of serve-arena-shooter's tick).
   */
  private ascending(out: Uint32Array, count: number, last: { slots: Uint32Array; count: number }): void {
    const marks = this.marks;
    const inView = this.nextStamp();
    for (let i = 0; i < count; i++) marks[out[i]!] = inView;
    if (this.kept.length < count) this.kept = new Uint32Array(Math.max(64, count * 2));
    if (this.entered.length < count) this.entered = new Uint32Array(Math.max(64, count * 2));
    const kept = this.kept;
    const entered = this.entered;
    const stayed = this.nextStamp();
    let k = 0;
    for (let i = 0; i < last.count; i++) {
      const s = last.slots[i]!;
      if (marks[s] === inView) {
        kept[k++] = s;
        marks[s] = stayed;
      }
    }
    let e = 0;
    for (let i = 0; i < count; i++) {
      const s = out[i]!;
      if (marks[s] !== stayed) entered[e++] = s;
    }
    if (e > 1) entered.subarray(0, e).sort();
    let i = 0;
    let j = 0;
    let o = 0;
    while (i < k && j < e) out[o++] = kept[i]! < entered[j]! ? kept[i++]! : entered[j++]!;
    while (i < k) out[o++] = kept[i++]!;
    while (j < e) out[o++] = entered[j++]!;
  }

  /** A stamp no slot bears yet (the column starts over, cleared, when the stamps run out). */
  private nextStamp(): number {
    if (this.stamp === 0xffffffff) {
      this.marks.fill(0);
      this.stamp = 0;
    }
    return ++this.stamp;
  }

  /** The player (or the viewer of visibleAt) left: its last view goes. */
  forget(avatar: EntityId | number): void {
    this.views.delete(avatar);
  }
}

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);
