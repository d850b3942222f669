// Small servers on loopback for the engine's admission, proxy and network-worker tests: a
// DeclaredServer serving the tag game (tagModule(): 300 rocks and wisps, a runner per player),
// ephemeral ports, no process metrics, quiet, each stopped after the file's tests.

import { afterAll, beforeAll } from 'vitest';
import { DeclaredServer, type DeclaredServerOptions } from '../../src/server/declared-server.js';
import { loadServerCrypto } from '../../src/net/crypto-node.js';
import type { NetCrypto } from '../../src/net/crypto.js';
import { tagModule, type Tag } from './tag-game.js';

/** DeclaredServer's options, the module a fresh tagModule() unless one is given. */
export type SmallServerOptions = Omit<DeclaredServerOptions<Tag>, 'module'> & { readonly module?: DeclaredServerOptions<Tag>['module'] };

/** Returns `start(options)`, whose servers are stopped in this file's afterAll. */
export function smallServers(): (options?: SmallServerOptions) => Promise<{ server: DeclaredServer<Tag>; base: string }> {
  const servers: DeclaredServer<Tag>[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });
  return async (options = {}) => {
    const server = await DeclaredServer.start({ host: '127.0.0.1', httpPort: 0, udpPort: 0, processMetrics: false, log: () => undefined, ...options, module: options.module ?? tagModule() });
    servers.push(server);
    return { server, base: `http://127.0.0.1:${server.httpPort}` };
  };
}

/**
 * A tag server over two network workers (UDP), the server crypto its clients use, and the
 * clients a test opens (closed, and the server stopped, after the file's tests).
 */
export function workerServer<C extends { close(): void }>(options: SmallServerOptions): { readonly server: DeclaredServer<Tag>; readonly crypto: NetCrypto; clients: C[] } {
  let server: DeclaredServer<Tag> | undefined;
  let crypto: NetCrypto | undefined;
  const clients: C[] = [];
  beforeAll(async () => {
    crypto = await loadServerCrypto();
    server = await DeclaredServer.start({ host: '127.0.0.1', httpPort: 0, udpPort: 0, maxClients: 32, processMetrics: false, netWorkers: 2, log: () => undefined, ...options, module: options.module ?? tagModule() });
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
