// Public types of the interest pipeline (pipeline.ts): client and event options, what the
// pipeline reports per client and in total, and the inspection view of an entry.

import type { LaneCounter } from './layout.js';
import type { ShapeSpec } from './shapes.js';

export interface ClientOptions {
  /** Entity slot the client sees from (its avatar or camera entity). */
  viewerSlot?: number;
  /** Or a fixed point in metres (spectators, tools). */
  position?: readonly [number, number, number];
  shape?: ShapeSpec;
  /** Shapes turn with the viewer's facing (default true); otherwise with fixedYawRad. */
  followHeading?: boolean;
  fixedYawRad?: number;
}

export interface EventOptions {
  x: number;
  y: number;
  z: number;
  /** Clients whose viewer is within this many metres receive it (default: everyone). */
  rangeM?: number;
  /** Game-defined kind, 0..255. */
  kind: number;
  /** Reliable events go on the reliable channel to every recipient; others ride in snapshots. */
  reliable?: boolean;
  payload?: Uint8Array;
}

export interface ReliableDelivery {
  /** The EVENT message (codec/broadcast-event.ts), the same bytes for every recipient. */
  bytes: Uint8Array;
  recipients: number[];
}

export interface ClientCounters {
  messages: number;
  bytes: number;
  enters: number;
  leaves: number;
  leavesAcked: number;
  fulls: number;
  deltas: number;
  /** Due records a budget did not leave room for (sent on a later tick). */
  deferred: number;
  acks: number;
  ackStale: number;
  ackExpired: number;
  viewFull: number;
  fastInserts: number;
  eventsSent: number;
  eventsDropped: number;
  /** Records sent per zone: immediate, near, awareness, background. */
  zoneUpdates: [number, number, number, number];
  /** Sum over ticks of the visible count (what sending all of it every tick would cost). */
  visibleTicks: number;
  visible: number;
  scale: number;
  /** View pages the client holds (PAGE_ENTRIES handles each): its view's memory follows what it sees. */
  viewPages: number;
}

export type InterestTotals = ClientCounters & Record<LaneCounter, number> & { clients: number; queries: number; memoryBytes: number };

export interface ViewEntry {
  handle: number;
  slot: number;
  id: number;
  state: 'visible' | 'leaving';
  zone: number;
  due: number;
  lastSent: number;
  hasBaseline: boolean;
}
