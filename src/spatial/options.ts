// Options of a spatial index, their defaults and validation. Every option is checked before
// anything is allocated, and a bad one throws ConfigError naming it with the number.

import { ConfigError } from '../core/errors.js';
import { FX_ONE, fitsQ16 } from '../core/fixed.js';
import type { Bounds } from '../core/schema.js';
import { MAX_CELLS_PER_AXIS, MAX_DEPTH } from './layout.js';

export interface SpatialGridOptions {
  /** Side of a base (level 0) cell, metres. Coarser levels double it for larger entities. */
  baseCellM?: number;
  /**
   * How far past a cell border an entity must go before it changes cell, as a fraction of the
   * side of its level's top cell (the seed design suggests 0.10 to 0.20); split children use
   * the same margin, which queries already allow for. 0 disables hysteresis.
   */
  hysteresis?: number;
  /** A leaf cell holding more entities than this splits into 8 children (one level finer). */
  splitThreshold?: number;
  /** A split cell whose subtree holds fewer entities than this merges its children back. */
  mergeThreshold?: number;
  /** Deepest split below a top cell (0 turns splitting off; at most 8). */
  maxSplitDepth?: number;
  /** Prefix of the arena region names (several indexes can share one arena). */
  name?: string;
}

export interface ResolvedGridOptions {
  readonly baseCellM: number;
  /** The base side in Q16 units, rounded to a multiple of 2^MAX_DEPTH so child sides are exact. */
  readonly baseCellQ16: number;
  readonly hysteresis: number;
  /** The hysteresis as a Q16 fraction, as the kernels use it. */
  readonly hysteresisQ16: number;
  readonly splitThreshold: number;
  readonly mergeThreshold: number;
  readonly maxSplitDepth: number;
  readonly name: string;
}

export const DEFAULT_GRID_OPTIONS = Object.freeze({
  baseCellM: 50,
  hysteresis: 0.15,
  // Splitting at 32 and merging below 8 (a 4x gap) keeps a cell near the thresholds from
  // splitting and merging on alternate ticks.
  splitThreshold: 32,
  mergeThreshold: 8,
  // 50 m / 2^4 = 3.1 m: fine enough to separate a crowd, shallow enough that a stack of entities
  // on one point (which no split can separate) stops early.
  maxSplitDepth: 4,
  name: 'spatial',
});

const CHILD_GRAIN_Q16 = 1 << MAX_DEPTH;

function integerIn(option: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(option, `must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
}

/** Checks world bounds: finite, min < max on every axis, representable in Q16. */
export function checkBounds(bounds: Bounds): void {
  for (const axis of ['X', 'Y', 'Z'] as const) {
    const min = bounds[`min${axis}`];
    const max = bounds[`max${axis}`];
    if (!fitsQ16(min) || !fitsQ16(max) || !(min < max)) {
      throw new ConfigError(`bounds.${axis.toLowerCase()}`, `need finite min < max within ±32768 m, got [${min}, ${max}]`);
    }
  }
}

export function resolveGridOptions(options: SpatialGridOptions, bounds: Bounds): ResolvedGridOptions {
  checkBounds(bounds);
  const o = { ...DEFAULT_GRID_OPTIONS, ...options };
  const span = Math.max(bounds.maxX - bounds.minX, bounds.maxY - bounds.minY, bounds.maxZ - bounds.minZ);
  // Cells per axis must fit the key's 19 bits; a cell must hold at least the child grain.
  const smallest = Math.max(span / (MAX_CELLS_PER_AXIS - 2), CHILD_GRAIN_Q16 / FX_ONE);
  if (typeof o.baseCellM !== 'number' || !Number.isFinite(o.baseCellM) || o.baseCellM < smallest || o.baseCellM > 65536) {
    throw new ConfigError('baseCellM', `must be a number of metres in [${smallest.toPrecision(3)}, 65536] for this world, got ${String(o.baseCellM)}`);
  }
  if (typeof o.hysteresis !== 'number' || !(o.hysteresis >= 0 && o.hysteresis <= 0.5)) {
    throw new ConfigError('hysteresis', `must be a fraction of the cell in [0, 0.5], got ${String(o.hysteresis)}`);
  }
  integerIn('splitThreshold', o.splitThreshold, 1, 1 << 20);
  integerIn('mergeThreshold', o.mergeThreshold, 1, o.splitThreshold);
  integerIn('maxSplitDepth', o.maxSplitDepth, 0, MAX_DEPTH);
  if (typeof o.name !== 'string' || o.name.length === 0) throw new ConfigError('name', 'must be a non-empty string');
  return {
    baseCellM: o.baseCellM,
    baseCellQ16: Math.max(1, Math.round((o.baseCellM * FX_ONE) / CHILD_GRAIN_Q16)) * CHILD_GRAIN_Q16,
    hysteresis: o.hysteresis,
    hysteresisQ16: Math.round(o.hysteresis * FX_ONE),
    splitThreshold: o.splitThreshold,
    mergeThreshold: o.mergeThreshold,
    maxSplitDepth: o.maxSplitDepth,
    name: o.name,
  };
}
