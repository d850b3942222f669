// What DeclaredInterest (declared-interest.ts) is made with and what it counts.

import type { FieldKey, GameDeclaration } from '../core/game.js';
import type { Bounds } from '../core/schema.js';

export interface DeclaredInterestOptions<D extends GameDeclaration> {
  /** The q16 fields holding positions (metres). Without z, the world is flat (z = 0). */
  readonly x: FieldKey<D>;
  readonly y: FieldKey<D>;
  readonly z?: FieldKey<D>;
  /** The world's extent, metres (default: the position fields' declared ranges). */
  readonly bounds?: Bounds;
  /** How far a player sees, metres (a sphere around its avatar). */
  readonly radiusM: number;
  /** How much further an entity in view may go before it leaves it (default radiusM / 8). */
  readonly hysteresisM?: number;
  /**
   * How much further than the outer edge a discovery looks (default radiusM / 8): a larger pad
   * finds more candidates each tick's pass goes over, a smaller one discovers more often. A
   * step of half of it or more in one tick is a teleport (offered to the views near where it
   * lands, not counted as drift).
   */
  readonly discoveryPadM?: number;
}

export interface DeclaredInterestStats {
  /** Entities the index holds after the last update. */
  indexed: number;
  /** Views computed (visible and visibleAt calls). */
  queries: number;
  /** Of those, the ones that queried the spatial index (a discovery); the rest were a pass over their candidates. */
  discoveries: number;
  /** Entities that appeared or teleported, added to a view's candidates the tick they did. */
  jumpersAdded: number;
  /** Entities kept in a view by the hysteresis band (past radiusM, within radiusM + hysteresisM). */
  heldByHysteresis: number;
  /** Views cut at the caller's out.length (the nearest kept, the viewer's own avatar first: raise viewCapacity). */
  truncated: number;
  /** Entities found past the bounds by update() and put back on their edge (a rule let them stray). */
  clampedOutOfWorld: number;
}
