// What a peer can make the server send. It used to control the resend timer (its reported ack
// delay was subtracted from RTT samples unclamped, and the RTO floor of 25 ms had no backoff),
// and critical traffic ignored congestion control: a connection that acked its ACCEPT once and
// never again pulled every unacked critical message again each RTO, megabytes a second, for as
// long as it sent keep-alives. Now the ack delay is clamped (QUIC's max_ack_delay, and never
// below the minimum RTT), resends back off exponentially, critical traffic obeys a hard
// per-connection ceiling (the congestion rate plus one bucket), and reliable data left unacked
// for the session timeout ends the link.

import { describe, expect, it } from 'vitest';
import { NetClock } from '../../src/net/clock.js';
import { RttEstimator } from '../../src/net/rtt.js';
import { SentPackets } from '../../src/net/sent-packets.js';
import { DisconnectReason, MAX_ACK_DELAY_UNITS, PACKET_DATA } from '../../src/net/spec.js';
import { makePair, nativeCrypto, type Pair } from './harness.js';
import { bytesTo, ForgingPeer, tap } from './hostile.js';

const STATE_BYTES = 170_000;

describe('the peer-reported ack delay', () => {
  it('cannot pull RTT samples (and so the RTO) below the path round trip', () => {
    const clock = new NetClock();
    const sent = new SentPackets(clock);
    const rtt = new RttEstimator(clock);
    // A 100 ms path; the peer claims every ack waited 1.05 s at its end.
    for (let i = 0; i < 50; i++) {
      sent.ackedSentAtMs = clock.nowMs;
      clock.nowMs += 100;
      rtt.sampleAck(sent, MAX_ACK_DELAY_UNITS);
    }
    expect(rtt.srttMs).toBeGreaterThanOrEqual(100);
    expect(rtt.rtoMs).toBeGreaterThanOrEqual(100);
  });

  it('is still subtracted when it is plausible', () => {
    const clock = new NetClock();
    const sent = new SentPackets(clock);
    const rtt = new RttEstimator(clock);
    sent.ackedSentAtMs = 0;
    clock.nowMs = 50;
    rtt.sampleAck(sent, 0); // min RTT 50
    sent.ackedSentAtMs = 100;
    clock.nowMs = 170; // 70 ms, of which the peer held the ack 20 ms (1250 units of 16 µs)
    rtt.sampleAck(sent, 1250);
    expect(rtt.lastRttMs).toBeCloseTo(50, 5);
  });
});

/** A connected pair whose client then goes quiet but for forged keep-alives that ack nothing. */
function neverAcking(): { p: Pair; t: ReturnType<typeof tap>; events: string[]; keepalive: () => void } {
  const crypto = nativeCrypto(11);
  const events: string[] = [];
  const p = makePair({ crypto, serverHandlers: { interrupt: (_c, r) => events.push(`interrupt:${DisconnectReason[r]}@${Math.round(p.net.nowMs)}`) } });
  p.connect();
  p.until(() => p.client.state === 'connected' && p.server.connections[0]?.accepted === true, 2000);
  const t = tap(p.net);
  t.block((s) => s.from === 'client');
  const forger = new ForgingPeer(crypto, p.client.connection);
  const conn = p.serverConn();
  const keepalive = () => p.server.receive(p.serverTransport, forger.packet([]), conn.host, conn.port, null);
  return { p, t, events, keepalive };
}

describe('a connection that never acks', () => {
  it('gets bounded egress and is closed once reliable data stays unacked for the timeout', () => {
    const { p, t, events, keepalive } = neverAcking();
    const conn = p.serverConn();
    conn.send(0, new Uint8Array(STATE_BYTES));
    const started = p.net.nowMs;
    let sinceKeepalive = 0;
    let sinceInput = 0;
    while (p.net.nowMs - started < 30_000) {
      p.step();
      sinceKeepalive += 1000 / 60;
      sinceInput += 1000 / 60;
      if (sinceKeepalive >= 100) {
        keepalive();
        sinceKeepalive = 0;
      }
      // The game keeps queueing critical reliable messages (a spectator's confirmed inputs).
      if (sinceInput >= 100 && conn.state === 'connected') {
        conn.send(0, new Uint8Array(1000));
        sinceInput = 0;
      }
    }
    const out = t.sent.filter((s) => s.to === 'client' && s.type === PACKET_DATA);
    const total = bytesTo(out, 'client');
    console.log(`never-acking peer: server sent ${total} B in 30 s (${out.length} packets) for ${STATE_BYTES + 300 * 1000} B queued; ${events.join(', ')}`);
    expect(total).toBeLessThan(2 * 1024 * 1024);
    expect(events.length).toBe(1);
    expect(events[0]).toMatch(/^interrupt:Timeout@/);
    const at = Number(events[0]!.split('@')[1]) - started;
    expect(at).toBeLessThan(12_000);
  });

  it('sees each unacked message resent with exponential backoff, not every 25 ms', () => {
    const { p, t, keepalive } = neverAcking();
    p.serverConn().send(0, new Uint8Array([42]));
    const before = t.sent.length;
    for (let ms = 0; ms < 8000; ms += 1000 / 60) {
      p.step();
      if (Math.round(ms) % 100 < 17) keepalive();
    }
    // Packets carrying the message: every DATA packet with a payload beyond a keep-alive's.
    const carrying = t.sent.slice(before).filter((s) => s.to === 'client' && s.type === PACKET_DATA && s.bytes.length > 32);
    console.log(`one unacked message: sent ${carrying.length} times in 8 s`);
    expect(carrying.length).toBeLessThanOrEqual(12);
  });
});

describe('the hard send ceiling', () => {
  it('holds for critical messages too', () => {
    const ceiling = 256 << 10;
    const p = makePair({ server: { maxSendBytesPerSec: ceiling } });
    p.connect();
    p.until(() => p.client.state === 'connected' && p.server.connections[0]?.accepted === true, 2000);
    const t = tap(p.net);
    // Four full-size critical messages at once (1 MiB), acked promptly by a well-behaved client.
    for (let i = 0; i < 4; i++) p.serverConn().send(0, new Uint8Array(256 * 1024));
    p.run(2000);
    const sent = bytesTo(t.sent.filter((s) => s.type === PACKET_DATA), 'client');
    console.log(`hard ceiling ${ceiling} B/s: ${sent} B sent in 2 s`);
    // Two seconds at the rate plus the 100 ms burst (64 KiB at least), plus packet headers.
    expect(sent).toBeLessThanOrEqual(1.05 * (2 * ceiling + (64 << 10)) + 32 * (sent / 1200));
    expect(sent).toBeGreaterThan(ceiling);
  });
});
