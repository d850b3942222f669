import type { Arena } from '../wasm/arena.js';
import type { KernelHeap } from './kernel-heap.js';
// What a GameReplicator (game-snapshot.ts) is made with, what it counts, and what one walk of
// its encoder over a view reports.

import type { UpdateZonesSpec } from './update-zones.js';

export interface GameReplicatorOptions {
  /** Most entities the client's view holds at once. */
  readonly viewCapacity: number;
  /** Most bytes one message takes; records past it wait for a later tick. */
  readonly maxMessageBytes?: number;
  /** The client's player id: it receives owner-only fields of entities whose owner this is (0: none). */
  readonly owner?: number;
  /**
   * The first message's seq (default 0): a replicator taking over a client from another (an
   * encode worker given up) goes on from the last seq that client saw, so its messages are not
   * stale there. Its first message is whole (it has no acknowledged frame).
   */
  readonly firstSeq?: number;
  /**
   * Update rates by distance from the recipient's avatar (update-zones.ts): farther entities'
   * changes wait for their band's turn. Needs the avatar's slot at each encode (`origin`).
   */
  readonly zones?: UpdateZonesSpec;
  /** Messages a second, for the zones' periods (default 60). */
  readonly tickHz?: number;
  /**
   * The WebAssembly arena the store lives in (a game whose rules are its AssemblyScript keeps
   * it there): the encoder's run kernels are then WebAssembly and its frames and message live in
   * the arena (game-wasm-kernels.ts). Not for a store outside the arena or on an unshared
   * memory: the JavaScript kernels then, the same bytes. Call dispose() when done. An encode
   * worker gives a heap of blocks it owns in that memory instead (KernelHeap).
   */
  readonly arena?: Arena | KernelHeap;
}

export interface GameReplicatorCounters {
  messages: number;
  bytes: number;
  enters: number;
  updates: number;
  leaves: number;
  /** Records that did not fit a message and wait for a later one. */
  deferred: number;
  /** Messages sent with no acknowledged baseline (every record an enter). */
  fulls: number;
  /** Kept entities handled by the compiled run kernels (the rest went one by one). */
  runEntities: number;
}

/** What one walk over the view wrote. */
export interface Pass {
  records: number;
  enters: number;
  updates: number;
  leaves: number;
  deferred: number;
}
