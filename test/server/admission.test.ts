// Admission at the demo server. Before: POST /connect answered everyone as fast as they asked,
// /ws took any Origin (a page on another site could open a player link from a visitor's
// browser), HTTP ran on Node's defaults (60 s to send headers, no connection cap), and a player
// that stopped sending input held its seat for as long as its link lived.

import { connect as tcpConnect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { smallServers } from '../helpers/small-servers.js';
import { GameClient } from '../../src/client/game-client.js';
import { PLAY_CHANNELS, PLAY_RELIABLE_CHANNEL } from '../../src/client/play-channels.js';
import { encodePlayMessage } from '../../src/codec/play-messages.js';
import type { WebSocketConstructor } from '../../src/net/transport-ws-client.js';
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

describe('a seated player that sends no input', () => {
  it('is made a spectator after idleSeconds, its seat freed, its link kept', async () => {
    const { server } = await start({ idleSeconds: 1, mode: 'arena' });
    const raw = await GameClient.create({ tokenUrl: `http://127.0.0.1:${server.httpPort}/connect`, channels: PLAY_CHANNELS, WebSocket: WebSocket as unknown as WebSocketConstructor });
    await raw.connect();
    raw.send(PLAY_RELIABLE_CHANNEL, encodePlayMessage('play'));
    raw.flush();
    await until('the player to be seated', () => server.play!.players === 1);
    const seatedAt = Date.now();
    await until('the idle player to be unseated', () => server.play!.players === 0, 5000);
    expect(Date.now() - seatedAt).toBeGreaterThanOrEqual(900);
    expect(server.clientCount).toBe(1);
    expect(server.play!.spectators).toBe(1);
    expect(server.play!.counters.idleUnseated).toBe(1);
    raw.close();
  });
});
