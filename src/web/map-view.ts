// Canvas view of the game: a camera (centre in metres, zoom in pixels per metre) that follows
// your avatar or pans freely (drag), zooms with the wheel about the cursor, and fits the world
// on a double-click; a grid whose spacing adapts to the zoom, the world border, the layers
// underneath (spatial, interest), then the bodies and their effects (body-painter.ts), and a
// minimap of the whole world. Bodies come in as SampledBodies (src/rollback/hitbox-history.ts):
// remote players and NPCs interpolated behind the render delay, your avatar and projectiles
// predicted, smoothed; what a body's list does not carry comes from the scene's BodyInfo.

import type { Bounds } from '../core/schema.js';
import { FLAG_NPC, FLAG_PLAYER } from '../core/world-layout.js';
import { BodyPainter, COLOURS, PLAYER_COLOURS, type DrawCounts, type Scene } from './body-painter.js';

export { NPC_COLOUR, PLAYER_COLOURS, PROJECTILE_COLOUR, SELF_COLOUR, type BodyInfo, type DrawCounts, type Scene } from './body-painter.js';

const MIN_ZOOM = 0.005; // px per m: a 64 km world still fits
const MAX_ZOOM = 80;
/** Zoom when following an avatar: about 100 m across a 1280-pixel window. */
export const FOLLOW_ZOOM = 12;
/** Grid line spacings to choose from, metres; lines at least GRID_MIN_PX apart. */
const GRID_STEPS_M = [1, 5, 10, 50, 100, 500, 1000, 5000, 10000];
const GRID_MIN_PX = 48;
const MINIMAP_PX = 168;
const SLOT_MASK = 0xfffff;

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
  /** The zoom follow() sets when the view is further out than half of it (px per m). */
  followZoom = FOLLOW_ZOOM;
  /** Called for a left press that is not a pan: fire. */
  onFirePress: (() => void) | undefined;
  /**
   * Drawn over the background grid and under the entities (the spatial layer): screen x of
   * world x is ox + x * z, screen y of world y is oy - y * z.
   */
  underlay: ((ctx: CanvasRenderingContext2D, ox: number, oy: number, z: number, width: number, height: number) => void) | undefined;
  private readonly painter: BodyPainter;
  /** Places marked on the minimap (world mode: the hubs where players gather). */
  landmarks: readonly { x: number; y: number; colour: string }[] = [];
  /** Your avatar's last drawn position, metres (for aiming and the camera). */
  ownX = Number.NaN;
  ownY = Number.NaN;

  constructor(canvas: HTMLCanvasElement) {
    this.canvas = canvas;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('canvas 2d context unavailable');
    this.ctx = ctx;
    this.painter = new BodyPainter(ctx);
    this.bindInput();
  }

  /** Entities drawn in the last frame, by kind (read by the end-to-end tests). */
  get drawn(): DrawCounts {
    return this.painter.drawn;
  }

  /** Colours NPCs by a class of their slot (the interest layer's zones); -1 keeps the NPC colour. */
  get npcClass(): BodyPainter['npcClass'] {
    return this.painter.npcClass;
  }

  set npcClass(classes: BodyPainter['npcClass']) {
    this.painter.npcClass = classes;
  }

  setWorld(bounds: Bounds, capacity: number): void {
    const first = this.bounds === undefined;
    this.bounds = bounds;
    this.painter.reserve(capacity);
    if (first) this.fit();
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
    this.painter.clear();
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
    if (scene) this.painter.draw(scene, own, ox, oy, z, width, height, nowMs);
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
    ctx.lineWidth = 1;
    for (const l of this.landmarks) {
      ctx.strokeStyle = l.colour;
      ctx.strokeRect(Math.round(mx(l.x)) - 2.5, Math.round(my(l.y)) - 2.5, 5, 5);
    }
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
