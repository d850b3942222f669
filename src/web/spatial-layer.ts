// The spatial layer of a game's page (declared-spatial.ts feeds it): the grid cells of the spatial index and a density heat
// map, drawn under the entities. Toggled by the overlay's button or the G key.
//
// Why the page indexes its own world rather than receiving cells from the server: a room's page
// already runs the server's game itself (its RollbackClient's store), whose confirmed frames
// hold the same bytes as the server's, proven hash by hash. Indexing it with the same kernels
// gives the server's index for that state, with no protocol change and no bytes on the wire;
// streaming cells instead would cost bandwidth for a debugging view. A world-mode page holds no
// world: it indexes what it knows, the bodies of its view, which is what such a client can index.

import type { Bounds } from '../core/schema.js';
import type { World } from '../core/world.js';
import { SpatialIndex } from '../spatial/index.js';

/** What the layer indexes: a world's bodies, or a world-mode page's view of them. */
export interface SpatialSubject {
  readonly bounds: Bounds;
  readonly index: SpatialIndex;
  /** Changes whenever the indexed positions may have (a world's tick, a view's snapshot). */
  version(): number;
  /** Brings the index's source columns up to date before index.update(). */
  sync?(): void;
}

/** Re-index and rebuild the picture at most this often while visible (ms). */
const REFRESH_MS = 100;
/** Cell outlines are drawn when a cell is at least this many pixels wide. */
const OUTLINE_MIN_PX = 6;
/** The lattice of base cells is drawn when a base cell is at least this many pixels wide. */
const LATTICE_MIN_PX = 10;
/**
 * Heat map bins: the base cell doubled (like the index's coarser levels) until a bin is at
 * least this many pixels wide, so a zoomed-out world shows density, not one speck per cell.
 */
const BIN_MIN_PX = 22;
/** Inferno-like ramp, low density to high: [r, g, b]. */
const RAMP: readonly (readonly [number, number, number])[] = [
  [40, 11, 84],
  [101, 21, 110],
  [159, 42, 99],
  [212, 72, 66],
  [245, 125, 21],
  [250, 193, 39],
  [252, 255, 164],
];

export interface SpatialLayerStatus {
  visible: boolean;
  /** Local simulation tick the picture shows. */
  tick: number;
  entities: number;
  /** Non-empty leaf cells, and the (x, y) columns they fold into on the map. */
  cells: number;
  columns: number;
  levelsInUse: number;
  maxDepth: number;
  splitCells: number;
  /** Columns drawn in the last frame (inside the canvas). */
  drawn: number;
  updateMs: number;
}

/** What the map view hands a layer to draw in world coordinates. */
export interface MapTransform {
  ctx: CanvasRenderingContext2D;
  /** Screen x of world x = ox + x * z; screen y of world y = oy - y * z. */
  ox: number;
  oy: number;
  z: number;
  width: number;
  height: number;
}

function rampColour(t: number, alpha: number): string {
  const u = Math.min(1, Math.max(0, t)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(u));
  const f = u - i;
  const a = RAMP[i]!;
  const b = RAMP[i + 1]!;
  const c = (k: number) => Math.round(a[k]! + (b[k]! - a[k]!) * f);
  return `rgba(${c(0)}, ${c(1)}, ${c(2)}, ${alpha})`;
}

export class SpatialLayer {
  visible = false;
  private index: SpatialIndex | undefined;
  /** What is indexed (undefined until attached). */
  subject: SpatialSubject | undefined;
  private builtTick = -1;
  private builtAt = -Infinity;
  // Columns: x, y (lower corner, m), side (m), entities; a palette index per column.
  private colX = new Float64Array(0);
  private colY = new Float64Array(0);
  private colSide = new Float64Array(0);
  private colCount = new Float64Array(0);
  private columns = 0;
  private cells = 0;
  private maxCount = 1;
  private baseCellM = 50;
  private drawn = 0;
  private updateMs = 0;
  private levelsInUse = 0;
  private maxDepth = 0;
  private splitCells = 0;
  // Heat map bins, rebuilt when the columns or the bin size change.
  private binM = 0;
  private binsFor = -1;
  private binX = new Float64Array(0);
  private binY = new Float64Array(0);
  private binCount = new Float64Array(0);
  private bins = 0;
  private binMax = 1;
  private version = 0;

  /** Indexes `world` (the page's game world); replaces any earlier one. */
  attach(world: World): void {
    const index = SpatialIndex.forWorld(world, { name: 'page-spatial' });
    this.attachSubject({ bounds: world.bounds, index, version: () => world.tick });
  }

  /** Indexes `subject` (it owns its index; a later attach() disposes it). */
  attachSubject(subject: SpatialSubject): void {
    if (this.index !== subject.index) this.index?.dispose();
    this.subject = subject;
    this.index = subject.index;
    this.baseCellM = subject.index.options.baseCellQ16 / 65536;
    this.builtTick = -1;
  }

  toggle(): boolean {
    this.visible = !this.visible;
    return this.visible;
  }

  /** Re-indexes the world and rebuilds the columns when visible and the world moved on. */
  refresh(nowMs: number): void {
    const subject = this.subject;
    const index = this.index;
    if (!this.visible || !subject || !index) return;
    const version = subject.version();
    if (version === this.builtTick || nowMs - this.builtAt < REFRESH_MS) return;
    subject.sync?.();
    const started = performance.now();
    index.update();
    this.updateMs = performance.now() - started;
    this.builtTick = version;
    this.builtAt = nowMs;
    const { count, data } = index.leafCells();
    this.cells = count;
    this.fold(count, data);
    const stats = index.stats();
    this.levelsInUse = stats.levelsInUse;
    this.maxDepth = stats.maxDepthInUse;
    this.splitCells = stats.splitCells;
  }

  /** Folds cells that share an (x, y) square (different heights) into one column. */
  private fold(count: number, data: Float64Array): void {
    if (this.colX.length < count) {
      const n = Math.max(64, count * 2);
      this.colX = new Float64Array(n);
      this.colY = new Float64Array(n);
      this.colSide = new Float64Array(n);
      this.colCount = new Float64Array(n);
    }
    const slots = new Map<string, number>();
    let columns = 0;
    let maxCount = 1;
    for (let i = 0; i < count; i++) {
      const o = i * 6;
      const x = data[o]!, y = data[o + 1]!, side = data[o + 3]!, n = data[o + 4]!;
      const key = `${x},${y},${side}`;
      let c = slots.get(key);
      if (c === undefined) {
        c = columns++;
        slots.set(key, c);
        this.colX[c] = x;
        this.colY[c] = y;
        this.colSide[c] = side;
        this.colCount[c] = 0;
      }
      this.colCount[c] = this.colCount[c]! + n;
    }
    // Density per square metre drives the colour, so split (smaller) cells compare fairly.
    for (let c = 0; c < columns; c++) maxCount = Math.max(maxCount, this.density(c));
    this.columns = columns;
    this.maxCount = maxCount;
    this.version++;
  }

  /** Sums the columns into square bins of side binM (metres) for the heat map. */
  private binColumns(binM: number): void {
    if (this.binsFor === this.version && this.binM === binM) return;
    this.binM = binM;
    this.binsFor = this.version;
    const slots = new Map<number, number>();
    if (this.binX.length < this.columns) {
      const n = Math.max(64, this.columns * 2);
      this.binX = new Float64Array(n);
      this.binY = new Float64Array(n);
      this.binCount = new Float64Array(n);
    }
    const b = this.subject!.bounds;
    let bins = 0;
    let max = 1;
    for (let c = 0; c < this.columns; c++) {
      // A column belongs to the bin holding its centre (split cells are smaller than a bin).
      const bx = Math.floor((this.colX[c]! + this.colSide[c]! / 2 - b.minX) / binM);
      const by = Math.floor((this.colY[c]! + this.colSide[c]! / 2 - b.minY) / binM);
      const key = bx * 1_000_003 + by;
      let i = slots.get(key);
      if (i === undefined) {
        i = bins++;
        slots.set(key, i);
        this.binX[i] = b.minX + bx * binM;
        this.binY[i] = b.minY + by * binM;
        this.binCount[i] = 0;
      }
      this.binCount[i] = this.binCount[i]! + this.colCount[c]!;
      max = Math.max(max, this.binCount[i]!);
    }
    this.bins = bins;
    this.binMax = max;
  }

  private density(c: number): number {
    const side = this.colSide[c]!;
    return (this.colCount[c]! * this.baseCellM * this.baseCellM) / (side * side);
  }

  /** Draws the heat map and the cell grid (call between the background and the entities). */
  draw(t: MapTransform): void {
    this.drawn = 0;
    if (!this.visible || this.columns === 0 || !this.subject) return;
    const { ctx, ox, oy, z, width, height } = t;
    let binM = this.baseCellM;
    while (binM * z < BIN_MIN_PX && binM < 65536) binM *= 2;
    if (binM === this.baseCellM) {
      // Zoomed in: every occupied leaf cell is its own square, coloured by its density.
      const logMax = Math.log1p(this.maxCount);
      for (let c = 0; c < this.columns; c++) {
        const side = this.colSide[c]! * z;
        const px = ox + this.colX[c]! * z;
        const py = oy - (this.colY[c]! + this.colSide[c]!) * z;
        if (px > width || py > height || px + side < 0 || py + side < 0) continue;
        const level = Math.log1p(this.density(c)) / logMax;
        ctx.fillStyle = rampColour(0.25 + 0.75 * level, 0.22 + 0.38 * level);
        ctx.fillRect(px, py, side, side);
        this.drawn++;
      }
    } else {
      this.binColumns(binM);
      const side = binM * z;
      const logMax = Math.log1p(this.binMax);
      for (let i = 0; i < this.bins; i++) {
        const px = ox + this.binX[i]! * z;
        const py = oy - (this.binY[i]! + binM) * z;
        if (px > width || py > height || px + side < 0 || py + side < 0) continue;
        const level = Math.log1p(this.binCount[i]!) / logMax;
        ctx.fillStyle = rampColour(level, 0.16 + 0.56 * level);
        ctx.fillRect(px, py, side, side);
        this.drawn++;
      }
    }
    if (this.baseCellM * z >= LATTICE_MIN_PX) this.drawLattice(t);
    ctx.strokeStyle = 'rgba(140, 220, 235, 0.55)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let c = 0; c < this.columns; c++) {
      const side = this.colSide[c]! * z;
      if (side < OUTLINE_MIN_PX) continue;
      const px = ox + this.colX[c]! * z;
      const py = oy - (this.colY[c]! + this.colSide[c]!) * z;
      if (px > width || py > height || px + side < 0 || py + side < 0) continue;
      ctx.rect(Math.round(px) + 0.5, Math.round(py) + 0.5, Math.round(side) - 1, Math.round(side) - 1);
    }
    ctx.stroke();
  }

  /** Faint lines of the base grid over the visible part of the world. */
  private drawLattice(t: MapTransform): void {
    const { ctx, ox, oy, z, width, height } = t;
    const subject = this.subject;
    if (!subject) return;
    const b = subject.bounds;
    const cell = this.baseCellM;
    const x0 = Math.max(b.minX, (0 - ox) / z), x1 = Math.min(b.maxX, (width - ox) / z);
    const y0 = Math.max(b.minY, (oy - height) / z), y1 = Math.min(b.maxY, oy / z);
    ctx.strokeStyle = 'rgba(90, 130, 160, 0.18)';
    ctx.beginPath();
    for (let x = b.minX + Math.ceil((x0 - b.minX) / cell) * cell; x <= x1; x += cell) {
      ctx.moveTo(ox + x * z, oy - y0 * z);
      ctx.lineTo(ox + x * z, oy - y1 * z);
    }
    for (let y = b.minY + Math.ceil((y0 - b.minY) / cell) * cell; y <= y1; y += cell) {
      ctx.moveTo(ox + x0 * z, oy - y * z);
      ctx.lineTo(ox + x1 * z, oy - y * z);
    }
    ctx.stroke();
  }

  status(): SpatialLayerStatus {
    return {
      visible: this.visible,
      tick: this.builtTick,
      entities: this.index?.size ?? 0,
      cells: this.cells,
      columns: this.columns,
      levelsInUse: this.levelsInUse,
      maxDepth: this.maxDepth,
      splitCells: this.splitCells,
      drawn: this.drawn,
      updateMs: this.updateMs,
    };
  }
}
