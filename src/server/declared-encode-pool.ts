// DeclaredServer's snapshots encoded on worker threads (SnapshotEncoders, declared-encoders.ts):
// each player's replicator lives in one worker or on the main thread (players dealt round robin
// over the workers and the main thread, which takes a share like a worker's); each tick the main
// thread writes every worker's operations and jobs into shared memory, wakes them all, encodes
// its own share meanwhile and waits for the rest. They encode in parallel from the store, which
// the workers read in place (it must live in a SharedArrayBuffer: a game module's arena, or
// GameStore with `shared`). The main thread keeps the network, the game's step and its
// visible() calls.
//
// A worker that fails to start, dies or misses a round's deadline is given up: its players get
// replicators on the main thread, starting again from a full state, and the server goes on.

import { Worker } from 'node:worker_threads';
import { ArenaOutOfMemoryError, ConfigError } from '../core/errors.js';
import type { GameDeclaration } from '../core/game.js';
import type { GameStore } from '../core/game-store.js';
import { GAME_HEADER_BYTES } from '../codec/game-frames.js';
import { viewScaleByte } from '../codec/game-snapshot.js';
import { C, CTRL_WORDS, J, JOB_WORDS, MAX_JOBS, MAX_OPS, OP, OUT_BYTES, OUT_OF_ROOM, SLOT_WORDS, WORKER_HEAP_BYTES, type EncodeWorkerData } from './declared-encode-layout.js';
import { LocalEncoders, type EncoderSettings, type SnapshotEncoders } from './declared-encoders.js';
import type { Arena, Region } from '../wasm/arena.js';

let heapNames = 0;
/** Less than this a worker's encoders would hold a handful of frames: they run the JavaScript kernels instead. */
const MIN_WORKER_HEAP_BYTES = 1 << 20;

/** How long a round may take before its worker is given up. */
const ROUND_DEADLINE_MS = 2000;
const START_DEADLINE_MS = 10_000;

interface Lane {
  readonly index: number;
  readonly worker: Worker;
  readonly ctrl: Int32Array;
  readonly ops: Int32Array;
  readonly jobs: Int32Array;
  readonly slots: Uint32Array;
  readonly out: Uint8Array;
  alive: boolean;
  /** Given up: never used again. */
  gone: boolean;
  gen: number;
  opCount: number;
  jobCount: number;
  slotsUsed: number;
  /** The job index a slots() call reserved for the next job() of this lane. */
  pending: number;
  /** The worker's busy count (C.BUSY_US) when last read. */
  busyUs: number;
}

function workerEntry(): URL | string {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new URL('./declared-encode-worker.js', self);
  const source = new URL('./declared-encode-worker.ts', self).href;
  return `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(source)}); }).catch((err) => { throw err; });`;
}

export interface EncodePoolCounters {
  workers: number;
  alive: number;
  rounds: number;
  /** Workers given up (failed, died or too slow): their players moved to the main thread. */
  givenUp: number;
  /** Views cut short because a round's shared view space ran out. */
  viewsCut: number;
  /** Players encoded on the main thread now: its share, and those of workers given up. */
  mainThreadPlayers: number;
  /** Messages not sent because a round's output (OUT_BYTES a worker) was full: they wait a tick. */
  outOfRoom: number;
}



export class EncodePool<D extends GameDeclaration> implements SnapshotEncoders {
  /** The main thread's share only: the workers' replicators live in their own memory. */
  get heldBytes(): number {
    return this.local.heldBytes;
  }

  readonly counters: EncodePoolCounters;
  private readonly lanes: Lane[] = [];
  /** Player id -> its lane, or -1 when the main thread encodes it (a lane given up). */
  private readonly laneOf = new Map<number, number>();
  private readonly owners = new Map<number, number>();
  /** Each worker-encoded player's last message seq: a takeover on the main thread goes on from it. */
  private readonly lastSeq = new Map<number, number>();
  private readonly local: LocalEncoders<D>;
  private readonly jobIndex = new Map<number, number>();
  private next = 0;
  private closing = false;
  /** Milliseconds the workers spent on rounds, all of them together (the main thread's share not counted). */
  busyMs = 0;

  private readonly viewCapacity: number;
  private readonly maxMessageBytes: number;
  /** Each worker's block of the arena (none: the JavaScript kernels), given back at close. */
  private readonly heaps: NonNullable<EncodeWorkerData['kernelHeap']>[] = [];
  private readonly heapRegions: Region[] = [];
  private arena: Arena | undefined;

  private constructor(private readonly store: GameStore<D>, private readonly settings: EncoderSettings, workers: number, private readonly log: (line: string) => void, arena?: Arena) {
    this.viewCapacity = settings.viewCapacity;
    this.maxMessageBytes = settings.maxMessageBytes;
    // The players the main thread keeps (past the workers' room, or given up by one) encode in WebAssembly where the store is in its arena.
    this.local = new LocalEncoders(store, settings, arena);
    this.counters = { workers, alive: 0, rounds: 0, givenUp: 0, viewsCut: 0, mainThreadPlayers: 0, outOfRoom: 0 };
  }

  /** The workers' players whose run kernels are WebAssembly (their store in the game module's arena), as the workers last said. */
  get wasmEncoders(): number {
    let n = 0;
    for (const lane of this.lanes) if (lane.alive) n += Atomics.load(lane.ctrl, C.WASM_ENCODERS);
    return n;
  }

  /** Starts `workers` threads over `store` (in a SharedArrayBuffer); resolves when they are ready. */
  static async start<D extends GameDeclaration>(store: GameStore<D>, options: EncoderSettings & { workers: number; log: (line: string) => void; arena?: Arena }): Promise<EncodePool<D>> {
    const buffer = store.region.buffer;
    if (typeof SharedArrayBuffer === 'undefined' || !(buffer instanceof SharedArrayBuffer)) {
      throw new ConfigError('encodeWorkers', 'encode workers read the store in place: give it shared memory (GameStore { shared: true }, or a game module\'s store)');
    }
    if (!Number.isInteger(options.workers) || options.workers < 1 || options.workers > 64) throw new ConfigError('encodeWorkers', `must be an integer in [1, 64], got ${options.workers}`);
    const { workers, log, arena, ...settings } = options;
    const pool = new EncodePool(store, settings, workers, log, arena);
    // A block of the module's arena for each worker's encoders (their run kernels WebAssembly),
    // where the store lives there and the arena has room; else they run the JavaScript kernels.
    if (arena && arena.holds(store.region)) {
      // At most a quarter of the room the arena has left, all workers together: the game's own
      // regions (its index, its views) grow in the same arena and must not find it gone.
      const { maximumBytes, topByte, freeBytes } = arena.stats();
      const each = Math.min(WORKER_HEAP_BYTES, Math.floor((maximumBytes - topByte + freeBytes) / 4 / workers / 65536) * 65536);
      for (let i = 0; i < workers && each >= MIN_WORKER_HEAP_BYTES; i++) {
        try {
          const region = arena.allocate(`encode-worker-${i}-heap-${++heapNames}`, each);
          pool.heaps[i] = { memory: arena.wasm.memory, maximumPages: arena.wasm.maximumPages, ptr: region.ptr, bytes: region.byteLength };
          pool.heapRegions.push(region);
        } catch (err) {
          if (!(err instanceof ArenaOutOfMemoryError)) throw err;
          break;
        }
      }
      pool.arena = arena;
    }
    for (let i = 0; i < options.workers; i++) pool.lanes.push(pool.spawn(i, buffer));
    await Promise.all(pool.lanes.map((lane) => pool.waitReady(lane)));
    return pool;
  }

  private spawn(index: number, buffer: SharedArrayBuffer): Lane {
    const sab = (bytes: number) => new SharedArrayBuffer(bytes);
    const data: EncodeWorkerData = {
      declaration: this.store.game.declaration,
      fingerprint: this.store.game.fingerprint,
      store: buffer,
      byteOffset: this.store.region.byteOffset,
      capacity: this.store.capacity,
      settings: this.settings,
      ctrl: sab(CTRL_WORDS * 4),
      ops: sab(MAX_OPS * 3 * 4),
      jobs: sab(MAX_JOBS * JOB_WORDS * 4),
      slots: sab(SLOT_WORDS * 4),
      out: sab(OUT_BYTES),
      ...(this.heaps[index] ? { kernelHeap: this.heaps[index] } : {}),
    };
    const entry = workerEntry();
    const worker = typeof entry === 'string' ? new Worker(entry, { eval: true, workerData: data }) : new Worker(entry, { workerData: data });
    const lane: Lane = {
      index, worker, alive: false, gone: false, gen: 0, opCount: 0, jobCount: 0, slotsUsed: 0, pending: -1, busyUs: 0,
      ctrl: new Int32Array(data.ctrl), ops: new Int32Array(data.ops), jobs: new Int32Array(data.jobs), slots: new Uint32Array(data.slots), out: new Uint8Array(data.out),
    };
    worker.on('error', (err) => this.giveUp(lane, `failed: ${err.message}`));
    worker.on('exit', (code) => !this.closing && this.giveUp(lane, `exited with code ${code}`));
    return lane;
  }

  private async waitReady(lane: Lane): Promise<void> {
    const started = Date.now();
    while (Atomics.load(lane.ctrl, C.STATUS) === 0 && Date.now() - started < START_DEADLINE_MS && !lane.gone) {
      const waited = Atomics.waitAsync(lane.ctrl, C.STATUS, 0, 100);
      if (waited.async) await waited.value;
    }
    if (lane.gone) return;
    if (Atomics.load(lane.ctrl, C.STATUS) === 1) {
      lane.alive = true;
      this.counters.alive++;
    } else {
      this.giveUp(lane, Atomics.load(lane.ctrl, C.STATUS) === -1 ? 'does not play this game (fingerprint)' : 'did not start');
    }
  }

  /** A lane's players move to the main thread (fresh replicators: their next message is whole). */
  private giveUp(lane: Lane, why: string): void {
    if (lane.gone) return;
    lane.gone = true;
    const wasAlive = lane.alive;
    lane.alive = false;
    if (wasAlive) this.counters.alive--;
    this.counters.givenUp++;
    for (const [id, l] of this.laneOf) {
      if (l !== lane.index) continue;
      this.laneOf.set(id, -1);
      this.counters.mainThreadPlayers++;
      this.local.add(id, this.owners.get(id)!, (this.lastSeq.get(id) ?? -1) + 1);
    }
    this.log(`chronos: encode worker ${lane.index} ${why}; its players are encoded on the main thread`);
    void lane.worker.terminate();
  }

  private laneFor(id: number): Lane | undefined {
    const l = this.laneOf.get(id);
    return l === undefined || l < 0 ? undefined : this.lanes[l];
  }

  private op(lane: Lane, kind: number, id: number, arg: number): void {
    if (lane.opCount === MAX_OPS) this.round([lane], false); // a burst of operations: apply them first, no jobs
    const at = lane.opCount++ * 3;
    lane.ops[at] = kind;
    lane.ops[at + 1] = id;
    lane.ops[at + 2] = arg | 0;
  }

  add(id: number, owner: number): void {
    this.owners.set(id, owner);
    const alive = this.lanes.filter((l) => l.alive);
    // The main thread takes a share like a worker's (it encodes its players while the workers
    // encode theirs, instead of waiting idle), and all of them when no worker is alive.
    const k = this.next++ % (alive.length + 1);
    if (k === alive.length) {
      this.laneOf.set(id, -1);
      this.counters.mainThreadPlayers++;
      this.local.add(id, owner);
      return;
    }
    const lane = alive[k]!;
    this.laneOf.set(id, lane.index);
    this.op(lane, OP.ADD, id, owner);
  }

  remove(id: number): void {
    const lane = this.laneFor(id);
    if (lane) this.op(lane, OP.REMOVE, id, 0);
    else if (this.laneOf.has(id)) {
      this.local.remove(id);
      this.counters.mainThreadPlayers--;
    }
    this.laneOf.delete(id);
    this.owners.delete(id);
    this.lastSeq.delete(id);
  }

  ack(id: number, seq: number): void {
    const lane = this.laneFor(id);
    if (lane) this.op(lane, OP.ACK, id, seq);
    else this.local.ack(id, seq);
  }

  begin(): void {
    this.local.begin();
    this.jobIndex.clear();
    for (const lane of this.lanes) {
      lane.jobCount = 0;
      lane.slotsUsed = 0;
      lane.pending = -1;
    }
  }

  slots(id: number): Uint32Array {
    const lane = this.laneFor(id);
    if (!lane) return this.local.slots(id);
    const room = Math.min(this.viewCapacity, SLOT_WORDS - lane.slotsUsed);
    if (room < this.viewCapacity) this.counters.viewsCut++;
    lane.pending = lane.slotsUsed;
    return lane.slots.subarray(lane.slotsUsed, lane.slotsUsed + room);
  }

  job(id: number, tick: number, count: number, budgetBytes: number, inputSeq: number, inputQueue: number, origin = -1, viewScale = 0): void {
    const lane = this.laneFor(id);
    if (!lane) return this.local.job(id, tick, count, budgetBytes, inputSeq, inputQueue, origin, viewScale);
    if (lane.pending < 0 || lane.jobCount === MAX_JOBS) return; // no slots() first, or a full round: no message this tick
    // The worker packs the round's messages one after another as long as they are, each within
    // its budget and what is left of the output (reserving every budget up front ran 500 players'
    // 9 KB budgets past it, and the last players got no message at all).
    const budget = Math.min(this.maxMessageBytes, Math.max(GAME_HEADER_BYTES, Math.floor(budgetBytes) || 0));
    const room = Math.min(this.viewCapacity, SLOT_WORDS - lane.pending);
    const k = lane.jobCount++;
    const at = k * JOB_WORDS;
    const j = lane.jobs;
    j[at + J.ID] = id;
    j[at + J.TICK] = tick | 0;
    j[at + J.COUNT] = Math.min(count, room);
    j[at + J.BUDGET] = budget;
    j[at + J.INPUT_SEQ] = inputSeq;
    j[at + J.INPUT_QUEUE] = inputQueue;
    j[at + J.SLOTS] = lane.pending;
    j[at + J.ORIGIN] = origin;
    j[at + J.VIEW_SCALE] = viewScaleByte(viewScale);
    j[at + J.OUT] = 0; // where the worker put it
    j[at + J.LENGTH] = -1;
    lane.slotsUsed = lane.pending + Math.min(count, room);
    lane.pending = -1;
    this.jobIndex.set(id, k);
  }

  run(): void {
    // The workers encode theirs while this thread encodes its own share.
    const woken = this.wake(this.lanes, true);
    this.local.run();
    this.wait(woken);
  }

  /** Wakes every live lane with work (its operations, and its jobs when `withJobs`), then waits for each (in parallel) to finish. */
  private round(lanes: readonly Lane[], withJobs: boolean): void {
    this.wait(this.wake(lanes, withJobs));
  }

  private wake(lanes: readonly Lane[], withJobs: boolean): Lane[] {
    const woken: Lane[] = [];
    for (const lane of lanes) {
      const jobs = withJobs ? lane.jobCount : 0;
      if (!lane.alive || (lane.opCount === 0 && jobs === 0)) continue;
      Atomics.store(lane.ctrl, C.OPS, lane.opCount);
      Atomics.store(lane.ctrl, C.JOBS, jobs);
      lane.gen++;
      Atomics.store(lane.ctrl, C.GEN, lane.gen);
      Atomics.notify(lane.ctrl, C.GEN);
      woken.push(lane);
    }
    return woken;
  }

  private wait(woken: readonly Lane[]): void {
    for (const lane of woken) {
      const deadline = Date.now() + ROUND_DEADLINE_MS;
      let done = Atomics.load(lane.ctrl, C.DONE);
      while (done !== lane.gen && Date.now() < deadline) {
        Atomics.wait(lane.ctrl, C.DONE, done, Math.max(1, deadline - Date.now()));
        done = Atomics.load(lane.ctrl, C.DONE);
      }
      lane.opCount = 0;
      const busy = Atomics.load(lane.ctrl, C.BUSY_US);
      this.busyMs += ((busy - lane.busyUs) | 0) / 1000;
      lane.busyUs = busy;
      if (done !== lane.gen) {
        lane.jobCount = 0;
        this.giveUp(lane, `missed a round's ${ROUND_DEADLINE_MS} ms deadline`);
      }
    }
    this.counters.rounds++;
  }

  result(id: number): Uint8Array | null {
    const lane = this.laneFor(id);
    if (!lane) return this.local.result(id);
    const k = this.jobIndex.get(id);
    if (k === undefined || k >= lane.jobCount) return null;
    const at = k * JOB_WORDS;
    const length = lane.jobs[at + J.LENGTH]!;
    if (length === OUT_OF_ROOM) this.counters.outOfRoom++;
    if (length < 0) return null;
    const from = lane.jobs[at + J.OUT]!;
    const bytes = lane.out.subarray(from, from + length);
    // The message's seq (GAME SNAPSHOT bytes 2-5, little-endian), read without a DataView a client a tick.
    this.lastSeq.set(id, (bytes[2]! | (bytes[3]! << 8) | (bytes[4]! << 16) | (bytes[5]! << 24)) >>> 0);
    return bytes;
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const lane of this.lanes) {
      Atomics.store(lane.ctrl, C.CLOSE, 1);
      Atomics.add(lane.ctrl, C.GEN, 1);
      Atomics.notify(lane.ctrl, C.GEN);
      lane.alive = false;
    }
    await Promise.all(this.lanes.map((lane) => lane.worker.terminate().catch(() => 0)));
    await this.local.close();
    // The workers are gone: their blocks of the arena are free again.
    for (const r of this.heapRegions.splice(0)) this.arena?.release(r);
  }
}
