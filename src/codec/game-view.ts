// What the game snapshot encoder (game-snapshot.ts) learns of a client's view before it walks
// it: the slots in ascending order (the walk merges them with the baseline's), and one pass over
// them for the codes their records take (so the frame holds what this view needs, not a worst
// case of the longest record) and whether runs of one type are long enough to pay for the run
// kernels' handover: at least three entities in four followed by one of the same type (a mean
// run of four or more). A homogeneous crowd is; a view of props, creatures and pickups side by
// side is not, and is walked entity by entity.

import { InvalidArgumentError } from '../core/errors.js';

export class ViewSurvey {
  /** Whether the last surveyed view hands runs to the run kernels. */
  runs = false;
  /** The codes the last surveyed view's records take. */
  codes = 0;
  private order = new Uint32Array(0);

  /** Bytes its scratch holds. */
  get bytes(): number {
    return this.order.byteLength;
  }

  /** The view's slots in ascending order (the caller's array when it already is). */
  sorted(slots: ArrayLike<number>, count: number): ArrayLike<number> {
    let ascending = true;
    for (let i = 1; i < count && ascending; i++) ascending = slots[i - 1]! < slots[i]!;
    if (ascending) return slots;
    if (this.order.length < count) this.order = new Uint32Array(Math.max(count, this.order.length * 2));
    const o = this.order.subarray(0, count);
    for (let i = 0; i < count; i++) o[i] = slots[i]!;
    o.sort();
    for (let i = 1; i < count; i++) if (o[i] === o[i - 1]) throw new InvalidArgumentError(`slot ${o[i]} is in the view twice`);
    return o;
  }

  /**
   * Surveys `order[0 .. count)` as a client owning `owner` sees it: `recordFields[type * 2 +
   * owned]` codes per record, `longest` for an empty slot (the walk refuses it).
   */
  survey(store: { readonly typeColumn: Uint32Array; readonly ownerColumn: Uint32Array }, owner: number, recordFields: Int32Array, longest: number, order: ArrayLike<number>, count: number): void {
    const typeCol = store.typeColumn;
    const ownerCol = store.ownerColumn;
    let same = 0;
    let codes = 0;
    let prev = -1;
    for (let i = 0; i < count; i++) {
      const slot = order[i]!;
      const t = typeCol[slot]!;
      if (t === prev) same++;
      prev = t;
      codes += t === 0 ? longest : recordFields[(t - 1) * 2 + (owner !== 0 && ownerCol[slot] === owner ? 1 : 0)]!;
    }
    this.runs = same * 4 >= count * 3;
    this.codes = codes;
  }
}
