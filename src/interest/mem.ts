// The arena's memory as u32s and as bytes, rebuilt when memory grows (per-client reads then
// need no DataView or region lookup each).

import type { Arena } from '../wasm/arena.js';

export class ArenaWords {
  private words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  private octets: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  private generation = -1;

  constructor(private readonly arena: Arena) {}

  /** The memory as u32s (index = byte offset >>> 2), valid until memory next grows. */
  get u32(): Uint32Array {
    if (this.arena.generation !== this.generation) this.refresh();
    return this.words;
  }

  /** The memory as bytes, valid until memory next grows. */
  get u8(): Uint8Array {
    if (this.arena.generation !== this.generation) this.refresh();
    return this.octets;
  }

  private refresh(): void {
    this.words = new Uint32Array(this.arena.memoryBuffer);
    this.octets = new Uint8Array(this.arena.memoryBuffer);
    this.generation = this.arena.generation;
  }
}
