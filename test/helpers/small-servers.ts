// Small demo servers on loopback for the admission tests: 50 NPCs, ephemeral ports, quiet, each
// stopped after the file's tests.

import { afterAll } from 'vitest';
import { GameServer, type GameServerOptions } from '../../src/server/game-server.js';

/** Returns `start(options)`, whose servers are stopped in this file's afterAll. */
export function smallServers(): (options: GameServerOptions) => Promise<{ server: GameServer; base: string }> {
  const servers: GameServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });
  return async (options) => {
    const server = await GameServer.start({ host: '127.0.0.1', httpPort: 0, udpPort: 0, npcs: 50, seed: 4, processMetrics: false, log: () => undefined, ...options });
    servers.push(server);
    return { server, base: `http://127.0.0.1:${server.httpPort}` };
  };
}
