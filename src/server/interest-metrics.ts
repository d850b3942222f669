// Interest management on /metrics: bytes sent to clients in total and per client per second,
// records (updates) sent per zone, enters and leaves, deltas against full states, records a
// budget deferred, the per-tick cost and message drops. Counters are read from the host's
// cumulative totals at scrape time; the per-client rate is observed once a second.

import { Histogram, type Registry } from 'prom-client';
import type { InterestHost } from './interest-host.js';
import { readCounter, readGauges } from './metric-readers.js';

const ZONES = ['immediate', 'near', 'awareness', 'background'] as const;
/** Per-client bytes/s: a quiet corner costs a few hundred, a crowd tens of thousands. */
const CLIENT_RATE_BUCKETS = [100, 300, 1_000, 3_000, 10_000, 30_000, 100_000, 300_000];
/** Interest work per tick: tens of microseconds for a few clients, milliseconds for thousands. */
const TICK_BUCKETS_S = [25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3];

export function registerInterestMetrics(registry: Registry, host: InterestHost): void {
  readGauges(registry, [
    ['chronos_interest_clients', 'Connections receiving interest-managed snapshots', () => host.clientCount],
    ['chronos_interest_memory_bytes', 'Arena bytes held by the interest pipeline', () => host.pipeline.memoryBytes()],
  ]);
  readCounter(registry, 'chronos_interest_bytes_total', 'Snapshot bytes sent to clients', [], () => [[{}, host.totals().bytes]]);
  readCounter(registry, 'chronos_interest_snapshots_total', 'Snapshots sent to clients', [], () => [[{}, host.totals().messages]]);
  readCounter(registry, 'chronos_interest_updates_total', 'Entity records (updates) sent, by the zone they were in', ['zone'], () => {
    const z = host.totals().zoneUpdates;
    return ZONES.map((zone, i): [Record<string, string>, number] => [{ zone }, z[i]!]);
  });
  readCounter(registry, 'chronos_interest_records_total', 'Records sent by kind: deltas against an acknowledged baseline, full states, enters, leaves', ['kind'], () => {
    const t = host.totals();
    return [[{ kind: 'delta' }, t.deltas], [{ kind: 'full' }, t.fulls], [{ kind: 'enter' }, t.enters], [{ kind: 'leave' }, t.leaves]];
  });
  readCounter(registry, 'chronos_interest_deferred_total', 'Due records a byte budget left for a later tick', [], () => [[{}, host.totals().deferred]]);
  readCounter(registry, 'chronos_interest_dropped_total', 'Client interest messages dropped, by reason', ['reason'], () =>
    Object.entries(host.drops).map(([reason, n]): [Record<string, string>, number] => [{ reason }, n]),
  );
  new Histogram({
    name: 'chronos_interest_client_bytes_per_second',
    help: 'Snapshot bytes each client was sent over the last second (one observation per client per second)',
    buckets: CLIENT_RATE_BUCKETS,
    registers: [registry],
    collect() {
      for (const rate of host.perClientBytesPerSec.splice(0)) this.observe(rate);
    },
  });
  new Histogram({
    name: 'chronos_interest_tick_seconds',
    help: 'Wall time of the interest pipeline and the snapshot sends per tick (last tick, sampled at scrape)',
    buckets: TICK_BUCKETS_S,
    registers: [registry],
    collect() {
      this.observe(host.lastTickMs / 1000);
    },
  });
}
