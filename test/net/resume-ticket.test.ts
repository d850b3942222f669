// Resume tickets: the credential that gets a client its session (and its id) back. One used to
// live 24 hours, was never rotated, and any ticket ever issued for a client id stayed good.
// Now a ticket lives RESUME_TICKET_LIFETIME_MS, a connected client is sent a fresh one every
// TICKET_REFRESH_MS, and while a session lives only its newest ticket redeems: every resume
// (a new ACCEPT) and every refresh retires the one before. After the session ends, its tickets
// redeem only if its link was lost: not once the client closed it (a logout), which the old
// code allowed for the rest of the ticket's 15 minutes.

import { describe, expect, it } from 'vitest';
import { RESUME_TICKET_LIFETIME_MS, TokenIssuer } from '../../src/net/connect-token.js';
import { TICKET_REFRESH_MS } from '../../src/net/server.js';
import { SessionTier } from '../../src/net/spec.js';
import { profile } from '../../src/net/simulator.js';
import { makePair, nativeCrypto, SERVER_HOST, SERVER_PORT, UNIX_EPOCH_MS, type Pair } from './harness.js';
import { readU32 } from '../../src/net/wire.js';

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

  it('stops redeeming once its client closes the session, until a new session of its own', () => {
    const p = makePair();
    connected(p);
    const ticket = p.client.resumeTicket!;
    p.client.disconnect();
    p.until(() => p.server.connections.length === 0, 2000);
    expect(p.server.redeemTicket(ticket)).toBeUndefined();
    // Still refused near the end of the ticket's life.
    p.run(RESUME_TICKET_LIFETIME_MS - 60_000);
    expect(p.server.redeemTicket(ticket)).toBeUndefined();
    // The client logs in again (a token for its id from the backend): its new tickets redeem.
    p.client.connect(p.token(7), p.net.bind('client'), SERVER_HOST, SERVER_PORT);
    p.until(() => p.client.state === 'connected', 3000);
    expect(p.server.redeemTicket(p.client.resumeTicket!)).toBe(7);
  });

  it('still redeems after a session that ended because its link was lost', () => {
    const p = makePair();
    connected(p);
    const ticket = p.client.resumeTicket!;
    p.net.setProfile(profile('lan', { loss: 1 }));
    // Parked when the link times out, then ended (SessionExpired) 30 s later.
    p.until(() => p.server.connections.length === 0, 120_000);
    expect(p.server.redeemTicket(ticket)).toBe(7);
  });

  it('is checked against a session held elsewhere (a network worker) by its newest ticket', () => {
    const p = makePair();
    const issuer = p.server.issuer;
    const older = issuer.issueTicket(9, UNIX_EPOCH_MS + p.net.nowMs);
    const newest = issuer.issueTicket(9, UNIX_EPOCH_MS + p.net.nowMs);
    const holder = { ticketNonce0: readU32(newest, 0), ticketNonce1: readU32(newest, 4), ticketNonce2: readU32(newest, 8) };
    const elsewhere = (id: number) => (id === 9 ? holder : undefined);
    expect(p.server.redeemTicket(newest, elsewhere)).toBe(9);
    expect(p.server.redeemTicket(older, elsewhere)).toBeUndefined();
    // Its session there ends on purpose: no ticket of its redeems any more.
    p.server.retireTickets(9);
    expect(p.server.redeemTicket(newest)).toBeUndefined();
  });
});
