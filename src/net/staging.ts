// Where unreliable messages wait between `send` and the next flush: one growable byte buffer per
// endpoint, emptied after every flush round. Copying a message here is one memcpy and no
// allocation once the buffer has grown to the largest round; a broadcast is copied once and
// queued by offset on every connection.

/** Small at first (a client endpoint rarely needs more); it doubles as a round needs. */
const INITIAL_BYTES = 4 << 10;

export class Staging {
  bytes = new Uint8Array(INITIAL_BYTES);
  used = 0;
  /** Most bytes ever staged in one round (for metrics). */
  highWater = 0;

  /** Copies `src` in; returns its offset (valid until `reset`). */
  stage(src: Uint8Array): number {
    const need = this.used + src.length;
    if (need > this.bytes.length) {
      let size = this.bytes.length * 2;
      while (size < need) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    const off = this.used;
    this.bytes.set(src, off);
    this.used = need;
    if (need > this.highWater) this.highWater = need;
    return off;
  }

  reset(): void {
    this.used = 0;
  }
}
