// AoI geometry for the client a lane is working on: its viewer's position and facing, its
// shapes (sphere, circle, ellipse, sector; a client's view is the union of up to four) scaled
// for entering or leaving, and zone classification with hysteresis. The exact definitions,
// which the tests repeat in TypeScript (f64, positions as Q16 units, d = point - viewer):
//   sphere:  dx^2 + dy^2 + dz^2 <= ra^2
//   circle:  |dz| <= hh  and  dx^2 + dy^2 <= ra^2
//   ellipse: |dz| <= hh  and  u^2 / ra^2 + v^2 / rb^2 <= 1, with u = dx cos f + dy sin f,
//            v = -dx sin f + dy cos f, f = facing + yaw offset
//   sector:  |dz| <= hh  and  dx^2 + dy^2 <= ra^2  and  (h2 = 0 or dx cos f + dy sin f >=
//            cos(theta) sqrt(h2))
// For entering, ra = a * scale * (1 - h), rb = b * scale * (1 - h), hh = halfHeight * (1 - h),
// theta = halfAngle * (1 - h); for leaving the same with (1 + h) (theta at most pi). So a body
// joins a 100 m view at 95 m and leaves it at 105 m (h = 0.05), and never flaps in between.
// Zones are distance bands (3D for a sphere view, horizontal otherwise): a body moves out of
// zone z past radius[z] * (1 + h) and into it again below radius[z] * (1 - h).

import {
  C_BOUND, C_FACING, C_FIXED_YAW, C_FOLLOW, C_HALF_HEIGHT, C_POINT, C_SCALE, C_SHAPES, C_SHAPE_COUNT, C_VIEWER, NONE,
  ROT_QUAT, ROT_YAW, SHAPE_BYTES, SHAPE_ELLIPSE, SHAPE_SECTOR, SHAPE_SPHERE, S_A, S_B, S_HALF_ANGLE, S_HALF_HEIGHT,
  S_KIND, S_YAW, S_COS_ENTER, S_COS_LEAVE, X_HYSTERESIS, X_MAX_Z, X_MIN_Z, X_POS, X_QUAT, X_ROT_MODE, X_VEL, X_YAW, X_ZONE_RADIUS, ZONE_BACKGROUND,
} from './layout';

const Q16: f64 = 65536.0;
const PI: f64 = 3.141592653589793;
/** Bytes of prepared shapes at the start of a lane's scratch: 4 shapes x 2 modes x 64. */
export const GEO_BYTES: u32 = 512;
const G_KIND: usize = 0;
const G_RA2: usize = 8;
const G_IA2: usize = 16;
const G_IB2: usize = 24;
const G_HH: usize = 32;
const G_COS_T: usize = 40;
const G_COS_F: usize = 48;
const G_SIN_F: usize = 56;

export const MODE_ENTER: u32 = 0;
export const MODE_LEAVE: u32 = 1;

// The client being evaluated (per instance: each lane has its own).
export let g_vx: f64 = 0;
export let g_vy: f64 = 0;
export let g_vz: f64 = 0;
export let g_cos: f64 = 1;
export let g_sin: f64 = 0;
export let g_scale: f64 = 1;
export let g_h: f64 = 0;
/** Bounding horizontal reach at the current scale (Q16 units). */
export let g_reach: f64 = 0;
export let g_metric3d: bool = false;
export let g_viewer: u32 = NONE;
let g_count: u32 = 0;
let g_geo: usize = 0;
let g_r0: f64 = 0;
let g_r1: f64 = 0;
let g_r2: f64 = 0;

/** Sets g_vx/y/z to client `block`'s viewer position (Q16 units). */
export function viewer_position(ctx: usize, block: usize): void {
  const slot = load<u32>(block + C_VIEWER);
  if (slot == NONE) {
    g_vx = <f64>load<i32>(block + C_POINT);
    g_vy = <f64>load<i32>(block + C_POINT, 4);
    g_vz = <f64>load<i32>(block + C_POINT, 8);
  } else {
    const off = <usize>slot << 2;
    g_vx = <f64>load<i32>(<usize>load<u32>(ctx + X_POS) + off);
    g_vy = <f64>load<i32>(<usize>load<u32>(ctx + X_POS, 4) + off);
    g_vz = <f64>load<i32>(<usize>load<u32>(ctx + X_POS, 8) + off);
  }
  g_viewer = slot;
}

/** The viewer's facing in radians: its yaw, its quaternion's yaw, its velocity, or the fixed yaw. */
function viewer_facing(ctx: usize, block: usize): f64 {
  const slot = load<u32>(block + C_VIEWER);
  const fixed = load<f64>(block + C_FIXED_YAW);
  if (slot == NONE || load<u32>(block + C_FOLLOW) == 0) return fixed;
  const off = <usize>slot << 2;
  const mode = load<u32>(ctx + X_ROT_MODE);
  const yawCol = <usize>load<u32>(ctx + X_YAW);
  if (mode == ROT_YAW && yawCol != 0) return <f64>load<i32>(yawCol + off) / Q16;
  if (mode == ROT_QUAT) {
    const q = ctx + X_QUAT;
    const x = <f64>load<i32>(<usize>load<u32>(q) + off), y = <f64>load<i32>(<usize>load<u32>(q, 4) + off);
    const z = <f64>load<i32>(<usize>load<u32>(q, 8) + off), w = <f64>load<i32>(<usize>load<u32>(q, 12) + off);
    // Yaw about +z of the rotation (x, y, z, w).
    return Math.atan2(2.0 * (w * z + x * y), w * w + x * x - y * y - z * z);
  }
  const vx = <usize>load<u32>(ctx + X_VEL);
  if (vx != 0) {
    const ux = <f64>load<i32>(vx + off), uy = <f64>load<i32>(<usize>load<u32>(ctx + X_VEL, 4) + off);
    if (ux != 0 || uy != 0) return Math.atan2(uy, ux);
  }
  return fixed;
}

/**
 * Prepares client `block` for evaluation: viewer, facing, and each shape scaled for entering
 * and for leaving, written to `geo` (GEO_BYTES of the lane's scratch).
 */
export function geo_begin(ctx: usize, block: usize, geo: usize): void {
  viewer_position(ctx, block);
  const facing = viewer_facing(ctx, block);
  // Facings change now and then (a turn), not every tick: the last one's cosine and sine are kept.
  if (facing == load<f64>(block + C_FACING)) {
    g_cos = load<f64>(block + C_FACING, 8);
    g_sin = load<f64>(block + C_FACING, 16);
  } else {
    g_cos = Math.cos(facing);
    g_sin = Math.sin(facing);
    store<f64>(block + C_FACING, facing);
    store<f64>(block + C_FACING, g_cos, 8);
    store<f64>(block + C_FACING, g_sin, 16);
  }
  g_scale = load<f64>(block + C_SCALE);
  g_h = load<f64>(ctx + X_HYSTERESIS);
  g_reach = load<f64>(block + C_BOUND) * g_scale;
  g_count = load<u32>(block + C_SHAPE_COUNT);
  g_geo = geo;
  g_r0 = load<f64>(ctx + X_ZONE_RADIUS);
  g_r1 = load<f64>(ctx + X_ZONE_RADIUS, 8);
  g_r2 = load<f64>(ctx + X_ZONE_RADIUS, 16);
  g_metric3d = load<u32>(block + C_SHAPES + S_KIND) == SHAPE_SPHERE;
  for (let k: u32 = 0; k < g_count; k++) {
    const s = block + C_SHAPES + <usize>k * SHAPE_BYTES;
    const kind = load<u32>(s + S_KIND);
    // Only ellipses and sectors turn; circles and spheres skip the trigonometry.
    let cf = g_cos, sf = g_sin;
    const yawOff = load<f64>(s + S_YAW);
    if ((kind == SHAPE_ELLIPSE || kind == SHAPE_SECTOR) && yawOff != 0) {
      cf = Math.cos(facing + yawOff);
      sf = Math.sin(facing + yawOff);
    }
    for (let m: u32 = 0; m < 2; m++) {
      const factor = m == MODE_ENTER ? 1.0 - g_h : 1.0 + g_h;
      const ra = load<f64>(s + S_A) * g_scale * factor;
      const rb = load<f64>(s + S_B) * g_scale * factor;
      const p = geo + <usize>(k * 2 + m) * 64;
      store<f64>(p + G_KIND, <f64>kind);
      store<f64>(p + G_RA2, ra * ra);
      store<f64>(p + G_IA2, ra > 0 ? 1.0 / (ra * ra) : Infinity);
      store<f64>(p + G_IB2, rb > 0 ? 1.0 / (rb * rb) : Infinity);
      store<f64>(p + G_HH, load<f64>(s + S_HALF_HEIGHT) * factor);
      store<f64>(p + G_COS_T, load<f64>(s + (m == MODE_ENTER ? S_COS_ENTER : S_COS_LEAVE)));
      store<f64>(p + G_COS_F, cf);
      store<f64>(p + G_SIN_F, sf);
    }
  }
}

/** Loads what every client shares: hysteresis and zone radii (once per lane tick). */
export function geo_config(ctx: usize): void {
  g_h = load<f64>(ctx + X_HYSTERESIS);
  g_r0 = load<f64>(ctx + X_ZONE_RADIUS);
  g_r1 = load<f64>(ctx + X_ZONE_RADIUS, 8);
  g_r2 = load<f64>(ctx + X_ZONE_RADIUS, 16);
}

/** The client of a viewer grid item (grid.ts): viewer, reach and metric from its cache. */
export function geo_item(item: usize): void {
  g_vx = <f64>load<i32>(item, 4);
  g_vy = <f64>load<i32>(item, 8);
  g_vz = <f64>load<i32>(item, 12);
  g_reach = <f64>load<f32>(item, 16);
  g_metric3d = load<u32>(item, 20) != 0;
}

/** As geo_begin without the shapes (no trigonometry): viewer, scale, reach, metric, zones. */
export function geo_light(ctx: usize, block: usize): void {
  viewer_position(ctx, block);
  g_scale = load<f64>(block + C_SCALE);
  g_h = load<f64>(ctx + X_HYSTERESIS);
  g_reach = load<f64>(block + C_BOUND) * g_scale;
  g_r0 = load<f64>(ctx + X_ZONE_RADIUS);
  g_r1 = load<f64>(ctx + X_ZONE_RADIUS, 8);
  g_r2 = load<f64>(ctx + X_ZONE_RADIUS, 16);
  g_metric3d = load<u32>(block + C_SHAPES + S_KIND) == SHAPE_SPHERE;
}

/** Whether the offset (dx, dy, dz) from the viewer lies in the view, scaled for `mode`. */
export function contains(dx: f64, dy: f64, dz: f64, mode: u32): bool {
  const h2 = dx * dx + dy * dy;
  for (let k: u32 = 0; k < g_count; k++) {
    const p = g_geo + <usize>(k * 2 + mode) * 64;
    const kind = <u32>load<f64>(p + G_KIND);
    const ra2 = load<f64>(p + G_RA2);
    if (kind == SHAPE_SPHERE) {
      if (h2 + dz * dz <= ra2) return true;
      continue;
    }
    if (abs<f64>(dz) > load<f64>(p + G_HH)) continue;
    if (kind == SHAPE_ELLIPSE) {
      const c = load<f64>(p + G_COS_F), s = load<f64>(p + G_SIN_F);
      const u = dx * c + dy * s;
      const v = -dx * s + dy * c;
      if (u * u * load<f64>(p + G_IA2) + v * v * load<f64>(p + G_IB2) <= 1.0) return true;
      continue;
    }
    if (h2 > ra2) continue;
    if (kind == SHAPE_SECTOR) {
      if (h2 == 0) return true;
      const c = load<f64>(p + G_COS_F), s = load<f64>(p + G_SIN_F);
      if (dx * c + dy * s >= load<f64>(p + G_COS_T) * Math.sqrt(h2)) return true;
      continue;
    }
    return true; // circle
  }
  return false;
}

/** The zone distance of an offset: 3D for a sphere view, horizontal otherwise (Q16 units). */
// @ts-ignore: decorator
@inline
export function zone_distance(dx: f64, dy: f64, dz: f64): f64 {
  const h2 = dx * dx + dy * dy;
  return Math.sqrt(g_metric3d ? h2 + dz * dz : h2);
}

/** Zone of a body entering the view at distance d. */
export function zone_of(d: f64): u32 {
  if (d <= g_r0) return 0;
  if (d <= g_r1) return 1;
  if (d <= g_r2) return 2;
  return ZONE_BACKGROUND;
}

// @ts-ignore: decorator
@inline
function radius_of(z: u32): f64 {
  return z == 0 ? g_r0 : z == 1 ? g_r1 : g_r2;
}

/** Zone after moving to distance d from zone z, with hysteresis at every boundary. */
export function zone_step(z: u32, d: f64): u32 {
  let zone = z;
  while (zone > 0 && d < radius_of(zone - 1) * (1.0 - g_h)) zone--;
  while (zone < ZONE_BACKGROUND && d > radius_of(zone) * (1.0 + g_h)) zone++;
  return zone;
}

/**
 * Squared distance (3D for a sphere view, horizontal otherwise) from the viewer to the segment
 * from (ax, ay, az) to (bx, by, bz): the swept path of a fast body.
 */
export function segment_distance2(ax: f64, ay: f64, az: f64, bx: f64, by: f64, bz: f64): f64 {
  const ex = bx - ax, ey = by - ay, ez = g_metric3d ? bz - az : 0.0;
  const px = g_vx - ax, py = g_vy - ay, pz = g_metric3d ? g_vz - az : 0.0;
  const len2 = ex * ex + ey * ey + ez * ez;
  let t = len2 > 0 ? (px * ex + py * ey + pz * ez) / len2 : 0.0;
  t = min<f64>(max<f64>(t, 0.0), 1.0);
  const qx = px - t * ex, qy = py - t * ey, qz = pz - t * ez;
  return qx * qx + qy * qy + qz * qz;
}

/**
 * Radius of the discovery query for client `block` (Q16 units): a sphere holding every point
 * that can pass the enter test, given how far the world extends above and below the viewer.
 */
export function discovery_radius(ctx: usize, block: usize): f64 {
  const h = load<f64>(ctx + X_HYSTERESIS);
  const scale = load<f64>(block + C_SCALE);
  const reach = load<f64>(block + C_BOUND) * scale * (1.0 - h);
  if (load<u32>(block + C_SHAPES + S_KIND) == SHAPE_SPHERE && load<u32>(block + C_SHAPE_COUNT) == 1) return reach;
  const room = max<f64>(g_vz - <f64>load<i32>(ctx + X_MIN_Z), <f64>load<i32>(ctx + X_MAX_Z) - g_vz);
  const hh = min<f64>(load<f64>(block + C_HALF_HEIGHT) * (1.0 - h), max<f64>(room, 0.0));
  return Math.sqrt(reach * reach + hh * hh);
}
