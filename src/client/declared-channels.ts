// The channels of a declared game's session (declared-client.ts, src/server/declared-server.ts);
// both ends list them in this order.
// | index | kind                 | priority | server -> client | client -> server                 |
// |     0 | reliable-ordered     | critical | GAME JOIN        | (nothing)                        |
// |     1 | unreliable-sequenced | critical | (nothing)        | GAME INPUT (the newest inputs)   |
// |     2 | unreliable-sequenced | high     | GAME SNAPSHOT    | GAME ACK (the newest decoded)    |
// |     3 | reliable-ordered     | medium   | EVENT (the game's| (nothing)                        |
// |       |                      |          | events in range) |                                  |
// A client may send at most the largest message of its own protocol on each channel: anything
// bigger is dropped by the network layer before it is held or decoded.

import type { ChannelConfig } from '../net/channel.js';
import { GAME_ACK_BYTES, GAME_INPUT_HEADER_BYTES, MAX_GAME_INPUTS } from '../codec/declared-messages.js';
import { EVENT_HEADER_BYTES } from '../codec/broadcast-event.js';
import { PAYLOAD_MAX } from '../codec/snapshot-spec.js';

export const DECLARED_JOIN_CHANNEL = 0;
export const DECLARED_INPUT_CHANNEL = 1;
export const DECLARED_SNAPSHOT_CHANNEL = 2;
export const DECLARED_EVENT_CHANNEL = 3;
/**
 * Events a player's connection holds unacknowledged: past them, more are dropped (counted) rather
 * than held, so a client that stops acknowledging pins a bounded amount.
 */
export const DECLARED_EVENT_QUEUE = 256;

/** The channels for a game whose input record takes `inputBytes`. */
export function declaredChannels(inputBytes: number): readonly ChannelConfig[] {
  return Object.freeze([
    { kind: 'reliable-ordered', priority: 'critical', maxClientMessageBytes: 1 },
    { kind: 'unreliable-sequenced', priority: 'critical', maxClientMessageBytes: GAME_INPUT_HEADER_BYTES + MAX_GAME_INPUTS * inputBytes },
    { kind: 'unreliable-sequenced', priority: 'high', maxClientMessageBytes: GAME_ACK_BYTES },
    // Events yield to snapshots under congestion (medium: held back in an emergency, resent after).
    { kind: 'reliable-ordered', priority: 'medium', maxClientMessageBytes: 1, maxServerMessageBytes: EVENT_HEADER_BYTES + PAYLOAD_MAX, queueMessages: DECLARED_EVENT_QUEUE },
  ]);
}
