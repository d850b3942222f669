// TypeScript side of the interest management layout documented (with its tables) in
// assembly/interest/layout.ts. The numbers must equal the AssemblyScript constants: the
// pipeline checks the module's self-description (interest_layout) at creation and a test
// compares them.

export const INTEREST_MAGIC = 0x52544e49; // 'INTR'
export const INTEREST_VERSION = 2;
export const CTX_BYTES = 1024;
export const CH_BYTES = 1024;
export const LANE_BYTES = 256;
export const REC_WORDS = 9;
export const REC_BYTES = 36;
/** Viewer grid item: client, viewer x y z, reach, metric. */
export const GRID_ITEM_BYTES = 32;
/** A page holds PAGE_ENTRIES entries: hot fields as arrays, index cells, cold parts. */
export const PAGE_ENTRIES = 16;
export const PAGE_BYTES = 320 + 16 * 64;
export const COLD_BYTES = 64;
/** Page table entry after the client header: page pointer, earliest due tick. */
export const PT_BYTES = 8;
/** Pending-record slot: record (a free slot's first word links to the next), send number. */
export const PEND_BYTES = 40;
/** Page byte offsets of the hot arrays (u32 x PAGE_ENTRIES each) and the cold parts. */
export const P = { due: 0, id: 64, last: 128, pm: 192, index: 256, cold: 320 } as const;
/** Meta (pm >>> 16): state bits 0-1, zone bits 2-3, flags from bit 4. */
export const M_ZONE_SHIFT = 2;
export const M_FLAG_SHIFT = 4;
export const EF_NOBASE = 4;
/** Cold part byte offsets. */
export const K = { base: 0, bseq: 36, btick: 40, bsend: 44, sends: 46, pend: 48, ptick: 52, inter: 56, interT: 60 } as const;
/** Pending slot: the free-list link. */
export const Q_NEXT = 0;
export const W_BYTES = 40;
/** Lifecycle list entries: slot, last x, last y, the id it had. */
export const DEAD_BYTES = 16;
/** Bytes after a client's output buffer: a record may run past the budget before it is rewound. */
export const OUT_SLACK = 512;
export const RING = 64;
export const RING_BYTES = 8;
export const EV_BYTES = 32;
export const NONE = 0xffffffff;
export const FEATURE_VELOCITY = 1;
export const ROT_NONE = 0;
export const ROT_YAW = 1;
export const ROT_QUAT = 2;
export const ZONES = 4;

/** Context block byte offsets. */
export const X = {
  magic: 0,
  version: 4,
  maxClients: 8,
  viewCap: 12,
  handleBits: 16,
  lanes: 20,
  tick: 24,
  discovery: 28,
  srcCapacity: 32,
  srcCount: 36,
  srcFlags: 40,
  aliveMask: 44,
  srcGen: 48,
  pos: 52,
  vel: 64,
  yaw: 76,
  quat: 80,
  hp: 96,
  state: 100,
  importance: 104,
  rotMode: 108,
  posShift: 112,
  velShift: 116,
  yawBits: 120,
  quatBits: 124,
  cellShift: 128,
  world: 132,
  clients: 140,
  budget: 144,
  rtt: 148,
  batchIds: 152,
  batchOffsets: 156,
  batchCounts: 160,
  batchQueries: 164,
  acks: 168,
  ackCount: 172,
  events: 176,
  eventCount: 180,
  eventPayload: 184,
  laneTable: 188,
  maxSnapshot: 192,
  includeSelf: 196,
  blockBytes: 200,
  features: 204,
  hysteresis: 208,
  zoneRadius: 216,
  zonePeriod: 240,
  weights: 256,
  speedSat: 296,
  fastSpeed: 304,
  fastBands: 312,
  fastForward: 336,
  fastLateral: 368,
  fastRate: 400,
  fastPeriod: 432,
  interHalfLife: 436,
  rttLimits: 440,
  netMult: 456,
  maxReach: 520,
  gridShift: 528,
  leaveResend: 532,
  tickMs: 536,
  dynMinScale: 540,
  dynMaxScale: 544,
  dynShrink: 548,
  dynTarget: 552,
  dynGrow: 556,
  minZ: 560,
  maxZ: 564,
} as const;

/** Lane descriptor byte offsets. */
export const L = {
  phase: 0,
  resume: 4,
  need: 8,
  scratch: 12,
  scratchBytes: 16,
  stamps: 20,
  epoch: 24,
  gridStarts: 28,
  gridBits: 32,
  gridItems: 36,
  bucketStamps: 40,
  bucketEpoch: 44,
  fast: 48,
  fastCount: 52,
  fastCap: 56,
  dead: 60,
  deadCount: 64,
  deadCap: 68,
  pairs: 72,
  pairsCap: 76,
  pairsUsed: 80,
  reliable: 84,
  reliableCap: 88,
  reliableUsed: 92,
  gridCount: 96,
  resumeLane: 100,
  counters: 104,
  pageFree: 160,
  pageCold: 164,
  pageMark: 168,
  pageFreeCount: 172,
  pendFree: 176,
  pendCold: 180,
  pendMark: 184,
  pendFreeCount: 188,
  out: 192,
  outCap: 196,
  outUsed: 200,
  wantPages: 204,
  wantPends: 208,
  wantOut: 212,
} as const;
/** Lane tick phases and what a stopped lane needs (L.need bits). */
export const PH_START = 0;
export const NEED_PAGES = 1;
export const NEED_PENDS = 2;
export const NEED_OUT = 4;

/** Lane counters (u32 at L.counters + 4 * index). */
export const LANE_COUNTER_NAMES = [
  'acks', 'ackStale', 'ackExpired', 'fastInserts', 'viewFull', 'eventPairsOverflow', 'reliableOverflow',
  'fastListOverflow', 'lifecycleOverflow', 'despawnTouches', 'pendingLost', 'poolEmpty',
] as const;
export type LaneCounter = (typeof LANE_COUNTER_NAMES)[number];

/** Client block header byte offsets. */
export const C = {
  active: 0,
  viewer: 4,
  point: 8,
  shapeCount: 20,
  follow: 24,
  pages: 28,
  scale: 32,
  bound: 40,
  halfHeight: 48,
  hw: 56,
  query: 60,
  used: 64,
  visible: 68,
  seq: 72,
  ackedAny: 76,
  outLen: 80,
  outOff: 84,
  evHead: 88,
  evTail: 92,
  ackedMask: 96,
  lastAckSeq: 104,
  lastAckTick: 108,
  generation: 112,
  gridBucket: 116,
  discoverNow: 120,
  freeHint: 124,
  bytes: 128,
  visibleTicks: 136,
  counters: 144,
  fixedYaw: 216,
  shapes: 256,
  ring: 512,
} as const;

/** Client counters (u32 at C.counters + 4 * index); zoneUpdates is four counters. */
export const CC = {
  messages: 0,
  enters: 1,
  leaves: 2,
  fulls: 3,
  deltas: 4,
  deferred: 5,
  acks: 6,
  ackStale: 7,
  ackExpired: 8,
  viewFull: 9,
  fastInserts: 10,
  eventsSent: 11,
  eventsDropped: 12,
  zoneUpdates: 13,
  leavesAcked: 17,
} as const;
export const CLIENT_COUNTERS = 18;

export const SHAPE_BYTES = 64;
export const MAX_SHAPES = 4;
export const SHAPE_KIND = { sphere: 0, circle: 1, ellipse: 2, sector: 3 } as const;
/** Sub-shape byte offsets. */
export const S = { kind: 0, a: 8, b: 16, halfAngle: 24, yaw: 32, halfHeight: 40, cosEnter: 48, cosLeave: 56 } as const;


export const ST_FREE = 0;
export const ST_VISIBLE = 1;
export const ST_LEAVING = 2;
