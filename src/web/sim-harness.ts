// Browser entry for determinism checks (bundled to build/web/sim-harness.js): runs the reference
// game from a seed over a recorded input stream with this page's copy of chronos.wasm and
// reports state hashes, so a test can hold them against Node's run of the same stream. Served
// with the demo page (cross-origin isolated, as the shared memory requires); nothing on the page
// imports it.

import { loadChronos } from '../wasm/loader.js';
import { Arena } from '../wasm/arena.js';
import { ReferenceGame } from '../rollback/reference-game.js';
import { SyncTestSession } from '../rollback/sync-test.js';
import type { WorldOptions } from '../core/world.js';

export interface RecordedRun {
  world: WorldOptions;
  npcs: number;
  players: number;
  /** frames * players * inputBytes bytes, base64. */
  inputsBase64: string;
  frames: number;
  /** A state hash is reported every this many frames. */
  checkpointEvery: number;
  /** Also re-simulate every frame 1..8 frames back (sync-test mode) and count mismatches. */
  syncTest?: boolean;
}

export interface RecordedResult {
  tick: number;
  kills: number;
  /** Hex xxHash64 of the region at every checkpoint, then at the end. */
  checkpoints: string[];
  hash: string;
  syncMismatches: number;
  ms: number;
}

function hex(hash: bigint): string {
  return hash.toString(16).padStart(16, '0');
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export async function runRecorded(run: RecordedRun): Promise<RecordedResult> {
  const started = performance.now();
  const wasm = await loadChronos({ url: new URL('chronos.wasm', location.href) });
  const arena = new Arena(wasm);
  const game = ReferenceGame.create(arena, { world: run.world, npcs: run.npcs, players: run.players, lagCompensation: false });
  const inputs = fromBase64(run.inputsBase64);
  const frameBytes = run.players * game.inputBytes;
  if (inputs.byteLength < run.frames * frameBytes) throw new Error(`${inputs.byteLength} input bytes cannot cover ${run.frames} frames of ${frameBytes}`);
  const staging = arena.allocate('harness-inputs', frameBytes);
  const sync = run.syncTest ? new SyncTestSession(game) : undefined;
  const checkpoints: string[] = [];
  for (let f = 0; f < run.frames; f++) {
    const frame = inputs.subarray(f * frameBytes, (f + 1) * frameBytes);
    if (sync) sync.advanceFrame(frame);
    else {
      staging.bytes().set(frame);
      game.advance(staging.ptr, run.players);
    }
    if ((f + 1) % run.checkpointEvery === 0) checkpoints.push(hex(game.hash()));
  }
  return {
    tick: game.frame(),
    kills: game.kills,
    checkpoints,
    hash: hex(game.hash()),
    syncMismatches: sync?.mismatches ?? 0,
    ms: performance.now() - started,
  };
}
