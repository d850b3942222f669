// A declared game's page's interest layer (key I): what the
// server's interest management sends this player, drawn over the map, which zooms out to hold
// the whole view while the layer shows (off at first: the game is played close up). Rings around the avatar
// show the update zones' bands (each at its rate) and the view's edge with its hysteresis band
// (an entity enters inside the inner dashed ring and leaves outside the outer one); every entity
// in view gets an outline in the colour of the band it is in, so what refreshes every tick and
// what a few times a second read apart. The page learns the radius and the bands from the
// server's /game.json (DeclaredGameModule.view and zones); without them it draws nothing. In a
// crowd the server narrows the view (past `narrowsAbove` entities in it), and each snapshot says
// how far the view reached (its viewScale): the rings show the view's edge there, the full
// radius stays as a faint ring, and the legend says how far it reaches now.

/** The update zones' rings, nearest first (red-orange near, blue far), the last for beyond every band. */
const ZONE_COLOURS = ['#ff6b6b', '#ffb347', '#ffe66d', '#6cc6ff', 'rgba(108, 198, 255, 0.22)'] as const;

export interface ServedView {
  readonly radiusM: number;
  readonly hysteresisM: number;
  /** Past this many entities in view, the server narrows it (absent: never). */
  readonly narrowsAbove?: number;
}

export interface ServedZones {
  readonly bands: readonly { readonly withinM: number; readonly hz: number }[];
  readonly beyondHz: number;
}

export interface DeclaredInterestStatus {
  enabled: boolean;
  radiusM: number | null;
  /** How far the view reaches now, metres (radiusM, or less where a crowd narrowed it). */
  reachM: number | null;
  /** Entities in view by band (the last one: past every band), this frame. */
  byBand: number[];
}

const isView = (v: unknown): v is ServedView => typeof v === 'object' && v !== null && Number.isFinite((v as ServedView).radiusM) && Number.isFinite((v as ServedView).hysteresisM);
const isZones = (z: unknown): z is ServedZones =>
  typeof z === 'object' && z !== null && Array.isArray((z as ServedZones).bands) && (z as ServedZones).bands.every((b) => Number.isFinite(b?.withinM) && Number.isFinite(b?.hz)) && Number.isFinite((z as ServedZones).beyondHz);

export class DeclaredInterestLayer {
  enabled = false;
  /** The share of its radius the view reached at the last snapshot (DecodedGameSnapshot.viewScale). */
  viewScale = 1;
  private readonly byBand: number[];
  private readonly bands: readonly { readonly withinM: number; readonly hz: number }[];

  constructor(readonly view: ServedView | undefined, readonly zones: ServedZones | undefined) {
    this.bands = zones?.bands ?? [];
    this.byBand = new Array<number>(this.bands.length + 1).fill(0);
  }

  /** The layer the server describes (its /game.json: servedGame()); an empty one when it says nothing. */
  static from(served: { view?: unknown; zones?: unknown }): DeclaredInterestLayer {
    return new DeclaredInterestLayer(isView(served.view) ? served.view : undefined, isZones(served.zones) ? served.zones : undefined);
  }

  toggle(): boolean {
    this.enabled = !this.enabled;
    return this.enabled;
  }

  /** A new frame: the counts start over. */
  begin(): void {
    this.byBand.fill(0);
  }

  /** The band an entity `distanceM` from the avatar is in (bands.length: past them all). */
  bandOf(distanceM: number): number {
    for (let b = 0; b < this.bands.length; b++) if (distanceM <= this.bands[b]!.withinM) return b;
    return this.bands.length;
  }

  /** Counts an entity in view `distanceM` from the avatar; returns its band. */
  count(distanceM: number): number {
    const band = this.bandOf(distanceM);
    this.byBand[band]!++;
    return band;
  }

  /** Outlines an entity drawn at (px, py) with radius rPx in its band's colour (when the layer shows). */
  outline(ctx: CanvasRenderingContext2D, px: number, py: number, rPx: number, band: number): void {
    if (!this.enabled || this.bands.length === 0) return;
    ctx.strokeStyle = ZONE_COLOURS[Math.min(band, ZONE_COLOURS.length - 2)]!;
    ctx.lineWidth = Math.max(1, devicePixelRatio);
    ctx.beginPath();
    ctx.arc(px, py, rPx + 2 * devicePixelRatio, 0, 2 * Math.PI);
    ctx.stroke();
  }

  /** The rings around the avatar (the canvas's centre), `scale` pixels a metre. */
  drawRings(ctx: CanvasRenderingContext2D, scale: number): void {
    if (!this.enabled) return;
    const cx = ctx.canvas.width / 2;
    const cy = ctx.canvas.height / 2;
    const ring = (radiusM: number, colour: string, dash: number[]) => {
      ctx.strokeStyle = colour;
      ctx.setLineDash(dash.map((d) => d * devicePixelRatio));
      ctx.beginPath();
      ctx.arc(cx, cy, radiusM * scale, 0, 2 * Math.PI);
      ctx.stroke();
    };
    ctx.lineWidth = devicePixelRatio;
    ctx.globalAlpha = 0.8;
    this.bands.forEach((b, i) => ring(b.withinM, ZONE_COLOURS[Math.min(i, ZONE_COLOURS.length - 2)]!, []));
    if (this.view) {
      const k = this.scaleNow();
      // A narrowed edge is drawn brighter: it lies in the thick of the crowd that narrowed it.
      ring(this.view.radiusM * k, k < 1 ? '#e6edf3' : '#8b949e', [6, 4]);
      if (this.view.hysteresisM > 0) ring((this.view.radiusM + this.view.hysteresisM) * k, '#484f58', [2, 4]);
      // Narrowed in a crowd: where the full view would reach, faint.
      if (k < 1) {
        ctx.globalAlpha = 0.35;
        ring(this.view.radiusM, '#8b949e', [1, 6]);
      }
    }
    ctx.setLineDash([]);
    ctx.globalAlpha = 1;
  }

  /**
   * Pixels a metre for a canvas w x h: `closeUp` while the layer is hidden, else what holds the
   * view's outer ring (and a margin) on the canvas.
   */
  scaleFor(w: number, h: number, closeUp: number): number {
    if (!this.enabled || !this.view) return closeUp;
    return Math.min(w, h) / (2.1 * (this.view.radiusM + this.view.hysteresisM));
  }

  /**
   * The panel's lines: the view, then the bands and how many are in each (a spectator's camera
   * has no zones: the server sends it everything every tick).
   */
  legend(spectating = false): string[] {
    if (!this.view && this.bands.length === 0) return ['interest: the server describes no view'];
    const v = this.view;
    const inView = this.byBand.reduce((a, b) => a + b, 0);
    // A server that narrows crowded views: past how many, beside how many this view holds (drawn this frame).
    const k = this.scaleNow();
    const reach = k < 1 && v ? `, narrowed to ${Math.round(v.radiusM * k)} m now` : '';
    const crowd = v && Number.isFinite(v.narrowsAbove) ? `; narrower past ${v.narrowsAbove} in view (${inView} now${reach})` : '';
    const view = v ? `view ${v.radiusM} m, left past ${v.radiusM + v.hysteresisM} m${crowd}` : 'the view';
    const head = `interest (I to ${this.enabled ? 'hide' : 'show'}): ${view}`;
    if (!this.zones) return [head];
    if (spectating) return [head, '  a spectator is sent all of its view every tick (update zones follow avatars)'];
    const parts = this.bands.map((b, i) => `${b.hz} Hz within ${b.withinM} m: ${this.byBand[i]}`);
    parts.push(`${this.zones.beyondHz} Hz beyond: ${this.byBand[this.bands.length]}`);
    return [head, `  updates by distance: ${parts.join(' · ')}`];
  }

  status(): DeclaredInterestStatus {
    return { enabled: this.enabled, radiusM: this.view?.radiusM ?? null, reachM: this.view ? this.view.radiusM * this.scaleNow() : null, byBand: [...this.byBand] };
  }

  /** The view's scale as the server said it, within (0, 1] (anything else: 1). */
  private scaleNow(): number {
    const k = this.viewScale;
    return k > 0 && k <= 1 ? k : 1;
  }
}

/** What the server says of its game at /game.json ({} when it cannot be read). */
export async function servedGame(): Promise<{ mode?: unknown; view?: unknown; zones?: unknown; spectators?: unknown }> {
  return (await fetch(new URL('/game.json', location.href)).then((r) => r.json()).catch(() => ({}))) as Record<string, unknown>;
}
