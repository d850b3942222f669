// What a rollback-room client (DeclaredRoomClient, a declared game's room) does around their RollbackClient: each update runs the frames due and sends
// the newest inputs and any resync request at once; a spectator, which sends no inputs and so
// gets no acks to time its round trip, feeds its clock the link's RTT instead; each message is
// routed by type and channel (the JOIN is each client's own); a full state arrives in STATE_PART
// pieces and is handed over whole; a new session asks to PLAY or watch.

import { DecodeError } from '../core/errors.js';
import { SessionTier } from '../net/spec.js';
import { MSG_CONFIRMED, MSG_HASH } from '../codec/rollback-messages.js';
import { decodeStatePart, encodePlayMessage, MSG_STATE_PART, type PlayMode, type StateAssembler } from '../codec/play-messages.js';
import type { RollbackClient } from '../rollback/client-session.js';
import type { RollbackGame } from '../rollback/game.js';
import type { GameClient } from './game-client.js';
import { PLAY_INPUT_CHANNEL, PLAY_RELIABLE_CHANNEL } from './play-channels.js';

/** A spectator's clock is fed the link's RTT this often. */
const SPECTATOR_RTT_EVERY_MS = 250;

export class RollbackPump {
  private lastRttFeedMs = -Infinity;

  /**
   * Runs the frames `rb` has due by `nowMs` and queues what it has to send (its input packet when
   * `playing` and a frame ran, its resync request). Returns the frames run and whether anything
   * was queued (the caller flushes, after adding its own).
   */
  update(rb: RollbackClient<RollbackGame>, net: GameClient, playing: boolean, nowMs: number): { ran: number; sent: boolean } {
    if (!playing && nowMs - this.lastRttFeedMs >= SPECTATOR_RTT_EVERY_MS) {
      const rtt = net.net.connection.rttMs;
      if (rtt > 0) rb.timeSync.addRttSample(rtt);
      this.lastRttFeedMs = nowMs;
    }
    const ran = rb.update(nowMs);
    let sent = false;
    if (playing && ran > 0) {
      const packet = rb.takeInputPacket(nowMs);
      if (packet) sent = net.send(PLAY_INPUT_CHANNEL, packet) >= 0 || sent;
    }
    const resync = rb.takeResync();
    if (resync) sent = net.send(PLAY_RELIABLE_CHANNEL, resync) >= 0 || sent;
    return { ran, sent };
  }
}

/**
 * One STATE_PART for `rb`: added to `assembler`, and the whole STATE handed to `rb` once its last
 * part is in. Counts a refused part in drops.state_part, a part before any JOIN in before_join.
 * DecodeError for a malformed part.
 */
export function receiveStatePart(assembler: StateAssembler | undefined, rb: RollbackClient<RollbackGame> | undefined, bytes: Uint8Array, nowMs: number, drops: { state_part: number; before_join: number }): void {
  if (!assembler || !rb) {
    drops.before_join++;
    return;
  }
  const part = decodeStatePart(bytes);
  const rejected = assembler.rejected;
  const state = assembler.add(part);
  if (assembler.rejected !== rejected) drops.state_part++;
  if (state) rb.receive(state, nowMs);
}

/** A new session (or reset channels) says what it wants; a resumed one keeps its seat (the server sends a new JOIN). */
export function askForSeat(net: GameClient, mode: PlayMode, tier: SessionTier): void {
  if (tier !== SessionTier.Resume) net.send(PLAY_RELIABLE_CHANNEL, encodePlayMessage(mode));
}

export type RoomMessageDrop = 'decode' | 'unknown_type' | 'wrong_channel' | 'state_part' | 'before_join';

/** What routeRoomMessage hands a message to: the client's rollback session, its state assembly, its JOIN. */
export interface RoomMessageTarget {
  readonly rollback: RollbackClient<RollbackGame> | undefined;
  readonly assembler: StateAssembler | undefined;
  readonly drops: Record<RoomMessageDrop, number>;
  /** The JOIN's type byte, and what the client does with one (it may throw DecodeError). */
  readonly joinType: number;
  join(bytes: Uint8Array): void;
}

/**
 * One message of a room's channels: CONFIRMED and HASH to the rollback session, the JOIN and the
 * STATE parts (reliable channel only) to the client. Anything else, or anything malformed, is a
 * counted drop, never an exception.
 */
export function routeRoomMessage(t: RoomMessageTarget, channel: number, bytes: Uint8Array, nowMs: number): void {
  const type = bytes.byteLength > 0 ? bytes[0] : -1;
  try {
    if (type === MSG_CONFIRMED || type === MSG_HASH) {
      if (t.rollback) t.rollback.receive(bytes, nowMs);
      else t.drops.before_join++;
    } else if (type === t.joinType || type === MSG_STATE_PART) {
      if (channel !== PLAY_RELIABLE_CHANNEL) t.drops.wrong_channel++;
      else if (type === t.joinType) t.join(bytes);
      else receiveStatePart(t.assembler, t.rollback, bytes, nowMs, t.drops);
    } else t.drops.unknown_type++;
  } catch (err) {
    if (!(err instanceof DecodeError)) throw err;
    t.drops.decode++;
  }
}
