// No packet, connection or handler can end the process. A REQUEST whose UDP source port is 0
// (Linux delivers such datagrams) used to make the server reply through dgram.send, which
// throws ERR_SOCKET_BAD_PORT synchronously inside the socket's message listener: one packet
// killed the process. Now an address the transport cannot answer is a counted drop, any send
// that throws is a counted drop, and a last-resort guard around per-packet handling and each
// connection's tick counts and reports what escaped. Real UDP sockets on 127.0.0.1.

import { afterEach, describe, expect, it } from 'vitest';
import { NetClient } from '../../src/net/client.js';
import { decodeConnectToken } from '../../src/net/connect-token.js';
import { Connection } from '../../src/net/connection.js';
import { writeRequest } from '../../src/net/handshake.js';
import { NetServer } from '../../src/net/server.js';
import { UdpTransport } from '../../src/net/transport-udp.js';
import type { Transport } from '../../src/net/transport.js';
import { makePair, nativeCrypto } from './harness.js';

const secret = new Uint8Array(32).fill(3);
const cleanup: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function udpServer(errors: unknown[] = []): Promise<{ server: NetServer; transport: UdpTransport; port: number }> {
  const server = new NetServer({ crypto: nativeCrypto(), secret, handlers: { message: (c, ch, b) => c.send(ch, b), error: (e) => errors.push(e) } });
  const transport = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
  server.listen(transport);
  const timer = setInterval(() => server.update(), 10);
  cleanup.push(async () => {
    clearInterval(timer);
    await server.close();
  });
  return { server, transport, port: transport.port };
}

function request(server: NetServer, port: number): Buffer {
  const token = decodeConnectToken(server.issuer.issue({ clientId: 9, serverAddresses: [`udp://127.0.0.1:${port}`], expiresInS: 60 }));
  return Buffer.from(writeRequest(token));
}

/** A real client over its own UDP socket: connects, sends `text` on channel 0, resolves with the echo. */
async function echoOverUdp(server: NetServer, port: number, text: string): Promise<string> {
  const crypto = nativeCrypto();
  let echoed = '';
  const client = new NetClient({ crypto, handlers: { message: (_c, b) => (echoed = new TextDecoder().decode(b)) } });
  const transport = await UdpTransport.bind({ host: '127.0.0.1', port: 0, connect: { host: '127.0.0.1', port } });
  cleanup.push(() => client.disconnect());
  client.connect(server.issuer.issue({ clientId: 77, serverAddresses: [`udp://127.0.0.1:${port}`], expiresInS: 60 }), transport, '127.0.0.1', port);
  const deadline = Date.now() + 10_000;
  let sent = false;
  while (echoed === '' && Date.now() < deadline) {
    client.update();
    if (client.state === 'connected' && !sent) {
      client.send(0, new TextEncoder().encode(text));
      sent = true;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return echoed;
}

describe('a datagram from UDP source port 0', () => {
  it('is a counted drop at the socket, answered with nothing, and the server keeps serving', async () => {
    const { server, transport, port } = await udpServer();
    const req = request(server, port);
    // What the kernel hands the 'message' listener for a datagram sent from port 0.
    expect(() => transport.socket.emit('message', req, { address: '127.0.0.1', port: 0, family: 'IPv4', size: req.length })).not.toThrow();
    expect(server.drops.packetsByReason().unanswerable).toBe(1);
    expect(server.packetsReceived).toBe(1);
    expect(server.packetsSent).toBe(0);
    expect(await echoOverUdp(server, port, 'still serving')).toBe('still serving');
  });
});

describe('UdpTransport.send', () => {
  it('to port 0 (or any port outside 1..65535) is a counted drop, not a throw', async () => {
    const t = await UdpTransport.bind({ host: '127.0.0.1', port: 0 });
    cleanup.push(() => t.close());
    const bytes = new Uint8Array(40);
    for (const port of [0, -1, 65536, 1.5, Number.NaN]) expect(() => t.send(bytes, '127.0.0.1', port)).not.toThrow();
    expect(t.unanswerable).toBe(5);
  });

  it('that throws inside dgram (a socket closed under it) is a counted drop at the server', async () => {
    const { server, transport, port } = await udpServer();
    // A REQUEST from a valid address, but the socket refuses every send synchronously.
    const original = transport.socket.send.bind(transport.socket);
    transport.socket.send = (() => {
      throw new Error('socket says no');
    }) as typeof transport.socket.send;
    const req = request(server, port);
    expect(() => transport.socket.emit('message', req, { address: '127.0.0.1', port: 40_000, family: 'IPv4', size: req.length })).not.toThrow();
    transport.socket.send = original;
    expect(server.drops.sendsByReason().send_failed).toBe(1);
    expect(server.packetsSent).toBe(0);
    expect(await echoOverUdp(server, port, 'after a failed send')).toBe('after a failed send');
  });
});

describe('the last-resort guard', () => {
  it('counts and reports an exception from packet handling instead of throwing it to the socket', () => {
    const errors: unknown[] = [];
    const p = makePair({ serverHandlers: { error: (e) => errors.push(e) } });
    p.connect();
    p.until(() => p.client.state === 'connected', 2000);
    const receive = Connection.prototype.receive;
    Connection.prototype.receive = () => {
      throw new Error('a bug in the packet layer');
    };
    try {
      p.client.send(0, new Uint8Array([1, 2, 3]));
      expect(() => p.run(100)).not.toThrow();
    } finally {
      Connection.prototype.receive = receive;
    }
    expect(p.server.drops.packetsByReason().internal_error).toBeGreaterThan(0);
    expect(errors.some((e) => (e as Error).message === 'a bug in the packet layer')).toBe(true);
  });

  it('ends only the connection whose tick or flush threw; the others carry on', () => {
    const errors: unknown[] = [];
    const p = makePair({ serverHandlers: { error: (e) => errors.push(e) } });
    p.connect();
    p.until(() => p.client.state === 'connected', 2000);
    const conn = p.serverConn();
    conn.flush = () => {
      throw new Error('a bug in one connection');
    };
    expect(() => p.run(100)).not.toThrow();
    expect(conn.state).toBe('closed');
    expect(p.server.connectionFaults).toBe(1);
    expect(errors.some((e) => (e as Error).message === 'a bug in one connection')).toBe(true);
  });

  it('turns a transport whose send throws into counted drops', () => {
    const errors: unknown[] = [];
    const p = makePair({ serverHandlers: { error: (e) => errors.push(e) } });
    const t = p.serverTransport as Transport;
    t.send = () => {
      throw new Error('transport failure');
    };
    p.connect();
    expect(() => p.run(500)).not.toThrow();
    expect(p.server.drops.sendsByReason().send_failed).toBeGreaterThan(0);
    expect(p.server.packetsSent).toBe(0);
    expect(errors.length).toBeGreaterThan(0);
  });
});
