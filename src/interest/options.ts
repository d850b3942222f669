// Interest management options, their defaults and their checks. Every number a game may want
// to tune is here with its unit and the reason for its default; resolveInterestOptions turns a
// partial options object into the complete, validated set the pipeline writes into the
// context block (a bad value throws ConfigError naming the option).

import { ConfigError } from '../core/errors.js';
import type { CodecParams, RotationMode } from '../codec/snapshot-spec.js';
import { type ShapeSpec, checkShape } from './shapes.js';

export interface ZoneOptions {
  /** Outer radius of each zone, metres; beyond awarenessM is the background zone. */
  immediateM: number;
  nearM: number;
  awarenessM: number;
  /** Update rate of each zone, Hz (the seed's 60 / 20 / 5 / 1). */
  immediateHz: number;
  nearHz: number;
  awarenessHz: number;
  backgroundHz: number;
}

/** The seed's multi-factor score weights. */
export interface PriorityWeights {
  distance: number;
  velocity: number;
  interaction: number;
  importance: number;
  attention: number;
}

export interface NetworkConditionOptions {
  /** Round-trip limits of the excellent, good and fair classes, ms (above: poor). */
  rttLimitsMs: readonly [number, number, number];
  /** Rate multiplier [class][zone]: rows excellent..poor, columns immediate..background. */
  multipliers: readonly (readonly [number, number, number, number])[];
}

export interface FastObjectOptions {
  /** A body faster than this (m/s) is projected along its path and expands views. */
  speedMps: number;
  /** Speeds where bands 1, 2 and 3 begin, m/s (the seed's 10, 25, 50). */
  bandsMps: readonly [number, number, number];
  /** Per band 0..3: how far ahead the path is projected, in discovery periods. */
  forward: readonly [number, number, number, number];
  /** Per band: view reach multiplier for the swept-path test. */
  lateral: readonly [number, number, number, number];
  /** Per band: update rate multiplier. */
  rate: readonly [number, number, number, number];
  /** A fast body is updated at least every this many ticks (the seed's 30 Hz for projectiles). */
  maxPeriodTicks: number;
}

export interface DynamicRadiusOptions {
  /** Smallest and largest scale of a view's shape. */
  minScale: number;
  maxScale: number;
  /** Shrink when more are visible than this (default 85 % of the view capacity)... */
  shrinkAbove?: number;
  /** ...towards this many (default 70 %)... */
  target?: number;
  /** ...and grow when fewer than this are visible. */
  growBelow: number;
}

export interface QuantizationOptions {
  /** Wire position unit = 2^posShift Q16 units (9: 1/128 m). */
  posShift: number;
  /** Wire velocity unit = 2^velShift Q16 units per tick (4: 1/4096 m per tick). */
  velShift: number;
  yawBits: number;
  /** Bits per smallest-three component. */
  quatBits: number;
  /** Reference cell = 2^cellShift wire units (13 at 1/128 m: 64 m). */
  cellShift: number;
}

export interface InterestOptions {
  /** Clients the pipeline can hold at once. */
  maxClients?: number;
  /** Entities one client's view holds (power of two, 4..4096); handles are 0..V-1 on the wire. */
  viewCapacity?: number;
  tickHz?: number;
  /** Enter a view at r (1 - h), leave it at r (1 + h); also at every zone boundary. */
  hysteresis?: number;
  zones?: Partial<ZoneOptions>;
  weights?: Partial<PriorityWeights>;
  /** Speed at which the velocity factor reaches 1, m/s. */
  speedSaturationMps?: number;
  /** Interaction levels halve every this many seconds. */
  interactionHalfLifeS?: number;
  network?: Partial<NetworkConditionOptions>;
  fast?: Partial<FastObjectOptions>;
  /** Client c re-queries its surroundings when (c + tick) % period == 0. */
  discoveryPeriodTicks?: number;
  dynamicRadius?: Partial<DynamicRadiusOptions>;
  quantization?: Partial<QuantizationOptions>;
  /** Largest snapshot per client per tick, bytes (the budget is capped by it). */
  maxSnapshotBytes?: number;
  /** Whether a client's own viewer entity is in its view. */
  includeSelf?: boolean;
  /** Lanes the per-client work is split into: 1 runs on the calling thread; n runs n - 1 workers. */
  lanes?: number;
  /** Viewer grid cell, metres. */
  gridCellM?: number;
  maxEventsPerTick?: number;
  eventPayloadBytes?: number;
  eventPairsPerLane?: number;
  fastListPerLane?: number;
  lifecycleListPerLane?: number;
  /** A leave is resent after max(this, 2 x RTT) ticks until acked. */
  leaveResendTicks?: number;
  /** Shape of a client added without one. */
  defaultShape?: ShapeSpec;
  /**
   * The lanes' pools (view pages, pending records, snapshot output) give back what a burst left
   * behind every this many ticks (a power of two).
   */
  poolTrimTicks?: number;
}

export interface ResolvedInterestOptions {
  maxClients: number;
  viewCapacity: number;
  handleBits: number;
  tickHz: number;
  hysteresis: number;
  zones: ZoneOptions;
  zonePeriodsTicks: [number, number, number, number];
  weights: PriorityWeights;
  speedSaturationMps: number;
  interactionHalfLifeS: number;
  network: NetworkConditionOptions;
  fast: FastObjectOptions;
  discoveryPeriodTicks: number;
  dynamicRadius: Required<DynamicRadiusOptions>;
  quantization: QuantizationOptions;
  maxSnapshotBytes: number;
  includeSelf: boolean;
  lanes: number;
  gridCellM: number;
  maxEventsPerTick: number;
  eventPayloadBytes: number;
  eventPairsPerLane: number;
  fastListPerLane: number;
  lifecycleListPerLane: number;
  leaveResendTicks: number;
  defaultShape: ShapeSpec;
  poolTrimTicks: number;
}

export const DEFAULT_ZONES: Readonly<ZoneOptions> = Object.freeze({
  immediateM: 5,
  nearM: 25,
  // The seed's awareness band ends at 100 m; ours ends at 60 m so that the outer ring of a
  // 100 m view (64 % of its area) is background at 1 Hz.
  awarenessM: 60,
  immediateHz: 60,
  nearHz: 20,
  awarenessHz: 5,
  backgroundHz: 1,
});

export const DEFAULT_WEIGHTS: Readonly<PriorityWeights> = Object.freeze({
  distance: 0.4,
  velocity: 0.2,
  interaction: 0.25,
  importance: 0.1,
  attention: 0.05,
});

export const DEFAULT_NETWORK: Readonly<NetworkConditionOptions> = Object.freeze({
  rttLimitsMs: [50, 100, 200] as const,
  // The seed's table: rows excellent, good, fair, poor; columns high (immediate), medium
  // (near), low (awareness) and background priority.
  multipliers: [
    [1, 1, 1, 1],
    [1, 0.8, 0.6, 0.5],
    [0.9, 0.6, 0.4, 0.2],
    [0.7, 0.4, 0.2, 0.1],
  ] as const,
});

export const DEFAULT_FAST: Readonly<FastObjectOptions> = Object.freeze({
  speedMps: 10,
  bandsMps: [10, 25, 50] as const,
  forward: [1, 1.5, 2, 3] as const,
  // The seed narrows the reach of the fastest band to 0.8; we keep at least the whole view so
  // a projectile crossing its edge between two updates is still sent.
  lateral: [1, 1.1, 1, 1] as const,
  rate: [1, 1.2, 1.5, 2] as const,
  maxPeriodTicks: 2,
});

export const DEFAULT_QUANTIZATION: Readonly<QuantizationOptions> = Object.freeze({
  posShift: 9,
  velShift: 4,
  yawBits: 12,
  quatBits: 10,
  cellShift: 13,
});

export const DEFAULT_SHAPE: ShapeSpec = Object.freeze({ kind: 'circle', radiusM: 100 });

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

function powerOfTwo(name: string, v: number, max: number): number {
  if (!isPowerOfTwo(v) || v > max) throw new ConfigError(name, `must be a power of two in [1, ${max}], got ${v}`);
  return v;
}

function int(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new ConfigError(name, `must be an integer in [${min}, ${max}], got ${v}`);
  return v;
}

function num(name: string, v: number, min: number, max: number): number {
  if (typeof v !== 'number' || !(v >= min && v <= max)) throw new ConfigError(name, `must be a number in [${min}, ${max}], got ${v}`);
  return v;
}

export function resolveInterestOptions(o: InterestOptions = {}): ResolvedInterestOptions {
  const maxClients = int('maxClients', o.maxClients ?? 1024, 1, 1 << 20);
  const viewCapacity = o.viewCapacity ?? 256;
  if (!isPowerOfTwo(viewCapacity) || viewCapacity < 4 || viewCapacity > 4096) {
    throw new ConfigError('viewCapacity', `must be a power of two in [4, 4096], got ${viewCapacity}`);
  }
  const tickHz = num('tickHz', o.tickHz ?? 60, 1, 1000);
  const hysteresis = num('hysteresis', o.hysteresis ?? 0.05, 0, 0.5);
  const zones = { ...DEFAULT_ZONES, ...o.zones };
  num('zones.immediateM', zones.immediateM, 0, 1e6);
  num('zones.nearM', zones.nearM, zones.immediateM, 1e6);
  num('zones.awarenessM', zones.awarenessM, zones.nearM, 1e6);
  const hz = [zones.immediateHz, zones.nearHz, zones.awarenessHz, zones.backgroundHz];
  const names = ['zones.immediateHz', 'zones.nearHz', 'zones.awarenessHz', 'zones.backgroundHz'];
  hz.forEach((v, i) => num(names[i]!, v, 0.001, tickHz));
  const zonePeriodsTicks = hz.map((v) => Math.max(1, Math.round(tickHz / v))) as [number, number, number, number];
  const weights = { ...DEFAULT_WEIGHTS, ...o.weights };
  for (const [k, v] of Object.entries(weights)) num(`weights.${k}`, v, 0, 10);
  const network = { ...DEFAULT_NETWORK, ...o.network };
  const [a, b, c] = network.rttLimitsMs;
  if (!(a! > 0 && b! >= a! && c! >= b!)) throw new ConfigError('network.rttLimitsMs', `need 0 < a <= b <= c, got ${network.rttLimitsMs.join(', ')}`);
  if (network.multipliers.length !== 4 || network.multipliers.some((row) => row.length !== 4 || row.some((m) => !(m > 0 && m <= 1)))) {
    throw new ConfigError('network.multipliers', 'need 4 rows of 4 multipliers in (0, 1]');
  }
  const fast = { ...DEFAULT_FAST, ...o.fast };
  num('fast.speedMps', fast.speedMps, 0.001, 1e6);
  const [b1, b2, b3] = fast.bandsMps;
  if (!(b1! > 0 && b2! >= b1! && b3! >= b2!)) throw new ConfigError('fast.bandsMps', `need ascending speeds, got ${fast.bandsMps.join(', ')}`);
  for (const key of ['forward', 'lateral', 'rate'] as const) {
    if (fast[key].length !== 4 || fast[key].some((v) => !(v > 0 && v <= 100))) throw new ConfigError(`fast.${key}`, 'need 4 factors in (0, 100]');
  }
  int('fast.maxPeriodTicks', fast.maxPeriodTicks, 1, 1 << 16);
  const discoveryPeriodTicks = int('discoveryPeriodTicks', o.discoveryPeriodTicks ?? 8, 1, 1024);
  const dyn = { minScale: 0.25, maxScale: 1.5, growBelow: 4, ...o.dynamicRadius };
  num('dynamicRadius.minScale', dyn.minScale, 0.01, 1);
  num('dynamicRadius.maxScale', dyn.maxScale, 1, 16);
  const dynamicRadius: Required<DynamicRadiusOptions> = {
    minScale: dyn.minScale,
    maxScale: dyn.maxScale,
    shrinkAbove: int('dynamicRadius.shrinkAbove', dyn.shrinkAbove ?? Math.floor(viewCapacity * 0.85), 1, viewCapacity),
    target: 0,
    growBelow: int('dynamicRadius.growBelow', dyn.growBelow, 0, viewCapacity),
  };
  dynamicRadius.target = int('dynamicRadius.target', dyn.target ?? Math.floor(viewCapacity * 0.7), 1, dynamicRadius.shrinkAbove);
  const quantization = { ...DEFAULT_QUANTIZATION, ...o.quantization };
  int('quantization.posShift', quantization.posShift, 0, 16);
  int('quantization.velShift', quantization.velShift, 0, quantization.posShift);
  int('quantization.yawBits', quantization.yawBits, 2, 16);
  int('quantization.quatBits', quantization.quatBits, 2, 10);
  int('quantization.cellShift', quantization.cellShift, 0, 24);
  const maxSnapshotBytes = int('maxSnapshotBytes', o.maxSnapshotBytes ?? 4096, 64, 256 * 1024);
  const lanes = int('lanes', o.lanes ?? 1, 1, 64);
  const defaultShape = o.defaultShape ?? DEFAULT_SHAPE;
  checkShape(defaultShape, 'defaultShape');
  return {
    maxClients,
    viewCapacity,
    handleBits: Math.log2(viewCapacity),
    tickHz,
    hysteresis,
    zones,
    zonePeriodsTicks,
    weights,
    speedSaturationMps: num('speedSaturationMps', o.speedSaturationMps ?? 10, 0.001, 1e6),
    interactionHalfLifeS: num('interactionHalfLifeS', o.interactionHalfLifeS ?? 2, 0.001, 1e6),
    network,
    fast,
    discoveryPeriodTicks,
    dynamicRadius,
    quantization,
    maxSnapshotBytes,
    includeSelf: o.includeSelf ?? true,
    lanes,
    gridCellM: num('gridCellM', o.gridCellM ?? 128, 1, 32768),
    maxEventsPerTick: int('maxEventsPerTick', o.maxEventsPerTick ?? 1024, 1, 1 << 20),
    eventPayloadBytes: int('eventPayloadBytes', o.eventPayloadBytes ?? 64 * 1024, 256, 1 << 26),
    eventPairsPerLane: int('eventPairsPerLane', o.eventPairsPerLane ?? 64 * 1024, 16, 1 << 24),
    fastListPerLane: int('fastListPerLane', o.fastListPerLane ?? 8192, 16, 1 << 24),
    lifecycleListPerLane: int('lifecycleListPerLane', o.lifecycleListPerLane ?? 8192, 16, 1 << 24),
    leaveResendTicks: int('leaveResendTicks', o.leaveResendTicks ?? 4, 1, 1 << 16),
    defaultShape,
    poolTrimTicks: powerOfTwo('poolTrimTicks', o.poolTrimTicks ?? 64, 1 << 16),
  };
}

/** The codec parameters a client needs to decode this configuration's snapshots. */
export function codecParamsOf(o: ResolvedInterestOptions, rotation: RotationMode, velocity: boolean): CodecParams {
  return {
    handleBits: o.handleBits,
    posShift: o.quantization.posShift,
    velShift: o.quantization.velShift,
    yawBits: o.quantization.yawBits,
    quatBits: o.quantization.quatBits,
    cellShift: o.quantization.cellShift,
    rotation,
    velocity,
  };
}
