// Overlapping memory fetches. Client state is touched in an order no hardware prefetcher can
// guess (pages, cold parts, world records of whatever is due), and a miss costs far more than
// the work done with the line; so before working on a set of lines, the lane loads one word of
// each, all independent of one another, and the fetches proceed together. WebAssembly has no
// prefetch instruction: a touch is a plain load whose value goes to a sink (a load may trap, so
// no optimiser drops it).

import { C_PAGES, CH_BYTES, K_PEND, P_COLD, P_DUE, P_ID, P_LAST, P_PM, PAGE_MASK, PAGE_SHIFT, W_BYTES, pt_entry } from './layout';
import { t_capacity, t_tick, t_world } from './state';

export let t_sink: u32 = 0;

/** The header lines a tick reads and the page table of the client at `block`. */
export function touch_client(block: usize): void {
  t_sink ^= load<u32>(block) ^ load<u32>(block, 64) ^ load<u32>(block + CH_BYTES);
}

/** The due lines of the pages of `block` with something due now (its page table is fetched). */
export function touch_due_lines(block: usize): void {
  const pages = load<u32>(block + C_PAGES);
  const tick = t_tick;
  let acc: u32 = 0;
  for (let p: u32 = 0; p < pages; p++) {
    const pt = pt_entry(block, p);
    if (<i32>(load<u32>(pt, 4) - tick) > 0) continue;
    acc ^= load<u32>(<usize>load<u32>(pt) + P_DUE);
  }
  t_sink ^= acc;
}

/**
 * For the n handles at `due` of `block`: their pages' id, pm and last lines and their cold
 * parts, then (once the ids are in) their entities' world records.
 */
export function touch_entries(block: usize, due: usize, n: u32): void {
  let acc: u32 = 0;
  let last: usize = 0;
  for (let j: u32 = 0; j < n; j++) {
    const h = load<u32>(due + (<usize>j << 2));
    const page = <usize>load<u32>(pt_entry(block, h >> PAGE_SHIFT));
    if (page != last) {
      acc ^= load<u32>(page + P_ID) ^ load<u32>(page + P_PM) ^ load<u32>(page + P_LAST);
      last = page;
    }
    acc ^= load<u32>(page + P_COLD + (<usize>(h & PAGE_MASK) << 6));
  }
  for (let j: u32 = 0; j < n; j++) {
    const h = load<u32>(due + (<usize>j << 2));
    const page = <usize>load<u32>(pt_entry(block, h >> PAGE_SHIFT));
    const id = load<u32>(page + P_ID + (<usize>(h & PAGE_MASK) << 2));
    acc ^= load<u32>(t_world + <usize>(id & 0xfffff) * W_BYTES);
  }
  t_sink ^= acc;
  touch_pending(block, due, n);
}

/** For the n handles at `list` of `block` (their cold parts on their way): their pending slots. */
export function touch_pending(block: usize, list: usize, n: u32): void {
  let acc: u32 = 0;
  for (let j: u32 = 0; j < n; j++) {
    const h = load<u32>(list + (<usize>j << 2));
    const page = <usize>load<u32>(pt_entry(block, h >> PAGE_SHIFT));
    const kp = page + P_COLD + (<usize>(h & PAGE_MASK) << 6);
    const pend = <usize>load<u32>(kp, K_PEND);
    if (pend != 0) acc ^= load<u32>(pend);
  }
  t_sink ^= acc;
}

/** The world records of the entries of one page (a free entry's id is a link: kept in range). */
export function touch_page_world(page: usize, count: u32): void {
  let acc: u32 = 0;
  const top = t_capacity - 1;
  for (let e: u32 = 0; e < count; e++) {
    const slot = min<u32>(load<u32>(page + P_ID + (<usize>e << 2)) & 0xfffff, top);
    acc ^= load<u32>(t_world + <usize>slot * W_BYTES);
  }
  t_sink ^= acc;
}
