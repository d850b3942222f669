// The hostile cases of `npm run soak:net`, each printing what the server sent and held against
// the bound the README states. `npm test` runs them small; the soak scales them with env vars:
//   HOSTILE_SPOOFERS     token holders sending their RESPONSE spoofed from a victim address
//   HOSTILE_SILENT       connections that ack their ACCEPT once and never again (30 s each)
//   HOSTILE_FLOODERS     connections flooding every receive buffer of the demo's channels
//   HOSTILE_WS_READERS   WebSocket links that stop reading while the server keeps sending
// Spoofing and silence run over the seeded in-memory network in simulated time (a UDP source
// address cannot be forged on loopback); the slow readers are real sockets on 127.0.0.1.

import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { NetClient } from '../../src/net/client.js';
import { AMPLIFICATION_FACTOR } from '../../src/net/connection.js';
import { DisconnectReason, PACKET_DATA, PACKET_RESPONSE } from '../../src/net/spec.js';
import { MAX_BUFFERED_BYTES } from '../../src/net/transport-ws.js';
import { PLAY_CHANNELS } from '../../src/client/play-channels.js';
import { makePair, nativeCrypto, SERVER_HOST, SERVER_PORT, UNIX_EPOCH_MS } from './harness.js';
import { settledHeap } from '../helpers/allocation.js';
import { bytesTo, floodPackets, ForgingPeer, tap } from './hostile.js';
import { wsServer } from './ws-server.js';

const SPOOFERS = Number(process.env.HOSTILE_SPOOFERS ?? 10);
const SILENT = Number(process.env.HOSTILE_SILENT ?? 3);
const FLOODERS = Number(process.env.HOSTILE_FLOODERS ?? 20);
const WS_READERS = Number(process.env.HOSTILE_WS_READERS ?? 2);
const STATE_BYTES = 170_000;
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('hostile peers (soak: npm run soak:net)', () => {
  it(`${SPOOFERS} spoofed RESPONSEs get their victims at most ${AMPLIFICATION_FACTOR}x the spoofed bytes`, () => {
    const crypto = nativeCrypto(21);
    // Every new session is sent a large reliable state, as in the demo.
    const p = makePair({ crypto, server: { maxConnections: SPOOFERS + 10, handshakesPerIpPerSec: 1e6, maxHandshakesPerSec: 1e6 }, serverHandlers: { connect: (c) => void c.send(0, new Uint8Array(STATE_BYTES)) } });
    const t = tap(p.net);
    t.block((s) => s.type === PACKET_RESPONSE);
    let spoofed = 0;
    for (let i = 0; i < SPOOFERS; i++) {
      const attacker = new NetClient({ crypto, now: () => p.net.nowMs, unixNow: () => UNIX_EPOCH_MS + p.net.nowMs });
      attacker.connect(p.token(1000 + i), p.net.bind(`attacker-${i}`), SERVER_HOST, SERVER_PORT);
      p.until(() => (attacker.update(), t.sent.some((s) => s.type === PACKET_RESPONSE && s.from === `attacker-${i}`)), 2000);
      const response = t.sent.find((s) => s.type === PACKET_RESPONSE && s.from === `attacker-${i}`)!.bytes;
      const ack = new ForgingPeer(crypto, attacker.connection).packet([], { seq: 0 });
      p.server.receive(p.serverTransport, response, `victim-${i}`, 5000, null);
      p.server.receive(p.serverTransport, ack, `victim-${i}`, 5000, null);
      spoofed += response.length + ack.length;
    }
    p.run(12_000);
    const toVictims = t.sent.filter((s) => s.to.startsWith('victim-')).reduce((n, s) => n + s.bytes.length, 0);
    const drops = p.server.drops.packetsByReason();
    console.log(`spoofed RESPONSE x ${SPOOFERS}: attackers sent ${spoofed} B as their victims; victims got ${toVictims} B (${(toVictims / spoofed).toFixed(2)}x, bound ${AMPLIFICATION_FACTOR}x); sessions at victim addresses: ${p.server.connections.length}; refused as wrong_address: ${drops.wrong_address}`);
    expect(toVictims).toBeLessThanOrEqual(AMPLIFICATION_FACTOR * spoofed);
    expect(p.server.connections.length).toBe(0);
  });

  it(`${SILENT} peers that never ack get bounded egress and are closed at the session timeout`, () => {
    const crypto = nativeCrypto(22);
    const interrupted: number[] = [];
    const p = makePair({ crypto, server: { maxConnections: SILENT + 10, handshakesPerIpPerSec: 1e6 }, serverHandlers: { interrupt: (_c, r) => r === DisconnectReason.Timeout && interrupted.push(p.net.nowMs) } });
    const peers: { host: string; port: number; forger: ForgingPeer }[] = [];
    for (let i = 0; i < SILENT; i++) {
      const c = new NetClient({ crypto, now: () => p.net.nowMs, unixNow: () => UNIX_EPOCH_MS + p.net.nowMs });
      const transport = p.net.bind(`silent-${i}`);
      c.connect(p.token(2000 + i), transport, SERVER_HOST, SERVER_PORT);
      p.until(() => (c.update(), c.state === 'connected' && p.server.connections.some((s) => s.host === transport.host && s.accepted)), 3000);
      peers.push({ host: transport.host, port: transport.port, forger: new ForgingPeer(crypto, c.connection) });
    }
    const t = tap(p.net);
    t.block((s) => s.from.startsWith('silent-'));
    const conns = p.server.connections.slice();
    for (const conn of conns) conn.send(0, new Uint8Array(STATE_BYTES));
    const started = p.net.nowMs;
    let held = 0;
    let queued = STATE_BYTES;
    for (let step = 0; p.net.nowMs - started < 30_000; step++) {
      p.step();
      if (step % 6 === 0) {
        for (const peer of peers) p.server.receive(p.serverTransport, peer.forger.packet([]), peer.host, peer.port, null);
        for (const conn of conns) if (conn.state === 'connected') conn.send(0, new Uint8Array(1000));
        queued += 1000;
      }
      held = Math.max(held, ...conns.map((c) => c.stats().reliableQueued));
    }
    const perPeer = peers.map((peer) => bytesTo(t.sent.filter((s) => s.type === PACKET_DATA), peer.host));
    const closedAfter = interrupted.map((at) => Math.round(at - started));
    console.log(`never-acking peers x ${SILENT}: the server sent each at most ${kib(Math.max(...perPeer))} in 30 s (bound 2 MiB) for up to ${kib(queued)} queued, held at most ${held} unacked messages, closed them after ${Math.min(...closedAfter)}-${Math.max(...closedAfter)} ms (timeout 10 s)`);
    expect(Math.max(...perPeer)).toBeLessThan(2 * 1024 * 1024);
    expect(interrupted.length).toBe(SILENT);
    expect(Math.max(...closedAfter)).toBeLessThan(12_000);
  });

  it(`${FLOODERS} connections flooding every receive buffer of the demo each pin at most 256 KiB`, async () => {
    const crypto = nativeCrypto(23);
    const limits = { maxConnections: FLOODERS + 10, handshakesPerIpPerSec: 1e6, connectionPacketsPerSec: 1e6, connectionBytesPerSec: 1e9 };
    const p = makePair({ crypto, channels: PLAY_CHANNELS, server: limits, serverHandlers: { message: () => undefined } });
    const base = await settledHeap();
    let sent = 0;
    for (let i = 0; i < FLOODERS; i++) {
      const c = new NetClient({ crypto, channels: PLAY_CHANNELS, now: () => p.net.nowMs, unixNow: () => UNIX_EPOCH_MS + p.net.nowMs });
      const transport = p.net.bind(`flood-${i}`);
      c.connect(p.token(3000 + i), transport, SERVER_HOST, SERVER_PORT);
      p.until(() => (c.update(), c.state === 'connected'), 3000);
      const packets = floodPackets(new ForgingPeer(crypto, c.connection), PLAY_CHANNELS);
      void transport.close();
      for (const packet of packets) {
        p.server.receive(p.serverTransport, packet, transport.host, transport.port, null);
        sent += packet.length;
      }
    }
    const perConnection = ((await settledHeap()) - base) / FLOODERS;
    const held = Math.max(...p.server.connections.map((c) => c.stats().receiveBufferedBytes));
    const bound = p.server.connections[0]!.receiveBound;
    console.log(`out-of-order flood x ${FLOODERS}: each sent ${kib(sent / FLOODERS)}; the server holds ${kib(perConnection)} per connection in all (bound 256 KiB), receive buffers at most ${held} B (bound ${bound} B); refused: ${p.server.drops.packetsByReason().receive_buffer_full} packets`);
    expect(held).toBeLessThanOrEqual(bound);
    expect(perConnection).toBeLessThanOrEqual(256 * 1024);
  });

  it(`${WS_READERS} WebSocket readers that stop reading hold at most 1 MiB each, and are closed`, async () => {
    const stallTimeoutMs = 1000;
    // They all come from 127.0.0.1: let that many links be pending from one address.
    const { transport, url, links, closed } = await wsServer({ stallTimeoutMs, maxPendingLinksPerIp: WS_READERS }, cleanup);
    const readers: WebSocket[] = [];
    for (let i = 0; i < WS_READERS; i++) {
      const ws = new WebSocket(url);
      await new Promise((r) => ws.on('open', r));
      ws.on('error', () => undefined);
      ws.send(Buffer.from([i]));
      readers.push(ws);
      cleanup.push(() => ws.terminate());
    }
    for (const deadline = Date.now() + 10_000; links.length < WS_READERS && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 5));
    expect(links.length).toBe(WS_READERS);
    for (const ws of readers) (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const packet = new Uint8Array(1200).fill(3);
    const peak = new Map<object, number>();
    const started = Date.now();
    let offered = 0;
    while (closed.length < WS_READERS && Date.now() - started < 60_000) {
      for (const link of links) {
        if (closed.includes(link)) continue;
        for (let i = 0; i < 100; i++) transport.send(packet, '', 0, link);
        offered += 100 * packet.length;
        peak.set(link, Math.max(peak.get(link) ?? 0, (link as WebSocket).bufferedAmount));
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const maxHeld = Math.max(...peak.values());
    console.log(`slow WebSocket readers x ${WS_READERS}: the server was asked to send ${kib(offered / WS_READERS)} each; each link held at most ${kib(maxHeld)} (bound ${kib(MAX_BUFFERED_BYTES)} + one packet); all closed within ${Date.now() - started} ms (stall timeout ${stallTimeoutMs} ms); ${transport.backpressureDrops} packets dropped`);
    expect(closed.length).toBe(WS_READERS);
    expect(transport.stalledLinks).toBe(WS_READERS);
    expect(maxHeld).toBeLessThanOrEqual(MAX_BUFFERED_BYTES + 1200 + 64);
  }, 120_000);
});
