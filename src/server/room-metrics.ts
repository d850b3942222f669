// A rollback room on /metrics (a declared game's room, DeclaredRoomServer): seats, the rollback
// server's input accounting and drops, resyncs, full states sent and state hashes published.
// Everything is read from the host's counters at scrape time (collect), so the tick pays nothing.

import type { Registry } from 'prom-client';
import { readCounter, readGauges } from './metric-readers.js';
import type { RoomHost } from './room-host.js';

const RESYNC_REASONS = ['', 'hash_mismatch', 'inputs_missing', 'too_deep'] as const;

/** Any rollback room's: seats, inputs, drops, resyncs, states and hashes. */
export function registerRoomMetrics(registry: Registry, host: RoomHost): void {
  const gauges: [string, string, () => number][] = [
    ['chronos_players', 'Connections playing (holding a player number)', () => host.players],
    ['chronos_players_max', 'Player numbers in the session', () => host.seats.size],
    ['chronos_spectators', 'Connections watching', () => host.spectators],
    ['chronos_players_waiting', 'Spectators waiting for a free player number', () => host.waiting],
    ['chronos_rollback_frame', 'Frames the authoritative game has simulated', () => host.session.frame],
  ];
  readGauges(registry, gauges);
  const session = host.session;
  readCounter(registry, 'chronos_rollback_inputs_total', 'Player inputs by outcome (redundant: repeated on purpose; missing: not there in time, previous repeated)', ['outcome'], () => [
    [{ outcome: 'accepted' }, session.accepted],
    [{ outcome: 'redundant' }, session.redundant],
    [{ outcome: 'missing' }, session.missing],
  ]);
  readCounter(registry, 'chronos_rollback_input_dropped_total', 'Client messages of the play session dropped, by reason', ['reason'], () => [
    ...Object.entries(session.drops).map(([reason, n]): [Record<string, string>, number] => [{ reason }, n]),
    ...Object.entries(host.counters.drops).map(([reason, n]): [Record<string, string>, number] => [{ reason }, n]),
  ]);
  readCounter(registry, 'chronos_rollback_resyncs_total', 'Full-state requests from clients, by reason', ['reason'], () =>
    RESYNC_REASONS.slice(1).map((reason, i): [Record<string, string>, number] => [{ reason }, session.resyncRequests[i + 1]! + host.counters.spectatorResyncs[i + 1]!]),
  );
  readCounter(registry, 'chronos_rollback_states_sent_total', 'Full states sent (joins and resyncs)', [], () => [[{}, host.counters.statesSent]]);
  readCounter(registry, 'chronos_rollback_state_bytes_total', 'Bytes of full states sent', [], () => [[{}, host.counters.stateBytesSent]]);
  readCounter(registry, 'chronos_rollback_hashes_total', 'State hashes published', [], () => [[{}, host.counters.hashesSent]]);
  readCounter(registry, 'chronos_rollback_joins_total', 'JOIN messages sent (seatings, reseatings, promotions)', [], () => [[{}, host.counters.joins]]);
}
