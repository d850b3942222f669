// Admission at a server's front (here a DeclaredServer serving the tag game). Before: POST
// /connect answered everyone as fast as they asked, /ws took any Origin (a page on another site
// could open a player link from a visitor's browser), and HTTP ran on Node's defaults (60 s to
// send headers, no connection cap). (A seated player idle past --idle-seconds losing its seat is
// a room's rule, RoomHost's: DeclaredServer has no seats and does not read idleSeconds.)

import { connect as tcpConnect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { smallServers } from '../helpers/small-servers.js';
import { DeclaredClient } from '../../src/client/declared-client.js';
import type { WebSocketConstructor } from '../../src/net/transport-ws-client.js';
import { TAG } from '../helpers/tag-game.js';
import { waiter } from '../helpers/until.js';

const start = smallServers();

const until = waiter(10_000, 20);

async function metric(base: string, series: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('POST /connect', () => {
  it('issues tokens to one IP at a bounded rate: past the burst, 429 with Retry-After', async () => {
    const { base } = await start({ connectRatePerIp: 6 });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${base}/connect`, { method: 'POST' });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      await res.arrayBuffer();
    }
    // 6 a minute: a burst of 2, then one every 10 s.
    expect(statuses).toEqual([200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(await metric(base, 'chronos_connections_rejected_total{reason="connect_rate"}')).toBe(2);
  });

  it('gives a token that lets a player in while the budget lasts', async () => {
    const { server, base } = await start({ connectRatePerIp: 6 });
    // The burst of 2: a player joins the game with each token, and the third is refused.
    const clients = [0, 1, 2].map(() => DeclaredClient.create({ game: TAG, tokenUrl: `${base}/connect`, transport: 'websocket', WebSocket: WebSocket as unknown as WebSocketConstructor, reconnect: false }));
    const [a, b, c] = await Promise.all(clients);
    try {
      await a!.connect();
      await b!.connect();
      await expect(c!.connect()).rejects.toThrow();
      await until('both players to get snapshots', () => a!.stats.snapshots > 0 && b!.stats.snapshots > 0);
      expect(server.players).toBe(2);
    } finally {
      for (const x of [a, b, c]) x!.close();
    }
  });
});

function upgrade(url: string, origin?: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, origin === undefined ? {} : { origin });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(0));
  });
}

describe('/ws', () => {
  it('takes the page\'s own origin, clients that send none, and the allowed ones; refuses others with 403', async () => {
    const { server, base } = await start({ allowedOrigins: ['https://game.example'] });
    const url = `ws://127.0.0.1:${server.httpPort}/ws`;
    expect(await upgrade(url)).toBe(101);
    expect(await upgrade(url, base)).toBe(101);
    expect(await upgrade(url, 'https://game.example')).toBe(101);
    expect(await upgrade(url, 'http://evil.example')).toBe(403);
    expect(await upgrade(url, `http://127.0.0.1:${server.httpPort + 1}`)).toBe(403);
    expect(await metric(base, 'chronos_connections_rejected_total{reason="origin"}')).toBe(2);
  });
});

function rawSocket(port: number): Promise<{ socket: Socket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = tcpConnect(port, '127.0.0.1', () => resolve({ socket, closed }));
    const closed = new Promise<number>((r) => socket.on('close', () => r(Date.now() - started)));
    socket.on('error', () => undefined);
    socket.once('error', reject);
    socket.resume(); // read (and discard) what the server answers, so its close is seen
  });
}

describe('HTTP', () => {
  it('closes a connection that does not finish its headers in time', async () => {
    const { server } = await start({ httpHeadersTimeoutMs: 500 });
    const { socket, closed } = await rawSocket(server.httpPort);
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // ... and never the blank line
    const ms = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 6000))]);
    socket.destroy();
    expect(ms).toBeGreaterThan(0);
    expect(ms).toBeLessThan(5000);
  });

  it('holds at most maxHttpConnections connections; the rest are dropped', async () => {
    const { server, base } = await start({ maxHttpConnections: 4 });
    const sockets = await Promise.all(Array.from({ length: 8 }, () => rawSocket(server.httpPort)));
    await new Promise((r) => setTimeout(r, 300));
    const open = sockets.filter((s) => !s.socket.destroyed && s.socket.readyState === 'open');
    let dropped = 0;
    for (const s of sockets) if (await Promise.race([s.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 50))])) dropped++;
    expect(dropped).toBeGreaterThanOrEqual(4);
    for (const s of sockets) s.socket.destroy();
    void open;
    await new Promise((r) => setTimeout(r, 100));
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
