// The tag game, a small declared game served in tests: runners that move by their input and
// earn a coin a tick (an owner-only purse), rocks, and wisps with a server-only mind; each
// runner sees 100 m around it. Its module is a plain GameStore stepped in TypeScript.

import { defineGame } from '../../src/core/game.js';
import { GameStore } from '../../src/core/game-store.js';
import { FX_ONE } from '../../src/core/fixed.js';
import type { DeclaredGameModule } from '../../src/server/declared-game.js';
import WebSocket from 'ws';
import { DeclaredClient, type DeclaredClientHandlers } from '../../src/client/declared-client.js';
import { connectUdp } from '../../src/client/udp-connector.js';
import type { NetCrypto } from '../../src/net/crypto.js';
import { waiter } from './until.js';
import { afterAll, beforeAll } from 'vitest';
import { DeclaredServer } from '../../src/server/declared-server.js';
import { loadServerCrypto } from '../../src/net/crypto-node.js';

export const TAG = defineGame({
  name: 'tag-test',
  components: {
    position: { fields: { x: { type: 'q16', min: -500, max: 500, precision: 1 / 64 }, y: { type: 'q16', min: -500, max: 500, precision: 1 / 64 } } },
    purse: { fields: { coins: { type: 'u32', min: 0, max: 1_000_000 } }, replicate: 'owner' },
    mind: { fields: { plan: { type: 'i32' } }, replicate: 'server' },
  },
  types: { runner: ['position', 'purse'], rock: ['position'], wisp: ['position', 'mind'] },
  input: { moveX: { type: 'q16', min: -1, max: 1, precision: 1 / 127 }, moveY: { type: 'q16', min: -1, max: 1, precision: 1 / 127 } },
});
export type Tag = typeof TAG.declaration;

/** The tag game: runners move by their input, earn a coin a tick, see 100 m around them. */
export function tagModule(): DeclaredGameModule<Tag> & { moves: Map<number, [number, number]> } {
  const store = new GameStore(TAG, { capacity: 2000 });
  for (let i = 0; i < 300; i++) store.spawn(i % 3 === 0 ? 'wisp' : 'rock', { position: { x: (i % 30) * 10 - 150, y: Math.floor(i / 30) * 10 - 50 } });
  const moves = new Map<number, [number, number]>();
  const x = store.column('position.x');
  const y = store.column('position.y');
  const coins = store.column('purse.coins');
  return {
    game: TAG, store, viewCapacity: 512, moves,
    positions: { x: 'position.x', y: 'position.y' },
    join: (player) => store.spawn('runner', { position: { x: player * 3, y: 0 } }, player),
    leave: (_player, avatar) => store.despawn(avatar),
    input: (avatar, input) => moves.set(avatar, [input.moveX as number, input.moveY as number]),
    step: () => {
      for (const [avatar, [mx, my]] of moves) {
        if (!store.isAlive(avatar)) continue;
        const s = avatar & 0xfffff;
        x[s] = Math.max(-400 * FX_ONE, Math.min(400 * FX_ONE, x[s]! + Math.round(mx * 0.2 * FX_ONE)));
        y[s] = Math.max(-400 * FX_ONE, Math.min(400 * FX_ONE, y[s]! + Math.round(my * 0.2 * FX_ONE)));
        coins[s] = coins[s]! + 1;
      }
    },
    visible: (avatar, out) => {
      const s = avatar & 0xfffff;
      let n = 0;
      for (let slot = 0; slot < store.highWater && n < out.length; slot++) {
        if (store.typeColumn[slot] === 0) continue;
        const dx = (x[slot]! - x[s]!) / FX_ONE, dy = (y[slot]! - y[s]!) / FX_ONE;
        if (dx * dx + dy * dy <= 100 * 100) out[n++] = slot;
      }
      return n;
    },
  };
}

const untilJoined = waiter(10_000, 20);

/** A tag player of the server on `httpPort` over `transport`, connected and past its first snapshot. */
export async function joinTag(httpPort: number, crypto: NetCrypto, transport: 'udp' | 'websocket', handlers?: DeclaredClientHandlers): Promise<DeclaredClient<Tag>> {
  const client = await DeclaredClient.create({
    game: TAG,
    tokenUrl: `http://127.0.0.1:${httpPort}/connect`,
    crypto,
    ...(handlers ? { handlers } : {}),
    ...(transport === 'udp' ? { transport: 'udp' as const, udp: connectUdp } : { transport: 'websocket' as const, WebSocket: WebSocket as never }),
  });
  await client.connect();
  await untilJoined('a first snapshot', () => client.stats.snapshots > 0);
  return client;
}

/** A tag server for a test file: started before its tests, stopped after them with every player joined through it. */
export interface ServedTag {
  readonly server: DeclaredServer<Tag>;
  readonly module: ReturnType<typeof tagModule>;
  readonly crypto: NetCrypto;
  /** A player (closed after the file's tests), connected and past its first snapshot. */
  join(transport: 'udp' | 'websocket', handlers?: DeclaredClientHandlers): Promise<DeclaredClient<Tag>>;
}

/** Registers the file's beforeAll / afterAll serving a fresh tagModule() on loopback ports. */
export function serveTag(): ServedTag {
  const clients: DeclaredClient<Tag>[] = [];
  const served = {
    join: async (transport: 'udp' | 'websocket', handlers?: DeclaredClientHandlers) => {
      const client = await joinTag(served.server.httpPort, served.crypto, transport, handlers);
      clients.push(client);
      return client;
    },
  } as { -readonly [K in keyof ServedTag]: ServedTag[K] };
  beforeAll(async () => {
    served.crypto = await loadServerCrypto();
    served.module = tagModule();
    served.server = await DeclaredServer.start({ module: served.module, host: '127.0.0.1', httpPort: 0, udpPort: 0, log: () => {} });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await served.server.stop();
  });
  return served;
}
