// The server's saves (`chronos serve --save FILE --autosave 60s`): at start the world is restored
// from the save when there is one (a bad save stops the start with a SaveError naming the
// problem); then every interval, and once at shutdown, the world is captured and encoded on the
// main thread between ticks (one pass over the columns: a few ms for 100,000 entities) and
// written by the store asynchronously (FileSaveStore: temp file, fsync, rename). At most one
// write is in flight: an autosave that comes due while the previous one is still being written
// is skipped (counted). /metrics: chronos_saves_total{result}, chronos_save_bytes,
// chronos_save_duration_seconds{phase}, chronos_save_last_timestamp_seconds; /healthz: `save`.

import { performance } from 'node:perf_hooks';
import { Histogram, type Registry } from 'prom-client';
import type { World } from '../core/world.js';
import { describeRestore, restoreWorld, saveWorld, type RestoreReport, type SaveStore } from '../persist/index.js';
import { readCounter, readGauges } from './metric-readers.js';
import type { ModeHost } from './mode-host.js';
import { PlayHost } from './play-host.js';
import { WorldHost } from './world-host.js';

export interface ServerSaveOptions {
  store: SaveStore;
  /** The save's name in the store (the CLI: the file name, in the file's directory). */
  name: string;
  /** Milliseconds between autosaves; 0 saves only at shutdown. */
  autosaveMs: number;
}

export type SaveReason = 'autosave' | 'shutdown' | 'manual';

export class ServerSaves {
  readonly options: ServerSaveOptions;
  readonly target: string;
  /** What the start restored, or null when there was no save. */
  restored: RestoreReport | null = null;
  saves = 0;
  failures = 0;
  skipped = 0;
  lastBytes = 0;
  lastEncodeMs = 0;
  lastWriteMs = 0;
  /** Wall-clock ms of the last save that completed, and the tick it holds. */
  lastSavedAt: number | undefined;
  lastTick: number | undefined;
  lastError: string | undefined;
  private readonly world: World;
  private readonly log: (line: string) => void;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<boolean> | undefined;
  private durations: Histogram | undefined;

  constructor(options: ServerSaveOptions, world: World, log: (line: string) => void) {
    this.options = options;
    this.world = world;
    this.log = log;
    this.target = options.store.describe(options.name);
  }

  /**
   * Restores the mode's world from the save, if there is one, before anything else reads the
   * world (the spatial index and interest management are built after). Throws SaveError.
   */
  async restore(host: ModeHost): Promise<RestoreReport | null> {
    const bytes = await this.options.store.read(this.options.name);
    if (!bytes) {
      this.log(`save: no save at ${this.target} yet: a new world (the first save creates it)`);
      return null;
    }
    const started = performance.now();
    const report = restoreWorld(this.world, bytes);
    // The lag-compensation history describes the world before: it starts again from the restored tick.
    const game = host instanceof WorldHost || host instanceof PlayHost ? host.game : undefined;
    if (game?.history) {
      game.history.clear();
      game.history.record(this.world.ptr, this.world.tick);
    }
    this.restored = report;
    this.log(`save: restored ${this.target} (${bytes.byteLength} bytes in ${(performance.now() - started).toFixed(1)} ms): ${describeRestore(report)}`);
    return report;
  }

  /** Starts the autosave timer (nothing when autosaveMs is 0). */
  start(): void {
    if (this.options.autosaveMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.save('autosave'), this.options.autosaveMs);
    this.timer.unref();
  }

  /**
   * Captures and encodes the world now (synchronously, between ticks), then writes it. Resolves
   * false when the save failed (logged and counted) or was skipped because one is in flight.
   */
  save(reason: SaveReason): Promise<boolean> {
    if (this.inFlight) {
      this.skipped++;
      return Promise.resolve(false);
    }
    const run = this.run(reason).finally(() => {
      this.inFlight = undefined;
    });
    this.inFlight = run;
    return run;
  }

  private async run(reason: SaveReason): Promise<boolean> {
    const tick = this.world.tick;
    const t0 = performance.now();
    let bytes: Uint8Array;
    try {
      bytes = saveWorld(this.world);
    } catch (err) {
      return this.failed(reason, err);
    }
    const t1 = performance.now();
    try {
      await this.options.store.write(this.options.name, bytes);
    } catch (err) {
      return this.failed(reason, err);
    }
    const t2 = performance.now();
    this.saves++;
    this.lastBytes = bytes.byteLength;
    this.lastEncodeMs = t1 - t0;
    this.lastWriteMs = t2 - t1;
    this.lastSavedAt = Date.now();
    this.lastTick = tick;
    this.lastError = undefined;
    this.durations?.observe({ phase: 'encode' }, this.lastEncodeMs / 1000);
    this.durations?.observe({ phase: 'write' }, this.lastWriteMs / 1000);
    if (reason !== 'autosave') this.log(`save: ${reason}: tick ${tick}, ${bytes.byteLength} bytes to ${this.target} (encode ${this.lastEncodeMs.toFixed(1)} ms, write ${this.lastWriteMs.toFixed(1)} ms)`);
    return true;
  }

  private failed(reason: SaveReason, err: unknown): false {
    this.failures++;
    this.lastError = err instanceof Error ? err.message : String(err);
    this.log(`save: ${reason} failed: ${this.lastError}`);
    return false;
  }

  /** Stops the timer, waits for a write in flight, then saves once more. Resolves whether that worked. */
  async close(): Promise<boolean> {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.inFlight) await this.inFlight;
    return this.save('shutdown');
  }

  health(): Record<string, unknown> {
    return {
      target: this.target,
      autosaveS: this.options.autosaveMs / 1000,
      saves: this.saves,
      failures: this.failures,
      skipped: this.skipped,
      ...(this.lastSavedAt !== undefined
        ? { lastSaveAt: new Date(this.lastSavedAt).toISOString(), lastSaveAgeS: Math.round((Date.now() - this.lastSavedAt) / 1000), lastSaveTick: this.lastTick, lastSaveBytes: this.lastBytes, lastEncodeMs: round(this.lastEncodeMs), lastWriteMs: round(this.lastWriteMs) }
        : { lastSaveAt: null }),
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      restored: this.restored ? { tick: this.restored.tick, entities: this.restored.entities, byKind: this.restored.byKind } : null,
    };
  }

  registerMetrics(registry: Registry): void {
    readCounter(registry, 'chronos_saves_total', 'World saves by result (skipped: one was still being written)', ['result'], () => [
      [{ result: 'ok' }, this.saves],
      [{ result: 'failed' }, this.failures],
      [{ result: 'skipped' }, this.skipped],
    ]);
    readGauges(registry, [
      ['chronos_save_bytes', 'Size of the last save written, bytes', () => this.lastBytes],
      ['chronos_save_last_timestamp_seconds', 'When the last save was written (Unix time; 0 before the first)', () => (this.lastSavedAt ?? 0) / 1000],
      ['chronos_save_restored_entities', 'Entities restored from the save at start (0 when there was none)', () => this.restored?.entities ?? 0],
    ]);
    this.durations = new Histogram({
      name: 'chronos_save_duration_seconds',
      help: 'Time per save: encode (main thread, between ticks) and write (asynchronous)',
      labelNames: ['phase'],
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
      registers: [registry],
    });
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
