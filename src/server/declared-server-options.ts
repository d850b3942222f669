// What DeclaredServer.start takes (declared-server.ts): the game module, the page, and how the
// server spreads its work (encode and network workers) and keeps the world (saves); the rest of
// the server's configuration (ports, limits, tick rate: PartialConfig, src/core/config.ts).

import { availableParallelism } from 'node:os';
import type { PartialConfig } from '../core/config.js';
import type { GameDeclaration } from '../core/game.js';
import type { DeclaredGameModule } from './declared-game.js';
import type { DeclaredSaveOptions } from './declared-saves.js';

export interface DeclaredServerOptions<D extends GameDeclaration> extends PartialConfig {
  readonly module: DeclaredGameModule<D>;
  /** The game's page (index.html and its bundle); none: the server serves no page. */
  readonly staticDir?: string;
  readonly log?: (line: string) => void;
  /** Largest snapshot, bytes (default 16 KiB; the congestion budget usually decides first). */
  readonly maxSnapshotBytes?: number;
  /** Tests drive ticks with runTick(). */
  readonly manualTicks?: boolean;
  /** Restore the store from this save at start when it exists, save it every autosaveMs and at shutdown. */
  readonly save?: DeclaredSaveOptions;
  /**
   * Worker threads that encode the players' snapshots (default 0: the main thread does). They
   * read the store in place, so it must live in shared memory (a game module's store, or
   * GameStore { shared: true }).
   */
  readonly encodeWorkers?: number;
  /**
   * Network workers (default 0: this thread owns the UDP socket): each a thread with its own UDP
   * port (udpPort, udpPort + 1, ...; 0: ephemeral ones), connections and crypto; POST /connect
   * hands a client the least loaded one's port.
   */
  readonly netWorkers?: number;
  /** How the network workers carry packets: 'udp' (default), or 'ring' (shared memory: the socketless bench). */
  readonly netTransport?: 'udp' | 'ring';
  /**
   * Past its tick budget, send each player a snapshot only every 2nd or 3rd tick (default true).
   * False: never shed (overload is still measured and reported): a deployment that prefers late
   * ticks to thinner updates, or a bench measuring what serving everyone every tick costs.
   */
  readonly shedLoad?: boolean;
  /** The process's own figures on /metrics (CPU seconds, resident memory, event loop; default true). */
  readonly processMetrics?: boolean;
}

/**
 * The threads a declared game's server program takes by default, spread over the machine as
 * the machine allows: a network worker per core (each its own UDP port), and with four cores or
 * more an encode worker per core but one (on fewer the threads would take turns on the same
 * cores, with whatever runs beside the server). The programs' --net-workers and
 * --encode-workers flags default to these.
 */
export function threadsForCores(cores = availableParallelism()): { readonly netWorkers: number; readonly encodeWorkers: number } {
  const n = Math.max(1, Math.floor(cores));
  return { netWorkers: n, encodeWorkers: n >= 4 ? n - 1 : 0 };
}
