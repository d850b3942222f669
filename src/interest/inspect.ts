// Reading a client block for inspection and metrics (allocates: tests, tools, /metrics, the
// demo's debug overlay), never on the per-tick path.

import { C, CC, CH_BYTES, COL, E, ENTRY_BYTES, NONE, ST_FREE, entriesOffset } from './layout.js';
import type { ClientCounters, ViewEntry } from './types.js';

/** The entries of a client block (dv spans the block) of view capacity v. */
export function viewEntries(dv: DataView, v: number): ViewEntry[] {
  const hw = dv.getUint32(C.hw, true);
  const colAt = (col: number, i: number): number => dv.getUint32(CH_BYTES + (col * v + i) * 4, true);
  const entryAt = (field: number, i: number): number => dv.getUint32(entriesOffset(v) + i * ENTRY_BYTES + field, true);
  const out: ViewEntry[] = [];
  for (let h = 0; h < hw; h++) {
    const meta = entryAt(E.meta, h);
    if ((meta & 0xff) === ST_FREE) continue;
    out.push({
      handle: h,
      slot: colAt(COL.slot, h),
      id: entryAt(E.id, h),
      state: (meta & 0xff) === 2 ? 'leaving' : 'visible',
      zone: (meta >> 8) & 0xff,
      due: colAt(COL.due, h),
      lastSent: entryAt(E.last, h),
      hasBaseline: entryAt(E.bsend, h) !== NONE,
    });
  }
  return out;
}

/** A client's counters from its block (dv spans the block). */
export function countersOf(dv: DataView): ClientCounters {
  const cc = (i: number): number => dv.getUint32(C.counters + i * 4, true);
  return {
    messages: cc(CC.messages),
    bytes: dv.getFloat64(C.bytes, true),
    enters: cc(CC.enters),
    leaves: cc(CC.leaves),
    leavesAcked: cc(CC.leavesAcked),
    fulls: cc(CC.fulls),
    deltas: cc(CC.deltas),
    deferred: cc(CC.deferred),
    acks: cc(CC.acks),
    ackStale: cc(CC.ackStale),
    ackExpired: cc(CC.ackExpired),
    viewFull: cc(CC.viewFull),
    fastInserts: cc(CC.fastInserts),
    eventsSent: cc(CC.eventsSent),
    eventsDropped: cc(CC.eventsDropped),
    zoneUpdates: [cc(CC.zoneUpdates), cc(CC.zoneUpdates + 1), cc(CC.zoneUpdates + 2), cc(CC.zoneUpdates + 3)],
    visibleTicks: dv.getFloat64(C.visibleTicks, true),
    visible: dv.getUint32(C.visible, true),
    scale: dv.getFloat64(C.scale, true),
  };
}


/** Zeroed counters to sum into. */
export function zeroCounters(): ClientCounters {
  return {
    messages: 0, bytes: 0, enters: 0, leaves: 0, leavesAcked: 0, fulls: 0, deltas: 0, deferred: 0, acks: 0,
    ackStale: 0, ackExpired: 0, viewFull: 0, fastInserts: 0, eventsSent: 0, eventsDropped: 0,
    zoneUpdates: [0, 0, 0, 0], visibleTicks: 0, visible: 0, scale: 0,
  };
}

/** Adds one client's counters into sum. */
export function addInto(sum: ClientCounters, one: ClientCounters): void {
  for (const key of Object.keys(sum) as (keyof ClientCounters)[]) {
    if (key === 'zoneUpdates') one.zoneUpdates.forEach((v, i) => (sum.zoneUpdates[i] = sum.zoneUpdates[i]! + v));
    else (sum[key] as number) += one[key] as number;
  }
}
