// What a live session's credentials need from the server over time: key rotation (REKEY with a
// fresh server X25519 key, REKEY_ACK completing it) and resume tickets (one in every ACCEPT, a
// fresh one every TICKET_REFRESH_MS, and only the newest redeems while the session lives).
//
// After a session ends, its client's tickets still redeem for their 15 minutes when the link
// was lost (the client comes back with one after an outage), but not when the session was
// ended on purpose: the client closed it (a ticket presented after a logout is someone else's),
// or the server kicked it or found it breaking the protocol. Such client ids are remembered as
// retired until their tickets would have expired (at most MAX_RETIRED at once; beyond that the
// oldest are forgotten first), and a new session for the client lifts it.

import { RESUME_TICKET_LIFETIME_MS, type TokenIssuer } from './connect-token.js';
import type { Connection } from './connection.js';
import { decodeRekey, encodeRekey, encodeTicket } from './control.js';
import type { NetCrypto } from './crypto.js';
import type { ServerKeyRing } from './handshake.js';
import { CONTROL_REKEY, CONTROL_REKEY_ACK, DisconnectReason } from './spec.js';
import { readU32 } from './wire.js';

/** A connected client is sent a fresh resume ticket this often (its lifetime is 15 minutes). */
export const TICKET_REFRESH_MS = 5 * 60_000;
/** Retired client ids remembered at once (a few MB at most; sessions are rate-limited). */
export const MAX_RETIRED = 1 << 16;

/** Sessions ended this way retire their client's tickets (see above). */
export function retiresTickets(reason: number): boolean {
  return reason === DisconnectReason.ClientClosed || reason === DisconnectReason.Kicked || reason === DisconnectReason.ProtocolError || reason === DisconnectReason.Idle;
}

/** The newest ticket a live session was sent, by its first 12 bytes (its nonce). */
export interface TicketHolder {
  readonly ticketNonce0: number;
  readonly ticketNonce1: number;
  readonly ticketNonce2: number;
}

export class ServerCredentials {
  /** Server key pairs of rekeys in progress, by connection. */
  private readonly rekeys = new Map<Connection, { publicKey: Uint8Array; secretKey: Uint8Array }>();
  private readonly rx = new Uint8Array(32);
  private readonly tx = new Uint8Array(32);
  /** Client id -> unix ms until which its tickets do not redeem (insertion order = expiry order). */
  private readonly retired = new Map<number, number>();

  constructor(
    private readonly crypto: NetCrypto,
    private readonly issuer: TokenIssuer,
    private readonly keyRing: ServerKeyRing,
  ) {}

  /** Per update of a connected connection: a rekey or a fresh ticket when due. */
  refresh(conn: Connection, nowMs: number, unixNowMs: number): void {
    if (conn.needsRekey()) this.startRekey(conn);
    if (conn.accepted && nowMs - conn.ticketSentMs >= TICKET_REFRESH_MS) conn.sendControl(encodeTicket(this.newTicket(conn, unixNowMs, nowMs)));
  }

  private startRekey(conn: Connection): void {
    const epoch = this.keyRing.now;
    const phase = conn.keys.txPhase ^ 1;
    conn.keys.rekeyPhase = phase;
    this.rekeys.set(conn, { publicKey: epoch.publicKey.slice(), secretKey: epoch.secretKey.slice() });
    conn.sendControl(encodeRekey(CONTROL_REKEY, phase, epoch.publicKey));
  }

  /** A control message from the client (REKEY_ACK, the only one it sends); false if it breaks
   * the protocol. */
  control(conn: Connection, bytes: Uint8Array): boolean {
    const ack = decodeRekey(bytes, CONTROL_REKEY_ACK);
    const keys = this.rekeys.get(conn);
    if (ack === undefined || keys === undefined || ack.phase !== conn.keys.rekeyPhase) return false;
    if (!this.crypto.kxServerSessionKeys(this.rx, this.tx, keys.publicKey, keys.secretKey, ack.publicKey)) return false;
    this.rekeys.delete(conn);
    conn.installRxKey(ack.phase, this.rx);
    conn.switchTxKey(ack.phase, this.tx);
    conn.keys.rekeyPhase = -1;
    return true;
  }

  /** A fresh resume ticket for `conn`'s client: from now on the only one that redeems. */
  newTicket(conn: Connection, unixNowMs: number, nowMs: number): Uint8Array {
    const ticket = this.issuer.issueTicket(conn.clientId, unixNowMs);
    this.retired.delete(conn.clientId);
    conn.ticketNonce0 = readU32(ticket, 0);
    conn.ticketNonce1 = readU32(ticket, 4);
    conn.ticketNonce2 = readU32(ticket, 8);
    conn.ticketSentMs = nowMs;
    return ticket;
  }

  /**
   * The client id `ticket` vouches for, or undefined: forged, foreign, expired, superseded
   * (`sessionOf` finds its client's live session, which was sent a newer one since), or retired
   * (its client's session was ended on purpose).
   */
  redeem(ticket: Uint8Array, unixNowMs: number, sessionOf: (clientId: number) => TicketHolder | undefined): number | undefined {
    const clientId = this.issuer.openTicket(ticket, unixNowMs);
    if (clientId === undefined) return undefined;
    const session = sessionOf(clientId);
    if (session === undefined) return (this.retired.get(clientId) ?? -Infinity) > unixNowMs ? undefined : clientId;
    if (readU32(ticket, 0) !== session.ticketNonce0 || readU32(ticket, 4) !== session.ticketNonce1 || readU32(ticket, 8) !== session.ticketNonce2) return undefined;
    return clientId;
  }

  /** No ticket of `clientId`'s redeems until a new session of its own is sent one. */
  retire(clientId: number, unixNowMs: number): void {
    for (const [id, until] of this.retired) {
      if (until > unixNowMs && this.retired.size < MAX_RETIRED) break;
      this.retired.delete(id);
    }
    this.retired.delete(clientId);
    this.retired.set(clientId, unixNowMs + RESUME_TICKET_LIFETIME_MS + 60_000);
  }

  /** The connection's link changed: a rekey in progress is void. */
  forget(conn: Connection): void {
    this.rekeys.delete(conn);
  }

  /** Its session ended for `reason`: a rekey in progress is void, and its tickets may retire. */
  ended(conn: Connection, reason: number, unixNowMs: number): void {
    this.rekeys.delete(conn);
    if (retiresTickets(reason)) this.retire(conn.clientId, unixNowMs);
  }
}
