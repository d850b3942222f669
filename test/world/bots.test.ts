// `npm run demo:bots` against a world-mode server, as a user runs it: 20 bots over the 4g profile for
// a few seconds connect, join with avatars at their archetypes' hubs, move (the server's own
// positions change, per /players), report their figures as one JSON document, leave (the server
// is empty again) and exit 0. Bad flags exit 2 with a clear message.

import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import type { WorldBotsReport } from '../../scripts/bots-world.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBots(args: string[], onStderr?: (text: string) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'scripts/bots.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr);
    });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

interface PlayerInfo {
  clientId: number;
  x: number;
  y: number;
}

async function players(url: string): Promise<PlayerInfo[]> {
  return (await (await fetch(new URL('/players', url))).json()) as PlayerInfo[];
}

describe('npm run demo:bots (world mode)', () => {
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServerProcess(['--npcs', '2000']);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('plays 20 bots over the 4g profile: they connect, move, report and leave', async () => {
    const samples: PlayerInfo[][] = [];
    let sampling: Promise<void> | undefined;
    const run = runBots(['--url', server.httpUrl, '--clients', '20', '--seconds', '4', '--ramp', '1s', '--profile', '4g', '--json'], (err) => {
      // Once the window opens, look at the server's positions twice, a second apart.
      if (sampling || !/measuring for/.test(err)) return;
      sampling = (async () => {
        samples.push(await players(server.httpUrl));
        await new Promise((r) => setTimeout(r, 1500));
        samples.push(await players(server.httpUrl));
      })();
    });
    const result = await run;
    await sampling;
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as WorldBotsReport;
    expect(report.mode).toBe('world');
    expect(report.clients).toBe(20);
    expect(report.connected).toBe(20);
    expect(report.players).toBe(20);
    expect(report.server_players).toBe(20);
    expect(report.failures).toBe(0);
    expect(report.archetypes).toEqual({ explorer: 5, socializer: 6, combatant: 4, trader: 3, builder: 2 });
    expect(report.profiles).toEqual({ '4g': 20 });
    // The 4g profile crosses 50 ms each way.
    expect(report.rtt_ms.p50).toBeGreaterThanOrEqual(100);
    expect(report.bytes_in_per_s.p50).toBeGreaterThan(0);
    expect(report.bytes_out_per_s.p50).toBeGreaterThan(0);
    expect(report.checked).toBeGreaterThan(0);
    expect(report.corrections_pct).toBeGreaterThanOrEqual(0);
    expect(report.input_ack_ms.samples).toBeGreaterThan(0);
    expect(report.input_ack_ms.p50).toBeGreaterThanOrEqual(100);
    expect(report.snapshots).toBeGreaterThan(0);
    expect(report.link.sent_up).toBeGreaterThan(0);
    expect(report.link.lost_up + report.link.lost_down).toBeGreaterThan(0);
    expect(report.memory.arena_bytes_per_bot).toBeGreaterThan(0);
    expect(report.memory.rss_bytes).toBeGreaterThan(0);
    expect(report.cpu.cpu_us_per_bot_per_s).toBeGreaterThan(0);
    // Progress went to stderr (stdout holds only the JSON).
    expect(result.stderr).toMatch(/20 world-mode clients playing/);

    // The server's own positions moved (explorers, combatants and traders never stand still).
    expect(samples.length).toBe(2);
    const [before, after] = samples as [PlayerInfo[], PlayerInfo[]];
    expect(before.length).toBe(20);
    const moved = after.filter((p) => {
      const b = before.find((q) => q.clientId === p.clientId);
      return b !== undefined && Math.hypot(p.x - b.x, p.y - b.y) > 1;
    });
    expect(moved.length).toBeGreaterThanOrEqual(10);

    // They left: the server holds no player a moment later.
    let left = (await players(server.httpUrl)).length;
    for (let i = 0; i < 50 && left > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = (await players(server.httpUrl)).length;
    }
    expect(left).toBe(0);
  }, 60_000);

  it('refuses bad flags with a clear message', async () => {
    const tooMany = await runBots(['--url', server.httpUrl, '--clients', '20001']);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toMatch(/--clients needs an integer in \[1, 20000\]/);
    const badProfile = await runBots(['--url', server.httpUrl, '--profile', 'dialup']);
    expect(badProfile.code).toBe(2);
    expect(badProfile.stderr).toMatch(/--profile is one of .*mixed/);
    const arena = await runBots(['--url', server.httpUrl, '--mode', 'arena', '--clients', '1', '--seconds', '1']);
    expect(arena.code).toBe(1);
    expect(arena.stderr).toMatch(/runs world mode: drop --mode arena/);
  }, 60_000);
});
