// Simple players for bots: each archetype turns what the bot sees in its own (predicted) world
// into an input, the way a person at a keyboard would — so bots exercise prediction, rollback,
// projectiles and lag-compensated hitscan the same way a page does.
//
// | archetype | moves                                       | aims and shoots                         |
// |-----------|---------------------------------------------|-----------------------------------------|
// | wanderer  | a new random heading every 1-3 s            | at anything within 40 m, projectiles    |
// | circler   | orbits a point near the centre at 15 m      | at the nearest body: hitscan or fire    |
// | hunter    | closes on the nearest player (else an NPC), | at it: hitscan within 90 m, projectiles |
// |           | then circles it at 14 m                     | within 25 m too                         |
// | turret    | stands still                                | locks on anything within 60 m, else     |
// |           |                                             | sweeps and fires now and then           |
//
// Every archetype heads back when it strays over 60 m from the world's centre, where players
// spawn, so a handful of bots stay where the action is. Randomness is seeded per bot.

import { FLAG_ALIVE, FLAG_DEAD, FLAG_NPC, FLAG_PLAYER } from '../core/world-layout.js';
import type { ReferenceGame } from '../rollback/reference-game.js';
import type { PlayerInput } from '../codec/rollback-input.js';
import { mulberry32 } from '../core/mulberry32.js';

export type BotArchetype = 'wanderer' | 'circler' | 'hunter' | 'turret';
export const BOT_ARCHETYPES: readonly BotArchetype[] = ['hunter', 'wanderer', 'circler', 'turret'];

/** Targets are looked for this often (a person does not re-aim 60 times a second either). */
const RETARGET_MS = 150;
/** Beyond this distance from the centre a bot walks back. */
const LEASH_M = 60;
/** Aim is quantised to 1/256 turn: a person's mouse does not change every frame by a hair. */
const AIM_STEPS = 256;
const Q16 = 65536;


function quantiseAim(rad: number): number {
  const step = (2 * Math.PI) / AIM_STEPS;
  return Math.round(rad / step) * step;
}

export class BotBrain {
  readonly archetype: BotArchetype;
  private readonly rand: () => number;
  private headingRad: number;
  private nextTurnMs = 0;
  private retargetAtMs = 0;
  private targetSlot = -1;
  private targetGeneration = 0;
  private sweepRad: number;
  private orbitRad: number;
  private readonly orbitX: number;
  private readonly orbitY: number;
  private readonly strafe: number;

  constructor(archetype: BotArchetype, seed: number) {
    this.archetype = archetype;
    this.rand = mulberry32(seed);
    this.headingRad = this.rand() * 2 * Math.PI;
    this.sweepRad = this.rand() * 2 * Math.PI;
    this.orbitRad = this.rand() * 2 * Math.PI;
    this.orbitX = (this.rand() - 0.5) * 30;
    this.orbitY = (this.rand() - 0.5) * 30;
    this.strafe = this.rand() < 0.5 ? 1 : -1;
  }

  /** The input for player `player` of `game` (its current, predicted state) at nowMs. */
  think(game: ReferenceGame, player: number, nowMs: number): PlayerInput {
    const slot = game.playerSlot(player);
    const w = game.world;
    if (slot < 0) return { moveX: 0, moveY: 0, aimRad: this.headingRad };
    const xs = w.column('posX');
    const ys = w.column('posY');
    const x = xs[slot]! / Q16;
    const y = ys[slot]! / Q16;
    const b = w.bounds;
    const cx = (b.minX + b.maxX) / 2;
    const cy = (b.minY + b.maxY) / 2;
    if (nowMs >= this.retargetAtMs) {
      this.retargetAtMs = nowMs + RETARGET_MS;
      this.pickTarget(game, slot, x, y);
    }
    const target = this.liveTarget(game);
    const tx = target >= 0 ? xs[target]! / Q16 : 0;
    const ty = target >= 0 ? ys[target]! / Q16 : 0;
    const distance = target >= 0 ? Math.hypot(tx - x, ty - y) : Infinity;
    let moveX = 0;
    let moveY = 0;
    let aimRad = this.headingRad;
    let fire = false;
    let shoot = false;
    const dt = 1 / 60;
    switch (this.archetype) {
      case 'wanderer': {
        if (nowMs >= this.nextTurnMs) {
          this.headingRad += (this.rand() - 0.5) * 2.5;
          this.nextTurnMs = nowMs + 1000 + this.rand() * 2000;
        }
        moveX = Math.cos(this.headingRad);
        moveY = Math.sin(this.headingRad);
        if (distance < 40) {
          aimRad = Math.atan2(ty - y, tx - x);
          fire = true;
        }
        break;
      }
      case 'circler': {
        this.orbitRad += dt * 0.4;
        const gx = cx + this.orbitX + Math.cos(this.orbitRad) * 15;
        const gy = cy + this.orbitY + Math.sin(this.orbitRad) * 15;
        [moveX, moveY] = toward(x, y, gx, gy);
        if (distance < 70) {
          aimRad = Math.atan2(ty - y, tx - x);
          shoot = this.rand() < 0.5;
          fire = !shoot;
        } else aimRad = this.orbitRad + Math.PI / 2;
        break;
      }
      case 'hunter': {
        if (target >= 0) {
          aimRad = Math.atan2(ty - y, tx - x);
          if (distance > 14) [moveX, moveY] = toward(x, y, tx, ty);
          else {
            // Circle the target at close range: a moving target is harder to hit.
            moveX = -Math.sin(aimRad) * this.strafe;
            moveY = Math.cos(aimRad) * this.strafe;
          }
          shoot = distance < 90;
          fire = distance < 25;
        } else {
          if (nowMs >= this.nextTurnMs) {
            this.headingRad += (this.rand() - 0.5) * 2;
            this.nextTurnMs = nowMs + 1500 + this.rand() * 1500;
          }
          moveX = Math.cos(this.headingRad);
          moveY = Math.sin(this.headingRad);
          aimRad = this.headingRad;
        }
        break;
      }
      case 'turret': {
        if (distance < 60) {
          aimRad = Math.atan2(ty - y, tx - x);
          shoot = true;
        } else {
          this.sweepRad += dt * 1.2;
          aimRad = this.sweepRad;
          fire = this.rand() < 0.1;
        }
        break;
      }
    }
    if (this.archetype !== 'turret' && Math.hypot(x - cx, y - cy) > LEASH_M) [moveX, moveY] = toward(x, y, cx, cy);
    return { moveX: clampUnit(moveX), moveY: clampUnit(moveY), aimRad: quantiseAim(aimRad), fire, shoot };
  }

  /** The target slot if it still holds the same living body, else -1. */
  private liveTarget(game: ReferenceGame): number {
    const t = this.targetSlot;
    if (t < 0) return -1;
    const w = game.world;
    if (t >= w.highWater) return -1;
    const flags = w.column('flags')[t]!;
    if ((flags & (FLAG_ALIVE | FLAG_DEAD)) !== FLAG_ALIVE || w.column('generation')[t] !== this.targetGeneration) return -1;
    return t;
  }

  /** Nearest living player other than us within 100 m, else (hunters, turrets, all) the nearest NPC. */
  private pickTarget(game: ReferenceGame, self: number, x: number, y: number): void {
    const w = game.world;
    const flags = w.column('flags');
    const xs = w.column('posX');
    const ys = w.column('posY');
    const n = w.highWater;
    let bestPlayer = -1;
    let bestPlayerD = 100 * 100;
    let bestNpc = -1;
    let bestNpcD = 80 * 80;
    for (let i = 0; i < n; i++) {
      const f = flags[i]!;
      if (i === self || (f & (FLAG_ALIVE | FLAG_DEAD)) !== FLAG_ALIVE) continue;
      const dx = xs[i]! / Q16 - x;
      const dy = ys[i]! / Q16 - y;
      const d = dx * dx + dy * dy;
      if ((f & FLAG_PLAYER) !== 0 && d < bestPlayerD) {
        bestPlayerD = d;
        bestPlayer = i;
      } else if ((f & FLAG_NPC) !== 0 && d < bestNpcD) {
        bestNpcD = d;
        bestNpc = i;
      }
    }
    this.targetSlot = bestPlayer >= 0 ? bestPlayer : bestNpc;
    this.targetGeneration = this.targetSlot >= 0 ? w.column('generation')[this.targetSlot]! : 0;
  }
}

function toward(x: number, y: number, gx: number, gy: number): [number, number] {
  const dx = gx - x;
  const dy = gy - y;
  const d = Math.hypot(dx, dy);
  if (d < 0.5) return [0, 0];
  return [dx / d, dy / d];
}

function clampUnit(v: number): number {
  return Math.max(-1, Math.min(1, v));
}
