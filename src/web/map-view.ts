// Canvas view of the game: a camera (centre in metres, zoom in pixels per metre) that follows
// your avatar or pans freely (drag), zooms with the wheel about the cursor, and fits the world
// on a double-click; a grid whose spacing adapts to the zoom, the world border, the spatial
// layer underneath, then NPCs, projectiles, other players, your avatar with its aim line and
// hit points, hit flashes with the damage dealt, a burst where a correction teleported you, and
// a minimap of the whole world. Bodies come in as SampledBodies (src/rollback/hitbox-history.ts):
// remote players and NPCs interpolated behind the render delay, your avatar and projectiles from
// the predicted world, smoothed. What a body's list does not carry (hit points, heading, whose it
// is) comes from a BodyInfo: the arena page's predicted world, or world mode's interest view and
// own prediction (body-info.ts). Other players' projectiles come in either list; a player marked
// away (world mode: its link is lost) is drawn faded.

import type { Bounds } from '../core/schema.js';
import { FLAG_AWAY, FLAG_DEAD, FLAG_NPC, FLAG_PLAYER, FLAG_PROJECTILE } from '../core/world-layout.js';
import type { SampledBodies } from '../rollback/hitbox-history.js';

const MIN_ZOOM = 0.005; // px per m: a 64 km world still fits
const MAX_ZOOM = 80;
/** Zoom when following an avatar: about 100 m across a 1280-pixel window. */
export const FOLLOW_ZOOM = 12;
/** Grid line spacings to choose from, metres; lines at least GRID_MIN_PX apart. */
const GRID_STEPS_M = [1, 5, 10, 50, 100, 500, 1000, 5000, 10000];
const GRID_MIN_PX = 48;
const FLASH_MS = 220;
const FLOAT_MS = 700;
const BURST_MS = 450;
const TRACER_MS = 110;
/** Drawn bodies never shrink below this radius, px. */
const MIN_BODY_PX = 2.5;
const MIN_PLAYER_PX = 7;
/** Players are drawn a little larger than their bodies (0.5 m) so they read at a glance. */
const PLAYER_DRAW_SCALE = 1.3;
/** Projectiles trail a streak this long behind them, metres. */
const STREAK_M = 1.6;
const MINIMAP_PX = 168;
const SLOT_MASK = 0xfffff;
/** Away players (world mode) are drawn at this opacity. */
const AWAY_ALPHA = 0.38;

const COLOURS = {
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

export class MapView {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private bounds: Bounds | undefined;
  /** The world point at the view's focus, metres (what a spectator's interest centres on). */
  centerX = 0;
  centerY = 0;
  private zoom = 0.1;
  /** Follow the avatar (true) or pan freely. */
  following = false;
  /** Canvas pixels on the left covered by the stats panel. */
  insetLeftPx = 0;
  /** Entities drawn in the last frame, by kind (read by the end-to-end tests). */
  readonly drawn: DrawCounts = { entities: 0, npcs: 0, players: 0, projectiles: 0 };
  /** The zoom follow() sets when the view is further out than half of it (px per m). */
  followZoom = FOLLOW_ZOOM;
  /** Called for a left press that is not a pan: fire. */
  onFirePress: (() => void) | undefined;
  /**
   * Drawn over the background grid and under the entities (the spatial layer): screen x of
   * world x is ox + x * z, screen y of world y is oy - y * z.
   */
  underlay: ((ctx: CanvasRenderingContext2D, ox: number, oy: number, z: number, width: number, height: number) => void) | undefined;
  /** Colours NPCs by a class of their slot (the interest layer's zones); -1 keeps the NPC colour. */
  npcClass: { of(slot: number): number; colours: readonly string[] } | undefined;
  // Per-slot effect state, sized to the world's capacity.
  private lastHp = new Int32Array(0);
  private lastGeneration = new Uint32Array(0);
  private flashUntil = new Float64Array(0);
  private readonly floats: { x: number; y: number; text: string; at: number }[] = [];
  private burst: { x: number; y: number; at: number } | undefined;
  private tracer: { x: number; y: number; aim: number; at: number } | undefined;
  private lastOwn: { x: number; y: number; slot: number } | undefined;
  /** Your avatar's last drawn position, metres (for aiming and the camera). */
  ownX = Number.NaN;
  ownY = Number.NaN;

  constructor(canvas: HTMLCanvasElement) {
    this.canvas = canvas;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('canvas 2d context unavailable');
    this.ctx = ctx;
    this.bindInput();
  }

  setWorld(bounds: Bounds, capacity: number): void {
    const first = this.bounds === undefined;
    this.bounds = bounds;
    if (this.lastHp.length < capacity) this.growSlots(capacity);
    if (first) this.fit();
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

  /** Centres the view on (x, y) at `zoom` px per m, panning freely. */
  lookAt(x: number, y: number, zoom: number): void {
    this.following = false;
    this.centerX = x;
    this.centerY = y;
    this.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
  }

  /** Canvas size in CSS px. */
  get sizePx(): { width: number; height: number } {
    return this.size();
  }

  /** Shows the whole world and stops following. */
  fit(): void {
    if (!this.bounds) return;
    const b = this.bounds;
    this.following = false;
    this.centerX = (b.minX + b.maxX) / 2;
    this.centerY = (b.minY + b.maxY) / 2;
    const { width, height } = this.size();
    this.zoom = Math.min((width - Math.min(this.insetLeftPx, width / 2)) / (b.maxX - b.minX), height / (b.maxY - b.minY)) * 0.92;
  }

  /** Follows the avatar at the follow zoom (keeps a closer zoom the player chose). */
  follow(): void {
    this.following = true;
    if (this.zoom < this.followZoom / 2) this.zoom = this.followZoom;
  }

  get zoomPxPerM(): number {
    return this.zoom;
  }

  /** World point under a canvas pixel (CSS px). */
  toWorld(px: number, py: number): [number, number] {
    const { width, height } = this.size();
    return [(px - this.focusX(width)) / this.zoom + this.centerX, -(py - height / 2) / this.zoom + this.centerY];
  }

  /** Canvas pixel (CSS px) of a world point. */
  toScreen(x: number, y: number): [number, number] {
    const { width, height } = this.size();
    return [this.focusX(width) + (x - this.centerX) * this.zoom, height / 2 - (y - this.centerY) * this.zoom];
  }

  /**
   * Screen x the camera centre is drawn at: the middle of the canvas right of `insetLeftPx`
   * (the stats panel), so the followed avatar is never under the panel.
   */
  private focusX(width: number): number {
    const inset = Math.min(this.insetLeftPx, width / 2);
    return inset + (width - inset) / 2;
  }

  private size(): { width: number; height: number } {
    return { width: this.canvas.clientWidth || 800, height: this.canvas.clientHeight || 600 };
  }

  private bindInput(): void {
    let dragging = false;
    let lastX = 0;
    let lastY = 0;
    this.canvas.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      if (this.following) {
        this.onFirePress?.();
        return;
      }
      dragging = true;
      lastX = e.clientX;
      lastY = e.clientY;
      this.canvas.setPointerCapture(e.pointerId);
      this.canvas.classList.add('dragging');
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (!dragging) return;
      this.centerX -= (e.clientX - lastX) / this.zoom;
      this.centerY += (e.clientY - lastY) / this.zoom;
      lastX = e.clientX;
      lastY = e.clientY;
    });
    const stop = () => {
      dragging = false;
      this.canvas.classList.remove('dragging');
    };
    this.canvas.addEventListener('pointerup', stop);
    this.canvas.addEventListener('pointercancel', stop);
    this.canvas.addEventListener('dblclick', () => this.fit());
    this.canvas.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const rect = this.canvas.getBoundingClientRect();
        const { width, height } = this.size();
        const factor = Math.exp(-e.deltaY * 0.0015);
        const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, this.zoom * factor));
        if (this.following) {
          this.zoom = zoom; // about the avatar, which stays in the middle
          return;
        }
        // Keep the world point under the cursor fixed while zooming.
        const mx = (e.clientX - rect.left - this.focusX(width)) / this.zoom + this.centerX;
        const my = -(e.clientY - rect.top - height / 2) / this.zoom + this.centerY;
        this.zoom = zoom;
        this.centerX = mx - (e.clientX - rect.left - this.focusX(width)) / this.zoom;
        this.centerY = my + (e.clientY - rect.top - height / 2) / this.zoom;
      },
      { passive: false },
    );
  }

  draw(scene: Scene | undefined, nowMs: number): void {
    const { width, height } = this.size();
    const dpr = globalThis.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(width * dpr) || this.canvas.height !== Math.round(height * dpr)) {
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(height * dpr);
    }
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = COLOURS.background;
    ctx.fillRect(0, 0, width, height);
    const d = this.drawn;
    d.entities = d.npcs = d.players = d.projectiles = 0;
    if (!this.bounds) return;
    const own = scene ? this.findOwn(scene) : -1;
    if (scene && own >= 0) {
      this.ownX = scene.predicted.x[own]!;
      this.ownY = scene.predicted.y[own]!;
      if (this.following) {
        this.centerX = this.ownX;
        this.centerY = this.ownY;
      }
    } else {
      this.ownX = this.ownY = Number.NaN;
    }
    const z = this.zoom;
    const ox = this.focusX(width) - this.centerX * z;
    const oy = height / 2 + this.centerY * z;
    this.drawGrid(ox, oy, z, width, height);
    this.underlay?.(ctx, ox, oy, z, width, height);
    if (scene) {
      this.drawBodies(scene, own, ox, oy, z, width, height, nowMs);
      this.drawEffects(ox, oy, z, nowMs);
    }
    this.drawMinimap(scene, own, width, height);
  }

  private findOwn(scene: Scene): number {
    if (scene.ownSlot < 0) return -1;
    const p = scene.predicted;
    for (let i = 0; i < p.count; i++) if ((p.ids[i]! & SLOT_MASK) === scene.ownSlot && (p.flags[i]! & FLAG_PLAYER) !== 0) return i;
    return -1;
  }

  private drawGrid(ox: number, oy: number, z: number, width: number, height: number): void {
    const ctx = this.ctx;
    const b = this.bounds!;
    const step = GRID_STEPS_M.find((s) => s * z >= GRID_MIN_PX) ?? GRID_STEPS_M[GRID_STEPS_M.length - 1]!;
    const x0 = Math.max(b.minX, -ox / z), x1 = Math.min(b.maxX, (width - ox) / z);
    const y0 = Math.max(b.minY, (oy - height) / z), y1 = Math.min(b.maxY, oy / z);
    if (x1 > x0 && y1 > y0) {
      for (const [spacing, colour] of [[step, COLOURS.grid], [step * 10, COLOURS.gridMajor]] as const) {
        ctx.strokeStyle = colour;
        ctx.lineWidth = 1;
        ctx.beginPath();
        for (let x = Math.ceil(x0 / spacing) * spacing; x <= x1; x += spacing) {
          const px = Math.round(ox + x * z) + 0.5;
          ctx.moveTo(px, oy - y0 * z);
          ctx.lineTo(px, oy - y1 * z);
        }
        for (let y = Math.ceil(y0 / spacing) * spacing; y <= y1; y += spacing) {
          const py = Math.round(oy - y * z) + 0.5;
          ctx.moveTo(ox + x0 * z, py);
          ctx.lineTo(ox + x1 * z, py);
        }
        ctx.stroke();
      }
    }
    ctx.strokeStyle = COLOURS.border;
    ctx.lineWidth = 2;
    ctx.strokeRect(ox + b.minX * z, oy - b.maxY * z, (b.maxX - b.minX) * z, (b.maxY - b.minY) * z);
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
      const streak = STREAK_M * z;
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
      ctx.arc(px, py, Math.max(2, 0.16 * z), 0, Math.PI * 2);
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

  /**
   * The whole world in the bottom-right corner: NPCs, players, you, and what the view shows.
   * Left out while the view itself shows most of the world.
   */
  private drawMinimap(scene: Scene | undefined, own: number, width: number, height: number): void {
    const b = this.bounds!;
    const ctx = this.ctx;
    if ((width - Math.min(this.insetLeftPx, width / 2)) / this.zoom > (b.maxX - b.minX) * 0.6) return;
    const side = MINIMAP_PX;
    const x0 = width - side - 12;
    const y0 = height - side - 12;
    const s = side / Math.max(b.maxX - b.minX, b.maxY - b.minY);
    ctx.fillStyle = 'rgba(12, 18, 26, 0.86)';
    ctx.fillRect(x0, y0, side, side);
    ctx.strokeStyle = '#24313f';
    ctx.lineWidth = 1;
    ctx.strokeRect(x0 + 0.5, y0 + 0.5, side - 1, side - 1);
    const mx = (x: number) => x0 + (x - b.minX) * s;
    const my = (y: number) => y0 + side - (y - b.minY) * s;
    if (scene) {
      const r = scene.remote;
      ctx.fillStyle = 'rgba(108, 198, 255, 0.7)';
      for (let i = 0; i < r.count; i++) if ((r.flags[i]! & FLAG_NPC) !== 0) ctx.fillRect(mx(r.x[i]!), my(r.y[i]!), 1, 1);
      ctx.fillStyle = PLAYER_COLOURS[0]!;
      for (let i = 0; i < r.count; i++) if ((r.flags[i]! & FLAG_PLAYER) !== 0) ctx.fillRect(mx(r.x[i]!) - 1.5, my(r.y[i]!) - 1.5, 3, 3);
      if (own >= 0) {
        ctx.fillStyle = COLOURS.self;
        ctx.fillRect(mx(scene.predicted.x[own]!) - 2, my(scene.predicted.y[own]!) - 2, 4, 4);
      }
    }
    // The part of the world the main view shows.
    const [ax, ay] = this.toWorld(0, 0);
    const [bx, by] = this.toWorld(width, height);
    const vx0 = Math.max(x0, mx(ax)), vx1 = Math.min(x0 + side, mx(bx));
    const vy0 = Math.max(y0, my(ay)), vy1 = Math.min(y0 + side, my(by));
    if (vx1 > vx0 && vy1 > vy0) {
      ctx.strokeStyle = 'rgba(223, 232, 241, 0.8)';
      ctx.strokeRect(vx0 + 0.5, vy0 + 0.5, Math.max(2, vx1 - vx0 - 1), Math.max(2, vy1 - vy0 - 1));
    }
  }
}
