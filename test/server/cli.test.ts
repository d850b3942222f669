// The `chronos` command: init and build (scaffold.test.ts), help, version, and a clear word for
// whoever still types `chronos serve` now that the engine holds no game of its own.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { main, USAGE, VERSION } from '../../src/server/cli.js';
import { SECURITY_FLAGS } from '../../src/server/server-flags.js';
import { ROOT } from '../helpers/server-process.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s + '\n'), err: (s) => (err += s + '\n') });
  return { code, out, err };
}

describe('chronos', () => {
  it('prints its usage for --help, help or nothing, with init, build and every security flag; exit 0', async () => {
    for (const argv of [['--help'], ['-h'], ['help'], []]) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.out).toBe(USAGE + '\n');
    }
    expect(USAGE).toContain('chronos init <dir>');
    expect(USAGE).toContain('chronos build');
    for (const flag of SECURITY_FLAGS) expect(USAGE).toContain(`--${flag}`);
  });

  it('prints its version', async () => {
    expect(await run(['--version'])).toEqual({ code: 0, out: `chronos ${VERSION}\n`, err: '' });
  });

  it('says a game serves itself when asked to serve, and refuses an unknown command; exit 2, one line each', async () => {
    const serve = await run(['serve', '--http-port', '0']);
    expect(serve.code).toBe(2);
    expect(serve.err).toContain('a game serves itself');
    expect(serve.err).toContain('npm start');
    expect(serve.out).toBe('');
    const unknown = await run(['launch']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "launch"');
  });

  it('runs as the installed bin (dist/), exit codes as above', () => {
    const help = spawnSync(process.execPath, ['bin/chronos.js', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('chronos init <dir>');
    const serve = spawnSync(process.execPath, ['bin/chronos.js', 'serve'], { cwd: ROOT, encoding: 'utf8' });
    expect(serve.status).toBe(2);
    expect(serve.stderr.trim().split('\n')).toHaveLength(1);
  });
});
