// Interim world stream over WebSocket (server -> browser). Later issues replace the STATE frame
// with interest-managed delta snapshots; HELLO and HASH stay the lockstep check of the demo.
// All numbers little-endian. Every frame starts with its type byte.
//
// HELLO (type 1), 104 bytes: everything a client needs to build a byte-identical local World.
// | off | type   | field                                   |
// |   0 | u8     | type = 1                                |
// |   1 | u8     | protocol version (WORLD_STREAM_VERSION) |
// |   2 | u16    | reserved, 0                             |
// |   4 | u32    | seed                                    |
// |   8 | u32    | server tick at send time                |
// |  12 | u32    | world capacity (entity slots)           |
// |  16 | u32    | NPCs spawned at tick 0                  |
// |  20 | u32    | hash period in ticks                    |
// |  24 | f64    | tick rate, Hz                           |
// |  32 | f64[6] | bounds minX minY minZ maxX maxY maxZ, m |
// |  80 | f64    | NPC top speed, m/s                      |
// |  88 | f64    | NPC wander min, s                       |
// |  96 | f64    | NPC wander max, s                       | (idle percent: u8 at offset 2)
//
// STATE (type 2): 12 + 16 * count bytes: u8 type, u8[3] reserved, u32 tick, u32 count, then per
// entity u32 id, i32 x, i32 y, i32 z (Q16.16 metres).
//
// HASH (type 3), 16 bytes: u8 type, u8[3] reserved, u32 tick, u64 xxHash64 of the world region
// after that tick.

import { DecodeError } from '../core/errors.js';
import { makeEntityId } from '../core/entity-id.js';
import { FLAG_ALIVE } from '../core/world-layout.js';

export const WORLD_STREAM_VERSION = 1;
export const FRAME_HELLO = 1;
export const FRAME_STATE = 2;
export const FRAME_HASH = 3;
export const HELLO_BYTES = 104;
export const STATE_HEADER_BYTES = 12;
export const STATE_ENTITY_BYTES = 16;
export const HASH_BYTES = 16;
/** A STATE frame never carries more than the largest world (2^20 slots). */
export const MAX_STATE_ENTITIES = 1 << 20;

export interface HelloFrame {
  type: typeof FRAME_HELLO;
  seed: number;
  tick: number;
  capacity: number;
  npcs: number;
  hashEveryTicks: number;
  tickHz: number;
  bounds: { minX: number; minY: number; minZ: number; maxX: number; maxY: number; maxZ: number };
  npc: { topSpeedMps: number; wanderMinS: number; wanderMaxS: number; idlePercent: number };
}

export interface StateFrame {
  type: typeof FRAME_STATE;
  tick: number;
  count: number;
  /** Views into the received buffer: ids[i] at (xs[i], ys[i], zs[i]) in Q16 metres. */
  ids: Uint32Array;
  xs: Int32Array;
  ys: Int32Array;
  zs: Int32Array;
}

export interface HashFrame {
  type: typeof FRAME_HASH;
  tick: number;
  hash: bigint;
}

export type WorldFrame = HelloFrame | StateFrame | HashFrame;

export function encodeHello(h: Omit<HelloFrame, 'type'>): Uint8Array {
  const bytes = new Uint8Array(HELLO_BYTES);
  const v = new DataView(bytes.buffer);
  v.setUint8(0, FRAME_HELLO);
  v.setUint8(1, WORLD_STREAM_VERSION);
  v.setUint8(2, h.npc.idlePercent);
  v.setUint32(4, h.seed, true);
  v.setUint32(8, h.tick, true);
  v.setUint32(12, h.capacity, true);
  v.setUint32(16, h.npcs, true);
  v.setUint32(20, h.hashEveryTicks, true);
  v.setFloat64(24, h.tickHz, true);
  const b = h.bounds;
  [b.minX, b.minY, b.minZ, b.maxX, b.maxY, b.maxZ].forEach((value, i) => v.setFloat64(32 + i * 8, value, true));
  v.setFloat64(80, h.npc.topSpeedMps, true);
  v.setFloat64(88, h.npc.wanderMinS, true);
  v.setFloat64(96, h.npc.wanderMaxS, true);
  return bytes;
}

/**
 * Encodes a STATE frame of every live slot below `highWater` into `out` (reused across ticks);
 * returns the frame length. `out` must hold STATE_HEADER_BYTES + 16 * highWater bytes.
 */
export function encodeStateInto(
  out: Uint8Array,
  tick: number,
  highWater: number,
  columns: { flags: Uint32Array; generation: Uint32Array; posX: Int32Array; posY: Int32Array; posZ: Int32Array },
): number {
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const { flags, generation, posX, posY, posZ } = columns;
  v.setUint8(0, FRAME_STATE);
  v.setUint32(4, tick, true);
  let count = 0;
  let off = STATE_HEADER_BYTES;
  for (let slot = 0; slot < highWater; slot++) {
    if ((flags[slot]! & FLAG_ALIVE) === 0) continue;
    v.setUint32(off, makeEntityId(slot, generation[slot]!), true);
    v.setInt32(off + 4, posX[slot]!, true);
    v.setInt32(off + 8, posY[slot]!, true);
    v.setInt32(off + 12, posZ[slot]!, true);
    off += STATE_ENTITY_BYTES;
    count++;
  }
  v.setUint32(8, count, true);
  return off;
}

export function encodeHash(tick: number, hash: bigint): Uint8Array {
  const bytes = new Uint8Array(HASH_BYTES);
  const v = new DataView(bytes.buffer);
  v.setUint8(0, FRAME_HASH);
  v.setUint32(4, tick, true);
  v.setBigUint64(8, hash, true);
  return bytes;
}

/** Decodes one frame; throws DecodeError on anything truncated, oversized or unknown. */
export function decodeWorldFrame(bytes: Uint8Array): WorldFrame {
  if (bytes.byteLength < 1) throw new DecodeError('empty frame');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = v.getUint8(0);
  switch (type) {
    case FRAME_HELLO: {
      if (bytes.byteLength !== HELLO_BYTES) throw new DecodeError(`HELLO must be ${HELLO_BYTES} bytes, got ${bytes.byteLength}`);
      const version = v.getUint8(1);
      if (version !== WORLD_STREAM_VERSION) throw new DecodeError(`world stream version ${version}, expected ${WORLD_STREAM_VERSION}`);
      const f = (off: number) => v.getFloat64(off, true);
      return {
        type: FRAME_HELLO,
        seed: v.getUint32(4, true),
        tick: v.getUint32(8, true),
        capacity: v.getUint32(12, true),
        npcs: v.getUint32(16, true),
        hashEveryTicks: v.getUint32(20, true),
        tickHz: f(24),
        bounds: { minX: f(32), minY: f(40), minZ: f(48), maxX: f(56), maxY: f(64), maxZ: f(72) },
        npc: { topSpeedMps: f(80), wanderMinS: f(88), wanderMaxS: f(96), idlePercent: v.getUint8(2) },
      };
    }
    case FRAME_STATE: {
      if (bytes.byteLength < STATE_HEADER_BYTES) throw new DecodeError(`STATE shorter than its ${STATE_HEADER_BYTES}-byte header`);
      const count = v.getUint32(8, true);
      if (count > MAX_STATE_ENTITIES) throw new DecodeError(`STATE claims ${count} entities (max ${MAX_STATE_ENTITIES})`);
      const expected = STATE_HEADER_BYTES + count * STATE_ENTITY_BYTES;
      if (bytes.byteLength !== expected) throw new DecodeError(`STATE with ${count} entities must be ${expected} bytes, got ${bytes.byteLength}`);
      const ids = new Uint32Array(count);
      const xs = new Int32Array(count);
      const ys = new Int32Array(count);
      const zs = new Int32Array(count);
      for (let i = 0, off = STATE_HEADER_BYTES; i < count; i++, off += STATE_ENTITY_BYTES) {
        ids[i] = v.getUint32(off, true);
        xs[i] = v.getInt32(off + 4, true);
        ys[i] = v.getInt32(off + 8, true);
        zs[i] = v.getInt32(off + 12, true);
      }
      return { type: FRAME_STATE, tick: v.getUint32(4, true), count, ids, xs, ys, zs };
    }
    case FRAME_HASH: {
      if (bytes.byteLength !== HASH_BYTES) throw new DecodeError(`HASH must be ${HASH_BYTES} bytes, got ${bytes.byteLength}`);
      return { type: FRAME_HASH, tick: v.getUint32(4, true), hash: v.getBigUint64(8, true) };
    }
    default:
      throw new DecodeError(`unknown world frame type ${type}`);
  }
}
