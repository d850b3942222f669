// The peer's acknowledgements of our packets and what follows from them: the ack fields of each
// DATA header it sends (newest sequence, ack delay, ACK_BITS more) mark packets in the
// sent-packet ring, feed the RTT estimator and, past the loss timeout, declare the rest lost.
// The loss timeout is the resend policy: a second before the first RTT sample (TCP's initial
// RTO), after it 2 RTT plus the peer's longest ack delay.

import type { NetClock } from './clock.js';
import { RttEstimator } from './rtt.js';
import { SentPackets } from './sent-packets.js';
import { reconstructSequence } from './sequence.js';
import { ACK_BITS } from './spec.js';
import { readU16, readU32 } from './wire.js';

export class PacketAcks {
  readonly sent: SentPackets;
  readonly rtt: RttEstimator;
  /** Counts a lost packet against the RTT estimator's loss rate (handed to the sent-packet ring). */
  readonly onLost = (_seq: number) => this.rtt.packetLost();
  private newestAcked = -1;

  /**
   * `onEntryAcked` gets every message entry an acked packet carried (the channels'); `onProgress`
   * is called for each packet acknowledged that was not before, as it is.
   */
  constructor(
    time: NetClock,
    private readonly onEntryAcked: (entry: number) => void,
    private readonly onProgress: () => void,
  ) {
    this.sent = new SentPackets(time);
    this.rtt = new RttEstimator(time);
  }

  /** A new link: nothing sent on it, nothing measured. */
  reset(): void {
    this.sent.reset();
    this.rtt.reset();
    this.newestAcked = -1;
  }

  /** Reads the ack fields of the DATA header in `b`; `nextSeq` is the sequence our next packet carries. */
  read(b: Uint8Array, nextSeq: number): void {
    if (nextSeq === 0) return;
    const ack = reconstructSequence(readU32(b, 8), nextSeq - 1);
    if (ack >= nextSeq) return;
    const sent = this.sent;
    if (sent.ack(ack, this.onEntryAcked)) {
      this.onProgress();
      this.rtt.packetAcked();
      this.rtt.sampleAck(sent, readU16(b, 2));
      sent.lossTimeoutMs = this.lossTimeoutMs;
    }
    const bits = readU32(b, 12);
    for (let i = 0; i < ACK_BITS; i++) {
      if ((bits & (1 << i)) === 0) continue;
      const seq = ack - 1 - i;
      if (seq >= 0 && sent.ack(seq, this.onEntryAcked)) {
        this.onProgress();
        this.rtt.packetAcked();
      }
    }
    if (ack > this.newestAcked) this.newestAcked = ack;
    sent.detectLosses(this.newestAcked, this.onLost);
  }

  /** Settles packets that waited past the loss timeout (the connection's tick). */
  settle(): void {
    this.sent.lossTimeoutMs = this.lossTimeoutMs;
    this.sent.detectLosses(this.newestAcked, this.onLost);
  }

  /** Before the first RTT sample a packet gets a second (TCP's initial RTO), after it 2 RTT
   * plus the peer's longest ack delay. */
  private get lossTimeoutMs(): number {
    return this.rtt.samples === 0 ? 1000 : Math.max(250, 2 * this.rtt.srttMs + 100);
  }
}
