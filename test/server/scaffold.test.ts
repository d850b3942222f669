// `chronos init` and `chronos build` as a studio runs them: a new game in an empty directory,
// its page bundled, its own tests passing out of the box, its server answering with the page
// and the game's declaration. Logs the time from init to the page answering.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/server-process.js';
import { waiter } from '../helpers/until.js';

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
    for (const f of ['game.ts', 'rules.ts', 'server.ts', 'page.ts', 'index.html', 'package.json', 'README.md', 'test/game.test.ts']) expect(existsSync(join(dir, f)), f).toBe(true);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string> };
    expect(pkg.name).toBe('sky-race');
    expect(pkg.dependencies.chronos).toMatch(/^\^\d+\.\d+\.\d+$/);
    expect(readFileSync(join(dir, 'game.ts'), 'utf8')).toMatch(/name: 'sky-race'/);
    const build = run([CLI, 'build'], dir);
    expect(build.status, build.stderr).toBe(0);
    expect(existsSync(join(dir, 'build', 'page', 'page.js'))).toBe(true);
    const tests = run(['--import', TSX, '--test', 'test/game.test.ts'], dir);
    expect(tests.status, tests.stdout + tests.stderr).toBe(0);
    expect(tests.stdout).toMatch(/# pass 4/);
    expect(tests.stdout).toMatch(/# fail 0/);
  }, 90_000);

  it('serves the game: the page and its declaration answer', async () => {
    const server = spawn(process.execPath, ['--import', TSX, 'server.ts', '--http-port', '0', '--udp-port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    server.stdout.on('data', (b: Buffer) => (out += b.toString()));
    server.stderr.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await until('the server to print its address', () => /http:\/\/127\.0\.0\.1:\d+\//.test(out));
      const url = out.match(/http:\/\/127\.0\.0\.1:\d+\//)![0];
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<canvas>/);
      const info = (await (await fetch(new URL('/game.json', url))).json()) as Record<string, unknown>;
      expect(info).toMatchObject({ mode: 'declared', game: 'sky-race' });
      console.log(`chronos init to the page answering: ${Date.now() - started} ms (with --link: no npm install)`);
    } finally {
      server.kill('SIGTERM');
    }
  }, 60_000);

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
