// World mode on /metrics: players, inputs by outcome and drops by reason, catch-ups and starved
// ticks, kicks, OWN states sent, lag compensation verdicts, avatars spawned and removed. Read
// from the host's counters at scrape time, so the tick pays nothing for it.

import type { Registry } from 'prom-client';
import { readCounter, readGauges } from './metric-readers.js';
import { registerLagCompensationMetrics } from './lag-compensation-metrics.js';
import type { WorldHost } from './world-host.js';

export function registerWorldMetrics(registry: Registry, host: WorldHost): void {
  readGauges(registry, [
    ['chronos_players', 'Connections playing (with an avatar in the world)', () => host.playing],
    ['chronos_players_max', 'Players the world makes room for (--max-clients)', () => host.maxPlayers],
    ['chronos_spectators', 'Connections watching (no avatar)', () => host.watching],
    ['chronos_world_away_players', 'Avatars whose link has been lost for more than 5 s', () => host.away],
  ]);
  const a = host.authority.counters;
  const c = host.counters;
  readCounter(registry, 'chronos_world_inputs_total', 'Player inputs: received, and applied by the step', ['outcome'], () => [
    [{ outcome: 'received' }, a.received],
    [{ outcome: 'applied' }, a.applied],
  ]);
  readCounter(registry, 'chronos_world_input_dropped_total', 'Inputs not applied, by reason (duplicate: repeated on purpose; skipped: never arrived; the rest are violations)', ['reason'], () =>
    Object.entries(a.drops).map(([reason, n]): [Record<string, string>, number] => [{ reason }, n]),
  );
  readCounter(registry, 'chronos_world_input_ticks_total', 'Player-ticks by what the authority applied: catch_up (two inputs), starved (none)', ['kind'], () => [
    [{ kind: 'catch_up' }, a.catchUps],
    [{ kind: 'starved' }, a.starved],
  ]);
  readCounter(registry, 'chronos_world_kicks_total', 'Players disconnected for repeated input violations', [], () => [[{}, a.kicks]]);
  readCounter(registry, 'chronos_world_message_dropped_total', 'World-mode client messages dropped, by reason', ['reason'], () =>
    Object.entries(c.drops).map(([reason, n]): [Record<string, string>, number] => [{ reason }, n]),
  );
  readCounter(registry, 'chronos_world_own_states_total', 'OWN states sent (one per player per tick)', [], () => [[{}, c.ownSent]]);
  readCounter(registry, 'chronos_world_joins_total', 'JOIN messages sent', [], () => [[{}, c.joins]]);
  readCounter(registry, 'chronos_world_avatars_total', 'Avatars spawned and removed', ['event'], () => [
    [{ event: 'spawned' }, c.avatarsSpawned],
    [{ event: 'removed' }, c.avatarsRemoved],
    [{ event: 'marked_away' }, c.awayMarked],
    [{ event: 'idle_unseated' }, c.idleUnseated],
  ]);
  registerLagCompensationMetrics(registry, () => host.game.compensator);
  readCounter(registry, 'chronos_game_kills_total', 'Players brought down and NPCs killed', [], () => [[{}, host.game.kills]]);
}
