// WorldGame: world mode's authoritative world on the server. One World region holds NPCs, every
// player's avatar and the projectiles, stepped by sim_world_step (assembly/sim/world-step.ts)
// with the avatar commands the InputAuthority chose for the tick. Avatars come and go as
// connections do (spawnAvatar / removeAvatar, never a player table): the count of players is
// bounded by the world's capacity, nothing else. A hitbox history of every body, recorded after
// each step, lets lag compensation judge a hitscan against what the shooter saw, testing only
// the bodies a spatial query finds near it.

import { ConfigError, InvalidArgumentError } from '../core/errors.js';
import type { ChronosConfig } from '../core/config.js';
import { worldBounds } from '../core/config.js';
import { toQ16 } from '../core/fixed.js';
import { World, type WorldOptions } from '../core/world.js';
import { FLAG_AWAY, FLAG_PLAYER, H, HEADER_BYTES } from '../core/world-layout.js';
import { makeEntityId } from '../core/entity-id.js';
import { mulberry32 } from '../core/mulberry32.js';
import type { Arena, Region } from '../wasm/arena.js';
import { DEFAULT_SIM_RULES, writeRules, type SimRules } from '../rollback/reference-game.js';
import { simKernels, type SimKernels } from '../rollback/sim-kernels.js';
import { HitboxHistory } from '../rollback/hitbox-history.js';
import { DEFAULT_LAG_COMPENSATION, LagCompensator, historyFramesFor, type LagCompensationOptions, type ShotCandidates } from '../rollback/lag-compensation.js';
import { HUB_SPAWN_RADIUS_M, worldHubs, type Hub } from './hubs.js';
import { CMD_BYTES } from './commands.js';

/**
 * Projectiles a player can have in flight: lifetime / cooldown (1.5 s / 0.25 s = 6), plus one.
 * The world's capacity leaves this many slots per player beside the NPCs.
 */
export const SLOTS_PER_PLAYER = 7;
/** Commands a tick may hold per player: one input, plus one of catch-up. */
export const COMMANDS_PER_PLAYER = 2;

export interface WorldGameParams {
  world: Omit<WorldOptions, 'name'>;
  npcs: number;
  /** Players (avatars) the world makes room for. */
  maxPlayers: number;
  rules: SimRules;
  lagCompensation: Omit<LagCompensationOptions, 'tickHz'>;
}

/** World mode's game for a server with `config`, room for `maxPlayers` avatars. */
export function worldGameParams(config: ChronosConfig, maxPlayers: number, rules: Partial<SimRules> = {}): WorldGameParams {
  if (!Number.isInteger(maxPlayers) || maxPlayers < 1 || maxPlayers > 100_000) throw new ConfigError('maxClients', `must be an integer in [1, 100000], got ${String(maxPlayers)}`);
  const capacity = config.npcs + maxPlayers * SLOTS_PER_PLAYER + config.spareEntities;
  return {
    world: { capacity, seed: config.seed, tickHz: config.tickHz, bounds: worldBounds(config), npc: config.npc },
    npcs: config.npcs,
    maxPlayers,
    rules: { ...DEFAULT_SIM_RULES, ...rules },
    lagCompensation: { ...DEFAULT_LAG_COMPENSATION },
  };
}

export class WorldGame {
  readonly arena: Arena;
  readonly world: World;
  readonly kernels: SimKernels;
  readonly params: WorldGameParams;
  readonly hubs: readonly Hub[];
  readonly history: HitboxHistory;
  readonly compensator: LagCompensator;
  private readonly scratch: Region;
  /** The tick's avatar commands (CMD_BYTES each), written by the InputAuthority. */
  readonly commands: Region;
  readonly maxCommands: number;
  private readonly rand: () => number;
  private avatars = 0;

  /** Builds the world (its regions named after `name`, unique within the arena). */
  static create(arena: Arena, params: WorldGameParams, candidates?: ShotCandidates, name = 'world-mode'): WorldGame {
    return new WorldGame(arena, params, candidates, name);
  }

  private constructor(arena: Arena, params: WorldGameParams, candidates: ShotCandidates | undefined, name: string) {
    if (!Number.isInteger(params.npcs) || params.npcs < 0) throw new InvalidArgumentError(`npcs must be a non-negative integer, got ${params.npcs}`);
    this.arena = arena;
    this.params = params;
    this.kernels = simKernels(arena.wasm);
    this.world = World.create(arena, { ...params.world, name });
    writeRules(this.world, params.rules, 1);
    this.hubs = worldHubs(params.world.seed, params.world.bounds);
    this.scratch = arena.allocate(`${name}-scratch`, this.kernels.sim_scratch_bytes(this.world.capacity));
    this.maxCommands = params.maxPlayers * COMMANDS_PER_PLAYER;
    this.commands = arena.allocate(`${name}-commands`, this.maxCommands * CMD_BYTES);
    this.world.spawnNpcs(params.npcs);
    this.kernels.sim_arm_npcs(this.world.ptr);
    const tickHz = params.world.tickHz;
    const lag = { ...params.lagCompensation, tickHz };
    this.history = new HitboxHistory(arena, this.kernels, this.world.capacity, historyFramesFor(lag, 1), `${name}-hitboxes`);
    this.compensator = new LagCompensator(this.history, this.kernels, lag, candidates);
    this.history.record(this.world.ptr, this.world.tick);
    this.rand = mulberry32(params.world.seed ^ 0x5350574e); // 'SPWN'
  }

  get tick(): number {
    return this.world.tick;
  }

  /** Players brought down and NPCs killed so far. */
  get kills(): number {
    return this.world.region.view('u32', 0, HEADER_BYTES / 4)[H.simKills / 4]!;
  }

  get avatarCount(): number {
    return this.avatars;
  }

  /** A hub index for a player who asked for none: the centre or a town, at random. */
  defaultHub(): number {
    return Math.floor(this.rand() * 17) % this.hubs.length;
  }

  /**
   * Spawns an avatar within HUB_SPAWN_RADIUS_M of hub `hub` (clamped to the world); returns its
   * slot, or -1 when the world is full.
   */
  spawnAvatar(hub: number): number {
    const h = this.hubs[hub] ?? this.hubs[0]!;
    const slot = this.world.kernels.world_alloc(this.world.ptr, FLAG_PLAYER);
    if (slot < 0) return -1;
    const r = this.params.rules;
    const b = this.world.bounds;
    const angle = this.rand() * 2 * Math.PI;
    const distance = Math.sqrt(this.rand()) * HUB_SPAWN_RADIUS_M;
    const margin = r.playerRadiusM;
    const x = Math.min(b.maxX - margin, Math.max(b.minX + margin, h.x + Math.cos(angle) * distance));
    const y = Math.min(b.maxY - margin, Math.max(b.minY + margin, h.y + Math.sin(angle) * distance));
    const w = this.world;
    w.column('posX')[slot] = toQ16(x);
    w.column('posY')[slot] = toQ16(y);
    w.column('posZ')[slot] = toQ16(b.minZ);
    w.column('radius')[slot] = toQ16(r.playerRadiusM);
    w.column('hp')[slot] = Math.max(1, r.playerHp);
    w.column('heading')[slot] = toQ16(angle - Math.PI);
    this.avatars++;
    return slot;
  }

  /** Takes an avatar out of the world (its id goes stale). */
  removeAvatar(slot: number): void {
    if (this.world.kernels.world_free(this.world.ptr, slot) === 1) this.avatars--;
  }

  /** Marks an avatar away (its link is lost) or back. */
  setAway(slot: number, away: boolean): void {
    const flags = this.world.column('flags');
    flags[slot] = away ? flags[slot]! | FLAG_AWAY : flags[slot]! & ~FLAG_AWAY;
  }

  /** The entity id of a slot as it is now. */
  entityIdOf(slot: number): number {
    return makeEntityId(slot, this.world.column('generation')[slot]!);
  }

  /** One tick: NPCs, the first `commandCount` commands, projectiles, collisions; then the history. */
  step(commandCount: number): void {
    if (commandCount > this.maxCommands) throw new InvalidArgumentError(`${commandCount} commands, at most ${this.maxCommands}`);
    this.kernels.sim_world_step(this.world.ptr, this.commands.ptr, commandCount, this.scratch.ptr);
    this.history.record(this.world.ptr, this.world.tick);
  }

  dispose(): void {
    this.arena.release(this.history.region);
    this.arena.release(this.commands);
    this.arena.release(this.scratch);
    this.arena.release(this.world.region);
  }
}
