// What the game snapshot encoder (game-snapshot.ts) learns of a client's view before it walks
// it: the slots in ascending order (the walk merges them with the baseline's), and one pass over
// them for the codes their records take (so the frame holds what this view needs, not a worst
// case of the longest record) and whether runs of one type are long enough to pay for the run
// kernels' handover: at least three entities in four followed by one of the same type (a mean
// run of four or more). A homogeneous crowd is; a view of props, creatures and pickups side by
// side is not, and is walked entity by entity.

import { InvalidArgumentError } from '../core/errors.js';
import type { GameFrame, Leavers } from './game-frames.js';

/** Bitmap words per entity in view up to which a view is sorted through a bitmap of the slots. */
export const VIEW_BITMAP_DENSITY = 8;
/** Bits a radix pass sorts by (a sparser view is sorted by radix: slots are below 2^20, three passes at most). */
const RADIX_BITS = 7;
const RADIX_MASK = (1 << RADIX_BITS) - 1;

/** Scratch bitmap shared by every view in this thread (encoding is synchronous, never reentered). */
let bitmap = new Uint32Array(1024);

/** A slot at or past the high water mark has never held an entity. */
function checkBelow(slot: number, highWater: number): void {
  if (slot >= highWater) throw new InvalidArgumentError(`slot ${slot} in the view is empty (at or past the high water mark, ${highWater})`);
}

/**
 * slots[0 .. count) into `out` in ascending order by setting their bits and reading them back:
 * count + words steps (TypedArray sort took 3.9 us for Skyworld's 142-entity views). A slot at
 * or past the high water is empty (the walk would refuse it); one that is not an integer, or
 * is there twice, is refused here.
 */
function bitmapSort(slots: ArrayLike<number>, count: number, highWater: number, words: number, out: Uint32Array): void {
  if (bitmap.length < words) bitmap = new Uint32Array(Math.max(words, bitmap.length * 2));
  const bm = bitmap;
  bm.fill(0, 0, words);
  for (let i = 0; i < count; i++) {
    const s = slots[i]!;
    if (s >>> 0 !== s) throw new InvalidArgumentError(`slot ${s} in the view is not a slot`);
    checkBelow(s, highWater);
    const bit = 1 << (s & 31);
    const w = s >>> 5;
    if ((bm[w]! & bit) !== 0) throw new InvalidArgumentError(`slot ${s} is in the view twice`);
    bm[w] = bm[w]! | bit;
  }
  let k = 0;
  for (let w = 0; w < words && k < count; w++) {
    let v = bm[w]!;
    while (v !== 0) {
      const low = v & -v;
      out[k++] = (w << 5) | (31 - Math.clz32(low));
      v ^= low;
    }
  }
}

/** Radix sort scratch, shared like the bitmap: the other buffer of the passes, and one pass's counts. */
let spare = new Uint32Array(256);
const counts = new Uint32Array(1 << RADIX_BITS);

/**
 * slots[0 .. count) into `out` in ascending order, least significant RADIX_BITS first: as many
 * passes as the high water's bits take (three for a million slots), each count + 128 steps,
 * for views too sparse for the bitmap (a few hundred of a hundred thousand: TypedArray sort took
 * 2 to 4 us there). Checks as bitmapSort does.
 */
function radixSort(slots: ArrayLike<number>, count: number, highWater: number, out: Uint32Array): void {
  if (spare.length < count) spare = new Uint32Array(Math.max(count, spare.length * 2));
  for (let i = 0; i < count; i++) {
    const s = slots[i]!;
    if (s >>> 0 !== s) throw new InvalidArgumentError(`slot ${s} in the view is not a slot`);
    checkBelow(s, highWater);
    out[i] = s;
  }
  const passes = Math.max(1, Math.ceil((32 - Math.clz32(Math.max(1, highWater - 1))) / RADIX_BITS));
  let from: Uint32Array<ArrayBufferLike> = out;
  let to: Uint32Array<ArrayBufferLike> = spare;
  for (let pass = 0, shift = 0; pass < passes; pass++, shift += RADIX_BITS) {
    counts.fill(0);
    for (let i = 0; i < count; i++) counts[(from[i]! >>> shift) & RADIX_MASK]!++;
    let sum = 0;
    for (let d = 0; d <= RADIX_MASK; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < count; i++) {
      const v = from[i]!;
      to[counts[(v >>> shift) & RADIX_MASK]!++] = v;
    }
    const t = from;
    from = to;
    to = t;
  }
  if (from !== out) out.set(from.subarray(0, count));
  for (let i = 1; i < count; i++) if (out[i] === out[i - 1]) throw new InvalidArgumentError(`slot ${out[i]} is in the view twice`);
}

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

  /**
   * The view's slots in ascending order (the caller's array when it already is). `highWater`:
   * the store's slots ever used (every live slot is below it). A view that is dense against it
   * (at most VIEW_BITMAP_DENSITY words of a bitmap of the slots per entity in view, the common
   * case: a world of thousands, views of hundreds) is sorted through that bitmap, in time
   * linear in both; a sparse one by radix, in time linear in the view.
   */
  sorted(slots: ArrayLike<number>, count: number, highWater: number): ArrayLike<number> {
    if (count === 0) return slots;
    let ascending = slots[0]! >>> 0 === slots[0];
    for (let i = 1; i < count && ascending; i++) ascending = slots[i - 1]! < slots[i]! && slots[i]! >>> 0 === slots[i];
    if (ascending) {
      checkBelow(slots[count - 1]!, highWater);
      return slots;
    }
    if (this.order.length < count) this.order = new Uint32Array(Math.max(count, this.order.length * 2));
    const o = this.order.subarray(0, count);
    const words = (highWater + 31) >>> 5;
    if (words <= count * VIEW_BITMAP_DENSITY) {
      bitmapSort(slots, count, highWater, words, o);
      return o;
    }
    radixSort(slots, count, highWater, o);
    return o;
  }

  /**
   * sorted(), survey() and measureLeavers() (game-frames.ts) in one pass, for a view that is
   * ascending already (DeclaredInterest hands them so): the slots checked, the codes and runs
   * counted, and the baseline's entities not in the view (and their codes) into `leavers`, each
   * slot read once. False, having changed nothing, when the view is not ascending: the caller
   * sorts and surveys it apart.
   */
  surveyAscending(slots: ArrayLike<number>, count: number, highWater: number, store: { readonly typeColumn: Uint32Array; readonly ownerColumn: Uint32Array }, owner: number, recordFields: Int32Array, longest: number, base: GameFrame | null, leavers: Leavers): boolean {
    const typeCol = store.typeColumn;
    const ownerCol = store.ownerColumn;
    const bn = base ? base.count : 0;
    const bSlot = base ? base.slot : null;
    const bAt = base ? base.at : null;
    let same = 0;
    let codes = 0;
    let prevType = -1;
    let prevSlot = -1;
    let j = 0;
    let entries = 0;
    let leaving = 0;
    for (let i = 0; i < count; i++) {
      const slot = slots[i]!;
      if (!(slot > prevSlot) || slot >>> 0 !== slot) return false;
      prevSlot = slot;
      const t = typeCol[slot]!;
      if (t === prevType) same++;
      prevType = t;
      codes += t === 0 ? longest : recordFields[(t - 1) * 2 + (owner !== 0 && ownerCol[slot] === owner ? 1 : 0)]!;
      if (j < bn) {
        // The baseline's entities before this slot left the view.
        while (j < bn && bSlot![j]! < slot) {
          entries++;
          leaving += (j + 1 < bn ? bAt![j + 1]! : base!.used) - bAt![j]!;
          j++;
        }
        if (j < bn && bSlot![j] === slot) j++;
      }
    }
    if (count > 0) checkBelow(prevSlot, highWater);
    for (; j < bn; j++) {
      entries++;
      leaving += (j + 1 < bn ? bAt![j + 1]! : base!.used) - bAt![j]!;
    }
    this.runs = same * 4 >= count * 3;
    this.codes = codes;
    leavers.entries = entries;
    leavers.codes = leaving;
    return true;
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
