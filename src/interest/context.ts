// The context block (layout.ts, X): everything the kernels read about the configuration,
// written once when the pipeline is built, and the check that chronos.wasm's layout is ours.

import { ConfigError, WasmLinkError } from '../core/errors.js';
import { FX_ONE } from '../core/fixed.js';
import { ROTATION_MODES, type CodecParams } from '../codec/snapshot-spec.js';
import type { InterestKernels } from './kernels.js';
import {
  C, CH_BYTES, CLIENT_COUNTERS, COLD_BYTES, CTX_BYTES, EV_BYTES, FEATURE_VELOCITY, INTEREST_MAGIC, INTEREST_VERSION,
  LANE_BYTES, OUT_SLACK, PAGE_BYTES, PAGE_ENTRIES, PEND_BYTES, REC_BYTES, RING, RING_BYTES, W_BYTES, X,
} from './layout.js';
import type { ResolvedInterestOptions } from './options.js';
import type { ReplicationSource } from './source.js';

/** Arena pointers and sizes the context block names. */
export interface ContextPointers {
  world: number;
  importance: number;
  clients: number;
  /** Budget column (u32 per client), then the round-trip column (f32 per client). */
  inputs: number;
  acks: number;
  events: number;
  eventPayload: number;
  laneTable: number;
  blockBytes: number;
}

/** Writes the whole context block (dv spans it) for options o over source. */
export function writeContext(dv: DataView, o: ResolvedInterestOptions, source: ReplicationSource, codecParams: CodecParams, p: ContextPointers): void {
  const u = (off: number, v: number): void => dv.setUint32(off, v >>> 0, true);
  const f64 = (off: number, v: number): void => dv.setFloat64(off, v, true);
  const f32 = (off: number, v: number): void => dv.setFloat32(off, v, true);
  const q = o.quantization;
  const perTick = FX_ONE / o.tickHz; // Q16 per tick of one metre per second
  u(X.magic, INTEREST_MAGIC);
  u(X.version, INTEREST_VERSION);
  u(X.maxClients, o.maxClients);
  u(X.viewCap, o.viewCapacity);
  u(X.handleBits, o.handleBits);
  u(X.lanes, o.lanes);
  u(X.discovery, o.discoveryPeriodTicks);
  u(X.srcCapacity, source.capacity);
  u(X.srcFlags, source.flags);
  u(X.aliveMask, source.aliveMask);
  u(X.srcGen, source.generation ?? 0);
  u(X.pos, source.posX);
  u(X.pos + 4, source.posY);
  u(X.pos + 8, source.posZ);
  u(X.vel, source.velX ?? 0);
  u(X.vel + 4, source.velY ?? 0);
  u(X.vel + 8, source.velZ ?? 0);
  u(X.yaw, source.yaw ?? 0);
  u(X.quat, source.quat?.x ?? 0);
  u(X.quat + 4, source.quat?.y ?? 0);
  u(X.quat + 8, source.quat?.z ?? 0);
  u(X.quat + 12, source.quat?.w ?? 0);
  u(X.hp, source.hp ?? 0);
  u(X.state, source.state ?? 0);
  u(X.importance, p.importance);
  u(X.rotMode, ROTATION_MODES.indexOf(codecParams.rotation));
  u(X.posShift, q.posShift);
  u(X.velShift, q.velShift);
  u(X.yawBits, q.yawBits);
  u(X.quatBits, q.quatBits);
  u(X.cellShift, q.cellShift);
  u(X.world, p.world);
  u(X.clients, p.clients);
  u(X.budget, p.inputs);
  u(X.rtt, p.inputs + o.maxClients * 4);
  u(X.acks, p.acks);
  u(X.events, p.events);
  u(X.eventPayload, p.eventPayload);
  u(X.laneTable, p.laneTable);
  u(X.maxSnapshot, o.maxSnapshotBytes);
  u(X.includeSelf, o.includeSelf ? 1 : 0);
  u(X.blockBytes, p.blockBytes);
  u(X.features, codecParams.velocity ? FEATURE_VELOCITY : 0);
  f64(X.hysteresis, o.hysteresis);
  f64(X.zoneRadius, o.zones.immediateM * FX_ONE);
  f64(X.zoneRadius + 8, o.zones.nearM * FX_ONE);
  f64(X.zoneRadius + 16, o.zones.awarenessM * FX_ONE);
  o.zonePeriodsTicks.forEach((p, i) => u(X.zonePeriod + i * 4, p));
  const w = o.weights;
  [w.distance, w.velocity, w.interaction, w.importance, w.attention].forEach((v, i) => f64(X.weights + i * 8, v));
  f64(X.speedSat, o.speedSaturationMps * perTick);
  f64(X.fastSpeed, o.fast.speedMps * perTick);
  o.fast.bandsMps.forEach((v, i) => f64(X.fastBands + i * 8, v * perTick));
  o.fast.forward.forEach((v, i) => f64(X.fastForward + i * 8, v));
  o.fast.lateral.forEach((v, i) => f64(X.fastLateral + i * 8, v));
  o.fast.rate.forEach((v, i) => f64(X.fastRate + i * 8, v));
  u(X.fastPeriod, o.fast.maxPeriodTicks);
  u(X.interHalfLife, Math.max(1, Math.round(o.interactionHalfLifeS * o.tickHz)));
  o.network.rttLimitsMs.forEach((v, i) => f32(X.rttLimits + i * 4, v));
  o.network.multipliers.forEach((row, c) => row.forEach((m, z) => f32(X.netMult + (c * 4 + z) * 4, m)));
  u(X.gridShift, Math.max(0, Math.round(Math.log2(o.gridCellM * FX_ONE))));
  u(X.leaveResend, o.leaveResendTicks);
  f32(X.tickMs, 1000 / o.tickHz);
  f32(X.dynMinScale, o.dynamicRadius.minScale);
  f32(X.dynMaxScale, o.dynamicRadius.maxScale);
  u(X.dynShrink, o.dynamicRadius.shrinkAbove);
  u(X.dynTarget, o.dynamicRadius.target);
  u(X.dynGrow, o.dynamicRadius.growBelow);
  dv.setInt32(X.minZ, Math.round(source.bounds.minZ * FX_ONE), true);
  dv.setInt32(X.maxZ, Math.round(source.bounds.maxZ * FX_ONE), true);
}

/** Throws WasmLinkError when chronos.wasm's interest layout differs from layout.ts. */
export function checkInterestLayout(k: InterestKernels): void {
  const expect = [
    INTEREST_VERSION, CTX_BYTES, CH_BYTES, LANE_BYTES, REC_BYTES, OUT_SLACK, PAGE_BYTES, RING, EV_BYTES, COLD_BYTES, W_BYTES,
    PEND_BYTES, PAGE_ENTRIES,
  ];
  const wrong = expect.flatMap((v, i) => (k.interest_layout(i) === v ? [] : [`interest layout field ${i}`]));
  if (wrong.length > 0) throw new WasmLinkError(wrong);
  if (CLIENT_COUNTERS * 4 + C.counters > C.fixedYaw || RING * RING_BYTES + C.ring > CH_BYTES) {
    throw new ConfigError('layout', 'client header fields overlap');
  }
}
