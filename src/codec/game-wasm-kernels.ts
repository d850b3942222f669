// The encoder on a store that lives in a shared WebAssembly memory (a game whose rules are its
// own AssemblyScript keeps its store in the module's arena; GameReplicatorOptions.arena): its run
// kernels are WebAssembly (game-wasm-run.ts) reading the store, the frames and the view where
// they are, its frames are blocks of that memory (FrameMemory, from a KernelHeap: the arena's on
// the main thread, an encode worker's own block of it there) and its message is written into a
// block there too. The JavaScript kernels stay for what a run hands back to the walk (update,
// delta, enter).
//
// Only on shared memory: a grown shared memory keeps the views made before it valid (a growth of
// an unshared one detaches them), and the engine's arena is always shared in Node.
//
// A heap that is full does not stop the encoder: a frame that finds no room there lives in the
// JavaScript heap, and a walk over such a frame (or a view that found no room) runs the
// JavaScript kernels: the same bytes, counted in wasmEncodingStats.

import { ArenaOutOfMemoryError } from '../core/errors.js';
import type { Game, GameDeclaration } from '../core/game.js';
import type { GameStore } from '../core/game-store.js';
import { Arena } from '../wasm/arena.js';
import { BitStreamWriter } from './bit-stream.js';
import type { FrameBlock, FrameMemory } from './game-frames.js';
import { TABLE_MAX, TIER_BITS, TIER_CODE } from './game-kernel-source.js';
import type { RunKernel, TypeKernels, WalkState } from './game-kernels.js';
import { assembleRuns, WALK, WALK_WORDS } from './game-wasm-run.js';
import { arenaHeap, type KernelHeap } from './kernel-heap.js';
import { byStoreAndZones, zoneOrigin, type ZoneSource } from './update-zones.js';

/** What the arena-backed encoders of this thread had to do without (the arena full). */
export const wasmEncodingStats = {
  /** Frame blocks made in the JavaScript heap instead. */
  framesOutsideArena: 0,
  /** Walks run by the JavaScript kernels for that (a frame or the view copy outside the arena). */
  walksInJavaScript: 0,
  /** Kernel modules WebAssembly refused (never seen: a declaration the assembler mishandles); their encoders run the JavaScript kernels. */
  modulesRefused: 0,
};

/** What an encoder on an arena's store uses instead of the JavaScript heap's. */
export interface WasmEncoding {
  /** Where its frames live. */
  readonly frames: FrameMemory;
  /** The message writer for `capacityBytes`, in the arena (one per capacity, shared by the thread's encoders). */
  writer(capacityBytes: number): BitStreamWriter;
  /** `js` with each run kernel the WebAssembly one (where the type's records can be written there). */
  kernels(js: readonly TypeKernels[]): TypeKernels[];
}

interface ArenaScratch {
  readonly tierCode: number;
  readonly tierBits: number;
  readonly writers: Map<number, BitStreamWriter>;
  readonly frames: FrameMemory;
}

const scratches = new WeakMap<KernelHeap, ArenaScratch>();
/** By store, then by its zones' key ('' without). */
const storeRuns = new WeakMap<object, Map<string, StoreRuns>>();

/** The heap's frame blocks, tier tables and writers (made once per heap). */
function scratchOf(heap: KernelHeap): ArenaScratch {
  let s = scratches.get(heap);
  if (s) return s;
  const tables = heap.take((TABLE_MAX + 1) * 3);
  new Uint16Array(heap.memory.buffer, tables.ptr, TABLE_MAX + 1).set(TIER_CODE);
  const tierBits = tables.ptr + (TABLE_MAX + 1) * 2;
  new Uint8Array(heap.memory.buffer, tierBits, TABLE_MAX + 1).set(TIER_BITS);
  s = {
    tierCode: tables.ptr,
    tierBits,
    writers: new Map(),
    frames: {
      take(bytes: number): FrameBlock {
        try {
          const block = heap.take(bytes);
          return { buffer: heap.memory.buffer, byteOffset: block.ptr, free: block.free };
        } catch (err) {
          if (!(err instanceof ArenaOutOfMemoryError)) throw err;
          wasmEncodingStats.framesOutsideArena++;
          return { buffer: new ArrayBuffer(bytes), byteOffset: 0, free() {} };
        }
      },
    },
  };
  scratches.set(heap, s);
  return s;
}

/**
 * The WebAssembly side of an encoder of `store`, or null where it cannot have one: the store is
 * not in the heap's memory, or that memory is not shared. `memory`: the arena the store lives in
 * (its allocator hands out the blocks), or a heap of blocks in it (an encode worker's).
 */
export function wasmEncoding<D extends GameDeclaration>(game: Game<D>, store: GameStore<D>, memory: Arena | KernelHeap, zones: ZoneSource | null): WasmEncoding | null {
  const heap = memory instanceof Arena ? arenaHeap(memory) : memory;
  if (!(heap.memory.buffer instanceof SharedArrayBuffer) || !heap.holds(store.region)) return null;
  if (zones && ![zones.columns.x, zones.columns.y, zones.columns.z ?? zones.columns.x].every((c) => heap.holds(c))) return null;
  try {
    return heapEncoding(game, store, heap, zones);
  } catch (err) {
    // An arena too full for the kernels' tables and state, or a module WebAssembly refused: the
    // JavaScript kernels, the same bytes (a player still joins).
    if (err instanceof WebAssembly.CompileError || err instanceof WebAssembly.LinkError) wasmEncodingStats.modulesRefused++;
    else if (!(err instanceof ArenaOutOfMemoryError)) throw err;
    return null;
  }
}

function heapEncoding<D extends GameDeclaration>(game: Game<D>, store: GameStore<D>, heap: KernelHeap, zones: ZoneSource | null): WasmEncoding {
  const scratch = scratchOf(heap);
  const r = byStoreAndZones(storeRuns, store, zones, () => new StoreRuns(heap, game as Game, store as unknown as GameStore, scratch, zones));
  return {
    frames: scratch.frames,
    writer(capacityBytes: number): BitStreamWriter {
      let w = scratch.writers.get(capacityBytes);
      if (!w) {
        let ptr: number;
        try {
          ptr = heap.take(BitStreamWriter.wordsFor(capacityBytes) * 4).ptr;
        } catch (err) {
          if (!(err instanceof ArenaOutOfMemoryError)) throw err;
          // No room: this encoder writes in the JavaScript heap (its walks run the JavaScript kernels).
          return new BitStreamWriter(capacityBytes);
        }
        w = new BitStreamWriter(capacityBytes, { buffer: heap.memory.buffer, byteOffset: ptr });
        scratch.writers.set(capacityBytes, w);
      }
      return w;
    },
    kernels: (js) => r.kernels(js),
  };
}

/** A store's compiled run kernels and the state block and view copy they read (shared by the thread's encoders: encoding never reenters). */
class StoreRuns {
  private readonly fns: (((state: number) => void) | null)[];
  private readonly statePtr: number;
  private readonly state: Int32Array;
  private orderBlock: { readonly ptr: number; free(): void } | null = null;
  private order: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  private boundWalk: WalkState | null = null;
  private boundEpoch = -1;
  /** Whether the bound walk's arrays are all in the arena (else the JavaScript kernels walk it). */
  private boundInArena = false;

  /** Where the zones aim for the message being encoded (UpdateZones.aim writes it). */
  private readonly origin: Float64Array;

  constructor(private readonly heap: KernelHeap, game: Game, store: GameStore<GameDeclaration>, scratch: ArenaScratch, zones: ZoneSource | null) {
    const { bytes, names } = assembleRuns(game, {
      typeCol: store.typeColumn.byteOffset,
      genCol: store.generationColumn.byteOffset,
      ownerCol: store.ownerColumn.byteOffset,
      columns: store.columns.map((c) => c.byteOffset),
      tierCode: scratch.tierCode,
      tierBits: scratch.tierBits,
    }, zones && {
      x: zones.columns.x.byteOffset,
      y: zones.columns.y.byteOffset,
      z: zones.columns.z?.byteOffset ?? null,
      radii2: zones.radii2,
      periodOf: zones.periodOf,
    }, heap);
    this.origin = zoneOrigin(store);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: heap.memory } });
    this.fns = names.map((n) => (n === null ? null : (instance.exports[n] as (state: number) => void)));
    this.statePtr = heap.take(WALK_WORDS * 4).ptr;
    this.state = new Int32Array(heap.memory.buffer, this.statePtr, WALK_WORDS);
  }

  kernels(js: readonly TypeKernels[]): TypeKernels[] {
    return js.map((k, i) => {
      const fn = this.fns[i];
      const run: RunKernel = fn ? (s, w) => this.run(fn, k.run, s, w) : k.run;
      return { update: k.update, delta: k.delta, enter: k.enter, run };
    });
  }

  private run(fn: (state: number) => void, js: RunKernel, s: WalkState, w: BitStreamWriter): void {
    if (s !== this.boundWalk || s.epoch !== this.boundEpoch) this.bind(s, w);
    if (!this.boundInArena) {
      js(s, w);
      return;
    }
    const st = this.state;
    st[WALK.i] = s.i;
    st[WALK.j] = s.j;
    st[WALK.cnt] = s.cnt;
    st[WALK.used] = s.used;
    st[WALK.prev] = s.prev;
    st[WALK.candidate] = s.candidate;
    st[WALK.records] = s.records;
    st[WALK.updates] = s.updates;
    st[WALK.wat] = w.at;
    st[WALK.acc] = w.acc;
    st[WALK.n] = w.n;
    fn(this.statePtr);
    s.i = st[WALK.i]!;
    s.j = st[WALK.j]!;
    s.cnt = st[WALK.cnt]!;
    s.used = st[WALK.used]!;
    s.prev = st[WALK.prev]!;
    s.candidate = st[WALK.candidate]!;
    s.records = st[WALK.records]!;
    s.updates = st[WALK.updates]!;
    w.at = st[WALK.wat]!;
    w.acc = st[WALK.acc]! >>> 0;
    w.n = st[WALK.n]!;
  }

  /** The walk's constants into the state block, and its view copied into the arena (once per walk). */
  private bind(s: WalkState, w: BitStreamWriter): void {
    this.boundWalk = s;
    this.boundEpoch = s.epoch;
    // Addresses in the arena's memory only (the kernel would write where they point in it): a
    // frame the full arena left in the JavaScript heap is the JavaScript kernels' to walk.
    this.boundInArena = [s.fSlot, s.codes, s.bSlot, s.bCodes, w.words].every((a) => a.buffer instanceof SharedArrayBuffer) && this.ensureOrder(s.count);
    if (!this.boundInArena) {
      wasmEncodingStats.walksInJavaScript++;
      return;
    }
    const st = this.state;
    const n = s.count;
    const order = s.order;
    if (ArrayBuffer.isView(order)) this.order.set((order as Uint32Array).subarray(0, n));
    else for (let i = 0; i < n; i++) this.order[i] = order[i]!;
    st[WALK.count] = n;
    st[WALK.baseCount] = s.baseCount;
    st[WALK.seq] = s.seq;
    st[WALK.tick] = s.tick;
    st[WALK.limit] = s.limit;
    st[WALK.owner] = s.owner;
    st[WALK.order] = this.order.byteOffset;
    st[WALK.fSlot] = s.fSlot.byteOffset;
    st[WALK.fGen] = s.fGen.byteOffset;
    st[WALK.fTO] = s.fTO.byteOffset;
    st[WALK.fAt] = s.fAt.byteOffset;
    st[WALK.fSent] = s.fSent.byteOffset;
    st[WALK.codes] = s.codes.byteOffset;
    st[WALK.bSlot] = s.bSlot.byteOffset;
    st[WALK.bGen] = s.bGen.byteOffset;
    st[WALK.bTO] = s.bTO.byteOffset;
    st[WALK.bAt] = s.bAt.byteOffset;
    st[WALK.bSent] = s.bSent.byteOffset;
    st[WALK.bCodes] = s.bCodes.byteOffset;
    st[WALK.words] = w.words.byteOffset;
    const o = this.origin;
    st[WALK.zoneOn] = o[0]!;
    st[WALK.zoneX] = o[1]!;
    st[WALK.zoneY] = o[2]!;
    st[WALK.zoneZ] = o[3]!;
  }

  /** Room for a view of n in the arena (false: none left there). */
  private ensureOrder(n: number): boolean {
    if (this.order.length >= n) return true;
    this.orderBlock?.free();
    this.orderBlock = null;
    this.order = new Uint32Array(0);
    const length = Math.max(64, Math.ceil(n * 1.5));
    try {
      this.orderBlock = this.heap.take(length * 4);
    } catch (err) {
      if (!(err instanceof ArenaOutOfMemoryError)) throw err;
      return false;
    }
    this.order = new Uint32Array(this.heap.memory.buffer, this.orderBlock.ptr, length);
    return true;
  }
}
