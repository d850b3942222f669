// The server's spatial index: every entity of the World in one SpatialIndex, refreshed by one
// kernel call after each simulation step, with its counters and gauges on the server's
// Prometheus registry and a small summary for /healthz. Interest management and lag
// compensation query `index`; the index answers as of the last step.

import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { World } from '../core/world.js';
import { SpatialIndex, type SpatialCounters, type SpatialGridOptions } from '../spatial/index.js';
import { readGauges } from './metric-readers.js';

/** Update durations from 10 us to 5 ms: a 60 Hz tick has 16.7 ms for everything. */
const UPDATE_BUCKETS_S = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005];

type CounterName = Exclude<keyof SpatialCounters, 'growths' | 'compactions'> | 'growths' | 'compactions';

const COUNTERS: readonly [CounterName, string, string][] = [
  ['moves', 'chronos_spatial_moves_total', 'Entity position refreshes that changed a position'],
  ['cellChanges', 'chronos_spatial_cell_changes_total', 'Entities that moved to another cell (past the hysteresis margin)'],
  ['splits', 'chronos_spatial_splits_total', 'Cells split into 8 finer cells'],
  ['merges', 'chronos_spatial_merges_total', 'Split cells merged back'],
  ['inserts', 'chronos_spatial_inserts_total', 'Entities added to the index'],
  ['removes', 'chronos_spatial_removes_total', 'Entities removed from the index'],
  ['queries', 'chronos_spatial_queries_total', 'Spatial queries answered (each query of a batch counts)'],
  ['growths', 'chronos_spatial_growths_total', 'Index pools grown by copying into a larger region'],
  ['compactions', 'chronos_spatial_compactions_total', 'Entry array compactions'],
];

export class ServerSpatial {
  readonly index: SpatialIndex;
  private readonly updateDuration: Histogram;
  private lastUpdateMs = 0;

  constructor(world: World, registry: Registry, options: SpatialGridOptions = {}) {
    this.index = SpatialIndex.forWorld(world, { name: 'server-spatial', ...options });
    const registers = [registry];
    const index = this.index;
    for (const [key, name, help] of COUNTERS) {
      let reported = 0;
      new Counter({
        name,
        help,
        registers,
        collect() {
          const now = index.counters()[key];
          if (now > reported) this.inc(now - reported);
          reported = now;
        },
      });
    }
    // Gauges read at scrape time; the ones from stats() walk the cells (once per scrape).
    let stats = index.stats();
    let statsAt = -1;
    const fresh = () => {
      const now = performance.now();
      if (now - statsAt > 100) {
        stats = index.stats();
        statsAt = now;
      }
      return stats;
    };
    const gauges: [string, string, () => number][] = [
      ['chronos_spatial_entities', 'Entities in the spatial index', () => index.size],
      ['chronos_spatial_occupied_cells', 'Non-empty leaf cells', () => fresh().leafCells],
      ['chronos_spatial_top_cells', 'Non-empty top-level cells', () => fresh().topCells],
      ['chronos_spatial_split_cells', 'Cells split into finer cells', () => fresh().splitCells],
      ['chronos_spatial_levels', 'Grid levels holding entities', () => fresh().levelsInUse],
      ['chronos_spatial_max_depth', 'Deepest split in use', () => fresh().maxDepthInUse],
      ['chronos_spatial_memory_bytes', 'Arena bytes held by the spatial index', () => index.memoryBytes],
      ['chronos_spatial_bytes_per_entity', 'Spatial index bytes per indexed entity', () => fresh().bytesPerEntity],
    ];
    readGauges(registry, gauges);
    this.updateDuration = new Histogram({
      name: 'chronos_spatial_update_duration_seconds',
      help: 'Wall time of the spatial index update after each tick',
      buckets: UPDATE_BUCKETS_S,
      registers,
    });
    this.afterStep();
  }

  /** Brings the index up to date with the world (one kernel call); call after every step. */
  afterStep(): void {
    const started = performance.now();
    this.index.update();
    this.lastUpdateMs = performance.now() - started;
    this.updateDuration.observe(this.lastUpdateMs / 1000);
  }

  /** A few cheap figures for /healthz (no cell walk). */
  health(): Record<string, number> {
    const c = this.index.counters();
    return {
      entities: this.index.size,
      levels: this.index.levels,
      memoryBytes: this.index.memoryBytes,
      lastUpdateMs: Math.round(this.lastUpdateMs * 1000) / 1000,
      cellChanges: c.cellChanges,
      splits: c.splits,
      merges: c.merges,
      queries: c.queries,
    };
  }
}
