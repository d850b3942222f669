// What DeclaredServer publishes on /metrics beside the engine's tick, network and process
// metrics: players and spectators, what its encoders hold, the messages it dropped and the
// inputs its predicting players missed. Read at scrape time where they are counts it keeps.

import { Counter, type Registry } from 'prom-client';
import { readGauges } from './metric-readers.js';

export interface DeclaredServerReadings {
  players(): number;
  spectators(): number;
  encoderBytes(): number;
}

export interface DeclaredServerCounters {
  /** Client messages dropped, by reason (DeclaredDropReason). */
  readonly drops: Counter<'reason'>;
  readonly inputGaps: Counter;
}

export function registerDeclaredServerMetrics(registry: Registry, read: DeclaredServerReadings): DeclaredServerCounters {
  readGauges(registry, [
    ['chronos_players', 'Connections playing (with an avatar in the game)', read.players],
    ['chronos_spectators', 'Connections watching from a camera (GAME WATCH)', read.spectators],
    ['chronos_declared_encoder_bytes', 'Bytes the snapshot encoders on the main thread hold for their players (frames, messages, views)', read.encoderBytes],
  ]);
  return {
    drops: new Counter({ name: 'chronos_declared_messages_dropped_total', help: 'Client messages a declared game dropped, by reason', labelNames: ['reason'], registers: [registry] }),
    inputGaps: new Counter({
      name: 'chronos_declared_input_gaps_total',
      help: 'Ticks a predicting player (one input a tick) had no input for: none applied, each a likely correction on its client',
      registers: [registry],
    }),
  };
}
