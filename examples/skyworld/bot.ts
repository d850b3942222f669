// A bot brain for a Skyworld player: wanders, walks to pickups it sees, jumps where the surface
// ahead drops away, walks to a nearby ladder and holds climb on it, now and then flies, and zaps
// at creatures in reach (naming the tick it saw them at, as the page does). It decides from
// what a client knows of its own player (position and body flags, in metres) plus the map, so
// the runner can drive it from the client's replica; the same seed and the same views give the
// same inputs.

import { mulberry32, type GameReplica } from '../../src/web/sdk.js';
import { FAMILY, SKYWORLD, typeNamesOf, type SkyworldDeclaration, type SkyworldInput } from './game.js';
import { LADDERS, Q, groundHeightAt, ladderAt, q } from './terrain.js';

/** What the bot knows of its own player. */
export interface BotView {
  readonly x: number;
  readonly y: number;
  readonly z: number;
  readonly grounded: boolean;
  readonly climbing: boolean;
  /** Something worth walking to on the bot's own level (a pickup it can see), in metres. */
  readonly target?: { readonly x: number; readonly y: number } | null;
  /** A creature within the zapper's reach on about its height, in metres, and the tick it was seen at. */
  readonly prey?: { readonly x: number; readonly y: number } | null;
  readonly tick?: number;
}

export class SkyworldBot {
  private readonly rnd: () => number;
  private heading: number;
  private turnIn = 0;
  private flyFor = 0;
  private ladder = -1;
  private ladderFor = 0;
  private readonly input: SkyworldInput = { moveX: 0, moveY: 0, jump: false, climb: false, fly: false, aim: 0, zap: false, viewTick: 0 };

  constructor(seed: number) {
    this.rnd = mulberry32(seed);
    this.heading = (this.rnd() * 2 - 1) * Math.PI;
  }

  /** This tick's input (the same object each call: encode it before the next). */
  think(me: BotView | null): SkyworldInput {
    const rnd = this.rnd;
    const out = this.input;
    out.jump = false;
    out.climb = false;
    out.zap = false;
    if (!me) {
      // Nothing decoded yet: stand still.
      out.moveX = out.moveY = 0;
      return out;
    }
    const x = q(me.x), y = q(me.y), z = q(me.z);
    if (--this.turnIn <= 0) {
      this.heading += (rnd() - 0.5) * Math.PI;
      this.turnIn = 60 + Math.floor(rnd() * 180);
    }
    // Flight: a toggle now and then, held for 2-6 s, rising or sinking on a whim.
    if (this.flyFor > 0) this.flyFor--;
    else if (rnd() < 1 / 900) this.flyFor = 120 + Math.floor(rnd() * 240);
    out.fly = this.flyFor > 0;
    if (out.fly) {
      const r = rnd();
      out.jump = r < 0.3;
      out.climb = r > 0.8;
    }
    // Ladders: pick one within 12 m whose span holds our height, walk to it, climb it.
    if (!out.fly && this.ladder < 0 && me.grounded && rnd() < 1 / 60) {
      for (let i = 0; i < LADDERS.length; i++) {
        const l = LADDERS[i]!;
        if (Math.abs(l.x - x) + Math.abs(l.y - y) < q(12) && z >= l.bottom - q(0.5) && z < l.top) {
          this.ladder = i;
          this.ladderFor = 600;
        }
      }
    }
    if (this.ladder >= 0) {
      const l = LADDERS[this.ladder]!;
      if (--this.ladderFor <= 0 || z >= l.top || out.fly) this.ladder = -1;
      else if (ladderAt(x, y) === this.ladder) {
        out.climb = true;
        out.moveX = out.moveY = 0;
        return out;
      } else this.heading = Math.atan2(l.y - y, l.x - x);
    } else if (me.target && !out.fly) this.heading = Math.atan2(me.target.y - me.y, me.target.x - me.x);
    const speed = 0.5 + rnd() * 0.5;
    out.moveX = Math.max(-1, Math.min(1, Math.cos(this.heading) * speed));
    out.moveY = Math.max(-1, Math.min(1, Math.sin(this.heading) * speed));
    out.aim = Math.atan2(out.moveY, out.moveX);
    // A creature in reach: aim at it and zap, now and then (the server judges the tick it was seen at).
    if (me.prey && rnd() < 1 / 8) {
      out.aim = Math.atan2(me.prey.y - me.y, me.prey.x - me.x);
      out.zap = true;
      out.viewTick = (me.tick ?? 0) & 0xffff;
    }
    // Turn back before the map's edge.
    if (Math.abs(me.x) > 480 || Math.abs(me.y) > 480) this.heading = Math.atan2(-me.y, -me.x);
    // An edge ahead (the surface 1.5 m on drops more than a metre): jump across it.
    if (me.grounded && !out.fly) {
      const ax = x + Math.round(Math.cos(this.heading) * 1.5 * Q);
      const ay = y + Math.round(Math.sin(this.heading) * 1.5 * Q);
      if (groundHeightAt(ax, ay, z) < z - Q) out.jump = true;
      else if (rnd() < 1 / 240) out.jump = true;
    }
    return out;
  }
}

const PICKUP_TYPES = new Set(typeNamesOf(FAMILY.pickup));
const PREY_TYPES = new Set([FAMILY.walker, FAMILY.climber, FAMILY.flyer].flatMap((f) => typeNamesOf(f)));
const ZAP_REACH_M = 30;
const [FX, FY, FZ] = (['position.x', 'position.y', 'position.z'] as const).map((k) => SKYWORLD.fieldIndex.get(k)!);

/** What a bot may know, from its client's replica: its player and the nearest pickup on its level. */
export function botViewOf(r: GameReplica<SkyworldDeclaration>, id: number): BotView | null {
  const x = r.value(id, 'position.x') as number | undefined;
  if (x === undefined) return null;
  const y = r.value(id, 'position.y') as number;
  const z = r.value(id, 'position.z') as number;
  let target: { x: number; y: number } | null = null;
  let prey: { x: number; y: number } | null = null;
  let best = 40;
  let nearest = ZAP_REACH_M;
  for (let i = 0; i < r.size; i++) {
    const type = r.typeAt(i);
    const pz = r.valueAt(i, FZ!) as number;
    const px = r.valueAt(i, FX!) as number, py = r.valueAt(i, FY!) as number;
    const d = Math.abs(px - x) + Math.abs(py - y);
    if (PICKUP_TYPES.has(type) && Math.abs(pz - z) <= 1 && d < best) [best, target] = [d, { x: px, y: py }];
    // The zapper fires level from the eyes: creatures about the bot's height.
    else if (PREY_TYPES.has(type) && Math.abs(pz - z) <= 1.5 && Math.hypot(px - x, py - y) < nearest) [nearest, prey] = [Math.hypot(px - x, py - y), { x: px, y: py }];
  }
  return { x, y, z, grounded: r.value(id, 'body.grounded') === true, climbing: r.value(id, 'body.climbing') === true, target, prey, tick: r.tick };
}
