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
  /**
   * How a view narrows in a crowd (the seed's dynamic radius): past `shrinkAbove` entities in
   * view, its radius and band shrink towards holding `target` (by at most 30 % a tick, down to
   * `minScale` of radiusM); well under `target` (80 % of it) they widen back, 5 % a tick at
   * most, up to radiusM (between the two the view keeps its edge, so it does not flap). Each
   * viewer narrows on its own, so a player in a crowd of a thousand is sent what is nearest
   * instead of a view cut at its capacity every tick. Defaults: shrinkAbove 85 % and target
   * 70 % of the caller's view capacity (visible()'s out.length), minScale 0.25. `false`: views
   * never narrow (one past the capacity is cut to its nearest).
   */
  readonly crowd?: false | DeclaredCrowdOptions;
}

export interface DeclaredCrowdOptions {
  readonly shrinkAbove?: number;
  readonly target?: number;
  readonly minScale?: number;
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
  /** Entities handed over in those views, summed (over queries: the mean view). */
  viewed: number;
  /** Views computed narrower than radiusM (a viewer in a crowd, see `crowd`). */
  narrowed: number;
  /** Views cut at the caller's out.length (the nearest kept, the viewer's own avatar first: raise viewCapacity). */
  truncated: number;
  /** Entities found past the bounds by update() and put back on their edge (a rule let them stray). */
  clampedOutOfWorld: number;
}
