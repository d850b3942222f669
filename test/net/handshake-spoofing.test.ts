// A token holder playing with addresses. The handshake cookie used not to cover the source
// address: a RESPONSE spoofed from a victim's address created the session there (ACCEPT resends
// and keep-alives, ~44x the spoofed bytes; one forged ack more and a large reliable message
// streamed to the victim), it ended a known player's session at that address (Replaced), and a
// recorded RESPONSE replayed after its session ended rebuilt the same keys with the sequence at
// 0 (AEAD nonce reuse). Now the cookie binds the address it was sent to, is single-use, and
// until a peer proves it receives at its address the server sends it at most 3x what it got.

import { describe, expect, it } from 'vitest';
import { NetClient } from '../../src/net/client.js';
import { DisconnectReason, PACKET_DATA, PACKET_RESPONSE, RESPONSE_BYTES } from '../../src/net/spec.js';
import type { MemoryTransport } from '../../src/net/transport-memory.js';
import { makePair, nativeCrypto, SERVER_HOST, SERVER_PORT, UNIX_EPOCH_MS } from './harness.js';
import { bytesTo, ForgingPeer, tap } from './hostile.js';

const BIG_STATE = 170_000;

function clientPort(c: NetClient): number {
  return (c as unknown as { transport: MemoryTransport }).transport.port;
}

describe('a RESPONSE spoofed from a victim address', () => {
  it('creates no session there and gets the victim at most 3x the spoofed bytes (here: nothing)', () => {
    const crypto = nativeCrypto(5);
    // The game sends every new session a large reliable state, as the demo does.
    const p = makePair({ crypto, serverHandlers: { connect: (c) => void c.send(0, new Uint8Array(BIG_STATE)) } });
    const t = tap(p.net);
    // The attacker fetches a CHALLENGE at its own address but never lets its RESPONSE through...
    t.block((s) => s.type === PACKET_RESPONSE);
    p.connect();
    p.until(() => t.sent.some((s) => s.type === PACKET_RESPONSE), 2000);
    const response = t.sent.find((s) => s.type === PACKET_RESPONSE)!.bytes;
    // ...it sends it from the victim's address instead, then one blind ack of the ACCEPT.
    p.server.receive(p.serverTransport, response, 'victim', 5000, null);
    const forged = new ForgingPeer(crypto, p.client.connection).packet([], { seq: 0 });
    p.server.receive(p.serverTransport, forged, 'victim', 5000, null);
    p.run(12_000);
    const spoofed = response.length + forged.length;
    const toVictim = bytesTo(t.sent, 'victim');
    console.log(`spoofed RESPONSE: the attacker sent ${spoofed} B as the victim; the victim got ${toVictim} B (${(toVictim / spoofed).toFixed(2)}x)`);
    expect(toVictim).toBeLessThanOrEqual(3 * spoofed);
    expect(p.server.connections.length).toBe(0);
    expect(p.server.drops.packetsByReason().wrong_address).toBe(1);
  });

  it('cannot end a known player session at that address', () => {
    const events: string[] = [];
    const p = makePair({ serverHandlers: { disconnect: (c, r) => events.push(`${c.clientId}:${DisconnectReason[r]}`), interrupt: (c, r) => events.push(`${c.clientId}:${DisconnectReason[r]}`) } });
    p.connect(1);
    p.until(() => p.client.state === 'connected' && p.server.connections[0]?.accepted === true, 2000);
    const player = p.serverConn();
    const t = tap(p.net);
    t.block((s) => s.type === PACKET_RESPONSE && s.from === 'attacker');
    const attacker = new NetClient({ crypto: nativeCrypto(9), now: () => p.net.nowMs, unixNow: () => UNIX_EPOCH_MS + p.net.nowMs });
    attacker.connect(p.token(2), p.net.bind('attacker'), SERVER_HOST, SERVER_PORT);
    p.until(() => t.sent.some((s) => s.type === PACKET_RESPONSE && s.from === 'attacker'), 2000);
    const response = t.sent.find((s) => s.type === PACKET_RESPONSE && s.from === 'attacker')!.bytes;
    p.server.receive(p.serverTransport, response, 'client', clientPort(p.client), null);
    p.run(1000);
    expect(events).toEqual([]);
    expect(player.state).toBe('connected');
    expect(p.server.connections.length).toBe(1);
    p.client.send(0, new TextEncoder().encode('still mine'));
    p.until(() => p.atServer.some((m) => new TextDecoder().decode(m.bytes) === 'still mine'), 2000);
  });
});

describe('a RESPONSE replayed after its session ended', () => {
  it('creates no session: a cookie is single-use (no AEAD nonce reuse)', () => {
    const p = makePair();
    const t = tap(p.net);
    p.connect();
    p.until(() => p.client.state === 'connected' && p.server.connections[0]?.accepted === true, 2000);
    const response = t.sent.find((s) => s.type === PACKET_RESPONSE)!.bytes;
    const port = clientPort(p.client);
    p.client.disconnect();
    p.run(200);
    expect(p.server.connections.length).toBe(0);
    const dropsBefore = p.server.drops.packetsByReason().duplicate_handshake;
    // Within the cookie's 10 s lifetime, from the client's own address.
    p.server.receive(p.serverTransport, response, 'client', port, null);
    expect(p.server.connections.length).toBe(0);
    expect(p.server.drops.packetsByReason().duplicate_handshake).toBe(dropsBefore + 1);
  });
});

describe('a session whose peer has not proved it receives at its address', () => {
  it('gets at most 3x the bytes the server received from that address', () => {
    const p = makePair({ serverHandlers: { connect: (c) => void c.send(0, new Uint8Array(BIG_STATE)) } });
    const t = tap(p.net);
    let responses = 0;
    // The RESPONSE arrives once; after it the address sends nothing (it never saw the ACCEPT).
    t.block((s) => s.from === 'client' && (s.type === PACKET_DATA || (s.type === PACKET_RESPONSE && responses++ > 0)));
    p.connect();
    p.run(12_000);
    const dataToClient = t.sent.filter((s) => s.to === 'client' && s.type === PACKET_DATA).reduce((n, s) => n + s.bytes.length, 0);
    console.log(`unvalidated session: received ${RESPONSE_BYTES} B, sent ${dataToClient} B of DATA`);
    expect(dataToClient).toBeGreaterThan(0);
    expect(dataToClient).toBeLessThanOrEqual(3 * RESPONSE_BYTES);
    expect(p.server.drops.sendsByReason().amplification).toBeGreaterThan(0);
  });
});
