// AoI shapes a client's view can take (the seed's circular, elliptical, sector and composite
// AoI; the dynamic radius scales whichever is chosen). Exact containment rules, with enter and
// leave hysteresis, are defined with the kernel in assembly/interest/geometry.ts. Shapes turn
// with the viewer's facing (its yaw, else its velocity) unless followHeading is false.
//
// | kind      | parameters                                  | typical use                      |
// |-----------|---------------------------------------------|----------------------------------|
// | sphere    | radiusM                                     | flying / 3D worlds               |
// | circle    | radiusM, halfHeightM                        | ground games (vertical slab)     |
// | ellipse   | forwardM, sideM, halfHeightM, yawOffsetRad  | vehicles, directional focus      |
// | sector    | radiusM, halfAngleRad, halfHeightM, yaw...  | view cones, scopes               |
// | composite | parts (up to 4 of the above): their union   | cone + close circle              |

import { ConfigError } from '../core/errors.js';
import { FX_ONE } from '../core/fixed.js';
import { MAX_SHAPES, SHAPE_BYTES, SHAPE_KIND, S } from './layout.js';

export type SimpleShape =
  | { kind: 'sphere'; radiusM: number }
  | { kind: 'circle'; radiusM: number; halfHeightM?: number }
  | { kind: 'ellipse'; forwardM: number; sideM: number; halfHeightM?: number; yawOffsetRad?: number }
  | { kind: 'sector'; radiusM: number; halfAngleRad: number; halfHeightM?: number; yawOffsetRad?: number };

export type ShapeSpec = SimpleShape | { kind: 'composite'; parts: readonly SimpleShape[] };

const MAX_RADIUS_M = 32768;

function positive(name: string, v: number | undefined, allowInfinite = false): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || Number.isNaN(v) || v <= 0 || (!allowInfinite && !Number.isFinite(v)) || (Number.isFinite(v) && v > MAX_RADIUS_M)) {
    throw new ConfigError(name, `must be a positive number of metres up to ${MAX_RADIUS_M}${allowInfinite ? ' (or Infinity)' : ''}, got ${v}`);
  }
}

export function checkShape(shape: ShapeSpec, name = 'shape'): void {
  const parts = shape.kind === 'composite' ? shape.parts : [shape];
  if (shape.kind === 'composite' && (parts.length < 1 || parts.length > MAX_SHAPES)) {
    throw new ConfigError(name, `a composite has 1..${MAX_SHAPES} parts, got ${parts.length}`);
  }
  parts.forEach((p, i) => {
    const n = shape.kind === 'composite' ? `${name}.parts[${i}]` : name;
    switch (p.kind) {
      case 'sphere':
        positive(`${n}.radiusM`, p.radiusM);
        break;
      case 'circle':
        positive(`${n}.radiusM`, p.radiusM);
        positive(`${n}.halfHeightM`, p.halfHeightM, true);
        break;
      case 'ellipse':
        positive(`${n}.forwardM`, p.forwardM);
        positive(`${n}.sideM`, p.sideM);
        positive(`${n}.halfHeightM`, p.halfHeightM, true);
        break;
      case 'sector':
        positive(`${n}.radiusM`, p.radiusM);
        positive(`${n}.halfHeightM`, p.halfHeightM, true);
        if (!(p.halfAngleRad > 0 && p.halfAngleRad <= Math.PI)) throw new ConfigError(`${n}.halfAngleRad`, `must be in (0, pi], got ${p.halfAngleRad}`);
        break;
      default:
        throw new ConfigError(`${n}.kind`, `unknown shape kind "${String((p as { kind: unknown }).kind)}"`);
    }
    const yaw = 'yawOffsetRad' in p ? p.yawOffsetRad : undefined;
    if (yaw !== undefined && !Number.isFinite(yaw)) throw new ConfigError(`${n}.yawOffsetRad`, `must be finite, got ${yaw}`);
  });
}

/** Largest horizontal reach of a shape, metres (what the discovery query and fast pass use). */
export function shapeReachM(shape: ShapeSpec): number {
  const parts = shape.kind === 'composite' ? shape.parts : [shape];
  let reach = 0;
  for (const p of parts) reach = Math.max(reach, p.kind === 'ellipse' ? Math.max(p.forwardM, p.sideM) : p.radiusM);
  return reach;
}

/**
 * Writes a shape into a client block header (`dv` over the block, SHAPE_BYTES per part).
 * Returns the part count, the reach and the half height (Q16 units).
 */
export function writeShape(
  dv: DataView, shapesOffset: number, shape: ShapeSpec, hysteresis: number,
): { count: number; reachQ16: number; halfHeightQ16: number } {
  checkShape(shape);
  const parts = shape.kind === 'composite' ? shape.parts : [shape];
  let reach = 0;
  let halfHeight = 0;
  parts.forEach((p, i) => {
    const at = shapesOffset + i * SHAPE_BYTES;
    const hh = p.kind === 'sphere' ? p.radiusM : (p.halfHeightM ?? Infinity);
    const a = p.kind === 'ellipse' ? p.forwardM : p.radiusM;
    const b = p.kind === 'ellipse' ? p.sideM : p.radiusM;
    dv.setUint32(at + S.kind, SHAPE_KIND[p.kind], true);
    dv.setFloat64(at + S.a, a * FX_ONE, true);
    dv.setFloat64(at + S.b, b * FX_ONE, true);
    const halfAngle = p.kind === 'sector' ? p.halfAngleRad : Math.PI;
    dv.setFloat64(at + S.halfAngle, halfAngle, true);
    dv.setFloat64(at + S.cosEnter, Math.cos(Math.min(Math.PI, halfAngle * (1 - hysteresis))), true);
    dv.setFloat64(at + S.cosLeave, Math.cos(Math.min(Math.PI, halfAngle * (1 + hysteresis))), true);
    dv.setFloat64(at + S.yaw, 'yawOffsetRad' in p ? (p.yawOffsetRad ?? 0) : 0, true);
    dv.setFloat64(at + S.halfHeight, hh * FX_ONE, true);
    reach = Math.max(reach, a, b);
    halfHeight = Math.max(halfHeight, hh);
  });
  return { count: parts.length, reachQ16: reach * FX_ONE, halfHeightQ16: halfHeight * FX_ONE };
}
