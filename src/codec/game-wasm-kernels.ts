// The encoder on a store that lives in a WebAssembly arena (a game whose rules are its own
// AssemblyScript keeps its store there; GameReplicatorOptions.arena): its run kernels are
// WebAssembly (game-wasm-run.ts) reading the store, the frames and the view where they are, its
// frames are blocks of the arena (FrameMemory) and its message is written into a block there
// too. The JavaScript kernels stay for what a run hands back to the walk (update, delta, enter).
//
// Only on shared memory: a grown shared memory keeps the views made before it valid (a growth of
// an unshared one detaches them), and the engine's arena is always shared in Node.
//
// An arena that is full (its memory at its maximum) does not stop the encoder: a frame that
// finds no room there lives in the JavaScript heap, and a walk over such a frame (or a view that
// found no room) runs the JavaScript kernels: the same bytes, counted in `framesOutsideArena`.

import { ArenaOutOfMemoryError } from '../core/errors.js';
import type { Game, GameDeclaration } from '../core/game.js';
import type { GameStore } from '../core/game-store.js';
import type { Arena, Region } from '../wasm/arena.js';
import { BitStreamWriter } from './bit-stream.js';
import type { FrameBlock, FrameMemory } from './game-frames.js';
import { TABLE_MAX, TIER_BITS, TIER_CODE } from './game-kernel-source.js';
import type { RunKernel, TypeKernels, WalkState } from './game-kernels.js';
import { assembleRuns, WALK, WALK_WORDS } from './game-wasm-run.js';
import { byStoreAndZones, zoneOrigin, type ZoneSource } from './update-zones.js';

/** What the arena-backed encoders of this thread had to do without (the arena full). */
export const wasmEncodingStats = {
  /** Frame blocks made in the JavaScript heap instead. */
  framesOutsideArena: 0,
  /** Walks run by the JavaScript kernels for that (a frame or the view copy outside the arena). */
  walksInJavaScript: 0,
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

const scratches = new WeakMap<Arena, ArenaScratch>();
/** By store, then by its zones' key ('' without). */
const storeRuns = new WeakMap<object, Map<string, StoreRuns>>();
let blocks = 0;

/** The arena's frame blocks, tier tables and writers (made once per arena). */
function scratchOf(arena: Arena): ArenaScratch {
  let s = scratches.get(arena);
  if (s) return s;
  const tables = arena.allocate(`game-wasm-tier-tables-${++blocks}`, (TABLE_MAX + 1) * 3);
  new Uint16Array(arena.memoryBuffer, tables.ptr, TABLE_MAX + 1).set(TIER_CODE);
  const tierBits = tables.ptr + (TABLE_MAX + 1) * 2;
  new Uint8Array(arena.memoryBuffer, tierBits, TABLE_MAX + 1).set(TIER_BITS);
  s = {
    tierCode: tables.ptr,
    tierBits,
    writers: new Map(),
    frames: {
      take(bytes: number): FrameBlock {
        let region: Region;
        try {
          region = arena.allocate(`game-frame-${++blocks}`, bytes);
        } catch (err) {
          if (!(err instanceof ArenaOutOfMemoryError)) throw err;
          wasmEncodingStats.framesOutsideArena++;
          return { buffer: new ArrayBuffer(bytes), byteOffset: 0, free() {} };
        }
        let held = true;
        return {
          buffer: arena.memoryBuffer,
          byteOffset: region.ptr,
          free() {
            if (!held) return;
            held = false;
            arena.release(region);
          },
        };
      },
    },
  };
  scratches.set(arena, s);
  return s;
}

/**
 * The WebAssembly side of an encoder of `store`, or null where it cannot have one: the store is
 * not in `arena`, or the arena's memory is not shared.
 */
export function wasmEncoding<D extends GameDeclaration>(game: Game<D>, store: GameStore<D>, arena: Arena, zones: ZoneSource | null): WasmEncoding | null {
  if (!(arena.memoryBuffer instanceof SharedArrayBuffer) || !arena.holds(store.region)) return null;
  if (zones && ![zones.columns.x, zones.columns.y, zones.columns.z ?? zones.columns.x].every((c) => arena.holds(c))) return null;
  try {
    return arenaEncoding(game, store, arena, zones);
  } catch (err) {
    // An arena too full for the kernels' tables and state: the JavaScript kernels, the same bytes.
    if (!(err instanceof ArenaOutOfMemoryError)) throw err;
    return null;
  }
}

function arenaEncoding<D extends GameDeclaration>(game: Game<D>, store: GameStore<D>, arena: Arena, zones: ZoneSource | null): WasmEncoding {
  const scratch = scratchOf(arena);
  const r = byStoreAndZones(storeRuns, store, zones, () => new StoreRuns(arena, game as Game, store as unknown as GameStore, scratch, zones));
  return {
    frames: scratch.frames,
    writer(capacityBytes: number): BitStreamWriter {
      let w = scratch.writers.get(capacityBytes);
      if (!w) {
        let region: Region;
        try {
          region = arena.allocate(`game-wasm-writer-${++blocks}`, BitStreamWriter.wordsFor(capacityBytes) * 4);
        } catch (err) {
          if (!(err instanceof ArenaOutOfMemoryError)) throw err;
          // No room: this encoder writes in the JavaScript heap (its walks run the JavaScript kernels).
          return new BitStreamWriter(capacityBytes);
        }
        w = new BitStreamWriter(capacityBytes, { buffer: arena.memoryBuffer, byteOffset: region.ptr });
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
  private readonly stateRegion: Region;
  private readonly state: Int32Array;
  private orderRegion: Region | null = null;
  private order: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  private boundWalk: WalkState | null = null;
  private boundEpoch = -1;
  /** Whether the bound walk's arrays are all in the arena (else the JavaScript kernels walk it). */
  private boundInArena = false;

  /** Where the zones aim for the message being encoded (UpdateZones.aim writes it). */
  private readonly origin: Float64Array;

  constructor(private readonly arena: Arena, game: Game, store: GameStore<GameDeclaration>, scratch: ArenaScratch, zones: ZoneSource | null) {
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
    }, arena.wasm);
    this.origin = zoneOrigin(store);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: arena.wasm.memory } });
    this.fns = names.map((n) => (n === null ? null : (instance.exports[n] as (state: number) => void)));
    this.stateRegion = arena.allocate(`game-wasm-walk-${++blocks}`, WALK_WORDS * 4);
    this.state = new Int32Array(arena.memoryBuffer, this.stateRegion.ptr, WALK_WORDS);
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
    fn(this.stateRegion.ptr);
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
    if (this.orderRegion) this.arena.release(this.orderRegion);
    this.orderRegion = null;
    this.order = new Uint32Array(0);
    const length = Math.max(n, 64);
    try {
      this.orderRegion = this.arena.allocate(`game-wasm-view-${++blocks}`, Math.max(length, Math.ceil(n * 1.5)) * 4);
    } catch (err) {
      if (!(err instanceof ArenaOutOfMemoryError)) throw err;
      return false;
    }
    this.order = new Uint32Array(this.arena.memoryBuffer, this.orderRegion.ptr, this.orderRegion.byteLength / 4);
    return true;
  }
}
