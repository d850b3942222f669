// --max-sessions-per-ip with network workers. Before: each worker's NetServer applied the cap to
// its own sessions only, so one address held the cap once per worker (and once more over
// WebSocket on the main thread): 16 workers made 32 sessions per IP into 544. Now the main
// thread counts every worker's sessions by address and kicks the one past the cap.

import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { workerServer } from '../helpers/small-servers.js';
import { GameClient } from '../../src/client/game-client.js';
import { PLAY_CHANNELS } from '../../src/client/play-channels.js';
import { connectUdp } from '../../src/client/udp-connector.js';
import type { WebSocketConstructor } from '../../src/net/transport-ws-client.js';
import { DisconnectReason } from '../../src/net/spec.js';
import { waiter } from '../helpers/until.js';

const f = workerServer<GameClient>({ seed: 6, maxSessionsPerIp: 3 });
const clients = f.clients;
const until = waiter(20_000, 10);

interface Joined {
  client: GameClient;
  /** Why the session ended, once it did. */
  ended: DisconnectReason | undefined;
  /** Whether its handshake completed (a worker's own cap refuses it there). */
  handshook: boolean;
}

async function join(transport: 'udp' | 'websocket'): Promise<Joined> {
  const joined: Joined = { client: undefined as unknown as GameClient, ended: undefined, handshook: false };
  joined.client = await GameClient.create({
    tokenUrl: `http://127.0.0.1:${f.server.httpPort}/connect`, channels: PLAY_CHANNELS, transport, udp: connectUdp, crypto: f.crypto, reconnect: false,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    handlers: { disconnect: (reason) => (joined.ended = reason) },
  });
  clients.push(joined.client);
  try {
    await joined.client.connect();
    joined.handshook = true;
  } catch {
    // Refused at the handshake (a worker's own cap): the disconnect handler has the reason.
    joined.ended ??= DisconnectReason.AddressLimit;
  }
  return joined;
}

describe('the per-IP session cap over network workers', () => {
  it('holds for the whole server, not once per worker', async () => {
    // Six UDP sessions from 127.0.0.1 over two workers (three each before the fix), then one
    // over WebSocket on the main thread.
    const all: Joined[] = [];
    for (let i = 0; i < 6; i++) all.push(await join('udp'));
    await until('every session past the cap to end', () => all.filter((j) => j.ended === undefined).length <= 3);
    await new Promise((r) => setTimeout(r, 300)); // nothing else ends late
    const alive = all.filter((j) => j.ended === undefined);
    expect(alive).toHaveLength(3);
    expect(all.filter((j) => j.ended === DisconnectReason.AddressLimit)).toHaveLength(3);
    // The sessions that got through a handshake were on both workers (so no single worker's own
    // cap could have held them to three), and the server counts exactly the survivors. Which
    // three survive depends on the order the workers' CONNECT events reach the main thread, so
    // they may all sit on one.
    expect(new Set(all.filter((j) => j.handshook).map((j) => j.client.net.connection.port)).size).toBe(2);
    await until('the server to count three sessions', () => f.server.clientCount === 3);
    const ws = await join('websocket');
    expect(ws.ended).toBe(DisconnectReason.AddressLimit);
  });

  it('gives a place back when a session ends', async () => {
    const alive = clients.filter((c) => c.state === 'connected');
    alive[0]!.close();
    await until('the server to count two sessions', () => f.server.clientCount === 2);
    const again = await join('udp');
    await new Promise((r) => setTimeout(r, 300));
    expect(again.ended).toBeUndefined();
  });
});
