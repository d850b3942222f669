// What the game snapshot encoder (game-snapshot.ts) does when a message's byte budget cannot hold
// everything that changed: a planning pass measures every candidate record into a scratch
// stream and notes its priority here, then choose() picks records by priority until the budget
// is spent (leaves first, then entities entering the view, then updates by how many ticks since
// the client last got one, so none starves); the last pass writes the chosen ones.

import { BitStreamWriter } from './bit-stream.js';

/** Priorities above any update's age: a leave frees a slot for almost nothing, an enter shows what is new. */
export const LEAVE_PRIORITY = 2 ** 31;
export const ENTER_PRIORITY = 2 ** 30;
/** Candidates per message are below this (two per view entry at most): the sort key's tie-break. */
const CANDIDATE_SPAN = 2 ** 17;
/** A gap's tiered code grows by at most this when the records between are left out (up to 266). */
const GAP_MARGIN_BITS = 11;

/** The planning pass's measure of each candidate record, in walk order, and the choice made from it. */
export class BudgetPlan {
  count = 0;
  bits = new Uint32Array(0);
  priority = new Float64Array(0);
  keys = new Float64Array(0);
  private chosen = new Uint8Array(0);
  private scratch: BitStreamWriter | null = null;

  reset(most: number): void {
    this.count = 0;
    if (this.bits.length < most) {
      this.bits = new Uint32Array(most);
      this.priority = new Float64Array(most);
      this.keys = new Float64Array(most);
    }
  }

  note(candidate: number, bits: number, priority: number): void {
    this.bits[candidate] = bits;
    this.priority[candidate] = priority;
    this.count = candidate + 1;
  }

  /** Bytes held (the planning arrays and the scratch stream). */
  get bytes(): number {
    return this.bits.byteLength + this.priority.byteLength + this.keys.byteLength + this.chosen.byteLength + (this.scratch?.bytes.byteLength ?? 0);
  }

  /** The planning pass's stream: room for `records` records of at most `worstBits` each. */
  writer(records: number, worstBits: number): BitStreamWriter {
    const bytes = Math.ceil((records * worstBits) / 8);
    if (!this.scratch || this.scratch.capacityBits < bytes * 8) this.scratch = new BitStreamWriter(bytes);
    return this.scratch;
  }

  /** Picks the planned candidates by priority until `limit` bits are spent: chosen[i] is 1 for those. */
  choose(limit: number): Uint8Array {
    const n = this.count;
    if (this.chosen.length < n) this.chosen = new Uint8Array(Math.max(n, this.chosen.length * 2));
    const chosen = this.chosen;
    chosen.fill(0, 0, n);
    const keys = this.keys.subarray(0, n);
    for (let i = 0; i < n; i++) keys[i] = this.priority[i]! * CANDIDATE_SPAN + (CANDIDATE_SPAN - 1 - i);
    keys.sort();
    let budget = limit;
    for (let r = n - 1; r >= 0 && budget > 0; r--) {
      const i = CANDIDATE_SPAN - 1 - (keys[r]! % CANDIDATE_SPAN);
      // A chosen record's gap can only grow when others are left out: room for the longest one.
      const cost = this.bits[i]! + GAP_MARGIN_BITS;
      if (cost > budget) continue;
      budget -= cost;
      chosen[i] = 1;
    }
    return chosen;
  }
}
