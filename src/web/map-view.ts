// Canvas map of the world: a camera (centre in metres, zoom in pixels per metre) with drag to
// pan and wheel to zoom about the cursor, a 1 km grid, the world border and every entity,
// interpolated between the last two STATE frames so 20 Hz updates move smoothly at 60 fps.

import type { StateFrame } from '../codec/world-frame.js';
import type { Bounds } from '../core/schema.js';

const Q16 = 65536;
const GRID_M = 1000;
const MIN_ZOOM = 0.01; // px per m: a 64 km world still fits
const MAX_ZOOM = 64;

export class MapView {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private bounds: Bounds | undefined;
  private centerX = 0;
  private centerY = 0;
  private zoom = 0.1;
  private previous: StateFrame | undefined;
  private current: StateFrame | undefined;
  private currentAt = 0;
  private frameIntervalMs = 50;
  /** Entities drawn in the last frame (read by the end-to-end test). */
  drawn = 0;
  /**
   * Drawn over the background grid and under the entities (the spatial layer): screen x of
   * world x is ox + x * z, screen y of world y is oy - y * z.
   */
  underlay: ((ctx: CanvasRenderingContext2D, ox: number, oy: number, z: number, width: number, height: number) => void) | undefined;

  constructor(canvas: HTMLCanvasElement) {
    this.canvas = canvas;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('canvas 2d context unavailable');
    this.ctx = ctx;
    this.bindInput();
  }

  setWorld(bounds: Bounds): void {
    this.bounds = bounds;
    this.fit();
  }

  pushState(frame: StateFrame, nowMs: number): void {
    // Track the stream's frame interval (smoothed) to pace the interpolation.
    if (this.current) this.frameIntervalMs = this.frameIntervalMs * 0.8 + Math.min(1000, nowMs - this.currentAt) * 0.2;
    this.previous = this.current;
    this.current = frame;
    this.currentAt = nowMs;
  }

  fit(): void {
    if (!this.bounds) return;
    const b = this.bounds;
    this.centerX = (b.minX + b.maxX) / 2;
    this.centerY = (b.minY + b.maxY) / 2;
    const { width, height } = this.size();
    this.zoom = Math.min(width / (b.maxX - b.minX), height / (b.maxY - b.minY)) * 0.92;
  }

  private size(): { width: number; height: number } {
    return { width: this.canvas.clientWidth || 800, height: this.canvas.clientHeight || 600 };
  }

  private bindInput(): void {
    let dragging = false;
    let lastX = 0;
    let lastY = 0;
    this.canvas.addEventListener('pointerdown', (e) => {
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
        // Keep the world point under the cursor fixed while zooming.
        const mx = (e.clientX - rect.left - width / 2) / this.zoom + this.centerX;
        const my = -(e.clientY - rect.top - height / 2) / this.zoom + this.centerY;
        const factor = Math.exp(-e.deltaY * 0.0015);
        this.zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, this.zoom * factor));
        this.centerX = mx - (e.clientX - rect.left - width / 2) / this.zoom;
        this.centerY = my + (e.clientY - rect.top - height / 2) / this.zoom;
      },
      { passive: false },
    );
  }

  get zoomPxPerM(): number {
    return this.zoom;
  }

  draw(nowMs: number): void {
    const { width, height } = this.size();
    const dpr = globalThis.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(width * dpr) || this.canvas.height !== Math.round(height * dpr)) {
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(height * dpr);
    }
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#0b1016';
    ctx.fillRect(0, 0, width, height);
    if (!this.bounds) return;
    const z = this.zoom;
    const ox = width / 2 - this.centerX * z;
    const oy = height / 2 + this.centerY * z;
    const sx = (x: number) => ox + x * z;
    const sy = (y: number) => oy - y * z;
    const b = this.bounds;

    ctx.strokeStyle = '#16212c';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let x = Math.ceil(b.minX / GRID_M) * GRID_M; x <= b.maxX; x += GRID_M) {
      ctx.moveTo(sx(x), sy(b.minY));
      ctx.lineTo(sx(x), sy(b.maxY));
    }
    for (let y = Math.ceil(b.minY / GRID_M) * GRID_M; y <= b.maxY; y += GRID_M) {
      ctx.moveTo(sx(b.minX), sy(y));
      ctx.lineTo(sx(b.maxX), sy(y));
    }
    ctx.stroke();
    ctx.strokeStyle = '#3b5168';
    ctx.strokeRect(sx(b.minX), sy(b.maxY), (b.maxX - b.minX) * z, (b.maxY - b.minY) * z);
    this.underlay?.(ctx, ox, oy, z, width, height);

    const cur = this.current;
    this.drawn = 0;
    if (!cur) return;
    const prev = this.previous && this.previous.count === cur.count ? this.previous : undefined;
    const t = Math.min(1, Math.max(0, (nowMs - this.currentAt) / this.frameIntervalMs));
    const size = Math.max(2, Math.min(8, z * 1.0));
    const half = size / 2;
    ctx.fillStyle = '#6cc6ff';
    for (let i = 0; i < cur.count; i++) {
      let x = cur.xs[i]! / Q16;
      let y = cur.ys[i]! / Q16;
      if (prev && prev.ids[i] === cur.ids[i]) {
        // Draw one frame behind, blending from the previous frame to the current one.
        x = prev.xs[i]! / Q16 + (x - prev.xs[i]! / Q16) * t;
        y = prev.ys[i]! / Q16 + (y - prev.ys[i]! / Q16) * t;
      }
      const px = sx(x);
      const py = sy(y);
      if (px < -size || py < -size || px > width + size || py > height + size) continue;
      ctx.fillRect(px - half, py - half, size, size);
      this.drawn++;
    }
  }
}
