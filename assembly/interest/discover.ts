// A client's discovery turn (one in discoveryPeriodTicks ticks, or at once after its viewer or
// shape changed): every entry it holds is looked at (pending records of acked snapshots become
// baselines; entries not due soon are re-evaluated: they may have left or come closer), the
// spatial query's answer is merged in (new bodies inside the entering shape join the view, a
// leaving one seen again is taken back), and the dynamic radius adapts to the crowd.

import {
  CC_VIEW_FULL, C_COUNTERS, C_HW, C_SCALE, C_VISIBLE, LC_VIEW_FULL, L_COUNTERS, L_EPOCH, L_STAMPS, NONE, PAGE_ENTRIES,
  PAGE_SHIFT, P_DUE, P_ID, P_PM, ST_VISIBLE, W_LIFE, X_BATCH_COUNTS, X_BATCH_IDS, X_BATCH_OFFSETS, X_DYN_GROW,
  X_DYN_MAX_SCALE, X_DYN_MIN_SCALE, X_DYN_SHRINK, X_DYN_TARGET, bump, pt_entry,
} from './layout';
import { contains, g_viewer, MODE_ENTER } from './geometry';
import { touch_page_world, touch_pending } from './prefetch';
import { t_capacity, t_ctx, t_discovery, t_includeSelf, t_lanePtr, t_tick, t_V } from './state';
import { acked, alloc_entry, e_dx, e_dy, e_dz, entering_zone, evaluate, measure, promote, revive, world_of } from './view';
import { sc_keys } from './scratch';

// Stamps are one byte per slot (small enough to stay in cache): every 255 discoveries they are
// cleared and the epoch starts again.
function next_stamp(): u32 {
  let epoch = load<u32>(t_lanePtr + L_EPOCH) + 1;
  if (epoch > 255) {
    memory.fill(<usize>load<u32>(t_lanePtr + L_STAMPS), 0, <usize>t_capacity);
    epoch = 1;
  }
  store<u32>(t_lanePtr + L_EPOCH, epoch);
  return epoch;
}

/** Merges query j's answer into the view, re-evaluates every entry, adapts the scale. */
export function discover(block: usize, j: u32, scratch: usize): void {
  const stamps = <usize>load<u32>(t_lanePtr + L_STAMPS);
  const epoch = next_stamp();
  const hw = load<u32>(block + C_HW);
  const pages = (hw + PAGE_ENTRIES - 1) >> PAGE_SHIFT;
  // Visible entries are stamped; a leaving one may be taken back if its entity is inside again.
  for (let p: u32 = 0; p < pages; p++) {
    const page = <usize>load<u32>(pt_entry(block, p));
    const end = min<u32>(PAGE_ENTRIES, hw - (p << PAGE_SHIFT));
    for (let e: u32 = 0; e < end; e++) {
      if (((load<u32>(page + P_PM + (<usize>e << 2)) >>> 16) & 3) != ST_VISIBLE) continue;
      store<u8>(stamps + <usize>(load<u32>(page + P_ID + (<usize>e << 2)) & 0xfffff), <u8>epoch);
    }
  }
  // Existing entries first: their leave and zone tests, before the scale changes. Entries due
  // within a discovery period are evaluated then anyway; the slower ones may have come closer
  // (a zone up) or gone.
  // Pending records whose snapshot was acked become baselines here at the latest, while the ring
  // still holds their snapshot: listed first, their cold parts and pending slots fetched
  // together, then promoted.
  const list = sc_keys(scratch, t_V);
  let m: u32 = 0;
  for (let p: u32 = 0; p < pages; p++) {
    const page = <usize>load<u32>(pt_entry(block, p));
    const base = p << PAGE_SHIFT;
    const end = min<u32>(PAGE_ENTRIES, hw - base);
    for (let e: u32 = 0; e < end; e++) {
      const meta = load<u32>(page + P_PM + (<usize>e << 2)) >>> 16;
      if ((meta & 3) != ST_VISIBLE || !acked(block, base + e, meta)) continue;
      store<u32>(list + (<usize>m << 2), base + e);
      m++;
    }
  }
  touch_pending(block, list, m);
  for (let i: u32 = 0; i < m; i++) promote(block, load<u32>(list + (<usize>i << 2)));
  const soon = t_tick + t_discovery;
  if (pages > 0) touch_page_world(<usize>load<u32>(pt_entry(block, 0)), min<u32>(PAGE_ENTRIES, hw));
  for (let p: u32 = 0; p < pages; p++) {
    const page = <usize>load<u32>(pt_entry(block, p));
    const base = p << PAGE_SHIFT;
    const end = min<u32>(PAGE_ENTRIES, hw - base);
    // The next page's world records come while this page is evaluated.
    if (p + 1 < pages) touch_page_world(<usize>load<u32>(pt_entry(block, p + 1)), min<u32>(PAGE_ENTRIES, hw - base - PAGE_ENTRIES));
    for (let e: u32 = 0; e < end; e++) {
      if (((load<u32>(page + P_PM + (<usize>e << 2)) >>> 16) & 3) != ST_VISIBLE) continue;
      if (load<u32>(page + P_DUE + (<usize>e << 2)) > soon) evaluate(block, base + e);
    }
  }
  const ids = <usize>load<u32>(t_ctx + X_BATCH_IDS) + (<usize>load<u32>(<usize>load<u32>(t_ctx + X_BATCH_OFFSETS) + (<usize>j << 2)) << 2);
  const n = load<u32>(<usize>load<u32>(t_ctx + X_BATCH_COUNTS) + (<usize>j << 2));
  let full = false;
  for (let k: u32 = 0; k < n; k++) {
    const slot = load<u32>(ids + (<usize>k << 2));
    if (slot >= t_capacity) continue;
    const at = stamps + <usize>slot;
    if (<u32>load<u8>(at) == epoch) continue;
    store<u8>(at, <u8>epoch);
    const life = load<u32>(world_of(slot), W_LIFE);
    if ((life & 1) == 0) continue;
    if (slot == g_viewer && !t_includeSelf) continue;
    measure(slot);
    if (!contains(e_dx, e_dy, e_dz, MODE_ENTER)) continue;
    if (full) {
      bump(block + C_COUNTERS, CC_VIEW_FULL, 1);
      continue;
    }
    const id = slot | (((life >> 1) & 0xfff) << 20);
    if (revive(block, id, entering_zone())) continue;
    const h = alloc_entry(block, slot, id, entering_zone(), 0);
    if (h == NONE) {
      full = true;
      bump(block + C_COUNTERS, CC_VIEW_FULL, 1);
      bump(t_lanePtr + L_COUNTERS, LC_VIEW_FULL, 1);
    }
  }
  adapt_scale(block);
}

/** Dynamic radius: shrink in crowds towards the target count, grow when almost empty. */
function adapt_scale(block: usize): void {
  const n = <f64>load<u32>(block + C_VISIBLE);
  const minS = <f64>load<f32>(t_ctx + X_DYN_MIN_SCALE);
  const maxS = <f64>load<f32>(t_ctx + X_DYN_MAX_SCALE);
  const shrink = <f64>load<u32>(t_ctx + X_DYN_SHRINK);
  const target = <f64>load<u32>(t_ctx + X_DYN_TARGET);
  const grow = <f64>load<u32>(t_ctx + X_DYN_GROW);
  let s = load<f64>(block + C_SCALE);
  // Visible count grows with the area: scale by sqrt(target / n), at most 30 % per step.
  if (n > shrink) s *= max<f64>(0.7, Math.sqrt(target / n));
  else if (n < grow) s *= 1.1;
  else if (s < 1.0 && n < target) s = min<f64>(1.0, s * 1.05);
  store<f64>(block + C_SCALE, min<f64>(max<f64>(s, minS), maxS));
}
