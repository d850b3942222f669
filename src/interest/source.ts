// What interest management replicates: Q16 columns in the arena, one element per entity slot.
// A World provides them (worldSource); a game with its own SoA describes its columns directly.
//
// | column      | type       | wire                                                     |
// |-------------|------------|----------------------------------------------------------|
// | posX/Y/Z    | i32 Q16 m  | quantised, predicted from the baseline's velocity        |
// | velX/Y/Z    | i32 Q16 m/tick (optional) | quantised; also drives the fast-object pass |
// | yaw         | i32 Q16 rad (optional)    | yawBits code                               |
// | quat x..w   | i32 Q16 (optional)        | smallest three                             |
// | hp          | i32 (optional)            | tiered difference                          |
// | state       | u32 game bits (optional)  | tiered xor                                 |
// | flags       | u32        | replicated while (flags & aliveMask) == aliveMask           |
// | generation  | u32 (optional) | the high 12 bits of the id a client sees            |

import { InvalidArgumentError } from '../core/errors.js';
import type { Bounds } from '../core/schema.js';
import { FLAG_ALIVE } from '../core/world-layout.js';
import type { World } from '../core/world.js';
import type { RotationMode } from '../codec/snapshot-spec.js';

export interface ReplicationSource {
  readonly capacity: number;
  /** Slots to scan this tick, [0, count()). */
  readonly count: () => number;
  readonly bounds: Bounds;
  readonly flags: number;
  readonly aliveMask: number;
  readonly generation?: number;
  readonly posX: number;
  readonly posY: number;
  readonly posZ: number;
  readonly velX?: number;
  readonly velY?: number;
  readonly velZ?: number;
  readonly yaw?: number;
  readonly quat?: { readonly x: number; readonly y: number; readonly z: number; readonly w: number };
  readonly hp?: number;
  readonly state?: number;
}

/** A World's columns: positions, velocities, heading as yaw, hit points, flags as state bits. */
export function worldSource(world: World, options: { aliveMask?: number } = {}): ReplicationSource {
  return {
    capacity: world.capacity,
    count: () => world.highWater,
    bounds: world.bounds,
    flags: world.columnPtr('flags'),
    aliveMask: options.aliveMask ?? FLAG_ALIVE,
    generation: world.columnPtr('generation'),
    posX: world.columnPtr('posX'),
    posY: world.columnPtr('posY'),
    posZ: world.columnPtr('posZ'),
    velX: world.columnPtr('velX'),
    velY: world.columnPtr('velY'),
    velZ: world.columnPtr('velZ'),
    yaw: world.columnPtr('heading'),
    hp: world.columnPtr('hp'),
    state: world.columnPtr('flags'),
  };
}

export function rotationOf(source: ReplicationSource): RotationMode {
  if (source.yaw !== undefined && source.quat !== undefined) throw new InvalidArgumentError('a source replicates a yaw or a quaternion, not both');
  return source.quat ? 'quaternion' : source.yaw !== undefined ? 'yaw' : 'none';
}

export function hasVelocity(source: ReplicationSource): boolean {
  const v = [source.velX, source.velY, source.velZ].filter((p) => p !== undefined).length;
  if (v !== 0 && v !== 3) throw new InvalidArgumentError('a source replicates all three velocity columns or none');
  return v === 3;
}

export function checkSource(source: ReplicationSource, memoryBytes: number): void {
  if (!Number.isInteger(source.capacity) || source.capacity < 1 || source.capacity > 1 << 20) {
    throw new InvalidArgumentError(`source capacity must be an integer in [1, ${1 << 20}], got ${source.capacity}`);
  }
  if (!Number.isInteger(source.aliveMask) || source.aliveMask <= 0 || source.aliveMask > 0xffffffff) {
    throw new InvalidArgumentError(`aliveMask must be a non-zero u32, got ${source.aliveMask}`);
  }
  const cols: [string, number | undefined][] = [
    ['flags', source.flags], ['generation', source.generation], ['posX', source.posX], ['posY', source.posY],
    ['posZ', source.posZ], ['velX', source.velX], ['velY', source.velY], ['velZ', source.velZ], ['yaw', source.yaw],
    ['quat.x', source.quat?.x], ['quat.y', source.quat?.y], ['quat.z', source.quat?.z], ['quat.w', source.quat?.w],
    ['hp', source.hp], ['state', source.state],
  ];
  for (const [name, ptr] of cols) {
    if (ptr === undefined) continue;
    if (!Number.isInteger(ptr) || ptr <= 0 || ptr % 4 !== 0 || ptr + source.capacity * 4 > memoryBytes) {
      throw new InvalidArgumentError(`source column ${name} at ${ptr} does not hold ${source.capacity} aligned 32-bit values in memory`);
    }
  }
  rotationOf(source);
  hasVelocity(source);
}
