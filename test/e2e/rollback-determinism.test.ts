// Determinism across engines: headless Chromium runs the reference game for 10,000 frames from
// seed S over a recorded input stream, with the page's own chronos.wasm, and must reach the
// same state hashes as Node — checkpoint by checkpoint, so a divergence is located, not just
// detected. The browser also runs a sync test (every frame re-simulated 1..8 frames back).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { hasChromium, launchChromium } from '../helpers/chromium.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { hex64 } from '../helpers/reference-world.js';
import { loadChronos } from '../../src/wasm/loader.js';
import { Arena } from '../../src/wasm/arena.js';
import { ReferenceGame } from '../../src/rollback/reference-game.js';
import { DEFAULT_NPC_OPTIONS } from '../../src/core/world.js';
import { mulberry32, randomInputs } from '../rollback/fixtures.js';

const SEED = 90210;
const FRAMES = 10_000;
const PLAYERS = 8;
const CHECKPOINT_EVERY = 1_000;
const WORLD = {
  capacity: 1024,
  seed: SEED,
  tickHz: 60,
  bounds: { minX: -40, minY: -40, minZ: 0, maxX: 40, maxY: 40, maxZ: 8 },
  npc: DEFAULT_NPC_OPTIONS,
};
const NPCS = 500;

function recordedStream(): Uint8Array {
  const rand = mulberry32(SEED);
  const frameBytes = PLAYERS * 12;
  const out = new Uint8Array(FRAMES * frameBytes);
  for (let f = 0; f < FRAMES; f++) out.set(randomInputs(rand, PLAYERS), f * frameBytes);
  return out;
}

async function nodeRun(inputs: Uint8Array): Promise<{ checkpoints: string[]; hash: string; kills: number }> {
  const arena = new Arena(await loadChronos());
  const game = ReferenceGame.create(arena, { world: WORLD, npcs: NPCS, players: PLAYERS, lagCompensation: false });
  const staging = arena.allocate('inputs', PLAYERS * 12);
  const checkpoints: string[] = [];
  for (let f = 0; f < FRAMES; f++) {
    staging.bytes().set(inputs.subarray(f * PLAYERS * 12, (f + 1) * PLAYERS * 12));
    game.advance(staging.ptr, PLAYERS);
    if ((f + 1) % CHECKPOINT_EVERY === 0) checkpoints.push(hex64(game.hash()));
  }
  return { checkpoints, hash: hex64(game.hash()), kills: game.kills };
}

interface HarnessResult {
  tick: number;
  kills: number;
  checkpoints: string[];
  hash: string;
  syncMismatches: number;
}

/**
 * Imports build/web/sim-harness.js into the page and runs it. The import goes through Function
 * so that vitest's transform (which rewrites import() in test files) leaves it alone.
 */
function runInPage(page: Page, run: object): Promise<HarnessResult> {
  return page.evaluate(async (r) => {
    const load = new Function('url', 'return import(url)') as (url: string) => Promise<{ runRecorded(run: object): Promise<HarnessResult> }>;
    const harness = await load('/sim-harness.js');
    return harness.runRecorded(r);
  }, run);
}

describe.skipIf(!hasChromium)('rollback determinism in headless Chromium', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;
  const inputs = recordedStream();
  const inputsBase64 = Buffer.from(inputs).toString('base64');

  beforeAll(async () => {
    server = await startServerProcess(['--mode', 'arena', '--npcs', '50']);
    browser = await launchChromium();
    page = await browser.newPage();
    await page.goto(server.httpUrl);
    await page.waitForFunction(() => globalThis.crossOriginIsolated === true);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('reaches the same hash as Node after 10,000 frames from seed S with a recorded input stream', async () => {
    const expected = await nodeRun(inputs);
    const run = { world: WORLD, npcs: NPCS, players: PLAYERS, inputsBase64, frames: FRAMES, checkpointEvery: CHECKPOINT_EVERY };
    const result = await runInPage(page, run);
    expect(result.tick).toBe(FRAMES);
    expect(result.checkpoints).toEqual(expected.checkpoints);
    expect(result.hash).toBe(expected.hash);
    expect(result.kills).toBe(expected.kills);
    expect(expected.kills).toBeGreaterThan(50); // the stream exercised combat, not just walking
  });

  it('passes a sync test in the browser: every frame re-simulated 1..8 frames back', async () => {
    const run = { world: WORLD, npcs: NPCS, players: PLAYERS, inputsBase64, frames: 2_000, checkpointEvery: 1_000, syncTest: true };
    const result = await runInPage(page, run);
    expect(result.syncMismatches).toBe(0);
    expect(result.tick).toBe(2_000);
  });
});
