// Memory layout of a client (TypeScript lays it out; src/interest/layout.ts mirrors every number
// and the pipeline checks the module agrees through interest_layout): the client block (header
// and page table), the view pages that hold its entries, each entry's cold part, the pending-
// record slots. All integers little-endian; the context block and the lane descriptor are in
// layout.ts.

// Client block: header (CH_BYTES), then the page table: one (page pointer, earliest due tick)
// pair per PAGE_ENTRIES handles, ceil(V / PAGE_ENTRIES) of them. A client's view lives in pages
// from its lane's pool, as many as it needs (pages 0 .. C_PAGES - 1); its snapshot goes to the
// lane's output heap (C_OUT_OFF, C_OUT_LEN). What a tick reads of every client is in the first
// two cache lines; counters and totals in the next two; shapes and the message ring after.
// Header:
// | off | field                                  | off | field                               |
// |   0 | active (1) or free (0)                 |  64 | handles in use                      |
// |   4 | viewer slot (NONE: fixed point)        |  68 | visible entities                    |
// |   8 | fixed point x, y, z (Q16)              |  72 | next snapshot seq                   |
// |  20 | sub-shapes in use (1..4)               |  76 | 1 once any snapshot was acked       |
// |  24 | 1: shapes turn with the viewer's yaw   |  80 | snapshot bytes this tick (0: none)  |
// |  28 | pages in use                           |  84 | snapshot offset in the lane's heap  |
// |  32 | dynamic scale (f64)                    |  88 | event list head / tail this tick    |
// |  40 | bounding reach (f64, Q16, scale 1)     |  96 | acked ring slots (u64 bit mask)     |
// |  48 | half height (f64, Q16, scale 1)        | 104 | last acked seq, its tick            |
// |  56 | handles the pages hold                 | 112 | client generation                   |
// |  60 | discovery query index this tick / NONE | 116 | viewer grid bucket this tick        |
// |     |                                        | 120 | 1: discover on the next tick        |
// |     |                                        | 124 | lowest page with a free handle      |
// | 128 | bytes produced (f64)                   | 136 | visible entity-ticks (f64)          |
// | 144 | counters (u32 x CLIENT_COUNTERS)       | 216 | fixed yaw when not following (f64)  |
// |     |                                        | 224 | last facing, its cos and sin (f64)  |
// | 256 | sub-shapes (SHAPE_BYTES each, 4)       | 512 | message ring (RING_BYTES x RING)    |
export const CH_BYTES: u32 = 1024;
export const C_ACTIVE: usize = 0;
export const C_VIEWER: usize = 4;
export const C_POINT: usize = 8;
export const C_SHAPE_COUNT: usize = 20;
export const C_FOLLOW: usize = 24;
export const C_PAGES: usize = 28;
export const C_SCALE: usize = 32;
export const C_BOUND: usize = 40;
export const C_HALF_HEIGHT: usize = 48;
export const C_HW: usize = 56;
export const C_QUERY: usize = 60;
export const C_USED: usize = 64;
export const C_VISIBLE: usize = 68;
export const C_SEQ: usize = 72;
export const C_ACKED_ANY: usize = 76;
export const C_OUT_LEN: usize = 80;
export const C_OUT_OFF: usize = 84;
export const C_EV_HEAD: usize = 88;
export const C_EV_TAIL: usize = 92;
export const C_ACKED_MASK: usize = 96;
export const C_LAST_ACK_SEQ: usize = 104;
export const C_LAST_ACK_TICK: usize = 108;
export const C_GENERATION: usize = 112;
export const C_GRID_BUCKET: usize = 116;
export const C_DISCOVER_NOW: usize = 120;
export const C_FREE_HINT: usize = 124;
export const C_BYTES: usize = 128;
export const C_VISIBLE_TICKS: usize = 136;
export const C_COUNTERS: usize = 144;
export const C_FIXED_YAW: usize = 216;
export const C_FACING: usize = 224;
export const C_SHAPES: usize = 256;
export const C_RING: usize = 512;
// Client counters (u32, cumulative).
export const CC_MESSAGES: u32 = 0;
export const CC_ENTERS: u32 = 1;
export const CC_LEAVES: u32 = 2;
export const CC_FULLS: u32 = 3;
export const CC_DELTAS: u32 = 4;
export const CC_DEFERRED: u32 = 5;
export const CC_ACKS: u32 = 6;
export const CC_ACK_STALE: u32 = 7;
export const CC_ACK_EXPIRED: u32 = 8;
export const CC_VIEW_FULL: u32 = 9;
export const CC_FAST_INSERTS: u32 = 10;
export const CC_EVENTS_SENT: u32 = 11;
export const CC_EVENTS_DROPPED: u32 = 12;
export const CC_ZONE_UPDATES: u32 = 13; // 4 counters, one per zone
export const CC_LEAVES_ACKED: u32 = 17;
export const CLIENT_COUNTERS: u32 = 18;

// Sub-shape (SHAPE_BYTES): | 0 u32 kind | 8 f64 a | 16 f64 b | 24 f64 half angle (rad) |
// | 32 f64 yaw offset (rad) | 40 f64 half height (Q16; +inf: no vertical limit) |
// | 48 f64 cos(min(pi, half angle * (1 - h))) | 56 f64 cos(min(pi, half angle * (1 + h))) |
// a, b: sphere/circle radius (a); ellipse semi-axes along (a) and across (b) the facing;
// sector radius (a). Q16 units.
export const SHAPE_BYTES: u32 = 64;
export const MAX_SHAPES: u32 = 4;
export const SHAPE_SPHERE: u32 = 0;
export const SHAPE_CIRCLE: u32 = 1;
export const SHAPE_ELLIPSE: u32 = 2;
export const SHAPE_SECTOR: u32 = 3;
export const S_KIND: usize = 0;
export const S_A: usize = 8;
export const S_B: usize = 16;
export const S_HALF_ANGLE: usize = 24;
export const S_YAW: usize = 32;
export const S_HALF_HEIGHT: usize = 40;
export const S_COS_ENTER: usize = 48;
export const S_COS_LEAVE: usize = 56;

// Message ring: RING snapshots per client, slot = seq % RING: | 0 u32 seq | 4 u32 tick |, and
// bit `slot` of the acked mask once that snapshot is acked. An ack only sets the bit; an entry
// whose pending record went out in an acked snapshot is promoted when it is next looked at (its
// encode, or the discovery pass every few ticks), so acks cost O(1) whatever the view size.
// Snapshots are numbered one after another, so the ring still holds snapshot s exactly while
// next seq - s <= RING: promotion reads the header's seq and mask, never the ring.
export const RING: u32 = 64;
export const RING_BYTES: u32 = 8;
export const OUT_SLACK: u32 = 512;

// Page (PAGE_BYTES): PAGE_ENTRIES entries, hot fields as arrays (one cache line per field, so
// finding what is due reads one line per page and a v128 compare), then the page's share of the
// client's id index, then each entry's cold part (one cache line: read only when a record is
// written or promoted):
// | off | field                                                                        |
// |   0 | due[16] u32: next tick the entry is due (NONE: free handle)                  |
// |  64 | id[16] u32: entity id (slot | generation << 20)                              |
// | 128 | last[16] u32: tick of the last send                                          |
// | 192 | pm[16] u32: low 16 bits of the seq of the snapshot carrying the pending      |
// |     |   record or leave (valid with EF_PEND) | meta << 16 (M_* fields, EF_* flags) |
// | 256 | index: 32 u16 cells of the client's id index (handle + 1, 0 = empty)         |
// | 320 | cold[16] (COLD_BYTES each)                                                   |
// A free page links to the next free one through its first word.
export const PAGE_SHIFT: u32 = 4;
export const PAGE_ENTRIES: u32 = 16;
export const PAGE_MASK: u32 = 15;
export const INDEX_PER_PAGE: u32 = 32;
export const P_DUE: usize = 0;
export const P_ID: usize = 64;
export const P_LAST: usize = 128;
export const P_PM: usize = 192;
export const P_INDEX: usize = 256;
export const P_COLD: usize = 320;
export const COLD_BYTES: u32 = 64;
export const PAGE_BYTES: u32 = 320 + 16 * 64;
/** Page table entry: | 0 u32 page | 4 u32 no entry of the page is due before this tick |. */
export const PT_BYTES: u32 = 8;

// Meta (the high half of pm): | bits 0-1 state | 2-3 zone | 4-9 flags (EF_*) |.
export const M_ZONE_SHIFT: u32 = 2;
export const M_FLAG_SHIFT: u32 = 4;

// Cold part of an entry (COLD_BYTES):
// | off | field                                                                  |
// |   0 | baseline record (REC_BYTES): the newest state the client acked         |
// |  36 | baseline: seq of the acked snapshot                                    |
// |  40 | baseline: its tick                                                     |
// |  44 | baseline: its send number (u16; EF_NOBASE: none)                       |
// |  46 | sends of this handle so far (u16, wrapping; never reset)               |
// |  48 | pending slot (lane pool pointer; 0: none)                              |
// |  52 | pending: tick of its snapshot                                          |
// |  56 | interaction level (f32, 0..1)                                          |
// |  60 | tick the interaction level was set                                     |
// Send numbers wrap at 16 bits: EF_FULL, once set because the baseline fell out of the client's
// window, stays set until a newer baseline arrives, and a promoted record is at most RING sends old.
export const K_BASE: usize = 0;
export const K_BSEQ: usize = 36;
export const K_BTICK: usize = 40;
export const K_BSEND: usize = 44;
export const K_SENDS: usize = 46;
export const K_PEND: usize = 48;
export const K_PTICK: usize = 52;
export const K_INTER: usize = 56;
export const K_INTER_T: usize = 60;

// Pending slot (PEND_BYTES), from the lane's pool while a record waits for its ack:
// | 0 record (REC_BYTES; a free slot's first word links to the next free one) | 36 u16 send number |
export const PEND_BYTES: u32 = 40;
export const Q_SEND: usize = 36;

export const ST_FREE: u32 = 0;
export const ST_VISIBLE: u32 = 1;
export const ST_LEAVING: u32 = 2;
// Entry flags (meta >> M_FLAG_SHIFT).
export const EF_FAST: u32 = 1; // joined through the fast-object pass
export const EF_SENT: u32 = 2; // sent at least once in this incarnation
export const EF_NOBASE: u32 = 4; // no acked baseline in this incarnation
export const EF_FULL: u32 = 8; // no baseline within the client's window: the next record is full
export const EF_INTER: u32 = 16; // an interaction level was set (cold)
export const EF_PEND: u32 = 32; // a record or leave waits for the ack of snapshot pm & 0xffff

// Client block accessors.
// @ts-ignore: decorator
@inline
export function pt_entry(block: usize, page: u32): usize {
  return block + <usize>CH_BYTES + (<usize>page << 3);
}
