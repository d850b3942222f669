// The two ways out of a NetServer that code it does not own can break: the game's handlers and
// the transports. Each call is contained: a handler that throws is counted (`errors`) and
// reported, a transport that refuses or throws is one counted send drop (drops.ts); the network
// state stays consistent and the server carries on.

import type { Connection } from './connection.js';
import { SEND_DROP, type DropCounters } from './drops.js';
import type { FaultReporter } from './faults.js';
import type { NetServerHandlers } from './server-options.js';
import type { DisconnectReason, SessionTier } from './spec.js';
import type { Transport } from './transport.js';

/** The game's handlers, each call contained. */
export class HandlerCalls {
  /** Handler calls that threw. */
  errors = 0;

  constructor(
    private readonly handlers: NetServerHandlers,
    private readonly faults: FaultReporter,
  ) {}

  connect(conn: Connection, tier: SessionTier): void {
    try {
      this.handlers.connect?.(conn, tier);
    } catch (err) {
      this.failed(err);
    }
  }

  interrupt(conn: Connection, reason: DisconnectReason): void {
    try {
      this.handlers.interrupt?.(conn, reason);
    } catch (err) {
      this.failed(err);
    }
  }

  disconnect(conn: Connection, reason: number): void {
    try {
      this.handlers.disconnect?.(conn, reason);
    } catch (err) {
      this.failed(err);
    }
  }

  message(conn: Connection, channel: number, bytes: Uint8Array): void {
    const handler = this.handlers.message;
    if (handler === undefined) return;
    try {
      handler(conn, channel, bytes);
    } catch (err) {
      this.failed(err);
    }
  }

  acked(conn: Connection, channel: number, messageNumber: number): void {
    const handler = this.handlers.acked;
    if (handler === undefined) return;
    try {
      handler(conn, channel, messageNumber);
    } catch (err) {
      this.failed(err);
    }
  }

  /** A game handler threw: report it; the network state stays consistent. */
  private failed(err: unknown): void {
    this.errors++;
    this.faults.report('a handler threw', err);
  }
}

/** Packets handed to transports, counted: those that left, and those refused (send drops). */
export class PacketSender {
  packetsSent = 0;
  bytesSent = 0;

  constructor(
    private readonly drops: DropCounters,
    private readonly faults: FaultReporter,
  ) {}

  /** Hands one packet to a transport; a refusal or a throw is a counted send drop. */
  send(transport: Transport, packet: Uint8Array, host: string, port: number, link: object | null): void {
    let refused: number | void;
    try {
      refused = transport.send(packet, host, port, link);
    } catch (err) {
      refused = SEND_DROP.send_failed;
      this.faults.report(`sending to ${transport.name} ${host}:${port} threw`, err);
    }
    if (typeof refused === 'number' && refused >= 0) {
      this.drops.sends[refused]!++;
      return;
    }
    this.packetsSent++;
    this.bytesSent += packet.length;
  }
}
