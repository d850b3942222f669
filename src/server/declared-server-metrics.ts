// What DeclaredServer publishes on /metrics beside the engine's tick, network and process
// metrics: players and spectators, what its encoders hold, the messages it dropped and the
// inputs its predicting players missed. Read at scrape time where they are counts it keeps.

import { Counter, type Registry } from 'prom-client';
import type { DeclaredInterestStats } from '../interest/declared-interest.js';
import { readCounter, readGauges } from './metric-readers.js';
import { wasmEncodingStats } from '../codec/game-wasm-kernels.js';

export interface DeclaredServerReadings {
  players(): number;
  spectators(): number;
  encoderBytes(): number;
  /** The game's DeclaredInterest counts, when it has one (DeclaredGameModule.interestStats). */
  readonly interest?: DeclaredInterestStats;
  /** The rules' events that were never announced (DeclaredGameModule.eventsLost), when the module says. */
  eventsLost?(): { readonly dropped: number; readonly refused: number };
}

export interface DeclaredServerCounters {
  /** Client messages dropped, by reason (DeclaredDropReason). */
  readonly drops: Counter<'reason'>;
  readonly inputGaps: Counter;
  /** Players disconnected for sending no input for idleSeconds. */
  readonly idle: Counter;
  /** Events (DeclaredServer.emit) queued for a player, or dropped: its connection held too many unacknowledged. */
  readonly events: Counter<'result'>;
}

export function registerDeclaredServerMetrics(registry: Registry, read: DeclaredServerReadings): DeclaredServerCounters {
  readGauges(registry, [
    ['chronos_players', 'Connections playing (with an avatar in the game)', read.players],
    ['chronos_spectators', 'Connections watching from a camera (GAME WATCH)', read.spectators],
    ['chronos_declared_encoder_bytes', 'Bytes the snapshot encoders on the main thread hold for their players (frames, messages, views)', read.encoderBytes],
  ]);
  readCounter(registry, 'chronos_declared_encoder_outside_arena_total', 'What the snapshot encoders did in the JavaScript heap instead of the game module\'s WebAssembly arena: frames made there and walks run by the JavaScript kernels (the arena full), kernel modules WebAssembly refused (the same bytes, slower)', ['what'], () => [
    [{ what: 'frames' }, wasmEncodingStats.framesOutsideArena],
    [{ what: 'walks' }, wasmEncodingStats.walksInJavaScript],
    [{ what: 'modules_refused' }, wasmEncodingStats.modulesRefused],
  ]);
  const views = read.interest;
  if (views) {
    readCounter(registry, 'chronos_declared_views_total', 'Players\' views computed, by how: a spatial query (a discovery), or a pass over the candidates the last one kept', ['how'], () => [
      [{ how: 'queried' }, views.discoveries],
      [{ how: 'reused' }, views.queries - views.discoveries],
    ]);
    readCounter(registry, 'chronos_declared_view_teleports_total', 'Entities that appeared or teleported, added to a view the tick they did', [], () => [[{}, views.jumpersAdded]]);
    readCounter(registry, 'chronos_declared_view_entities_total', 'Entities handed over in views, summed (over chronos_declared_views_total: the mean view)', [], () => [[{}, views.viewed]]);
    readCounter(registry, 'chronos_declared_views_narrowed_total', 'Views taken within less than the full radius: their viewer stands in a crowd (DeclaredInterest crowd)', [], () => [[{}, views.narrowed]]);
    readCounter(registry, 'chronos_declared_views_cut_total', 'Views cut at the view capacity (raise viewCapacity)', [], () => [[{}, views.truncated]]);
    readCounter(registry, 'chronos_declared_out_of_world_total', 'Entities found past the world\'s bounds and put back on its edge', [], () => [[{}, views.clampedOutOfWorld]]);
  }
  return {
    drops: new Counter({ name: 'chronos_declared_messages_dropped_total', help: 'Client messages a declared game dropped, by reason', labelNames: ['reason'], registers: [registry] }),
    idle: new Counter({ name: 'chronos_declared_idle_players_total', help: 'Players disconnected (reason Idle) for sending no input for the server\'s idleSeconds', registers: [registry] }),
    inputGaps: new Counter({
      name: 'chronos_declared_input_gaps_total',
      help: 'Ticks a predicting player (one input a tick) had no input for: none applied, each a likely correction on its client',
      registers: [registry],
    }),
    events: registerEventMetrics(registry, read.eventsLost),
  };
}

/**
 * The game's events on /metrics (a world's DeclaredServer and a room's DeclaredRoomServer alike):
 * those sent or dropped per player, and, where the rules emit them, those never announced.
 */
export function registerEventMetrics(registry: Registry, eventsLost?: () => { readonly dropped: number; readonly refused: number }): Counter<'result'> {
  if (eventsLost) {
    readCounter(registry, 'chronos_declared_rule_events_lost_total', 'Events the game\'s rules emitted that were never sent: its module\'s buffer was full (a frame emitted past EVENT_CAPACITY), or the event was malformed', ['reason'], () => {
      const { dropped, refused } = eventsLost();
      return [[{ reason: 'full' }, dropped], [{ reason: 'malformed' }, refused]];
    });
  }
  return new Counter({ name: 'chronos_declared_events_total', help: 'Game events by result: sent to a player in range, or dropped (its connection held too many unacknowledged)', labelNames: ['result'], registers: [registry] });
}
