// One tick of DeclaredHitboxes' history (declared-hitboxes.ts): where the entities a shot can
// hit were, in one of two layouts, and how a slot is found in it.

/**
 * One tick's entities, positions as stored (Q16), in one of two layouts:
 * - compact: the hittable entities alone, ascending by slot (entry i is slot[i]);
 * - dense: the store's columns copied whole up to its high water (entry i is slot i; an entry
 *   whose type is not hittable, or 0, is not there). Where most slots hold something hittable
 *   (a world of NPCs) a copy of four columns takes a fraction of picking them out one by one.
 */
export class HistoryEntry {
  tick = -1;
  count = 0;
  dense = false;
  slot = new Uint32Array(0);
  /** As the store holds it (masked where it is read). */
  generation = new Uint32Array(0);
  /** Type index + 1, as the store's type column holds it (its shape: a reused slot may change type). */
  type = new Uint32Array(0);
  x = new Int32Array(0);
  y = new Int32Array(0);
  z = new Int32Array(0);

  reserve(n: number, withSlots: boolean, withZ: boolean): void {
    if (this.x.length < n) {
      const size = Math.max(n, this.x.length * 2, 64);
      this.generation = new Uint32Array(size);
      this.type = new Uint32Array(size);
      this.x = new Int32Array(size);
      this.y = new Int32Array(size);
      if (withZ) this.z = new Int32Array(size);
    }
    if (withSlots && this.slot.length < this.x.length) this.slot = new Uint32Array(this.x.length);
  }

  get bytes(): number {
    return this.slot.byteLength + this.generation.byteLength + this.type.byteLength + this.x.byteLength * 2 + this.z.byteLength;
  }
}

/** An entry is recorded dense when at least this share of the slots up to the high water are hittable. */
export const DENSE_SHARE = 0.5;

/** Where `slot` is in an entry, or -1 (dense: the slot itself, where it held something hittable). */
export function indexOf(e: HistoryEntry, slot: number, hittable: Uint8Array): number {
  if (e.dense) {
    const t = slot < e.count ? e.type[slot]! : 0;
    return t !== 0 && hittable[t - 1] === 1 ? slot : -1;
  }
  let lo = 0;
  let hi = e.count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = e.slot[mid]!;
    if (s === slot) return mid;
    if (s < slot) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
