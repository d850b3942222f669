// Skyworld as a DeclaredGameModule: what DeclaredServer needs to serve it (src/server/declared-game.ts).
// The engine owns connections, replication and input checks; the sim owns the world.

import type { DeclaredGameModule } from '../../src/index.js';
import { SkyworldSim, type SkyworldOptions } from './sim.js';
import type { SkyworldDeclaration } from './game.js';

export interface SkyworldModuleOptions extends SkyworldOptions {
  /** How far a player sees, metres in 3D (default 128). */
  readonly viewRadiusM?: number;
  /** Most entities in one player's view (default 1,024). */
  readonly viewCapacity?: number;
}

export function skyworldModule(options: SkyworldModuleOptions = {}): DeclaredGameModule<SkyworldDeclaration> & { readonly sim: SkyworldSim } {
  const sim = new SkyworldSim(options);
  const radius = options.viewRadiusM ?? 128;
  return {
    sim,
    game: sim.store.game,
    store: sim.store,
    tickHz: 60,
    viewCapacity: options.viewCapacity ?? 1024,
    join: (player) => sim.addPlayer(player),
    leave: (_player, avatar) => sim.removePlayer(avatar),
    // Checked against the declaration by the server: every field present and in range.
    input: (avatar, input) => sim.applyInput(avatar, input),
    // A predicting page's tick without an input stands still (it did not walk that tick either).
    release: (avatar) => sim.releaseInput(avatar),
    step: (tick) => sim.step(tick),
    visible: (avatar, out) => sim.visibleSlots(avatar, radius, out),
    // Where its players are, for events sent to those within range (DeclaredServer.emit).
    positions: { x: 'position.x', y: 'position.y', z: 'position.z' },
    // The step's zap hits and knock-outs, to the players within 30 m of each.
    announce: (emit) => {
      for (const event of sim.events) emit(event);
    },
    // A player belongs to its session: saves leave players out, and a restart starts without them.
    unsavedTypes: ['player'],
    restored: () => sim.afterRestore(),
  };
}
