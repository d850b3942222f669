// The lanes' pools (layout.ts, L): view pages and pending-record slots on free lists, and the
// output heap each tick's snapshots go to. Kernels never allocate: a lane tick that finds a
// pool short of what its next step could take stops and says what it wants; topUp grows the
// pools (new arena chunks linked in, the heap moved with what it already holds) and the
// pipeline calls the lane again. Pools grow by an eighth of what they hold (at least what was
// asked for). trim gives memory back after a burst (a crowd joining at once, say): chunks with
// no slot in use go back to the arena, and a drain mark makes the kernels reuse slots below it
// first, so the chunks above it empty out for the next trim; the heap follows what the last
// tick wrote.

import type { Arena, Region } from '../wasm/arena.js';
import { L, LANE_BYTES, NEED_OUT, NEED_PAGES, NEED_PENDS, OUT_SLACK, PAGE_BYTES, PAGE_ENTRIES, PEND_BYTES, PH_START } from './layout.js';
import type { ArenaWords } from './mem.js';

/** Smallest growth of a lane's page pool (pages) and pending pool (slots). */
const MIN_PAGES = 16;
const MIN_PENDS = 256;
/** Alignment of chunks: a page's hot arrays then start on cache lines. */
const LINE = 64;
/** A pool is trimmed when it holds more than this times what it should. */
const TRIM_ABOVE = 1.5;

interface Chunk {
  region: Region;
  first: number;
  count: number;
}

/** One free-list pool of a lane: its chunks, slot size, and its fields in the lane descriptor. */
class Pool {
  readonly chunks: Chunk[] = [];
  slots = 0;

  constructor(
    readonly size: number,
    /** Descriptor offset of the free list's head; the cold list, drain mark and count follow. */
    readonly head: number,
  ) {}
}

interface LanePools {
  pages: Pool;
  pends: Pool;
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
    private readonly viewCapacity: number,
    private readonly maxSnapshot: number,
  ) {
    for (let l = 0; l < laneCount; l++) {
      this.lanes.push({ pages: new Pool(PAGE_BYTES, L.pageFree), pends: new Pool(PEND_BYTES, L.pendFree), heap: undefined });
    }
  }

  /** Lane l's descriptor field `field` (a byte offset) as an index into memory's u32s. */
  private word(l: number, field: number): number {
    return (this.laneTable.ptr + l * LANE_BYTES + field) >>> 2;
  }

  /**
   * Phase B: `run` runs every lane (phases reset first); a lane that stopped for its pools runs
   * again once they grew, until every lane finished.
   */
  runLanes(run: () => void): void {
    const m = this.mem.u32;
    for (let l = 0; l < this.lanes.length; l++) m[this.word(l, L.phase)] = PH_START;
    for (;;) {
      run();
      let stopped = false;
      for (let l = 0; l < this.lanes.length; l++) {
        if (this.need(l) === 0) continue;
        this.topUp(l);
        stopped = true;
      }
      if (!stopped) return;
    }
  }

  /** What lane l stopped for (L.need bits; 0: it finished). */
  need(l: number): number {
    return this.mem.u32[this.word(l, L.need)]!;
  }

  /** Grows lane l's pools by what it asked for (between lane calls). */
  topUp(l: number): void {
    const need = this.need(l);
    const lane = this.lanes[l]!;
    if (need & NEED_PAGES) this.grow(l, lane.pages, this.mem.u32[this.word(l, L.wantPages)]!, MIN_PAGES);
    if (need & NEED_PENDS) this.grow(l, lane.pends, this.mem.u32[this.word(l, L.wantPends)]!, MIN_PENDS);
    if (need & NEED_OUT) {
      const used = this.mem.u32[this.word(l, L.outUsed)]!;
      const want = this.mem.u32[this.word(l, L.wantOut)]!;
      this.moveHeap(l, Math.max(used + want, Math.ceil((lane.heap?.byteLength ?? 0) * 1.25)), used);
    }
  }

  private moveHeap(l: number, bytes: number, keep: number): void {
    const lane = this.lanes[l]!;
    const old = lane.heap;
    const heap = this.arena.allocate(`${this.name}:lane${l}:out#${this.grown++}`, bytes);
    if (old) {
      if (keep > 0) heap.bytes().set(old.bytes().subarray(0, keep));
      this.arena.release(old);
    }
    lane.heap = heap;
    const m = this.mem.u32;
    m[this.word(l, L.out)] = heap.ptr;
    m[this.word(l, L.outCap)] = heap.byteLength;
  }

  /** Adds a chunk of max(want, min, an eighth of the pool) slots at the head of lane l's list. */
  private grow(l: number, pool: Pool, want: number, min: number): void {
    const count = Math.max(want, min, Math.ceil(pool.slots / 8));
    const region = this.arena.allocate(`${this.name}:lane${l}:pool#${this.grown++}`, count * pool.size + LINE);
    const first = Math.ceil(region.ptr / LINE) * LINE;
    pool.chunks.push({ region, first, count });
    pool.slots += count;
    const m = this.mem.u32;
    const head = this.word(l, pool.head);
    let next = m[head]!;
    for (let i = count - 1; i >= 0; i--) {
      const slot = first + i * pool.size;
      m[slot >>> 2] = next;
      next = slot;
    }
    m[head] = next;
    m[head + 3] = m[head + 3]! + count;
  }

  /**
   * Gives back what a burst left behind (call between ticks, before the lanes run): pools
   * holding over TRIM_ABOVE times what they use plus one client turn's reserve lose their
   * empty chunks and drain towards their lowest ones; an output heap over twice what the last
   * tick wrote (plus room for one snapshot) shrinks.
   */
  trim(): void {
    for (let l = 0; l < this.lanes.length; l++) {
      const lane = this.lanes[l]!;
      this.trimPool(l, lane.pages, Math.ceil(this.viewCapacity / PAGE_ENTRIES) + 1);
      this.trimPool(l, lane.pends, this.viewCapacity);
      const room = this.maxSnapshot + OUT_SLACK;
      const used = this.mem.u32[this.word(l, L.outUsed)]!;
      if (lane.heap && lane.heap.byteLength > 2 * (used + room) + 4096) this.moveHeap(l, Math.ceil(used * 1.25) + room, 0);
    }
  }

  private trimPool(l: number, pool: Pool, reserve: number): void {
    const m = (): Uint32Array => this.mem.u32;
    const head = this.word(l, pool.head);
    const free = m()[head + 3]!;
    const target = Math.ceil((pool.slots - free) * 1.125) + reserve;
    if (pool.slots <= target * TRIM_ABOVE) {
      // Close enough: no draining (a mark left from an earlier trim is lifted).
      if (m()[head + 2] !== 0) this.relink(l, pool, this.freeSlots(l, pool), 0);
      return;
    }
    const slots = this.freeSlots(l, pool);
    // Chunks in address order; free slots counted per chunk.
    pool.chunks.sort((a, b) => a.first - b.first);
    const freeIn = new Array<number>(pool.chunks.length).fill(0);
    const chunkOf = new Int32Array(slots.length);
    slots.forEach((s, i) => freeIn[(chunkOf[i] = this.chunkOf(pool, s))]!++);
    // Empty chunks from the top go back while the pool holds more than its target.
    const keep: Chunk[] = [];
    const gone = new Uint8Array(pool.chunks.length);
    let total = pool.slots;
    for (let i = pool.chunks.length - 1; i >= 0; i--) {
      const c = pool.chunks[i]!;
      if (freeIn[i] === c.count && total - c.count >= target) {
        total -= c.count;
        gone[i] = 1;
        this.arena.release(c.region);
      } else keep.unshift(c);
    }
    pool.chunks.length = 0;
    pool.chunks.push(...keep);
    pool.slots = total;
    // The drain mark: the lowest chunks that hold the target stay; slots above it are reused last.
    let held = 0;
    let mark = 0;
    for (const c of keep) {
      held += c.count;
      if (held >= target) {
        mark = c.first + c.count * pool.size;
        break;
      }
    }
    const top = keep[keep.length - 1];
    if (!top || mark >= top.first + top.count * pool.size) mark = 0;
    this.relink(l, pool, slots.filter((_, i) => gone[chunkOf[i]!] === 0), mark);
  }

  /** Every free slot of a pool (both lists). */
  private freeSlots(l: number, pool: Pool): number[] {
    const m = this.mem.u32;
    const head = this.word(l, pool.head);
    const out: number[] = [];
    for (const list of [head, head + 1]) {
      for (let s = m[list]!; s !== 0; s = m[s >>> 2]!) out.push(s);
    }
    return out;
  }

  private chunkOf(pool: Pool, slot: number): number {
    let lo = 0;
    let hi = pool.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (pool.chunks[mid]!.first <= slot) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Rebuilds a pool's two lists from `slots` (lowest address first) around drain mark `mark`. */
  private relink(l: number, pool: Pool, slots: number[], mark: number): void {
    slots.sort((a, b) => b - a);
    const m = this.mem.u32;
    const head = this.word(l, pool.head);
    let hot = 0;
    let cold = 0;
    for (const s of slots) {
      if (mark !== 0 && s >= mark) {
        m[s >>> 2] = cold;
        cold = s;
      } else {
        m[s >>> 2] = hot;
        hot = s;
      }
    }
    m[head] = hot;
    m[head + 1] = cold;
    m[head + 2] = mark;
    m[head + 3] = slots.length;
  }

  /** Where lane l's output heap starts (snapshots are at offsets into it). */
  heapPtr(l: number): number {
    return this.lanes[l]!.heap?.ptr ?? 0;
  }

  /** Arena bytes the pools hold. */
  memoryBytes(): number {
    let bytes = 0;
    for (const lane of this.lanes) {
      for (const pool of [lane.pages, lane.pends]) for (const c of pool.chunks) bytes += c.region.byteLength;
      if (lane.heap) bytes += lane.heap.byteLength;
    }
    return bytes;
  }

  /** Pages and pending slots each lane owns (in use or free) and its heap's size. */
  sizes(): { pages: number; pends: number; heapBytes: number }[] {
    return this.lanes.map((lane) => ({ pages: lane.pages.slots, pends: lane.pends.slots, heapBytes: lane.heap?.byteLength ?? 0 }));
  }

  release(): void {
    for (const lane of this.lanes) {
      for (const pool of [lane.pages, lane.pends]) for (const c of pool.chunks) if (!c.region.isReleased) this.arena.release(c.region);
      if (lane.heap && !lane.heap.isReleased) this.arena.release(lane.heap);
    }
  }
}
