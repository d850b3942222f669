// How a declared game's view narrows in a crowd (DeclaredInterestOptions.crowd), world mode's
// dynamic radius (assembly/interest/discover.ts) for DeclaredInterest: each viewer keeps a scale
// of the full radius and band, taken from the size of its last view. Past the threshold the area
// shrinks towards the target (the count goes with the area, so by the square root of target /
// count), at most 30 % a tick so that one crowded tick does not halve a view. It widens back only
// once it holds well under the target (WIDEN_SHARE of it), 5 % a tick at most: between that and
// the threshold the scale stays, so a view does not swing in and out at its edge (every entity
// that enters costs a full record, and one that narrowing drops and widening brings back two).

import { InvalidArgumentError } from '../core/errors.js';
import type { DeclaredCrowdOptions } from './declared-interest-options.js';

/** The crowd options checked; 0 for shrinkAbove or target: the default share of the caller's view capacity. */
export type Crowd = Readonly<Required<DeclaredCrowdOptions>>;

/** The defaults: shares of the caller's view capacity, and the narrowest scale. */
const SHRINK_SHARE = 0.85;
const TARGET_SHARE = 0.7;
const MIN_SCALE = 0.25;
/** How fast a view narrows (at most by this factor a tick) and widens back (by this factor a tick). */
const NARROW_STEP_MIN = 0.7;
const WIDEN_STEP = 1.05;
/** A narrowed view widens only below this share of the target. */
const WIDEN_SHARE = 0.8;

export function resolveCrowd(o: DeclaredCrowdOptions): Crowd {
  const { shrinkAbove = 0, target = 0, minScale = MIN_SCALE } = o;
  if (!Number.isInteger(shrinkAbove) || shrinkAbove < 0) throw new InvalidArgumentError(`crowd.shrinkAbove must be a positive integer, got ${shrinkAbove}`);
  if (!Number.isInteger(target) || target < 0) throw new InvalidArgumentError(`crowd.target must be a positive integer, got ${target}`);
  if (shrinkAbove > 0 && target > shrinkAbove) throw new InvalidArgumentError(`crowd.target (${target}) must not pass crowd.shrinkAbove (${shrinkAbove})`);
  if (!(minScale > 0 && minScale <= 1)) throw new InvalidArgumentError(`crowd.minScale must be in (0, 1], got ${minScale}`);
  // A threshold alone: the target keeps the defaults' proportion to it.
  const derived = target === 0 && shrinkAbove > 0 ? Math.max(1, Math.floor((shrinkAbove * TARGET_SHARE) / SHRINK_SHARE)) : target;
  return { shrinkAbove, target: derived, minScale };
}

/** Past how many entities in view a view narrows, for a caller's view capacity of `room`. */
export function shrinkThreshold(crowd: Crowd, room: number): number {
  return crowd.shrinkAbove > 0 ? crowd.shrinkAbove : Math.max(1, Math.floor(room * SHRINK_SHARE));
}

/** The next view's scale, from this one's (`scale`) and how many it held (`count`) of the caller's `room`. */
export function nextScale(scale: number, count: number, room: number, crowd: Crowd): number {
  const shrinkAbove = shrinkThreshold(crowd, room);
  const target = crowd.target > 0 ? Math.min(crowd.target, shrinkAbove) : Math.max(1, Math.floor(room * TARGET_SHARE));
  let s = scale;
  if (count > shrinkAbove) s *= Math.max(NARROW_STEP_MIN, Math.sqrt(target / count));
  else if (s < 1 && count < target * WIDEN_SHARE) s *= Math.min(WIDEN_STEP, Math.sqrt(target / Math.max(1, count)));
  else return scale;
  return s < crowd.minScale ? crowd.minScale : s > 1 ? 1 : s;
}
