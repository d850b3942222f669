// A declared server's encode workers on /metrics, read from the pool at scrape time: workers
// alive, players the main thread encodes, messages a full round held back, views cut short,
// workers given up, and the time the workers spent encoding (their CPU beside the main thread's).

import type { Registry } from 'prom-client';
import { readCounter, readGauges } from './metric-readers.js';
import type { EncodePool } from './declared-encode-pool.js';
import type { GameDeclaration } from '../core/game.js';

export function registerEncodePoolMetrics<D extends GameDeclaration>(registry: Registry, pool: EncodePool<D>): void {
  const c = pool.counters;
  readGauges(registry, [
    ['chronos_encode_workers_alive', 'Encode worker threads serving (of the encodeWorkers started)', () => c.alive],
    ['chronos_encode_main_thread_players', 'Players whose snapshots the main thread encodes: its share, and those of workers given up', () => c.mainThreadPlayers],
    ['chronos_encode_worker_wasm_players', 'Players the encode workers encode with WebAssembly run kernels (the store in the game module\'s arena)', () => pool.wasmEncoders],
  ]);
  readCounter(registry, 'chronos_encode_workers_given_up_total', 'Encode workers given up (failed, died or missed a round\'s deadline)', [], () => [[{}, c.givenUp]]);
  readCounter(registry, 'chronos_encode_out_of_room_total', 'Snapshots held back a tick because a worker\'s round output was full', [], () => [[{}, c.outOfRoom]]);
  readCounter(registry, 'chronos_encode_views_cut_total', 'Views cut short because a round\'s shared view space ran out', [], () => [[{}, c.viewsCut]]);
  readCounter(registry, 'chronos_encode_worker_busy_seconds_total', 'Time the encode workers spent encoding, all of them together', [], () => [[{}, pool.busyMs / 1000]]);
}
