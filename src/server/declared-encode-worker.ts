// An encode worker of a DeclaredServer (declared-encode-pool.ts): it holds the replicators of
// the players given to it and, each tick, encodes their snapshots from the game's store, which
// it reads in place in shared memory while the main thread waits (so the store never changes
// under it). All traffic is shared memory and Atomics: the main thread writes the tick's
// operations (add, remove, ack) and jobs, bumps GEN and waits on DONE.

import { workerData } from 'node:worker_threads';
import { defineGame, type GameDeclaration } from '../core/game.js';
import { GameStore } from '../core/game-store.js';
import type { GameReplicator } from '../codec/game-snapshot.js';
import { replicatorFor } from './declared-encoders.js';
import { C, J, JOB_WORDS, OP, OUT_OF_ROOM, type EncodeWorkerData } from './declared-encode-layout.js';
import { GAME_HEADER_BYTES } from '../codec/game-frames.js';
import { BlockHeap } from '../codec/kernel-heap.js';

const data = workerData as EncodeWorkerData;
const ctrl = new Int32Array(data.ctrl);
const ops = new Int32Array(data.ops);
const jobs = new Int32Array(data.jobs);
const slots = new Uint32Array(data.slots);
const out = new Uint8Array(data.out);

function ready(status: number): void {
  Atomics.store(ctrl, C.STATUS, status);
  Atomics.notify(ctrl, C.STATUS);
}

const game = defineGame(data.declaration as GameDeclaration);
if (game.fingerprint !== data.fingerprint) {
  ready(-1); // not the server's game: the pool encodes on the main thread instead
} else {
  const store = new GameStore(game, { capacity: data.capacity, memory: { buffer: data.store, byteOffset: data.byteOffset }, attach: true });
  // The block of the game module's memory this worker's encoders own: their run kernels are WebAssembly there.
  const k = data.kernelHeap;
  const heap = k ? new BlockHeap(k.memory, k.maximumPages, k.ptr, k.bytes, data.store) : undefined;
  const replicators = new Map<number, GameReplicator>();
  ready(1);
  let gen = 0;
  for (;;) {
    Atomics.wait(ctrl, C.GEN, gen);
    gen = Atomics.load(ctrl, C.GEN);
    if (Atomics.load(ctrl, C.CLOSE) !== 0) break;
    const started = performance.now();
    const opCount = Atomics.load(ctrl, C.OPS);
    for (let i = 0; i < opCount; i++) {
      const kind = ops[i * 3]!, id = ops[i * 3 + 1]!, arg = ops[i * 3 + 2]!;
      if (kind === OP.ADD || kind === OP.REMOVE) {
        const old = replicators.get(id);
        if (old) {
          old.dispose();
          if (old.wasm) Atomics.sub(ctrl, C.WASM_ENCODERS, 1);
          replicators.delete(id);
        }
        if (kind === OP.ADD) {
          const r = replicatorFor(store, data.settings, arg >>> 0, 0, heap);
          if (r.wasm) Atomics.add(ctrl, C.WASM_ENCODERS, 1);
          replicators.set(id, r);
        }
      }
      else if (kind === OP.ACK) replicators.get(id)?.ack(arg >>> 0);
    }
    const jobCount = Atomics.load(ctrl, C.JOBS);
    // The messages packed one after another, each within its budget and the room left.
    let outAt = 0;
    for (let j = 0; j < jobCount; j++) {
      const at = j * JOB_WORDS;
      const r = replicators.get(jobs[at + J.ID]!);
      if (!r) {
        jobs[at + J.LENGTH] = -1;
        continue;
      }
      r.inputSeq = jobs[at + J.INPUT_SEQ]!;
      r.inputQueue = jobs[at + J.INPUT_QUEUE]!;
      r.viewScale = jobs[at + J.VIEW_SCALE]! / 255;
      const from = jobs[at + J.SLOTS]!;
      const budget = Math.min(jobs[at + J.BUDGET]!, out.length - outAt);
      if (budget < GAME_HEADER_BYTES) {
        jobs[at + J.LENGTH] = OUT_OF_ROOM;
        continue;
      }
      const bytes = r.encode(jobs[at + J.TICK]! >>> 0, slots.subarray(from, from + data.settings.viewCapacity), jobs[at + J.COUNT]!, budget, jobs[at + J.ORIGIN]!);
      out.set(bytes, outAt);
      jobs[at + J.OUT] = outAt;
      jobs[at + J.LENGTH] = bytes.byteLength;
      outAt += bytes.byteLength;
    }
    // Its busy time, for the pool's CPU figures (a 32-bit count of microseconds: the pool reads
    // it every round, so the wrap every 35 minutes is taken in its stride).
    Atomics.add(ctrl, C.BUSY_US, Math.round((performance.now() - started) * 1000));
    Atomics.store(ctrl, C.DONE, gen);
    Atomics.notify(ctrl, C.DONE);
  }
}
