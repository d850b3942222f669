// Every u32 of the arena's memory as one typed array, rebuilt when memory grows (per-client
// reads then need no DataView or region lookup each).

import type { Arena } from '../wasm/arena.js';

export class ArenaWords {
  private words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  private generation = -1;

  constructor(private readonly arena: Arena) {}

  /** The memory as u32s (index = byte offset >>> 2), valid until memory next grows. */
  get u32(): Uint32Array {
    const generation = this.arena.generation;
    if (generation !== this.generation) {
      this.words = new Uint32Array(this.arena.memoryBuffer);
      this.generation = generation;
    }
    return this.words;
  }
}
