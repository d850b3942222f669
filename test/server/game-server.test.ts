// GameServer in process on free loopback ports: HTTP routes and headers, the world stream and
// its hashes over the network layer (WebSocket and UDP), connect tokens, metrics, and how it
// treats unexpected input.

import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GameServer } from '../../src/server/game-server.js';
import { FRAME_HASH, FRAME_HELLO, FRAME_STATE, type WorldFrame } from '../../src/codec/world-frame.js';
import { WorldStreamClient } from '../../src/client/world-stream-client.js';
import { connectUdp } from '../../src/client/udp-connector.js';
import { decodeConnectToken } from '../../src/net/connect-token.js';
import type { WebSocketConstructor } from '../../src/net/transport-ws-client.js';
import { fromBase64 } from '../../src/net/wire.js';
import { referenceWorld } from '../helpers/reference-world.js';

let server: GameServer;
let base: string;

beforeAll(async () => {
  server = await GameServer.start({ host: '127.0.0.1', httpPort: 0, udpPort: 0, npcs: 300, seed: 9, processMetrics: false, log: () => undefined });
  base = `http://127.0.0.1:${server.httpPort}`;
});

afterAll(async () => {
  await server.stop();
});

interface Collected {
  frames: WorldFrame[];
  client: WorldStreamClient;
}

/** A world-stream client over `transport` that resolves once `count` frames passed `filter`. */
async function collectFrames(count: number, filter: (f: WorldFrame) => boolean = () => true, transport: 'websocket' | 'udp' = 'websocket'): Promise<Collected> {
  const frames: WorldFrame[] = [];
  let done: () => void = () => undefined;
  const enough = new Promise<void>((resolve) => (done = resolve));
  const keep = (f: WorldFrame) => {
    if (frames.length < count && filter(f)) frames.push(f);
    if (frames.length === count) done();
  };
  const client = await WorldStreamClient.create(
    { tokenUrl: `${base}/connect`, transport, WebSocket: WebSocket as unknown as WebSocketConstructor, udp: connectUdp },
    { hello: keep, state: keep, hash: keep },
  );
  await client.connect();
  await enough;
  return { frames, client };
}

async function metricsText(): Promise<string> {
  return (await fetch(`${base}/metrics`)).text();
}

describe('HTTP', () => {
  it('serves the page with the cross-origin isolation headers', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(await res.text()).toContain('<canvas id="map"');
    const wasm = await fetch(`${base}/chronos.wasm`);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
  });

  it('answers /healthz with JSON about the running world', async () => {
    const health = (await (await fetch(`${base}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', tickHz: 60, seed: 9, entities: 300 });
    expect(health.tick as number).toBeGreaterThanOrEqual(0);
  });

  it('answers /metrics in Prometheus text with the engine counters', async () => {
    const res = await fetch(`${base}/metrics`);
    const text = await res.text();
    expect(res.headers.get('content-type')).toContain('text/plain');
    for (const name of ['chronos_tick_duration_seconds_bucket', 'chronos_entities 300', 'chronos_clients', 'chronos_bytes_out_total']) {
      expect(text).toContain(name);
    }
  });

  it('returns 404 for unknown paths, including traversal attempts, and 405 for other methods', async () => {
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/../package.json`)).status).toBe(404);
    expect((await fetch(`${base}/%2e%2e/package.json`)).status).toBe(404);
    expect((await fetch(`${base}/`, { method: 'POST', body: 'x' })).status).toBe(405);
  });
});

describe('world stream', () => {
  it('sends HELLO first, then STATE frames of every NPC, over the encrypted WebSocket link', async () => {
    const { frames, client } = await collectFrames(3);
    client.close();
    expect(frames[0]!.type).toBe(FRAME_HELLO);
    const hello = frames[0]!;
    if (hello.type !== FRAME_HELLO) throw new Error('unreachable');
    expect(hello).toMatchObject({ seed: 9, npcs: 300, capacity: server.world.capacity, hashEveryTicks: 60 });
    const state = frames.find((f) => f.type === FRAME_STATE);
    if (state?.type === FRAME_STATE) expect(state.count).toBe(300);
  });

  it('publishes hashes equal to a reference world at the same tick', async () => {
    const { frames, client } = await collectFrames(1, (f) => f.type === FRAME_HASH);
    client.close();
    const frame = frames[0]!;
    if (frame.type !== FRAME_HASH) throw new Error('unreachable');
    expect(frame.tick % 60).toBe(0);
    const world = await referenceWorld({ seed: 9, npcs: 300 });
    world.step(frame.tick);
    expect(frame.hash).toBe(world.hash());
  });

  it('serves the same stream to a Node client over the UDP game port', async () => {
    const { frames, client } = await collectFrames(3, () => true, 'udp');
    const stats = client.client.stats();
    client.close();
    expect(frames[0]!.type).toBe(FRAME_HELLO);
    expect(frames.some((f) => f.type === FRAME_STATE && f.count === 300)).toBe(true);
    expect(stats.transport).toBe('udp');
    expect(stats.rttMs).toBeGreaterThan(0);
  });

  it('counts WebSocket frames that are not protocol packets, and refuses oversized ones', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.httpPort}/ws`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send('hello?');
    ws.send(Buffer.from([0xff, 1, 2, 3]));
    await new Promise((r) => setTimeout(r, 100));
    expect(ws.readyState).toBe(WebSocket.OPEN);
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.send(Buffer.alloc(1 << 20));
    expect(await closed).toBe(1009); // message too big
    const text = await metricsText();
    expect(text).toMatch(/chronos_net_packets_dropped_total\{reason="transport"\} [1-9]/);
    expect(text).toMatch(/chronos_net_packets_dropped_total\{reason="bad_prefix"\} [1-9]/);
  });

  it('tracks connected clients in /healthz and /metrics', async () => {
    const { client } = await collectFrames(1);
    const health = (await (await fetch(`${base}/healthz`)).json()) as { clients: number };
    expect(health.clients).toBeGreaterThanOrEqual(1);
    expect(await metricsText()).toMatch(/chronos_net_connections\{transport="websocket"\} [1-9]/);
    client.close();
  });
});

describe('network layer', () => {
  it('issues connect tokens for this server at POST /connect', async () => {
    const res = await fetch(`${base}/connect`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { token: string; clientId: number; serverAddresses: string[] };
    const token = decodeConnectToken(fromBase64(body.token)!);
    expect(token.clientId).toBe(body.clientId);
    expect(token.serverAddresses).toEqual([`udp://127.0.0.1:${server.udpPort}`, `ws://127.0.0.1:${server.httpPort}/ws`]);
    expect(token.expiresAtMs - token.createdAtMs).toBe(60_000);
  });

  it('gives a reconnecting client its own id back for its resume ticket, and a new one for a forged ticket', async () => {
    const { client } = await collectFrames(1);
    const ticket = client.client.net.resumeTicket!;
    const id = client.client.net.clientId;
    client.close();
    const ask = async (resume: string) =>
      ((await (await fetch(`${base}/connect`, { method: 'POST', body: JSON.stringify({ resume }) })).json()) as { clientId: number }).clientId;
    expect(await ask(Buffer.from(ticket).toString('base64'))).toBe(id);
    const forged = ticket.slice();
    forged[20]! ^= 1;
    expect(await ask(Buffer.from(forged).toString('base64'))).not.toBe(id);
    expect((await fetch(`${base}/connect`, { method: 'POST', body: 'not json' })).status).toBe(400);
  });

  it('counts datagrams on the UDP game port that are not protocol packets, by reason', async () => {
    const socket = createSocket('udp4');
    for (const junk of [Buffer.from('junk'), Buffer.alloc(0), Buffer.from([5, 9, 0, 0])]) {
      await new Promise<void>((resolve) => socket.send(junk, server.udpPort, '127.0.0.1', () => resolve()));
    }
    socket.close();
    await new Promise((r) => setTimeout(r, 100));
    const text = await metricsText();
    expect(text).toMatch(/chronos_net_packets_dropped_total\{reason="bad_prefix"\} [1-9]/);
    expect(text).toMatch(/chronos_net_packets_dropped_total\{reason="too_short"\} [1-9]/);
  });

  it('publishes connections, round trip, loss, bytes and every drop reason on /metrics', async () => {
    const { client } = await collectFrames(2);
    await new Promise((r) => setTimeout(r, 300));
    const text = await metricsText();
    client.close();
    for (const name of [
      'chronos_net_rtt_seconds{stat="p99"}',
      'chronos_net_loss_ratio{stat="mean"}',
      'chronos_net_bytes_total{direction="out"}',
      'chronos_net_packets_total{direction="in"}',
      'chronos_net_packets_dropped_total{reason="decrypt_failed"}',
      'chronos_net_packets_dropped_total{reason="replayed"}',
      'chronos_net_messages_dropped_total{reason="over_budget"}',
      'chronos_net_handshakes_total{outcome="completed"}',
      'chronos_net_crypto_info{backend="sodium-native"} 1',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/chronos_net_rtt_seconds\{stat="max"\} 0\.\d*[1-9]/);
  });
});

describe('ticking', () => {
  it('advances the world at about the configured rate', async () => {
    const start = server.world.tick;
    await new Promise((r) => setTimeout(r, 500));
    const ticks = server.world.tick - start;
    expect(ticks).toBeGreaterThan(15); // 30 expected; generous on a loaded 2-core machine
    expect(ticks).toBeLessThan(45);
  });

  it('prints a status line a newcomer can read', async () => {
    const line = await server.statusLine();
    expect(line).toMatch(/^tick \d+ \| [\d.]+ ticks\/s \| [\d.]+ ms\/tick \| 300 entities \| \d+ clients \| [\d.]+ KiB\/s out \| \d+ overruns$/);
  });
});
