// Suite `game`, case `init-to-page`: what a studio waits for from `npx chronos init` to its game's
// page answering, the way the README says to run it from a checkout (--link: no npm install):
// init, `chronos build` (the game's AssemblyScript compiled with the engine's kernels, the page
// bundled), the game's server started, the first GET /. Three runs; metrics: the scaffold's
// size (lines and files written by init, lines the build generates), the module's size, the
// compile time, and a second `chronos build` with nothing changed (the module up to date).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseResult, SuiteContext } from './harness.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'bin', 'chronos.js');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
const RUNS = 3;

function linesIn(dir: string, skip: ReadonlySet<string>): { files: number; lines: number } {
  let files = 0;
  let lines = 0;
  const visit = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (skip.has(name)) continue;
      if (statSync(p).isDirectory()) visit(p);
      else {
        files++;
        lines += readFileSync(p, 'utf8').split('\n').length - 1;
      }
    }
  };
  visit(dir);
  return { files, lines };
}

function run(args: string[], cwd: string): string {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

async function once(parent: string, i: number): Promise<{ ms: number; compileMs: number; upToDateMs: number; dir: string }> {
  const dir = join(parent, `game-${i}`);
  const started = performance.now();
  run([CLI, 'init', dir, '--link'], parent);
  const built = run([CLI, 'build'], dir);
  const server = spawn(process.execPath, ['--import', TSX, 'server.ts', '--http-port', '0', '--udp-port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    server.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const deadline = Date.now() + 60_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline) {
      url = out.match(/http:\/\/127\.0\.0\.1:\d+\//)?.[0];
      if (!url) await new Promise((r) => setTimeout(r, 10));
    }
    if (!url) throw new Error(`the scaffolded server printed no address: ${out}`);
    const page = await fetch(url);
    if (page.status !== 200) throw new Error(`GET / answered ${page.status}`);
    const ms = performance.now() - started;
    const compileMs = Number(built.match(/KiB\) in (\d+) ms/)?.[1] ?? NaN);
    const again = performance.now();
    if (!/up to date/.test(run([CLI, 'build'], dir))) throw new Error('a second build with nothing changed compiled again');
    return { ms, compileMs, upToDateMs: performance.now() - again, dir };
  } finally {
    server.kill('SIGTERM');
  }
}

export async function initToPage(ctx: SuiteContext, suite: string): Promise<CaseResult> {
  const parent = mkdtempSync(join(tmpdir(), 'chronos-bench-init-'));
  try {
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      runs.push(await once(parent, i));
      ctx.log(`  init-to-page run ${i + 1}: ${runs[i]!.ms.toFixed(0)} ms (compile ${runs[i]!.compileMs} ms)`);
    }
    const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const dir = runs[0]!.dir;
    const written = linesIn(dir, new Set(['node_modules', 'build', 'generated', 'trace.ts']));
    const generated = readFileSync(join(dir, 'assembly', 'generated', 'game.ts'), 'utf8').split('\n').length - 1;
    return {
      suite, case: 'init-to-page', impl: 'chronos',
      mean_ns: (ms.reduce((a, b) => a + b, 0) / ms.length) * 1e6,
      median_ns: median(ms) * 1e6,
      p99_ns: ms[ms.length - 1]! * 1e6,
      samples: ms.length,
      metrics: {
        scaffold_files: written.files,
        scaffold_lines: written.lines,
        generated_lines: generated,
        module_kib: Math.round(statSync(join(dir, 'build', 'page', 'game.wasm')).size / 1024),
        compile_ms: median(runs.map((r) => r.compileMs)),
        rebuild_up_to_date_ms: Math.round(median(runs.map((r) => r.upToDateMs))),
      },
    };
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}
