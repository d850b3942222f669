// The command line as a user meets it: help, bad flags (exit 2), a port in use (exit 1, naming
// the port), and a clean start and stop.

import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { main, parseCommandLine, USAGE } from '../../src/server/cli.js';
import { startServerProcess } from '../helpers/server-process.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) }, out, err };
}

describe('parseCommandLine', () => {
  it('defaults to serve and maps flags to config', () => {
    expect(parseCommandLine([])).toEqual({ command: 'serve', config: {} });
    expect(parseCommandLine(['serve', '--http-port', '0', '--udp-port', '9999', '--npcs', '10', '--seed', '5', '--tick-hz', '30', '--host', '127.0.0.1'])).toEqual({
      command: 'serve',
      config: { httpPort: 0, udpPort: 9999, npcs: 10, seed: 5, tickHz: 30, host: '127.0.0.1' },
    });
  });

  it('maps the interest flags, and rejects bad or conflicting ones', () => {
    expect(parseCommandLine(['--aoi-radius', '150']).config).toEqual({ interest: { radiusM: 150 } });
    expect(parseCommandLine(['--mode', 'arena', '--no-interest']).config).toEqual({ mode: 'arena', interest: false });
    for (const argv of [['--aoi-radius', '0'], ['--aoi-radius', 'wide'], ['--aoi-radius', '1e9'], ['--aoi-radius', '100', '--no-interest']]) {
      expect(() => parseCommandLine(argv)).toThrow(/--aoi-radius/);
    }
    // World mode is interest-managed: it cannot be turned off.
    expect(() => parseCommandLine(['--no-interest'])).toThrow(/--no-interest is for --mode arena/);
  });

  it('maps the mode flags: world by default with --max-clients, arena with --max-players', () => {
    expect(parseCommandLine(['--max-clients', '2000']).config).toEqual({ maxClients: 2000 });
    expect(parseCommandLine(['--mode', 'arena', '--max-players', '8']).config).toEqual({ mode: 'arena', maxPlayers: 8 });
    expect(parseCommandLine(['--mode', 'world']).config).toEqual({ mode: 'world' });
    expect(() => parseCommandLine(['--mode', 'battle'])).toThrow(/--mode is world or arena/);
    expect(() => parseCommandLine(['--max-players', '8'])).toThrow(/--max-players is for --mode arena/);
    expect(() => parseCommandLine(['--max-clients', 'lots'])).toThrow(/--max-clients needs an integer/);
  });
});

describe('chronos', () => {
  it('prints usage for --help and exits 0', async () => {
    const c = capture();
    expect(await main(['--help'], c.io)).toBe(0);
    expect(c.out.join('\n')).toBe(USAGE);
    expect(USAGE).toContain('--http-port');
    expect(USAGE).toContain('--tick-hz');
  });

  it('rejects unknown flags, bad values and stray arguments with exit 2', async () => {
    for (const argv of [['--bogus'], ['--npcs', 'many'], ['--npcs', '-5'], ['--http-port', '99999'], ['--tick-hz', '0'], ['fly'], ['serve', 'extra'], ['--seed']]) {
      const c = capture();
      expect(await main(argv, c.io)).toBe(2);
      expect(c.err.join('\n')).toMatch(/^chronos: .+\nRun "chronos --help" for usage\.$/s);
    }
  });

  it('names the flag in a config error', async () => {
    const c = capture();
    await main(['--http-port', '99999'], c.io);
    expect(c.err[0]).toContain('--http-port');
  });

  it('says which port is in use and exits 1', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    const c = capture();
    try {
      expect(await main(['--host', '127.0.0.1', '--http-port', String(port), '--udp-port', '0'], c.io)).toBe(1);
    } finally {
      blocker.close();
    }
    expect(c.err[0]).toContain(`TCP port ${port}`);
    expect(c.err[0]).toContain('--http-port');
  });

  it('starts as a process, prints its addresses, and exits 0 on SIGINT', async () => {
    const server = await startServerProcess(['--npcs', '50']);
    expect(server.stdout()).toMatch(/50 NPCs, seed 1, 60 Hz/);
    expect(server.stdout()).toMatch(/health\s+http:\/\/127\.0\.0\.1:\d+\/healthz/);
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
    expect(server.stdout()).toContain('SIGINT: shutting down');
    expect(server.stderr()).toBe('');
  });
});
