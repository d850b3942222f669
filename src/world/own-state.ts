// An avatar's own state between a World's columns and the OWN message (world-messages.ts): the
// server reads it after each tick, a client's predictor writes it into its own small world to
// rewind to what the server says. The fields are exactly those avatar_step reads or writes, so
// equal fields mean equal futures under equal inputs. Column views are cached (rebuilt only when
// the arena's memory grew): the server reads thousands of avatars a tick, a bot predicts 60
// frames a second, and neither should build nine typed arrays each time.

import type { World } from '../core/world.js';
import { KIND_FLAGS_MASK } from '../core/world-layout.js';
import type { OwnState } from '../codec/world-messages.js';

export class AvatarColumns {
  readonly world: World;
  private generation = -1;
  posX!: Int32Array;
  posY!: Int32Array;
  posZ!: Int32Array;
  velX!: Int32Array;
  velY!: Int32Array;
  heading!: Int32Array;
  timer!: Uint32Array;
  hp!: Int32Array;
  flags!: Uint32Array;
  generations!: Uint32Array;

  constructor(world: World) {
    this.world = world;
    this.refresh();
  }

  /** The views, rebuilt if the arena's memory grew since they were made. */
  refresh(): this {
    const g = this.world.arena.generation;
    if (g === this.generation) return this;
    const w = this.world;
    this.posX = w.column('posX');
    this.posY = w.column('posY');
    this.posZ = w.column('posZ');
    this.velX = w.column('velX');
    this.velY = w.column('velY');
    this.heading = w.column('heading');
    this.timer = w.column('timer');
    this.hp = w.column('hp');
    this.flags = w.column('flags');
    this.generations = w.column('generation');
    this.generation = g;
    return this;
  }

  /** Fills `out`'s state fields from `slot` (tick, sequence and queue are the caller's). */
  read(slot: number, out: OwnState): OwnState {
    out.x = this.posX[slot]!;
    out.y = this.posY[slot]!;
    out.z = this.posZ[slot]!;
    out.vx = this.velX[slot]!;
    out.vy = this.velY[slot]!;
    out.heading = this.heading[slot]!;
    out.timer = Math.min(0xffff, this.timer[slot]!);
    out.hp = this.hp[slot]!;
    out.flags = this.flags[slot]! & KIND_FLAGS_MASK;
    return out;
  }

  /** Writes `state`'s fields into `slot` (its flags keep their high bits). */
  write(slot: number, state: OwnState): void {
    this.posX[slot] = state.x;
    this.posY[slot] = state.y;
    this.posZ[slot] = state.z;
    this.velX[slot] = state.vx;
    this.velY[slot] = state.vy;
    this.heading[slot] = state.heading;
    this.timer[slot] = state.timer;
    this.hp[slot] = state.hp;
    this.flags[slot] = (this.flags[slot]! & ~KIND_FLAGS_MASK) | (state.flags & KIND_FLAGS_MASK);
  }
}
