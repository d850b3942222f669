// The security flags every game's server program takes (server-flags.ts): each maps to its config
// field, a bad value ends the program with one line naming its flag (exit 2) and never echoes a
// token, and the example servers take them.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ScriptArgs } from '../../src/server/script-args.js';
import { SECURITY_FLAGS, SECURITY_USAGE, securityFlags } from '../../src/server/server-flags.js';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/core/config.js';
import { ROOT } from '../helpers/server-process.js';

class Refused extends Error {}

function argsOf(argv: string[]): ScriptArgs {
  return new ScriptArgs(argv, (line) => {
    throw new Refused(line);
  });
}

describe('security flags', () => {
  it('map to config fields', () => {
    const config = securityFlags(argsOf([
      '--max-sessions-per-ip', '4', '--connect-rate', '30', '--allow-origin', 'https://a.example', '--allow-origin', 'https://b.example:8443,*',
      '--admin-token', 'abcdefghijklmnop', '--max-http-connections', '100',
      '--trust-proxy', 'loopback, 10.0.0.0/8', '--trust-proxy', 'fd00::1',
    ]));
    expect(config).toEqual({
      maxSessionsPerIp: 4, connectRatePerIp: 30, allowedOrigins: ['https://a.example', 'https://b.example:8443', '*'], adminToken: 'abcdefghijklmnop', maxHttpConnections: 100,
      trustedProxies: ['loopback', '10.0.0.0/8', 'fd00::1'],
    });
    expect(() => resolveConfig(config)).not.toThrow();
    // Absent flags leave the server's defaults.
    expect(securityFlags(argsOf(['--seed', '3']))).toEqual({});
  });

  it('have stated defaults, each in the usage text', () => {
    expect(DEFAULT_CONFIG).toMatchObject({ maxSessionsPerIp: 32, connectRatePerIp: 60, allowedOrigins: [], adminToken: '', maxHttpConnections: 2048, httpHeadersTimeoutMs: 10_000, httpRequestTimeoutMs: 30_000, trustedProxies: [] });
    for (const flag of SECURITY_FLAGS) expect(SECURITY_USAGE).toContain(`--${flag}`);
  });

  it('refuse bad values naming the flag, and never echo a token', () => {
    for (const [argv, flag] of [
      [['--max-sessions-per-ip', '0'], '--max-sessions-per-ip'],
      [['--connect-rate', 'fast'], '--connect-rate'],
      [['--max-http-connections', '1.5'], '--max-http-connections'],
      [['--allow-origin', 'evil.example/path'], '--allow-origin'],
      [['--allow-origin', 'https://a.example/x'], '--allow-origin'],
      [['--admin-token', 'short'], '--admin-token'],
      [['--admin-token', 'sixteen chars with spaces'], '--admin-token'],
      [['--trust-proxy', 'proxy.example'], '--trust-proxy'],
      [['--trust-proxy', '10.0.0.0/40'], '--trust-proxy'],
      [['--trust-proxy'], '--trust-proxy'],
    ] as const) {
      let line = '';
      try {
        securityFlags(argsOf([...argv]));
      } catch (err) {
        expect(err).toBeInstanceOf(Refused);
        line = (err as Error).message;
      }
      expect(line, argv.join(' ')).toContain(flag);
      expect(line).not.toContain('short');
      expect(line).not.toContain('sixteen');
    }
  });

  it('are taken by the example servers, which end with exit 2 on a bad one before listening', () => {
    for (const [script, flag, argv] of [
      ['examples/arena-shooter/server.ts', '--trust-proxy', ['--trust-proxy', '10.0.0.0/40', '--http-port', '0', '--udp-port', '0']],
      ['examples/arena-shooter/server.ts', '--admin-token', ['--mode', 'arena', '--admin-token', 'short', '--http-port', '0', '--udp-port', '0']],
      ['examples/skyworld/server.ts', '--allow-origin', ['--allow-origin', 'nope', '--http-port', '0', '--udp-port', '0']],
    ] as const) {
      const run = spawnSync(process.execPath, ['--import', 'tsx', script, ...argv], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr).toContain(flag);
      expect(run.stdout).not.toContain('http://');
    }
  }, 120_000);
});
