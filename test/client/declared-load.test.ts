// A declared game's load-test bots (runDeclaredLoad) and `npm run load -- --game arena-shooter`:
// bots ramp in, play the arena shooter through a window, and report per bot what they received
// and their round trip; a bot the server refuses is a counted failure with its reason, the rest
// go on. The load script starts the example's server and bot process and reports the server's
// own figures (ticks, CPU and memory per player from its /metrics).

import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeclaredServer, runDeclaredLoad } from '../../src/index.js';
import { botInput } from '../../examples/arena-shooter/bot.js';
import { GAME, type Declaration } from '../../examples/arena-shooter/game.js';
import { createArena } from '../../examples/arena-shooter/module.js';
import { ROOT } from '../helpers/server-process.js';

describe('runDeclaredLoad', () => {
  let server: DeclaredServer<Declaration>;
  let url: string;

  beforeAll(async () => {
    const module = await createArena({ seed: 2, npcs: 500, npcSpreadM: 200, maxPlayers: 16 });
    // Room for four players: the fifth and sixth bot are refused at their handshake (ServerFull).
    server = await DeclaredServer.start({ module, host: '127.0.0.1', httpPort: 0, udpPort: 0, maxClients: 4, log: () => {} });
    url = `http://127.0.0.1:${server.httpPort}/`;
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('ramps bots in, plays them through the window and reports each one, a refused bot counted by its reason', async () => {
    const lines: string[] = [];
    const { report, ok } = await runDeclaredLoad<Declaration>({
      game: GAME, url, clients: 6, firstIndex: 40, rampMs: 600, seconds: 1.5,
      think: (client, i, frame) => botInput(client.replica, client.avatarId, i, frame),
      log: (line) => lines.push(line),
    });
    expect(ok).toBe(false);
    expect(report).toMatchObject({ mode: 'declared', game: 'arena-shooter', clients: 6, connected: 4, players: 4, failures: 2, brain_errors: 0 });
    expect(report.failure_reasons).toEqual({ ServerFull: 2 });
    expect(report.snapshots).toBeGreaterThan(4 * 60);
    // Every bot that played: what it received a second (snapshots at 60 Hz of a few hundred bytes) and a loopback round trip.
    expect(report.samples.bytes_in_per_s).toHaveLength(4);
    for (const b of report.samples.bytes_in_per_s) expect(b).toBeGreaterThan(60 * 20);
    for (const r of report.samples.rtt_ms) expect(r).toBeGreaterThanOrEqual(0);
    for (const r of report.samples.rtt_ms) expect(r).toBeLessThan(1000);
    expect(lines.some((l) => /^\d+\/6 connected, \d+ players · \d+ snapshots\/s · failures \d+$/.test(l))).toBe(true);
    // The bots closed at the end (not counted as failures): the server is empty again.
    await expect.poll(() => server.players, { timeout: 5_000 }).toBe(0);
  }, 60_000);
});

describe('npm run load -- --game arena-shooter', () => {
  it('starts the example server and a bot process and reports the server\'s own figures', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/load.ts', '--game', 'arena-shooter', '--clients', '4', '--ramp', '1s', '--seconds', '3', '--npcs', '1000', '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(err).toMatch(/load: the arena shooter, 4 clients over 1 bot process/);
    const result = JSON.parse(out) as Record<string, number | null>;
    expect(result).toMatchObject({ players: 4, failures: 0, corrections_pct: null });
    expect(result.server_ticks_per_sec).toBeGreaterThan(30);
    expect(result.server_cpu_us_per_player_tick).toBeGreaterThan(0);
    expect(result.server_rss_bytes_per_player).not.toBeNull();
    expect(result.client_bytes_per_sec_p50).toBeGreaterThan(1000);
    // Its views (DeclaredInterest's): four bots and a thousand NPCs, nobody in a crowd.
    expect(result.server_view_mean).toBeGreaterThan(0);
    expect(result.server_views_narrowed_pct).toBe(0);
    // 0 when the server held 59 ticks a second; 1 when this machine could not (a figure, not a failure here).
    expect([0, 1]).toContain(code);
  }, 90_000);

  it('refuses a flag it does not take (the built-in demo\'s --profile) and an unknown game', async () => {
    const run = (args: string[]) => new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/load.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.once('exit', (code) => resolve({ code, err }));
    });
    expect(await run(['--profile', 'wifi'])).toMatchObject({ code: 2, err: expect.stringMatching(/profile/) });
    expect(await run(['--game', 'demo'])).toMatchObject({ code: 2, err: expect.stringMatching(/--game is arena-shooter \(the engine holds no game of its own any more\), got demo/) });
  }, 60_000);
});
