// The channels of a rollback room (DeclaredRoomServer, DeclaredRoomClient), shared by the server
// and every client (both ends list the same channels in the same order; each carries traffic
// both ways):
//
// | index | kind                 | priority | server -> client               | client -> server |
// |     0 | reliable-ordered     | critical | JOIN, STATE parts, HASH, a     | PLAY, RESYNC     |
// |       |                      |          | spectator's CONFIRMED inputs   |                  |
// |     1 | unreliable-sequenced | critical | a player's CONFIRMED inputs    | INPUT            |
// |     2 | reliable-ordered     | high     | the game's EVENTs (its rules'  | nothing          |
// |       |                      |          | kill feed, from the server's   |                  |
// |       |                      |          | copy of the room)              |                  |
//
// Channel 1 needs no retransmission: every CONFIRMED repeats the frames the client has not
// acknowledged and every INPUT the inputs the server has not, so the newest message supersedes
// the older ones (sequenced: a stale one is dropped). Spectators send no inputs, hence no
// acknowledgements, so their confirmed inputs go on the reliable channel, each frame once.
// Both are critical: a few hundred bytes a tick that the game cannot run without, sent whatever
// the congestion budget. Channel 2 carries events that must arrive, in order.
//
// What a client sends is tiny, so each channel accepts from clients only the largest message
// of the session's own protocol there (maxClientMessageBytes; INPUT's depends on the game's
// input record, so a room's channels are roomChannels(its wire bytes)): anything bigger is
// dropped by the network layer before it is held or decoded, and the server's receive buffers for a
// connection stay a few KiB whatever the client does. A client sends nothing on channel 2: its
// limit is the least a channel may have (1 byte), and the room drops what arrives there.

import type { ChannelConfig } from '../net/channel.js';
import { PLAY_BYTES } from '../codec/play-messages.js';
import { INPUT_HEADER_BYTES, MAX_INPUTS_PER_PACKET, RESYNC_MESSAGE_BYTES } from '../codec/rollback-messages.js';

export const PLAY_RELIABLE_CHANNEL = 0;
export const PLAY_INPUT_CHANNEL = 1;
/** The game's events, server to client (reliable, ordered). */
export const ROOM_EVENT_CHANNEL = 2;

/** Client -> server, per channel: PLAY or RESYNC; INPUT with the most inputs a packet repeats; nothing. */
export function roomClientMessageLimits(wireInputBytes: number): readonly [number, number, number] {
  if (!Number.isInteger(wireInputBytes) || wireInputBytes < 1 || wireInputBytes > 1024) throw new RangeError(`a wire input is 1 to 1024 bytes, got ${wireInputBytes}`);
  return [Math.max(PLAY_BYTES, RESYNC_MESSAGE_BYTES), INPUT_HEADER_BYTES + MAX_INPUTS_PER_PACKET * wireInputBytes, 1];
}

const byWireBytes = new Map<number, readonly ChannelConfig[]>();

/** The channels of a room whose game's input is `wireInputBytes` on the wire (its format's wireBytes). */
export function roomChannels(wireInputBytes: number): readonly ChannelConfig[] {
  let channels = byWireBytes.get(wireInputBytes);
  if (!channels) {
    const limits = roomClientMessageLimits(wireInputBytes);
    channels = Object.freeze([
      { kind: 'reliable-ordered', priority: 'critical', maxClientMessageBytes: limits[0] },
      { kind: 'unreliable-sequenced', priority: 'critical', maxClientMessageBytes: limits[1] },
      { kind: 'reliable-ordered', priority: 'high', maxClientMessageBytes: limits[2] },
    ] as const);
    byWireBytes.set(wireInputBytes, channels);
  }
  return channels;
}

/** A room's channels for an 8-byte wire input (the arena shooter's): for tools and tests that speak to one. */
export const PLAY_CHANNELS: readonly ChannelConfig[] = roomChannels(8);
