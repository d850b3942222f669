// `chronos serve --save FILE --autosave 60s` as a user meets it: the flags, a first start that
// creates the save, autosaves, a clean stop that saves once more, a restart that restores the
// world, and a corrupted file that stops the start (exit 1, naming the file and the problem).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, parseCommandLine, parseDuration, USAGE } from '../../src/server/cli.js';
import { decodeSave, FILE_HEADER_BYTES } from '../../src/persist/index.js';
import { ROOT, startServerProcess } from '../helpers/server-process.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chronos-cli-save-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('--save and --autosave', () => {
  it('parse, with 60 s by default and durations in ms, s, m or h', () => {
    expect(parseCommandLine(['--save', 'w.csav']).config).toEqual({ save: { file: 'w.csav', autosaveMs: 60_000 } });
    expect(parseCommandLine(['--save', 'w.csav', '--autosave', '500ms']).config.save).toEqual({ file: 'w.csav', autosaveMs: 500 });
    expect(parseCommandLine(['--mode', 'arena', '--save', 'a', '--autosave', '5m']).config.save).toEqual({ file: 'a', autosaveMs: 300_000 });
    expect(parseDuration('--autosave', '0')).toBe(0);
    expect(parseDuration('--autosave', '90')).toBe(90_000);
    expect(parseDuration('--autosave', '1.5s')).toBe(1500);
    expect(parseDuration('--autosave', '1h')).toBe(3_600_000);
    expect(() => parseCommandLine(['--autosave', '10s'])).toThrow(/--autosave needs --save/);
    for (const bad of ['fast', '50ms', '-1s', '2d', '']) expect(() => parseCommandLine(['--save', 'w', '--autosave', bad])).toThrow(/--autosave/);
    expect(USAGE).toContain('--save <file>');
    expect(USAGE).toContain('--autosave <time>');
  });

  it('refuses a save file in a directory that does not exist (exit 1)', async () => {
    const err: string[] = [];
    const code = await main(['--save', join(dir, 'missing', 'w.csav'), '--http-port', '0', '--udp-port', '0'], { out: () => undefined, err: (s) => err.push(s) });
    expect(code).toBe(1);
    expect(err[0]).toContain(`the directory ${join(dir, 'missing')} does not exist`);
  });

  it('creates the save, autosaves, saves at SIGTERM, restores at the next start, and refuses a corrupted one', async () => {
    const file = join(dir, 'world.csav');
    const args = ['--save', file, '--autosave', '300ms', '--npcs', '500', '--world-size', '400', '--workers', '0'];
    const first = await startServerProcess(args);
    expect(first.stdout()).toContain('no save at');
    expect(first.stdout()).toContain(`save       ${file} (new), every 0.3 s and at shutdown`);
    const deadline = Date.now() + 20_000;
    while (!existsSync(file) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(file)).toBe(true);
    const health = (await (await fetch(`${first.httpUrl}healthz`)).json()) as { save: { saves: number; lastSaveAt: string } };
    expect(health.save.saves).toBeGreaterThanOrEqual(1);
    expect(typeof health.save.lastSaveAt).toBe('string');
    expect(await first.stop()).toBe(0);
    expect(first.stdout()).toMatch(/save: shutdown: tick \d+/);
    const tick = decodeSave(new Uint8Array(await readFile(file))).header.find((p) => p.name === 'tick')!.value as number;
    expect(tick).toBeGreaterThan(0);

    const second = await startServerProcess(args);
    expect(second.stdout()).toContain(`save: restored ${file}`);
    expect(second.stdout()).toContain(`tick ${tick}, 500 npc`);
    expect(second.stdout()).toContain(`(restored tick ${tick}, 500 entities)`);
    expect(await second.stop()).toBe(0);

    const bytes = new Uint8Array(await readFile(file));
    bytes[FILE_HEADER_BYTES + 40] = bytes[FILE_HEADER_BYTES + 40]! ^ 0x10;
    await writeFile(file, bytes);
    const child = spawn(process.execPath, ['bin/chronos.js', 'serve', '--host', '127.0.0.1', '--http-port', '0', '--udp-port', '0', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain(`chronos: --save ${file}: cannot restore the world: invalid save (checksum)`);
  }, 60_000);
});
