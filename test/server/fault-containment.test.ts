// A server survives what used to end its process: a handshake REQUEST from UDP source port 0
// (dgram.send threw ERR_SOCKET_BAD_PORT inside the socket's message listener) and an exception
// inside one tick (the loop's setTimeout callback threw, and the loop stopped). Both are
// counted in /metrics, /healthz keeps answering, and the game goes on for its players. Here a
// DeclaredServer serving the tag game, whose step can be made to throw.

import type { Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeclaredServer } from '../../src/server/declared-server.js';
import type { DeclaredGameModule } from '../../src/server/declared-game.js';
import { decodeConnectToken } from '../../src/net/connect-token.js';
import { writeRequest } from '../../src/net/handshake.js';
import { fromBase64 } from '../../src/net/wire.js';
import { loadServerCrypto } from '../../src/net/crypto-node.js';
import type { DeclaredClient } from '../../src/client/declared-client.js';
import { joinTag, tagModule, type Tag } from '../helpers/tag-game.js';
import { waiter } from '../helpers/until.js';

let server: DeclaredServer<Tag>;
let base: string;
let player: DeclaredClient<Tag> | undefined;
const logged: string[] = [];
/** Steps the game has run, and whether the next one throws (a bug in the rules). */
let steps = 0;
let throwNext = false;
const until = waiter(10_000, 20);

beforeAll(async () => {
  const tag = tagModule();
  const module: DeclaredGameModule<Tag> = {
    ...tag,
    step: (tick) => {
      if (throwNext) {
        throwNext = false;
        throw new Error('a bug in the game step');
      }
      steps++;
      tag.step(tick);
    },
  };
  server = await DeclaredServer.start({ module, host: '127.0.0.1', httpPort: 0, udpPort: 0, processMetrics: false, log: (l) => logged.push(l) });
  base = `http://127.0.0.1:${server.httpPort}`;
});

afterAll(async () => {
  player?.close();
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
    expect(socket).toBeDefined();
    expect(() => socket.emit('message', request, { address: '127.0.0.1', port: 0, family: 'IPv4', size: request.length })).not.toThrow();
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('ok');
    expect(await metric('chronos_net_packets_dropped_total', '{reason="unanswerable"}')).toBe(1);
  });
});

describe('an exception inside a tick', () => {
  it('is counted and logged, and the loop carries on: the game steps, its player keeps getting snapshots', async () => {
    player = await joinTag(server.httpPort, await loadServerCrypto(), 'udp');
    expect(await metric('chronos_tick_errors_total')).toBe(0);
    throwNext = true;
    await until('the step to throw', () => !throwNext);
    const before = steps;
    const snapshots = player.stats.snapshots;
    await until('10 more steps', () => steps >= before + 10, 5000);
    await until('10 more snapshots', () => player!.stats.snapshots >= snapshots + 10, 5000);
    expect(await metric('chronos_tick_errors_total')).toBe(1);
    expect(logged.some((l) => l.includes('a bug in the game step'))).toBe(true);
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string; players: number }).status).toBe('ok');
    expect(server.players).toBe(1);
  });
});
