// The page's interest layer (key I): what the server's interest management sends this page,
// drawn over the map. Rings around the viewer (your avatar, or the camera centre when you
// watch) show the zones — immediate (60 Hz), near (20 Hz), awareness (5 Hz) — and the AoI edge
// with its hysteresis band (a body enters inside the inner dashed ring, leaves outside the
// outer one). NPCs are coloured by the zone they are in when the server has sent them to this
// page, and drawn faint when it has not (arena mode: outside the AoI the page simulates them
// for rollback, but a client without rollback would not know they exist; world mode draws only
// what the stream holds, so faint there means a body just left the view).

import type { InterestReceiver } from '../client/interest-receiver.js';

/** Zone classes of a slot: 0..3 immediate, near, awareness, background; OUTSIDE not in view. */
export const OUTSIDE = 4;
export const ZONE_COLOURS = ['#ff6b6b', '#ffb347', '#ffe66d', '#6cc6ff', 'rgba(108, 198, 255, 0.22)'] as const;
const ZONE_NAMES = ['immediate 60 Hz', 'near 20 Hz', 'awareness 5 Hz'] as const;
const SLOT_MASK = 0xfffff;
/** A spectator's camera centre goes to the server when it moved this far, at most this often. */
const VIEWER_MOVE_M = 5;
const VIEWER_EVERY_MS = 250;

export interface InterestLayerStatus {
  enabled: boolean;
  inView: number;
  byZone: [number, number, number, number];
  radiusM: number;
  /** Where the rings are centred (your avatar, or the camera centre when watching), metres. */
  viewerX: number;
  viewerY: number;
  /** Distance of the farthest entity in view from the viewer, metres (AoI radius plus hysteresis at most). */
  farthestM: number;
}

export class InterestLayer {
  enabled = true;
  /** Zone class by entity slot for the current frame (OUTSIDE when not in the view). */
  private zoneOf = new Uint8Array(0);
  private viewerX = Number.NaN;
  private viewerY = Number.NaN;
  private sentX = Number.NaN;
  private sentY = Number.NaN;
  private sentAtMs = -Infinity;
  private readonly byZone: [number, number, number, number] = [0, 0, 0, 0];
  private inView = 0;
  private farthestM = 0;
  private readonly xyz = new Float64Array(3);

  constructor(private readonly receiver: InterestReceiver) {}

  toggle(): boolean {
    this.enabled = !this.enabled;
    return this.enabled;
  }

  /**
   * Classifies what the view holds around the viewer at (x, y) metres. For a spectator,
   * `sendViewer` reports the camera centre to the server when it has moved. `capacity` is the
   * world's slot count when the page knows it (arena); world mode passes 0 and the slot table
   * grows as slots arrive.
   */
  refresh(x: number, y: number, capacity: number, nowMs: number, sendViewer?: (x: number, y: number) => void): void {
    this.viewerX = x;
    this.viewerY = y;
    if (this.zoneOf.length < capacity) this.zoneOf = new Uint8Array(capacity);
    this.zoneOf.fill(OUTSIDE);
    this.byZone.fill(0);
    this.inView = 0;
    this.farthestM = 0;
    const view = this.receiver.view, setup = this.receiver.setup;
    if (sendViewer && Number.isFinite(x) && nowMs - this.sentAtMs >= VIEWER_EVERY_MS && !(Math.hypot(x - this.sentX, y - this.sentY) < VIEWER_MOVE_M)) {
      sendViewer(x, y);
      this.sentX = x;
      this.sentY = y;
      this.sentAtMs = nowMs;
    }
    if (!view || !setup || !Number.isFinite(x)) return;
    for (let h = 0; h < view.handles; h++) {
      if (!view.has(h)) continue;
      const slot = view.idOf(h) & SLOT_MASK;
      if (slot >= this.zoneOf.length) this.grow(slot + 1);
      view.positionInto(h, this.xyz);
      const d = Math.hypot(this.xyz[0]! - x, this.xyz[1]! - y);
      const zone = d <= setup.immediateM ? 0 : d <= setup.nearM ? 1 : d <= setup.awarenessM ? 2 : 3;
      this.zoneOf[slot] = zone;
      this.byZone[zone]++;
      this.inView++;
      this.farthestM = Math.max(this.farthestM, d);
    }
  }

  private grow(slots: number): void {
    const next = new Uint8Array(Math.max(1024, 2 ** Math.ceil(Math.log2(slots)))).fill(OUTSIDE);
    next.set(this.zoneOf);
    this.zoneOf = next;
  }

  /** The zone class of `slot` this frame, or -1 while the layer is off (draw as usual). */
  classOf(slot: number): number {
    if (!this.enabled || !this.receiver.view) return -1;
    return slot < this.zoneOf.length ? this.zoneOf[slot]! : OUTSIDE;
  }

  /** The rings, in screen space (x = ox + X z, y = oy - Y z). */
  draw(ctx: CanvasRenderingContext2D, ox: number, oy: number, z: number): void {
    const setup = this.receiver.setup;
    if (!this.enabled || !setup || !Number.isFinite(this.viewerX)) return;
    const cx = ox + this.viewerX * z, cy = oy - this.viewerY * z;
    ctx.save();
    // Zones, outermost first, as translucent discs: the colour under a body is its zone's.
    const radii = [setup.awarenessM, setup.nearM, setup.immediateM];
    for (let i = 0; i < 3; i++) {
      ctx.beginPath();
      ctx.arc(cx, cy, radii[i]! * z, 0, Math.PI * 2);
      ctx.fillStyle = withAlpha(ZONE_COLOURS[2 - i]!, 0.06);
      ctx.fill();
      ctx.strokeStyle = withAlpha(ZONE_COLOURS[2 - i]!, 0.55);
      ctx.lineWidth = 1;
      ctx.stroke();
    }
    // The AoI edge and its hysteresis band.
    ctx.strokeStyle = 'rgba(223, 232, 241, 0.7)';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.arc(cx, cy, setup.radiusM * z, 0, Math.PI * 2);
    ctx.stroke();
    ctx.setLineDash([4, 4]);
    ctx.strokeStyle = 'rgba(223, 232, 241, 0.35)';
    ctx.lineWidth = 1;
    for (const k of [1 - setup.hysteresis, 1 + setup.hysteresis]) {
      ctx.beginPath();
      ctx.arc(cx, cy, setup.radiusM * k * z, 0, Math.PI * 2);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    // Labels where the rings cross the viewer's east.
    if (setup.radiusM * z > 60) {
      ctx.font = '11px ui-monospace, monospace';
      ctx.textBaseline = 'bottom';
      ctx.fillStyle = 'rgba(223, 232, 241, 0.8)';
      ctx.fillText(`AoI ${Math.round(setup.radiusM)} m`, cx + setup.radiusM * z * 0.71 + 4, cy - setup.radiusM * z * 0.71);
      for (let i = 0; i < 3; i++) {
        const r = radii[2 - i]! * z;
        if (r < 48) continue;
        ctx.fillStyle = ZONE_COLOURS[i]!;
        ctx.fillText(ZONE_NAMES[i]!, cx + r + 3, cy - 2);
      }
    }
    ctx.restore();
  }

  status(): InterestLayerStatus {
    return {
      enabled: this.enabled, inView: this.inView, byZone: [...this.byZone], radiusM: this.receiver.setup?.radiusM ?? 0,
      viewerX: this.viewerX, viewerY: this.viewerY, farthestM: this.farthestM,
    };
  }
}

function withAlpha(hex: string, alpha: number): string {
  if (!hex.startsWith('#')) return hex;
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
