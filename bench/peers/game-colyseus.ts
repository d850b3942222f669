// Peer: @colyseus/schema replicating the shooter's declared NPC fields (bench/shooter-game.ts),
// in its fastest honest use, for the `game` suite:
// - every field as an integer of the narrowest type that holds the codes our wire carries for the
//   case's values (positions in 1/128 m, velocities in 1/1024 m per tick, yaw in 12 bits, hit
//   points, the kind as an enum index) and the two flags as booleans, so it sends no padding and
//   no precision ours does not;
// - its change tracking: a setter runs only when the code changed, encode() writes only changed
//   fields, discardChanges() after each tick; a buffer that holds a whole tick; plain references
//   to the Entity instances (indexing an ArraySchema goes through a Proxy).
// Its setters are part of its encode cost: our encoder reads the columns the simulation writes.

import { Encoder, schema, t } from '@colyseus/schema';
import { consume } from '../harness.js';
import { narrowest, type PeerBounds } from './interest-colyseus.js';

/** The Q16.16 columns the peer mirrors, in the shooter's declared units. */
export interface NpcColumns {
  x: Int32Array;
  y: Int32Array;
  z: Int32Array;
  vx: Int32Array;
  vy: Int32Array;
  vz: Int32Array;
  yaw: Int32Array;
  hp: Int32Array;
  kind: Uint32Array;
  dead: Uint32Array;
  away: Uint32Array;
}

const ENCODER_BUFFER_BYTES = 512 * 1024;
/** Q16.16 to the declared codes (round half up, as the declaration's quantisers do). */
const pos = (q: number): number => Math.floor(q / 512 + 0.5);
const vel = (q: number): number => Math.floor(q / 64 + 0.5);
const YAW_STEPS = 4096;
const YAW_PER_Q = YAW_STEPS / (2 * Math.PI * 65536);
const yaw = (q: number): number => Math.round((q + Math.PI * 65536) * YAW_PER_Q) & (YAW_STEPS - 1);

function entitySchema(b: PeerBounds, maxSpeedQ16: number, maxHp: number) {
  const m = (v: number) => Math.round(v * 128);
  const v = vel(maxSpeedQ16);
  const types = {
    x: narrowest(m(b.minX), m(b.maxX)),
    y: narrowest(m(b.minY), m(b.maxY)),
    z: narrowest(m(b.minZ), m(b.maxZ)),
    v: narrowest(-v, v),
    yaw: narrowest(0, YAW_STEPS - 1),
    hp: narrowest(0, maxHp),
    kind: narrowest(0, 2),
  };
  const name = `GameNpc_${Object.values(types).join('_')}`;
  const Entity = schema({
    x: t[types.x](), y: t[types.y](), z: t[types.z](),
    vx: t[types.v](), vy: t[types.v](), vz: t[types.v](),
    yaw: t[types.yaw](), hp: t[types.hp](), kind: t[types.kind](),
    dead: t.boolean(), away: t.boolean(),
  }, name);
  const State = schema({ entities: t.array(Entity) }, `GameState_${name}`);
  return { Entity, State, types };
}
type Npc = InstanceType<ReturnType<typeof entitySchema>['Entity']>;

export class ColyseusGamePeer {
  readonly name = '@colyseus/schema';
  readonly types: ReturnType<typeof entitySchema>['types'];
  private readonly entities: Npc[] = [];
  private readonly encoder: Encoder;

  constructor(readonly count: number, c: NpcColumns, bounds: PeerBounds, maxSpeedQ16: number, maxHp: number) {
    Encoder.BUFFER_SIZE = ENCODER_BUFFER_BYTES;
    const { Entity, State, types } = entitySchema(bounds, maxSpeedQ16, maxHp);
    this.types = types;
    const state = new State();
    for (let i = 0; i < count; i++) {
      const e = new Entity({
        x: pos(c.x[i]!), y: pos(c.y[i]!), z: pos(c.z[i]!), vx: vel(c.vx[i]!), vy: vel(c.vy[i]!), vz: vel(c.vz[i]!),
        yaw: yaw(c.yaw[i]!), hp: c.hp[i]!, kind: c.kind[i]!, dead: c.dead[i] !== 0, away: c.away[i] !== 0,
      });
      this.entities.push(e);
      state.entities.push(e);
    }
    this.encoder = new Encoder(state);
    consume(this.encoder.encodeAll());
    this.encoder.discardChanges();
  }

  /**
   * Mirrors this tick's changed codes and encodes the changes: returns the bytes. Velocity is
   * declared at the normal rate (every 2nd tick per entity), so the peer mirrors it on the same
   * ticks and does not send more than ours.
   */
  tick(c: NpcColumns, tick: number): number {
    const ents = this.entities;
    for (let i = 0; i < this.count; i++) {
      const e = ents[i]!;
      const x = pos(c.x[i]!), y = pos(c.y[i]!), z = pos(c.z[i]!);
      const a = yaw(c.yaw[i]!), hp = c.hp[i]!, kind = c.kind[i]!, dead = c.dead[i] !== 0, away = c.away[i] !== 0;
      if (e.x !== x) e.x = x;
      if (e.y !== y) e.y = y;
      if (e.z !== z) e.z = z;
      if ((tick + i) % 2 === 0) {
        const vx = vel(c.vx[i]!), vy = vel(c.vy[i]!), vz = vel(c.vz[i]!);
        if (e.vx !== vx) e.vx = vx;
        if (e.vy !== vy) e.vy = vy;
        if (e.vz !== vz) e.vz = vz;
      }
      if (e.yaw !== a) e.yaw = a;
      if (e.hp !== hp) e.hp = hp;
      if (e.kind !== kind) e.kind = kind;
      if (e.dead !== dead) e.dead = dead;
      if (e.away !== away) e.away = away;
    }
    const bytes = this.encoder.encode().byteLength;
    this.encoder.discardChanges();
    return bytes;
  }
}
