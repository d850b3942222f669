// Metrics read from an engine's own counters at scrape time (collect), so a tick pays nothing
// for /metrics: gauges of current values and counters of cumulative ones.

import { Counter, Gauge, type Registry } from 'prom-client';

/** Gauges whose values are read when scraped: [name, help, read]. */
export function readGauges(registry: Registry, gauges: readonly [string, string, () => number][]): void {
  for (const [name, help, read] of gauges) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  }
}

/** A counter whose value is read from `read` at scrape time, one series per label set. */
export function readCounter(registry: Registry, name: string, help: string, labelNames: string[], read: () => [Record<string, string>, number][]): void {
  const reported = new Map<string, number>();
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      for (const [labels, value] of read()) {
        const key = JSON.stringify(labels);
        const before = reported.get(key) ?? 0;
        if (value > before) this.inc(labels, value - before);
        else if (!reported.has(key)) this.inc(labels, 0);
        reported.set(key, value);
      }
    },
  });
}
