// Reading a client block for inspection and metrics (allocates: tests, tools, /metrics, the
// demo's debug overlay), never on the per-tick path.

import {
  C, CC, CH_BYTES, EF_NOBASE, L, LANE_BYTES, LANE_COUNTER_NAMES, M_FLAG_SHIFT, M_ZONE_SHIFT, P, PAGE_ENTRIES, PT_BYTES, ST_FREE,
  type LaneCounter,
} from './layout.js';
import type { ClientCounters, ViewEntry } from './types.js';

/** The entries of the client block at byte `block` (mem: the memory as u32s). */
export function viewEntries(mem: Uint32Array, block: number): ViewEntry[] {
  const at = (byte: number): number => mem[byte >>> 2]!;
  const hw = at(block + C.hw);
  const out: ViewEntry[] = [];
  for (let h = 0; h < hw; h++) {
    const page = at(block + CH_BYTES + Math.floor(h / PAGE_ENTRIES) * PT_BYTES);
    const e = h % PAGE_ENTRIES;
    const hot = (field: number): number => at(page + field + e * 4);
    const meta = hot(P.pm) >>> 16;
    if ((meta & 3) === ST_FREE) continue;
    const id = hot(P.id);
    out.push({
      handle: h,
      slot: id & 0xfffff,
      id,
      state: (meta & 3) === 2 ? 'leaving' : 'visible',
      zone: (meta >> M_ZONE_SHIFT) & 3,
      due: hot(P.due),
      lastSent: hot(P.last),
      hasBaseline: ((meta >> M_FLAG_SHIFT) & EF_NOBASE) === 0,
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
    viewPages: dv.getUint32(C.pages, true),
  };
}

/** The lanes' own counters summed (table: the lane descriptors as u32s). */
export function laneCounters(table: Uint32Array, lanes: number): Record<LaneCounter, number> {
  const out = Object.fromEntries(LANE_COUNTER_NAMES.map((n) => [n, 0])) as Record<LaneCounter, number>;
  for (let l = 0; l < lanes; l++) {
    LANE_COUNTER_NAMES.forEach((n, i) => (out[n] += table[(l * LANE_BYTES + L.counters) / 4 + i] ?? 0));
  }
  return out;
}

/** Zeroed counters to sum into. */
export function zeroCounters(): ClientCounters {
  return {
    messages: 0, bytes: 0, enters: 0, leaves: 0, leavesAcked: 0, fulls: 0, deltas: 0, deferred: 0, acks: 0,
    ackStale: 0, ackExpired: 0, viewFull: 0, fastInserts: 0, eventsSent: 0, eventsDropped: 0,
    zoneUpdates: [0, 0, 0, 0], visibleTicks: 0, visible: 0, scale: 0, viewPages: 0,
  };
}

/** Adds one client's counters into sum. */
export function addInto(sum: ClientCounters, one: ClientCounters): void {
  for (const key of Object.keys(sum) as (keyof ClientCounters)[]) {
    if (key === 'zoneUpdates') one.zoneUpdates.forEach((v, i) => (sum.zoneUpdates[i] = sum.zoneUpdates[i]! + v));
    else (sum[key] as number) += one[key] as number;
  }
}
