// How far a declared game's entities moved since the last tick, for DeclaredInterest's reused
// views (declared-viewer.ts). A view's candidates are what its discovery query found within
// its outer radius plus a pad; they stay complete as long as nothing outside them could have
// come within the outer radius, which this bounds: `drift` sums, tick by tick, the longest step
// any entity took (L1, metres: never less than the straight-line distance). An entity that
// appeared in a slot (spawned, or a new generation) or took a step longer than `jumpM` (a
// respawn, a teleport) is not counted there but listed as a jumper, to be offered to the views
// it may be near at once: one teleport does not exhaust every view's pad.

import { GENERATION_MASK } from '../core/entity-id.js';

/** prevGeneration of a slot that held nothing at the last pass. */
const EMPTY = -1;

export interface DriftSource {
  readonly typeColumn: Uint32Array;
  readonly generationColumn: Uint32Array;
  readonly highWater: number;
  readonly capacity: number;
}

export class StoreDrift {
  /** Sum over passes of the longest ordinary step, metres: views compare it with what it was at their discovery. */
  drift = 0;
  /** Slots whose entity appeared or jumped in the last pass: jumpers[0 .. jumperCount). */
  jumpers: Uint32Array;
  jumperCount = 0;
  /** By slot, interleaved (one stream of memory, not four): x, y, z at the last pass, and the generation then (EMPTY: none). */
  private readonly prev: Int32Array;
  private lastHigh = 0;
  /** A step at least this long (Q16 metres, L1) makes a jumper. */
  private readonly jumpQ: number;

  constructor(
    private readonly store: DriftSource,
    private readonly x: Int32Array,
    private readonly y: Int32Array,
    private readonly z: Int32Array,
    jumpM: number,
  ) {
    this.prev = new Int32Array(store.capacity * 4);
    for (let i = 3; i < this.prev.length; i += 4) this.prev[i] = EMPTY;
    this.jumpers = new Uint32Array(64);
    this.jumpQ = jumpM * 65536;
  }

  /**
   * Compares every slot with the last pass: adds the longest ordinary step to `drift` and lists
   * the jumpers. One pass over the store's slots (about a third of a millisecond for 100,000).
   */
  pass(): void {
    const types = this.store.typeColumn;
    const gens = this.store.generationColumn;
    const { x, y, z, prev } = this;
    const jumpQ = this.jumpQ;
    const high = this.store.highWater;
    // Slots past a high water that came down held nothing since: they start empty again.
    for (let s = high; s < this.lastHigh; s++) prev[s * 4 + 3] = EMPTY;
    this.lastHigh = high;
    let longest = 0;
    let jumpers = 0;
    // Every entity, a position or not (one without is in no view: offered as a jumper, it is left out there).
    for (let s = 0, p = 0; s < high; s++, p += 4) {
      if (types[s] === 0) {
        prev[p + 3] = EMPTY;
        continue;
      }
      const g = gens[s]! & GENERATION_MASK;
      const cx = x[s]!, cy = y[s]!, cz = z[s]!;
      if (prev[p + 3] !== g) {
        prev[p + 3] = g;
        jumpers = this.list(jumpers, s);
      } else {
        // In doubles: a step across a Q16 world can pass 2^31.
        const step = Math.abs(cx - prev[p]!) + Math.abs(cy - prev[p + 1]!) + Math.abs(cz - prev[p + 2]!);
        if (step >= jumpQ) jumpers = this.list(jumpers, s);
        else if (step > longest) longest = step;
      }
      prev[p] = cx;
      prev[p + 1] = cy;
      prev[p + 2] = cz;
    }
    this.jumperCount = jumpers;
    this.drift += longest / 65536;
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
