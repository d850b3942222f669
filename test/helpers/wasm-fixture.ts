// The probe game of test/fixtures/wasm-game (every field type, owner- and server-only fields,
// 58 types, events), copied into a temporary folder with chronos linked into its node_modules
// and built there as `chronos build` builds a game: its module and its declaration.

import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { ROOT } from './server-process.js';
import { buildGameModule } from '../../src/server/game-build.js';
import type { Game } from '../../src/core/game.js';

/** A fresh copy of the fixture game in a temporary folder, chronos linked into its node_modules. */
export function fixtureCopy(prefix: string): string {
  const copy = mkdtempSync(join(tmpdir(), prefix));
  cpSync(join(ROOT, 'test/fixtures/wasm-game'), copy, { recursive: true });
  mkdirSync(join(copy, 'node_modules'));
  symlinkSync(ROOT, join(copy, 'node_modules', 'chronos'), 'dir');
  return copy;
}

/** The fixture built in `dir` (a fixtureCopy): its module's bytes and its declaration. */
export async function buildFixture(dir: string): Promise<{ bytes: Uint8Array<ArrayBuffer>; game: Game }> {
  const built = await buildGameModule(esbuild, dir);
  const bytes = new Uint8Array(readFileSync(built.wasm));
  const game = ((await import(pathToFileURL(join(dir, 'build/assembly/declaration.mjs')).href)) as { GAME: Game }).GAME;
  return { bytes, game };
}
