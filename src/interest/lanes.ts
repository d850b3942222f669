// Lanes: the per-client work of a tick split by client (c % lanes), lane 0 on the calling thread
// and every other lane on a worker thread with its own instance of chronos.wasm over the same
// shared memory. A phase is one kernel call per lane; the calling thread starts the workers
// through a control block with Atomics, runs lane 0 itself, then waits for the others.
//
// Control block (Int32 x 8 in the arena): | 0 generation (bumped per phase) | 1 command |
// | 2 lanes finished | 3 failing lane + 1 (0: none) |.
// Instantiating a module over shared memory re-applies its data segments (the module's static
// scratch), so workers are started and awaited before any tick, never while kernels run.

import { Worker } from 'node:worker_threads';
import { StateError } from '../core/errors.js';
import type { ChronosWasm } from '../wasm/loader.js';
import type { Arena, Region } from '../wasm/arena.js';

export const CMD_WORLD_PASS = 1;
export const CMD_LANE_TICK = 2;
const CMD_STOP = 3;
const CTRL_WORDS = 8;
/** How long the calling thread waits for a lane before checking that its worker still lives. */
const WAIT_SLICE_MS = 1000;

// Plain JavaScript so a worker needs no TypeScript loader (tests run from src/, the server from
// dist/); it only instantiates the module and runs kernels on command.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { module, memory, ctx, ctrl: ctrlPtr, lane } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory, abort(_m, _f, line, column) {
  throw new Error('chronos.wasm aborted at ' + line + ':' + column);
} } });
const k = instance.exports;
const ctrl = new Int32Array(memory.buffer, ctrlPtr, ${CTRL_WORDS});
let seen = Atomics.load(ctrl, 0);
parentPort.postMessage({ ready: true });
for (;;) {
  Atomics.wait(ctrl, 0, seen);
  seen = Atomics.load(ctrl, 0);
  const cmd = Atomics.load(ctrl, 1);
  if (cmd === ${CMD_STOP}) break;
  try {
    if (cmd === ${CMD_WORLD_PASS}) k.interest_world_pass(ctx, lane);
    else if (cmd === ${CMD_LANE_TICK}) k.interest_lane_tick(ctx, lane);
  } catch (err) {
    Atomics.store(ctrl, 3, lane + 1);
    parentPort.postMessage({ error: String((err && err.stack) || err) });
  }
  Atomics.add(ctrl, 2, 1);
  Atomics.notify(ctrl, 2);
}
`;

export class LaneWorkers {
  readonly lanes: number;
  private readonly region: Region;
  private readonly arena: Arena;
  private readonly workers: Worker[] = [];
  private lastError: string | undefined;
  private dead = false;
  private stopped = false;

  /** Starts lanes - 1 workers and resolves once every one has instantiated the module. */
  static async start(wasm: ChronosWasm, arena: Arena, ctx: number, lanes: number, name: string): Promise<LaneWorkers> {
    const pool = new LaneWorkers(arena, lanes, name);
    if (lanes <= 1) return pool;
    const ready: Promise<void>[] = [];
    for (let lane = 1; lane < lanes; lane++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module: wasm.module, memory: wasm.memory, ctx, ctrl: pool.region.ptr, lane },
      });
      pool.workers.push(worker);
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
        }),
      );
      worker.on('message', (m: { error?: string }) => {
        if (m.error) pool.lastError = m.error;
      });
      worker.on('error', (err) => {
        pool.lastError = String(err);
        pool.dead = true;
      });
      worker.on('exit', () => {
        if (!pool.stopped) pool.dead = true;
      });
    }
    try {
      await Promise.all(ready);
    } catch (err) {
      await pool.stop();
      throw new StateError(`an interest lane worker failed to start: ${String(err)}`);
    }
    return pool;
  }

  private constructor(arena: Arena, lanes: number, name: string) {
    this.arena = arena;
    this.lanes = lanes;
    this.region = arena.allocate(`${name}:lane-control`, CTRL_WORDS * 4);
  }

  private ctrl(): Int32Array {
    return this.region.view('i32', 0, CTRL_WORDS);
  }

  /** Runs `command` on every worker lane while `own` runs lane 0 here; returns when all finished. */
  run(command: number, own: () => void): void {
    if (this.workers.length === 0) {
      own();
      return;
    }
    if (this.dead) throw new StateError(`an interest lane worker died: ${this.lastError ?? 'exited'}`);
    const ctrl = this.ctrl();
    Atomics.store(ctrl, 2, 0);
    Atomics.store(ctrl, 3, 0);
    Atomics.store(ctrl, 1, command);
    Atomics.add(ctrl, 0, 1);
    Atomics.notify(ctrl, 0);
    let ownError: unknown;
    try {
      own();
    } catch (err) {
      ownError = err;
    }
    const expected = this.workers.length;
    for (;;) {
      const done = Atomics.load(ctrl, 2);
      if (done >= expected) break;
      if (Atomics.wait(ctrl, 2, done, WAIT_SLICE_MS) === 'timed-out' && this.dead) {
        throw new StateError(`an interest lane worker died: ${this.lastError ?? 'exited'}`);
      }
    }
    if (ownError !== undefined) throw ownError;
    const failed = Atomics.load(ctrl, 3);
    if (failed !== 0) throw new StateError(`interest lane ${failed - 1} failed: ${this.lastError ?? 'unknown error'}`);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.workers.length > 0 && !this.region.isReleased) {
      const ctrl = this.ctrl();
      Atomics.store(ctrl, 1, CMD_STOP);
      Atomics.add(ctrl, 0, 1);
      Atomics.notify(ctrl, 0);
    }
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
    if (!this.region.isReleased) this.arena.release(this.region);
  }
}
