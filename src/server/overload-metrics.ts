// The overload governor on /metrics: its level, the tick p90 it judges by, the times it entered
// each level and the time spent shedding load, read from the governor at scrape time.

import type { Registry } from 'prom-client';
import { readCounter, readGauges } from './metric-readers.js';
import { OVERLOAD_LEVELS, type OverloadGovernor } from './overload.js';

export function registerOverloadMetrics(registry: Registry, overload: OverloadGovernor, tickHz: number): void {
  readGauges(registry, [
    ['chronos_overload_level', 'Load shedding level: 0 normal, 1 degraded, 2 degraded more (see /healthz for why)', () => overload.level],
    ['chronos_tick_p90_seconds', 'p90 of the last 60 ticks, as the overload governor sees it', () => overload.p90Ms / 1000],
  ]);
  readCounter(registry, 'chronos_overload_transitions_total', 'Times the server entered each load level', ['level'], () =>
    OVERLOAD_LEVELS.map((name, i): [Record<string, string>, number] => [{ level: name }, overload.entered[i]!]),
  );
  readCounter(registry, 'chronos_overload_degraded_seconds_total', 'Time spent shedding load', [], () => [[{}, overload.degradedTicks / tickHz]]);
}
