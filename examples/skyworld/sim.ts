// Skyworld's server simulation: a GameStore(SKYWORLD) populated with NPCs, props and pickups,
// players driven by their clients' decoded inputs, and step(tick) running the rules of
// physics.ts and npc.ts plus the interactions between entities (pickups, projectile hits).
//
// Determinism: every rule reads and writes the stored Q16/integer columns; randomness is
// mulberry32(seed) at population and hash3(seed, slot, tick) after it. Math.sqrt/atan2/cos
// only ever see numbers derived from stored values, so two runs in one process match bit for
// bit (across machines is not a goal of this example). Spawns and despawns inside a tick are
// ordered by slot, so the free-slot stack evolves the same way every run.

import { DeclaredHitboxes, GameStore, mulberry32, unwrapTick, type EntityId, type HitShape } from '../../src/web/sdk.js';
import {
  EVENT_KNOCKOUT, EVENT_ZAP_HIT, FAMILY, SKYWORLD, TRAITS_BY_INDEX, TYPE_TRAITS, ZAP_COOLDOWN, ZAP_DAMAGE, ZAP_EVENT_RANGE_M, ZAP_RANGE_M, typeNamesOf,
  type Family, type SkyworldDeclaration, type SkyworldInput,
} from './game.js';
import { stepFlyer, stepShooter, stepWalker } from './npc.js';
import { IN_ZAP, heldInput, stepPlayer } from './player.js';
import { CLIP, DIR_YAW, EDGE, FLY_V, G, MAX_FALL, MAX_Z, animate, clamp, columnsOf, foldYaw, hash3, move, type Columns } from './physics.js';
import { Q, groundHeightAt, levelAt, q } from './terrain.js';
import { CellGrid, GRID, cellOf } from './grid.js';


export interface SkyworldOptions {
  readonly seed?: number;
  /** NPCs, props and pickups spawned at the start. */
  readonly entities?: number;
  readonly maxPlayers?: number;
  readonly maxProjectiles?: number;
  /**
   * Players start within this many metres of the middle, scattered (default 0: on a 16 m square
   * at the middle, where a new player finds the others). A load test spreads them, as a live
   * world's players are.
   */
  readonly playerSpreadM?: number;
}

/** A spawn that waits for the end of the tick: type, x, y, z (Q16), and a yaw or a hash. */
type Pending = [string, number, number, number, number];

/** The zapper's height above the feet. */
const ZAP_EYE_M = 1.5;
/**
 * The zap's broadphase: bodies now within its reach plus how far any moves in the longest
 * rewind (a flying player at 12 m/s for half a second) and the eye height.
 */
const ZAP_SEARCH_M = ZAP_RANGE_M + 8;

export class SkyworldSim {
  private readonly playerSpreadM: number;
  readonly store: GameStore<SkyworldDeclaration>;
  readonly seed: number;
  readonly players = new Set<EntityId>();
  readonly c: Columns;
  private readonly family: Uint8Array;
  /** Walking speed per type, Q16 m per tick. */
  private readonly speed: Int32Array;
  /** The clip a prop or pickup loops: fires burn, everything else spins. */
  private readonly loopClip: Uint8Array;
  // The latest input per slot: not part of the state, it arrives from outside every tick.
  private readonly inMove: Int32Array;
  private readonly inFlags: Uint8Array;
  private readonly inAim: Int32Array;
  /** The low 16 bits of the tick each player's client showed with its latest input. */
  private readonly inView: Uint16Array;
  /**
   * Where every body was over the last half second, for lag compensation: a zap is judged
   * against the tick its client showed, not against where the targets are by the time it lands.
   */
  readonly hitboxes: DeclaredHitboxes<SkyworldDeclaration>;
  /** What happened in the last step that players nearby hear (zap hits and knock-outs): module.ts announces them. */
  readonly events: { kind: number; x: number; y: number; z: number; rangeM: number; payload: Uint8Array }[] = [];
  private readonly zapCandidates: Uint32Array;
  private readonly grid: CellGrid;
  private projectiles = 0;
  private readonly maxProjectiles: number;
  private readonly pending: Pending[] = [];

  constructor(options: SkyworldOptions = {}) {
    this.seed = options.seed ?? 1;
    this.playerSpreadM = options.playerSpreadM ?? 0;
    if (!(this.playerSpreadM >= 0 && this.playerSpreadM <= 500)) throw new RangeError(`playerSpreadM must be in [0, 500] metres, got ${this.playerSpreadM}`);
    const entities = options.entities ?? 2000;
    this.maxProjectiles = options.maxProjectiles ?? 256;
    const capacity = entities + (options.maxPlayers ?? 64) + this.maxProjectiles + 1;
    // Shared memory: the server's encode workers (--encode-workers) read the store in place.
    this.store = new GameStore(SKYWORLD, { capacity, shared: true });
    this.c = columnsOf(this.store);
    this.family = Uint8Array.from(TRAITS_BY_INDEX, (t) => t.family);
    this.speed = Int32Array.from(TRAITS_BY_INDEX, (t) => q(t.speed / 60));
    this.loopClip = Uint8Array.from(SKYWORLD.types, (t) => (t.name === 'torch' || t.name === 'campfire' ? CLIP.burn : CLIP.spin));
    this.inMove = new Int32Array(capacity * 2);
    this.inFlags = new Uint8Array(capacity);
    this.inAim = new Int32Array(capacity);
    this.inView = new Uint16Array(capacity);
    this.zapCandidates = new Uint32Array(capacity);
    this.grid = new CellGrid(capacity);
    // Bodies that can be hurt: players and every NPC family with hit points.
    const targets = [FAMILY.player, FAMILY.walker, FAMILY.climber, FAMILY.flyer, FAMILY.shooter].flatMap((f) => typeNamesOf(f));
    // Flyers are balls (the default sphere); whatever walks or climbs is an upright capsule as
    // tall as a person, so a shot over a goblin's head misses it; a tower, cannon or ballista is
    // a block 1.6 m square and 2.4 m high.
    const upright = [FAMILY.player, FAMILY.walker, FAMILY.climber].flatMap((f) => typeNamesOf(f));
    const body: HitShape = { kind: 'capsule', radiusM: 0.45, heightM: 1.8 };
    const block: HitShape = { kind: 'box', halfM: { x: 0.8, y: 0.8, z: 1.2 }, centreHeightM: 1.2 };
    this.hitboxes = new DeclaredHitboxes(this.store, {
      position: ['position.x', 'position.y', 'position.z'], radiusM: 0.8, centreHeightM: 1, types: targets, historyTicks: 32, maxRewindTicks: 30,
      shapes: Object.fromEntries([...upright.map((t) => [t, body]), ...typeNamesOf(FAMILY.shooter).map((t) => [t, block])]),
    });
    this.populate(entities);
  }

  /** Spawns `type` at (x, y) in metres on the surface under zM (default: the highest one); flyers at zM. */
  spawnAt(type: string, xM: number, yM: number, zM = 256, owner = 0): EntityId {
    const t = TYPE_TRAITS[type]!;
    const values: Record<string, number | string> = {};
    if (t.hp > 0) values['health.hp'] = t.hp;
    if (t.loot) Object.assign(values, { 'loot.kind': t.loot.kind, 'loot.amount': t.loot.amount });
    const id = this.store.spawn(type, values, owner);
    const s = id & 0xfffff;
    const c = this.c;
    c.x[s] = clamp(q(xM), -EDGE, EDGE);
    c.y[s] = clamp(q(yM), -EDGE, EDGE);
    const ground = groundHeightAt(c.x[s]!, c.y[s]!, clamp(q(zM), 0, MAX_Z));
    c.z[s] = t.family === FAMILY.flyer ? clamp(q(zM), ground, MAX_Z) : ground;
    c.level[s] = levelAt(c.x[s]!, c.y[s]!, ground);
    this.grid.stale = true;
    return id;
  }

  /** A player for the client whose player number is `owner` (its owner-only fields go there). */
  addPlayer(owner: number): EntityId {
    const [x, y] = this.spawnPoint(owner);
    const id = this.spawnAt('player', x, y, 0, owner);
    this.players.add(id);
    return id;
  }

  /** Where player `owner` starts and starts over, metres. */
  private spawnPoint(owner: number): [number, number] {
    const spread = this.playerSpreadM;
    if (spread <= 0) return [-8 + (owner % 16), -8 + ((owner >> 4) % 16)];
    // A low-discrepancy scatter (fractions of the golden ratio and of sqrt 2): even, and the same on every run.
    const u = (owner * 0.6180339887498949) % 1;
    const v = (owner * 0.4142135623730951) % 1;
    return [Math.round((u * 2 - 1) * spread), Math.round((v * 2 - 1) * spread)];
  }

  removePlayer(id: EntityId): void {
    this.store.despawn(id);
    this.players.delete(id);
    // The slot may come back as another player: it must not inherit this one's stick.
    const s = id & 0xfffff;
    this.inFlags[s] = 0;
    this.inMove[2 * s] = this.inMove[2 * s + 1] = 0;
    this.grid.stale = true;
  }

  /** The decoded input record of a player's client: applies from the next step on. */
  applyInput(id: EntityId, input: Readonly<SkyworldInput>): void {
    const s = id & 0xfffff;
    const held = heldInput(input);
    this.inMove[2 * s] = held.moveX;
    this.inMove[2 * s + 1] = held.moveY;
    this.inFlags[s] = held.flags;
    this.inAim[s] = held.aim;
    this.inView[s] = input.viewTick & 0xffff;
  }

  /** No input this tick (a predicting page's stream ran dry): the stick and buttons let go, the aim kept. */
  releaseInput(id: EntityId): void {
    const s = id & 0xfffff;
    this.inMove[2 * s] = this.inMove[2 * s + 1] = 0;
    this.inFlags[s] = 0;
  }

  step(tick: number): void {
    this.events.length = 0;
    const s = this.store;
    const c = this.c;
    const high = s.highWater;
    for (let slot = 0; slot < high; slot++) {
      const t = s.typeColumn[slot]! - 1;
      if (t < 0) continue;
      const fam = this.family[t]! as Family;
      if (fam === FAMILY.player) this.stepPlayer(slot, tick);
      else if (fam === FAMILY.walker || fam === FAMILY.climber) stepWalker(c, slot, fam, this.speed[t]!, this.seed, tick);
      else if (fam === FAMILY.flyer) stepFlyer(c, slot, this.speed[t]!, this.seed, tick);
      else if (fam === FAMILY.projectile) this.stepProjectile(slot);
      else if (fam === FAMILY.shooter && stepShooter(c, slot, tick) && this.projectiles + this.pending.length < this.maxProjectiles) {
        this.pending.push([['arrow', 'boulder', 'bolt'][t % 3]!, c.x[slot]!, c.y[slot]!, c.z[slot]! + q(2), c.yaw[slot]!]);
      } else if (fam === FAMILY.animatedProp || fam === FAMILY.pickup) animate(c, slot, this.loopClip[t]!, Q);
    }
    if (this.grid.stale) this.buildGrid();
    for (const id of this.players) this.collect(id & 0xfffff, tick);
    // Spawns wait for the end of the tick, so no new entity is stepped half-way through one.
    for (const p of this.pending.splice(0)) this.spawnPending(p);
    this.buildGrid();
    this.hitboxes.record(tick);
  }

  /**
   * The store was restored from a save: what the sim keeps beside it is rebuilt from the store
   * (players are not saved, projectiles in flight are counted again, inputs start idle).
   */
  afterRestore(): void {
    this.players.clear();
    this.pending.length = 0;
    this.inMove.fill(0);
    this.inFlags.fill(0);
    this.inAim.fill(0);
    this.inView.fill(0);
    this.hitboxes.clear();
    const s = this.store;
    this.projectiles = 0;
    for (let slot = 0; slot < s.highWater; slot++) {
      const t = s.typeColumn[slot]! - 1;
      if (t >= 0 && this.family[t] === FAMILY.projectile) this.projectiles++;
    }
    this.grid.stale = true;
  }

  /** Live slots within radiusM (3D) of entity `id`, written to out (at most out.length); returns how many. */
  visibleSlots(id: EntityId, radiusM: number, out: Uint32Array): number {
    if (this.grid.stale) this.buildGrid();
    const c = this.c;
    const me = id & 0xfffff;
    return this.grid.within(c.x[me]!, c.y[me]!, c.z[me]!, q(radiusM), c.x, c.y, c.z, out);
  }

  private populate(entities: number): void {
    const rnd = mulberry32(this.seed);
    const mix: [Family, number][] = [
      [FAMILY.walker, 0.3], [FAMILY.climber, 0.1], [FAMILY.flyer, 0.15], [FAMILY.prop, 0.22], [FAMILY.animatedProp, 0.05], [FAMILY.pickup, 0.15], [FAMILY.shooter, 0.03],
    ];
    const names = new Map(mix.map(([f]) => [f, typeNamesOf(f)]));
    for (let i = 0; i < entities; i++) {
      let r = rnd();
      const fam = mix.find(([, w]) => (r -= w) < 0)?.[0] ?? FAMILY.walker;
      const list = names.get(fam)!;
      const type = list[Math.floor(rnd() * list.length)]!;
      // Whole 1/64 m, so the spawn position is exactly what the wire carries.
      const x = Math.floor(rnd() * 64_000) / 64 - 500;
      const y = Math.floor(rnd() * 64_000) / 64 - 500;
      const z = fam === FAMILY.flyer ? 6 + Math.floor(rnd() * 40) : rnd() * 256;
      const s = this.spawnAt(type, x, y, z) & 0xfffff;
      this.c.yaw[s] = DIR_YAW[Math.floor(rnd() * 8)]!;
      this.c.timer[s] = Math.floor(rnd() * 120);
    }
  }

  private stepPlayer(slot: number, tick: number): void {
    const m = this.inMove;
    const c = this.c;
    stepPlayer(c, slot, this.speed[this.store.typeColumn[slot]! - 1]!, m[2 * slot]!, m[2 * slot + 1]!, this.inFlags[slot]!, this.inAim[slot]!);
    if (c.cooldown[slot]! > 0) c.cooldown[slot]!--;
    else if ((this.inFlags[slot]! & IN_ZAP) !== 0) this.zap(slot, tick);
  }

  /**
   * A zap from the player in `slot` along its aim, judged by lag compensation: against the bodies
   * where they were at the tick its client showed (at most half a second back), so what the
   * player saw in its sights is what it hits. The target, if it still lives, loses ZAP_DAMAGE;
   * an NPC at 0 comes back elsewhere, a player starts over.
   */
  private zap(slot: number, tick: number): void {
    const c = this.c;
    const s = this.store;
    c.cooldown[slot] = ZAP_COOLDOWN;
    const aim = c.yaw[slot]! / Q;
    const near = this.visibleSlots(s.idAt(slot), ZAP_SEARCH_M, this.zapCandidates);
    const hit = this.hitboxes.hitscan({
      candidates: this.zapCandidates,
      candidateCount: near,
      viewTick: unwrapTick(this.inView[slot]!, tick),
      nowTick: tick,
      originM: { x: c.x[slot]! / Q, y: c.y[slot]! / Q, z: c.z[slot]! / Q + ZAP_EYE_M },
      directionM: { x: Math.cos(aim), y: Math.sin(aim), z: 0 },
      rangeM: ZAP_RANGE_M,
      exclude: s.idAt(slot),
    });
    if (!hit || !s.isAlive(hit.id)) return;
    c.zapHits[slot] = Math.min(1_000_000, c.zapHits[slot]! + 1);
    const t = hit.id & 0xfffff;
    c.hp[t] = Math.max(0, c.hp[t]! - ZAP_DAMAGE);
    this.announce(c.hp[t]! > 0 ? EVENT_ZAP_HIT : EVENT_KNOCKOUT, t, s.idAt(slot));
    if (c.hp[t]! > 0) return;
    if (this.family[s.typeColumn[t]! - 1] === FAMILY.player) this.respawnPlayer(t);
    else {
      // The NPC comes back somewhere else on the map, as a collected pickup does.
      this.pending.push([s.game.types[s.typeColumn[t]! - 1]!.name, 0, 0, -1, hash3(this.seed ^ 0x2a9, t, tick)]);
      s.despawn(hit.id);
      this.grid.stale = true;
    }
  }

  /** An event at the body in slot `t` (where it is now): `zapper` hit it, naming its type. */
  private announce(kind: number, t: number, zapper: EntityId): void {
    const c = this.c;
    const payload = new Uint8Array(6);
    const v = new DataView(payload.buffer);
    v.setUint32(0, zapper >>> 0, true);
    v.setUint16(4, this.store.typeColumn[t]! - 1, true);
    this.events.push({ kind, x: c.x[t]! / Q, y: c.y[t]! / Q, z: c.z[t]! / Q, rangeM: ZAP_EVENT_RANGE_M, payload });
  }

  /** A player at 0 hp starts over at its spawn point, healed. */
  private respawnPlayer(s: number): void {
    const c = this.c;
    c.hp[s] = 100;
    const owner = this.store.ownerColumn[s]!;
    const [x, y] = this.playerSpreadM > 0 ? this.spawnPoint(owner) : [-8 + (owner % 16), -8];
    c.x[s] = q(x);
    c.y[s] = q(y);
    c.z[s] = 0;
    c.vz[s] = 0;
    c.grounded[s] = 1;
  }

  private stepProjectile(slot: number): void {
    const c = this.c;
    const x = c.x[slot]!, y = c.y[slot]!, z = c.z[slot]!;
    const vz = Math.max(c.vz[slot]! - G, -MAX_FALL);
    const nx = x + c.vx[slot]!, ny = y + c.vy[slot]!, nz = z + vz;
    const ttl = c.ttl[slot]!;
    if (ttl === 0 || Math.abs(nx) > EDGE || Math.abs(ny) > EDGE || nz <= groundHeightAt(nx, ny, z) || this.hit(slot, nx, ny, nz)) {
      this.store.despawn(this.store.idAt(slot));
      this.projectiles--;
      this.grid.stale = true;
      return;
    }
    c.x[slot] = nx;
    c.y[slot] = ny;
    c.z[slot] = clamp(nz, 0, MAX_Z);
    c.vz[slot] = vz;
    c.ttl[slot] = ttl - 1;
  }

  /** A projectile within 1 m of a player's chest hurts it; at 0 hp the player starts over. */
  private hit(p: number, x: number, y: number, z: number): boolean {
    const c = this.c;
    for (const id of this.players) {
      const s = id & 0xfffff;
      if (Math.abs(c.x[s]! - x) > Q || Math.abs(c.y[s]! - y) > Q || Math.abs(c.z[s]! + Q - z) > Q) continue;
      c.hp[s] = Math.max(0, c.hp[s]! - c.damage[p]!);
      if (c.hp[s] === 0) this.respawnPlayer(s);
      return true;
    }
    return false;
  }

  /** Pickups within 1.2 m (and 2 m of height) of the player: loot into its inventory, respawn elsewhere. */
  private collect(slot: number, tick: number): void {
    const c = this.c;
    const s = this.store;
    const cx = cellOf(c.x[slot]!);
    const cy = cellOf(c.y[slot]!);
    for (let gy = Math.max(0, cy - 1); gy <= Math.min(GRID - 1, cy + 1); gy++) {
      for (let gx = Math.max(0, cx - 1); gx <= Math.min(GRID - 1, cx + 1); gx++) {
        const k = gy * GRID + gx;
        for (let i = this.grid.start[k]!; i < this.grid.start[k + 1]!; i++) {
          const o = this.grid.items[i]!;
          const t = s.typeColumn[o]!;
          if (t === 0 || this.family[t - 1] !== FAMILY.pickup) continue;
          if (Math.abs(c.x[o]! - c.x[slot]!) > q(1.2) || Math.abs(c.y[o]! - c.y[slot]!) > q(1.2) || Math.abs(c.z[o]! - c.z[slot]!) > q(2)) continue;
          const amount = c.amount[o]!;
          if (c.kind[o] === 0) c.gold[slot] = Math.min(1_000_000, c.gold[slot]! + amount);
          else if (c.kind[o] === 1) c.keys[slot] = Math.min(15, c.keys[slot]! + amount);
          else c.potions[slot] = Math.min(99, c.potions[slot]! + amount);
          this.pending.push([s.game.types[t - 1]!.name, 0, 0, -1, hash3(this.seed ^ 0x51ed, o, tick)]);
          s.despawn(s.idAt(o));
          this.grid.stale = true;
        }
      }
    }
  }

  private spawnPending([type, x, y, z, extra]: Pending): void {
    if (z < 0) {
      // A collected pickup comes back somewhere else on the map, on a surface the hash picks.
      this.spawnAt(type, ((extra & 0xffff) % 1000) - 500, (((extra >>> 16) * 7) % 1000) - 500, (extra >>> 24) % 256);
      return;
    }
    const s = this.store.spawn(type, { 'projectile.damage': 10, 'projectile.ttl': 180 }) & 0xfffff;
    const c = this.c;
    c.x[s] = x;
    c.y[s] = y;
    c.z[s] = clamp(z, 0, MAX_Z);
    c.vx[s] = Math.round(Math.cos(extra / Q) * q(0.5));
    c.vy[s] = Math.round(Math.sin(extra / Q) * q(0.5));
    c.vz[s] = q(0.1);
    this.projectiles++;
  }

  private buildGrid(): void {
    this.grid.build(this.store.typeColumn, this.store.highWater, this.c.x, this.c.y);
  }
}
