// A declared game's module run over a recorded input stream, with its state hash taken every
// few frames: the same function runs in Node and in the browser (the page of a declared game
// exposes it as window.chronos.trace), so a test can hold Chromium's hashes against Node's —
// the Node = Chromium determinism check, for any game chronos build compiled. With `syncTest`
// every frame is also rolled back and re-simulated 1..8 frames (SyncTestSession) on the way.

import { InvalidArgumentError } from '../core/errors.js';
import type { GameDeclaration } from '../core/game.js';
import { DeclaredRollbackGame } from './declared-rollback.js';
import { SyncTestSession } from './sync-test.js';
import type { WasmGameRules } from './wasm-game.js';

export interface DeclaredTraceRun {
  readonly players: number;
  readonly seed: number;
  readonly frames: number;
  /** frames x players input records (GameInputCodec, 'bits' packing), frame by frame. */
  readonly inputs: Uint8Array;
  /** A hash is reported every this many frames. */
  readonly checkpointEvery: number;
  readonly syncTest?: boolean;
}

export interface DeclaredTraceResult {
  /** Hex xxHash64 of the store at every checkpoint. */
  readonly checkpoints: string[];
  /** And after the last frame. */
  readonly hash: string;
  readonly mismatches: number;
  readonly ms: number;
}

const hex = (h: bigint): string => h.toString(16).padStart(16, '0');

/** Runs `run` on `rules` (a fresh module: setup and joins happen here). */
export function traceDeclaredGame<D extends GameDeclaration>(rules: WasmGameRules<D>, run: DeclaredTraceRun): DeclaredTraceResult {
  const started = performance.now();
  const game = DeclaredRollbackGame.fromWasm(rules, { players: run.players, seed: run.seed });
  const frameBytes = run.players * game.inputBytes;
  if (!Number.isInteger(run.frames) || run.frames < 0 || run.inputs.byteLength < run.frames * frameBytes) {
    throw new InvalidArgumentError(`${run.inputs.byteLength} input bytes cannot cover ${run.frames} frames of ${frameBytes}`);
  }
  if (!Number.isInteger(run.checkpointEvery) || run.checkpointEvery < 1) throw new InvalidArgumentError(`checkpointEvery must be a positive integer, got ${run.checkpointEvery}`);
  const sync = run.syncTest ? new SyncTestSession(game) : undefined;
  const staging = sync ? undefined : rules.arena.allocate('trace-inputs', Math.max(16, frameBytes));
  const checkpoints: string[] = [];
  for (let f = 0; f < run.frames; f++) {
    const frame = run.inputs.subarray(f * frameBytes, (f + 1) * frameBytes);
    if (sync) sync.advanceFrame(frame);
    else {
      staging!.bytes().set(frame);
      game.advance(staging!.ptr, run.players);
    }
    if ((f + 1) % run.checkpointEvery === 0) checkpoints.push(hex(game.hash()));
  }
  if (staging) rules.arena.release(staging);
  return { checkpoints, hash: hex(game.hash()), mismatches: sync?.mismatches ?? 0, ms: performance.now() - started };
}
