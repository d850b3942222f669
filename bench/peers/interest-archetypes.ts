// The benchmark world of suite `interest`: a 10 km x 10 km World of 100,000 entities whose
// players move by the seed's five archetypes (load-testing table: explorer, socializer,
// combatant, trader, builder) among wandering NPCs, with projectiles from the combatants as
// the fast objects. Everything is seeded (mulberry32), so two runs hold the same world.
//
// | archetype  | share | movement                                              | where             |
// |------------|-------|-------------------------------------------------------|-------------------|
// | explorer   | 25 %  | 5 m/s, turns up to 30 degrees every 5-10 s            | anywhere          |
// | socializer | 30 %  | 0-1.5 m/s, new direction every 1-4 s, held near town  | 16 towns, 60 m    |
// | combatant  | 20 %  | 6 m/s, new direction every 0.3-1 s; fires a 100 m/s   | 8 battles, 150 m  |
// |            |       | projectile (1.5 s life) about every 2 s               |                   |
// | trader     | 15 %  | 4 m/s straight from town to town                      | between towns     |
// | builder    | 10 %  | still; its state bits change every 2-6 s (building)   | within 300 m of a |
// |            |       |                                                       | town              |
// NPCs wander with the World's own step (0.5-2 m/s, new decision every 1-5 s).
// The archetypes' shares, speeds, decision intervals and radii are src/world/archetypes.ts's
// (the bots play the same table); this world moves its players directly, without inputs.

import { World } from '../../src/core/world.js';
import { FLAG_PLAYER, FLAG_PROJECTILE } from '../../src/core/world-layout.js';
import type { Arena } from '../../src/wasm/arena.js';
import { mulberry32 } from '../../src/core/mulberry32.js';
import { ARCHETYPE_SHARES, ARCHETYPE_TABLE as T, PLAYER_ARCHETYPES, TRADER_ARRIVE_M, type PlayerArchetype } from '../archetypes.js';

const Q = 65536;
export const ARCHETYPES = PLAYER_ARCHETYPES;
export type Archetype = PlayerArchetype;
const SHARES = ARCHETYPE_SHARES;
const TOWNS = 16;
const BATTLES = 8;
const PROJECTILE_MPS = 100;
const PROJECTILE_LIFE_S = 1.5;


export interface ArchetypeWorldOptions {
  entities: number;
  players: number;
  seed?: number;
  worldM?: number;
  heightM?: number;
  tickHz?: number;
  /** Slots kept free for projectiles. */
  projectileSlots?: number;
}

export class ArchetypeWorld {
  readonly world: World;
  readonly players: Int32Array;
  readonly kinds: Uint8Array;
  readonly tickHz: number;
  private readonly rand: () => number;
  private readonly towns: [number, number][] = [];
  private readonly battles: [number, number][] = [];
  private readonly timer: Float64Array;
  private readonly target: Int32Array;
  private readonly home: Float64Array;
  private readonly projectiles: { slot: number; dies: number }[] = [];
  private readonly half: number;
  private tick = 0;

  constructor(arena: Arena, o: ArchetypeWorldOptions) {
    const worldM = o.worldM ?? 10_000;
    const heightM = o.heightM ?? 20;
    this.tickHz = o.tickHz ?? 60;
    this.half = worldM / 2;
    this.rand = mulberry32(o.seed ?? 7);
    const spare = o.projectileSlots ?? 4096;
    this.world = World.create(arena, {
      name: `archetype-world-${o.entities}-${o.players}`,
      capacity: o.entities + spare,
      seed: o.seed ?? 7,
      tickHz: this.tickHz,
      bounds: { minX: -this.half, minY: -this.half, minZ: 0, maxX: this.half, maxY: this.half, maxZ: heightM },
      npc: { topSpeedMps: 2, wanderMinS: 1, wanderMaxS: 5, idlePercent: 20 },
    });
    const r = this.rand;
    for (let i = 0; i < TOWNS; i++) this.towns.push([(r() - 0.5) * worldM * 0.8, (r() - 0.5) * worldM * 0.8]);
    for (let i = 0; i < BATTLES; i++) this.battles.push([(r() - 0.5) * worldM * 0.8, (r() - 0.5) * worldM * 0.8]);
    this.players = new Int32Array(o.players);
    this.kinds = new Uint8Array(o.players);
    this.timer = new Float64Array(o.players);
    this.target = new Int32Array(o.players);
    this.home = new Float64Array(o.players * 2);
    const k = this.world.kernels;
    const px = this.world.column('posX'), py = this.world.column('posY'), pz = this.world.column('posZ');
    const radius = this.world.column('radius'), hp = this.world.column('hp');
    for (let i = 0; i < o.players; i++) {
      const slot = k.world_alloc(this.world.ptr, FLAG_PLAYER);
      this.players[i] = slot;
      let u = r(), kind = 0;
      while (kind < SHARES.length - 1 && u >= SHARES[kind]!) u -= SHARES[kind++]!;
      this.kinds[i] = kind;
      let x: number, y: number;
      const town = this.towns[Math.floor(r() * TOWNS)]!;
      const battle = this.battles[Math.floor(r() * BATTLES)]!;
      switch (ARCHETYPES[kind]) {
        case 'socializer':
          [x, y] = around(town, T.socializer.leashM, r);
          break;
        case 'combatant':
          [x, y] = around(battle, T.combatant.leashM, r);
          break;
        case 'trader':
          [x, y] = around(town, 30, r);
          this.target[i] = Math.floor(r() * TOWNS);
          break;
        case 'builder':
          [x, y] = around(town, T.builder.leashM, r);
          break;
        default:
          x = (r() - 0.5) * worldM * 0.98;
          y = (r() - 0.5) * worldM * 0.98;
      }
      const centre = kind === 2 ? battle : town;
      this.home[i * 2] = centre[0];
      this.home[i * 2 + 1] = centre[1];
      px[slot] = Math.round(this.clamp(x) * Q);
      py[slot] = Math.round(this.clamp(y) * Q);
      pz[slot] = Math.round(r() * 2 * Q);
      radius[slot] = Q / 2;
      hp[slot] = 100;
      this.world.column('heading')[slot] = Math.round((r() - 0.5) * 2 * Math.PI * Q);
    }
    this.world.spawnNpcs(o.entities - o.players);
  }

  private clamp(v: number): number {
    return Math.max(-this.half + 1, Math.min(this.half - 1, v));
  }

  /** One tick: NPCs by the World's step, players by archetype, projectiles fly and expire. */
  step(): void {
    this.tick++;
    this.world.step();
    const w = this.world;
    const px = w.column('posX'), py = w.column('posY'), vx = w.column('velX'), vy = w.column('velY');
    const heading = w.column('heading'), flags = w.column('flags');
    const r = this.rand;
    const dt = 1 / this.tickHz;
    for (let i = 0; i < this.players.length; i++) {
      const slot = this.players[i]!;
      const kind = ARCHETYPES[this.kinds[i]!]!;
      const x = px[slot]! / Q, y = py[slot]! / Q;
      this.timer[i]! -= dt;
      let speed = -1;
      let angle = heading[slot]! / Q;
      if (this.timer[i]! <= 0) {
        switch (kind) {
          case 'explorer':
            angle += (r() - 0.5) * 2 * T.explorer.maxTurnRad;
            speed = T.explorer.maxSpeedMps;
            this.timer[i] = T.explorer.decideMinS + r() * (T.explorer.decideMaxS - T.explorer.decideMinS);
            break;
          case 'socializer': {
            const hx = this.home[i * 2]! - x, hy = this.home[i * 2 + 1]! - y;
            angle = Math.hypot(hx, hy) > T.socializer.leashM ? Math.atan2(hy, hx) : r() * 2 * Math.PI;
            speed = r() * T.socializer.maxSpeedMps;
            this.timer[i] = T.socializer.decideMinS + r() * (T.socializer.decideMaxS - T.socializer.decideMinS);
            break;
          }
          case 'combatant': {
            const hx = this.home[i * 2]! - x, hy = this.home[i * 2 + 1]! - y;
            angle = Math.hypot(hx, hy) > T.combatant.leashM ? Math.atan2(hy, hx) : r() * 2 * Math.PI;
            speed = T.combatant.maxSpeedMps;
            this.timer[i] = T.combatant.decideMinS + r() * (T.combatant.decideMaxS - T.combatant.decideMinS);
            if (r() < 0.25) this.fire(slot, r() * 2 * Math.PI);
            break;
          }
          case 'trader': {
            const t = this.towns[this.target[i]!]!;
            if (Math.hypot(t[0] - x, t[1] - y) < TRADER_ARRIVE_M) this.target[i] = Math.floor(r() * TOWNS);
            const next = this.towns[this.target[i]!]!;
            angle = Math.atan2(next[1] - y, next[0] - x);
            speed = T.trader.maxSpeedMps;
            this.timer[i] = T.trader.decideMinS;
            break;
          }
          case 'builder':
            speed = T.builder.maxSpeedMps;
            w.column('flags')[slot] = (flags[slot]! & 0xffff) | ((Math.floor(r() * 16) & 0xf) << 16);
            this.timer[i] = T.builder.decideMinS + r() * (T.builder.decideMaxS - T.builder.decideMinS);
            break;
        }
      }
      if (speed >= 0) {
        const a = Math.atan2(Math.sin(angle), Math.cos(angle));
        heading[slot] = Math.round(a * Q);
        vx[slot] = Math.round(Math.cos(a) * speed * dt * Q);
        vy[slot] = Math.round(Math.sin(a) * speed * dt * Q);
      }
      const nx = this.clamp(x + vx[slot]! / Q), ny = this.clamp(y + vy[slot]! / Q);
      px[slot] = Math.round(nx * Q);
      py[slot] = Math.round(ny * Q);
    }
    // Projectiles move by their velocity and expire.
    for (let i = this.projectiles.length - 1; i >= 0; i--) {
      const p = this.projectiles[i]!;
      const nx = px[p.slot]! + vx[p.slot]!, ny = py[p.slot]! + vy[p.slot]!;
      if (this.tick >= p.dies || Math.abs(nx / Q) >= this.half - 1 || Math.abs(ny / Q) >= this.half - 1) {
        w.kernels.world_free(w.ptr, p.slot);
        this.projectiles[i] = this.projectiles[this.projectiles.length - 1]!;
        this.projectiles.pop();
        continue;
      }
      px[p.slot] = nx;
      py[p.slot] = ny;
    }
  }

  private fire(from: number, angle: number): void {
    const w = this.world;
    const slot = w.kernels.world_alloc(w.ptr, FLAG_PROJECTILE);
    if (slot < 0) return;
    const step = (PROJECTILE_MPS / this.tickHz) * Q;
    w.column('posX')[slot] = w.column('posX')[from]!;
    w.column('posY')[slot] = w.column('posY')[from]!;
    w.column('posZ')[slot] = w.column('posZ')[from]!;
    w.column('velX')[slot] = Math.round(Math.cos(angle) * step);
    w.column('velY')[slot] = Math.round(Math.sin(angle) * step);
    w.column('heading')[slot] = Math.round(angle * Q);
    w.column('radius')[slot] = Q / 10;
    this.projectiles.push({ slot, dies: this.tick + Math.round(PROJECTILE_LIFE_S * this.tickHz) });
  }

  get projectileCount(): number {
    return this.projectiles.length;
  }
}

function around(c: readonly [number, number], radiusM: number, r: () => number): [number, number] {
  const a = r() * 2 * Math.PI, d = Math.sqrt(r()) * radiusM;
  return [c[0] + Math.cos(a) * d, c[1] + Math.sin(a) * d];
}
