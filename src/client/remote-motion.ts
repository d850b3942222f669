// Smooth motion for what other players and the world do, on a declared game's client: each
// entity is drawn between its last two positions the server sent, one of its own update
// intervals behind. An entity refreshed every tick is drawn a tick late and glides; one the
// server refreshes a few times a second (update zones, a shedding server, a lost message) moves
// as smoothly, later by its own interval, instead of jumping when each update lands. A jump
// farther than snapM (a respawn, a teleport) is drawn at once, not slid across the map.
//
//   const motion = new RemoteMotion();
//   on each snapshot: motion.observe(replica, fx, fy, fz);
//   each frame:       const at = motion.renderTick(performance.now(), tickHz);
//                     if (motion.place(id, at, out)) draw at out.x, out.y, out.z
//
// Its own avatar a client predicts instead (DeclaredPredictor); this is for everything else.

import { InvalidArgumentError } from '../core/errors.js';
import type { EntityId } from '../core/entity-id.js';
import type { GameDeclaration } from '../core/game.js';
import type { GameReplica } from '../codec/game-replica.js';

export interface RemoteMotionOptions {
  /** A move farther than this (metres) between two updates is drawn at once (default 8). */
  readonly snapM?: number;
  /** The longest interval (ticks) an entity is drawn behind by (default 30: half a second at 60 Hz). */
  readonly maxIntervalTicks?: number;
  /** How far past the newest snapshot's tick the render clock may run when snapshots stall (default 3). */
  readonly maxAheadTicks?: number;
}

export interface Place {
  x: number;
  y: number;
  z: number;
}

interface Track {
  t0: number;
  x0: number;
  y0: number;
  z0: number;
  t1: number;
  x1: number;
  y1: number;
  z1: number;
  /** The tick of the last snapshot that held the entity, and of the last that moved it. */
  seen: number;
  moved: number;
}

export class RemoteMotion {
  private readonly tracks = new Map<EntityId, Track>();
  private readonly snap2: number;
  private readonly maxInterval: number;
  private readonly maxAhead: number;
  private lastTick = -1;
  private lastArrivalMs = 0;

  constructor(options: RemoteMotionOptions = {}) {
    const snapM = options.snapM ?? 8;
    this.maxInterval = options.maxIntervalTicks ?? 30;
    this.maxAhead = options.maxAheadTicks ?? 3;
    if (!(snapM > 0)) throw new InvalidArgumentError(`snapM must be positive, got ${snapM}`);
    if (!Number.isInteger(this.maxInterval) || this.maxInterval < 1) throw new InvalidArgumentError(`maxIntervalTicks must be a positive integer, got ${this.maxInterval}`);
    if (!(this.maxAhead >= 0)) throw new InvalidArgumentError(`maxAheadTicks must be >= 0, got ${this.maxAhead}`);
    this.snap2 = snapM * snapM;
  }

  /** Entities it follows (those of the newest snapshot). */
  get size(): number {
    return this.tracks.size;
  }

  /**
   * The replica just decoded a snapshot (its tick): every entity's position (fields fx, fy and,
   * if the game has one, fz) is noted where it changed; entities no longer in view are dropped.
   */
  observe<D extends GameDeclaration>(replica: GameReplica<D>, fx: number, fy: number, fz?: number, nowMs = performance.now()): void {
    const tick = replica.tick;
    if (tick <= this.lastTick) return; // an old snapshot decoded late changes nothing drawn
    this.lastTick = tick;
    this.lastArrivalMs = nowMs;
    for (let i = 0; i < replica.size; i++) {
      const id = replica.idAt(i);
      const x = replica.valueAt(i, fx) as number | undefined;
      const y = replica.valueAt(i, fy) as number | undefined;
      if (typeof x !== 'number' || typeof y !== 'number') continue;
      const z = fz === undefined ? 0 : ((replica.valueAt(i, fz) as number | undefined) ?? 0);
      const t = this.tracks.get(id);
      if (!t) {
        this.tracks.set(id, { t0: tick, x0: x, y0: y, z0: z, t1: tick, x1: x, y1: y, z1: z, seen: tick, moved: tick });
        continue;
      }
      t.seen = tick;
      if (x === t.x1 && y === t.y1 && z === t.z1) continue;
      // The interval since the last update that moved it (a long rest counts as at most maxIntervalTicks).
      const interval = Math.min(this.maxInterval, Math.max(1, tick - t.moved));
      t.moved = tick;
      const dx = x - t.x1, dy = y - t.y1, dz = z - t.z1;
      if (dx * dx + dy * dy + dz * dz > this.snap2) {
        // A jump: drawn there at once.
        t.t0 = t.t1 = tick;
        t.x0 = t.x1 = x;
        t.y0 = t.y1 = y;
        t.z0 = t.z1 = z;
        continue;
      }
      // From where it is drawn now toward the new place, over that interval.
      this.placeInto(t, tick, SCRATCH);
      t.t0 = tick;
      t.x0 = SCRATCH.x;
      t.y0 = SCRATCH.y;
      t.z0 = SCRATCH.z;
      t.t1 = tick + interval;
      t.x1 = x;
      t.y1 = y;
      t.z1 = z;
    }
    for (const [id, t] of this.tracks) if (t.seen !== tick) this.tracks.delete(id);
  }

  /** The render clock: the newest snapshot's tick plus the time since it came, in ticks (fractional), capped maxAheadTicks past it. */
  renderTick(nowMs: number, tickHz: number): number {
    if (this.lastTick < 0) return 0;
    return this.lastTick + Math.min(this.maxAhead, Math.max(0, ((nowMs - this.lastArrivalMs) * tickHz) / 1000));
  }

  /**
   * The tick whose state the screen shows at render tick `at` for an entity the server refreshes
   * every tick (drawn one interval behind): what a lag-compensated shot should be judged against
   * (an input's view tick), to the nearest tick. Entities in slower bands are drawn later still.
   */
  shownTick(at: number): number {
    // Never past the newest snapshot: a stalled stream shows its last state.
    return Math.max(0, Math.min(this.lastTick, Math.round(at - 1)));
  }

  /** Where entity `id` is drawn at render tick `at`: into `out`, true; false when it is not followed. */
  place(id: EntityId, at: number, out: Place): boolean {
    const t = this.tracks.get(id);
    if (!t) return false;
    this.placeInto(t, at, out);
    return true;
  }

  forget(): void {
    this.tracks.clear();
    this.lastTick = -1;
  }

  private placeInto(t: Track, at: number, out: Place): void {
    const span = t.t1 - t.t0;
    const f = span <= 0 ? 1 : Math.min(1, Math.max(0, (at - t.t0) / span));
    out.x = t.x0 + (t.x1 - t.x0) * f;
    out.y = t.y0 + (t.y1 - t.y0) * f;
    out.z = t.z0 + (t.z1 - t.z0) * f;
  }
}

const SCRATCH: Place = { x: 0, y: 0, z: 0 };
