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
// objects whose rings are allocated on first use, and whatever messages are queued.

import { InvalidArgumentError } from '../core/errors.js';
import type { NetClock } from './clock.js';
import { CONTROL_CHANNEL_CONFIG, resolveChannel, type ResolvedChannel } from './channel.js';
import { CongestionController, type CongestionOptions } from './congestion.js';
import { MESSAGE_DROP, PACKET_DROP, type DropCounters } from './drops.js';
import { fragmentHeaderValid, Reassembler } from './fragment.js';
import type { PacketIo } from './packet-io.js';
import { ReliableChannel, WRITE_FULL, type Budget, type ChannelSink } from './reliable-channel.js';
import { ReplayWindow } from './replay.js';
import { RttEstimator } from './rtt.js';
import { SentPackets } from './sent-packets.js';
import { reconstructSequence } from './sequence.js';
import {
  ACK_BITS,
  ACK_DELAY_UNIT_US,
  BLOCK_CHANNEL_MASK,
  BLOCK_DISCONNECT,
  BLOCK_FRAGMENT,
  BLOCK_KIND_SHIFT,
  BLOCK_MESSAGE,
  BLOCK_RESERVED_MASK,
  CONTROL_CHANNEL,
  DATA_HEADER_BYTES,
  DisconnectReason,
  FRAGMENT_BLOCK_HEADER_BYTES,
  KEY_BYTES,
  MAC_BYTES,
  MAX_ACK_DELAY_UNITS,
  MESSAGE_BLOCK_HEADER_BYTES,
  PACKET_DATA,
  PREFIX_ACK_PRESENT,
  PREFIX_KEY_PHASE,
  PROTOCOL_VERSION,
  SessionTier,
} from './spec.js';
import type { Staging } from './staging.js';
import type { Transport } from './transport.js';
import { UnreliableChannel } from './unreliable-channel.js';
import { readU16, readU32, writeU16, writeU32 } from './wire.js';

/** netcode sends 10 packets a second when idle (the default interval). */
export const KEEPALIVE_MS = 100;
/** Longest a received packet waits for an ack to leave (a flush comes sooner at 60 Hz). */
export const ACK_DELAY_MAX_MS = 20;
/** Ack at once after this many packets, well before the 32-bit ack field could overflow. */
export const ACK_EVERY_PACKETS = 16;
/** One flush sends at most this many packets (about 300 KB). */
export const MAX_PACKETS_PER_FLUSH = 256;
/** Unreliable bytes one connection may queue between flushes. */
export const MAX_UNRELIABLE_QUEUED_BYTES = 512 << 10;
/** After a rekey the old receive key keeps working this long, for packets already in flight. */
export const REKEY_GRACE_MS = 5_000;
/** Rekey every 10 minutes (the seed), or after this many packets under one key. */
export const DEFAULT_REKEY_INTERVAL_MS = 600_000;
export const REKEY_AFTER_PACKETS = 2 ** 31;
/** Sends of the DISCONNECT block: netcode repeats it so one loss does not leave the peer waiting. */
export const DISCONNECT_REPEATS = 3;

export type ConnectionState = 'connecting' | 'connected' | 'parked' | 'closed';

/** What a connection needs from its endpoint. */
export interface ConnectionHost {
  /** The endpoint's clock, set before it calls receive, tick or flush. */
  readonly time: NetClock;
  readonly io: PacketIo;
  readonly staging: Staging;
  readonly drops: DropCounters;
  transmit(conn: Connection, packet: Uint8Array): void;
  deliver(conn: Connection, channel: number, bytes: Uint8Array): void;
  acked(conn: Connection, channel: number, messageNumber: number): void;
  control(conn: Connection, bytes: Uint8Array): void;
  peerDisconnected(conn: Connection, reason: number): void;
  /** A reliable queue overflowed: the endpoint closes the connection. */
  overflow(conn: Connection): void;
}

export interface ConnectionStats {
  rttMs: number;
  rttVarMs: number;
  jitterMs: number;
  baselineRttMs: number;
  loss: number;
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  packetsAcked: number;
  packetsLost: number;
  messagesIn: number;
  messagesOut: number;
  sendRateBytesPerSec: number;
  budgetBytes: number;
  congestion: 'normal' | 'conservative' | 'emergency';
  reliableQueued: number;
  reassemblyBytes: number;
}

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
  /** Per-connection inbound limit the server installs; null on clients. */
  limiter: { allow(bytes: number): boolean } | null = null;
  // channels: 0..6 application, 7 control
  readonly channels: readonly ResolvedChannel[];
  private readonly reliable: (ReliableChannel | undefined)[] = [];
  private readonly unreliable: (UnreliableChannel | undefined)[] = [];
  private readonly order: number[];
  readonly reassembler: Reassembler;
  // packet layer
  private nextSeq = 0;
  readonly replay = new ReplayWindow();
  readonly sent: SentPackets;
  readonly rtt: RttEstimator;
  readonly congestion: CongestionController;
  private readonly time: NetClock;
  private newestAcked = -1;
  private newestRecvAtMs = 0;
  private unackedReceived = 0;
  private firstUnackedAtMs = 0;
  lastRecvMs = 0;
  lastSentMs = 0;
  // keys: tx in one slot, rx in two (by key phase) so a rekey never stalls traffic
  readonly txKey = new Uint8Array(KEY_BYTES);
  txPhase = 0;
  /** Nonce salts, 4 bytes each: ours for what we seal, the peer's for what we open. */
  readonly txSalt = new Uint8Array(4);
  readonly rxSalt = new Uint8Array(4);
  readonly rxKeys: [Uint8Array, Uint8Array] = [new Uint8Array(KEY_BYTES), new Uint8Array(KEY_BYTES)];
  /** Until when each rx slot is usable (ms; 0 = empty). */
  readonly rxValidUntil = [0, 0];
  keyStartedMs = 0;
  packetsUnderKey = 0;
  /** Rekey in progress: the phase being introduced, or -1. */
  rekeyPhase = -1;
  /** Client side: the tx key to switch to once the server uses the new phase. */
  readonly pendingTxKey = new Uint8Array(KEY_BYTES);
  pendingTxPhase = -1;
  rekeys = 0;
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
  private readonly budget: Budget = { bytes: 0, limited: false, nowMs: 0, rtoMs: 0 };
  private readonly onLost = (_seq: number) => this.rtt.packetLost();
  private readonly onEntryAcked = (entry: number) => {
    const channel = entry & BLOCK_CHANNEL_MASK;
    const id16 = entry >>> 11;
    const rel = this.reliable[channel];
    if (rel) rel.onAck((entry >>> 3) & 0xff, id16);
    else this.unreliable[channel]?.onAck(id16);
  };

  constructor(
    id: number,
    host: ConnectionHost,
    channels: readonly ResolvedChannel[],
    options: { timeoutMs: number; rekeyIntervalMs?: number; keepaliveMs?: number; congestion?: Partial<CongestionOptions> },
  ) {
    this.id = id;
    this.host_ = host;
    this.channels = channels;
    this.timeoutMs = options.timeoutMs;
    this.rekeyIntervalMs = options.rekeyIntervalMs ?? DEFAULT_REKEY_INTERVAL_MS;
    this.keepaliveMs = options.keepaliveMs ?? KEEPALIVE_MS;
    this.time = host.time;
    this.sent = new SentPackets(host.time);
    this.rtt = new RttEstimator(host.time);
    this.reassembler = new Reassembler(host.time);
    this.congestion = new CongestionController(host.time, options.congestion);
    for (const c of channels) {
      if (c.reliable) this.reliable[c.index] = new ReliableChannel(c, this);
      else this.unreliable[c.index] = new UnreliableChannel(c, this, host.staging);
    }
    this.reliable[CONTROL_CHANNEL] = new ReliableChannel(resolveChannel(CONTROL_CHANNEL_CONFIG, CONTROL_CHANNEL), this);
    // Control first, then application channels by priority class, then by index.
    const app = channels.map((c) => c.index).sort((a, b) => channels[a]!.priority - channels[b]!.priority || a - b);
    this.order = [CONTROL_CHANNEL, ...app];
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
    const unr = this.unreliable[channel];
    if (!unr) throw new InvalidArgumentError(`channel ${channel} is not an unreliable channel`);
    if (this.state !== 'connected') {
      this.messageDropped(MESSAGE_DROP.not_connected);
      return -1;
    }
    if (unr.queuedBytes + length > MAX_UNRELIABLE_QUEUED_BYTES) {
      this.messageDropped(MESSAGE_DROP.over_budget);
      return -1;
    }
    this.messagesOut++;
    return unr.enqueue(null, stagingOff, length);
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
    let reliableQueued = 0;
    for (const r of this.reliable) if (r) reliableQueued += r.pending;
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
      reliableQueued,
      reassemblyBytes: this.reassembler.bytes,
    };
  }

  // ---- endpoint-facing ----------------------------------------------------------------------

  private queue(channel: number, bytes: Uint8Array, borrowed: boolean): number {
    const config = this.channels[channel];
    if (config === undefined) throw new InvalidArgumentError(`channel ${channel} does not exist (this connection has ${this.channels.length})`);
    if (bytes.length > config.maxMessageBytes) {
      throw new InvalidArgumentError(`message of ${bytes.length} bytes exceeds channel ${channel}'s limit of ${config.maxMessageBytes}`);
    }
    if (config.reliable) {
      if (this.state === 'closed') return -1;
      const id = this.reliable[channel]!.enqueue(borrowed ? bytes : bytes.slice());
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
    const unr = this.unreliable[channel]!;
    if (unr.queuedBytes + bytes.length > MAX_UNRELIABLE_QUEUED_BYTES) {
      this.messageDropped(MESSAGE_DROP.over_budget);
      return -1;
    }
    this.messagesOut++;
    return borrowed ? unr.enqueue(bytes, 0, bytes.length) : unr.enqueue(null, this.host_.staging.stage(bytes), bytes.length);
  }

  /** Queues a control message (ACCEPT, REKEY, REKEY_ACK). */
  sendControl(bytes: Uint8Array): void {
    if (this.reliable[CONTROL_CHANNEL]!.enqueue(bytes) < 0) this.host_.overflow(this);
  }

  /**
   * Binds the connection to a (new) link with fresh session keys and resets the packet layer.
   * `tier` decides what the channels keep: Resume keeps everything (unacked reliable messages
   * are resent at once), Resync and New start every channel over.
   */
  bindLink(transport: Transport, host: string, port: number, link: object | null, keys: { rx: Uint8Array; tx: Uint8Array; rxSalt: Uint8Array; txSalt: Uint8Array }, tier: SessionTier): void {
    const nowMs = this.time.nowMs;
    this.transport = transport;
    this.host = host;
    this.port = port;
    this.link = link;
    this.txKey.set(keys.tx);
    this.rxKeys[0].set(keys.rx);
    this.rxKeys[1].fill(0);
    this.rxValidUntil[0] = Infinity;
    this.rxValidUntil[1] = 0;
    this.txPhase = 0;
    this.txSalt.set(keys.txSalt);
    this.rxSalt.set(keys.rxSalt);
    this.keyStartedMs = nowMs;
    this.packetsUnderKey = 0;
    this.rekeyPhase = -1;
    this.pendingTxPhase = -1;
    this.nextSeq = 0;
    this.replay.reset();
    this.sent.reset();
    this.rtt.reset();
    this.congestion.reset();
    this.newestAcked = -1;
    this.unackedReceived = 0;
    this.lastRecvMs = nowMs;
    this.lastSentMs = nowMs - this.keepaliveMs;
    this.disconnectReason = 0;
    this.disconnectRepeats = 0;
    this.accepted = false;
    this.reliable[CONTROL_CHANNEL]!.reset();
    this.applyTier(tier);
    this.state = 'connected';
  }

  /** Applies a reconnect tier to the application channels. */
  applyTier(tier: SessionTier): void {
    for (const c of this.channels) {
      if (tier === SessionTier.Resume) {
        this.reliable[c.index]?.resendAll();
        this.unreliable[c.index]?.discardQueued(MESSAGE_DROP.not_connected);
      } else {
        this.reliable[c.index]?.reset();
        this.unreliable[c.index]?.reset();
      }
    }
    if (tier !== SessionTier.Resume) this.reassembler.clear();
  }

  /** The link is gone; the session waits (parked) for the client to come back. */
  park(): void {
    this.state = 'parked';
    this.accepted = false;
    this.transport = null;
    this.link = null;
    for (const c of this.channels) this.unreliable[c.index]?.discardQueued(MESSAGE_DROP.not_connected);
    this.reassembler.clear();
  }

  close(): void {
    this.state = 'closed';
    this.transport = null;
    this.link = null;
    for (let i = 0; i < this.reliable.length; i++) this.reliable[i]?.reset();
    for (let i = 0; i < this.unreliable.length; i++) this.unreliable[i]?.reset();
    this.reassembler.clear();
    this.txKey.fill(0);
    this.rxKeys[0].fill(0);
    this.rxKeys[1].fill(0);
    this.pendingTxKey.fill(0);
  }

  /** Sends DISCONNECT_REPEATS packets carrying a DISCONNECT block with `reason`, now. */
  sendDisconnect(reason: number): void {
    if (this.state !== 'connected' || this.transport === null) return;
    this.disconnectReason = reason;
    this.disconnectRepeats = DISCONNECT_REPEATS;
    while (this.disconnectRepeats > 0) this.sendPacket(false);
  }

  /** Installs an rx key in `phase` (rekey) and keeps the other phase usable for a grace period. */
  installRxKey(phase: number, key: Uint8Array): void {
    const nowMs = this.time.nowMs;
    this.rxKeys[phase]!.set(key);
    this.rxValidUntil[phase] = Infinity;
    const other = phase ^ 1;
    if (this.rxValidUntil[other]! > nowMs + REKEY_GRACE_MS) this.rxValidUntil[other] = nowMs + REKEY_GRACE_MS;
  }

  switchTxKey(phase: number, key: Uint8Array): void {
    this.txKey.set(key);
    this.txPhase = phase;
    this.keyStartedMs = this.time.nowMs;
    this.packetsUnderKey = 0;
    this.rekeys++;
  }

  /** Server side: whether this connection should start a rekey now. */
  needsRekey(): boolean {
    return this.accepted && this.rekeyPhase < 0 && (this.time.nowMs - this.keyStartedMs >= this.rekeyIntervalMs || this.packetsUnderKey >= REKEY_AFTER_PACKETS);
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
    if (!(this.rxValidUntil[phase]! > nowMs)) return PACKET_DROP.key_phase;
    const seq = reconstructSequence(readU32(b, 4), this.replay.newest + 1);
    if (!io.open(length, this.rxKeys[phase], this.rxSalt, seq)) return PACKET_DROP.decrypt_failed;
    if (!this.replay.check(seq)) return PACKET_DROP.replayed;
    const end = length - MAC_BYTES;
    const verdict = this.validate(b, end);
    if (verdict >= 0) return verdict;
    this.replay.mark(seq);
    if (seq === this.replay.newest) this.newestRecvAtMs = nowMs;
    this.lastRecvMs = nowMs;
    this.packetsIn++;
    this.bytesIn += length;
    if ((b[0]! & PREFIX_ACK_PRESENT) !== 0) this.processAcks(b);
    if (this.pendingTxPhase === phase) {
      // The server sends under the new phase: it holds the new keys, so switch ours.
      this.switchTxKey(phase, this.pendingTxKey);
      this.pendingTxPhase = -1;
    }
    // Only packets that carry blocks need a prompt ack (QUIC's ack-eliciting packets); an empty
    // keep-alive is acked by whatever leaves next, so idle links stay at 10 packets a second.
    if (end > DATA_HEADER_BYTES && this.unackedReceived++ === 0) this.firstUnackedAtMs = nowMs;
    this.apply(b, end);
    if (this.unackedReceived >= ACK_EVERY_PACKETS && this.state === 'connected') this.sendPacket(false);
    return -1;
  }

  /** Checks every block of the payload without side effects: -1 or a PACKET_DROP index. */
  private validate(b: Uint8Array, end: number): number {
    let p = DATA_HEADER_BYTES;
    while (p < end) {
      const block = b[p]!;
      if ((block & BLOCK_RESERVED_MASK) !== 0) return PACKET_DROP.malformed;
      const kind = block >>> BLOCK_KIND_SHIFT;
      const channel = block & BLOCK_CHANNEL_MASK;
      if (kind === BLOCK_DISCONNECT) {
        if (channel !== 0 || p + 2 > end) return PACKET_DROP.malformed;
        p += 2;
        continue;
      }
      const config = channel === CONTROL_CHANNEL ? this.reliable[CONTROL_CHANNEL]!.config : this.channels[channel];
      if (config === undefined) return PACKET_DROP.malformed;
      if (kind === BLOCK_MESSAGE) {
        if (p + MESSAGE_BLOCK_HEADER_BYTES > end) return PACKET_DROP.malformed;
        const length = readU16(b, p + 3);
        if (p + MESSAGE_BLOCK_HEADER_BYTES + length > end || length > config.maxMessageBytes) return PACKET_DROP.malformed;
        if (config.reliable) {
          const v = this.reliable[channel]!.validate(readU16(b, p + 1), false, 0);
          if (v !== null) return PACKET_DROP[v];
        }
        p += MESSAGE_BLOCK_HEADER_BYTES + length;
      } else if (kind === BLOCK_FRAGMENT) {
        if (p + FRAGMENT_BLOCK_HEADER_BYTES > end) return PACKET_DROP.malformed;
        const count = b[p + 3]!;
        const index = b[p + 4]!;
        const length = readU16(b, p + 5);
        if (p + FRAGMENT_BLOCK_HEADER_BYTES + length > end) return PACKET_DROP.malformed;
        if (!fragmentHeaderValid(count, index, length, config.maxMessageBytes)) return PACKET_DROP.malformed;
        const id16 = readU16(b, p + 1);
        if (config.reliable) {
          const v = this.reliable[channel]!.validate(id16, true, count);
          if (v !== null) return PACKET_DROP[v];
        } else if (!this.unreliable[channel]!.fragmentConsistent(id16, count, this.reassembler)) return PACKET_DROP.malformed;
        p += FRAGMENT_BLOCK_HEADER_BYTES + length;
      } else return PACKET_DROP.malformed;
    }
    return -1;
  }

  private apply(b: Uint8Array, end: number): void {
    let p = DATA_HEADER_BYTES;
    let disconnect = -1;
    while (p < end && this.state !== 'closed') {
      const block = b[p]!;
      const kind = block >>> BLOCK_KIND_SHIFT;
      const channel = block & BLOCK_CHANNEL_MASK;
      if (kind === BLOCK_DISCONNECT) {
        disconnect = b[p + 1]!;
        p += 2;
        continue;
      }
      const id16 = readU16(b, p + 1);
      if (kind === BLOCK_MESSAGE) {
        const length = readU16(b, p + 3);
        const off = p + MESSAGE_BLOCK_HEADER_BYTES;
        const rel = this.reliable[channel];
        if (rel) rel.receiveMessage(id16, b, off, length);
        else this.unreliable[channel]!.receiveMessage(id16, b, off, length, this.reassembler);
        p = off + length;
      } else {
        const count = b[p + 3]!;
        const index = b[p + 4]!;
        const length = readU16(b, p + 5);
        const off = p + FRAGMENT_BLOCK_HEADER_BYTES;
        const rel = this.reliable[channel];
        if (rel) rel.receiveFragment(id16, count, index, b, off, length);
        else this.unreliable[channel]!.receiveFragment(id16, count, index, b, off, length, this.reassembler);
        p = off + length;
      }
    }
    if (disconnect >= 0 && this.state !== 'closed') this.host_.peerDisconnected(this, disconnect);
  }

  /** Reads the ack fields of the DATA header in `b`. */
  private processAcks(b: Uint8Array): void {
    if (this.nextSeq === 0) return;
    const ack = reconstructSequence(readU32(b, 8), this.nextSeq - 1);
    if (ack >= this.nextSeq) return;
    const sent = this.sent;
    if (sent.ack(ack, this.onEntryAcked)) {
      this.rtt.packetAcked();
      this.rtt.sampleAck(sent, readU16(b, 2));
      sent.lossTimeoutMs = this.lossTimeoutMs;
    }
    const bits = readU32(b, 12);
    for (let i = 0; i < ACK_BITS; i++) {
      if ((bits & (1 << i)) === 0) continue;
      const seq = ack - 1 - i;
      if (seq >= 0 && sent.ack(seq, this.onEntryAcked)) this.rtt.packetAcked();
    }
    if (ack > this.newestAcked) this.newestAcked = ack;
    sent.detectLosses(this.newestAcked, this.onLost);
  }

  /** Before the first RTT sample a packet gets a second (TCP's initial RTO), after it 2 RTT
   * plus the peer's longest ack delay. */
  private get lossTimeoutMs(): number {
    return this.rtt.samples === 0 ? 1000 : Math.max(250, 2 * this.rtt.srttMs + 100);
  }

  /**
   * Timers: returns DisconnectReason.Timeout if nothing arrived for timeoutMs, else None.
   * Expires reassembly groups and settles lost packets.
   */
  tick(): number {
    if (this.state !== 'connected') return DisconnectReason.None;
    if (this.time.nowMs - this.lastRecvMs > this.timeoutMs) return DisconnectReason.Timeout;
    if (this.reassembler.groupCount > 0) {
      const expired = this.reassembler.expire();
      for (let i = 0; i < expired; i++) this.messageDropped(MESSAGE_DROP.reassembly_timeout);
    }
    this.sent.lossTimeoutMs = this.lossTimeoutMs;
    this.sent.detectLosses(this.newestAcked, this.onLost);
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
    budget.nowMs = this.time.nowMs;
    budget.rtoMs = this.rtt.rtoMs;
    for (let i = 0; i < this.reliable.length; i++) this.reliable[i]?.beginFlush();
    for (let n = 0; n < MAX_PACKETS_PER_FLUSH; n++) {
      if (!this.sendPacket(true)) break;
    }
    for (let i = 0; i < this.unreliable.length; i++) this.unreliable[i]?.endFlush();
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
    this.sent.begin(seq, this.onLost);
    w.begin(seq, this.sent);
    let more = false;
    if (this.disconnectRepeats > 0) {
      w.writeDisconnect(this.disconnectReason);
      this.disconnectRepeats--;
    } else if (withData) {
      const budget = this.budget;
      const congestion = this.congestion;
      for (let i = 0; i < this.order.length; i++) {
        const ci = this.order[i]!;
        if (ci !== CONTROL_CHANNEL && !this.accepted) break;
        const priority = ci === CONTROL_CHANNEL ? 0 : this.channels[ci]!.priority;
        budget.limited = priority !== 0;
        const allowed = priority === 0 || congestion.allows(priority);
        const rel = this.reliable[ci];
        if (rel) {
          if (allowed && rel.write(w, budget) === WRITE_FULL) more = true;
        } else {
          const unr = this.unreliable[ci]!;
          if (unr.hasQueued && unr.write(w, budget, allowed) === WRITE_FULL) more = true;
        }
      }
    }
    const payloadBytes = w.payloadBytes;
    if (payloadBytes === 0 && withData) {
      const ackDue = this.unackedReceived > 0 && (nowMs - this.firstUnackedAtMs >= ACK_DELAY_MAX_MS || this.unackedReceived >= ACK_EVERY_PACKETS);
      if (!ackDue && nowMs - this.lastSentMs < this.keepaliveMs) {
        this.sent.cancel(seq);
        return false;
      }
    }
    this.writeHeader(w.buf, seq);
    const packet = io.seal(payloadBytes, this.txKey, this.txSalt, seq);
    this.nextSeq = seq + 1;
    this.sent.finish(seq, packet.length);
    this.packetsOut++;
    this.packetsUnderKey++;
    this.bytesOut += packet.length;
    this.congestion.consume(packet.length);
    this.lastSentMs = nowMs;
    this.unackedReceived = 0;
    this.host_.transmit(this, packet);
    return more;
  }

  private writeHeader(b: Uint8Array, seq: number): void {
    const nowMs = this.time.nowMs;
    const hasAck = this.replay.newest >= 0;
    b[0] = PACKET_DATA | (this.txPhase === 1 ? PREFIX_KEY_PHASE : 0) | (hasAck ? PREFIX_ACK_PRESENT : 0);
    b[1] = PROTOCOL_VERSION;
    const delayUnits = hasAck ? Math.min(MAX_ACK_DELAY_UNITS, Math.round(((nowMs - this.newestRecvAtMs) * 1000) / ACK_DELAY_UNIT_US)) : 0;
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
