// The scratch every GameReplicator of a thread shares (game-snapshot.ts): the bit writer a
// message is built in (one per message capacity) and the planning of a view over budget.
// Encoding is synchronous and never reentered, so one of each serves every replicator.

import { BitStreamWriter } from './bit-stream.js';
import { BudgetPlan } from './game-budget.js';

/** The thread's planning scratch and bit writers (by capacity), shared by its replicators. */
export const THREAD_PLAN = new BudgetPlan();
const threadWriters = new Map<number, BitStreamWriter>();

export function threadWriter(capacityBytes: number): BitStreamWriter {
  let w = threadWriters.get(capacityBytes);
  if (!w) {
    w = new BitStreamWriter(capacityBytes);
    threadWriters.set(capacityBytes, w);
  }
  return w;
}

/** Bytes of the scratch every replicator of this thread shares (the writers and the planning). */
export function sharedEncodeBytes(): number {
  let n = THREAD_PLAN.bytes;
  for (const w of threadWriters.values()) n += w.bytes.byteLength;
  return n;
}
