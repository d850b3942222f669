// Peer: @colyseus/schema replicating N moving entities, in its fastest honest use.
//
// - Typed fields holding the same quantised integers our wire carries: positions in 1/128 m
//   (the codec's default posShift 9), yaw as a 12-bit code. Each field gets the narrowest
//   integer type that holds the case's values (narrowest(): from the world's bounds), so the
//   peer sends no padding: in encode-1k (x, y within ±200 m, z 0-10 m) that is int16 for x and
//   y (±25,600), uint16 for z (0-1,280) and uint16 for yaw (0-4,095). Float fields would cost
//   more bytes (float32: 4 per axis) and carry more precision than ours, so integers of the
//   same quantisation are the fair match.
// - Its Encoder's change tracking: a setter runs only when the quantised value changed, and
//   encode() writes only the changed fields; discardChanges() after each tick.
// - A buffer that holds a whole tick: the default one overflows on 1,000 changed entities and
//   takes a slow growing path every tick.
// - Plain references to the Entity instances: indexing the ArraySchema goes through a Proxy.
// The setters that feed its change tracking are part of its encode cost, as our pipeline reads
// the columns the simulation writes with no setter in between.

import { Encoder, schema, t } from '@colyseus/schema';
import { consume } from '../harness.js';

/** Q16.16 fixed point: one metre / one radian. */
const Q = 65536;
/** The codec's default position unit (posShift 9: 1/128 m) and yaw code (12 bits). */
const POS_UNITS_PER_M = 128;
const YAW_STEPS = 4096;
/** Bytes Encoder.BUFFER_SIZE gets: a full tick of 1,000 entities is ~12 KB, with room to spare. */
const ENCODER_BUFFER_BYTES = 256 * 1024;

type IntType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32';

/** The narrowest integer field type that holds every value in [min, max]. */
export function narrowest(min: number, max: number): IntType {
  if (min >= 0) return max <= 0xff ? 'uint8' : max <= 0xffff ? 'uint16' : 'int32';
  return min >= -0x80 && max <= 0x7f ? 'int8' : min >= -0x8000 && max <= 0x7fff ? 'int16' : 'int32';
}

/** The world the entities move in, metres: the peer's field types are chosen from it. */
export interface PeerBounds {
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
  minZ: number;
  maxZ: number;
}

function entitySchema(b: PeerBounds) {
  const m = (v: number) => Math.round(v * POS_UNITS_PER_M);
  const types = {
    x: narrowest(m(b.minX), m(b.maxX)),
    y: narrowest(m(b.minY), m(b.maxY)),
    z: narrowest(m(b.minZ), m(b.maxZ)),
    yaw: narrowest(0, YAW_STEPS - 1),
  };
  const name = `BenchEntity_${types.x}_${types.y}_${types.z}_${types.yaw}`;
  const Entity = schema({ x: t[types.x](), y: t[types.y](), z: t[types.z](), yaw: t[types.yaw]() }, name);
  const State = schema({ entities: t.array(Entity) }, `BenchState_${name}`);
  return { Entity, State, types };
}
type EntityState = InstanceType<ReturnType<typeof entitySchema>['Entity']>;

/** Q16.16 metres to the wire's 1/128 m units. */
const toWire = (q16: number): number => Math.round((q16 / Q) * POS_UNITS_PER_M);
/** Q16.16 radians to a 12-bit yaw code. */
const yawCode = (q16: number): number =>
  ((Math.round((q16 / Q / (2 * Math.PI)) * YAW_STEPS) % YAW_STEPS) + YAW_STEPS) % YAW_STEPS;

/** The simulation's columns the peer mirrors (Q16.16). */
export interface MovingColumns {
  x: Int32Array;
  y: Int32Array;
  z: Int32Array;
  headingRad: Int32Array;
}

export class ColyseusEncodePeer {
  readonly name = '@colyseus/schema';
  private readonly entities: EntityState[] = [];
  private readonly encoder: Encoder;

  /** The field types chosen for the case's bounds. */
  readonly types: Record<'x' | 'y' | 'z' | 'yaw', IntType>;

  constructor(readonly count: number, initial: MovingColumns, bounds: PeerBounds) {
    Encoder.BUFFER_SIZE = ENCODER_BUFFER_BYTES;
    const { Entity, State, types } = entitySchema(bounds);
    this.types = types;
    const state = new State();
    for (let i = 0; i < count; i++) {
      const e = new Entity({ x: toWire(initial.x[i]!), y: toWire(initial.y[i]!), z: toWire(initial.z[i]!), yaw: yawCode(initial.headingRad[i]!) });
      this.entities.push(e);
      state.entities.push(e);
    }
    this.encoder = new Encoder(state);
    consume(this.encoder.encodeAll());
    this.encoder.discardChanges();
  }

  /** Mirrors this tick's state (only changed values) and encodes the changes: returns the bytes. */
  tick(cols: MovingColumns): number {
    const { x, y, z, headingRad } = cols;
    const ents = this.entities;
    for (let i = 0; i < this.count; i++) {
      const e = ents[i]!;
      const wx = toWire(x[i]!), wy = toWire(y[i]!), wz = toWire(z[i]!), wyaw = yawCode(headingRad[i]!);
      if (e.x !== wx) e.x = wx;
      if (e.y !== wy) e.y = wy;
      if (e.z !== wz) e.z = wz;
      if (e.yaw !== wyaw) e.yaw = wyaw;
    }
    const bytes = this.encoder.encode().byteLength;
    this.encoder.discardChanges();
    return bytes;
  }
}
