// The arena's memory as u32s and as bytes for per-client reads (no DataView or region lookup
// each). Shared memory never moves or shrinks: a view made before the memory grew still reads
// everything below its end, so a view is only rebuilt when an address beyond it is asked for.

import type { Arena } from '../wasm/arena.js';

export class ArenaWords {
  private words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  private octets: Uint8Array<ArrayBufferLike> = new Uint8Array(0);

  constructor(private readonly arena: Arena) {}

  /** The memory as u32s (index = byte offset >>> 2), covering at least bytes [0, end). */
  u32To(end: number): Uint32Array {
    if (end > this.octets.length) this.refresh();
    return this.words;
  }

  /** The memory as u32s as it is now (after allocations). */
  get u32(): Uint32Array {
    this.refresh();
    return this.words;
  }

  /** The memory as bytes as it is now. */
  get u8(): Uint8Array {
    this.refresh();
    return this.octets;
  }

  private refresh(): void {
    const buffer = this.arena.memoryBuffer;
    if (buffer.byteLength === this.octets.length && this.octets.buffer === buffer) return;
    this.words = new Uint32Array(buffer);
    this.octets = new Uint8Array(buffer);
  }
}
