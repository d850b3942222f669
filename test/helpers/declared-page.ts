// A declared game's page in headless Chromium (src/web/declared-view.ts's window.chronos): its
// status, and the Node = Chromium check: the page replays the game's module over a recorded
// input stream (with the sync-test on) and must report the state hashes Node's run did.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { launchChromium } from './chromium.js';
import { ROOT } from './server-process.js';

export interface PageStatus {
  readonly entities: number;
  readonly own?: { readonly position: { readonly x: number; readonly y: number } };
  readonly predicted: { readonly x: number; readonly y: number } | null;
  readonly prediction: { readonly predicted: number; readonly corrections: number } | null;
  readonly interest: { readonly enabled: boolean; readonly radiusM: number | null; readonly byBand: number[] };
  /** The spatial grid layer (G), null where the page cannot index. */
  readonly spatial: { readonly visible: boolean; readonly entities: number; readonly cells: number; readonly levelsInUse: number } | null;
}

export const pageStatus = (page: Page): Promise<PageStatus> => page.evaluate(() => (window as unknown as { chronos: { status(): PageStatus } }).chronos.status());

/** Waits until the page predicts its avatar (its module loaded, its player joined). */
export async function untilPredicting(page: Page): Promise<PageStatus> {
  await page.waitForFunction(() => (window as unknown as { chronos?: { status(): PageStatus } }).chronos?.status().predicted != null, undefined, { timeout: 20_000 });
  return pageStatus(page);
}

/** Runs `run` in the page's copy of the module and expects Node's checkpoints and final hash, and no sync-test mismatch. */
export async function expectPageTrace(
  page: Page,
  run: { players: number; seed: number; frames: number; inputs: Uint8Array; checkpointEvery: number },
  node: { checkpoints: string[]; hash: string },
): Promise<void> {
  const { inputs, ...rest } = run;
  const chromium = await page.evaluate(
    (trace) => (window as unknown as { chronos: { trace(run: unknown): Promise<{ checkpoints: string[]; hash: string; mismatches: number }> } }).chronos.trace(trace),
    { ...rest, inputsBase64: Buffer.from(inputs).toString('base64'), syncTest: true },
  );
  expect(chromium.checkpoints).toEqual(node.checkpoints);
  expect(chromium.hash).toBe(node.hash);
  expect(chromium.mismatches).toBe(0);
}

/**
 * A declared game's page at `url` in headless Chromium (900 x 600): `body` plays it, then a
 * screenshot goes to test-artifacts/NAME.png and the page must have thrown nothing.
 */
export async function withDeclaredPage(url: string, name: string, body: (page: Page) => Promise<void>): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 600 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await body(page);
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-artifacts', `${name}.png`) });
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
}
