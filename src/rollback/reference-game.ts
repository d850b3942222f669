// The reference game: the fixed World's NPCs (assembly/npc.ts) plus players, projectiles,
// hit points and lag-compensated hitscan, stepped by assembly/sim/step.ts over the one world
// region. It implements RollbackGame, so the same object runs the server's authoritative loop,
// a client's predicted world and the sync test. Rules live in the region header (H.sim*), so a
// snapshot or a full-state message carries them too.

import { ConfigError, InvalidArgumentError } from '../core/errors.js';
import { toQ16 } from '../core/fixed.js';
import { World, type WorldOptions } from '../core/world.js';
import { FLAG_DEAD, H, HEADER_BYTES, MAX_PLAYERS, WORLD_MAGIC, WORLD_VERSION } from '../core/world-layout.js';
import { INPUT_BYTES, IN_AIM, IN_BUTTONS, IN_TARGET, IN_VIEW_DELAY, BUTTON_SHOOT, BUTTON_PRESENT, NO_TARGET } from '../codec/rollback-input.js';
import type { Arena, Region } from '../wasm/arena.js';
import type { RollbackGame } from './game.js';
import { simKernels, type SimKernels } from './sim-kernels.js';
import { HitboxHistory } from './hitbox-history.js';
import { LagCompensator, historyFramesFor, DEFAULT_LAG_COMPENSATION, type LagCompensationOptions, type ShotVerdict } from './lag-compensation.js';

export interface SimRules {
  playerSpeedMps: number;
  projectileSpeedMps: number;
  projectileLifetimeS: number;
  weaponCooldownS: number;
  respawnS: number;
  playerHp: number;
  npcHp: number;
  projectileDamage: number;
  hitscanDamage: number;
  playerRadiusM: number;
  /** Broadphase cell side: a power of two in metres, at least twice the largest body radius. */
  cellSizeM: number;
  /** Players spawn within this half-extent of the world centre. */
  spawnExtentM: number;
}

export const DEFAULT_SIM_RULES: Readonly<SimRules> = Object.freeze({
  playerSpeedMps: 6,
  // 90 m/s is 1.5 m per tick at 60 Hz: more than a body's 1 m diameter, so only the swept test
  // keeps it from tunnelling.
  projectileSpeedMps: 90,
  projectileLifetimeS: 1.5,
  weaponCooldownS: 0.25,
  respawnS: 3,
  playerHp: 100,
  npcHp: 50,
  projectileDamage: 25,
  hitscanDamage: 34,
  playerRadiusM: 0.5,
  cellSizeM: 1,
  spawnExtentM: 25,
});

export interface ReferenceGameOptions {
  world: WorldOptions;
  /** NPCs spawned at frame 0. */
  npcs: number;
  /** Player numbers 0..players-1 (at most 64); the step reads this many records a frame. */
  players: number;
  rules?: Partial<SimRules>;
  /**
   * Hitbox history and lag compensation. `false` leaves them out (a sync test or a bench that
   * never shoots hitscan); by default the history covers the compensation window.
   */
  lagCompensation?: (Partial<Omit<LagCompensationOptions, 'tickHz'>> & { historyFrames?: number }) | false;
}

/** The broadphase numbers cells 0..65534 along each axis (assembly/sim/grid.ts). */
const MAX_CELLS_PER_AXIS = 65535;

function positiveFinite(name: string, value: number, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) throw new ConfigError(`rules.${name}`, `must be a finite number in [0, ${max}], got ${String(value)}`);
}

/** Writes validated rules into the world header. */
export function writeRules(world: World, rules: SimRules, players: number): void {
  const hz = world.options.tickHz;
  for (const [name, value] of Object.entries(rules)) positiveFinite(name, value as number);
  if (!Number.isInteger(players) || players < 1 || players > MAX_PLAYERS) throw new ConfigError('players', `must be an integer in [1, ${MAX_PLAYERS}], got ${players}`);
  const shift = Math.log2(rules.cellSizeM) + 16;
  if (!Number.isInteger(shift) || shift < 16 || shift > 26) throw new ConfigError('rules.cellSizeM', `must be a power of two from 1 to 1024 m, got ${rules.cellSizeM}`);
  if (rules.playerRadiusM * 2 > rules.cellSizeM) throw new ConfigError('rules.playerRadiusM', `a body (${rules.playerRadiusM} m) must fit half a cell (${rules.cellSizeM} m)`);
  const b = world.bounds;
  const cells = Math.max(b.maxX - b.minX, b.maxY - b.minY) / rules.cellSizeM;
  if (cells >= MAX_CELLS_PER_AXIS) throw new ConfigError('rules.cellSizeM', `${rules.cellSizeM} m cells put ${Math.ceil(cells)} cells across the world; at most ${MAX_CELLS_PER_AXIS - 1}`);
  if (rules.projectileSpeedMps / hz > 1000) throw new ConfigError('rules.projectileSpeedMps', 'more than 1 km per tick');
  for (const name of ['playerHp', 'npcHp', 'projectileDamage', 'hitscanDamage'] as const) {
    if (!Number.isInteger(rules[name]) || rules[name] > 0x7fffffff) throw new ConfigError(`rules.${name}`, `must be a non-negative 32-bit integer, got ${rules[name]}`);
  }
  const ticks = (seconds: number) => Math.max(1, Math.round(seconds * hz));
  const header = world.region.view('u32', 0, HEADER_BYTES / 4);
  const signed = world.region.view('i32', 0, HEADER_BYTES / 4);
  header[H.simPlayers / 4] = players;
  signed[H.simPlayerSpeed / 4] = toQ16(rules.playerSpeedMps / hz);
  signed[H.simProjectileSpeed / 4] = toQ16(rules.projectileSpeedMps / hz);
  header[H.simProjectileTicks / 4] = ticks(rules.projectileLifetimeS);
  header[H.simCooldownTicks / 4] = Math.round(rules.weaponCooldownS * hz);
  header[H.simRespawnTicks / 4] = ticks(rules.respawnS);
  signed[H.simPlayerHp / 4] = Math.max(1, rules.playerHp);
  signed[H.simNpcHp / 4] = Math.max(1, rules.npcHp);
  signed[H.simProjectileDamage / 4] = rules.projectileDamage;
  signed[H.simHitscanDamage / 4] = rules.hitscanDamage;
  signed[H.simPlayerRadius / 4] = toQ16(rules.playerRadiusM);
  header[H.simCellShift / 4] = shift;
  signed[H.simSpawnExtent / 4] = toQ16(Math.min(rules.spawnExtentM, 32767));
}

export class ReferenceGame implements RollbackGame {
  readonly arena: Arena;
  readonly world: World;
  readonly kernels: SimKernels;
  readonly scratch: Region;
  readonly inputBytes = INPUT_BYTES;
  readonly players: number;
  readonly rules: Readonly<SimRules>;
  /** Absent when created with `lagCompensation: false`. */
  readonly history: HitboxHistory | undefined;
  readonly lagCompensator: LagCompensator | undefined;
  /** The last verdict `resolveClaim` reached (for tools and tests). */
  lastVerdict: ShotVerdict | undefined;
  private readonly header: () => Uint32Array;
  private readonly posX: () => Int32Array;
  private readonly posY: () => Int32Array;
  private readonly timer: () => Uint32Array;
  private readonly flags: () => Uint32Array;

  static create(arena: Arena, options: ReferenceGameOptions): ReferenceGame {
    return new ReferenceGame(arena, options);
  }

  private constructor(arena: Arena, options: ReferenceGameOptions) {
    if (!Number.isInteger(options.npcs) || options.npcs < 0) throw new InvalidArgumentError(`npcs must be a non-negative integer, got ${options.npcs}`);
    const kernels = simKernels(arena.wasm);
    const rules: SimRules = { ...DEFAULT_SIM_RULES, ...options.rules };
    const world = World.create(arena, options.world);
    try {
      writeRules(world, rules, options.players);
    } catch (err) {
      arena.release(world.region);
      throw err;
    }
    const name = options.world.name ?? 'world';
    this.arena = arena;
    this.world = world;
    this.kernels = kernels;
    this.rules = rules;
    this.players = options.players;
    this.scratch = arena.allocate(`${name}-sim-scratch`, kernels.sim_scratch_bytes(world.capacity));
    world.spawnNpcs(options.npcs);
    kernels.sim_arm_npcs(world.ptr);
    if (options.lagCompensation !== false) {
      const lag = { ...DEFAULT_LAG_COMPENSATION, ...options.lagCompensation, tickHz: world.options.tickHz };
      const frames = options.lagCompensation?.historyFrames ?? historyFramesFor(lag, 64);
      this.history = new HitboxHistory(arena, kernels, world.capacity, frames, `${name}-hitboxes`);
      this.lagCompensator = new LagCompensator(this.history, kernels, lag);
      this.history.record(world.ptr, world.tick);
    }
    this.header = () => world.region.view('u32', 0, HEADER_BYTES / 4);
    this.posX = () => world.column('posX');
    this.posY = () => world.column('posY');
    this.timer = () => world.column('timer');
    this.flags = () => world.column('flags');
  }

  get statePtr(): number {
    return this.world.ptr;
  }

  get stateBytes(): number {
    return this.world.byteLength;
  }

  frame(): number {
    return this.world.tick;
  }

  advance(inputsPtr: number, playerCount: number): void {
    this.kernels.sim_step(this.world.ptr, inputsPtr, playerCount, this.scratch.ptr);
  }

  hash(): bigint {
    return this.world.hash();
  }

  onFrame(frame: number): void {
    this.history?.record(this.world.ptr, frame);
  }

  /** Slot of player `player`'s avatar, or -1 when it has none. */
  playerSlot(player: number): number {
    if (!Number.isInteger(player) || player < 0 || player >= MAX_PLAYERS) return -1;
    return this.header()[H.simPlayerTable / 4 + player]! - 1;
  }

  /** Players brought down and NPCs killed so far. */
  get kills(): number {
    return this.header()[H.simKills / 4]!;
  }

  /**
   * A player with an avatar stays present and idle (as the server writes it: verdict NO_TARGET);
   * one without stays absent (all zero, as the wire expands an absent player).
   */
  neutralInput(player: number, out: Uint8Array, offset: number): void {
    out.fill(0, offset, offset + INPUT_BYTES);
    if (this.playerSlot(player) < 0) return;
    out[offset + IN_BUTTONS] = BUTTON_PRESENT;
    new DataView(out.buffer, out.byteOffset + offset, INPUT_BYTES).setUint32(IN_TARGET, NO_TARGET, true);
  }

  /**
   * Lag compensation of a SHOOT: writes the verdict into the record (NO_TARGET for anything but
   * a resolvable shot), so the verdict — never a client's claim of one — is what the step applies.
   */
  resolveClaim(frame: number, player: number, records: Uint8Array, offset: number): void {
    const v = new DataView(records.buffer, records.byteOffset + offset, INPUT_BYTES);
    v.setUint32(IN_TARGET, NO_TARGET, true);
    const buttons = v.getUint8(IN_BUTTONS);
    if ((buttons & (BUTTON_SHOOT | BUTTON_PRESENT)) !== (BUTTON_SHOOT | BUTTON_PRESENT) || !this.lagCompensator) return;
    const slot = this.playerSlot(player);
    if (slot < 0) return;
    // Only a shot the step will fire is judged (players.ts: a living avatar whose cooldown is
    // over); holding SHOOT through the cooldown is not a claim, and costs no ray casts.
    if (this.timer()[slot] !== 0 || (this.flags()[slot]! & FLAG_DEAD) !== 0) return;
    const verdict = this.lagCompensator.judge(frame, slot, this.posX()[slot]!, this.posY()[slot]!, v.getUint16(IN_AIM, true), v.getUint16(IN_VIEW_DELAY, true));
    this.lastVerdict = verdict;
    v.setUint32(IN_TARGET, verdict.target, true);
  }

  /** Releases the world region, the step's scratch and the hitbox history back to the arena. */
  dispose(): void {
    if (this.history) this.arena.release(this.history.region);
    this.arena.release(this.scratch);
    this.arena.release(this.world.region);
  }

  /** Why `bytes` are not a state of this game's layout, or null: checked before any byte is copied. */
  checkState(bytes: Uint8Array): string | null {
    if (bytes.byteLength !== this.stateBytes) return `state is ${bytes.byteLength} bytes, this world is ${this.stateBytes}`;
    const theirs = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
    const ours = this.header();
    if (theirs.getUint32(H.magic, true) !== WORLD_MAGIC) return 'not a world region (bad magic)';
    if (theirs.getUint32(H.version, true) !== WORLD_VERSION) return `layout version ${theirs.getUint32(H.version, true)}, expected ${WORLD_VERSION}`;
    // Everything that fixes where things are must match ours exactly; the rest is state.
    for (const field of ['capacity', 'columns', 'size'] as const) {
      if (theirs.getUint32(H[field], true) !== ours[H[field] / 4]) return `${field} differs: ${theirs.getUint32(H[field], true)} vs ${ours[H[field] / 4]}`;
    }
    for (let i = 0; i < ours[H.columns / 4]!; i++) {
      if (theirs.getUint32(H.columnTable + 4 * i, true) !== ours[H.columnTable / 4 + i]) return `column ${i} offset differs`;
    }
    const capacity = ours[H.capacity / 4]!;
    const high = theirs.getUint32(H.highWater, true);
    const free = theirs.getUint32(H.free, true);
    const alive = theirs.getUint32(H.alive, true);
    if (high > capacity || free > high || alive + free !== high) return `slot counts inconsistent (high ${high}, free ${free}, alive ${alive}, capacity ${capacity})`;
    if (theirs.getUint32(H.simCellShift, true) < 16 || theirs.getUint32(H.simCellShift, true) > 26) return 'cell shift out of range';
    if (theirs.getUint32(H.simPlayers, true) > MAX_PLAYERS) return 'player count out of range';
    // Slot numbers the kernels write through must name used slots, or a forged state could make
    // them write outside the region.
    for (let p = 0; p < MAX_PLAYERS; p++) {
      const entry = theirs.getUint32(H.simPlayerTable + 4 * p, true);
      if (entry > high) return `player ${p}'s avatar slot ${entry - 1} is beyond the high water ${high}`;
    }
    const freeStack = new DataView(bytes.buffer, bytes.byteOffset + ours[H.columnTable / 4 + 2]!, capacity * 4);
    for (let i = 0; i < free; i++) {
      if (freeStack.getUint32(i * 4, true) >= high) return `free-stack entry ${i} names slot ${freeStack.getUint32(i * 4, true)}, beyond the high water ${high}`;
    }
    return null;
  }
}
