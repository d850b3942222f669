// The arena shooter as a rollback room (arena mode: `npm run example:arena-shooter -- --mode arena`):
// up to 64 seats, every client simulating the whole arena with the same module and reconciled by
// the server's confirmed inputs (the engine's DeclaredRoomGame). The world is the same as world
// mode's, made by the same settings and setup; the store holds it all, seats included.
//
// The rifle's verdict is the server's: what a client puts in `target` is cleared, and the server
// judges each shot against the room as it is at the frame that applies it (every copy of the
// room shows every body where the server has it, give or take the prediction of others' moves,
// so there is nothing to rewind). The verdict reaches every client in the confirmed inputs; a
// client predicts no hit of its own.

import { DeclaredHitboxes, DeclaredRoomGame, type RoomJoin, type WasmGameRules } from '../../src/index.js';
import { MAX_CAPACITY, NO_TARGET, NPC_SPREAD_M, NPCS, type Declaration, type Input } from './game.js';
import { canShoot, loadRules, RIFLE_HITBOXES, rifleTarget } from './module.js';

/** Seats of a room: the rollback layer's most. */
export const ROOM_SEATS = 64;

export interface RoomOptions {
  readonly seed?: number;
  /** NPCs at the start (default 2,000), appearing within npcSpreadM of the centre (default 500). */
  readonly npcs?: number;
  readonly npcSpreadM?: number;
  /** Seats (1 to 64, default 64). */
  readonly seats?: number;
}

/**
 * Slots a room's store needs: the settings, its NPCs, and each seat's avatar and eight
 * projectiles (a weapon fires every 15 ticks and a shot lives 90: six at most). No more: every
 * client is sent the whole store when it joins (2,000 NPCs and 64 seats: 2,600 slots, 230 KB).
 */
export function roomCapacity(npcs: number, seats: number): number {
  return 1 + npcs + 9 * seats;
}

/** The rules a room runs, loaded and set up (the server's), or only loaded (a client's, whose state comes from the server). */
export async function loadRoomRules(options: RoomOptions & { readonly setup: boolean }): Promise<WasmGameRules<Declaration>> {
  const npcs = options.npcs ?? NPCS;
  const seats = options.seats ?? ROOM_SEATS;
  const capacity = roomCapacity(npcs, seats);
  if (!Number.isInteger(npcs) || npcs < 0 || capacity > MAX_CAPACITY) throw new RangeError(`${npcs} NPCs take ${capacity} slots; the arena holds ${MAX_CAPACITY} (its broadphase's)`);
  const rules = await loadRules(capacity, seats);
  if (options.setup) {
    rules.store.spawn('settings', { spawning: { npcs, spreadM: options.npcSpreadM ?? NPC_SPREAD_M } });
    rules.setup(options.seed ?? 1);
  }
  return rules;
}

/** The server's room: a fresh arena from `seed`, its rifle judged by the server. */
export async function createRoom(options: RoomOptions = {}): Promise<DeclaredRoomGame<Declaration>> {
  return roomOver(await loadRoomRules({ ...options, setup: true }), true);
}

/** A room over `rules`; `judge`: the server's (its rifle verdicts), not a client's. */
export function roomOver(rules: WasmGameRules<Declaration>, judge: boolean): DeclaredRoomGame<Declaration> {
  if (!judge) return DeclaredRoomGame.over(rules, { verdicts: ['target'] });
  // Where every body is at the frame being judged: recorded once a frame, when the first shot of it is judged.
  const hitboxes = new DeclaredHitboxes(rules.store, { ...RIFLE_HITBOXES, historyTicks: 2, maxRewindTicks: 0 });
  return DeclaredRoomGame.over(rules, {
    verdicts: ['target'],
    judge(avatar: number, input: Input, frame: number): Input {
      input.target = NO_TARGET;
      if (!canShoot(rules, avatar, input)) return input;
      if (hitboxes.latestTick !== frame) hitboxes.record(frame);
      input.target = rifleTarget(rules, hitboxes, avatar, input, frame, frame);
      return input;
    },
  });
}

/** A Node client's room (the bots'): the module loaded as the server's JOIN describes it; its state comes from the server. */
export async function clientRoom(join: RoomJoin): Promise<DeclaredRoomGame<Declaration>> {
  return roomOver(await loadRules(join.capacity, join.players), false);
}
