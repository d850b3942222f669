// One session between a client and a server, the same class on both ends. It owns the packet
// layer (sequence, replay window, sent-packet ring, RTT, congestion control, session keys) and
// the channels, and it survives a change of link: when a client reconnects within the seed's
// tiers the server re-binds this object to the new link and keys, so the game keeps its
// reference (and, under 5 s, every queued reliable message).
//
// Hot paths, both allocation-free apart from the view handed to `message` handlers:
//   flush:   channels in priority order -> PacketWriter -> header -> seal in place -> transport
//   receive: (endpoint copied the datagram into io.rx) key phase -> open in place -> replay
//            check -> validate every block -> mark received -> acks -> apply blocks
//
// Memory per connection: about 7 KB of sent-packet ring, 128 B of replay window, small channel
// objects whose rings are allocated on first use, and whatever messages are queued. The
// channels (and the payload's blocks) are in channel-set.ts, the keys in session-keys.ts, the
// peer's acks, loss and the resend timeout in acks.ts, the link's timers (acks due, keep-alive,
// timeouts) in link-timers.ts, anti-amplification in amplification.ts.

import { InvalidArgumentError } from '../core/errors.js';
import type { NetClock } from './clock.js';
import type { ResolvedChannel } from './channel.js';
import { ChannelSet, type Side } from './channel-set.js';
import { CongestionController, type CongestionOptions } from './congestion.js';
import { MESSAGE_DROP, PACKET_DROP, SEND_DROP } from './drops.js';
import type { Reassembler } from './fragment.js';
import type { Budget, ChannelSink } from './reliable-channel.js';
import { ReplayWindow } from './replay.js';
import type { RttEstimator } from './rtt.js';
import type { SentPackets } from './sent-packets.js';
import { reconstructSequence } from './sequence.js';
import { PacketAcks } from './acks.js';
import { AmplificationGuard } from './amplification.js';
import { LinkTimers } from './link-timers.js';
import {
  ACK_DELAY_UNIT_US,
  CONTROL_CHANNEL,
  DATA_HEADER_BYTES,
  DATA_OVERHEAD_BYTES,
  DisconnectReason,
  MAC_BYTES,
  MAX_ACK_DELAY_UNITS,
  PACKET_DATA,
  PREFIX_ACK_PRESENT,
  PREFIX_KEY_PHASE,
  PROTOCOL_VERSION,
  SessionTier,
} from './spec.js';
import { SendCeiling } from './send-ceiling.js';
import { DEFAULT_REKEY_INTERVAL_MS, SessionKeys, type LinkKeys } from './session-keys.js';
import type { Transport } from './transport.js';
import { readU32, writeU16, writeU32 } from './wire.js';
import { DISCONNECT_REPEATS, KEEPALIVE_MS, MAX_PACKETS_PER_FLUSH, type ConnectionHost, type ConnectionState, type ConnectionStats } from './connection-types.js';

export * from './connection-types.js';
export { MAX_UNRELIABLE_QUEUED_BYTES } from './channel-set.js';
export { DEFAULT_REKEY_INTERVAL_MS, REKEY_AFTER_PACKETS, REKEY_GRACE_MS } from './session-keys.js';

const CONGESTION_NAMES = ['normal', 'conservative', 'emergency'] as const;

export class Connection implements ChannelSink {
  /** Endpoint-local index, stable for the session (a dense id for per-client arrays). */
  readonly id: number;
  clientId = 0;
  /** The game's 32 bytes from the connect token (account id, ...). */
  readonly userData = new Uint8Array(32);
  state: ConnectionState = 'connecting';
  /** False until the peer has acked ACCEPT on this link; application channels wait for it. */
  accepted = false;
  timeoutMs: number;
  rekeyIntervalMs: number;
  /** An empty packet leaves after this long without any other. */
  keepaliveMs: number;
  // link
  transport: Transport | null = null;
  host = '';
  port = 0;
  link: object | null = null;
  /** Handshake sequence of the RESPONSE that bound the current link (duplicate detection). */
  handshakeSeq = -1;
  /** Server side: the newest resume ticket sent (the only one that redeems while the session
   * lives), as the three u32 words of its nonce, and when it was sent (monotonic ms). */
  ticketNonce0 = 0;
  ticketNonce1 = 0;
  ticketNonce2 = 0;
  ticketSentMs = 0;
  /** Server side: the IP address this session is counted under (SessionTable), or ''. */
  countedHost = '';
  /** Per-connection inbound limit the server installs; null on clients. */
  limiter: { allow(bytes: number): boolean } | null = null;
  /** Until the peer proves it receives at this link's address, what may be sent there
   * (servers only, `antiAmplification`). */
  private readonly amplification: AmplificationGuard;
  /** The hard send ceiling every block obeys, critical included (servers: what a peer can pull
   * from them is bounded whatever it does; a client is its own user). */
  private readonly ceiling: SendCeiling | null;
  // channels: 0..6 application, 7 control
  readonly channels: readonly ResolvedChannel[];
  private readonly ch: ChannelSet;
  // packet layer
  private nextSeq = 0;
  readonly replay = new ReplayWindow();
  /** The peer's acks of our packets: the sent-packet ring (`sent`), RTT (`rtt`), loss. */
  private readonly acks: PacketAcks;
  readonly sent: SentPackets;
  readonly rtt: RttEstimator;
  readonly congestion: CongestionController;
  private readonly time: NetClock;
  private readonly timers = new LinkTimers();
  /** The link's session keys: tx in one slot, rx in two (by key phase). */
  readonly keys = new SessionKeys();
  // disconnect
  private disconnectReason = 0;
  private disconnectRepeats = 0;
  // counters
  packetsIn = 0;
  packetsOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  messagesIn = 0;
  messagesOut = 0;
  private readonly host_: ConnectionHost;
  private readonly budget: Budget = { bytes: 0, limited: false, ceiling: 0, nowMs: 0, rtoMs: 0 };

  constructor(
    id: number,
    host: ConnectionHost,
    channels: readonly ResolvedChannel[],
    options: { timeoutMs: number; rekeyIntervalMs?: number; keepaliveMs?: number; congestion?: Partial<CongestionOptions>; antiAmplification?: boolean; maxSendBytesPerSec?: number; side?: Side; receiveBufferBytes?: number },
  ) {
    this.id = id;
    this.host_ = host;
    this.channels = channels;
    this.timeoutMs = options.timeoutMs;
    this.rekeyIntervalMs = options.rekeyIntervalMs ?? DEFAULT_REKEY_INTERVAL_MS;
    this.keepaliveMs = options.keepaliveMs ?? KEEPALIVE_MS;
    this.amplification = new AmplificationGuard(options.antiAmplification ?? false);
    this.ceiling = options.maxSendBytesPerSec === undefined ? null : new SendCeiling(options.maxSendBytesPerSec);
    this.time = host.time;
    this.congestion = new CongestionController(host.time, options.congestion);
    this.ch = new ChannelSet(channels, this, host.time, host.staging, options.side, options.receiveBufferBytes);
    this.acks = new PacketAcks(host.time, this.ch.onEntryAcked, () => {
      this.amplification.validated = true;
      this.timers.lastAckProgressMs = this.time.nowMs;
    });
    this.sent = this.acks.sent;
    this.rtt = this.acks.rtt;
  }

  /**
   * False from a (re)bind until the peer acknowledges a packet we sent on this link: proof that
   * it receives at this address. Until then the connection sends at most AMPLIFICATION_FACTOR
   * times the bytes it received from the address (QUIC's rule; servers only, `antiAmplification`).
   */
  get addressValidated(): boolean {
    return this.amplification.validated;
  }

  /** When the last valid packet arrived, ms. */
  get lastRecvMs(): number {
    return this.timers.lastRecvMs;
  }

  /** When our last packet left, ms. */
  get lastSentMs(): number {
    return this.timers.lastSentMs;
  }

  /** When the peer last acknowledged a packet of ours not acknowledged before (or the bind). */
  get lastAckProgressMs(): number {
    return this.timers.lastAckProgressMs;
  }

  /** Unreliable reassembly groups in progress. */
  get reassembler(): Reassembler {
    return this.ch.reassembler;
  }

  /** The most this connection's receive side can hold, bytes: its receive cap plus the next
   * in-order message of each reliable channel (at this end's receiving limit). */
  get receiveBound(): number {
    return this.ch.receiveBound;
  }

  // ---- public API -------------------------------------------------------------------------

  /** Readable address for logs: "udp 1.2.3.4:5678". */
  get address(): string {
    return this.transport ? `${this.transport.name} ${this.host}:${this.port}` : 'unbound';
  }

  /**
   * Queues `bytes` on `channel`; returns the message number (`acked` reports it once the peer
   * has every byte), or -1 if it was dropped (unreliable: not connected or over the queue cap;
   * reliable: the queue overflowed, which also closes the connection). Unreliable messages are
   * copied into the endpoint's staging buffer, reliable ones into a new array.
   */
  send(channel: number, bytes: Uint8Array): number {
    return this.queue(channel, bytes, false);
  }

  /**
   * As `send`, without the copy: the connection keeps `bytes` until the next flush (unreliable)
   * or until acked (reliable), so the caller must not change it before then.
   */
  sendBorrowed(channel: number, bytes: Uint8Array): number {
    return this.queue(channel, bytes, true);
  }

  /** Queues a staged (shared) unreliable message by offset: the endpoint's broadcast. */
  sendStaged(channel: number, stagingOff: number, length: number): number {
    if (!this.ch.unreliable[channel]) throw new InvalidArgumentError(`channel ${channel} is not an unreliable channel`);
    if (this.state !== 'connected') {
      this.messageDropped(MESSAGE_DROP.not_connected);
      return -1;
    }
    const n = this.ch.queueStaged(channel, stagingOff, length);
    if (n >= 0) this.messagesOut++;
    return n;
  }

  /** Bytes the congestion controller lets this connection send now (non-critical traffic). */
  budgetBytes(): number {
    return this.congestion.budgetBytes();
  }

  get rttMs(): number {
    return this.rtt.srttMs;
  }

  get loss(): number {
    return this.rtt.loss;
  }

  /** Sequence the next packet will carry. */
  get nextPacketSequence(): number {
    return this.nextSeq;
  }

  stats(): ConnectionStats {
    return {
      rttMs: this.rtt.srttMs,
      rttVarMs: this.rtt.rttVarMs,
      jitterMs: this.rtt.jitterMs,
      baselineRttMs: this.rtt.baselineMs,
      loss: this.rtt.loss,
      packetsIn: this.packetsIn,
      packetsOut: this.packetsOut,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      packetsAcked: this.sent.ackedTotal,
      packetsLost: this.sent.lostTotal,
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
      sendRateBytesPerSec: this.congestion.bytesPerSec,
      budgetBytes: this.congestion.budgetBytes(),
      congestion: CONGESTION_NAMES[this.congestion.state],
      reliableQueued: this.ch.reliableQueued,
      reassemblyBytes: this.ch.reassembler.bytes,
      receiveBufferedBytes: this.ch.heldBytes(),
    };
  }

  // ---- endpoint-facing ----------------------------------------------------------------------

  private queue(channel: number, bytes: Uint8Array, borrowed: boolean): number {
    const config = this.ch.config(channel);
    const limit = this.ch.sendLimit[channel]!;
    if (bytes.length > limit) {
      const direction = config.maxClientMessageBytes === config.maxServerMessageBytes ? '' : this.ch.side === 'server' ? 'server-to-client ' : 'client-to-server ';
      throw new InvalidArgumentError(`message of ${bytes.length} bytes exceeds channel ${channel}'s ${direction}limit of ${limit}`);
    }
    if (config.reliable) {
      if (this.state === 'closed') return -1;
      const id = this.ch.reliable[channel]!.enqueue(borrowed ? bytes : bytes.slice());
      if (id < 0) {
        this.host_.overflow(this);
        return -1;
      }
      this.messagesOut++;
      return id;
    }
    if (this.state !== 'connected') {
      this.messageDropped(MESSAGE_DROP.not_connected);
      return -1;
    }
    const n = this.ch.queueUnreliable(channel, bytes, borrowed);
    if (n >= 0) this.messagesOut++;
    return n;
  }

  /** Queues a control message (ACCEPT, REKEY, REKEY_ACK). */
  sendControl(bytes: Uint8Array): void {
    if (this.ch.control.enqueue(bytes) < 0) this.host_.overflow(this);
  }

  /**
   * Binds the connection to a (new) link with fresh session keys and resets the packet layer.
   * `tier` decides what the channels keep: Resume keeps everything (unacked reliable messages
   * are resent at once), Resync and New start every channel over.
   */
  bindLink(transport: Transport, host: string, port: number, link: object | null, keys: LinkKeys, tier: SessionTier): void {
    const nowMs = this.time.nowMs;
    this.transport = transport;
    this.host = host;
    this.port = port;
    this.link = link;
    this.keys.bind(keys, nowMs);
    this.nextSeq = 0;
    this.replay.reset();
    this.acks.reset();
    this.congestion.reset();
    this.timers.bind(nowMs, this.keepaliveMs);
    this.disconnectReason = 0;
    this.disconnectRepeats = 0;
    this.accepted = false;
    this.amplification.rebind();
    this.ch.control.reset();
    this.applyTier(tier);
    this.state = 'connected';
  }

  /** Applies a reconnect tier to the application channels. */
  applyTier(tier: SessionTier): void {
    this.ch.applyTier(tier);
  }

  /** The link is gone; the session waits (parked) for the client to come back. */
  park(): void {
    this.state = 'parked';
    this.accepted = false;
    this.transport = null;
    this.link = null;
    this.ch.park();
  }

  close(): void {
    this.state = 'closed';
    this.transport = null;
    this.link = null;
    this.ch.clear();
    this.keys.clear();
  }

  /** Sends DISCONNECT_REPEATS packets carrying a DISCONNECT block with `reason`, now. */
  sendDisconnect(reason: number): void {
    if (this.state !== 'connected' || this.transport === null) return;
    this.disconnectReason = reason;
    this.disconnectRepeats = DISCONNECT_REPEATS;
    while (this.disconnectRepeats > 0) this.sendPacket(false);
  }

  /** Bytes that arrived from this link's address (any packet, valid or not): before the address
   * is validated they raise what the connection may send there. */
  creditReceived(bytes: number): void {
    this.amplification.credit(bytes);
  }

  /** Installs an rx key in `phase` (rekey); the other phase stays usable for a grace period. */
  installRxKey(phase: number, key: Uint8Array): void {
    this.keys.installRx(phase, key, this.time.nowMs);
  }

  switchTxKey(phase: number, key: Uint8Array): void {
    this.keys.switchTx(phase, key, this.time.nowMs);
  }

  /** Server side: whether this connection should start a rekey now. */
  needsRekey(): boolean {
    return this.accepted && this.keys.due(this.time.nowMs, this.rekeyIntervalMs);
  }

  /**
   * Processes the DATA packet of `length` bytes in io.rx (prefix, length and version already
   * checked by the endpoint). Returns -1 if accepted, else the PACKET_DROP index.
   */
  receive(length: number): number {
    const nowMs = this.time.nowMs;
    const io = this.host_.io;
    const b = io.rx;
    const phase = (b[0]! & PREFIX_KEY_PHASE) !== 0 ? 1 : 0;
    const keys = this.keys;
    if (!(keys.rxValidUntil[phase]! > nowMs)) return PACKET_DROP.key_phase;
    const seq = reconstructSequence(readU32(b, 4), this.replay.newest + 1);
    if (!io.open(length, keys.rx[phase], keys.rxSalt, seq)) return PACKET_DROP.decrypt_failed;
    if (!this.replay.check(seq)) return PACKET_DROP.replayed;
    const end = length - MAC_BYTES;
    const verdict = this.ch.validate(b, end);
    if (verdict >= 0) return verdict;
    this.replay.mark(seq);
    this.timers.heard(nowMs, seq === this.replay.newest);
    this.packetsIn++;
    this.bytesIn += length;
    if ((b[0]! & PREFIX_ACK_PRESENT) !== 0) this.acks.read(b, this.nextSeq);
    if (keys.pendingTxPhase === phase) {
      // The server sends under the new phase: it holds the new keys, so switch ours.
      this.switchTxKey(phase, keys.pendingTx);
      keys.pendingTxPhase = -1;
    }
    // Only packets that carry blocks need a prompt ack (QUIC's ack-eliciting packets); an empty
    // keep-alive is acked by whatever leaves next, so idle links stay at 10 packets a second.
    if (end > DATA_HEADER_BYTES) this.timers.elicited(nowMs);
    const disconnect = this.ch.apply(b, end, this);
    if (disconnect >= 0 && this.state !== 'closed') this.host_.peerDisconnected(this, disconnect);
    if (this.timers.ackNow && this.state === 'connected') this.sendPacket(false);
    return -1;
  }

  /**
   * Timers: returns DisconnectReason.Timeout if nothing arrived for timeoutMs, or if reliable
   * data has waited that long and no packet was acked meanwhile; else None. Expires reassembly groups and
   * settles lost packets.
   */
  tick(): number {
    if (this.state !== 'connected') return DisconnectReason.None;
    const nowMs = this.time.nowMs;
    if (this.timers.silent(nowMs, this.timeoutMs)) return DisconnectReason.Timeout;
    // A peer that keeps sending but acknowledges nothing while reliable data waits is as gone as
    // a silent one (and would otherwise pin the send queue and keep pulling resends).
    if (this.timers.ackStalled(nowMs, this.timeoutMs) && this.ch.hasUnackedSent()) return DisconnectReason.Timeout;
    this.ch.expire();
    this.acks.settle();
    return DisconnectReason.None;
  }

  /**
   * Writes and sends this tick's packets: control first, then application channels in priority
   * order within the congestion budget; an empty packet if an ack or keep-alive is due.
   */
  flush(): void {
    if (this.state !== 'connected' || this.transport === null) return;
    this.congestion.update(this.rtt);
    const budget = this.budget;
    budget.bytes = this.congestion.budgetBytes();
    const ceiling = this.ceiling === null ? Infinity : this.ceiling.available(budget.nowMs);
    budget.ceiling = ceiling;
    budget.nowMs = this.time.nowMs;
    budget.rtoMs = this.rtt.rtoMs;
    this.ch.beginFlush();
    for (let n = 0; n < MAX_PACKETS_PER_FLUSH; n++) {
      if (!this.sendPacket(true)) break;
    }
    this.ch.endFlush();
    if (this.ceiling !== null) this.ceiling.spend(ceiling - budget.ceiling);
  }

  /**
   * Builds and sends one packet; `withData` lets channels write. Returns true if channels have
   * more to write (the caller sends another packet).
   */
  private sendPacket(withData: boolean): boolean {
    const nowMs = this.time.nowMs;
    const io = this.host_.io;
    const w = io.writer;
    const seq = this.nextSeq;
    this.sent.begin(seq, this.acks.onLost);
    w.begin(seq, this.sent);
    let more = false;
    if (this.disconnectRepeats > 0) {
      w.writeDisconnect(this.disconnectReason);
      this.disconnectRepeats--;
    } else if (withData) {
      more = this.ch.write(w, this.budget, this.congestion, this.accepted);
    }
    const payloadBytes = w.payloadBytes;
    if (payloadBytes === 0 && withData && !this.timers.emptyPacketDue(nowMs, this.keepaliveMs)) {
      this.sent.cancel(seq);
      return false;
    }
    if (!this.amplification.validated && !this.amplification.allow(DATA_OVERHEAD_BYTES + payloadBytes)) {
      this.sent.cancel(seq);
      this.host_.drops.sends[SEND_DROP.amplification]!++;
      return false;
    }
    this.writeHeader(w.buf, seq);
    const packet = io.seal(payloadBytes, this.keys.tx, this.keys.txSalt, seq);
    this.nextSeq = seq + 1;
    this.sent.finish(seq, packet.length);
    this.packetsOut++;
    this.keys.packetsUnderKey++;
    this.bytesOut += packet.length;
    this.congestion.consume(packet.length);
    this.timers.sent(nowMs);
    this.host_.transmit(this, packet);
    return more;
  }

  private writeHeader(b: Uint8Array, seq: number): void {
    const nowMs = this.time.nowMs;
    const hasAck = this.replay.newest >= 0;
    b[0] = PACKET_DATA | (this.keys.txPhase === 1 ? PREFIX_KEY_PHASE : 0) | (hasAck ? PREFIX_ACK_PRESENT : 0);
    b[1] = PROTOCOL_VERSION;
    const delayUnits = hasAck ? Math.min(MAX_ACK_DELAY_UNITS, Math.round((this.timers.ackDelayMs(nowMs) * 1000) / ACK_DELAY_UNIT_US)) : 0;
    writeU16(b, 2, delayUnits);
    writeU32(b, 4, seq >>> 0);
    writeU32(b, 8, hasAck ? this.replay.newest >>> 0 : 0);
    writeU32(b, 12, hasAck ? this.replay.ackBits() : 0);
  }

  // ---- ChannelSink ------------------------------------------------------------------------

  deliver(channel: number, bytes: Uint8Array): void {
    if (channel === CONTROL_CHANNEL) {
      this.host_.control(this, bytes);
      return;
    }
    this.messagesIn++;
    this.host_.deliver(this, channel, bytes);
  }

  acked(channel: number, messageNumber: number): void {
    if (channel === CONTROL_CHANNEL) {
      // The only control message whose ack matters is ACCEPT, the first of each link.
      if (messageNumber === 0 && !this.accepted) this.accepted = true;
      return;
    }
    this.host_.acked(this, channel, messageNumber);
  }

  messageDropped(reason: number): void {
    this.host_.drops.messages[reason]!++;
  }
}
