// Where saves live. A deployment plugs in its own SaveStore (S3, a database, a key-value
// service): two methods, whole saves by name. A write must be all or nothing: a reader sees the
// previous save or the new one, never part of one. Two stores ship: files (atomic by rename) and
// memory (tests, tools).

import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '../core/errors.js';
import { SaveStoreError } from './errors.js';

export interface SaveStore {
  /** The save called `name`, or null when there is none. Throws SaveStoreError when it cannot tell. */
  read(name: string): Promise<Uint8Array | null>;
  /** Replaces the save called `name` with `bytes`, all or nothing. Throws SaveStoreError. */
  write(name: string, bytes: Uint8Array): Promise<void>;
  /** Where `name` lives, for logs ('saves/world.csav', 's3://bucket/world'). */
  describe(name: string): string;
}

/** Saves in a Map (copies in and out). */
export class MemorySaveStore implements SaveStore {
  private readonly saves = new Map<string, Uint8Array>();
  writes = 0;

  async read(name: string): Promise<Uint8Array | null> {
    const bytes = this.saves.get(name);
    return bytes ? bytes.slice() : null;
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    this.saves.set(name, bytes.slice());
    this.writes++;
  }

  describe(name: string): string {
    return `memory:${name}`;
  }
}

function checkName(name: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) throw new InvalidArgumentError(`save name "${name}" must be a plain file name`);
}

/**
 * Saves as files in one directory. A write goes to `NAME.tmp-PID-N` in the same directory, is
 * flushed to disk (fsync), then renamed over NAME (atomic on POSIX file systems), and the
 * directory is flushed so the rename itself survives a crash. Until the rename, NAME is the
 * previous save, whole; a crash mid-write leaves at most a stray temporary file.
 */
export class FileSaveStore implements SaveStore {
  readonly dir: string;
  private seq = 0;

  constructor(dir: string) {
    this.dir = dir;
  }

  describe(name: string): string {
    return join(this.dir, name);
  }

  async read(name: string): Promise<Uint8Array | null> {
    checkName(name);
    const path = join(this.dir, name);
    try {
      const buf = await readFile(path);
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new SaveStoreError('read', path, err);
    }
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    checkName(name);
    const path = join(this.dir, name);
    const tmp = `${path}.tmp-${process.pid}-${++this.seq}`;
    try {
      const file = await open(tmp, 'wx');
      try {
        let done = 0;
        while (done < bytes.byteLength) done += (await file.write(bytes, done, bytes.byteLength - done)).bytesWritten;
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw new SaveStoreError('write', path, err);
    }
    await syncDirectory(this.dir);
  }
}

/** fsync of a directory (makes a rename durable); not every platform allows it, which is fine. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // EISDIR / EPERM / EINVAL on platforms that cannot sync a directory: the rename still happened.
  }
}
