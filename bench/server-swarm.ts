// The socketless server bench's clients: thousands of lightweight world-mode players in the
// bench's own thread, each a real NetClient (its own keys, sealed packets, acks) over the ring
// transport into one network worker, but with no simulation of its own: it reads its avatar's
// position from OWN, acknowledges every snapshot it receives (as a client that applies them
// all would), and moves by its archetype (src/world/archetypes.ts). Like WorldClient, it decides
// an input every frame and sends every SEND_EVERY_FRAMES frames (at once when its fire button
// changes) one INPUT with the newest 16 inputs the server has not applied and, in the same
// packet, its snapshot acknowledgements. Its work happens between the server's ticks and is not
// part of what the bench times.

import { NetClient } from '../src/net/client.js';
import type { NetCrypto } from '../src/net/crypto.js';
import type { Transport } from '../src/net/transport.js';
import { PLAY_CHANNELS, INTEREST_SNAPSHOT_CHANNEL, WORLD_RELIABLE_CHANNEL, WORLD_STATE_CHANNEL } from '../src/client/play-channels.js';
import {
  decodeWorldJoin, encodeWorldHello, INPUT_HEADER_BYTES, MAX_INPUTS_PER_MESSAGE, MSG_WORLD_INPUT, MSG_WORLD_JOIN, MSG_WORLD_OWN, WIRE_BUTTON_FIRE, WIRE_INPUT_BYTES, writeWireInput, type WireInput,
} from '../src/codec/world-messages.js';
import { MSG_SNAPSHOT } from '../src/codec/snapshot-spec.js';
import { MSG_INTEREST_ACK } from '../src/codec/interest-setup.js';
import { SessionTier } from '../src/net/spec.js';
import { SEND_EVERY_FRAMES } from '../src/client/world-client.js';

/** What moves a bench player: a move vector in [-127, 127] and an aim, from where it stands. */
export interface SwarmBrain {
  hub(player: number): number;
  input(player: number, x: number, y: number, tick: number, out: { moveX: number; moveY: number; aim: number; fire: boolean }): void;
}

const HISTORY = 64;

export class SwarmPlayer {
  readonly net: NetClient;
  readonly index: number;
  joined = false;
  x = 0;
  y = 0;
  private newest = 0;
  private acked = 0;
  private readonly inputs = new Uint8Array(HISTORY * WIRE_INPUT_BYTES);
  private readonly wire: WireInput = { moveX: 0, moveY: 0, buttons: 0, aim: 0, viewTick: 0, viewFraction: 0 };
  private readonly message = new Uint8Array(INPUT_HEADER_BYTES + MAX_INPUTS_PER_MESSAGE * WIRE_INPUT_BYTES);
  private readonly ackMessage = new Uint8Array(2 + 4 * 16);
  private ackCount = 0;
  private lastSeq = -1;
  private readonly decided = { moveX: 0, moveY: 0, aim: 0, fire: false };
  private unsentFrames = 0;
  private sentFire = false;

  constructor(index: number, crypto: NetCrypto, private readonly brain: SwarmBrain) {
    this.index = index;
    this.net = new NetClient({
      crypto,
      channels: PLAY_CHANNELS,
      handlers: {
        connect: (tier) => {
          if (tier !== SessionTier.Resume) this.net.send(WORLD_RELIABLE_CHANNEL, encodeWorldHello({ mode: 'play', hub: brain.hub(index) }));
        },
        message: (channel, bytes) => this.receive(channel, bytes),
      },
    });
  }

  connect(token: Uint8Array, transport: Transport): void {
    this.net.connect(token, transport, 'ring', 0);
  }

  private receive(_channel: number, bytes: Uint8Array): void {
    const type = bytes[0];
    if (type === MSG_WORLD_OWN) {
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.acked = Math.max(this.acked, v.getUint32(8, true));
      this.x = v.getInt32(12, true) / 65536;
      this.y = v.getInt32(16, true) / 65536;
    } else if (type === MSG_SNAPSHOT) {
      const seq = snapshotSeq(bytes, this.lastSeq);
      if (seq >= 0 && this.ackCount < 16) {
        this.lastSeq = seq;
        new DataView(this.ackMessage.buffer).setUint32(2 + 4 * this.ackCount++, seq >>> 0, true);
      }
    } else if (type === MSG_WORLD_JOIN) {
      const join = decodeWorldJoin(bytes);
      this.newest = this.acked = join.lastAppliedSeq;
      this.joined = true;
    }
  }

  /** One frame of the player: its input, its acks, then its packet out. */
  frame(tick: number, nowMs: number): void {
    if (this.joined) {
      const d = this.decided;
      this.brain.input(this.index, this.x, this.y, tick, d);
      const seq = ++this.newest;
      const o = (seq % HISTORY) * WIRE_INPUT_BYTES;
      const w = this.wire;
      w.moveX = d.moveX;
      w.moveY = d.moveY;
      w.buttons = d.fire ? WIRE_BUTTON_FIRE : 0;
      w.aim = d.aim;
      writeWireInput(w, this.inputs, o);
      this.unsentFrames++;
      if (this.unsentFrames >= SEND_EVERY_FRAMES || d.fire !== this.sentFire) this.send(nowMs);
    }
    this.net.update(nowMs);
  }

  /** One packet: the INPUT (every input the server has not applied, at most 16) and the acks. */
  private send(nowMs: number): void {
    this.unsentFrames = 0;
    this.sentFire = this.decided.fire;
    const r = this.inputs;
    const count = Math.min(MAX_INPUTS_PER_MESSAGE, this.newest - this.acked, HISTORY);
    const first = this.newest - count + 1;
    const m = this.message;
    m[0] = MSG_WORLD_INPUT;
    m[1] = count;
    new DataView(m.buffer).setUint32(2, first, true);
    for (let k = 0; k < count; k++) {
      const from = ((first + k) % HISTORY) * WIRE_INPUT_BYTES;
      m.set(r.subarray(from, from + WIRE_INPUT_BYTES), INPUT_HEADER_BYTES + k * WIRE_INPUT_BYTES);
    }
    this.net.send(WORLD_STATE_CHANNEL, m.subarray(0, INPUT_HEADER_BYTES + count * WIRE_INPUT_BYTES));
    if (this.ackCount > 0) {
      this.ackMessage[0] = MSG_INTEREST_ACK;
      this.ackMessage[1] = this.ackCount;
      this.net.send(INTEREST_SNAPSHOT_CHANNEL, this.ackMessage.subarray(0, 2 + 4 * this.ackCount));
      this.ackCount = 0;
    }
    this.net.flush(nowMs);
  }
}

/**
 * The seq of a SNAPSHOT (snapshot-spec.ts: after the type byte, LSB-first bits: version 3,
 * handle bits 5, full header 1, then seq as 32 bits or its low 16 rebuilt from `newest`).
 */
export function snapshotSeq(bytes: Uint8Array, newest: number): number {
  if (bytes.byteLength < 6) return -1;
  const bits = (at: number, n: number) => {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const b = at + i;
      v += ((bytes[1 + (b >> 3)]! >> (b & 7)) & 1) * 2 ** i;
    }
    return v;
  };
  const full = bits(8, 1) === 1;
  if (full) return bits(9, 32);
  const low = bits(9, 16);
  if (newest < 0) return -1;
  let seq = newest - (newest & 0xffff) + low;
  if (seq < newest - 0x8000) seq += 0x10000;
  return seq;
}
