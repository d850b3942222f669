// How far a declared game's entities moved since the last tick, for DeclaredInterest's reused
// views (declared-viewer.ts). A view's candidates are what its discovery query found within
// its outer radius plus a pad; they stay complete as long as nothing outside them could have
// come within the outer radius, which this bounds: `drift` sums, tick by tick, the longest step
// any entity took (L1, metres: never less than the straight-line distance). An entity that
// appeared in a slot empty at the last pass, or took a step longer than `jumpM` (a respawn, a
// teleport), is not counted there but listed as a jumper, to be offered to the views it may be
// near at once: one teleport does not exhaust every view's pad.
//
// Views are by slot, so what is in a slot matters, not who: an entity despawned and another
// spawned in its slot within a tick is that slot's step (a jumper if it is a long one).

export interface DriftSource {
  readonly typeColumn: Uint32Array;
  readonly highWater: number;
  readonly capacity: number;
}

export class StoreDrift {
  /** Sum over passes of the longest ordinary step, metres: views compare it with what it was at their discovery. */
  drift = 0;
  /** Slots whose entity appeared or jumped in the last pass: jumpers[0 .. jumperCount). */
  jumpers: Uint32Array;
  jumperCount = 0;
  /**
   * By slot, interleaved (one stream of memory, not several): x, y (and z, in a world that is
   * not flat) at the last pass, and 1 where the slot held an entity then.
   */
  private readonly prev: Int32Array;
  private readonly stride: number;
  private lastHigh = 0;
  /** A step at least this long (Q16 metres, L1) makes a jumper. */
  private readonly jumpQ: number;

  constructor(
    private readonly store: DriftSource,
    private readonly x: Int32Array,
    private readonly y: Int32Array,
    /** Null: a flat world (every z is 0, not read). */
    private readonly z: Int32Array | null,
    jumpM: number,
  ) {
    this.stride = z ? 4 : 3;
    this.prev = new Int32Array(store.capacity * this.stride);
    this.jumpers = new Uint32Array(64);
    this.jumpQ = jumpM * 65536;
  }

  /**
   * Compares every slot with the last pass: adds the longest ordinary step to `drift` and lists
   * the jumpers. One pass over the store's slots (a millisecond for 100,000 on this machine).
   */
  pass(): void {
    const high = this.store.highWater;
    const stride = this.stride;
    // Slots past a high water that came down held nothing since: they start empty again.
    for (let s = high; s < this.lastHigh; s++) this.prev[s * stride + stride - 1] = 0;
    this.lastHigh = high;
    const longest = this.z ? this.pass3(high) : this.pass2(high);
    this.drift += longest / 65536;
  }

  /** A flat world: x and y. Returns the longest ordinary step (Q16). */
  private pass2(high: number): number {
    const types = this.store.typeColumn;
    const { x, y, prev, jumpQ } = this;
    let longest = 0;
    let jumpers = 0;
    for (let s = 0, p = 0; s < high; s++, p += 3) {
      if (types[s] === 0) {
        prev[p + 2] = 0;
        continue;
      }
      const cx = x[s]!, cy = y[s]!;
      if (prev[p + 2] === 0) {
        prev[p + 2] = 1;
        jumpers = this.list(jumpers, s);
      } else {
        // In doubles: a step across a Q16 world can pass 2^31.
        const step = Math.abs(cx - prev[p]!) + Math.abs(cy - prev[p + 1]!);
        if (step >= jumpQ) jumpers = this.list(jumpers, s);
        else if (step > longest) longest = step;
      }
      prev[p] = cx;
      prev[p + 1] = cy;
    }
    this.jumperCount = jumpers;
    return longest;
  }

  /** x, y and z. Returns the longest ordinary step (Q16). */
  private pass3(high: number): number {
    const types = this.store.typeColumn;
    const { x, y, prev, jumpQ } = this;
    const z = this.z!;
    let longest = 0;
    let jumpers = 0;
    for (let s = 0, p = 0; s < high; s++, p += 4) {
      if (types[s] === 0) {
        prev[p + 3] = 0;
        continue;
      }
      const cx = x[s]!, cy = y[s]!, cz = z[s]!;
      if (prev[p + 3] === 0) {
        prev[p + 3] = 1;
        jumpers = this.list(jumpers, s);
      } else {
        const step = Math.abs(cx - prev[p]!) + Math.abs(cy - prev[p + 1]!) + Math.abs(cz - prev[p + 2]!);
        if (step >= jumpQ) jumpers = this.list(jumpers, s);
        else if (step > longest) longest = step;
      }
      prev[p] = cx;
      prev[p + 1] = cy;
      prev[p + 2] = cz;
    }
    this.jumperCount = jumpers;
    return longest;
  }

  private list(n: number, slot: number): number {
    if (n === this.jumpers.length) {
      const grown = new Uint32Array(n * 2);
      grown.set(this.jumpers);
      this.jumpers = grown;
    }
    this.jumpers[n] = slot;
    return n + 1;
  }
}
