// `npm start -- --save FILE --autosave N` as a user meets it (the arena shooter's server program,
// DeclaredServer's saves): a first start that creates the save, autosaves, a clean stop that
// saves once more, a restart that restores the world, a corrupted file and a missing directory
// that stop the start with one line naming the file (exit 1), and another port in use likewise.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSave, FILE_HEADER_BYTES } from '../../src/persist/index.js';
import { ARENA_SHOOTER_ARGS, ROOT, startServerProcess } from '../helpers/server-process.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chronos-server-save-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the server program to its end: exit code and what it wrote to stderr. */
async function runToExit(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [...ARENA_SHOOTER_ARGS, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stderr };
}

describe('--save and --autosave', () => {
  it('refuses a save file in a directory that does not exist (exit 1, one line)', async () => {
    const { code, stderr } = await runToExit(['--save', join(dir, 'missing', 'w.csav'), '--npcs', '50', '--net-workers', '0', '--encode-workers', '0']);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([`--save ${join(dir, 'missing', 'w.csav')}: the directory ${join(dir, 'missing')} does not exist`]);
  }, 60_000);

  it('creates the save, autosaves, saves at SIGTERM, restores at the next start, and refuses a corrupted one', async () => {
    const file = join(dir, 'world.csav');
    const args = ['--save', file, '--autosave', '1', '--npcs', '500', '--npc-spread', '300', '--max-players', '8', '--net-workers', '0', '--encode-workers', '0'];
    const first = await startServerProcess(args);
    expect(first.stdout()).toContain(`save: no save at ${file} yet: a new world, saved every 1 s and at shutdown`);
    expect(first.stdout()).toContain(`save       ${file}, every 1 s and at shutdown`);
    const deadline = Date.now() + 20_000;
    while (!existsSync(file) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(file)).toBe(true);
    const health = (await (await fetch(`${first.httpUrl}healthz`)).json()) as { save: { saves: number; lastSaveAt: string; failures: number } };
    expect(health.save.saves).toBeGreaterThanOrEqual(1);
    expect(health.save.failures).toBe(0);
    expect(typeof health.save.lastSaveAt).toBe('string');
    expect(await first.stop()).toBe(0);
    expect(first.stdout()).toMatch(/save: shutdown: tick \d+, \d+ entities/);
    const saved = decodeSave(new Uint8Array(await readFile(file)));
    const tick = saved.header.find((p) => p.name === 'tick')!.value as number;
    expect(tick).toBeGreaterThan(0);
    const npcs = saved.kinds.find((k) => k.name === 'npc')!.slots.length;
    expect(npcs).toBe(500);

    const second = await startServerProcess(args);
    expect(second.stdout()).toContain(`save: restored ${file}`);
    expect(second.stdout()).toContain(`tick ${tick}): `);
    expect(second.stdout()).toContain('world mode: 500 NPCs');
    const restored = (await (await fetch(`${second.httpUrl}healthz`)).json()) as { save: { restoredTick: number } };
    expect(restored.save.restoredTick).toBe(tick);
    expect(await second.stop()).toBe(0);

    const bytes = new Uint8Array(await readFile(file));
    bytes[FILE_HEADER_BYTES + 40] = bytes[FILE_HEADER_BYTES + 40]! ^ 0x10;
    await writeFile(file, bytes);
    const { code, stderr } = await runToExit(args);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`--save ${file}: cannot restore the world: invalid save (checksum)`);
  }, 120_000);

  it('says which port is in use and exits 1', async () => {
    const first = await startServerProcess(['--npcs', '50', '--net-workers', '0', '--encode-workers', '0']);
    try {
      const port = new URL(first.httpUrl).port;
      const child = spawn(process.execPath, ['--import', 'tsx', 'examples/arena-shooter/server.ts', '--host', '127.0.0.1', '--http-port', port, '--udp-port', '0', '--npcs', '50', '--net-workers', '0', '--encode-workers', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toContain(`TCP port ${port} on 127.0.0.1 is already in use: stop what holds it, or choose another with --http-port`);
    } finally {
      expect(await first.stop()).toBe(0);
    }
  }, 90_000);
});
