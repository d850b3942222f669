// `chronos init DIR` and `chronos build [DIR]`: a studio's own game on the engine.
//   init   writes a runnable declared game into DIR (templates/declared-game: its declaration,
//          rules, server, page and its own tests) with the engine as its dependency; --link
//          links DIR/node_modules to this installation and the tools its scripts run instead
//          of waiting for npm install (a checkout of the engine, or an offline machine).
//   build  compiles the game's own AssemblyScript (assembly/index.ts) with the engine's kernels
//          into one module, build/page/game.wasm (game-build.ts), and bundles the game's page
//          (page.ts -> build/page/page.js, with index.html) with esbuild; both tools are found
//          in the game's dependencies or the engine's.

import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { buildGameModule, PACKAGE_ROOT, resolveTool } from './game-build.js';

type Io = { out: (s: string) => void; err: (s: string) => void };

const TEMPLATE = join(PACKAGE_ROOT, 'templates', 'declared-game');

export const SCAFFOLD_USAGE = `  chronos init <dir> [--link]  Writes a runnable game into <dir>: its declaration, rules, server,
                               page and tests (then: cd <dir> && npm install && npm test && npm start;
                               --link uses this installation of chronos and its tools instead of
                               npm install: then cd <dir> && npm test && npm start)
  chronos build [<dir>] [--force] [--dev]
                               Compiles a game's AssemblyScript (assembly/index.ts) with the engine's
                               kernels into <dir>/build/page/game.wasm (unless it is newer than its
                               sources; --force compiles anyway) and bundles its page (page.ts);
                               --dev compiles unoptimised (-O0), about 3x sooner, for trying a change
                               (the same results, slower to run: build without it to serve players)`;

/** Runs init or build; null when argv is neither (the caller's command line goes on). */
export async function runScaffoldCommand(argv: readonly string[], io: Io): Promise<number | null> {
  const [command, ...rest] = argv;
  if (command === 'init') return init(rest, io);
  if (command === 'build') return build(rest, io);
  return null;
}

function init(args: readonly string[], io: Io): number {
  const link = args.includes('--link');
  const positional = args.filter((a) => !a.startsWith('--'));
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--link');
  if (positional.length !== 1 || unknown.length > 0) {
    io.err(`chronos init: expected one directory${unknown.length ? `, not ${unknown.join(' ')}` : ''}\n${SCAFFOLD_USAGE}`);
    return 2;
  }
  const dir = resolve(positional[0]!);
  if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0)) {
    io.err(`chronos init: ${dir} exists and is not an empty directory`);
    return 2;
  }
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || 'my-game';
  const version = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  mkdirSync(dir, { recursive: true });
  cpSync(TEMPLATE, dir, { recursive: true });
  const fill = (file: string, to = file): void => {
    const text = readFileSync(join(dir, file), 'utf8').replaceAll('__NAME__', name).replaceAll('__VERSION__', version);
    writeFileSync(join(dir, to), text);
  };
  for (const file of ['game.ts', 'module.ts', 'server.ts', 'page.ts', 'bots.ts', 'index.html', 'README.md', join('assembly', 'index.ts'), join('test', 'game.test.ts')]) fill(file);
  fill('package.json.tmpl', 'package.json');
  rmSync(join(dir, 'package.json.tmpl'));
  // Written here: npm leaves .gitignore files out of a published package.
  writeFileSync(join(dir, '.gitignore'), 'node_modules/\nbuild/\nassembly/generated/\n');
  if (link) linkInstallation(dir);
  const shown = relative(process.cwd(), dir) || '.';
  io.out(`chronos init: ${name} written to ${shown}`);
  io.out(link ? `  cd ${shown} && npm test && npm start` : `  cd ${shown} && npm install && npm test && npm start`);
  return 0;
}

/**
 * --link: the game's node_modules point at this installation instead of an npm install: chronos
 * itself, and the tools its scripts run (tsx, esbuild, assemblyscript) from the engine's own
 * dependencies, with their commands in node_modules/.bin, so `npm test` and `npm start` work
 * offline.
 */
function linkInstallation(dir: string): void {
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  symlinkSync(PACKAGE_ROOT, join(modules, 'chronos'), 'dir');
  symlinkSync(join(PACKAGE_ROOT, 'bin', 'chronos.js'), join(modules, '.bin', 'chronos'));
  for (const [name, bin] of [['tsx', 'dist/cli.mjs'], ['esbuild', 'bin/esbuild'], ['assemblyscript', 'bin/asc.js']] as const) {
    const found = resolveTool(dir, `${name}/package.json`);
    if (!found) continue; // not among the engine's dependencies: the game's npm install brings it
    const root = dirname(found);
    symlinkSync(root, join(modules, name), 'dir');
    symlinkSync(join(root, bin), join(modules, '.bin', name === 'assemblyscript' ? 'asc' : name));
  }
}

async function build(args: readonly string[], io: Io): Promise<number> {
  const unknown = args.filter((a) => a.startsWith('--') && a !== '--force' && a !== '--dev');
  if (unknown.length > 0) {
    io.err(`chronos build: unknown option ${unknown.join(' ')}\n${SCAFFOLD_USAGE}`);
    return 2;
  }
  const dir = resolve(args.find((a) => !a.startsWith('--')) ?? '.');
  if (!existsSync(join(dir, 'page.ts'))) {
    io.err(`chronos build: no page.ts in ${dir} (chronos init writes one)`);
    return 2;
  }
  const path = resolveTool(dir, 'esbuild');
  if (!path) {
    io.err('chronos build: esbuild is not installed (npm install --save-dev esbuild)');
    return 1;
  }
  const esbuild = (await import(path)) as typeof import('esbuild');
  const shown = (p: string): string => relative(process.cwd(), p) || p;
  if (existsSync(join(dir, 'assembly', 'index.ts'))) {
    try {
      const built = await buildGameModule(esbuild, dir, { ifStale: !args.includes('--force'), dev: args.includes('--dev') });
      const dev = built.mode === 'dev' ? ', development build (-O0)' : '';
      io.out(built.game === undefined
        ? `chronos build: ${shown(built.wasm)} is up to date${dev} (--force compiles it anyway)`
        : `chronos build: ${shown(built.wasm)} (${built.game}'s rules and the engine's kernels, ${Math.round(built.bytes / 1024)} KiB${dev}) in ${built.ms} ms`);
    } catch (err) {
      io.err(`chronos build: ${(err as Error).message}`);
      return 1;
    }
  }
  const out = join(dir, 'build', 'page');
  const started = Date.now();
  await bundleGamePage(esbuild, dir, out);
  io.out(`chronos build: ${shown(join(out, 'page.js'))} in ${Date.now() - started} ms`);
  return 0;
}

/**
 * Bundles `dir`/page.ts for the browser into `out`/page.js (with a source map) and copies
 * `dir`/index.html beside it. The repository's build (scripts/build.mjs) bundles the examples' pages with it.
 */
export async function bundleGamePage(esbuild: typeof import('esbuild'), dir: string, out: string): Promise<void> {
  mkdirSync(out, { recursive: true });
  await esbuild.build({
    entryPoints: [join(dir, 'page.ts')],
    outfile: join(out, 'page.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    sourcemap: true,
    external: ['node:*'],
    logLevel: 'warning',
  });
  if (existsSync(join(dir, 'index.html'))) cpSync(join(dir, 'index.html'), join(out, 'index.html'));
}
