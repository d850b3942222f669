// Codec kernels (the exports of this family): bit writer / reader over a state block, the tiered
// codes, zig-zag and LEB128 varints, quantisation (smallest-three quaternions, yaw, position
// prediction) and the client-side snapshot decoder.

export {
  bits_write, bits_write_tiered, bits_write_signed, bits_read, bits_read_tiered, bits_read_signed, bits_tiered_size,
  bits_zigzag, bits_unzigzag, varint_write, varint_read,
} from './bits';
export { quat_pack_q16, quat_unpack, yaw_quantize, yaw_dequantize, predict_position } from './quantize';

import { snap_decode, view_bytes, view_init, view_layout } from './snapshot-decode';

export function snapshot_decode(view: usize, msg: usize, len: u32): i32 {
  return snap_decode(view, msg, len);
}

export function snapshot_view_bytes(v: u32): u32 {
  return view_bytes(v);
}

export function snapshot_view_init(
  view: usize, v: u32, hb: u32, posShift: u32, velShift: u32, yawBits: u32, quatBits: u32, cellShift: u32,
  rotMode: u32, hasVel: u32,
): void {
  view_init(view, v, hb, posShift, velShift, yawBits, quatBits, cellShift, rotMode, hasVel);
}

export function snapshot_view_layout(what: u32): u32 {
  return view_layout(what);
}
