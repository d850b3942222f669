// The arena shooter as the server runs it: the game's module (its AssemblyScript rules and the
// engine's kernels, built by `npm run build` into build/examples/arena-shooter/game.wasm, the
// file the page loads too) with its store in the module's memory, and what each player sees:
// the engine's spatial index over the store's positions, within 100 m (an entity leaves a view
// only past 110 m, so one pacing the edge does not flicker in and out), narrower in a crowd
// (CROWD), refreshed by distance: what is on the player's screen every tick, farther out less
// often (ZONES).

import { readFile } from 'node:fs/promises';
import { DeclaredHitboxes, DeclaredInterest, unwrapTick, wasmGameModule, WasmGameRules, type DeclaredCrowdOptions, type DeclaredGameModule, type UpdateZonesSpec } from '../../src/index.js';
import { CAPACITY, GAME, MAX_CAPACITY, NO_TARGET, NPC_SPREAD_M, NPCS, RIFLE_RANGE_M, type Declaration, type Input } from './game.js';

export const MODULE_URL = new URL('../../build/examples/arena-shooter/game.wasm', import.meta.url);

/** The game's module, loaded into its own memory: the rules and their store, nothing played yet. */
export async function loadRules(capacity = CAPACITY, seats = 0): Promise<WasmGameRules<Declaration>> {
  const bytes = await readFile(MODULE_URL).catch(() => {
    throw new Error('build/examples/arena-shooter/game.wasm is missing: run `npm run build` first');
  });
  return WasmGameRules.load(GAME, { bytes, capacity, seats });
}

export interface ArenaOptions {
  readonly seed?: number;
  /** How far a player sees, metres (default 100). */
  readonly viewRadiusM?: number;
  /** NPCs at the start (default 2,000), appearing within npcSpreadM of the centre (default 500). */
  readonly npcs?: number;
  readonly npcSpreadM?: number;
  /** Players the store has room for beside the NPCs, eight projectiles each (default 1,000). */
  readonly maxPlayers?: number;
  /** Update rates by distance (default ZONES; null: everything every tick). */
  readonly zones?: UpdateZonesSpec<Declaration> | null;
  /** How a view narrows in a crowd (default CROWD; false: never). */
  readonly crowd?: DeclaredCrowdOptions | false;
}

/**
 * A view in a crowd (a hub full of players and their shots) narrows past 220 entities towards
 * 180, world mode's thresholds (85 % and 70 % of its 256): what is nearest is what a player
 * needs, and the rest would cost every player in the crowd bandwidth, memory and encoding.
 * The view's capacity (1,024) leaves room for the ticks it takes to narrow.
 */
export const CROWD = { shrinkAbove: 220, target: 180 } as const;

/**
 * What a player is sent how often: what is on its screen (the page shows 90 m across) and in
 * its rifle's reach every tick (so the tick the screen shows is the tick its shots are judged
 * against), the rest of its 100 m view 10 times a second, its far edge twice. Its own avatar
 * and shots are never held back.
 */
export const ZONES: UpdateZonesSpec<Declaration> = {
  x: 'position.x',
  y: 'position.y',
  bands: [{ withinM: 65, hz: 60 }, { withinM: 85, hz: 10 }],
  beyondHz: 2,
};

/** The arena as DeclaredServer serves it: a fresh world from `seed`. */
export async function createArena(options: ArenaOptions = {}): Promise<DeclaredGameModule<Declaration> & { readonly rules: WasmGameRules<Declaration>; readonly rifle: DeclaredHitboxes<Declaration> }> {
  const npcs = options.npcs ?? NPCS;
  const capacity = Math.max(CAPACITY, npcs + 8 * (options.maxPlayers ?? 1000) + 1024);
  if (!Number.isInteger(npcs) || npcs < 0 || capacity > MAX_CAPACITY) {
    throw new RangeError(`${npcs} NPCs and ${options.maxPlayers ?? 1000} players' room take ${capacity} slots; the arena holds ${MAX_CAPACITY} (its broadphase's)`);
  }
  const rules = await loadRules(capacity);
  // The world's settings go in the store first (slot 0), where setup reads them.
  rules.store.spawn('settings', { spawning: { npcs, spreadM: options.npcSpreadM ?? NPC_SPREAD_M } });
  rules.setup(options.seed ?? 1);
  const radiusM = options.viewRadiusM ?? 100;
  const interest = DeclaredInterest.create(rules.arena, rules.store, { x: 'position.x', y: 'position.y', radiusM, hysteresisM: 10, crowd: options.crowd ?? CROWD });
  interest.update();
  const zones = options.zones === undefined ? ZONES : options.zones ?? undefined;
  const rifle = rifleJudge(rules, interest);
  // The kill feed is the rules' own (assembly/combat.ts emits it): wasmGameModule sends it.
  const module = wasmGameModule(rules, { viewCapacity: 1024, interest, unsavedTypes: ['player', 'projectile'], zones, judge: rifle.judge, stepped: rifle.record, restored: rifle.clear });
  return { ...module, rules, rifle: rifle.hitboxes };
}

/** How far anything moves in the rifle's half second of rewind, metres (players 3, NPCs 1.5), and some. */
const REWIND_MARGIN_M = 5;

/**
 * The rifle, judged by lag compensation: every body's place is recorded each tick, and a shot is
 * tested against the bodies where they were at the tick the shooter's screen showed (at most
 * half a second back), so what the player had in its sights is what it hits. The verdict goes
 * into the input's target, where the rules (assembly/index.ts) apply it; whatever a client sent
 * there is replaced.
 */
function rifleJudge(rules: WasmGameRules<Declaration>, interest: DeclaredInterest<Declaration>) {
  const store = rules.store;
  const hitboxes = new DeclaredHitboxes(store, { ...RIFLE_HITBOXES, historyTicks: 32, maxRewindTicks: 30 });
  const near = interest.index.createResult(256);
  return {
    hitboxes,
    judge(avatar: number, input: Input, tick: number): Input {
      input.target = NO_TARGET;
      if (!canShoot(rules, avatar, input)) return input;
      const n = interest.index.radiusInto(near, store.get(avatar, 'position.x') as number, store.get(avatar, 'position.y') as number, 0, RIFLE_RANGE_M + REWIND_MARGIN_M);
      input.target = rifleTarget(rules, hitboxes, avatar, input, tick, unwrapTick(input.viewTick, tick), near.ids, n);
      return input;
    },
    record: (tick: number) => hitboxes.record(tick),
    clear: () => hitboxes.clear(),
  };
}

/** What the rifle's hitboxes are: a 0.5 m sphere around every NPC and player. */
export const RIFLE_HITBOXES = { position: ['position.x', 'position.y'], radiusM: 0.5, types: ['npc', 'player'] } as const;

/** Whether `avatar`'s input fires the rifle now (its weapon ready, itself alive). */
export function canShoot(rules: WasmGameRules<Declaration>, avatar: number, input: Input): boolean {
  return input.shoot && rules.store.get(avatar, 'weapon.cooldown') === 0 && !rules.store.get(avatar, 'body.dead');
}

/** The rifle's verdict for `avatar`'s shot at `tick`, judged at `viewTick`: the slot + 1 of the body hit, or NO_TARGET. */
export function rifleTarget(rules: WasmGameRules<Declaration>, hitboxes: DeclaredHitboxes<Declaration>, avatar: number, input: Input, tick: number, viewTick: number, candidates?: ArrayLike<number>, candidateCount?: number): number {
  const store = rules.store;
  const hit = hitboxes.hitscan({
    candidates,
    candidateCount,
    viewTick,
    nowTick: tick,
    originM: { x: store.get(avatar, 'position.x') as number, y: store.get(avatar, 'position.y') as number },
    directionM: { x: Math.cos(input.aim), y: Math.sin(input.aim) },
    rangeM: RIFLE_RANGE_M,
    exclude: avatar,
  });
  return hit ? (hit.id & 0xfffff) + 1 : NO_TARGET;
}
