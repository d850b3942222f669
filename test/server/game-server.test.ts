// GameServer in process on free loopback ports: HTTP routes and headers, the world stream and
// its hashes, metrics, and how it treats unexpected input.

import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GameServer } from '../../src/server/game-server.js';
import { decodeWorldFrame, FRAME_HASH, FRAME_HELLO, FRAME_STATE, type WorldFrame } from '../../src/codec/world-frame.js';
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

function collectFrames(count: number, filter: (f: WorldFrame) => boolean = () => true): Promise<{ frames: WorldFrame[]; ws: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.httpPort}/ws`);
    const frames: WorldFrame[] = [];
    ws.on('message', (data: Buffer) => {
      const frame = decodeWorldFrame(new Uint8Array(data));
      if (filter(frame)) frames.push(frame);
      if (frames.length === count) resolve({ frames, ws });
    });
    ws.on('error', reject);
  });
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
  it('sends HELLO first, then STATE frames of every NPC', async () => {
    const { frames, ws } = await collectFrames(3);
    ws.close();
    expect(frames[0]!.type).toBe(FRAME_HELLO);
    const hello = frames[0]!;
    if (hello.type !== FRAME_HELLO) throw new Error('unreachable');
    expect(hello).toMatchObject({ seed: 9, npcs: 300, capacity: server.world.capacity, hashEveryTicks: 60 });
    const state = frames.find((f) => f.type === FRAME_STATE);
    if (state?.type === FRAME_STATE) expect(state.count).toBe(300);
  });

  it('publishes hashes equal to a reference world at the same tick', async () => {
    const { frames, ws } = await collectFrames(1, (f) => f.type === FRAME_HASH);
    ws.close();
    const frame = frames[0]!;
    if (frame.type !== FRAME_HASH) throw new Error('unreachable');
    expect(frame.tick % 60).toBe(0);
    const world = await referenceWorld({ seed: 9, npcs: 300 });
    world.step(frame.tick);
    expect(frame.hash).toBe(world.hash());
  });

  it('counts and ignores messages from clients, and drops oversized ones', async () => {
    const { ws } = await collectFrames(1);
    ws.send(Buffer.from('hello?'));
    ws.send(Buffer.alloc(10));
    await new Promise((r) => setTimeout(r, 100));
    expect(ws.readyState).toBe(WebSocket.OPEN);
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.send(Buffer.alloc(1 << 20));
    expect(await closed).toBe(1009); // message too big
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/chronos_input_dropped_total\{transport="websocket",reason="unexpected_message"\} [2-9]/);
  });

  it('tracks connected clients in /healthz', async () => {
    const { ws } = await collectFrames(1);
    const health = (await (await fetch(`${base}/healthz`)).json()) as { clients: number };
    expect(health.clients).toBeGreaterThanOrEqual(1);
    ws.close();
  });
});

describe('UDP game port', () => {
  it('is bound and counts datagrams it cannot handle yet', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.send(Buffer.from('junk'), server.udpPort, '127.0.0.1', () => resolve()));
    socket.close();
    await new Promise((r) => setTimeout(r, 100));
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/chronos_input_dropped_total\{transport="udp",reason="no_protocol"\} 1/);
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
