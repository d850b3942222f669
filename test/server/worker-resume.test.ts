// Resuming a session that a network worker owns. Before: POST /connect with a resume ticket
// named the least loaded worker's port, so a UDP client coming back after an outage landed on
// another worker about half the time and started over there (a new session, a second avatar)
// while its own session sat parked; and only the main thread's sessions were checked against
// their newest ticket, so every ticket a worker's client was ever sent redeemed, even after the
// client closed its session.

import { describe, expect, it } from 'vitest';
import { workerServer } from '../helpers/small-servers.js';
import { GameClient } from '../../src/client/game-client.js';
import { PLAY_CHANNELS } from '../../src/client/play-channels.js';
import { connectUdp } from '../../src/client/udp-connector.js';
import { SessionTier } from '../../src/net/spec.js';
import { toBase64 } from '../../src/net/wire.js';
import { waiter } from '../helpers/until.js';

const f = workerServer<GameClient>({ seed: 5 });
const clients = f.clients;
const until = waiter(20_000, 10);

const tokenUrl = () => `http://127.0.0.1:${f.server.httpPort}/connect`;

/** A UDP client; with `ticket`, it asks for its token by that resume ticket (a client back after an outage). */
async function join(ticket?: Uint8Array): Promise<{ client: GameClient; tier: SessionTier }> {
  const fetchWith: typeof fetch = (url, init) => fetch(url, { ...init, body: JSON.stringify(ticket ? { resume: toBase64(ticket) } : {}) });
  const client = await GameClient.create({ tokenUrl: tokenUrl(), channels: PLAY_CHANNELS, transport: 'udp', udp: connectUdp, crypto: f.crypto, reconnect: false, fetch: fetchWith });
  clients.push(client);
  const tier = await client.connect();
  // The main thread learns of a worker's new session at its next tick.
  await until('the server to know the session', () => f.server.net.pool!.linkOfClient(idOf(client))?.state === 'connected');
  return { client, tier };
}

async function redeem(ticket: Uint8Array): Promise<{ clientId: number; port: number }> {
  const res = await fetch(tokenUrl(), { method: 'POST', body: JSON.stringify({ resume: toBase64(ticket) }) });
  const body = (await res.json()) as { clientId: number; serverAddresses: string[] };
  return { clientId: body.clientId, port: Number(new URL(body.serverAddresses.find((a) => a.startsWith('udp://'))!).port) };
}

const portOf = (c: GameClient) => c.net.connection.port;
const idOf = (c: GameClient) => c.net.connection.clientId;

describe('a session owned by a network worker', () => {
  it('is resumed on its own worker, whichever is least loaded', async () => {
    const four = await Promise.all([join(), join(), join(), join()]);
    expect(new Set(four.map((j) => portOf(j.client))).size).toBe(2);
    for (const { client } of four) {
      // Every client's ticket names its own client id and the port of the worker holding it.
      expect(await redeem(client.net.resumeTicket!)).toEqual({ clientId: idOf(client), port: portOf(client) });
    }
  });

  it('is taken over by the newest ticket only, and the one before stops redeeming', async () => {
    const { client: a } = await join();
    const first = a.net.resumeTicket!;
    // The same client back after an outage (here: a second link presenting its ticket).
    const back = await join(first);
    expect(back.tier).toBe(SessionTier.Resume);
    expect(idOf(back.client)).toBe(idOf(a));
    expect(portOf(back.client)).toBe(portOf(a));
    // The resume sent a new ticket; the worker publishes it to the main thread at its flush.
    const second = back.client.net.resumeTicket!;
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(false);
    await until('the first ticket to be superseded', async () => (await redeem(first)).clientId !== idOf(a));
    expect((await redeem(second)).clientId).toBe(idOf(a));
  });

  it('does not come back with its ticket once its client closed it', async () => {
    const { client } = await join();
    const ticket = client.net.resumeTicket!;
    const id = idOf(client);
    client.close();
    await until('the session to end', () => f.server.net.pool!.linkOfClient(id) === undefined);
    expect((await redeem(ticket)).clientId).not.toBe(id);
  });
});
