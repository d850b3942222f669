// Admission limits of the network layer: sessions per source IP (connected and parked), pending
// WebSocket links per IP, and WebSocket readers that stop reading. Before: the only session
// limit was global, 1,024 pending links could all come from one IP, and a stalled reader was
// never closed (sends stopped queueing at 1 MiB, the termination check was at 16 MiB).

import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { NetClient } from '../../src/net/client.js';
import { DisconnectReason } from '../../src/net/spec.js';
import { MAX_BUFFERED_BYTES } from '../../src/net/transport-ws.js';
import { makePair, nativeCrypto, SERVER_HOST, SERVER_PORT, UNIX_EPOCH_MS } from './harness.js';
import { wsServer } from './ws-server.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe('sessions per source IP', () => {
  it('are capped: a client past the cap is DENIED with its reason; other addresses still get in', () => {
    const p = makePair({ server: { maxSessionsPerIp: 2 } });
    const net = p.net;
    const clients: { c: NetClient; reasons: number[] }[] = [];
    const start = (host: string, id: number) => {
      const reasons: number[] = [];
      const c = new NetClient({ crypto: nativeCrypto(id), now: () => net.nowMs, unixNow: () => UNIX_EPOCH_MS + net.nowMs, handlers: { disconnect: (r) => reasons.push(r) } });
      c.connect(p.token(id), net.bind(host), SERVER_HOST, SERVER_PORT);
      clients.push({ c, reasons });
    };
    const run = (ms: number) => {
      for (let t = 0; t < ms; t += 1000 / 60) {
        p.step();
        for (const { c } of clients) c.update();
      }
    };
    for (let id = 1; id <= 3; id++) start('crowd', id);
    run(1000);
    // Which two get in depends on which RESPONSE arrives first.
    expect(clients.filter(({ c }) => c.state === 'connected').length).toBe(2);
    const refused = clients.filter(({ c }) => c.state === 'disconnected');
    expect(refused.length).toBe(1);
    expect(refused[0]!.reasons).toEqual([DisconnectReason.AddressLimit]);
    start('elsewhere', 4);
    run(500);
    expect(clients[3]!.c.state).toBe('connected');
    expect(p.server.handshakesDenied).toBeGreaterThanOrEqual(1);
  });

  it('count parked sessions too, and free the slot when a session ends', () => {
    const p = makePair({ server: { maxSessionsPerIp: 1 } });
    p.connect(1);
    p.until(() => p.client.state === 'connected', 2000);
    p.client.disconnect();
    p.run(100);
    expect(p.server.connections.length).toBe(0);
    const second = new NetClient({ crypto: nativeCrypto(2), now: () => p.net.nowMs, unixNow: () => UNIX_EPOCH_MS + p.net.nowMs });
    second.connect(p.token(2), p.net.bind('client'), SERVER_HOST, SERVER_PORT);
    for (let i = 0; i < 60 && second.state !== 'connected'; i++) {
      p.step();
      second.update();
    }
    expect(second.state).toBe('connected');
  });
});

function open(url: string): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.on('open', () => resolve({ ws, closed }));
    ws.on('error', () => undefined);
    ws.on('unexpected-response', () => reject(new Error('refused')));
    cleanup.push(() => ws.terminate());
  });
}

describe('pending WebSocket links', () => {
  it('are capped per source IP: the one past the cap is closed with 1013', async () => {
    const { transport, url } = await wsServer({ maxPendingLinksPerIp: 2 }, cleanup);
    const a = await open(url);
    const b = await open(url);
    const c = await open(url);
    expect(await c.closed).toBe(1013);
    expect(transport.rejectedLinks).toBe(1);
    expect(a.ws.readyState).toBe(WebSocket.OPEN);
    expect(b.ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('a WebSocket reader that stops reading', () => {
  it('is closed once its queue has stayed full for the stall timeout, holding no more than the queue cap', async () => {
    const { transport, url, links, closed } = await wsServer({ stallTimeoutMs: 500 }, cleanup);
    const { ws } = await open(url);
    ws.send(Buffer.from([1])); // let the server learn the link
    while (links.length === 0) await new Promise((r) => setTimeout(r, 5));
    const link = links[0]!;
    // The reader stops reading: its socket's receive buffer fills, then the kernel's, then ws's.
    (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const packet = new Uint8Array(1200).fill(5);
    let maxQueued = 0;
    let sent = 0;
    const started = Date.now();
    // The paused client would not notice; the server's side of the link closes.
    const gone = () => closed.includes(link);
    while (!gone() && Date.now() - started < 15_000) {
      for (let i = 0; i < 200; i++) {
        transport.send(packet, '', 0, link);
        sent++;
      }
      maxQueued = Math.max(maxQueued, (link as WebSocket).bufferedAmount);
      await new Promise((r) => setTimeout(r, 5));
    }
    console.log(`slow reader: ${sent} packets offered, queue peaked at ${maxQueued} B, closed after ${Date.now() - started} ms; ${transport.backpressureDrops} dropped, ${transport.stalledLinks} stalled links closed`);
    expect(gone()).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(transport.stalledLinks).toBe(1);
    expect(maxQueued).toBeLessThanOrEqual(MAX_BUFFERED_BYTES + 1200 + 64);
  });
});
