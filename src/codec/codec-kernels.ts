// Typed bindings of the codec kernels in chronos.wasm (assembly/codec): bit writer and reader
// over a 32-byte state block, the tiered codes, zig-zag, LEB128 varints, quantisation and the
// snapshot decoder. Pointers are byte offsets into the shared memory.

import type { ChronosWasm } from '../wasm/loader.js';
import { bindKernels } from '../wasm/kernels.js';

type Ptr = number;

export interface CodecKernels {
  /** 1 when the cursor passed the capacity (nothing stored), else 0. */
  bits_write(state: Ptr, value: number, bits: number): number;
  bits_write_tiered(state: Ptr, value: number): number;
  bits_write_signed(state: Ptr, value: number): number;
  bits_read(state: Ptr, bits: number): number;
  bits_read_tiered(state: Ptr): number;
  bits_read_signed(state: Ptr): number;
  bits_tiered_size(value: number): number;
  bits_zigzag(value: number): number;
  bits_unzigzag(value: number): number;
  varint_write(ptr: Ptr, value: number): number;
  /** Value in the low 32 bits, bytes read in bits 32..39 (0: truncated or malformed); SIGNED bigint. */
  varint_read(ptr: Ptr, length: number): bigint;
  quat_pack_q16(x: number, y: number, z: number, w: number, bits: number): number;
  quat_unpack(packed: number, bits: number, out: Ptr): void;
  yaw_quantize(yawQ16: number, bits: number): number;
  yaw_dequantize(code: number, bits: number): number;
  predict_position(basePos: number, baseVel: number, dt: number, shiftDiff: number): number;
  snapshot_decode(view: Ptr, msg: Ptr, length: number): number;
  snapshot_view_bytes(handles: number): number;
  snapshot_view_init(
    view: Ptr, handles: number, handleBits: number, posShift: number, velShift: number, yawBits: number,
    quatBits: number, cellShift: number, rotMode: number, hasVel: number,
  ): void;
  snapshot_view_layout(what: number): number;
}

export const CODEC_KERNEL_NAMES: readonly (keyof CodecKernels)[] = [
  'bits_write', 'bits_write_tiered', 'bits_write_signed', 'bits_read', 'bits_read_tiered', 'bits_read_signed',
  'bits_tiered_size', 'bits_zigzag', 'bits_unzigzag', 'varint_write', 'varint_read', 'quat_pack_q16', 'quat_unpack',
  'yaw_quantize', 'yaw_dequantize', 'predict_position', 'snapshot_decode', 'snapshot_view_bytes',
  'snapshot_view_init', 'snapshot_view_layout',
];

const cache = new WeakMap<ChronosWasm, CodecKernels>();

export function codecKernels(wasm: ChronosWasm): CodecKernels {
  let k = cache.get(wasm);
  if (!k) {
    k = bindKernels<CodecKernels>(wasm, CODEC_KERNEL_NAMES);
    cache.set(wasm, k);
  }
  return k;
}
