// Small demo servers on loopback for the admission tests: 50 NPCs, ephemeral ports, quiet, each
// stopped after the file's tests.

import { afterAll, beforeAll } from 'vitest';
import { GameServer, type GameServerOptions } from '../../src/server/game-server.js';
import { loadServerCrypto } from '../../src/net/crypto-node.js';
import type { NetCrypto } from '../../src/net/crypto.js';

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

/**
 * A small world-mode server over two network workers (UDP), the server crypto its clients use,
 * and the clients a test opens (closed, and the server stopped, after the file's tests).
 */
export function workerServer<C extends { close(): void }>(options: GameServerOptions): { readonly server: GameServer; readonly crypto: NetCrypto; clients: C[] } {
  let server: GameServer | undefined;
  let crypto: NetCrypto | undefined;
  const clients: C[] = [];
  beforeAll(async () => {
    crypto = await loadServerCrypto();
    server = await GameServer.start({ host: '127.0.0.1', httpPort: 0, udpPort: 0, npcs: 100, worldSizeM: 400, maxClients: 32, processMetrics: false, workers: 2, log: () => undefined, ...options });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server?.stop();
  });
  return {
    get server() {
      return server!;
    },
    get crypto() {
      return crypto!;
    },
    clients,
  };
}
