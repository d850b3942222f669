// A client's viewer and shape in its block header (layout.ts, C): validated, then written for
// the kernels; both ask for a discovery on the next tick.

import { InvalidArgumentError, InvalidValueError } from '../core/errors.js';
import { FX_ONE, fitsQ16 } from '../core/fixed.js';
import { C, NONE } from './layout.js';
import type { ResolvedInterestOptions } from './options.js';
import { checkShape, writeShape, type ShapeSpec } from './shapes.js';
import type { ReplicationSource } from './source.js';
import type { ClientOptions } from './types.js';

/** Writes client c's viewer (an entity slot or a fixed point) into its header (dv spans the block). */
export function writeViewer(dv: DataView, c: number, o: Pick<ClientOptions, 'viewerSlot' | 'position'>, source: ReplicationSource): void {
  dv.setUint32(C.discoverNow, 1, true);
  if (o.viewerSlot !== undefined) {
    if (!Number.isInteger(o.viewerSlot) || o.viewerSlot < 0 || o.viewerSlot >= source.capacity) {
      throw new InvalidArgumentError(`client ${c}: viewer slot ${o.viewerSlot} is outside [0, ${source.capacity})`);
    }
    dv.setUint32(C.viewer, o.viewerSlot, true);
    return;
  }
  const p = o.position;
  if (!p) throw new InvalidArgumentError(`client ${c}: give a viewerSlot or a position`);
  const b = source.bounds;
  const lo = [b.minX, b.minY, b.minZ], hi = [b.maxX, b.maxY, b.maxZ];
  p.forEach((v, i) => {
    if (!fitsQ16(v) || v < lo[i]! || v > hi[i]!) throw new InvalidValueError(`client ${c} position[${i}]`, v, `must lie in [${lo[i]}, ${hi[i]}] m`);
  });
  dv.setUint32(C.viewer, NONE, true);
  p.forEach((v, i) => dv.setInt32(C.point + i * 4, Math.round(v * FX_ONE), true));
}

/**
 * Writes client c's shape into its header; returns the widest reach (Q16) it can have: at the
 * largest dynamic scale, for leaving, times the widest fast-body lateral factor.
 */
export function writeClientShape(
  dv: DataView, c: number, shape: ShapeSpec, follow: boolean, fixedYawRad: number, o: ResolvedInterestOptions,
): number {
  checkShape(shape, `client ${c} shape`);
  if (!Number.isFinite(fixedYawRad)) throw new InvalidValueError(`client ${c} fixedYawRad`, fixedYawRad, 'must be finite');
  dv.setUint32(C.discoverNow, 1, true);
  const { count, reachQ16, halfHeightQ16 } = writeShape(dv, C.shapes, shape, o.hysteresis);
  dv.setUint32(C.shapeCount, count, true);
  dv.setUint32(C.follow, follow ? 1 : 0, true);
  dv.setFloat64(C.fixedYaw, fixedYawRad, true);
  dv.setFloat64(C.bound, reachQ16, true);
  dv.setFloat64(C.halfHeight, halfHeightQ16, true);
  const lateral = Math.max(1, ...o.fast.lateral);
  return reachQ16 * o.dynamicRadius.maxScale * (1 + o.hysteresis) * lateral;
}
