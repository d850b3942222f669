// One viewer's state in DeclaredInterest: its candidates, ascending by slot, each with whether it
// was in the last view (the hysteresis band keeps only those). A discovery fills the candidates
// with what a spatial query finds within the outer radius plus a pad, around the viewer's point
// then; until the pad is used up (by the viewer's own movement and the world's drift,
// declared-drift.ts), every tick's view is a pass over them, no query: whatever is not a
// candidate cannot have come within the outer radius. A jumper (an entity that appeared or
// teleported) near the discovery point is added at once (add()).

import { MAX_ENTITIES } from '../core/entity-id.js';

/** Slots are below this (MAX_ENTITIES): keepNearest() packs a distance and a slot into one number with it. */
const SLOT_SPAN = MAX_ENTITIES;
const INV_Q16 = 1 / 65536;

export class Viewer {
  /** Candidates' slots, ascending, and 1 where the slot was in the last view. */
  slots: Uint32Array;
  held: Uint8Array;
  count = 0;
  /** The discovery's centre (metres, inside the bounds), and the world's drift then. */
  x = 0;
  y = 0;
  z = 0;
  drift = 0;
  /** The epoch of DeclaredInterest it was discovered in: an older one is discovered again. */
  epoch = -1;
  /** Candidates right after the discovery (jumpers added since make more). */
  discovered = 0;
  /** The view's outer edge at the discovery, metres: a view that widened past it discovers again. */
  outerAt = 0;
  /** Its radius and band as a share of the full ones: below 1 in a crowd (DeclaredInterest's `crowd`). */
  scale = 1;
  /** The scale its last view was taken at (scale has moved on for the next since). */
  takenAt = 1;

  constructor(capacity = 64) {
    this.slots = new Uint32Array(capacity);
    this.held = new Uint8Array(capacity);
  }

  /** Bytes it holds. */
  get bytes(): number {
    return this.slots.byteLength + this.held.byteLength;
  }

  /** Room for n candidates; the contents are kept. */
  reserve(n: number): void {
    if (this.slots.length >= n) return;
    const size = Math.max(n, this.slots.length * 2);
    const slots = new Uint32Array(size);
    slots.set(this.slots.subarray(0, this.count));
    const held = new Uint8Array(size);
    held.set(this.held.subarray(0, this.count));
    this.slots = slots;
    this.held = held;
  }

  /** Adds `slot` as a candidate not in the last view, in order (nothing when it is one already). */
  add(slot: number): boolean {
    const slots = this.slots;
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (slots[mid]! < slot) lo = mid + 1;
      else hi = mid;
    }
    if (lo < this.count && slots[lo] === slot) return false;
    this.reserve(this.count + 1);
    this.slots.copyWithin(lo + 1, lo, this.count);
    this.held.copyWithin(lo + 1, lo, this.count);
    this.slots[lo] = slot;
    this.held[lo] = 0;
    this.count++;
    return true;
  }
}

/**
 * Sorts found[0 .. n) ascending and makes it the viewer's candidates, each held where it was
 * held before. Most of what a discovery finds was a candidate before, in order: those are
 * taken in that order and merged with the few new ones, sorted alone (about four passes, where
 * a sort of the whole list was a tenth of a server's tick). `marks` is a column of the store's
 * size; stamp() gives a value no slot of it bears.
 */
export function rediscover(v: Viewer, found: Uint32Array, n: number, marks: Uint32Array, stamp: () => number, scratch: { kept: Uint32Array; fresh: Uint32Array; keptHeld: Uint8Array }): void {
  const inFound = stamp();
  for (let i = 0; i < n; i++) marks[found[i]!] = inFound;
  if (scratch.kept.length < n) {
    scratch.kept = new Uint32Array(Math.max(64, n * 2));
    scratch.fresh = new Uint32Array(Math.max(64, n * 2));
    scratch.keptHeld = new Uint8Array(Math.max(64, n * 2));
  }
  const { kept, fresh, keptHeld } = scratch;
  const stayed = stamp();
  let k = 0;
  for (let i = 0; i < v.count; i++) {
    const s = v.slots[i]!;
    if (marks[s] === inFound) {
      kept[k] = s;
      keptHeld[k++] = v.held[i]!;
      marks[s] = stayed;
    }
  }
  let e = 0;
  for (let i = 0; i < n; i++) {
    const s = found[i]!;
    if (marks[s] !== stayed) fresh[e++] = s;
  }
  if (e > 1) fresh.subarray(0, e).sort();
  v.reserve(n);
  const slots = v.slots;
  const held = v.held;
  let i = 0;
  let j = 0;
  let o = 0;
  while (i < k && j < e) {
    if (kept[i]! < fresh[j]!) {
      held[o] = keptHeld[i]!;
      slots[o++] = kept[i++]!;
    } else {
      held[o] = 0;
      slots[o++] = fresh[j++]!;
    }
  }
  while (i < k) {
    held[o] = keptHeld[i]!;
    slots[o++] = kept[i++]!;
  }
  while (j < e) {
    held[o] = 0;
    slots[o++] = fresh[j++]!;
  }
  v.count = o;
  v.discovered = o;
}

/**
 * The `out.length` nearest of the view's `members` candidates (held), ascending by slot into
 * `out`; the others leave the view (a crowd past the view capacity: it keeps what is closest,
 * not the lowest slots, and never drops the viewer's own avatar). xs, ys, zs: the position
 * columns (Q16.16 metres); `marks` a column of the store's size, `chosen` a stamp no slot bears.
 */
export function keepNearest(v: Viewer, xs: Int32Array, ys: Int32Array, zs: Int32Array, px: number, py: number, pz: number, out: Uint32Array, members: number, scratch: { keys: Float64Array }, marks: Uint32Array, chosen: number): number {
  if (scratch.keys.length < members) scratch.keys = new Float64Array(members * 2);
  const keys = scratch.keys;
  let m = 0;
  for (let k = 0; k < v.count; k++) {
    if (v.held[k] !== 1) continue;
    const s = v.slots[k]!;
    const dx = xs[s]! * INV_Q16 - px;
    const dy = ys[s]! * INV_Q16 - py;
    const dz = zs[s]! * INV_Q16 - pz;
    // Distance (in 1/16 m², exact below 23 km) then slot, in one number a numeric sort orders.
    keys[m++] = Math.floor((dx * dx + dy * dy + dz * dz) * 16) * SLOT_SPAN + s;
  }
  keys.subarray(0, m).sort();
  const room = out.length;
  for (let i = 0; i < room; i++) marks[keys[i]! % SLOT_SPAN] = chosen;
  let count = 0;
  for (let k = 0; k < v.count; k++) {
    if (v.held[k] !== 1) continue;
    const s = v.slots[k]!;
    if (marks[s] === chosen) out[count++] = s;
    else v.held[k] = 0;
  }
  return count;
}
