// `npm start` as a newcomer meets it: the script runs the arena shooter's server (the engine holds
// no game of its own: no `npm run demo` any more), which prints its page and ports, answers on
// them in world mode and in arena mode, refuses a bad flag with one line, and exits 0 on SIGINT.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, startProcess } from '../helpers/server-process.js';

/** Starts the example's server with `args` on free loopback ports, as `npm start` does; resolves once it printed its page. */
async function start(args: string[]) {
  const server = await startProcess(['--import', 'tsx', 'examples/arena-shooter/server.ts', '--http-port', '0', '--udp-port', '0', ...args], /page\s+(http:\/\/\S+)/, 30_000);
  return { url: server.httpUrl, out: server.stdout, stop: () => (server.child.kill('SIGINT'), server.exited) };
}

describe('npm start', () => {
  it('runs the arena shooter; the engine has no built-in demo to run', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toContain('examples/arena-shooter/server.ts');
    expect(scripts.bots).toContain('examples/arena-shooter/bots.ts');
    expect(scripts.demo).toBeUndefined();
    expect(scripts['demo:bots']).toBeUndefined();
  });

  it('serves world mode by default and arena mode with --mode arena, each saying so, and exits 0 on SIGINT', async () => {
    const world = await start(['--npcs', '2000', '--npc-spread', '500']);
    try {
      expect(world.out()).toMatch(/world mode: 2000 NPCs within 500 m of the centre of a 10 km world/);
      expect(await fetch(`${world.url}game.json`).then((r) => r.json())).toMatchObject({ mode: 'declared', game: 'arena-shooter', view: { radiusM: 100, narrowsAbove: 220 }, spectators: true });
      expect(await fetch(`${world.url}`).then((r) => r.status)).toBe(200);
    } finally {
      expect(await world.stop()).toBe(0);
    }
    const arena = await start(['--mode', 'arena', '--seats', '4']);
    try {
      expect(arena.out()).toMatch(/arena mode: a rollback room of 4 seats, 2000 NPCs/);
      expect(await fetch(`${arena.url}game.json`).then((r) => r.json())).toMatchObject({ mode: 'room', game: 'arena-shooter', seats: 4 });
    } finally {
      expect(await arena.stop()).toBe(0);
    }
  }, 90_000);

  it('refuses a bad flag with one line and exit code 2', async () => {
    for (const args of [['--mode', 'battle'], ['--mode', 'arena', '--seats', '65'], ['--mode', 'arena', '--net-workers', '2'], ['--npcs', 'many'], ['--port', '9000'], ['--view-radius', '0'], ['--seed', '-1'], ['--mode', 'arena', '--idle-seconds', '0']]) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'examples/arena-shooter/server.ts', '--http-port', '0', '--udp-port', '0', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code, args.join(' ')).toBe(2);
      expect(err.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  }, 60_000);
});
