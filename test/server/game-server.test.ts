// GameServer in process on free loopback ports: HTTP routes and headers, the play session over
// the network layer (WebSocket and UDP): JOIN, full state, confirmed inputs and hashes that
// equal Node's own run of the game; connect tokens, metrics, and how it treats unexpected input.

import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GameServer } from '../../src/server/game-server.js';
import { PlayClient } from '../../src/client/play-client.js';
import { connectUdp } from '../../src/client/udp-connector.js';
import { GameClient } from '../../src/client/game-client.js';
import { PLAY_CHANNELS, PLAY_INPUT_CHANNEL, PLAY_RELIABLE_CHANNEL } from '../../src/client/play-channels.js';
import { hashAfterFrames } from '../../src/client/demo-game.js';
import { encodePlayMessage } from '../../src/codec/play-messages.js';
import type { PlayMode } from '../../src/codec/play-messages.js';
import { decodeConnectToken } from '../../src/net/connect-token.js';
import type { WebSocketConstructor } from '../../src/net/transport-ws-client.js';
import { fromBase64 } from '../../src/net/wire.js';
import { Arena } from '../../src/wasm/arena.js';
import { loadChronos } from '../../src/wasm/loader.js';
import { referenceGameParams } from '../helpers/reference-world.js';
import { playHostOf } from '../helpers/arena-host.js';
import { waiter } from '../helpers/until.js';

let server: GameServer;
let base: string;
let arena: Arena;

beforeAll(async () => {
  server = await GameServer.start({ mode: 'arena', host: '127.0.0.1', httpPort: 0, udpPort: 0, npcs: 300, seed: 9, processMetrics: false, log: () => undefined });
  base = `http://127.0.0.1:${server.httpPort}`;
  arena = new Arena(await loadChronos());
});

afterAll(async () => {
  await server.stop();
});

const until = waiter(10_000, 20);

/** A client of the play session over `transport`, resolved once it runs the game from the server's state. */
async function join(mode: PlayMode, transport: 'websocket' | 'udp' = 'websocket'): Promise<PlayClient> {
  const client = await PlayClient.create({ tokenUrl: `${base}/connect`, transport, mode, arena, WebSocket: WebSocket as unknown as WebSocketConstructor, udp: connectUdp });
  await client.connect();
  await until('the client to install the state', () => client.running);
  return client;
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

describe('play session', () => {
  it('answers PLAY with a JOIN that builds the same game, then the full state, over the encrypted WebSocket link', async () => {
    const client = await join('watch');
    const j = client.join!;
    expect(j).toMatchObject({ player: -1, spectatorReason: 'asked', seed: 9, npcs: 300, capacity: server.world.capacity, hashEveryFrames: 60, players: 64 });
    expect(j.stateBytes).toBe(server.world.byteLength);
    expect(client.stats().statesInstalled).toBe(1);
    client.close();
  });

  it('publishes hashes equal to Node running the same game with nobody playing', async () => {
    const client = await join('watch');
    await until('a hash check', () => client.stats().hashChecks.matched >= 1);
    const frame = client.newestConfirmedHashFrame();
    const local = client.hashOfFrame(frame);
    expect(frame % 60).toBe(0);
    expect(client.stats().hashChecks.mismatched).toBe(0);
    client.close();
    expect(local).toBe(hashAfterFrames(arena, referenceGameParams({ seed: 9, npcs: 300 }), frame, 'server-test-probe'));
  });

  it('seats a Node player over the UDP game port, and frees the seat when it leaves', async () => {
    const client = await join('play', 'udp');
    const stats = client.stats();
    expect(stats.player).toBeGreaterThanOrEqual(0);
    expect(stats.net.transport).toBe('udp');
    expect(playHostOf(server).players).toBe(1);
    expect(((await (await fetch(`${base}/players`)).json()) as { player: number }[]).map((p) => p.player)).toEqual([stats.player]);
    const health = (await (await fetch(`${base}/healthz`)).json()) as { players: number; maxPlayers: number };
    expect(health).toMatchObject({ players: 1, maxPlayers: 64 });
    client.close();
    await until('the seat to be freed', () => playHostOf(server).players === 0);
    expect(playHostOf(server).connections).toBe(0);
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

  it('counts malformed, misplaced and unexpected play messages by reason, and keeps the connection and the game', async () => {
    const raw = await GameClient.create({ tokenUrl: `${base}/connect`, channels: PLAY_CHANNELS, WebSocket: WebSocket as unknown as WebSocketConstructor });
    await raw.connect();
    const frame = playHostOf(server).session.frame;
    raw.send(PLAY_RELIABLE_CHANNEL, Uint8Array.of(0x99, 1, 2)); // unknown type
    raw.send(PLAY_RELIABLE_CHANNEL, Uint8Array.of(0x41, 1, 7, 0)); // PLAY with a mode that does not exist
    raw.send(PLAY_INPUT_CHANNEL, encodePlayMessage('play')); // PLAY on the input channel
    raw.send(PLAY_RELIABLE_CHANNEL, Uint8Array.of(0x35, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)); // RESYNC before any JOIN
    raw.send(PLAY_INPUT_CHANNEL, Uint8Array.of(0x31, 1, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0)); // INPUT from no player
    raw.flush();
    await until('the five drops', () => {
      const d = playHostOf(server).counters.drops;
      return d.unknown_type >= 1 && d.decode >= 1 && d.wrong_channel >= 1 && d.not_joined >= 1 && d.not_a_player >= 1;
    });
    expect(raw.state).toBe('connected');
    expect(playHostOf(server).players).toBe(0);
    expect(playHostOf(server).session.frame).toBeGreaterThanOrEqual(frame);
    const text = await metricsText();
    for (const reason of ['unknown_type', 'decode', 'wrong_channel', 'not_joined', 'not_a_player']) {
      expect(text).toMatch(new RegExp(`chronos_rollback_input_dropped_total\\{reason="${reason}"\\} [1-9]`));
    }
    raw.close();
  });

  it('tracks connected clients, players and spectators in /healthz and /metrics', async () => {
    const watcher = await join('watch');
    const health = (await (await fetch(`${base}/healthz`)).json()) as { clients: number; spectators: number };
    expect(health.clients).toBeGreaterThanOrEqual(1);
    expect(health.spectators).toBeGreaterThanOrEqual(1);
    const text = await metricsText();
    expect(text).toMatch(/chronos_net_connections\{transport="websocket"\} [1-9]/);
    expect(text).toMatch(/chronos_spectators [1-9]/);
    for (const name of ['chronos_players 0', 'chronos_players_max 64', 'chronos_rollback_inputs_total{outcome="accepted"}', 'chronos_lag_compensation_claims_total{verdict="rejected_beyond_cap"}', 'chronos_rollback_resyncs_total{reason="hash_mismatch"}', 'chronos_rollback_states_sent_total', 'chronos_rollback_hashes_total']) {
      expect(text).toContain(name);
    }
    watcher.close();
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

  it('gives a reconnecting client its own id back for its resume ticket, and a new one for a forged ticket or once it closed its session', async () => {
    const client = await join('watch');
    const ticket = client.net.net.resumeTicket!;
    const id = client.net.net.clientId;
    const ask = async (resume: string) =>
      ((await (await fetch(`${base}/connect`, { method: 'POST', body: JSON.stringify({ resume }) })).json()) as { clientId: number }).clientId;
    expect(await ask(Buffer.from(ticket).toString('base64'))).toBe(id);
    const forged = ticket.slice();
    forged[20]! ^= 1;
    expect(await ask(Buffer.from(forged).toString('base64'))).not.toBe(id);
    expect((await fetch(`${base}/connect`, { method: 'POST', body: 'not json' })).status).toBe(400);
    // Closed by its client (a logout): whoever shows the ticket now is someone else.
    const before = server.clientCount;
    client.close();
    for (let i = 0; i < 500 && server.clientCount >= before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await ask(Buffer.from(ticket).toString('base64'))).not.toBe(id);
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
    const client = await join('watch');
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
  it('advances the world one step per tick of its clock, and the clock one tick per 1/60 s', async () => {
    const clock = server.clock;
    const sample = () => ({ at: performance.now(), world: server.world.tick, ticks: clock.tick, dropped: clock.droppedTicks, overruns: clock.overruns });
    // Sampled just after the loop ran (the world's tick changed), so no due tick is waiting.
    const afterTick = async () => {
      const from = server.world.tick;
      while (server.world.tick === from) await new Promise((r) => setTimeout(r, 0));
      return sample();
    };
    const a = await afterTick();
    await new Promise((r) => setTimeout(r, 1000));
    const b = await afterTick();
    // Each tick the clock hands out is exactly one step of the world.
    expect(b.world - a.world).toBe(b.ticks - a.ticks);
    // The clock hands out, or drops and counts (an overrun, when the process stalled), one tick
    // per 1/60 s of the time it is fed: to within a tick at either end and the part of a tick
    // each overrun discards with its backlog. However loaded the machine, ticks are not lost
    // uncounted; how many are dropped is the load's business.
    const stepMs = 1000 / 60;
    const handedOut = b.ticks - a.ticks + (b.dropped - a.dropped);
    expect(Math.abs(handedOut - (b.at - a.at) / stepMs)).toBeLessThanOrEqual(2 + (b.overruns - a.overruns));
    expect(b.ticks - a.ticks).toBeGreaterThan(0);
  });

  it('prints a status line a newcomer can read', async () => {
    const line = await server.statusLine();
    expect(line).toMatch(/^tick \d+ \| [\d.]+ ticks\/s \| [\d.]+ ms\/tick \| 300 entities \| \d+ players \| \d+ clients \| [\d.]+ KiB\/s out \| interest [\d.]+ ms \| \d+ overruns$/);
  });
});
