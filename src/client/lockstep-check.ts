// Runs the server's deterministic simulation locally from the HELLO frame (same seed, same
// options, same chronos.wasm) and compares its state hash with every HASH frame the server
// sends. Stepping is time-boxed so a browser tab catching up on a long-running server stays
// responsive. Used by the web page and by Node bots.

import { World, type WorldOptions } from '../core/world.js';
import type { HelloFrame, HashFrame } from '../codec/world-frame.js';
import type { Arena } from '../wasm/arena.js';

/** Server hashes waiting for the local simulation to reach their tick (about a minute's worth). */
const MAX_PENDING_HASHES = 64;

export type LockstepState = 'syncing' | 'in-sync' | 'desync';

export class LockstepCheck {
  readonly world: World;
  private readonly pending = new Map<number, bigint>();
  private targetTick: number;
  matches = 0;
  mismatches = 0;
  firstMismatchTick = -1;
  lastCheckedTick = -1;
  lastLocalHash = 0n;
  /** Server hashes that arrived for ticks the local simulation had already passed. */
  missed = 0;

  constructor(arena: Arena, hello: HelloFrame, regionName = 'lockstep-world') {
    const options: WorldOptions = {
      capacity: hello.capacity,
      seed: hello.seed,
      tickHz: hello.tickHz,
      bounds: hello.bounds,
      npc: hello.npc,
      name: regionName,
    };
    this.world = World.create(arena, options);
    this.world.spawnNpcs(hello.npcs);
    this.targetTick = hello.tick;
  }

  get state(): LockstepState {
    if (this.mismatches > 0) return 'desync';
    return this.matches > 0 && this.world.tick >= this.targetTick - 1 ? 'in-sync' : 'syncing';
  }

  /** The server has reached `tick`; the local simulation follows. */
  serverAt(tick: number): void {
    if (tick > this.targetTick) this.targetTick = tick;
  }

  onHash(frame: HashFrame): void {
    this.serverAt(frame.tick);
    if (frame.tick <= this.world.tick) {
      this.missed++;
      return;
    }
    if (this.pending.size >= MAX_PENDING_HASHES) {
      const oldest = this.pending.keys().next().value as number;
      this.pending.delete(oldest);
    }
    this.pending.set(frame.tick, frame.hash);
  }

  /** Steps toward the server's tick for at most `budgetMs`; returns ticks stepped. */
  advance(budgetMs: number, now: () => number): number {
    const deadline = now() + budgetMs;
    let stepped = 0;
    while (this.world.tick < this.targetTick) {
      this.world.step();
      stepped++;
      const expected = this.pending.get(this.world.tick);
      if (expected !== undefined) {
        this.pending.delete(this.world.tick);
        this.check(expected);
      }
      if ((stepped & 63) === 0 && now() >= deadline) break;
    }
    return stepped;
  }

  /** Fraction of the way from tick 0 to the server's tick. */
  get progress(): number {
    return this.targetTick === 0 ? 1 : Math.min(1, this.world.tick / this.targetTick);
  }

  private check(expected: bigint): void {
    const local = this.world.hash();
    this.lastLocalHash = local;
    this.lastCheckedTick = this.world.tick;
    if (local === expected) this.matches++;
    else {
      this.mismatches++;
      if (this.firstMismatchTick < 0) this.firstMismatchTick = this.world.tick;
    }
  }
}
