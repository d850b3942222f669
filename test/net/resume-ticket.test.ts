// Resume tickets: the credential that gets a client its session (and its id) back. One used to
// live 24 hours, was never rotated, and any ticket ever issued for a client id stayed good.
// Now a ticket lives RESUME_TICKET_LIFETIME_MS, a connected client is sent a fresh one every
// TICKET_REFRESH_MS, and while a session lives only its newest ticket redeems: every resume
// (a new ACCEPT) and every refresh retires the one before.

import { describe, expect, it } from 'vitest';
import { RESUME_TICKET_LIFETIME_MS, TokenIssuer } from '../../src/net/connect-token.js';
import { TICKET_REFRESH_MS } from '../../src/net/server.js';
import { SessionTier } from '../../src/net/spec.js';
import { profile } from '../../src/net/simulator.js';
import { makePair, nativeCrypto, SERVER_HOST, SERVER_PORT, UNIX_EPOCH_MS, type Pair } from './harness.js';

function connected(p: Pair): void {
  p.connect(7);
  p.until(() => p.client.state === 'connected' && p.server.connections[0]?.accepted === true, 2000);
}

describe('a resume ticket', () => {
  it('lives 15 minutes at most', () => {
    const issuer = new TokenIssuer(nativeCrypto(), new Uint8Array(32).fill(1));
    const ticket = issuer.issueTicket(77, 5000);
    expect(RESUME_TICKET_LIFETIME_MS).toBeLessThanOrEqual(15 * 60_000);
    expect(issuer.openTicket(ticket, 5000 + RESUME_TICKET_LIFETIME_MS - 1)).toBe(77);
    expect(issuer.openTicket(ticket, 5000 + RESUME_TICKET_LIFETIME_MS + 1)).toBeUndefined();
  });

  it('is rotated by every resume: the one presented no longer redeems', () => {
    const p = makePair();
    connected(p);
    const first = p.client.resumeTicket!;
    expect(p.server.redeemTicket(first)).toBe(7);
    // The link drops (both ends time out); the client comes back with a token for its id.
    p.net.setProfile(profile('lan', { loss: 1 }));
    p.until(() => p.client.state === 'interrupted', 15_000);
    p.net.setProfile(profile('lan'));
    p.client.connect(p.token(7), p.net.bind('client'), SERVER_HOST, SERVER_PORT);
    p.until(() => p.client.state === 'connected' && p.client.lastTier !== SessionTier.New, 3000);
    const second = p.client.resumeTicket!;
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(false);
    expect(p.server.redeemTicket(first)).toBeUndefined();
    expect(p.server.redeemTicket(second)).toBe(7);
  });

  it('is refreshed while connected, so a long session can still resume after its first ticket expired', () => {
    const p = makePair();
    connected(p);
    const first = p.client.resumeTicket!;
    p.run(TICKET_REFRESH_MS + 1000);
    const refreshed = p.client.resumeTicket!;
    expect(Buffer.from(refreshed).equals(Buffer.from(first))).toBe(false);
    expect(p.server.redeemTicket(first)).toBeUndefined();
    expect(p.server.redeemTicket(refreshed)).toBe(7);
    // Long after the first ticket's lifetime, the newest one still works.
    p.run(RESUME_TICKET_LIFETIME_MS);
    expect(p.server.redeemTicket(p.client.resumeTicket!)).toBe(7);
    expect(p.server.redeemTicket(first)).toBeUndefined();
    void UNIX_EPOCH_MS;
  });
});
