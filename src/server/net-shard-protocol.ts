// What a network worker (net-worker.ts) and the server's main thread (net-workers.ts) exchange.
// Each worker owns a shard of connections: its own UDP socket (its own port: Node's dgram
// cannot share one), its own crypto and NetServer. Per worker, in shared memory:
//
//   inbox  (MessageRing, worker -> main): what its clients did and said, in order
//          CONNECT (arg: session tier; payload: client id as f64, then "transport\nhost")
//          INTERRUPT / DISCONNECT (arg: reason), MESSAGE (channel; payload: the message)
//   outbox (MessageRing, main -> worker): what its clients are to be sent this tick
//          SEND (channel; payload: the message, copied), KICK (arg: disconnect reason)
//   control (Int32 x 8): | 0 doorbell (bumped with every command; the worker waits on it) |
//                        | 1 flush generation (main bumps it after each tick) |
//                        | 2 flushes done (the worker bumps it after sealing and sending) |
//                        | 3 poll generation, 4 polls done (a ring transport's packets taken in) |
//                        | 5 stop | 6 lifecycle events waiting in the worker (ring was full) |
//   stats  (Float64 x STATS_WORDS per connection): budget bytes, smoothed RTT ms, bytes in,
//          bytes out, the newest resume ticket's nonce (3 x u32): written by the worker after
//          each flush, read by the main thread (POST /connect checks a ticket against it)
//   timing (Float64 x 2): ms the worker spent busy (receiving, flushing), packets received
//
// With transport 'ring' (the socketless server bench) the worker's packets come and go through
// two more rings instead of a UDP socket (src/net/transport-ring.ts), and it takes in what
// arrived when told to poll.
//
// Connection ids are the worker's own (0 .. maxConnections-1); the main thread makes them
// global as worker index x stride + id. Lifecycle events are never dropped (the worker queues
// them when its inbox is full); client messages are, counted, if the main thread falls behind.

export const KIND_CONNECT = 1;
export const KIND_INTERRUPT = 2;
export const KIND_DISCONNECT = 3;
export const KIND_MESSAGE = 4;
export const KIND_SEND = 5;
export const KIND_KICK = 6;

export const CTRL_DOORBELL = 0;
export const CTRL_FLUSH = 1;
export const CTRL_FLUSHED = 2;
export const CTRL_POLL = 3;
export const CTRL_POLLED = 4;
export const CTRL_STOP = 5;
export const CTRL_PENDING = 6;
export const CTRL_WORDS = 8;
export const TIMING_BUSY_MS = 0;
export const TIMING_PACKETS = 1;

export const STATS_WORDS = 7;
export const STAT_BUDGET = 0;
export const STAT_RTT = 1;
export const STAT_BYTES_IN = 2;
export const STAT_BYTES_OUT = 3;
/** Three words: the ticket nonce's u32s (Connection.ticketNonce0..2). */
export const STAT_TICKET = 4;

/** 4 MiB each way per worker: a tick of 5,000 clients' snapshots is well under 2 MiB. */
export const RING_BYTES = 4 << 20;

export interface NetWorkerData {
  index: number;
  host: string;
  port: number;
  secret: Uint8Array;
  /** The channel configs, as plain data (every limit included). */
  channels: readonly Record<string, unknown>[];
  maxConnections: number;
  maxSessionsPerIp?: number;
  inbox: SharedArrayBuffer;
  outbox: SharedArrayBuffer;
  control: SharedArrayBuffer;
  stats: SharedArrayBuffer;
  timing: SharedArrayBuffer;
  /** 'udp' (default): a socket on `port`; 'ring': packets through `packetsIn` / `packetsOut`. */
  transport?: 'udp' | 'ring';
  packetsIn?: SharedArrayBuffer;
  packetsOut?: SharedArrayBuffer;
}

/** What a worker reports once a second (and when asked): its NetServer's counters. */
export interface NetWorkerCounters {
  connections: number;
  parked: number;
  packetsReceived: number;
  packetsAccepted: number;
  bytesReceived: number;
  packetsSent: number;
  bytesSent: number;
  handshakesCompleted: number;
  inboxDropped: number;
  /** The worker's JavaScript heap in use, bytes. */
  heapUsed: number;
  packetDrops: Record<string, number>;
  messageDrops: Record<string, number>;
}

export type NetWorkerMessage =
  | { type: 'ready'; port: number }
  | { type: 'counters'; counters: NetWorkerCounters }
  | { type: 'fatal'; message: string };
