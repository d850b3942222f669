// What each player of a declared game sees, by the engine's spatial index instead of a scan
// the game writes itself: a SpatialIndex reads the store's own position columns in place (the
// store laid out in the arena: WasmGameRules, DeclaredRollbackGame, or GameStore with `memory`),
// update() follows what moved, spawned and despawned once a tick, and visible() answers
// DeclaredGameModule.visible for one avatar with hysteresis: an entity enters a view within
// radiusM and leaves it only past radiusM + hysteresisM, so a body pacing along the edge does
// not enter and leave every other tick (each of those costs a full record on the wire).
//
// A view is not a spatial query every tick. A viewer's discovery queries the index once, within
// the outer edge plus a pad (discoveryPadM), and keeps what it found, ascending, as its
// candidates; each tick's view is then a pass over those. Nothing else can have come within the
// outer edge while the viewer's own movement and the longest steps any entity took since
// (StoreDrift) add up to less than the pad, so the view is exactly what a query every tick
// would give. An entity that appears or teleports is offered to the views it may be near the
// tick it does (not counted as a step); when the pad is used up, the viewer discovers again.
// The drift pass costs a pass over the store each tick: with too few viewers for the store's
// size to pay for it, every view is a query each tick instead.
// The pass keeps the candidates' order, so a view comes out ascending, as the encoder takes it.
// A view in a crowd narrows (its radius and band scaled down, declared-crowd.ts) and widens back
// as the crowd thins; its candidates are found for the narrowed edge.
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
import { StoreDrift } from './declared-drift.js';
import { keepNearest, rediscover, Viewer } from './declared-viewer.js';
import { nextScale, resolveCrowd, type Crowd } from './declared-crowd.js';
import type { DeclaredInterestOptions, DeclaredInterestStats } from './declared-interest-options.js';

export type { DeclaredCrowdOptions, DeclaredInterestOptions, DeclaredInterestStats } from './declared-interest-options.js';

/** Up to this many viewers, a jumper is offered to each; past it, to the avatars a query finds near it. */
const LINEAR_VIEWERS = 32;
/** Views are reused (and the drift pass made) with at least one viewer per this many slots of the store. */
const ENTITIES_PER_REUSING_VIEWER = 400;

const INV_Q16 = 1 / 65536;

export class DeclaredInterest<D extends GameDeclaration = GameDeclaration> {
  readonly index: SpatialIndex;
  /** A view's radius, and how much further an entity in it may go before it leaves, metres. */
  readonly radiusM: number;
  readonly hysteresisM: number;
  /** How much further than the outer edge a discovery looks, metres. */
  readonly discoveryPadM: number;
  /** The position fields it reads (as given: without z the world is flat). */
  readonly positions: { readonly x: FieldKey<D>; readonly y: FieldKey<D>; readonly z?: FieldKey<D> };
  readonly stats: DeclaredInterestStats = { indexed: 0, queries: 0, discoveries: 0, jumpersAdded: 0, heldByHysteresis: 0, viewed: 0, narrowed: 0, truncated: 0, clampedOutOfWorld: 0 };
  /** How views narrow in a crowd (null: never). */
  readonly crowd: Crowd | null;
  private readonly x: Int32Array;
  private readonly y: Int32Array;
  private readonly z: Int32Array;
  private readonly result: SpatialResult;
  /** The avatars near a jumper (offerJumpers). */
  private readonly near: SpatialResult;
  private readonly radius: number;
  private readonly bounds: Bounds;
  private readonly outer: number;
  private readonly pad: number;
  /** No z field: every z is 0. */
  private readonly flat: boolean;
  private readonly drift: StoreDrift;
  /** By type column value: 1 when the type carries the x field (an entity without a position, a world's settings say, is in nobody's view). */
  private readonly located: Uint8Array;
  /** By slot: a discovery's stamps (see nextStamp). */
  private readonly marks: Uint32Array;
  private stamp = 0;
  /** Each viewer's candidates and last view, keyed by avatar id or by a spectator's (negative) viewer number. */
  private readonly viewers = new Map<number, Viewer>();
  /** By slot: the viewer whose avatar is there (a jumper is offered to the avatars near it). */
  private readonly viewerOf: (Viewer | undefined)[];
  /** The spectators' viewers (visibleAt): a jumper is offered to each, as they have no avatar to be found by. */
  private readonly cameras = new Set<Viewer>();
  /** Bumped when every view must be discovered again (more jumpers in a tick than viewers, or no drift pass). */
  private epoch = 0;
  /** Whether the last update() made the drift pass. */
  private drifting = false;
  /** Scratch of a discovery: what it found, and the merge's (rediscover). */
  private found = new Uint32Array(64);
  /** Scratch of keepNearest(): distance and slot of each entity in an overfull view. */
  private readonly nearScratch = { keys: new Float64Array(64) };
  private readonly scratch = { kept: new Uint32Array(64), fresh: new Uint32Array(64), keptHeld: new Uint8Array(64) };

  private constructor(arena: Arena, readonly store: GameStore<D>, options: DeclaredInterestOptions<D>) {
    const { radiusM } = options;
    const hysteresisM = options.hysteresisM ?? radiusM / 8;
    const padM = options.discoveryPadM ?? radiusM / 8;
    if (!(radiusM > 0) || !Number.isFinite(radiusM)) throw new InvalidArgumentError(`radiusM must be a positive number, got ${radiusM}`);
    if (!(hysteresisM >= 0) || !Number.isFinite(hysteresisM)) throw new InvalidArgumentError(`hysteresisM must be >= 0, got ${hysteresisM}`);
    if (!(padM > 0) || !Number.isFinite(padM)) throw new InvalidArgumentError(`discoveryPadM must be a positive number, got ${padM}`);
    this.crowd = options.crowd === false ? null : resolveCrowd(options.crowd ?? {});
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
    this.near = this.index.createResult(256);
    this.viewerOf = new Array<Viewer | undefined>(store.capacity).fill(undefined);
    this.drift = new StoreDrift(store, this.x, this.y, options.z !== undefined ? this.z : null, padM / 2);
    this.pad = padM;
    this.flat = options.z === undefined;
    this.positions = options.z === undefined ? { x: options.x, y: options.y } : { x: options.x, y: options.y, z: options.z };
    this.discoveryPadM = padM;
    this.bounds = bounds;
    this.radius = radiusM;
    this.outer = radiusM + hysteresisM;
    this.radiusM = radiusM;
    this.hysteresisM = hysteresisM;
  }

  static create<D extends GameDeclaration>(arena: Arena, store: GameStore<D>, options: DeclaredInterestOptions<D>): DeclaredInterest<D> {
    return new DeclaredInterest(arena, store, options);
  }

  /**
   * Follows the store: what moved, spawned and despawned since the last call, in the index and
   * in the views (see the top of the file). Once a tick.
   */
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
    // The drift pass goes over every slot (about 10 ns each); reusing a view saves about 4 us.
    // Too few viewers for the store's size (a few players in a world of a hundred thousand):
    // every view is queried again each tick, as it would have been without candidates.
    const reuse = this.viewers.size * ENTITIES_PER_REUSING_VIEWER >= this.store.highWater;
    if (reuse) this.drift.pass();
    // A pass after none compares with stale positions: this tick every view is discovered again.
    if (reuse && this.drifting) this.offerJumpers();
    else this.epoch++;
    this.drifting = reuse;
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
    // An avatar that is gone (its slot empty, or another entity's since) sees nothing: its view
    // is not the new occupant's (a jumper is offered to the view of the avatar a slot holds now).
    if (!this.store.isAlive(avatar)) return 0;
    return this.viewFrom(avatar, me, this.x[me]! * INV_Q16, this.y[me]! * INV_Q16, this.z[me]! * INV_Q16, out);
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
    return this.viewFrom(viewer, -1, xM, yM, zM, out);
  }

  private viewFrom(key: number, slot: number, px: number, py: number, pz: number, out: Uint32Array): number {
    // A point past the bounds (an avatar the game let stray, a camera) sees from the nearest
    // point inside them: no entity is nearer the real point than that one.
    const b = this.bounds;
    const cx = clamp(px, b.minX, b.maxX);
    const cy = clamp(py, b.minY, b.maxY);
    const cz = clamp(pz, b.minZ, b.maxZ);
    let v = this.viewers.get(key);
    if (v === undefined) {
      v = new Viewer();
      this.viewers.set(key, v);
    }
    if (slot >= 0) this.viewerOf[slot] = v;
    else this.cameras.add(v);
    this.stats.queries++;
    // A view in a crowd is narrower (crowd): its radius and band as scaled, its candidates found for that.
    const scale = v.scale;
    v.takenAt = scale;
    const outer = this.outer * scale;
    const moved = Math.hypot(cx - v.x, cy - v.y, cz - v.z);
    // Whatever is not a candidate lay past the discovery's outer edge plus the pad; it may have come in
    // by as much as the world drifted, the viewer moved, and the view widened since.
    const used = this.drift.drift - v.drift + moved + (outer > v.outerAt ? outer - v.outerAt : 0);
    if (v.epoch !== this.epoch || used > this.pad || v.count > 2 * v.discovered + 64) this.discover(v, cx, cy, cz, outer);
    if (scale < 1) this.stats.narrowed++;
    // The candidates in order: each in view inside the radius, or inside the outer edge if it was in the last one.
    const inner = this.radius * scale;
    const r2 = inner * inner;
    const o2 = outer * outer;
    const types = this.store.typeColumn;
    const located = this.located;
    const xs = this.x, ys = this.y, zs = this.z;
    const flat = this.flat;
    const slots = v.slots;
    const held = v.held;
    const room = out.length;
    let count = 0;
    let kept = 0;
    for (let k = 0; k < v.count; k++) {
      const s = slots[k]!;
      const was = held[k]!;
      held[k] = 0;
      if (located[types[s]!] === 0) continue;
      const dx = xs[s]! * INV_Q16 - px;
      const dy = ys[s]! * INV_Q16 - py;
      // A flat world's z column is all zeros: not loaded (a load that misses the cache, in a store of 100,000).
      const dz = flat ? -pz : zs[s]! * INV_Q16 - pz;
      const d2 = dx * dx + dy * dy + dz * dz;
      if (d2 <= r2 || (d2 <= o2 && was === 1)) {
        if (count < room) out[count] = s;
        count++;
        held[k] = 1;
        if (d2 > r2) kept++;
      }
    }
    this.stats.heldByHysteresis += kept;
    if (this.crowd !== null) v.scale = nextScale(v.scale, count, room, this.crowd);
    this.stats.viewed += count <= room ? count : room;
    if (count <= room) return count;
    // More in view than the caller has room for: the nearest go (the viewer's own avatar first).
    this.stats.truncated++;
    return keepNearest(v, this.x, this.y, this.z, px, py, pz, out, count, this.nearScratch, this.marks, this.nextStamp());
  }

  /**
   * The radius (metres) the next view of `viewer` (an avatar id, or a spectator's number) is
   * taken within: radiusM, or less where its last views were crowded (crowd).
   */
  radiusOf(viewer: EntityId | number): number {
    return this.radius * (this.viewers.get(viewer)?.scale ?? 1);
  }

  /**
   * The share of radiusM the last view of `viewer` was taken within (1 unless its crowd narrowed
   * it): what a client is told, so that it draws its view's edge where it was.
   */
  scaleOf(viewer: EntityId | number): number {
    return this.viewers.get(viewer)?.takenAt ?? 1;
  }

  /** The outer edge (metres) the next view of `viewer` keeps what it held within: radiusOf() plus the band, as scaled. */
  outerOf(viewer: EntityId | number): number {
    return this.outer * (this.viewers.get(viewer)?.scale ?? 1);
  }

  /** The viewer's candidates anew: a spatial query within its outer edge (`outer`, as scaled) and the pad. */
  private discover(v: Viewer, cx: number, cy: number, cz: number, outer: number): void {
    const n = this.index.radiusInto(this.result, cx, cy, cz, outer + this.pad);
    this.stats.discoveries++;
    const ids = this.result.ids;
    const types = this.store.typeColumn;
    const located = this.located;
    if (this.found.length < n) this.found = new Uint32Array(Math.max(64, n * 2));
    const found = this.found;
    let m = 0;
    for (let i = 0; i < n; i++) {
      const s = ids[i]!;
      if (located[types[s]!] !== 0) found[m++] = s;
    }
    rediscover(v, found, m, this.marks, () => this.nextStamp(), this.scratch);
    v.x = cx;
    v.y = cy;
    v.z = cz;
    v.drift = this.drift.drift;
    v.epoch = this.epoch;
    v.outerAt = outer;
  }

  /**
   * Offers this tick's jumpers to the views they may be near. More jumpers than views: every
   * view is discovered again instead (as cheap, and no search per jumper).
   */
  private offerJumpers(): void {
    const d = this.drift;
    const n = d.jumperCount;
    if (n === 0 || this.viewers.size === 0) return;
    if (n > this.viewers.size) {
      this.epoch++;
      return;
    }
    const reach = this.outer + this.pad;
    const reach2 = reach * reach;
    const xs = this.x, ys = this.y, zs = this.z;
    const offer = (v: Viewer, s: number, ex: number, ey: number, ez: number): void => {
      if (v.epoch !== this.epoch) return; // discovered again at its next view anyway
      const dx = ex - v.x, dy = ey - v.y, dz = ez - v.z;
      if (dx * dx + dy * dy + dz * dz <= reach2 && v.add(s)) this.stats.jumpersAdded++;
    };
    const few = this.viewers.size <= LINEAR_VIEWERS;
    for (let i = 0; i < n; i++) {
      const s = d.jumpers[i]!;
      const ex = xs[s]! * INV_Q16, ey = ys[s]! * INV_Q16, ez = zs[s]! * INV_Q16;
      if (few) {
        for (const v of this.viewers.values()) offer(v, s, ex, ey, ez);
        continue;
      }
      // The avatars near it (their views' centres are within a pad of them, or they are discovered again), then the cameras.
      const m = this.index.radiusInto(this.near, ex, ey, ez, reach + this.pad);
      const near = this.near.ids;
      for (let k = 0; k < m; k++) {
        const v = this.viewerOf[near[k]!];
        if (v !== undefined) offer(v, s, ex, ey, ez);
      }
      for (const v of this.cameras) offer(v, s, ex, ey, ez);
    }
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
    const v = this.viewers.get(avatar);
    if (v === undefined) return;
    this.viewers.delete(avatar);
    this.cameras.delete(v);
    if (avatar >= 0) {
      const slot = avatar & 0xfffff;
      if (this.viewerOf[slot] === v) this.viewerOf[slot] = undefined;
    }
  }
}

const clamp = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);

