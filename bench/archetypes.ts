// The seed's five player archetypes (its load-testing table), shared by the benchmarks that move
// players as the seed's load test does: the `interest` suite's world (peers/interest-archetypes.ts)
// and the arena shooter served in the `server` and `game` suites (game-serve.ts), so all move
// players the same way.
//
// | archetype  | share | speed     | decides every | where                     | does                            |
// |------------|-------|-----------|---------------|---------------------------|---------------------------------|
// | explorer   | 25 %  | 5 m/s     | 5-10 s        | anywhere (any hub)        | turns up to 30 degrees          |
// | socializer | 30 %  | 0-1.5 m/s | 1-4 s         | within 60 m of a town     | drifts, often towards a player  |
// |            |       |           |               |                           | in view                         |
// | combatant  | 20 %  | 6 m/s     | 0.3-1 s       | within 150 m of a         | about every 2 s: a hitscan at   |
// |            |       |           |               | battleground              | the nearest body in view within |
// |            |       |           |               |                           | range, else a projectile        |
// | trader     | 15 %  | 4 m/s     | 2 s           | town to town, straight    | picks the next town on arrival  |
// | builder    | 10 %  | still     | 2-6 s         | within 300 m of a town    | turns to a new aim (the seed's  |
// |            |       |           |               |                           | state-bit changes have no input |
// |            |       |           |               |                           | in this game)                   |
//
// Everyone leashed to a home (socializer, combatant, builder) heads back when beyond its radius;
// everyone turns back from the world's edge. Speeds are metres per second: the bot's move vector
// is scaled by speed / the rules' player speed (the step scales a full-length vector to it).

import { apportion } from '../src/core/apportion.js';
import { mulberry32 } from '../src/core/mulberry32.js';
import { FLAG_DEAD, FLAG_PLAYER, FLAG_PROJECTILE } from '../src/core/world-layout.js';
import type { Hub, HubKind } from './hubs.js';

export const PLAYER_ARCHETYPES = ['explorer', 'socializer', 'combatant', 'trader', 'builder'] as const;
export type PlayerArchetype = (typeof PLAYER_ARCHETYPES)[number];

export interface ArchetypeSpec {
  readonly name: PlayerArchetype;
  /** Share of the players, 0..1 (the five sum to 1). */
  readonly share: number;
  /** Speed range, m/s (a new speed is drawn in it at each decision). */
  readonly minSpeedMps: number;
  readonly maxSpeedMps: number;
  /** Seconds between decisions (a new heading, speed, target). */
  readonly decideMinS: number;
  readonly decideMaxS: number;
  /** Largest turn per decision, radians (explorers; the others pick any direction). */
  readonly maxTurnRad: number;
  /** The hubs it spawns at and keeps to: 'any' for explorers. */
  readonly home: HubKind | 'any';
  /** Heads back home beyond this distance, m (0: no leash). */
  readonly leashM: number;
  /** Mean seconds between shots (0: never shoots). */
  readonly shotEveryS: number;
}

export const ARCHETYPE_TABLE: Readonly<Record<PlayerArchetype, ArchetypeSpec>> = Object.freeze({
  explorer: { name: 'explorer', share: 0.25, minSpeedMps: 5, maxSpeedMps: 5, decideMinS: 5, decideMaxS: 10, maxTurnRad: Math.PI / 6, home: 'any', leashM: 0, shotEveryS: 0 },
  socializer: { name: 'socializer', share: 0.3, minSpeedMps: 0, maxSpeedMps: 1.5, decideMinS: 1, decideMaxS: 4, maxTurnRad: Math.PI, home: 'town', leashM: 60, shotEveryS: 0 },
  combatant: { name: 'combatant', share: 0.2, minSpeedMps: 6, maxSpeedMps: 6, decideMinS: 0.3, decideMaxS: 1, maxTurnRad: Math.PI, home: 'battle', leashM: 150, shotEveryS: 2 },
  trader: { name: 'trader', share: 0.15, minSpeedMps: 4, maxSpeedMps: 4, decideMinS: 2, decideMaxS: 2, maxTurnRad: Math.PI, home: 'town', leashM: 0, shotEveryS: 0 },
  builder: { name: 'builder', share: 0.1, minSpeedMps: 0, maxSpeedMps: 0, decideMinS: 2, decideMaxS: 6, maxTurnRad: Math.PI, home: 'town', leashM: 300, shotEveryS: 0 },
});

/** Shares in PLAYER_ARCHETYPES order. */
export const ARCHETYPE_SHARES: readonly number[] = PLAYER_ARCHETYPES.map((a) => ARCHETYPE_TABLE[a].share);
/** A trader has arrived within this many metres of its town. */
export const TRADER_ARRIVE_M = 20;
/** A socializer heads for a player in view this often (per decision) when one is near home. */
const SOCIAL_PULL = 0.5;
/** Turn back this close to the world's edge, m. */
const EDGE_MARGIN_M = 30;
/** A shot's button is held this long (one shot: the weapon's cooldown is longer). */
const SHOT_HOLD_MS = 50;

/** Archetype index (PLAYER_ARCHETYPES order) of a number u in [0, 1): cumulative shares. */
export function archetypeIndexAt(u: number): number {
  let kind = 0;
  let rest = u;
  while (kind < ARCHETYPE_SHARES.length - 1 && rest >= ARCHETYPE_SHARES[kind]!) rest -= ARCHETYPE_SHARES[kind++]!;
  return kind;
}

/**
 * The archetypes of `n` players in order, apportioned so that any first k of them hold the five
 * in their shares as closely as whole numbers allow (20 players: 5/6/4/3/2), interleaved.
 */
export function assignArchetypes(n: number): PlayerArchetype[] {
  return apportion(ARCHETYPE_SHARES, n).map((k) => PLAYER_ARCHETYPES[k]!);
}

/** The hub an archetype's player starts at (any hub for explorers), drawn with `rand`. */
export function archetypeHub(archetype: PlayerArchetype, hubs: readonly Hub[], rand: () => number): number {
  const home = ARCHETYPE_TABLE[archetype].home;
  const fitting = home === 'any' ? hubs : hubs.filter((h) => h.kind === home);
  const pool = fitting.length > 0 ? fitting : hubs;
  return pool[Math.floor(rand() * pool.length) % pool.length]!.index;
}

/** What a brain may look at in its view: parallel arrays, `count` valid (SnapshotView.collectInto fills one). */
export interface BodiesInView {
  count: number;
  ids: ArrayLike<number>;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Replicated state bits (the world's flags). */
  state: ArrayLike<number>;
}

/** A bot's input, mutable and reused frame after frame (a PlayerInput). */
export interface BotInput {
  moveX: number;
  moveY: number;
  aimRad: number;
  fire: boolean;
  shoot: boolean;
}

export interface ArchetypeBrainOptions {
  archetype: PlayerArchetype;
  hubs: readonly Hub[];
  /** The hub it spawned at (its home; a trader's first town). */
  homeHub: number;
  /** The rules' player speed, m/s (a full-length move vector). */
  playerSpeedMps: number;
  /** Hitscan reach, m (the lag compensation's range). */
  shotRangeM: number;
  bounds: { minX: number; minY: number; maxX: number; maxY: number };
  seed: number;
}

export interface BrainCounters {
  decisions: number;
  shots: number;
  /** Shots aimed at a body in view (hitscan). */
  aimedShots: number;
  projectiles: number;
}

/**
 * One player's archetype: call think() every frame with the avatar's predicted position; it
 * decides on the archetype's own schedule and otherwise holds its input. A view is needed only
 * when `wantsView(nowMs)` says so (collecting a whole view is not free at 1,000 bots).
 */
export class ArchetypeBrain {
  readonly archetype: PlayerArchetype;
  readonly spec: ArchetypeSpec;
  readonly homeHub: number;
  readonly counters: BrainCounters = { decisions: 0, shots: 0, aimedShots: 0, projectiles: 0 };
  private readonly o: ArchetypeBrainOptions;
  private readonly rand: () => number;
  private readonly towns: readonly Hub[];
  private readonly homeX: number;
  private readonly homeY: number;
  private headingRad: number;
  private aimRad: number;
  private speed = 0;
  private nextDecisionMs = -1;
  private nextShotMs = -1;
  private shotUntilMs = -1;
  /** The current shot has a body in view to aim at (hitscan), else it is a projectile. */
  private aimedAt = false;
  private town: number;

  constructor(o: ArchetypeBrainOptions) {
    this.o = o;
    this.archetype = o.archetype;
    this.spec = ARCHETYPE_TABLE[o.archetype];
    this.homeHub = o.homeHub;
    this.rand = mulberry32(o.seed);
    const home = o.hubs[o.homeHub] ?? o.hubs[0]!;
    this.homeX = home.x;
    this.homeY = home.y;
    this.towns = o.hubs.filter((h) => h.kind === 'town');
    this.town = Math.max(0, this.towns.findIndex((t) => t.index === o.homeHub));
    this.headingRad = this.rand() * 2 * Math.PI;
    this.aimRad = this.headingRad;
  }

  /** Whether the next think() at `nowMs` looks at the view (a socializer's or a combatant's decision). */
  wantsView(nowMs: number): boolean {
    if (this.spec.shotEveryS > 0 && nowMs >= this.nextShotMs && this.nextShotMs >= 0) return true;
    return this.archetype === 'socializer' && nowMs >= this.nextDecisionMs;
  }

  /** The input for now, written into `out` (returned). `selfId` is the avatar's entity id (skipped in the view). */
  think(x: number, y: number, nowMs: number, view: BodiesInView | null, selfId: number, out: BotInput): BotInput {
    const s = this.spec;
    const r = this.rand;
    if (this.nextDecisionMs < 0) {
      // First frame: stagger the schedules so bots that start together do not decide together.
      this.nextDecisionMs = nowMs + r() * s.decideMaxS * 1000;
      this.nextShotMs = s.shotEveryS > 0 ? nowMs + r() * s.shotEveryS * 2000 : Infinity;
      this.decide(x, y, null, selfId);
    }
    if (nowMs >= this.nextDecisionMs) {
      this.nextDecisionMs = nowMs + (s.decideMinS + r() * (s.decideMaxS - s.decideMinS)) * 1000;
      this.decide(x, y, view, selfId);
    }
    // The world's edge: turn inwards.
    const b = this.o.bounds;
    if (x < b.minX + EDGE_MARGIN_M || x > b.maxX - EDGE_MARGIN_M || y < b.minY + EDGE_MARGIN_M || y > b.maxY - EDGE_MARGIN_M) {
      const inward = Math.atan2((b.minY + b.maxY) / 2 - y, (b.minX + b.maxX) / 2 - x);
      if (Math.cos(inward - this.headingRad) < 0.5) this.headingRad = inward;
    }
    out.fire = false;
    out.shoot = false;
    if (nowMs >= this.nextShotMs) {
      this.nextShotMs = nowMs + s.shotEveryS * (0.5 + r()) * 1000;
      this.shotUntilMs = nowMs + SHOT_HOLD_MS;
      this.aim(x, y, view, selfId);
    }
    if (nowMs < this.shotUntilMs) {
      if (this.aimedAt) out.shoot = true;
      else out.fire = true;
    } else this.aimRad = this.headingRad;
    const f = Math.min(1, this.speed / this.o.playerSpeedMps);
    out.moveX = clampUnit(Math.cos(this.headingRad) * f);
    out.moveY = clampUnit(Math.sin(this.headingRad) * f);
    out.aimRad = this.aimRad;
    return out;
  }

  /** A shot: at the nearest living body in view within reach (hitscan), else a projectile ahead. */
  private aim(x: number, y: number, view: BodiesInView | null, selfId: number): void {
    this.counters.shots++;
    let best = -1;
    let bestD = this.o.shotRangeM * 0.95;
    if (view) {
      for (let i = 0; i < view.count; i++) {
        if (view.ids[i] === selfId || (view.state[i]! & (FLAG_PROJECTILE | FLAG_DEAD)) !== 0) continue;
        const d = Math.hypot(view.x[i]! - x, view.y[i]! - y);
        if (d < bestD && d > 0.01) {
          bestD = d;
          best = i;
        }
      }
    }
    this.aimedAt = best >= 0;
    if (best >= 0) {
      this.aimRad = Math.atan2(view!.y[best]! - y, view!.x[best]! - x);
      this.counters.aimedShots++;
    } else {
      this.aimRad = this.headingRad;
      this.counters.projectiles++;
    }
  }

  private decide(x: number, y: number, view: BodiesInView | null, selfId: number): void {
    const s = this.spec;
    const r = this.rand;
    this.counters.decisions++;
    this.speed = s.minSpeedMps + r() * (s.maxSpeedMps - s.minSpeedMps);
    const hx = this.homeX - x, hy = this.homeY - y;
    switch (this.archetype) {
      case 'explorer':
        this.headingRad += (r() * 2 - 1) * s.maxTurnRad;
        break;
      case 'trader': {
        let t = this.towns[this.town];
        if (!t) break;
        if (Math.hypot(t.x - x, t.y - y) < TRADER_ARRIVE_M && this.towns.length > 1) {
          let next = Math.floor(r() * (this.towns.length - 1));
          if (next >= this.town) next++;
          this.town = next;
          t = this.towns[next]!;
        }
        this.headingRad = Math.atan2(t.y - y, t.x - x);
        break;
      }
      default: {
        if (s.leashM > 0 && Math.hypot(hx, hy) > s.leashM) {
          this.headingRad = Math.atan2(hy, hx);
          if (this.speed === 0) this.speed = Math.min(this.o.playerSpeedMps, 2);
          break;
        }
        const friend = this.archetype === 'socializer' && view && r() < SOCIAL_PULL ? this.nearestPlayer(x, y, view, selfId) : -1;
        if (friend >= 0) this.headingRad = Math.atan2(view!.y[friend]! - y, view!.x[friend]! - x);
        else this.headingRad = r() * 2 * Math.PI;
      }
    }
    this.headingRad = Math.atan2(Math.sin(this.headingRad), Math.cos(this.headingRad));
  }

  /** The nearest other player in view within the home's leash, or -1. */
  private nearestPlayer(x: number, y: number, view: BodiesInView, selfId: number): number {
    let best = -1;
    let bestD = this.spec.leashM;
    for (let i = 0; i < view.count; i++) {
      if (view.ids[i] === selfId || (view.state[i]! & FLAG_PLAYER) === 0 || (view.state[i]! & FLAG_DEAD) !== 0) continue;
      const d = Math.hypot(view.x[i]! - x, view.y[i]! - y);
      if (d > 2 && d < bestD && Math.hypot(view.x[i]! - this.homeX, view.y[i]! - this.homeY) < this.spec.leashM) {
        bestD = d;
        best = i;
      }
    }
    return best;
  }
}

function clampUnit(v: number): number {
  return v > 1 ? 1 : v < -1 ? -1 : v;
}
