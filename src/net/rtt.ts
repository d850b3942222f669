// Round-trip time measurement of one connection. Each ack of a packet's newest sequence gives a
// sample: now - sent time - the ack delay the peer reported (the time our packet sat at the
// peer before its reply left). The peer is not trusted with the RTO: its ack delay counts for at
// most MAX_PEER_ACK_DELAY_MS (QUIC's max_ack_delay), and only while the adjusted sample stays
// at or above the minimum RTT seen (RFC 9002 section 5.3). Smoothed RTT and variance follow RFC 6298; jitter is RFC 3550's
// running mean of the difference between consecutive samples; the baseline is the minimum RTT
// over the last BASELINE_WINDOW_MS (two half-window minima, so the baseline can rise again
// after a route change). Loss is a per-packet moving average.

import type { NetClock } from './clock.js';
import type { SentPackets } from './sent-packets.js';
import { ACK_DELAY_UNIT_US } from './spec.js';

/** The seed establishes the baseline over 30 s. */
export const BASELINE_WINDOW_MS = 30_000;
/** 1/64 per packet: about a second of traffic at 60 packets a second. */
const LOSS_GAIN = 1 / 64;
const RTT_GAIN = 1 / 8;
const RTTVAR_GAIN = 1 / 4;
const JITTER_GAIN = 1 / 16;
/** Retransmission timeout bounds: a tick and a half at 60 Hz, and one second. */
export const MIN_RTO_MS = 25;
export const MAX_RTO_MS = 1_000;
/** The longest ack delay a peer may claim: it acks a packet that carried data within 20 ms
 * (ACK_DELAY_MAX_MS) and a keep-alive with its next packet (within the 100 ms keep-alive
 * interval), each plus one flush. More is not believed. */
export const MAX_PEER_ACK_DELAY_MS = 128;

export class RttEstimator {
  /** Smoothed round-trip time, ms; 0 until the first sample. */
  srttMs = 0;
  rttVarMs = 0;
  jitterMs = 0;
  lastRttMs = 0;
  samples = 0;
  /** Fraction of packets lost, moving average. */
  loss = 0;
  private minCurrentMs = Infinity;
  private minPreviousMs = Infinity;
  private windowStartMs = 0;
  private input = 0;
  /** Smallest unadjusted sample since the last reset. */
  minRttMs = Infinity;
  private readonly clock: NetClock;

  constructor(clock: NetClock) {
    this.clock = clock;
  }

  /** One round-trip sample, ms. */
  sample(rttMs: number): void {
    this.input = rttMs;
    this.update();
  }

  /** The sample from the packet `sent` just acked, minus the peer's reported ack delay. */
  sampleAck(sent: SentPackets, ackDelayUnits: number): void {
    const latest = this.clock.nowMs - sent.ackedSentAtMs;
    if (latest < this.minRttMs) this.minRttMs = latest;
    const ackDelayMs = Math.min(MAX_PEER_ACK_DELAY_MS, (ackDelayUnits * ACK_DELAY_UNIT_US) / 1000);
    this.input = latest - ackDelayMs >= this.minRttMs ? latest - ackDelayMs : latest;
    this.update();
  }

  private update(): void {
    const nowMs = this.clock.nowMs;
    const r = Math.max(0, this.input);
    if (this.samples === 0) {
      this.srttMs = r;
      this.rttVarMs = r / 2;
      this.windowStartMs = nowMs;
    } else {
      this.rttVarMs += RTTVAR_GAIN * (Math.abs(this.srttMs - r) - this.rttVarMs);
      this.srttMs += RTT_GAIN * (r - this.srttMs);
      this.jitterMs += JITTER_GAIN * (Math.abs(r - this.lastRttMs) - this.jitterMs);
    }
    this.lastRttMs = r;
    this.samples++;
    if (nowMs - this.windowStartMs >= BASELINE_WINDOW_MS / 2) {
      this.minPreviousMs = this.minCurrentMs;
      this.minCurrentMs = Infinity;
      this.windowStartMs = nowMs;
    }
    if (r < this.minCurrentMs) this.minCurrentMs = r;
  }

  /** Minimum RTT over the last 15 to 30 s: the uncongested path. */
  get baselineMs(): number {
    const m = Math.min(this.minCurrentMs, this.minPreviousMs);
    return m === Infinity ? 0 : m;
  }

  /** How long to wait for an ack before resending a reliable message. */
  get rtoMs(): number {
    if (this.samples === 0) return 100;
    return Math.min(MAX_RTO_MS, Math.max(MIN_RTO_MS, this.srttMs + 4 * this.rttVarMs));
  }

  packetAcked(): void {
    this.loss -= LOSS_GAIN * this.loss;
  }

  packetLost(): void {
    this.loss += LOSS_GAIN * (1 - this.loss);
  }

  reset(): void {
    this.srttMs = 0;
    this.rttVarMs = 0;
    this.jitterMs = 0;
    this.lastRttMs = 0;
    this.samples = 0;
    this.loss = 0;
    this.minCurrentMs = Infinity;
    this.minPreviousMs = Infinity;
    this.minRttMs = Infinity;
  }
}
