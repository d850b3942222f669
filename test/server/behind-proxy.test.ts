// A server behind a reverse proxy (a TLS terminator on the same machine, simulated here by
// requests from loopback carrying X-Forwarded-For), here a DeclaredServer serving the tag game.
// Before --trust-proxy, every player behind the proxy shared the proxy's address: one
// connect-rate budget and one per-IP session cap for the whole server (32 players), and every
// request passed the loopback-only operator routes.

import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { DeclaredServer } from '../../src/server/declared-server.js';
import { smallServers } from '../helpers/small-servers.js';
import { DeclaredClient } from '../../src/client/declared-client.js';
import type { WebSocketConstructor } from '../../src/net/transport-ws-client.js';
import { TAG, type Tag } from '../helpers/tag-game.js';
import { waiter } from '../helpers/until.js';

const start = smallServers();
const until = waiter(10_000, 20);

async function connectStatuses(base: string, forwardedFor: string | undefined, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${base}/connect`, { method: 'POST', headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } });
    out.push(res.status);
    await res.arrayBuffer();
  }
  return out;
}

describe('POST /connect behind a proxy', () => {
  it('with --trust-proxy, rate-limits each forwarded client on its own', async () => {
    const { base } = await start({ connectRatePerIp: 6, trustedProxies: ['loopback'] });
    // 6 a minute: a burst of 2 per address.
    expect(await connectStatuses(base, '198.51.100.1', 3)).toEqual([200, 200, 429]);
    expect(await connectStatuses(base, '198.51.100.2', 2)).toEqual([200, 200]);
    // A client behind the proxy cannot pick a fresh address by forging the header: the proxy
    // appends the real one, and that is the one counted.
    expect(await connectStatuses(base, '203.0.113.50, 198.51.100.1', 1)).toEqual([429]);
  });

  it('without it, the header is ignored: everyone shares the peer address', async () => {
    const { base } = await start({ connectRatePerIp: 6 });
    expect(await connectStatuses(base, '198.51.100.1', 2)).toEqual([200, 200]);
    expect(await connectStatuses(base, '198.51.100.2', 1)).toEqual([429]);
  });
});

describe('operator routes behind a proxy', () => {
  const get = async (base: string, path: string, forwardedFor?: string) => {
    const res = await fetch(`${base}${path}`, { headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } });
    await res.arrayBuffer();
    return res.status;
  };

  it('refuses a forwarded request from loopback when no proxy is trusted (it is someone else\'s)', async () => {
    const { base } = await start({});
    expect(await get(base, '/players')).toBe(200);
    expect(await get(base, '/players', '198.51.100.7')).toBe(403);
    expect(await get(base, '/metrics', '198.51.100.7')).toBe(403);
  });

  it('with --trust-proxy, admits the forwarded client only when it is itself loopback', async () => {
    const { base } = await start({ trustedProxies: ['loopback'] });
    expect(await get(base, '/players', '198.51.100.7')).toBe(403);
    expect(await get(base, '/players', '127.0.0.1')).toBe(200);
    expect(await get(base, '/players')).toBe(200);
  });
});

/** The ws package's WebSocket, opening through a "proxy" that says the client is `address`. */
function forwardedFrom(address: string): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { headers: { 'x-forwarded-for': address } });
    }
  } as unknown as WebSocketConstructor;
}

async function tryConnect(server: DeclaredServer<Tag>, address: string): Promise<{ ok: boolean; client: DeclaredClient<Tag>; error?: string }> {
  const client = await DeclaredClient.create({ game: TAG, tokenUrl: `http://127.0.0.1:${server.httpPort}/connect`, transport: 'websocket', WebSocket: forwardedFrom(address), reconnect: false });
  try {
    await client.connect();
    return { ok: true, client };
  } catch (err) {
    return { ok: false, client, error: (err as Error).message };
  }
}

describe('WebSocket sessions behind a proxy', () => {
  it('with --trust-proxy, the per-IP session cap counts each forwarded client', async () => {
    const { server } = await start({ maxSessionsPerIp: 1, trustedProxies: ['loopback'] });
    const a = await tryConnect(server, '198.51.100.1');
    const b = await tryConnect(server, '198.51.100.2');
    const again = await tryConnect(server, '198.51.100.1');
    expect([a.ok, b.ok, again.ok]).toEqual([true, true, false]);
    expect(again.error).toMatch(/AddressLimit/);
    // The two admitted are playing: each joined the game and sees it.
    await until('both admitted players to get snapshots', () => a.client.stats.snapshots > 0 && b.client.stats.snapshots > 0);
    expect(server.players).toBe(2);
    expect(again.client.join).toBeNull();
    for (const c of [a, b, again]) c.client.close();
  });

  it('without it, every client behind the proxy shares one cap', async () => {
    const { server } = await start({ maxSessionsPerIp: 1 });
    const a = await tryConnect(server, '198.51.100.1');
    const b = await tryConnect(server, '198.51.100.2');
    expect([a.ok, b.ok]).toEqual([true, false]);
    expect(b.error).toMatch(/AddressLimit/);
    await until('the admitted player to get snapshots', () => a.client.stats.snapshots > 0);
    expect(server.players).toBe(1);
    for (const c of [a, b]) c.client.close();
  });
});
