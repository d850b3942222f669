// Fixtures of the rollback tests: small reference worlds (the reference game, a test fixture of
// its own: test/fixtures/reference-game), seeded input streams, and a seeded
// network that delays, drops and reorders messages like a real one.

import type { Arena } from '../../src/wasm/arena.js';
import { DEFAULT_NPC_OPTIONS, type WorldOptions } from '../../src/core/world.js';
import { ReferenceGame, referenceArena, type ReferenceGameOptions } from '../fixtures/reference-game/reference-game.js';
import { AIM_TURN, BUTTON_FIRE, BUTTON_PRESENT, BUTTON_SHOOT, INPUT_BYTES, IN_AIM, IN_BUTTONS, IN_MOVE_X, IN_MOVE_Y, IN_TARGET, NO_TARGET } from '../fixtures/reference-game/input.js';
import { mulberry32 } from '../helpers/wasm.js';

export { mulberry32 };

export const SMALL_BOUNDS = { minX: -20, minY: -20, minZ: 0, maxX: 20, maxY: 20, maxZ: 4 };

export function worldOptions(overrides: Partial<WorldOptions> = {}): WorldOptions {
  return { capacity: 256, seed: 7, tickHz: 60, bounds: SMALL_BOUNDS, npc: DEFAULT_NPC_OPTIONS, ...overrides };
}

/** An arena over the reference game's module (the engine's kernels and the game's step). */
export async function newArena(): Promise<Arena> {
  return referenceArena();
}

/** A small, crowded reference game: players, NPCs, projectiles and collisions all happen. */
export function smallGame(arena: Arena, overrides: Partial<ReferenceGameOptions> = {}, name = 'world'): ReferenceGame {
  return ReferenceGame.create(arena, {
    world: worldOptions({ name }),
    npcs: 64,
    players: 8,
    ...overrides,
  });
}

/**
 * Random inputs for `players` players: moves, aims, FIRE often, SHOOT sometimes (with a random
 * verdict naming some slot, as a server would write), players joining and leaving.
 */
export function randomInputs(rand: () => number, players: number, out = new Uint8Array(players * INPUT_BYTES), presentOdds = 0.97): Uint8Array {
  out.fill(0);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let p = 0; p < players; p++) {
    const o = p * INPUT_BYTES;
    if (rand() > presentOdds) continue; // absent this frame: the avatar leaves (and rejoins later)
    v.setInt8(o + IN_MOVE_X, Math.floor(rand() * 255) - 127);
    v.setInt8(o + IN_MOVE_Y, Math.floor(rand() * 255) - 127);
    let buttons = BUTTON_PRESENT;
    if (rand() < 0.3) buttons |= BUTTON_FIRE;
    if (rand() < 0.1) buttons |= BUTTON_SHOOT;
    v.setUint8(o + IN_BUTTONS, buttons);
    v.setUint16(o + IN_AIM, Math.floor(rand() * AIM_TURN), true);
    v.setUint32(o + IN_TARGET, (buttons & BUTTON_SHOOT) !== 0 && rand() < 0.7 ? Math.floor(rand() * 128) : NO_TARGET, true);
  }
  return out;
}

/** A seeded one-way link: each message is delivered after base ± jitter ms, or lost. */
export class SimulatedLink {
  private readonly queue: { at: number; seq: number; bytes: Uint8Array }[] = [];
  private seq = 0;
  sent = 0;
  lost = 0;

  constructor(
    private readonly rand: () => number,
    readonly delayMs: number,
    readonly jitterMs: number,
    readonly lossRate: number,
  ) {}

  send(bytes: Uint8Array, nowMs: number): void {
    this.sent++;
    if (this.rand() < this.lossRate) {
      this.lost++;
      return;
    }
    // Jitter can reorder messages, as a real network does.
    const at = nowMs + this.delayMs + (this.rand() * 2 - 1) * this.jitterMs;
    this.queue.push({ at, seq: this.seq++, bytes: bytes.slice() });
  }

  /** Messages due by nowMs, in arrival order. */
  deliver(nowMs: number): Uint8Array[] {
    const due = this.queue.filter((m) => m.at <= nowMs).sort((a, b) => a.at - b.at || a.seq - b.seq);
    if (due.length > 0) {
      const keep = this.queue.filter((m) => m.at > nowMs);
      this.queue.length = 0;
      this.queue.push(...keep);
    }
    return due.map((m) => m.bytes);
  }
}
