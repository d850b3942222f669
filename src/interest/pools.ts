// The lanes' pools (layout.ts, L): view pages and pending-record slots on free lists, and the
// output heap each tick's snapshots go to. Kernels never allocate: a lane tick that finds a
// pool short of what its next step could take stops and says what it wants; topUp grows the
// pools (new arena regions linked in, the heap moved with what it already holds) and the
// pipeline calls the lane again. Pools grow by an eighth of what they hold (at least what was
// asked for), so they end up a little above the high-water mark of what the lanes use.

import type { Arena, Region } from '../wasm/arena.js';
import { L, LANE_BYTES, NEED_OUT, NEED_PAGES, NEED_PENDS, PAGE_BYTES, PEND_BYTES, Q_NEXT } from './layout.js';
import type { ArenaWords } from './mem.js';

/** Smallest growth of a lane's page pool (pages) and pending pool (slots). */
const MIN_PAGES = 16;
const MIN_PENDS = 256;
/** Alignment of page chunks: a page's hot arrays then start on cache lines. */
const LINE = 64;

interface LanePools {
  chunks: Region[];
  pages: number;
  pends: number;
  heap: Region | undefined;
}

export class Pools {
  private readonly lanes: LanePools[] = [];
  private grown = 0;

  constructor(
    private readonly arena: Arena,
    private readonly name: string,
    private readonly laneTable: Region,
    private readonly mem: ArenaWords,
    laneCount: number,
  ) {
    for (let l = 0; l < laneCount; l++) this.lanes.push({ chunks: [], pages: 0, pends: 0, heap: undefined });
  }

  /** Lane l's descriptor field `field` (a byte offset) as an index into memory's u32s. */
  private word(l: number, field: number): number {
    return (this.laneTable.ptr + l * LANE_BYTES + field) >>> 2;
  }

  /** What lane l stopped for (L.need bits; 0: it finished). */
  need(l: number): number {
    return this.mem.u32[this.word(l, L.need)]!;
  }

  /** Grows lane l's pools by what it asked for (between lane calls). */
  topUp(l: number): void {
    const need = this.need(l);
    const mem = (): Uint32Array => this.mem.u32;
    const lane = this.lanes[l]!;
    if (need & NEED_PAGES) {
      const want = mem()[this.word(l, L.wantPages)]!;
      const count = Math.max(want, MIN_PAGES, Math.ceil(lane.pages / 8));
      this.link(l, count, PAGE_BYTES, 0, L.pageFree, L.pageFreeCount);
      lane.pages += count;
    }
    if (need & NEED_PENDS) {
      const want = mem()[this.word(l, L.wantPends)]!;
      const count = Math.max(want, MIN_PENDS, Math.ceil(lane.pends / 8));
      this.link(l, count, PEND_BYTES, Q_NEXT, L.pendFree, L.pendFreeCount);
      lane.pends += count;
    }
    if (need & NEED_OUT) {
      const used = mem()[this.word(l, L.outUsed)]!;
      const want = mem()[this.word(l, L.wantOut)]!;
      const old = lane.heap;
      const bytes = Math.max(used + want, Math.ceil((old?.byteLength ?? 0) * 1.25));
      const heap = this.arena.allocate(`${this.name}:lane${l}:out#${this.grown++}`, bytes);
      if (old) {
        heap.bytes().set(old.bytes().subarray(0, used));
        this.arena.release(old);
      }
      lane.heap = heap;
      const m = mem();
      m[this.word(l, L.out)] = heap.ptr;
      m[this.word(l, L.outCap)] = heap.byteLength;
    }
  }

  /** Allocates `count` slots of `size` bytes and puts them at the head of lane l's free list. */
  private link(l: number, count: number, size: number, linkAt: number, headField: number, countField: number): void {
    const region = this.arena.allocate(`${this.name}:lane${l}:pool#${this.grown++}`, count * size + LINE);
    this.lanes[l]!.chunks.push(region);
    const first = Math.ceil(region.ptr / LINE) * LINE;
    const m = this.mem.u32;
    const head = this.word(l, headField);
    let next = m[head]!;
    for (let i = count - 1; i >= 0; i--) {
      const slot = first + i * size;
      m[(slot + linkAt) >>> 2] = next;
      next = slot;
    }
    m[head] = next;
    m[this.word(l, countField)] = m[this.word(l, countField)]! + count;
  }

  /** Where lane l's output heap starts (snapshots are at offsets into it). */
  heapPtr(l: number): number {
    return this.lanes[l]!.heap?.ptr ?? 0;
  }

  /** Arena bytes the pools hold. */
  memoryBytes(): number {
    let bytes = 0;
    for (const lane of this.lanes) {
      for (const r of lane.chunks) bytes += r.byteLength;
      if (lane.heap) bytes += lane.heap.byteLength;
    }
    return bytes;
  }

  /** Pages and pending slots each lane owns (in use or free). */
  sizes(): { pages: number; pends: number; heapBytes: number }[] {
    return this.lanes.map((lane) => ({ pages: lane.pages, pends: lane.pends, heapBytes: lane.heap?.byteLength ?? 0 }));
  }

  release(): void {
    for (const lane of this.lanes) {
      for (const r of lane.chunks) if (!r.isReleased) this.arena.release(r);
      if (lane.heap && !lane.heap.isReleased) this.arena.release(lane.heap);
    }
  }
}
