// Where the encoder's WebAssembly kernels (game-wasm-kernels.ts) keep their frames, view copy
// and message: blocks of a shared WebAssembly memory that also holds the store. On the main
// thread the engine's arena hands them out (arenaHeap); an encode worker, which must not
// allocate in the arena the main thread owns, gets one block of it at start and hands out its
// own blocks from within it (BlockHeap). Either throws ArenaOutOfMemoryError when it has no
// room; the encoder then keeps that frame in the JavaScript heap.

import { ArenaOutOfMemoryError } from '../core/errors.js';
import type { Arena } from '../wasm/arena.js';

export interface KernelHeap {
  /** The shared memory the kernels import. */
  readonly memory: WebAssembly.Memory;
  readonly maximumPages: number;
  /** Whether `view` looks at this memory. */
  holds(view: ArrayBufferView): boolean;
  /** A zeroed block of `bytes` (16-byte aligned): its address; free() gives it back. */
  take(bytes: number): { readonly ptr: number; free(): void };
}

const arenaHeaps = new WeakMap<Arena, KernelHeap>();
let blockNames = 0;

/** The arena's own allocator as a kernel heap (one per arena). */
export function arenaHeap(arena: Arena): KernelHeap {
  let heap = arenaHeaps.get(arena);
  if (heap) return heap;
  heap = {
    memory: arena.wasm.memory,
    maximumPages: arena.wasm.maximumPages,
    holds: (view) => arena.holds(view),
    take(bytes) {
      const region = arena.allocate(`game-encoder-${++blockNames}`, bytes);
      let held = true;
      return {
        ptr: region.ptr,
        free() {
          if (!held) return;
          held = false;
          arena.release(region);
        },
      };
    },
  };
  arenaHeaps.set(arena, heap);
  return heap;
}

const ALIGN = 16;

/**
 * Blocks handed out from one fixed block of a shared memory: first fit, freed blocks merged with
 * their neighbours. An encode worker's: `alias` is the buffer its store's views are made on, which
 * the main thread checked is this memory's (the worker must not check by flipping a byte of the
 * store, which the main thread may be reading at that moment).
 */
export class BlockHeap implements KernelHeap {
  /** Free runs [ptr, bytes], by address. */
  private readonly free: [number, number][];

  constructor(readonly memory: WebAssembly.Memory, readonly maximumPages: number, readonly base: number, readonly bytes: number, private readonly alias: ArrayBufferLike) {
    const start = Math.ceil(base / ALIGN) * ALIGN;
    this.free = [[start, Math.floor((base + bytes - start) / ALIGN) * ALIGN]];
  }

  holds(view: ArrayBufferView): boolean {
    return view.byteLength > 0 && (view.buffer === this.alias || view.buffer === this.memory.buffer) && view.byteOffset + view.byteLength <= this.memory.buffer.byteLength;
  }

  /** Bytes free now. */
  get freeBytes(): number {
    return this.free.reduce((n, [, b]) => n + b, 0);
  }

  take(bytes: number): { readonly ptr: number; free(): void } {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    const i = this.free.findIndex(([, b]) => b >= size);
    if (i < 0) throw new ArenaOutOfMemoryError(size, this.bytes);
    const run = this.free[i]!;
    const ptr = run[0];
    if (run[1] === size) this.free.splice(i, 1);
    else {
      run[0] += size;
      run[1] -= size;
    }
    new Uint8Array(this.memory.buffer, ptr, size).fill(0);
    let held = true;
    return {
      ptr,
      free: () => {
        if (!held) return;
        held = false;
        this.give(ptr, size);
      },
    };
  }

  private give(ptr: number, size: number): void {
    const free = this.free;
    let i = 0;
    while (i < free.length && free[i]![0] < ptr) i++;
    free.splice(i, 0, [ptr, size]);
    const next = free[i + 1];
    if (next && ptr + size === next[0]) {
      free[i]![1] += next[1];
      free.splice(i + 1, 1);
    }
    const prev = free[i - 1];
    if (prev && prev[0] + prev[1] === ptr) {
      prev[1] += free[i]![1];
      free.splice(i, 1);
    }
  }
}
