// Bots over several processes (src/client/bot-processes.ts): botSlice deals every bot to exactly
// one slice, evenly, and refuses a malformed slice; forkBots runs a script in N processes, each
// told its slice, relays their lines with the slice in front and returns the worst exit code.

import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { botSlice, BOT_SLICE_ENV, forkBots } from '../../src/client/bot-processes.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
const SCRIPT = join(ROOT, 'test', 'fixtures', 'bots', 'slices.ts');

describe('botSlice', () => {
  it('is everything when not forked, and deals every bot to exactly one slice, evenly', () => {
    expect(botSlice(7, {})).toEqual({ forked: false, index: 0, of: 1, firstBot: 0, players: 7 });
    for (const players of [1, 2, 7, 10, 999, 1000]) {
      for (let of = 1; of <= Math.min(players, 9); of++) {
        const seen: number[] = [];
        for (let i = 0; i < of; i++) {
          const s = botSlice(players, { [BOT_SLICE_ENV]: `${i}/${of}` });
          expect(s.forked && s.index === i && s.of === of).toBe(true);
          expect(s.players === Math.floor(players / of) || s.players === Math.ceil(players / of)).toBe(true);
          for (let b = s.firstBot; b < s.firstBot + s.players; b++) seen.push(b);
        }
        expect(seen).toEqual(Array.from({ length: players }, (_, b) => b));
      }
    }
  });

  it('refuses a malformed slice', () => {
    for (const bad of ['', '1', '2/2', '-1/2', '1/0', 'a/b', '0/65', '0/2/3']) {
      expect(() => botSlice(10, { [BOT_SLICE_ENV]: bad }), bad).toThrow(ConfigError);
    }
  });
});

describe('forkBots', () => {
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', TSX, SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

  it('runs the script in N processes, each with its slice, and relays their lines', () => {
    const r = run(['--players', '10', '--processes', '3']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').sort();
    expect(lines).toEqual([
      '[0/3] a line on stderr', '[0/3] slice 0 of 3: bots 0 .. 3',
      '[1/3] a line on stderr', '[1/3] slice 1 of 3: bots 4 .. 6',
      '[2/3] a line on stderr', '[2/3] slice 2 of 3: bots 7 .. 9',
    ]);
  }, 60_000);

  it('returns the worst exit code of its processes', () => {
    const r = run(['--players', '4', '--processes', '2', '--fail-slice', '1']);
    expect(r.status).toBe(3);
    expect(r.stdout).toContain('[1/2] slice 1 of 2: bots 2 .. 3');
  }, 60_000);

  it('refuses a process count out of range', async () => {
    for (const n of [0, -1, 1.5, 65]) await expect(forkBots(n, () => {})).rejects.toThrow(ConfigError);
  });
});
