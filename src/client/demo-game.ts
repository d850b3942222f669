// The demo's game, built the same way on the server and in every client: the reference game
// (src/rollback/reference-game.ts) over a world of the server's options. The server builds it
// from its configuration, describes it in the JOIN message (src/codec/play-messages.ts), and a
// client builds a byte-identical one from that JOIN, so the STATE that follows fits it exactly.

import type { ChronosConfig } from '../core/config.js';
import { worldBounds } from '../core/config.js';
import type { WorldOptions } from '../core/world.js';
import { MAX_PLAYERS } from '../core/world-layout.js';
import { ConfigError, InvalidArgumentError } from '../core/errors.js';
import type { Arena } from '../wasm/arena.js';
import { DEFAULT_SIM_RULES, ReferenceGame, type SimRules } from '../rollback/reference-game.js';
import { DEFAULT_LAG_COMPENSATION, type LagCompensationOptions } from '../rollback/lag-compensation.js';
import type { JoinMessage, SpectatorReason } from '../codec/play-messages.js';

/** Every player table entry: a session larger than this cannot exist. */
export const MAX_SESSION_PLAYERS = MAX_PLAYERS;
export const DEFAULT_MAX_PLAYERS = MAX_PLAYERS;

export interface DemoGameParams {
  world: Omit<WorldOptions, 'name'>;
  npcs: number;
  /** Player numbers in the session (the step reads this many input records a frame). */
  players: number;
  rules: SimRules;
  lagCompensation: Omit<LagCompensationOptions, 'tickHz'>;
  hashEveryFrames: number;
}

/** The demo game a server with `config` runs, for `maxPlayers` players. */
export function demoGameParams(config: ChronosConfig, maxPlayers = DEFAULT_MAX_PLAYERS, rules: Partial<SimRules> = {}): DemoGameParams {
  if (!Number.isInteger(maxPlayers) || maxPlayers < 1 || maxPlayers > MAX_SESSION_PLAYERS) {
    throw new ConfigError('maxPlayers', `must be an integer in [1, ${MAX_SESSION_PLAYERS}], got ${String(maxPlayers)}`);
  }
  return {
    world: { capacity: config.npcs + config.spareEntities, seed: config.seed, tickHz: config.tickHz, bounds: worldBounds(config), npc: config.npc },
    npcs: config.npcs,
    players: maxPlayers,
    rules: { ...DEFAULT_SIM_RULES, ...rules },
    lagCompensation: { ...DEFAULT_LAG_COMPENSATION },
    hashEveryFrames: config.hashEveryTicks,
  };
}

/**
 * Builds the game (its regions named after `name`, unique within the arena). Throws ConfigError
 * on bad params. `historyFrames` sizes the hitbox history, which lives outside the state: the
 * server's covers the lag-compensation window; a client's also draws every body from it, up to
 * its deepest prediction behind (see PlayClient).
 */
export function createDemoGame(arena: Arena, params: DemoGameParams, name: string, historyFrames?: number): ReferenceGame {
  return ReferenceGame.create(arena, {
    world: { ...params.world, name },
    npcs: params.npcs,
    players: params.players,
    rules: params.rules,
    lagCompensation: historyFrames === undefined ? params.lagCompensation : { ...params.lagCompensation, historyFrames },
  });
}

/** The JOIN a server running `params` at `serverFrame` sends to `player` (-1: a spectator). */
export function joinFor(params: DemoGameParams, player: number, reason: SpectatorReason, serverFrame: number, stateBytes: number): JoinMessage {
  return {
    player,
    players: params.players,
    spectatorReason: reason,
    seed: params.world.seed,
    capacity: params.world.capacity,
    npcs: params.npcs,
    hashEveryFrames: params.hashEveryFrames,
    serverFrame,
    stateBytes,
    tickHz: params.world.tickHz,
    bounds: { ...params.world.bounds },
    npc: { ...params.world.npc },
    rules: { ...params.rules },
    lagCompensation: { ...params.lagCompensation },
  };
}

/** The game a JOIN describes. */
export function paramsFromJoin(join: JoinMessage): DemoGameParams {
  return {
    world: { capacity: join.capacity, seed: join.seed, tickHz: join.tickHz, bounds: { ...join.bounds }, npc: { ...join.npc } },
    npcs: join.npcs,
    players: join.players,
    rules: { ...join.rules },
    lagCompensation: { ...join.lagCompensation },
    hashEveryFrames: join.hashEveryFrames,
  };
}

/**
 * Hash of the game `params` describe after `frames` frames with no player present: the same
 * number in Node and in a browser, which is what the page's determinism check compares.
 */
export function hashAfterFrames(arena: Arena, params: DemoGameParams, frames: number, name = 'hash-probe'): bigint {
  if (!Number.isInteger(frames) || frames < 0) throw new InvalidArgumentError(`frames must be a non-negative integer, got ${frames}`);
  const game = createDemoGame(arena, params, name);
  const inputs = arena.allocate(`${name}-inputs`, params.players * game.inputBytes);
  try {
    for (let f = 0; f < frames; f++) game.advance(inputs.ptr, params.players);
    return game.hash();
  } finally {
    arena.release(inputs);
    game.dispose();
  }
}
