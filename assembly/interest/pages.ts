// Where a client's view lives: handles map to pages (page table in the client block), pages and
// pending-record slots come from the lane's pools (free lists TypeScript tops up), and the
// client's id index (entity id -> handle; two incarnations of a slot may both be in a view, one
// leaving) is spread over its pages' index cells: 32 cells per page, linear probing over all of them (Knuth's algorithm R for removal, so no
// tombstones), rehashed when the page count changes. Pages are a prefix: a client's pages are
// 0 .. C_PAGES - 1, and only the last one is ever given back.

import {
  C_FREE_HINT, C_HW, C_PAGES, C_USED, EF_PEND, INDEX_PER_PAGE, K_PEND, LC_POOL_EMPTY, L_COUNTERS, L_PAGE_FREE,
  L_PEND_FREE, M_FLAG_SHIFT, NONE, PAGE_ENTRIES, PAGE_MASK, PAGE_SHIFT, P_COLD,
  P_DUE, P_ID, P_INDEX, P_PM, ST_FREE, bump, pt_entry,
} from './layout';
import { t_lanePtr, t_tick } from './state';

/** A page table "earliest due" meaning nothing due (far, yet comparable with past ticks). */
const FAR: u32 = 0x3fffffff;

// ---- handle -> fields ----

// @ts-ignore: decorator
@inline
export function page_of(block: usize, h: u32): usize {
  return <usize>load<u32>(pt_entry(block, h >> PAGE_SHIFT));
}

// @ts-ignore: decorator
@inline
export function hot(block: usize, h: u32, field: usize): usize {
  return page_of(block, h) + field + (<usize>(h & PAGE_MASK) << 2);
}

// @ts-ignore: decorator
@inline
export function cold(block: usize, h: u32): usize {
  return page_of(block, h) + P_COLD + (<usize>(h & PAGE_MASK) << 6);
}

// @ts-ignore: decorator
@inline
export function get_due(block: usize, h: u32): u32 {
  return load<u32>(hot(block, h, P_DUE));
}

// @ts-ignore: decorator
@inline
export function get_id(block: usize, h: u32): u32 {
  return load<u32>(hot(block, h, P_ID));
}

/** Entity slot of a live entry (ids are slot | generation << 20). */
// @ts-ignore: decorator
@inline
export function get_slot(block: usize, h: u32): u32 {
  return load<u32>(hot(block, h, P_ID)) & 0xfffff;
}

/** Entry h's meta (state, zone, flags: layout.ts, M_*). */
// @ts-ignore: decorator
@inline
export function get_meta(block: usize, h: u32): u32 {
  return load<u32>(hot(block, h, P_PM)) >>> 16;
}

// @ts-ignore: decorator
@inline
export function set_meta(block: usize, h: u32, meta: u32): void {
  const at = hot(block, h, P_PM);
  store<u32>(at, (load<u32>(at) & 0xffff) | (meta << 16));
}

/** Low 16 bits of the seq whose ack entry h waits for (valid while it has EF_PEND). */
// @ts-ignore: decorator
@inline
export function get_pseq16(block: usize, h: u32): u32 {
  return load<u32>(hot(block, h, P_PM)) & 0xffff;
}

/** Entry h now waits for the ack of snapshot seq (EF_PEND set). */
// @ts-ignore: decorator
@inline
export function set_pend(block: usize, h: u32, seq: u32): void {
  const at = hot(block, h, P_PM);
  store<u32>(at, (load<u32>(at) & 0xffff0000) | (EF_PEND << (M_FLAG_SHIFT + 16)) | (seq & 0xffff));
}

/** Entry h waits for no ack (EF_PEND cleared). */
// @ts-ignore: decorator
@inline
export function clear_pend(block: usize, h: u32): void {
  const at = hot(block, h, P_PM);
  store<u32>(at, load<u32>(at) & ~(EF_PEND << (M_FLAG_SHIFT + 16)));
}

/** Sets entry h's due tick and lowers its page's earliest due tick to it. */
export function set_due(block: usize, h: u32, due: u32): void {
  store<u32>(hot(block, h, P_DUE), due);
  if (due == NONE) return;
  const at = pt_entry(block, h >> PAGE_SHIFT) + 4;
  if (<i32>(due - load<u32>(at)) < 0) store<u32>(at, due);
}

// ---- the slot index ----

// @ts-ignore: decorator
@inline
function index_cell(block: usize, i: u32): usize {
  return <usize>load<u32>(pt_entry(block, i >> 5)) + P_INDEX + (<usize>(i & 31) << 1);
}

// @ts-ignore: decorator
@inline
function index_home(id: u32, n: u32): u32 {
  return <u32>((<u64>(id * 0x9e3779b1) * <u64>n) >> 32);
}

/** Handle holding entity `id` (slot | generation << 20), or NONE. */
export function find_id(block: usize, id: u32): u32 {
  const n = load<u32>(block + C_PAGES) * INDEX_PER_PAGE;
  if (n == 0) return NONE;
  let i = index_home(id, n);
  // Twice as many cells as handles: an empty cell always ends the probe.
  let cell = <u32>load<u16>(index_cell(block, i));
  while (cell != 0) {
    if (get_id(block, cell - 1) == id) return cell - 1;
    if (++i == n) i = 0;
    cell = <u32>load<u16>(index_cell(block, i));
  }
  return NONE;
}

export function index_insert(block: usize, id: u32, h: u32): void {
  const n = load<u32>(block + C_PAGES) * INDEX_PER_PAGE;
  let i = index_home(id, n);
  while (load<u16>(index_cell(block, i)) != 0) if (++i == n) i = 0;
  store<u16>(index_cell(block, i), <u16>(h + 1));
}

export function index_remove(block: usize, id: u32): void {
  const n = load<u32>(block + C_PAGES) * INDEX_PER_PAGE;
  let i = index_home(id, n);
  for (;;) {
    const cell = <u32>load<u16>(index_cell(block, i));
    if (cell == 0) return;
    if (get_id(block, cell - 1) == id) break;
    if (++i == n) i = 0;
  }
  // Shift back every later cell of the run whose home is not in (i, j] (cyclically).
  let j = i;
  for (;;) {
    store<u16>(index_cell(block, i), 0);
    let cell: u32;
    let home: u32;
    do {
      if (++j == n) j = 0;
      cell = <u32>load<u16>(index_cell(block, j));
      if (cell == 0) return;
      home = index_home(get_id(block, cell - 1), n);
    } while (i <= j ? i < home && home <= j : i < home || home <= j);
    store<u16>(index_cell(block, i), <u16>cell);
    i = j;
  }
}

/** Rebuilds the id index over the current pages (after the page count changed). */
function index_rebuild(block: usize): void {
  const pages = load<u32>(block + C_PAGES);
  const zero = i32x4.splat(0);
  for (let p: u32 = 0; p < pages; p++) {
    const at = <usize>load<u32>(pt_entry(block, p)) + P_INDEX;
    for (let b: usize = 0; b < 64; b += 16) v128.store(at + b, zero);
  }
  const hw = load<u32>(block + C_HW);
  for (let h: u32 = 0; h < hw; h++) {
    if ((get_meta(block, h) & 3) != ST_FREE) index_insert(block, get_id(block, h), h);
  }
}

// ---- pools ----
// Each pool is two free lists: slots below the lane's drain mark are reused first, those above
// it only when the first list is empty; TypeScript moves the mark down after a burst, so the
// chunks above it empty out and can go back to the arena (pools.ts).

/** A slot from the pool whose fields start at `head` (cold list, drain mark, count follow); 0: empty. */
// @ts-ignore: decorator
@inline
function pool_take(head: usize, linkAt: usize): usize {
  let slot = <usize>load<u32>(head);
  let from = head;
  if (slot == 0) {
    from = head + 4;
    slot = <usize>load<u32>(from);
    if (slot == 0) {
      bump(t_lanePtr + L_COUNTERS, LC_POOL_EMPTY, 1);
      return 0;
    }
  }
  store<u32>(from, load<u32>(slot + linkAt));
  store<u32>(head + 12, load<u32>(head + 12) - 1);
  return slot;
}

// @ts-ignore: decorator
@inline
function pool_give(head: usize, linkAt: usize, slot: usize): void {
  const mark = <usize>load<u32>(head + 8);
  const list = mark != 0 && slot >= mark ? head + 4 : head;
  store<u32>(slot + linkAt, load<u32>(list));
  store<u32>(list, <u32>slot);
  store<u32>(head + 12, load<u32>(head + 12) + 1);
}

/** A page from the lane's pool, emptied (every handle free); 0 when the pool is empty. */
function page_take(): usize {
  const page = pool_take(t_lanePtr + L_PAGE_FREE, 0);
  if (page == 0) return 0;
  const none = i32x4.splat(-1);
  const zero = i32x4.splat(0);
  for (let b: usize = 0; b < 64; b += 16) {
    v128.store(page + P_DUE + b, none);
    v128.store(page + P_PM + b, zero);
  }
  // Cold parts keep whatever they held: every field is written before it is read, except the
  // pending slot, which must read "none".
  for (let e: usize = 0; e < <usize>PAGE_ENTRIES; e++) store<u32>(page + P_COLD + (e << 6), 0, K_PEND);
  return page;
}

export function page_give(page: usize): void {
  pool_give(t_lanePtr + L_PAGE_FREE, 0, page);
}

/** A pending-record slot from the lane's pool; 0 when the pool is empty. */
export function pend_take(): usize {
  return pool_take(t_lanePtr + L_PEND_FREE, 0);
}

export function pend_give(slot: usize): void {
  pool_give(t_lanePtr + L_PEND_FREE, 0, slot);
}

// ---- handles ----

/** Keep an empty last page unless the pages before it have this many free handles. */
const RELEASE_SLACK: u32 = 4;

/**
 * The lowest free handle (a view stays packed into its first pages), taking a page from the
 * pool when every page is full; NONE when the view holds `v` handles or the pool is empty.
 */
export function take_handle(block: usize, v: u32): u32 {
  const pages = load<u32>(block + C_PAGES);
  const room = min<u32>(pages << PAGE_SHIFT, v);
  if (load<u32>(block + C_USED) < room) {
    const none = i32x4.splat(-1);
    for (let p = load<u32>(block + C_FREE_HINT); p < pages; p++) {
      const due = <usize>load<u32>(pt_entry(block, p)) + P_DUE;
      let free = <u32>i32x4.bitmask(i32x4.eq(v128.load(due), none)) | (<u32>i32x4.bitmask(i32x4.eq(v128.load(due, 16), none)) << 4)
        | (<u32>i32x4.bitmask(i32x4.eq(v128.load(due, 32), none)) << 8) | (<u32>i32x4.bitmask(i32x4.eq(v128.load(due, 48), none)) << 12);
      const base = p << PAGE_SHIFT;
      if (v - base < PAGE_ENTRIES) free &= (<u32>1 << (v - base)) - 1;
      if (free != 0) {
        store<u32>(block + C_FREE_HINT, p);
        return base + ctz<u32>(free);
      }
    }
  }
  if (room >= v) return NONE;
  const page = page_take();
  if (page == 0) return NONE;
  const pt = pt_entry(block, pages);
  store<u32>(pt, <u32>page);
  store<u32>(pt, t_tick + FAR, 4);
  store<u32>(block + C_PAGES, pages + 1);
  store<u32>(block + C_HW, (pages + 1) << PAGE_SHIFT);
  store<u32>(block + C_FREE_HINT, pages);
  index_rebuild(block);
  return pages << PAGE_SHIFT;
}

/** Whether no entry of page `page` is in use. */
// @ts-ignore: decorator
@inline
function page_empty(page: usize): bool {
  const none = i32x4.splat(-1);
  const due = page + P_DUE;
  const all = v128.and(v128.and(i32x4.eq(v128.load(due), none), i32x4.eq(v128.load(due, 16), none)),
    v128.and(i32x4.eq(v128.load(due, 32), none), i32x4.eq(v128.load(due, 48), none)));
  return i32x4.all_true(all);
}

/**
 * Handle h was freed (its entry out of the index, due NONE, C_USED counted down): the lowest
 * free handle may be lower now, and empty pages at the end of the view go back to the pool.
 */
export function give_handle(block: usize, h: u32): void {
  const p = h >> PAGE_SHIFT;
  if (p < load<u32>(block + C_FREE_HINT)) store<u32>(block + C_FREE_HINT, p);
  let pages = load<u32>(block + C_PAGES);
  const used = load<u32>(block + C_USED);
  const before = pages;
  while (pages > 1 && ((pages - 1) << PAGE_SHIFT) - used >= RELEASE_SLACK) {
    const page = <usize>load<u32>(pt_entry(block, pages - 1));
    if (!page_empty(page)) break;
    page_give(page);
    pages--;
  }
  if (pages == before) return;
  store<u32>(block + C_PAGES, pages);
  store<u32>(block + C_HW, pages << PAGE_SHIFT);
  if (load<u32>(block + C_FREE_HINT) >= pages) store<u32>(block + C_FREE_HINT, pages - 1);
  index_rebuild(block);
}

/** Every page of a client back to the lane's pool (its pending slots too). */
export function release_pages(block: usize): void {
  const pages = load<u32>(block + C_PAGES);
  for (let p: u32 = 0; p < pages; p++) {
    const page = <usize>load<u32>(pt_entry(block, p));
    for (let e: usize = 0; e < <usize>PAGE_ENTRIES; e++) {
      const slot = <usize>load<u32>(page + P_COLD + (e << 6), K_PEND);
      if (slot != 0) pend_give(slot);
    }
    page_give(page);
  }
  store<u32>(block + C_PAGES, 0);
  store<u32>(block + C_HW, 0);
  store<u32>(block + C_FREE_HINT, 0);
}

/** Earliest due tick of a page (a lower bound), for the page table. */
// @ts-ignore: decorator
@inline
export function page_due(block: usize, p: u32): u32 {
  return load<u32>(pt_entry(block, p), 4);
}

// @ts-ignore: decorator
@inline
export function set_page_due(block: usize, p: u32, due: u32): void {
  store<u32>(pt_entry(block, p), due, 4);
}

/** The far-future "earliest due" of a page with nothing due, as of now. */
// @ts-ignore: decorator
@inline
export function far_due(): u32 {
  return t_tick + FAR;
}

export { P_ID };
