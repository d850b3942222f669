// The arena-mode host of an in-process GameServer: GameServer.play is undefined in world mode,
// so a test of the play session asks for it here and fails loudly if the server runs the other mode.

import type { GameServer } from '../../src/server/game-server.js';
import type { PlayHost } from '../../src/server/play-host.js';

export function playHostOf(server: GameServer): PlayHost {
  const play = server.play;
  if (play === undefined) throw new Error('the server runs world mode: it has no arena play host');
  return play;
}
