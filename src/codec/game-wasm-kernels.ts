// The encoder on a store that lives in a WebAssembly arena (a game whose rules are its own
// AssemblyScript keeps its store there; GameReplicatorOptions.arena): its run kernels are
// WebAssembly (game-wasm-run.ts) reading the store, the frames and the view where they are, its
// frames are blocks of the arena (FrameMemory) and its message is written into a block there
// too. The JavaScript kernels stay for what a run hands back to the walk (update, delta, enter).
//
// Only on shared memory: a grown shared memory keeps the views made before it valid (a growth of
// an unshared one detaches them), and the engine's arena is always shared in Node.

import { StateError } from '../core/errors.js';
import type { Game, GameDeclaration } from '../core/game.js';
import type { GameStore } from '../core/game-store.js';
import type { Arena, Region } from '../wasm/arena.js';
import { BitStreamWriter } from './bit-stream.js';
import type { FrameBlock, FrameMemory } from './game-frames.js';
import { TABLE_MAX, TIER_BITS, TIER_CODE } from './game-kernel-source.js';
import type { RunKernel, TypeKernels, WalkState } from './game-kernels.js';
import { assembleRuns, WALK, WALK_WORDS } from './game-wasm-run.js';
import { zoneOrigin, type ZoneSource } from './update-zones.js';

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
        const region = arena.allocate(`game-frame-${++blocks}`, bytes);
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
  const scratch = scratchOf(arena);
  let byZones = storeRuns.get(store);
  if (!byZones) {
    byZones = new Map();
    storeRuns.set(store, byZones);
  }
  const key = zones ? zones.key : '';
  let runs = byZones.get(key);
  if (!runs) {
    runs = new StoreRuns(arena, game as Game, store as unknown as GameStore, scratch, zones);
    byZones.set(key, runs);
  }
  const r = runs;
  return {
    frames: scratch.frames,
    writer(capacityBytes: number): BitStreamWriter {
      let w = scratch.writers.get(capacityBytes);
      if (!w) {
        const region = arena.allocate(`game-wasm-writer-${++blocks}`, BitStreamWriter.wordsFor(capacityBytes) * 4);
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
      const run: RunKernel = fn ? (s, w) => this.run(fn, s, w) : k.run;
      return { update: k.update, delta: k.delta, enter: k.enter, run };
    });
  }

  private run(fn: (state: number) => void, s: WalkState, w: BitStreamWriter): void {
    if (s !== this.boundWalk || s.epoch !== this.boundEpoch) this.bind(s, w);
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
    // Addresses in the arena's memory, or the kernel would write where they point in it.
    for (const a of [s.fSlot, s.codes, s.bSlot, s.bCodes, w.words]) {
      if (!(a.buffer instanceof SharedArrayBuffer)) throw new StateError('a WebAssembly run kernel was handed arrays outside its arena');
    }
    const st = this.state;
    const n = s.count;
    if (this.order.length < n) {
      if (this.orderRegion) this.arena.release(this.orderRegion);
      const length = Math.max(n, Math.ceil(this.order.length * 1.5), 64);
      this.orderRegion = this.arena.allocate(`game-wasm-view-${++blocks}`, length * 4);
      this.order = new Uint32Array(this.arena.memoryBuffer, this.orderRegion.ptr, length);
    }
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
    this.boundWalk = s;
    this.boundEpoch = s.epoch;
  }
}
