// The demo server survives what used to end its process: a handshake REQUEST from UDP source
// port 0 (dgram.send threw ERR_SOCKET_BAD_PORT inside the socket's message listener) and an
// exception inside one tick (the loop's setTimeout callback threw, and the loop stopped). Both
// are counted in /metrics and /healthz keeps answering.

import type { Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GameServer } from '../../src/server/game-server.js';
import { decodeConnectToken } from '../../src/net/connect-token.js';
import { writeRequest } from '../../src/net/handshake.js';
import { fromBase64 } from '../../src/net/wire.js';

let server: GameServer;
let base: string;
const logged: string[] = [];

beforeAll(async () => {
  server = await GameServer.start({ host: '127.0.0.1', httpPort: 0, udpPort: 0, npcs: 50, seed: 3, processMetrics: false, log: (l) => logged.push(l) });
  base = `http://127.0.0.1:${server.httpPort}`;
});

afterAll(async () => {
  await server.stop();
});

async function metric(name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

describe('a REQUEST from UDP source port 0', () => {
  it('is a counted drop and leaves /healthz answering', async () => {
    const { token } = (await (await fetch(`${base}/connect`, { method: 'POST' })).json()) as { token: string };
    const request = Buffer.from(writeRequest(decodeConnectToken(fromBase64(token)!)));
    const socket = (server as unknown as { udp: Socket }).udp;
    expect(() => socket.emit('message', request, { address: '127.0.0.1', port: 0, family: 'IPv4', size: request.length })).not.toThrow();
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await metric('chronos_net_packets_dropped_total', '{reason="unanswerable"}')).toBe(1);
  });
});

describe('an exception inside a tick', () => {
  it('is counted and logged, and the loop carries on', async () => {
    const tick = server.host.tick.bind(server.host);
    let thrown = 0;
    server.host.tick = () => {
      if (thrown++ === 0) throw new Error('a bug in the game step');
      return tick();
    };
    const before = server.world.tick;
    const deadline = Date.now() + 5000;
    while (server.world.tick < before + 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(server.world.tick).toBeGreaterThanOrEqual(before + 10);
    expect(await metric('chronos_tick_errors_total')).toBe(1);
    expect(logged.some((l) => l.includes('a bug in the game step'))).toBe(true);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
