// The bodies on the map and their effects, drawn for MapView (map-view.ts) in screen space
// (x = ox + X z, y = oy - Y z): NPCs (one path per colour, coloured by a class such as the
// interest zone), projectiles with a streak along their heading (yours brighter), other players
// (coloured and labelled by number, faded while away, greyed with a cross while down), your
// avatar with its aim line, hit points, hit flashes with the damage dealt floating up, a hitscan
// tracer and a burst where a correction or a respawn moved you several metres at once. Bodies
// come in as SampledBodies; what they do not carry (hit points, heading, owner) comes from the
// scene's BodyInfo (body-info.ts).

import { FLAG_AWAY, FLAG_DEAD, FLAG_NPC, FLAG_PLAYER, FLAG_PROJECTILE } from '../core/world-layout.js';
import type { SampledBodies } from '../rollback/hitbox-history.js';

const FLASH_MS = 220;
const FLOAT_MS = 700;
const BURST_MS = 450;
const TRACER_MS = 110;
/** Drawn bodies never shrink below this radius, px. */
const MIN_BODY_PX = 2.5;
const MIN_PLAYER_PX = 7;
/** Players are drawn a little larger than their bodies (0.5 m) so they read at a glance. */
const PLAYER_DRAW_SCALE = 1.3;
/** Projectiles trail a streak this long behind them, metres, and never shorter than STREAK_MIN_PX. */
const STREAK_M = 1.6;
const STREAK_MIN_PX = 12;
const SLOT_MASK = 0xfffff;
/** Away players (world mode) are drawn at this opacity. */
const AWAY_ALPHA = 0.38;

export const COLOURS = {
  background: '#0b1016',
  grid: '#16212c',
  gridMajor: '#1d2b39',
  border: '#3b5168',
  npc: '#6cc6ff',
  npcHit: '#ffffff',
  self: '#7dffb0',
  dead: '#55606c',
  projectile: '#ffe066',
  ownProjectile: '#fff6c8',
  aim: 'rgba(125, 255, 176, 0.55)',
  tracer: 'rgba(255, 250, 210, 0.9)',
  hpBack: 'rgba(0, 0, 0, 0.55)',
  hpGood: '#5fd38d',
  hpLow: '#ff6b6b',
  label: '#dfe8f1',
  damage: '#ffd166',
  outline: 'rgba(5, 9, 14, 0.9)',
  hitRing: '#ffffff',
} as const;

/** Other players by player number: warm and distinct, away from the NPCs' blue and your green. */
export const PLAYER_COLOURS = ['#ff9d4d', '#ff6fa8', '#c792ff', '#ffd23f', '#ff5c5c', '#f7a8ff', '#ffb86b', '#e0e070'];
export const NPC_COLOUR = COLOURS.npc;
export const SELF_COLOUR = COLOURS.self;
export const PROJECTILE_COLOUR = COLOURS.projectile;

/**
 * What the drawing needs to know of body `i` of `list` (scene.remote or scene.predicted) beyond
 * its id, flags and position.
 */
export interface BodyInfo {
  /** Called once per drawn frame, before any lookup. */
  begin?(): void;
  /** Hit points, or -1 when unknown. */
  hp(list: SampledBodies, i: number): number;
  /** Heading, radians (0 = +x, counter-clockwise). */
  heading(list: SampledBodies, i: number): number;
  /** A player's number: its label (P<n>) and colour. */
  playerNumber(list: SampledBodies, i: number): number;
  /** A projectile fired by this page's avatar. */
  mine(list: SampledBodies, i: number): boolean;
}

/** What one frame shows. */
export interface Scene {
  /** NPCs and other players, interpolated behind the render delay. */
  remote: SampledBodies;
  /** Your avatar and the projectiles, from the predicted world (smoothed). */
  predicted: SampledBodies;
  /** Your avatar's slot, -1 for a spectator or while dead with no avatar. */
  ownSlot: number;
  /** Hit points, headings, owners of the bodies in both lists. */
  info: BodyInfo;
  playerHp: number;
  npcHp: number;
  /** Your aim, radians (0 = +x, counter-clockwise), and the hitscan range. */
  aimRad: number;
  rangeM: number;
  /** Seconds until your avatar respawns (0 when alive). */
  respawnS: number;
  /** A hitscan shot of yours left this frame. */
  shotFired: boolean;
}

export interface DrawCounts {
  entities: number;
  npcs: number;
  players: number;
  projectiles: number;
}

export class BodyPainter {
  /** Entities drawn in the last frame, by kind. */
  readonly drawn: DrawCounts = { entities: 0, npcs: 0, players: 0, projectiles: 0 };
  /** Colours NPCs by a class of their slot (the interest layer's zones); -1 keeps the NPC colour. */
  npcClass: { of(slot: number): number; colours: readonly string[] } | undefined;
  // Per-slot effect state, grown to the largest slot seen.
  private lastHp = new Int32Array(0);
  private lastGeneration = new Uint32Array(0);
  private flashUntil = new Float64Array(0);
  private readonly floats: { x: number; y: number; text: string; at: number }[] = [];
  private burst: { x: number; y: number; at: number } | undefined;
  private tracer: { x: number; y: number; aim: number; at: number } | undefined;
  private lastOwn: { x: number; y: number; slot: number } | undefined;

  constructor(private readonly ctx: CanvasRenderingContext2D) {}

  /** Room for `slots` slots of effect state up front (the arena page knows its world's capacity). */
  reserve(slots: number): void {
    if (this.lastHp.length < slots) this.growSlots(slots);
  }

  /** Starts a frame: nothing drawn yet. */
  clear(): void {
    const d = this.drawn;
    d.entities = d.npcs = d.players = d.projectiles = 0;
  }

  /** The bodies of `scene` and the effects; `own` is your avatar's index in scene.predicted, or -1. */
  draw(scene: Scene, own: number, ox: number, oy: number, z: number, width: number, height: number, nowMs: number): void {
    this.drawBodies(scene, own, ox, oy, z, width, height, nowMs);
    this.drawEffects(ox, oy, z, nowMs);
  }

  /** Room for per-slot effect state up to `slots` (world mode learns slots as bodies arrive). */
  private growSlots(slots: number): void {
    const n = Math.max(1024, 2 ** Math.ceil(Math.log2(slots)));
    const hp = new Int32Array(n), generation = new Uint32Array(n), flash = new Float64Array(n);
    hp.set(this.lastHp);
    generation.set(this.lastGeneration);
    flash.set(this.flashUntil);
    this.lastHp = hp;
    this.lastGeneration = generation;
    this.flashUntil = flash;
  }

  /** Notices a body losing hit points since the last frame: a flash and the damage, floating. */
  private noticeDamage(id: number, hp: number, x: number, y: number, nowMs: number): boolean {
    const slot = id & SLOT_MASK;
    if (hp < 0) return false;
    if (slot >= this.lastHp.length) this.growSlots(slot + 1);
    const generation = id >>> 20;
    const before = this.lastHp[slot]!;
    if (this.lastGeneration[slot] === generation && hp < before) {
      this.flashUntil[slot] = nowMs + FLASH_MS;
      if (this.floats.length >= 32) this.floats.shift();
      this.floats.push({ x, y, text: `-${before - hp}`, at: nowMs });
    }
    this.lastHp[slot] = hp;
    this.lastGeneration[slot] = generation;
    return this.flashUntil[slot]! > nowMs;
  }

  private drawBodies(scene: Scene, own: number, ox: number, oy: number, z: number, width: number, height: number, nowMs: number): void {
    const ctx = this.ctx;
    const d = this.drawn;
    const { remote, predicted, info } = scene;
    info.begin?.();
    const visible = (px: number, py: number, r: number) => px > -r && py > -r && px < width + r && py < height + r;
    const bodyPx = Math.max(MIN_BODY_PX, 0.5 * z);
    // NPCs: one path per colour keeps thousands of them cheap.
    const paths: Path2D[] = [];
    const classes = this.npcClass;
    const flashing: number[] = [];
    for (let i = 0; i < remote.count; i++) {
      if ((remote.flags[i]! & FLAG_NPC) === 0) continue;
      const px = ox + remote.x[i]! * z;
      const py = oy - remote.y[i]! * z;
      if (!visible(px, py, bodyPx)) continue;
      if (this.noticeDamage(remote.ids[i]!, info.hp(remote, i), remote.x[i]!, remote.y[i]!, nowMs)) flashing.push(i);
      const k = classes ? classes.of(remote.ids[i]! & SLOT_MASK) + 1 : 0;
      const path = (paths[k] ??= new Path2D());
      if (bodyPx <= 3) path.rect(px - bodyPx, py - bodyPx, bodyPx * 2, bodyPx * 2);
      else {
        path.moveTo(px + bodyPx, py);
        path.arc(px, py, bodyPx, 0, Math.PI * 2);
      }
      d.npcs++;
    }
    paths.forEach((path, k) => {
      ctx.fillStyle = k === 0 ? COLOURS.npc : (classes?.colours[k - 1] ?? COLOURS.npc);
      ctx.fill(path);
    });
    if (flashing.length > 0) {
      ctx.fillStyle = COLOURS.npcHit;
      for (const i of flashing) {
        ctx.beginPath();
        ctx.arc(ox + remote.x[i]! * z, oy - remote.y[i]! * z, bodyPx + 2, 0, Math.PI * 2);
        ctx.fill();
      }
    }
    if (z >= 2) for (let i = 0; i < remote.count; i++) if ((remote.flags[i]! & FLAG_NPC) !== 0) this.hpBar(info.hp(remote, i), false, remote.x[i]!, remote.y[i]!, scene.npcHp, bodyPx, ox, oy, z);
    // Projectiles (the predicted world's, and others' from the remote list in world mode), with a
    // streak along their heading: yours brighter.
    ctx.lineCap = 'round';
    for (const list of [remote, predicted]) for (let i = 0; i < list.count; i++) {
      if ((list.flags[i]! & FLAG_PROJECTILE) === 0) continue;
      const px = ox + list.x[i]! * z;
      const py = oy - list.y[i]! * z;
      const streak = Math.max(STREAK_MIN_PX, STREAK_M * z);
      if (!visible(px, py, streak + 4)) continue;
      const mine = info.mine(list, i);
      const h = info.heading(list, i);
      const colour = mine ? COLOURS.ownProjectile : COLOURS.projectile;
      const tail = ctx.createLinearGradient(px, py, px - Math.cos(h) * streak, py + Math.sin(h) * streak);
      tail.addColorStop(0, colour);
      tail.addColorStop(1, 'rgba(255, 224, 102, 0)');
      ctx.strokeStyle = tail;
      ctx.lineWidth = Math.max(2, 0.2 * z);
      ctx.beginPath();
      ctx.moveTo(px, py);
      ctx.lineTo(px - Math.cos(h) * streak, py + Math.sin(h) * streak);
      ctx.stroke();
      ctx.fillStyle = colour;
      ctx.shadowColor = COLOURS.projectile;
      ctx.shadowBlur = 8;
      ctx.beginPath();
      ctx.arc(px, py, Math.max(2.5, 0.16 * z), 0, Math.PI * 2);
      ctx.fill();
      ctx.shadowBlur = 0;
      d.projectiles++;
    }
    ctx.lineCap = 'butt';
    // Other players, behind the render delay.
    const playerPx = Math.max(MIN_PLAYER_PX, 0.5 * PLAYER_DRAW_SCALE * z);
    for (let i = 0; i < remote.count; i++) {
      if ((remote.flags[i]! & FLAG_PLAYER) === 0) continue;
      const px = ox + remote.x[i]! * z;
      const py = oy - remote.y[i]! * z;
      if (!visible(px, py, playerPx + 30)) continue;
      const flags = remote.flags[i]!;
      const dead = (flags & FLAG_DEAD) !== 0;
      const away = (flags & FLAG_AWAY) !== 0;
      const hp = info.hp(remote, i);
      const n = info.playerNumber(remote, i);
      const hit = this.noticeDamage(remote.ids[i]!, hp, remote.x[i]!, remote.y[i]!, nowMs);
      if (away) ctx.globalAlpha = AWAY_ALPHA;
      this.avatar(px, py, playerPx, dead ? COLOURS.dead : PLAYER_COLOURS[n % PLAYER_COLOURS.length]!, info.heading(remote, i), dead, hit, false);
      if (!dead) this.hpBar(hp, true, remote.x[i]!, remote.y[i]!, scene.playerHp, playerPx, ox, oy, z);
      this.label(away ? `P${n} (away)` : `P${n}`, px, py + playerPx + 12);
      ctx.globalAlpha = 1;
      d.players++;
    }
    // You, predicted: the aim line first, under the avatar.
    if (own >= 0) {
      const x = predicted.x[own]!;
      const y = predicted.y[own]!;
      const px = ox + x * z;
      const py = oy - y * z;
      const dead = (predicted.flags[own]! & FLAG_DEAD) !== 0;
      if (!dead) {
        const ex = px + Math.cos(scene.aimRad) * scene.rangeM * z;
        const ey = py - Math.sin(scene.aimRad) * scene.rangeM * z;
        const gradient = ctx.createLinearGradient(px, py, ex, ey);
        gradient.addColorStop(0, COLOURS.aim);
        gradient.addColorStop(1, 'rgba(125, 255, 176, 0)');
        ctx.strokeStyle = gradient;
        ctx.lineWidth = 1.5;
        ctx.setLineDash([6, 6]);
        ctx.beginPath();
        ctx.moveTo(px, py);
        ctx.lineTo(ex, ey);
        ctx.stroke();
        ctx.setLineDash([]);
      }
      const hp = info.hp(predicted, own);
      const hit = this.noticeDamage(predicted.ids[own]!, hp, x, y, nowMs);
      this.avatar(px, py, playerPx + 1, dead ? COLOURS.dead : COLOURS.self, scene.aimRad, dead, hit, true);
      if (!dead) this.hpBar(hp, true, x, y, scene.playerHp, playerPx + 1, ox, oy, z);
      this.label(dead ? `respawn in ${scene.respawnS.toFixed(1)} s` : 'you', px, py + playerPx + 13);
      if (scene.shotFired && !dead) this.tracer = { x, y, aim: scene.aimRad, at: nowMs };
      // A jump of several metres in one frame (a teleport-class correction or a respawn): burst.
      const last = this.lastOwn;
      if (last && last.slot === scene.ownSlot && Math.hypot(x - last.x, y - last.y) > 5) this.burst = { x, y, at: nowMs };
      this.lastOwn = { x, y, slot: scene.ownSlot };
      d.players++;
    }
    d.entities = d.npcs + d.players + d.projectiles;
  }

  private avatar(px: number, py: number, r: number, colour: string, headingRad: number, dead: boolean, hit: boolean, self: boolean): void {
    const ctx = this.ctx;
    if (self && !dead) {
      ctx.shadowColor = colour;
      ctx.shadowBlur = 14;
    }
    ctx.fillStyle = colour;
    ctx.beginPath();
    ctx.arc(px, py, r, 0, Math.PI * 2);
    ctx.fill();
    ctx.shadowBlur = 0;
    ctx.strokeStyle = hit ? COLOURS.hitRing : COLOURS.outline;
    ctx.lineWidth = hit ? 3 : 1.5;
    ctx.beginPath();
    ctx.arc(px, py, r + (hit ? 2 : 0.75), 0, Math.PI * 2);
    ctx.stroke();
    if (dead) {
      ctx.strokeStyle = '#0b1016';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(px - r * 0.6, py - r * 0.6);
      ctx.lineTo(px + r * 0.6, py + r * 0.6);
      ctx.moveTo(px + r * 0.6, py - r * 0.6);
      ctx.lineTo(px - r * 0.6, py + r * 0.6);
      ctx.stroke();
      return;
    }
    // A notch where the body faces.
    ctx.strokeStyle = '#0b1016';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(px, py);
    ctx.lineTo(px + Math.cos(headingRad) * r, py - Math.sin(headingRad) * r);
    ctx.stroke();
  }

  private hpBar(hp: number, player: boolean, x: number, y: number, maxHp: number, r: number, ox: number, oy: number, z: number): void {
    if (hp < 0 || maxHp <= 0) return;
    const share = Math.max(0, Math.min(1, hp / maxHp));
    if (share >= 1 && !player) return; // unhurt NPCs: no clutter
    const ctx = this.ctx;
    const w = Math.max(16, r * 3);
    const px = ox + x * z - w / 2;
    const py = oy - y * z - r - 7;
    ctx.fillStyle = COLOURS.hpBack;
    ctx.fillRect(px - 1, py - 1, w + 2, 5);
    ctx.fillStyle = share > 0.35 ? COLOURS.hpGood : COLOURS.hpLow;
    ctx.fillRect(px, py, w * share, 3);
  }

  private label(text: string, px: number, py: number): void {
    const ctx = this.ctx;
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.fillStyle = COLOURS.label;
    ctx.fillText(text, px, py);
  }

  private drawEffects(ox: number, oy: number, z: number, nowMs: number): void {
    const ctx = this.ctx;
    const t = this.tracer;
    if (t && nowMs - t.at < TRACER_MS) {
      const a = 1 - (nowMs - t.at) / TRACER_MS;
      ctx.strokeStyle = COLOURS.tracer;
      ctx.globalAlpha = a;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(ox + t.x * z, oy - t.y * z);
      ctx.lineTo(ox + (t.x + Math.cos(t.aim) * 100) * z, oy - (t.y + Math.sin(t.aim) * 100) * z);
      ctx.stroke();
      ctx.globalAlpha = 1;
    }
    const b = this.burst;
    if (b && nowMs - b.at < BURST_MS) {
      const u = (nowMs - b.at) / BURST_MS;
      ctx.strokeStyle = COLOURS.self;
      ctx.globalAlpha = 1 - u;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(ox + b.x * z, oy - b.y * z, 6 + u * 40, 0, Math.PI * 2);
      ctx.stroke();
      ctx.globalAlpha = 1;
    }
    ctx.font = 'bold 12px system-ui, sans-serif';
    ctx.textAlign = 'center';
    for (let i = this.floats.length - 1; i >= 0; i--) {
      const f = this.floats[i]!;
      const u = (nowMs - f.at) / FLOAT_MS;
      if (u >= 1) {
        this.floats.splice(i, 1);
        continue;
      }
      ctx.globalAlpha = 1 - u;
      ctx.fillStyle = COLOURS.damage;
      ctx.fillText(f.text, ox + f.x * z, oy - f.y * z - 14 - u * 22);
    }
    ctx.globalAlpha = 1;
  }
}
