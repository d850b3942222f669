// `chronos init` and `chronos build` as a studio runs them: a new game in an empty directory,
// its AssemblyScript rules compiled with the engine's kernels into one module, its page
// bundled, its own tests (the sync-test over that module among them) passing out of the box,
// its server answering with the page, the module and the game's declaration; then the page in
// headless Chromium runs the same module over a recorded input stream and must report Node's
// state hashes (the Node = Chromium check, for a game the engine has never seen). Logs the time
// from init to the page answering; a screenshot goes to test-artifacts/scaffold.png.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/server-process.js';
import { waiter } from '../helpers/until.js';
import { hasChromium } from '../helpers/chromium.js';
import { expectPageTrace, pageStatus, untilPredicting, withDeclaredPage, type PageStatus } from '../helpers/declared-page.js';

const CLI = join(ROOT, 'bin', 'chronos.js');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
const parent = mkdtempSync(join(tmpdir(), 'chronos-init-'));
const dir = join(parent, 'Sky Race!');
const until = waiter(20_000, 50);

afterAll(() => rmSync(parent, { recursive: true, force: true }));

const run = (args: string[], cwd = parent) => spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 60_000 });

describe('chronos init and build', () => {
  const started = Date.now();

  it('writes a runnable game whose own tests pass out of the box', () => {
    const init = run([CLI, 'init', dir, '--link']);
    expect(init.status, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/sky-race written/);
    // --link: this installation and the tools the game's scripts run, offline.
    for (const bin of ['chronos', 'tsx', 'esbuild', 'asc']) expect(existsSync(join(dir, 'node_modules', '.bin', bin)), bin).toBe(true);
    for (const f of ['game.ts', 'assembly/index.ts', 'module.ts', 'server.ts', 'page.ts', 'bots.ts', 'index.html', 'package.json', 'README.md', '.gitignore', 'test/game.test.ts']) expect(existsSync(join(dir, f)), f).toBe(true);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string> };
    expect(pkg.name).toBe('sky-race');
    expect(pkg.dependencies.chronos).toMatch(/^\^\d+\.\d+\.\d+$/);
    expect(readFileSync(join(dir, 'game.ts'), 'utf8')).toMatch(/name: 'sky-race'/);
    const build = run([CLI, 'build'], dir);
    expect(build.status, build.stderr).toBe(0);
    expect(build.stdout).toMatch(/game\.wasm \(sky-race's rules and the engine's kernels, \d+ KiB\)/);
    for (const f of ['page.js', 'index.html', 'game.wasm']) expect(existsSync(join(dir, 'build', 'page', f)), f).toBe(true);
    expect(readFileSync(join(dir, 'assembly', 'generated', 'game.ts'), 'utf8')).toMatch(/export namespace position/);
    const tests = run(['--import', TSX, '--test', 'test/game.test.ts'], dir);
    expect(tests.status, tests.stdout + tests.stderr).toBe(0);
    expect(tests.stdout).toMatch(/# pass 4/);
    expect(tests.stdout).toMatch(/# fail 0/);
    // Built again with nothing changed, the module is not compiled again (npm start builds first).
    const again = run([CLI, 'build'], dir);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/game\.wasm is up to date/);
    // A change to the rules compiles it again.
    const rules = join(dir, 'assembly', 'index.ts');
    writeFileSync(rules, readFileSync(rules, 'utf8') + '\n// changed\n');
    const changed = run([CLI, 'build'], dir);
    expect(changed.status, changed.stderr).toBe(0);
    expect(changed.stdout).toMatch(/sky-race's rules and the engine's kernels/);
    expect(run([CLI, 'build', '--fast'], dir).status).toBe(2);
  }, 90_000);

  let server: ChildProcess | undefined;
  let url = '';
  afterAll(() => server?.kill('SIGTERM'));

  it('serves the game: the page, its module and its declaration answer', async () => {
    server = spawn(process.execPath, ['--import', TSX, 'server.ts', '--http-port', '0', '--udp-port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    server.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    server.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    await until(`the server to print its address (${out})`, () => /http:\/\/127\.0\.0\.1:\d+\//.test(out));
    url = out.match(/http:\/\/127\.0\.0\.1:\d+\//)![0];
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<canvas>/);
    const wasm = await fetch(new URL('/game.wasm', url));
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(Buffer.compare(Buffer.from(await wasm.arrayBuffer()), readFileSync(join(dir, 'build', 'page', 'game.wasm')))).toBe(0);
    const info = (await (await fetch(new URL('/game.json', url))).json()) as Record<string, unknown>;
    expect(info).toMatchObject({ mode: 'declared', game: 'sky-race' });
    console.log(`chronos init to the page answering: ${Date.now() - started} ms (with --link: no npm install)`);
    // Its bots: three real clients over UDP, each seeing its own score and never another's.
    const bots = run(['--import', TSX, 'bots.ts', '--players', '3', '--seconds', '2', '--url', url], dir);
    expect(bots.status, bots.stdout + bots.stderr).toBe(0);
    expect(bots.stdout).toMatch(/3\/3 joined · [1-9]\d* snapshots\/s · [\d.]+ KiB\/s per player · own score seen by 3 · others' scores seen 0 times/);
    // The same over two processes: a line from each, each with its half, and their sum.
    const spread = run(['--import', TSX, 'bots.ts', '--players', '4', '--seconds', '3', '--processes', '2', '--url', url], dir);
    expect(spread.status, spread.stdout + spread.stderr).toBe(0);
    for (const p of ['0/2', '1/2']) expect(spread.stdout).toMatch(new RegExp(`\\[${p}\\] 2/2 joined · [1-9]\\d* snapshots/s .* own score seen by 2 · others' scores seen 0 times`));
    expect(spread.stdout).toMatch(/\[all 2\] 4\/4 joined · [1-9]\d* snapshots\/s · [\d.]+ KiB\/s per player/);
  }, 60_000);

  it.skipIf(!hasChromium)('predicts the avatar in Chromium with the game\'s module, and runs that module to Node\'s state hashes (Node = Chromium)', async () => {
    // Node's run, in the game's own directory (its declaration, its module, the engine it links).
    writeFileSync(join(dir, 'trace.ts'), [
      "import { readFileSync } from 'node:fs';",
      "import { GameInputCodec, traceDeclaredGame, WasmGameRules } from 'chronos';",
      "import { CAPACITY, GAME } from './game.js';",
      'const codec = new GameInputCodec(GAME);',
      'const frames = 600, players = 3;',
      'const inputs = new Uint8Array(frames * players * codec.bytes);',
      'for (let i = 0; i < frames * players; i++) codec.encode({ moveX: ((i * 37) % 255 - 127) / 127, moveY: ((i * 91) % 255 - 127) / 127 }, inputs, i * codec.bytes);',
      "const bytes = readFileSync('build/page/game.wasm');",
      'const run = { players, seed: 7, frames, inputs, checkpointEvery: 100 };',
      'const result = traceDeclaredGame(await WasmGameRules.load(GAME, { bytes, capacity: CAPACITY }), run);',
      "console.log(JSON.stringify({ result, inputsBase64: Buffer.from(inputs).toString('base64') }));",
    ].join('\n'));
    const node = run(['--import', TSX, 'trace.ts'], dir);
    expect(node.status, node.stderr).toBe(0);
    const { result, inputsBase64 } = JSON.parse(node.stdout) as { result: { checkpoints: string[]; hash: string }; inputsBase64: string };
    expect(result.checkpoints).toHaveLength(6);
    await withDeclaredPage(url, 'scaffold', async (page) => {
      type Status = PageStatus;
      const status = () => pageStatus(page);
      // The avatar moves the moment a key goes down (predicted with the game's own module), and the
      // server's state, arriving later, agrees: no correction for a walk the server plays the same.
      const start = await untilPredicting(page);
      await page.keyboard.down('KeyD');
      await page.waitForFunction((x0) => ((window as unknown as { chronos: { status(): Status } }).chronos.status().predicted?.x ?? -Infinity) > x0 + 0.5, start.predicted!.x, { timeout: 5_000 });
      const early = await status();
      expect(early.own!.position.x).toBeLessThan(early.predicted!.x); // the server's view trails the prediction
      await new Promise((r) => setTimeout(r, 400));
      await page.keyboard.up('KeyD');
      await page.waitForFunction(() => {
        const s = (window as unknown as { chronos: { status(): Status } }).chronos.status();
        return s.own !== undefined && Math.abs(s.own.position.x - s.predicted!.x) < 1 / 64;
      }, undefined, { timeout: 5_000 });
      const settled = await status();
      expect(settled.predicted!.x).toBeGreaterThan(start.predicted!.x + 2);
      expect(settled.prediction!.predicted).toBeGreaterThan(20);
      // Each input acts once on both sides (the page streams one a tick), so corrections come only
      // from what the server's step adds (an orb's point) or an input lost to a stalled page.
      const serverSide = (await (await fetch(new URL('/metrics', url))).text()).split('\n').filter((l) => /^chronos_declared_(messages_dropped|input_gaps)/.test(l)).join('; ');
      expect(settled.prediction!.corrections, `${JSON.stringify(settled.prediction)} · server: ${serverSide}`).toBeLessThanOrEqual(Math.max(2, settled.prediction!.predicted / 10));
      await expectPageTrace(page, { players: 3, seed: 7, frames: 600, inputs: Buffer.from(inputsBase64, 'base64'), checkpointEvery: 100 }, result);
    });
  }, 90_000);

  it('refuses a directory that is not empty, and build without a page', () => {
    const busy = join(parent, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'x'), '');
    const init = run([CLI, 'init', busy]);
    expect(init.status).toBe(2);
    expect(init.stderr).toMatch(/not an empty directory/);
    const build = run([CLI, 'build', busy]);
    expect(build.status).toBe(2);
    expect(build.stderr).toMatch(/no page.ts/);
  });
});
