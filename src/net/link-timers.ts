// The times a connection keeps about its link, and the decisions made from them: when an ack
// must leave (ACK_DELAY_MAX_MS after the first ack-eliciting packet, or at once after
// ACK_EVERY_PACKETS), when an empty keep-alive is due, the ack delay the DATA header reports,
// and when the link counts as gone (nothing heard, or no ack progress while reliable data waits).

import { ACK_DELAY_MAX_MS, ACK_EVERY_PACKETS } from './connection-types.js';

export class LinkTimers {
  /** When the last valid packet arrived. */
  lastRecvMs = 0;
  /** When our last packet left. */
  lastSentMs = 0;
  /** When the peer last acknowledged a packet of ours not acknowledged before (or the bind). */
  lastAckProgressMs = 0;
  /** When the newest sequence arrived: the ack delay is measured from it. */
  private newestRecvAtMs = 0;
  /** Ack-eliciting packets received since our last packet left, and when the first arrived. */
  private unackedReceived = 0;
  private firstUnackedAtMs = 0;

  /** A new link at `nowMs`: heard and acknowledged now, a keep-alive due at once. */
  bind(nowMs: number, keepaliveMs: number): void {
    this.unackedReceived = 0;
    this.lastRecvMs = nowMs;
    this.lastAckProgressMs = nowMs;
    this.lastSentMs = nowMs - keepaliveMs;
  }

  /** A valid packet arrived; `newest` when it carries the newest sequence seen. */
  heard(nowMs: number, newest: boolean): void {
    if (newest) this.newestRecvAtMs = nowMs;
    this.lastRecvMs = nowMs;
  }

  /** The packet that arrived carried blocks: it wants a prompt ack (QUIC's ack-eliciting packets). */
  elicited(nowMs: number): void {
    if (this.unackedReceived++ === 0) this.firstUnackedAtMs = nowMs;
  }

  /** ACK_EVERY_PACKETS ack-eliciting packets wait: an ack leaves now. */
  get ackNow(): boolean {
    return this.unackedReceived >= ACK_EVERY_PACKETS;
  }

  /** A packet with nothing else to carry must still leave: an ack is due, or a keep-alive. */
  emptyPacketDue(nowMs: number, keepaliveMs: number): boolean {
    const ackDue = this.unackedReceived > 0 && (nowMs - this.firstUnackedAtMs >= ACK_DELAY_MAX_MS || this.unackedReceived >= ACK_EVERY_PACKETS);
    return ackDue || nowMs - this.lastSentMs >= keepaliveMs;
  }

  /** A packet left (carrying our acks). */
  sent(nowMs: number): void {
    this.lastSentMs = nowMs;
    this.unackedReceived = 0;
  }

  /** How long the newest received sequence has waited for our ack, ms. */
  ackDelayMs(nowMs: number): number {
    return nowMs - this.newestRecvAtMs;
  }

  /** Nothing arrived for `timeoutMs`. */
  silent(nowMs: number, timeoutMs: number): boolean {
    return nowMs - this.lastRecvMs > timeoutMs;
  }

  /** No packet of ours was newly acknowledged for `timeoutMs`. */
  ackStalled(nowMs: number, timeoutMs: number): boolean {
    return nowMs - this.lastAckProgressMs > timeoutMs;
  }
}
