// The stores: files are replaced atomically (temp file in the same directory, fsync, rename),
// a failed write leaves the previous save whole and no temp file behind; memory keeps copies.
// Plus the byte-level pieces the format rests on: CRC-32 and the column encodings.

import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSaveStore, MemorySaveStore, SaveStoreError } from '../../src/persist/index.js';
import { ByteReader, ByteWriter, crc32, crc32Table } from '../../src/persist/bytes.js';
import { readColumn, writeColumn } from '../../src/persist/columns.js';
import { ENCODING } from '../../src/persist/format.js';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { mulberry32 } from '../helpers/wasm.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chronos-save-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileSaveStore', () => {
  it('writes, reads back and replaces a save, leaving no temp file', async () => {
    const store = new FileSaveStore(dir);
    expect(await store.read('world.csav')).toBeNull();
    await store.write('world.csav', new Uint8Array([1, 2, 3]));
    expect(await store.read('world.csav')).toEqual(new Uint8Array([1, 2, 3]));
    const big = new Uint8Array(3 << 20);
    for (let i = 0; i < big.length; i++) big[i] = i * 7;
    await store.write('world.csav', big);
    // (Buffer.equals: a 3 MB toEqual walks every element through the matcher.)
    expect(Buffer.from(big).equals((await store.read('world.csav'))!)).toBe(true);
    expect(await readdir(dir)).toEqual(['world.csav']);
    expect(store.describe('world.csav')).toBe(join(dir, 'world.csav'));
  });

  it('keeps the previous save whole when a write fails, and says why', async () => {
    const store = new FileSaveStore(dir);
    await store.write('keep.csav', new Uint8Array([9, 9, 9]));
    // The next temp file's name is taken by a directory: the write fails before the rename.
    await mkdir(join(dir, `keep.csav.tmp-${process.pid}-2`));
    const err = await store.write('keep.csav', new Uint8Array([1])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SaveStoreError);
    expect((err as SaveStoreError).code).toBe('E_SAVE_STORE');
    expect((err as SaveStoreError).message).toContain(join(dir, 'keep.csav'));
    expect(new Uint8Array(await readFile(join(dir, 'keep.csav')))).toEqual(new Uint8Array([9, 9, 9]));
    // Nothing else of ours was left behind.
    expect((await readdir(dir)).filter((n) => n.startsWith('keep.csav')).sort()).toEqual(['keep.csav', `keep.csav.tmp-${process.pid}-2`]);
  });

  it('refuses names that are paths, and reports what it cannot read', async () => {
    const store = new FileSaveStore(dir);
    for (const name of ['', '..', 'a/b', '../x']) await expect(store.write(name, new Uint8Array(1))).rejects.toBeInstanceOf(InvalidArgumentError);
    await writeFile(join(dir, 'plain'), 'x');
    const nested = new FileSaveStore(join(dir, 'plain'));
    await expect(nested.read('world.csav')).rejects.toBeInstanceOf(SaveStoreError);
  });
});

describe('MemorySaveStore', () => {
  it('keeps copies', async () => {
    const store = new MemorySaveStore();
    const bytes = new Uint8Array([1, 2]);
    await store.write('w', bytes);
    bytes[0] = 7;
    const read = (await store.read('w'))!;
    expect(read).toEqual(new Uint8Array([1, 2]));
    read[1] = 7;
    expect(await store.read('w')).toEqual(new Uint8Array([1, 2]));
    expect(await store.read('other')).toBeNull();
  });
});

describe('format pieces', () => {
  it('CRC-32 matches the table-driven reference (and the check value of "123456789")', () => {
    expect(crc32Table(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const rand = mulberry32(3);
    const bytes = new Uint8Array(10_000).map(() => Math.floor(rand() * 256));
    expect(crc32(bytes)).toBe(crc32Table(bytes));
  });

  it('encodes columns in their narrowest form and reads them back bit for bit', () => {
    const rand = mulberry32(5);
    const n = 1000;
    const cases: [string, Uint32Array, number, number][] = [
      ['constant', new Uint32Array(n).fill(0xdeadbeef), ENCODING.const, 1 + 4 + 4],
      ['ascending slots', Uint32Array.from({ length: n }, (_, i) => i * 2 + 5), ENCODING.delta, 1 + 4 + 1 + n],
      ['small range', Uint32Array.from({ length: n }, () => 1000 + Math.floor(rand() * 300)), ENCODING.for, 1 + 4 + 5 + 2 * n],
      ['negative i32 range', Uint32Array.from({ length: n }, () => (-70000 + Math.floor(rand() * 140000)) >>> 0), ENCODING.for, 1 + 4 + 5 + 3 * n],
      ['full range', Uint32Array.from({ length: n }, () => Math.floor(rand() * 2 ** 32)), ENCODING.raw, 1 + 4 + 4 * n],
      ['owner tags', Uint32Array.from({ length: n }, (_, i) => (i % 2 ? 0xffffffff : 0xfffff009)), ENCODING.for, 1 + 4 + 5 + 2 * n],
    ];
    for (const [name, values, encoding, bytes] of cases) {
      const w = new ByteWriter(16);
      writeColumn(w, values, n);
      const out = w.finish();
      expect(out[0], name).toBe(encoding);
      expect(out.byteLength, name).toBe(bytes);
      expect(readColumn(new ByteReader(out), n, name), name).toEqual(values);
    }
    const empty = new ByteWriter();
    writeColumn(empty, new Uint32Array(0), 0);
    expect(readColumn(new ByteReader(empty.finish()), 0, 'empty')).toEqual(new Uint32Array(0));
  });
});
