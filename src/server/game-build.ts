// `chronos build`'s module step: a game's own AssemblyScript (DIR/assembly/index.ts) compiled
// together with the engine's kernels into ONE module, DIR/build/page/game.wasm, served beside
// the page and loaded by the server, so both run the same bytes.
//   1. DIR/game.ts is bundled (esbuild) and imported to read the declaration it exports;
//   2. the accessors are generated from it into DIR/assembly/generated/game.ts;
//   3. an entry (DIR/build/assembly/entry.ts) re-exports the engine's assembly/index.ts and
//      wraps the game's rules; asc compiles it with chronos.wasm's options (asconfig.json).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '../core/errors.js';
import type { Game } from '../core/game.js';
import { generateGameAssembly, generateGameEntry } from './game-assembly.js';

/** The engine's package root (dist/src/server/ or src/server/ -> up to the folder with package.json). */
export const PACKAGE_ROOT = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5 && !existsSync(join(dir, 'package.json')); i++) dir = dirname(dir);
  return dir;
})();

export interface GameModuleBuild {
  readonly wasm: string;
  /** 'release' (-O3) or 'dev' (-O0: compiles about 3x faster, runs slower, computes the same). */
  readonly mode: GameBuildMode;
  readonly bytes: number;
  readonly ms: number;
  /** The game's name; undefined when the module was up to date and nothing was compiled. */
  readonly game: string | undefined;
}

export type GameBuildMode = 'release' | 'dev';

export interface GameModuleBuildOptions {
  /** The debug target (asserts, source map) into game.debug.wasm. */
  readonly debug?: boolean;
  /** Compile at -O0 into the same game.wasm: for the edit-build-try loop, not for serving players. */
  readonly dev?: boolean;
  /** Keep a module newer than its sources and built in the same mode. */
  readonly ifStale?: boolean;
}

/** Newest modification time under `paths` (files or folders; a missing one counts as 0). */
function newestMtime(paths: readonly string[], skip: ReadonlySet<string> = new Set()): number {
  let newest = 0;
  const visit = (p: string): void => {
    if (!existsSync(p) || skip.has(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) for (const name of readdirSync(p)) visit(join(p, name));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of paths) visit(p);
  return newest;
}

/** Resolves `specifier` from the game's dependencies, else the engine's; undefined if neither has it. */
export function resolveTool(dir: string, specifier: string): string | undefined {
  for (const from of [join(dir, 'package.json'), join(PACKAGE_ROOT, 'package.json')]) {
    try {
      return createRequire(from).resolve(specifier);
    } catch {
      // not installed there
    }
  }
  return undefined;
}

/** An import path for AssemblyScript: relative, forward slashes, no extension. */
function importPath(fromDir: string, to: string): string {
  const rel = relative(fromDir, to).split(sep).join('/').replace(/\.ts$/, '');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** The Game a game's game.ts exports (GAME, or the only export that is one). */
async function loadDeclaration(esbuild: typeof import('esbuild'), dir: string): Promise<Game> {
  const source = join(dir, 'game.ts');
  if (!existsSync(source)) throw new InvalidArgumentError(`no game.ts in ${dir}: the module is built from the declaration it exports`);
  const out = join(dir, 'build', 'assembly', 'declaration.mjs');
  // Bundled next to the game so that its imports (chronos/web) resolve from its own node_modules.
  await esbuild.build({ entryPoints: [source], outfile: out, bundle: true, format: 'esm', platform: 'node', packages: 'external', logLevel: 'warning' });
  const exports = (await import(`${pathToFileURL(out).href}?t=${Date.now()}`)) as Record<string, unknown>;
  const isGame = (v: unknown): v is Game => typeof v === 'object' && v !== null && 'fingerprint' in v && 'fields' in v && 'types' in v;
  if (isGame(exports.GAME)) return exports.GAME;
  const games = Object.values(exports).filter(isGame);
  if (games.length !== 1) throw new InvalidArgumentError(`${source} must export its defineGame(...) result as GAME`);
  return games[0]!;
}

/**
 * Compiles DIR/assembly/index.ts with the engine's kernels into DIR/build/page/game.wasm.
 * Throws InvalidArgumentError with asc's own message when the game's code does not compile.
 */
export async function buildGameModule(esbuild: typeof import('esbuild'), dir: string, options: GameModuleBuildOptions = {}): Promise<GameModuleBuild> {
  const started = Date.now();
  const rules = join(dir, 'assembly', 'index.ts');
  if (!existsSync(rules)) throw new InvalidArgumentError(`no assembly/index.ts in ${dir}`);
  const wasmOut = join(dir, 'build', 'page', options.debug ? 'game.debug.wasm' : 'game.wasm');
  const mode: GameBuildMode = options.dev ? 'dev' : 'release';
  // Which mode built the module: a release build after a dev one compiles again.
  // (beside the generated entry, not in build/page, which is served)
  const modeStamp = join(dir, 'build', 'assembly', options.debug ? 'game.debug.mode' : 'game.mode');
  if (options.ifStale && existsSync(wasmOut) && existsSync(modeStamp) && readFileSync(modeStamp, 'utf8') === mode) {
    // Inputs: the declaration, the game's AssemblyScript (not what the build generates into it),
    // the engine's AssemblyScript and its compiler options.
    const inputs = newestMtime([join(dir, 'game.ts'), join(dir, 'assembly'), join(PACKAGE_ROOT, 'assembly'), join(PACKAGE_ROOT, 'asconfig.json')], new Set([join(dir, 'assembly', 'generated')]));
    if (statSync(wasmOut).mtimeMs > inputs) return { wasm: resolve(wasmOut), mode, bytes: statSync(wasmOut).size, ms: Date.now() - started, game: undefined };
  }
  const asc = resolveTool(dir, 'assemblyscript/bin/asc.js');
  if (!asc) throw new InvalidArgumentError('assemblyscript is not installed (npm install --save-dev assemblyscript)');
  const game = await loadDeclaration(esbuild, dir);
  const engineAssembly = join(PACKAGE_ROOT, 'assembly');
  if (!existsSync(join(engineAssembly, 'game', 'store.ts'))) throw new InvalidArgumentError(`the engine's AssemblyScript is missing from ${engineAssembly}`);

  const generatedDir = join(dir, 'assembly', 'generated');
  mkdirSync(generatedDir, { recursive: true });
  const generated = join(generatedDir, 'game.ts');
  const source = generateGameAssembly(game, importPath(generatedDir, engineAssembly));
  // Rewritten only when it changes, so an editor watching it is not disturbed by every build.
  if (!existsSync(generated) || readFileSync(generated, 'utf8') !== source) writeFileSync(generated, source);

  const buildDir = join(dir, 'build', 'assembly');
  mkdirSync(buildDir, { recursive: true });
  const entry = join(buildDir, 'entry.ts');
  writeFileSync(entry, generateGameEntry(importPath(buildDir, join(engineAssembly, 'index.ts')), importPath(buildDir, generated), importPath(buildDir, rules)));
  const engineConfig = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'asconfig.json'), 'utf8')) as { options: Record<string, unknown>; targets: Record<string, Record<string, unknown>> };
  const outDir = join(dir, 'build', 'page');
  mkdirSync(outDir, { recursive: true });
  const wasm = wasmOut;
  const target = { ...engineConfig.targets[options.debug ? 'debug' : 'release'], outFile: wasm, textFile: undefined, ...(options.dev ? { optimizeLevel: 0 } : {}) };
  const config = join(buildDir, 'asconfig.json');
  // The memory's initial size left to asc: a game's scratch space (memory.data) may need more
  // than chronos.wasm's one page, and the loader's memory (64 pages by default) holds it.
  const { initialMemory: _engineInitial, ...ascOptions } = engineConfig.options;
  writeFileSync(config, JSON.stringify({ entries: [], targets: { game: target }, options: ascOptions }, null, 2));
  const result = spawnSync(process.execPath, [asc, entry, '--config', config, '--target', 'game'], { cwd: dir, encoding: 'utf8' });
  if (result.status !== 0) {
    const why = (result.stderr || result.stdout || result.error?.message || '').trim();
    throw new InvalidArgumentError(`the game's AssemblyScript did not compile:\n${why}`);
  }
  writeFileSync(modeStamp, mode);
  const bytes = readFileSync(wasm).byteLength;
  return { wasm: resolve(wasm), mode, bytes, ms: Date.now() - started, game: game.name };
}
