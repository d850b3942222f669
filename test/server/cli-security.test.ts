// The security flags of `chronos serve`: each maps to its config field, a bad value is reported
// with its flag (exit 2), and --help lists them with their defaults.

import { describe, expect, it } from 'vitest';
import { main, parseCommandLine, USAGE } from '../../src/server/cli.js';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/core/config.js';

describe('security flags', () => {
  it('map to config fields', () => {
    const { config } = parseCommandLine([
      '--max-sessions-per-ip', '4', '--connect-rate', '30', '--allow-origin', 'https://a.example', '--allow-origin', 'https://b.example:8443',
      '--idle-seconds', '0', '--admin-token', 'abcdefghijklmnop', '--max-http-connections', '100',
      '--trust-proxy', 'loopback, 10.0.0.0/8', '--trust-proxy', 'fd00::1',
    ]);
    expect(config).toEqual({
      maxSessionsPerIp: 4, connectRatePerIp: 30, allowedOrigins: ['https://a.example', 'https://b.example:8443'], idleSeconds: 0, adminToken: 'abcdefghijklmnop', maxHttpConnections: 100,
      trustedProxies: ['loopback', '10.0.0.0/8', 'fd00::1'],
    });
    expect(() => resolveConfig(config)).not.toThrow();
  });

  it('have stated defaults', () => {
    expect(DEFAULT_CONFIG).toMatchObject({ maxSessionsPerIp: 32, connectRatePerIp: 60, allowedOrigins: [], idleSeconds: 120, adminToken: '', maxHttpConnections: 2048, httpHeadersTimeoutMs: 10_000, httpRequestTimeoutMs: 30_000, trustedProxies: [] });
    for (const flag of ['--max-sessions-per-ip', '--connect-rate', '--allow-origin', '--idle-seconds', '--admin-token', '--max-http-connections', '--trust-proxy']) expect(USAGE).toContain(flag);
  });

  it('refuse bad values with the flag in the message and exit 2', async () => {
    for (const [argv, flag] of [
      [['--max-sessions-per-ip', '0'], '--max-sessions-per-ip'],
      [['--connect-rate', 'fast'], '--connect-rate'],
      [['--allow-origin', 'evil.example/path'], '--allow-origin'],
      [['--idle-seconds', '-1'], '--idle-seconds'],
      [['--admin-token', 'short'], '--admin-token'],
      [['--trust-proxy', 'proxy.example'], '--trust-proxy'],
      [['--trust-proxy', '10.0.0.0/40'], '--trust-proxy'],
    ] as const) {
      const err: string[] = [];
      expect(await main([...argv], { out: () => undefined, err: (s) => err.push(s) })).toBe(2);
      expect(err.join('\n')).toContain(flag);
      expect(err.join('\n')).not.toContain('short'); // a token is never echoed
    }
  });
});
