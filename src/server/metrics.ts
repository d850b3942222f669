// Prometheus metrics of one server (DeclaredServer, DeclaredRoomServer), in its own registry (several servers can live in one
// process, as in the tests). Later subsystems register their counters on `registry`.

import { Counter, Gauge, Histogram, Registry, Summary, collectDefaultMetrics } from 'prom-client';

/** Tick durations from 10 µs to 100 ms, finer around a 60 Hz tick's 16.7 ms budget. */
const TICK_BUCKETS_S = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.0125, 0.015, 0.0167, 0.02, 0.025, 0.033, 0.05, 0.1,
];

export class ServerMetrics {
  readonly registry = new Registry();
  readonly tickDuration: Histogram;
  /** Exact quantiles of the last minute's ticks (what a load test reports as p50 / p99). */
  readonly tickQuantiles: Summary;
  readonly ticks: Counter;
  readonly tickOverruns: Counter;
  readonly droppedTicks: Counter;
  readonly entities: Gauge;
  readonly clients: Gauge;
  readonly bytesOut: Counter;
  readonly framesDropped: Counter<'reason'>;
  readonly inputDropped: Counter<'transport' | 'reason'>;
  readonly connectionsRejected: Counter<'reason'>;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.tickDuration = new Histogram({
      name: 'chronos_tick_duration_seconds',
      help: 'Wall time of one simulation tick (step, hash, stream)',
      buckets: TICK_BUCKETS_S,
      registers,
    });
    this.tickQuantiles = new Summary({
      name: 'chronos_tick_seconds',
      help: 'Wall time of one simulation tick over the last minute, as quantiles',
      percentiles: [0.5, 0.9, 0.99],
      maxAgeSeconds: 60,
      ageBuckets: 6,
      registers,
    });
    this.ticks = new Counter({ name: 'chronos_ticks_total', help: 'Simulation ticks run', registers });
    this.tickOverruns = new Counter({
      name: 'chronos_tick_overruns_total',
      help: 'Times the loop fell further behind than its catch-up limit',
      registers,
    });
    this.droppedTicks = new Counter({ name: 'chronos_ticks_dropped_total', help: 'Ticks skipped by overruns', registers });
    this.entities = new Gauge({ name: 'chronos_entities', help: 'Live entities in the world', registers });
    this.clients = new Gauge({ name: 'chronos_clients', help: 'Connected clients', registers });
    this.bytesOut = new Counter({ name: 'chronos_bytes_out_total', help: 'Payload bytes sent to clients', registers });
    this.framesDropped = new Counter({
      name: 'chronos_frames_dropped_total',
      help: 'Frames not sent to a client, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.inputDropped = new Counter({
      name: 'chronos_input_dropped_total',
      help: 'Inbound messages or packets dropped, by transport and reason',
      labelNames: ['transport', 'reason'],
      registers,
    });
    this.connectionsRejected = new Counter({
      name: 'chronos_connections_rejected_total',
      help: 'Connections refused, by reason',
      labelNames: ['reason'],
      registers,
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'chronos_' });
  }
}
