// Builds everything Chronos needs to run, in order:
//   wasm  assembly/ -> build/chronos.wasm (release) and build/chronos.debug.wasm (AssemblyScript)
//   fixtures test/fixtures/reference-game/assembly -> build/fixtures/reference-game.wasm (the
//            rollback tests' game: the engine's kernels and the reference game's step)
//   ts    src/      -> dist/               (tsc, strict; type-checks src; `npm run typecheck` checks
//                                          src, test, bench and scripts: tsconfig.check.json)
//   examples examples/NAME/page.ts -> build/examples/NAME/ (each example game's page: bundle + index.html;
//            an example with its own AssemblyScript rules, examples/NAME/assembly/index.ts, also
//            its module: game.wasm, compiled with the engine's kernels as `chronos build` does)
// Usage: node scripts/build.mjs [wasm|fixtures|ts|examples ...] [--if-stale]
// --if-stale skips a step whose outputs are newer than all of its inputs (npm start/test use it).

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const ifStale = args.includes('--if-stale');
const requested = args.filter((a) => !a.startsWith('--'));
const steps = requested.length > 0 ? requested : ['wasm', 'fixtures', 'ts', 'examples'];

// What a build writes inside its inputs (an example's build/ and assembly/generated/) is not an input.
const WRITTEN_INSIDE = new Set(['build', 'generated']);

function newestMtime(paths) {
  let newest = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) if (!WRITTEN_INSIDE.has(name)) visit(join(p, name));
    } else {
      newest = Math.max(newest, st.mtimeMs);
    }
  };
  for (const p of paths) visit(join(root, p));
  return newest;
}

function oldestMtime(paths) {
  let oldest = Infinity;
  for (const p of paths) {
    const full = join(root, p);
    if (!existsSync(full)) return 0;
    oldest = Math.min(oldest, statSync(full).mtimeMs);
  }
  return oldest;
}

function run(command, commandArgs) {
  const result = spawnSync(process.execPath, [join(root, command), ...commandArgs], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`build: ${command} ${commandArgs.join(' ')} failed (exit ${result.status})`);
    process.exit(result.status ?? 1);
  }
}

const STEPS = {
  wasm: {
    inputs: ['assembly', 'asconfig.json', 'package-lock.json'],
    outputs: ['build/chronos.wasm', 'build/chronos.debug.wasm'],
    build() {
      mkdirSync(join(root, 'build'), { recursive: true });
      for (const target of ['release', 'debug']) {
        run('node_modules/assemblyscript/bin/asc.js', ['assembly/index.ts', '--config', 'asconfig.json', '--target', target]);
      }
    },
  },
  // The rollback tests' and benchmarks' game (test/fixtures/reference-game): the engine's kernels
  // and its own step in one module, as a game's module is; not part of the package.
  fixtures: {
    inputs: ['assembly', 'test/fixtures/reference-game/assembly', 'asconfig.json', 'package-lock.json'],
    outputs: ['build/fixtures/reference-game.wasm'],
    build() {
      mkdirSync(join(root, 'build/fixtures'), { recursive: true });
      run('node_modules/assemblyscript/bin/asc.js', [
        'test/fixtures/reference-game/assembly/index.ts', '--config', 'asconfig.json', '--target', 'release',
        '--outFile', 'build/fixtures/reference-game.wasm', '--textFile', 'build/fixtures/reference-game.wat',
      ]);
    },
  },
  ts: {
    inputs: ['src', 'tsconfig.json', 'package-lock.json'],
    outputs: ['dist/src/server/cli.js', 'dist/src/index.js'],
    build() {
      run('node_modules/typescript/bin/tsc', ['-p', 'tsconfig.json']);
    },
  },
};

/** Example games with a page: examples/NAME/page.ts and index.html. */
const EXAMPLES = existsSync(join(root, 'examples'))
  ? readdirSync(join(root, 'examples')).filter((n) => existsSync(join(root, 'examples', n, 'page.ts')))
  : [];
const hasRules = (name) => existsSync(join(root, 'examples', name, 'assembly', 'index.ts'));
STEPS.examples = {
  inputs: ['src', 'examples', 'assembly', 'asconfig.json', 'dist/src/server/cli-scaffold.js', 'package-lock.json'],
  // A page without the game's module gets the engine's chronos.wasm beside it: its spatial grid (G) runs on those kernels.
  outputs: EXAMPLES.flatMap((n) => [`build/examples/${n}/page.js`, `build/examples/${n}/index.html`, `build/examples/${n}/${hasRules(n) ? 'game.wasm' : 'chronos.wasm'}`]),
  async build() {
    // The same bundling and module build as `chronos build` (dist/src/server/, built by the ts step).
    const esbuild = await import('esbuild');
    const { bundleGamePage } = await import(pathToFileURL(join(root, 'dist/src/server/cli-scaffold.js')).href);
    const { buildGameModule } = await import(pathToFileURL(join(root, 'dist/src/server/game-build.js')).href);
    for (const name of EXAMPLES) {
      const dir = join(root, 'examples', name);
      const out = join(root, 'build/examples', name);
      await bundleGamePage(esbuild, dir, out);
      if (!hasRules(name)) {
        copyFileSync(join(root, 'build/chronos.wasm'), join(out, 'chronos.wasm'));
        continue;
      }
      const module = await buildGameModule(esbuild, dir, { ifStale: true });
      copyFileSync(module.wasm, join(out, 'game.wasm'));
    }
  },
};

for (const name of steps) {
  const step = STEPS[name];
  if (!step) {
    console.error(`build: unknown step "${name}" (steps: ${Object.keys(STEPS).join(', ')})`);
    process.exit(2);
  }
  if (ifStale && oldestMtime(step.outputs) > newestMtime(step.inputs)) continue;
  const started = Date.now();
  await step.build();
  console.log(`build: ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
