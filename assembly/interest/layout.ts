// Memory layout of interest management: one context block, one block per client, per-lane sent
// logs and scratch. TypeScript lays it out (src/interest/layout.ts mirrors every number; a test
// checks both sides agree through interest_layout_*). All integers little-endian; Q16 means
// metres * 65536; "wire units" are the quantised units of codec/quantize.ts.
//
// Context block (CTX_BYTES):
// | off | type     | field                                                             |
// |-----|----------|-------------------------------------------------------------------|
// |   0 | u32      | magic 'INTR'                                                      |
// |   4 | u32      | layout version                                                    |
// |   8 | u32      | clients the table holds (maxClients)                              |
// |  12 | u32      | view capacity V per client (power of two, handles are 0..V-1)     |
// |  16 | u32      | handle bits = log2 V                                              |
// |  20 | u32      | lanes (clients c with c % lanes == l belong to lane l)            |
// |  24 | u32      | tick being produced                                               |
// |  28 | u32      | discovery period K: client c re-queries when (c + tick) % K == 0  |
// |  32 | u32      | source capacity (entity slots)                                    |
// |  36 | u32      | source slots scanned this tick [0, count)                         |
// |  40 | u32      | source flags column                                               |
// |  44 | u32      | flags a replicated entity has all of                              |
// |  48 | u32      | source generation column (0: ids carry generation 0)              |
// |  52 | u32[3]   | position columns x, y, z (Q16 i32)                                |
// |  64 | u32[3]   | velocity columns (Q16 per tick; 0 = not replicated)               |
// |  76 | u32      | yaw column (Q16 radians; 0 = none)                                |
// |  80 | u32[4]   | quaternion columns x, y, z, w (Q16; 0 = none)                     |
// |  96 | u32      | hit point column (i32; 0 = none)                                  |
// | 100 | u32      | state column (u32 game bits; 0 = none)                            |
// | 104 | u32      | importance column (u8 per slot, 0..255)                           |
// | 108 | u32      | rotation mode: 0 none, 1 yaw, 2 quaternion                        |
// | 112 | u32[5]   | posShift, velShift, yawBits, quatBits, cellShift                  |
// | 132 | u32      | world records (W_BYTES per slot), refreshed by phase A each tick   |
// | 136 | u32      | reserved                                                          |
// | 140 | u32      | client table: block pointer per client (0 = none)                 |
// | 144 | u32      | budget bytes per client this tick (u32 column)                    |
// | 148 | u32      | round trip per client, ms (f32 column)                            |
// | 152 | u32[3]   | discovery result: ids, offsets, counts (spatial BatchResult)      |
// | 164 | u32      | discovery queries this tick                                       |
// | 168 | u32      | ack queue (client, seq) pairs                                     |
// | 172 | u32      | acks queued                                                       |
// | 176 | u32      | event records (EV_BYTES each)                                     |
// | 180 | u32      | events queued                                                     |
// | 184 | u32      | event payload bytes                                               |
// | 188 | u32      | lane table (LANE_BYTES per lane)                                  |
// | 192 | u32      | largest snapshot, bytes                                           |
// | 196 | u32      | 1: a client's own viewer entity is part of its view               |
// | 200 | u32      | client block stride, bytes                                        |
// | 204 | u32      | feature bits (1 velocity replicated)                              |
// | 208 | f64      | hysteresis fraction h (enter at r(1-h), leave at r(1+h))          |
// | 216 | f64[3]   | zone outer radii: immediate, near, awareness (Q16 units)          |
// | 240 | u32[4]   | zone periods, ticks: immediate, near, awareness, background       |
// | 256 | f64[5]   | score weights: distance, velocity, interaction, importance, attn  |
// | 296 | f64      | speed at which the velocity factor saturates (Q16 per tick)       |
// | 304 | f64      | fast-object speed (Q16 per tick)                                  |
// | 312 | f64[3]   | fast speed bands (Q16 per tick)                                   |
// | 336 | f64[4]   | forward projection factor per band                                |
// | 368 | f64[4]   | lateral reach factor per band                                     |
// | 400 | f64[4]   | rate multiplier per band                                          |
// | 432 | u32      | longest period of a fast entity, ticks                            |
// | 436 | u32      | interaction half-life, ticks                                      |
// | 440 | f32[3]   | round-trip class limits, ms (excellent < a, good < b, fair < c)   |
// | 456 | f32[16]  | rate multipliers [rtt class * 4 + zone]                           |
// | 520 | f64      | widest reach of any client (Q16): grid lookups use it             |
// | 528 | u32      | viewer grid cell = 2^gridShift Q16 units                          |
// | 532 | u32      | fewest ticks before a leave is resent                             |
// | 536 | f32      | tick length, ms                                                   |
// | 540 | f32[2]   | dynamic radius: smallest and largest scale                        |
// | 548 | u32[3]   | dynamic radius: shrink above, aim for, grow below (visible count) |
// | 560 | i32[2]   | world minimum and maximum z (Q16): bounds vertical reach          |
// | 568 | -        | reserved up to CTX_BYTES                                          |

export const INTEREST_MAGIC: u32 = 0x52544e49; // 'INTR'
export const INTEREST_VERSION: u32 = 2;
export const CTX_BYTES: u32 = 1024;

export const X_MAGIC: usize = 0;
export const X_VERSION: usize = 4;
export const X_MAX_CLIENTS: usize = 8;
export const X_VIEW_CAP: usize = 12;
export const X_HANDLE_BITS: usize = 16;
export const X_LANES: usize = 20;
export const X_TICK: usize = 24;
export const X_DISCOVERY: usize = 28;
export const X_SRC_CAPACITY: usize = 32;
export const X_SRC_COUNT: usize = 36;
export const X_SRC_FLAGS: usize = 40;
export const X_ALIVE_MASK: usize = 44;
export const X_SRC_GEN: usize = 48;
export const X_POS: usize = 52;
export const X_VEL: usize = 64;
export const X_YAW: usize = 76;
export const X_QUAT: usize = 80;
export const X_HP: usize = 96;
export const X_STATE: usize = 100;
export const X_IMPORTANCE: usize = 104;
export const X_ROT_MODE: usize = 108;
export const X_POS_SHIFT: usize = 112;
export const X_VEL_SHIFT: usize = 116;
export const X_YAW_BITS: usize = 120;
export const X_QUAT_BITS: usize = 124;
export const X_CELL_SHIFT: usize = 128;
export const X_WORLD: usize = 132;
export const X_CLIENTS: usize = 140;
export const X_BUDGET: usize = 144;
export const X_RTT: usize = 148;
export const X_BATCH_IDS: usize = 152;
export const X_BATCH_OFFSETS: usize = 156;
export const X_BATCH_COUNTS: usize = 160;
export const X_BATCH_QUERIES: usize = 164;
export const X_ACKS: usize = 168;
export const X_ACK_COUNT: usize = 172;
export const X_EVENTS: usize = 176;
export const X_EVENT_COUNT: usize = 180;
export const X_EVENT_PAYLOAD: usize = 184;
export const X_LANE_TABLE: usize = 188;
export const X_MAX_SNAPSHOT: usize = 192;
export const X_INCLUDE_SELF: usize = 196;
export const X_BLOCK_BYTES: usize = 200;
export const X_FEATURES: usize = 204;
export const X_HYSTERESIS: usize = 208;
export const X_ZONE_RADIUS: usize = 216;
export const X_ZONE_PERIOD: usize = 240;
export const X_WEIGHTS: usize = 256;
export const X_SPEED_SAT: usize = 296;
export const X_FAST_SPEED: usize = 304;
export const X_FAST_BANDS: usize = 312;
export const X_FAST_FORWARD: usize = 336;
export const X_FAST_LATERAL: usize = 368;
export const X_FAST_RATE: usize = 400;
export const X_FAST_PERIOD: usize = 432;
export const X_INTER_HALF_LIFE: usize = 436;
export const X_RTT_LIMITS: usize = 440;
export const X_NET_MULT: usize = 456;
export const X_MAX_REACH: usize = 520;
export const X_GRID_SHIFT: usize = 528;
export const X_LEAVE_RESEND: usize = 532;
export const X_TICK_MS: usize = 536;
export const X_DYN_MIN_SCALE: usize = 540;
export const X_DYN_MAX_SCALE: usize = 544;
export const X_DYN_SHRINK: usize = 548;
export const X_DYN_TARGET: usize = 552;
export const X_DYN_GROW: usize = 556;
export const X_MIN_Z: usize = 560;
export const X_MAX_Z: usize = 564;

export const FEATURE_VELOCITY: u32 = 1;
export const ROT_NONE: u32 = 0;
export const ROT_YAW: u32 = 1;
export const ROT_QUAT: u32 = 2;

export const NONE: u32 = 0xffffffff;
export const ZONES: u32 = 4;
export const ZONE_BACKGROUND: u32 = 3;

// Lane descriptor (LANE_BYTES each):
// | off | field                                   | off | field                                  |
// |   0 | phase of the lane tick (PH_*)           |  56 | fast list capacity                     |
// |   4 | where that phase resumes (index)        |  60 | lifecycle list: (slot, x, y, old id)   |
// |   8 | what it stopped for (NEED_* bits)       |  64 | lifecycle count                        |
// |  12 | scratch                                 |  68 | lifecycle capacity                     |
// |  16 | scratch bytes                           |  72 | event pairs (event, next) for clients  |
// |  20 | per-slot stamps (u8 x source capacity)  |  76 | event pair capacity                    |
// |  24 | stamp epoch                             |  80 | event pairs used                       |
// |  28 | viewer grid bucket starts               |  84 | reliable recipients (event, client)    |
// |  32 | viewer grid bucket bits                 |  88 | reliable capacity                      |
// |  36 | viewer grid items (GRID_ITEM_BYTES)     |  92 | reliable recipients written            |
// |  40 | per-bucket stamps (u32 per bucket)      |  96 | viewer grid items this tick            |
// |  44 | bucket stamp epoch                      | 100 | lane whose fast list the tick resumes  |
// |  48 | fast list: slots faster than fastSpeed  | 104 | counters (u32 x LANE_COUNTERS)         |
// |  52 | fast count                              |     |                                        |
// | 160 | free pages: first (0: none), first      | 176 | free pending slots: first, first above |
// |     | above the drain mark, drain mark, count |     | the drain mark, drain mark, count      |
// | 192 | output heap: pointer, capacity, used    | 204 | wanted: pages, pending slots, bytes    |
// | 216 | due handles listed for the client the lane resumes at (NONE: not listed)        |
// The lane's pools (view pages, pending records, snapshot output) are TypeScript's arena regions
// linked in by it; a lane tick that finds a pool short of what its next step could take stops
// there (phase and index saved, NEED_* set) and TypeScript tops the pool up and calls it again.
export const LANE_BYTES: u32 = 256;
// Viewer grid item: | 0 u32 client | 4 i32 x, y, z (Q16) | 16 f32 reach (Q16, scaled) |
// | 20 u32 1: 3D metric (sphere view) | 24 reserved |
export const GRID_ITEM_BYTES: u32 = 32;
/** A fast body's list entry has this bit set when it joined the world this tick. */
export const FAST_NEW: u32 = 0x80000000;
/** Fast bodies already tracked are re-projected every this many ticks (staggered by slot). */
export const FAST_STAGGER: u32 = 4;
/** Lifecycle list entries: slot, its last x and y (Q16) before a reuse moved it, the id it had. */
export const DEAD_BYTES: u32 = 16;
export const L_PHASE: usize = 0;
export const L_RESUME: usize = 4;
export const L_NEED: usize = 8;
export const L_SCRATCH: usize = 12;
export const L_SCRATCH_BYTES: usize = 16;
export const L_STAMPS: usize = 20;
export const L_EPOCH: usize = 24;
export const L_GRID_STARTS: usize = 28;
export const L_GRID_BITS: usize = 32;
export const L_GRID_ITEMS: usize = 36;
export const L_BUCKET_STAMPS: usize = 40;
export const L_BUCKET_EPOCH: usize = 44;
export const L_FAST: usize = 48;
export const L_FAST_COUNT: usize = 52;
export const L_FAST_CAP: usize = 56;
export const L_DEAD: usize = 60;
export const L_DEAD_COUNT: usize = 64;
export const L_DEAD_CAP: usize = 68;
export const L_PAIRS: usize = 72;
export const L_PAIRS_CAP: usize = 76;
export const L_PAIRS_USED: usize = 80;
export const L_RELIABLE: usize = 84;
export const L_RELIABLE_CAP: usize = 88;
export const L_RELIABLE_USED: usize = 92;
export const L_GRID_COUNT: usize = 96;
export const L_RESUME_LANE: usize = 100;
export const L_COUNTERS: usize = 104;
export const L_PAGE_FREE: usize = 160;
export const L_PAGE_FREE_COUNT: usize = 172;
export const L_PEND_FREE: usize = 176;
export const L_PEND_FREE_COUNT: usize = 188;
export const L_OUT: usize = 192;
export const L_OUT_CAP: usize = 196;
export const L_OUT_USED: usize = 200;
export const L_WANT_PAGES: usize = 204;
export const L_WANT_PENDS: usize = 208;
export const L_WANT_OUT: usize = 212;
export const L_READY: usize = 216;
// Lane tick phases (L_PHASE) and what a stopped lane needs (L_NEED bits).
export const PH_START: u32 = 0;
export const PH_FAST: u32 = 1;
export const PH_CLIENTS: u32 = 2;
export const PH_DONE: u32 = 3;
export const NEED_PAGES: u32 = 1;
export const NEED_PENDS: u32 = 2;
export const NEED_OUT: u32 = 4;
// Lane counters (u32, cumulative).
export const LC_ACKS: u32 = 0;
export const LC_ACK_STALE: u32 = 1;
export const LC_ACK_EXPIRED: u32 = 2;
export const LC_FAST_INSERTS: u32 = 3;
export const LC_VIEW_FULL: u32 = 4;
export const LC_PAIRS_OVERFLOW: u32 = 5;
export const LC_RELIABLE_OVERFLOW: u32 = 6;
export const LC_FAST_OVERFLOW: u32 = 7;
export const LC_DEAD_OVERFLOW: u32 = 8;
export const LC_DESPAWN_TOUCHES: u32 = 9;
export const LC_PENDING_LOST: u32 = 10;
export const LC_POOL_EMPTY: u32 = 11;
export const LANE_COUNTERS: u32 = 12;

// World record (W_BYTES), one per slot, written by phase A from the source columns in one
// sequential pass, so every later read of an entity is one cache line instead of one per column.
// | off | field                                                                  |
// |   0 | x, y, z (Q16 i32)                                                      |
// |  12 | velocity x, y, z (Q16 per tick; 0 without velocity columns)            |
// |  24 | rotation: yaw (Q16 radians) or the smallest-three quaternion code      |
// |  28 | hit points                                                             |
// |  32 | state bits                                                             |
// |  36 | life: generation << 1 | 1 while replicated, 0 otherwise (the last      |
// |     | tick's value tells phase A which slots died or were reused)            |
export const W_BYTES: u32 = 40;
export const W_ROT: usize = 24;
export const W_HP: usize = 28;
export const W_STATE: usize = 32;
export const W_LIFE: usize = 36;

// Quantised record (REC_WORDS u32/i32): the state the wire carries.
// | word | field                   |
// |    0 | x, wire units           |
// |    1 | y                       |
// |    2 | z                       |
// |  3-5 | velocity x, y, z        |
// |    6 | rotation code           |
// |    7 | hit points              |
// |    8 | state bits              |
export const REC_WORDS: u32 = 9;
export const REC_BYTES: u32 = 36;

// Event record (EV_BYTES), queued by TypeScript each tick:
// | 0 i32 x | 4 i32 y | 8 i32 z (Q16) | 12 f32 range m (+inf: everyone) | 16 u32 kind |
// | 20 u32 reliable | 24 u32 payload offset | 28 u32 payload length |
export const EV_BYTES: u32 = 32;

// The client block, its pages, cold parts and pending slots: client-layout.ts.
export * from './client-layout';

// One record copy for the encoder and the decoder (the wire's record layout).
export { copy_rec } from '../codec/snapshot-spec';

// @ts-ignore: decorator
@inline
export function lane_ptr(ctx: usize, lane: u32): usize {
  return <usize>load<u32>(ctx + X_LANE_TABLE) + <usize>lane * <usize>LANE_BYTES;
}

// @ts-ignore: decorator
@inline
export function client_block(ctx: usize, c: u32): usize {
  return <usize>load<u32>(<usize>load<u32>(ctx + X_CLIENTS) + (<usize>c << 2));
}

// @ts-ignore: decorator
@inline
export function bump(counterBase: usize, index: u32, by: u32): void {
  const at = counterBase + (<usize>index << 2);
  store<u32>(at, load<u32>(at) + by);
}
