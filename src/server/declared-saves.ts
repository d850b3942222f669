// Saves of a declared game's store for DeclaredServer (--save / --autosave in a game's server):
// restored at start when the save exists, written every `autosaveMs` and once at shutdown,
// through a SaveStore (files by default: temp file, fsync, rename). Entity types the game
// marks unsaved (its players: sessions do not survive a restart) are freed in the save.

import { dirname, basename } from 'node:path';
import type { GameDeclaration } from '../core/game.js';
import type { GameStore } from '../core/game-store.js';
import { restoreGame, saveGame, type GameRestoreReport } from '../persist/game-save.js';
import { FileSaveStore, type SaveStore } from '../persist/store.js';

export interface DeclaredSaveOptions {
  /** The save's path (with the default file store) or its name in `store`. */
  readonly file: string;
  /** Milliseconds between saves (0: only at shutdown). */
  readonly autosaveMs: number;
  readonly store?: SaveStore;
}

export class DeclaredSaves<D extends GameDeclaration> {
  private readonly store: SaveStore;
  private readonly name: string;
  private timer: ReturnType<typeof setInterval> | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** Saves written, and the last failure (logged, counted; the game goes on). */
  written = 0;
  failures = 0;
  /** When the last save was written (ms since the epoch), 0 before the first. */
  lastSavedAt = 0;
  /** The tick the restored save was written at, or null for a first start. */
  restoredTick: number | null = null;

  /** Where the save goes, for messages. */
  get target(): string {
    return this.options.file;
  }

  constructor(
    private readonly options: DeclaredSaveOptions,
    private readonly game: GameStore<D>,
    private readonly unsavedTypes: readonly string[],
    private readonly tick: () => number,
    private readonly log: (line: string) => void,
  ) {
    this.store = options.store ?? new FileSaveStore(dirname(options.file));
    this.name = options.store ? options.file : basename(options.file);
  }

  /** Restores the store from the save if there is one: its report, or null for a first start. Throws on a bad save. */
  async restore(): Promise<GameRestoreReport | null> {
    const bytes = await this.store.read(this.name);
    if (!bytes) {
      this.log(`save: no save at ${this.options.file} yet: a new world, saved ${this.options.autosaveMs > 0 ? `every ${this.options.autosaveMs / 1000} s and ` : ''}at shutdown`);
      return null;
    }
    const report = restoreGame(this.game, bytes);
    const tick = report.properties.find((p) => p.name === 'tick');
    this.restoredTick = tick?.type === 'u32' ? (tick.value as number) : null;
    this.log(`save: restored ${this.options.file} (${bytes.byteLength} bytes, tick ${this.restoredTick ?? '?'}): ${report.entities} entities${report.skippedTypes.length ? `, left out ${report.skippedTypes.map((t) => `${t.count} ${t.name}`).join(', ')}` : ''}`);
    return report;
  }

  start(): void {
    if (this.options.autosaveMs > 0) this.timer = setInterval(() => void this.save('autosave'), this.options.autosaveMs);
  }

  /** Writes a save now (after any in flight); false when it failed (logged). */
  save(why: string): Promise<boolean> {
    const tick = this.tick() >>> 0;
    const bytes = saveGame(this.game, { skipTypes: this.unsavedTypes, properties: [{ name: 'tick', type: 'u32', value: tick }] });
    const result = this.writing.then(
      () => this.store.write(this.name, bytes).then(
        () => {
          this.written++;
          this.lastSavedAt = Date.now();
          if (why === 'shutdown') this.log(`save: ${why}: tick ${tick}, ${this.game.alive} entities, ${bytes.byteLength} bytes to ${this.options.file}`);
          return true;
        },
        (err: Error) => {
          this.failures++;
          this.log(`save: ${why} failed: ${err.message}`);
          return false;
        },
      ),
    );
    this.writing = result.then(() => undefined);
    return result;
  }

  /** For /healthz: where, how many, the last one's time, failures. */
  status(): Record<string, unknown> {
    return { file: this.options.file, autosaveMs: this.options.autosaveMs, saves: this.written, failures: this.failures, ...(this.lastSavedAt ? { lastSaveAt: new Date(this.lastSavedAt).toISOString() } : {}), restoredTick: this.restoredTick };
  }

  /** The last save, at shutdown. */
  async close(): Promise<boolean> {
    clearInterval(this.timer);
    return this.save('shutdown');
  }
}
