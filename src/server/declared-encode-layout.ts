// The shared memory between a DeclaredServer and one encode worker (declared-encode-pool.ts,
// declared-encode-worker.ts): a control block, the tick's operations and jobs, the players'
// views and the messages encoded, each a SharedArrayBuffer handed over once at start.
//
// | buffer | words / bytes            | meaning                                               |
// |--------|--------------------------|-------------------------------------------------------|
// | ctrl   | i32 x 8                  | C.GEN (bumped per round), C.DONE (the round finished), |
// |        |                          | C.OPS / C.JOBS (counts), C.STATUS (1 ready, -1 failed),|
// |        |                          | C.CLOSE (1: stop), C.BUSY_US (the worker's busy time,  |
// |        |                          | microseconds, wrapping)                                |
// | ops    | i32 x 3 x MAX_OPS        | [OP.ADD id owner] [OP.REMOVE id 0] [OP.ACK id seq]     |
// | jobs   | i32 x JOB_WORDS x MAX_JOBS | id, tick, count, budget, input seq and queue, slots, |
// |        |                          | offset, the avatar's slot (update zones' origin), the  |
// |        |                          | view's scale in 255ths (0: not said); the              |
// |        |                          | worker writes the out offset and the length (-1: no    |
// |        |                          | such player, OUT_OF_ROOM: out is full)                 |
// | slots  | u32 x SLOT_WORDS         | the jobs' views, one after another                     |
// | out    | u8 x OUT_BYTES           | the jobs' messages one after another, each within its  |
// |        |                          | budget and what is left                                |

import type { EncoderSettings } from './declared-encoders.js';

// WASM_ENCODERS: the worker's players whose run kernels are WebAssembly (written by the worker).
export const C = { GEN: 0, DONE: 1, OPS: 2, JOBS: 3, STATUS: 4, CLOSE: 5, BUSY_US: 6, WASM_ENCODERS: 7 } as const;
export const CTRL_WORDS = 8;
export const OP = { ADD: 1, REMOVE: 2, ACK: 3 } as const;
export const MAX_OPS = 1 << 16;
export const J = { ID: 0, TICK: 1, COUNT: 2, BUDGET: 3, INPUT_SEQ: 4, INPUT_QUEUE: 5, SLOTS: 6, OUT: 7, LENGTH: 8, ORIGIN: 9, VIEW_SCALE: 10 } as const;
export const JOB_WORDS = 11;
export const MAX_JOBS = 1 << 14;
/** Views of one round: 4 MiB (about 8,000 views of 128). */
export const SLOT_WORDS = 1 << 20;
/** Messages of one round: 4 MiB. */
export const OUT_BYTES = 1 << 22;
/** A job's length when the round's output had no room left for its message. */
export const OUT_OF_ROOM = -2;

export interface EncodeWorkerData {
  readonly declaration: unknown;
  readonly fingerprint: number;
  readonly store: SharedArrayBuffer;
  readonly byteOffset: number;
  readonly capacity: number;
  /** What every replicator is made with (its zones as the game declared them: plain data). */
  readonly settings: EncoderSettings;
  readonly ctrl: SharedArrayBuffer;
  readonly ops: SharedArrayBuffer;
  readonly jobs: SharedArrayBuffer;
  readonly slots: SharedArrayBuffer;
  readonly out: SharedArrayBuffer;
  /**
   * Where the store's memory is a WebAssembly arena's (the game module's): that memory, and a
   * block of it the worker's encoders own (their frames, view copies and messages), so that
   * their run kernels are WebAssembly too (game-wasm-kernels.ts). None: JavaScript kernels.
   */
  readonly kernelHeap?: { readonly memory: WebAssembly.Memory; readonly maximumPages: number; readonly ptr: number; readonly bytes: number };
}

/**
 * Bytes of the arena an encode worker's encoders get for their frames, at most (past them:
 * frames in its JavaScript heap, the JavaScript kernels); all workers together take at most a
 * quarter of the room the arena has left.
 */
export const WORKER_HEAP_BYTES = 48 * 1024 * 1024;
