// Wire format of a snapshot: the per-client, per-tick message interest management sends on an
// unreliable-sequenced channel. The encoder (interest/encode.ts) and the decoder
// (codec/snapshot-decode.ts) share only this file and the bit codes of bits.ts; the TypeScript
// mirror is src/codec/snapshot-spec.ts.
//
// Byte 0 is the message type (MSG_SNAPSHOT); the rest is one bit stream (bits.ts, LSB first):
// | field            | bits                      | meaning                                     |
// |------------------|---------------------------|---------------------------------------------|
// | version          | 3                         | SNAPSHOT_VERSION                            |
// | handle bits H    | 5                         | log2 of the view capacity (1..16)           |
// | full header      | 1                         | 1: seq and tick as 32 bits; 0: low 16 bits, |
// |                  |                           |    rebuilt from the newest ones received    |
// | seq              | 32 or 16                  | snapshot number (per client, +1 each)       |
// | tick             | 32 or 16                  | server tick the state is from               |
// | has cell         | 1                         | a reference cell follows                    |
// | cell x, y, z     | tiered signed each        | origin for absolute positions: wire units   |
// |                  |                           |    = cell << cellShift                      |
// | events           | 8                         | event count                                 |
// | records          | H + 1                     | record count (at most the view capacity)    |
// | events ...       |                           | kind 8, x y z tiered signed (from the cell),|
// |                  |                           |    length 8, payload bytes 8 each           |
// | records ...      |                           | see below, in priority order                |
//
// Record: H bits handle, then its kind:
// | kind             | prefix | body                                                      |
// |------------------|--------|-----------------------------------------------------------|
// | delta            | 1      | baseline: 1 = same seq as the previous delta in this      |
// |                  |        |   message, else 0 + tiered (age - 1), age = seq - baseSeq |
// |                  |        | fields: 1 = position only, else 0 + 5-bit mask            |
// |                  |        |   (POS, VEL, ROT, HP, STATE); each present field:         |
// |                  |        |   POS: x y z tiered signed residual from the prediction   |
// |                  |        |        baseline + baseline velocity * (tick - baseTick)   |
// |                  |        |   VEL: x y z tiered signed difference                     |
// |                  |        |   ROT: yaw: tiered signed difference (mod 2^yawBits);     |
// |                  |        |        quaternion: 2 + 3 * quatBits raw bits              |
// |                  |        |   HP: tiered signed difference; STATE: tiered (xor)       |
// | full             | 0 1    | 1 bit enter (a new entity on this handle: + 32-bit id),   |
// |                  |        | 4-bit mask of non-zero fields (VEL, ROT, HP, STATE),      |
// |                  |        | POS: x y z tiered signed from the reference cell; VEL x y |
// |                  |        | z tiered signed; ROT raw; HP tiered signed; STATE tiered  |
// | leave            | 0 0    | (nothing): the handle is empty from now on                |
// Every message is self-delimiting: the decoder rejects it whole when a field runs past the
// end, a count exceeds what fits, a handle repeats or is out of range, a delta names a
// baseline the client does not hold, or a byte or more is left over.

export const MSG_SNAPSHOT: u8 = 0xc5;
export const SNAPSHOT_VERSION: u32 = 1;
export const EVENTS_MAX: u32 = 255;
export const PAYLOAD_MAX: u32 = 255;
/** Baselines a client keeps per handle (the newest received records). */
export const WINDOW: u32 = 32;

export const F_POS: u32 = 1;
export const F_VEL: u32 = 2;
export const F_ROT: u32 = 4;
export const F_HP: u32 = 8;
export const F_STATE: u32 = 16;
// Full-record presence mask bits (position is always present).
export const P_VEL: u32 = 1;
export const P_ROT: u32 = 2;
export const P_HP: u32 = 4;
export const P_STATE: u32 = 8;

/**
 * Copies one record (9 x u32: quantised x y z, vx vy vz, rotation, hp, state) with
 * explicit loads: memory.copy is a runtime call on shared memory. Encoder and decoder both keep
 * records in this layout.
 */
// @ts-ignore: decorator
@inline
export function copy_rec(dst: usize, src: usize): void {
  store<u64>(dst, load<u64>(src));
  store<u64>(dst, load<u64>(src, 8), 8);
  store<u64>(dst, load<u64>(src, 16), 16);
  store<u64>(dst, load<u64>(src, 24), 24);
  store<u32>(dst, load<u32>(src, 32), 32);
}
