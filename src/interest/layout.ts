// TypeScript side of the interest management layout documented (with its tables) in
// assembly/interest/layout.ts. The numbers must equal the AssemblyScript constants: the
// pipeline checks the module's self-description (interest_layout) at creation and a test
// compares them.

export const INTEREST_MAGIC = 0x52544e49; // 'INTR'
export const INTEREST_VERSION = 1;
export const CTX_BYTES = 1024;
export const CH_BYTES = 1024;
export const LANE_BYTES = 256;
export const REC_WORDS = 9;
export const REC_BYTES = 36;
export const COLS = 3;
export const ENTRY_BYTES = 128;
/** Viewer grid item: client, viewer x y z, reach, metric. */
export const GRID_ITEM_BYTES = 32;
/** Ticks the due wheel spans (a bitmap of V bits per tick). */
export const WHEEL = 64;
/** Byte offset of the entries in a client block (after the columns, the slot index, the wheel). */
export function entriesOffset(viewCapacity: number): number {
  return CH_BYTES + (COLS + 1) * viewCapacity * 4 + (WHEEL * viewCapacity) / 8;
}
export const W_BYTES = 40;
/** Lifecycle list entries: slot, last x, last y. */
export const DEAD_BYTES = 12;
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
  counters: 104,
} as const;

/** Lane counters (u32 at L.counters + 4 * index). */
export const LANE_COUNTER_NAMES = [
  'acks', 'ackStale', 'ackExpired', 'fastInserts', 'viewFull', 'eventPairsOverflow', 'reliableOverflow',
  'fastListOverflow', 'lifecycleOverflow', 'despawnTouches', 'pendingLost',
] as const;
export type LaneCounter = (typeof LANE_COUNTER_NAMES)[number];

/** Client block header byte offsets. */
export const C = {
  active: 0,
  viewer: 4,
  point: 8,
  shapeCount: 20,
  follow: 24,
  scale: 32,
  bound: 40,
  halfHeight: 48,
  hw: 56,
  freeHead: 60,
  used: 64,
  visible: 68,
  seq: 72,
  ackedAny: 76,
  query: 80,
  outLen: 84,
  evHead: 88,
  evTail: 92,
  generation: 96,
  gridBucket: 100,
  bytes: 104,
  counters: 112,
  visibleTicks: 184,
  lastAckSeq: 192,
  lastAckTick: 196,
  shapes: 200,
  fixedYaw: 456,
  ring: 464,
  ackedMask: 976,
  discoverNow: 984,
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

/** Client columns, in order after the header (V u32 each): the fields scanned with v128. */
export const COL = { slot: 0, due: 1, pseq: 2 } as const;

/** Entry byte offsets (ENTRY_BYTES each, after the columns). */
export const E = {
  id: 0,
  last: 4,
  sends: 8,
  first: 12,
  inter: 16,
  interT: 20,
  meta: 24,
  bseq: 28,
  btick: 32,
  bsend: 36,
  ptick: 40,
  psend: 44,
  nextFree: 48,
  base: 56,
  pend: 92,
} as const;

export const ST_FREE = 0;
export const ST_VISIBLE = 1;
export const ST_LEAVING = 2;
