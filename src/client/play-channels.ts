// The channels of the demo, shared by the server and every client (both ends list the same
// channels in the same order; each carries traffic both ways). Both modes use the same four:
//
// World mode (the default; src/world, world-messages.ts):
// | index | kind                 | priority | server -> client               | client -> server |
// |     0 | reliable-ordered     | critical | JOIN                           | HELLO            |
// |     1 | unreliable-sequenced | critical | OWN (the avatar's state and    | INPUT (the newest|
// |       |                      |          | last applied input, each tick) | unapplied inputs)|
// |     2 | unreliable-sequenced | high     | interest SNAPSHOTs             | INTEREST_ACK     |
// |     3 | reliable-ordered     | high     | CODEC_PARAMS, INTEREST_SETUP,  | INTEREST_VIEWER  |
// |       |                      |          | reliable EVENTs                | (watching)       |
//
// Arena mode (--mode arena, the rollback session):
// | index | kind                 | priority | server -> client               | client -> server |
// |     0 | reliable-ordered     | critical | JOIN, STATE parts, HASH, a     | PLAY, RESYNC     |
// |       |                      |          | spectator's CONFIRMED inputs   |                  |
// |     1 | unreliable-sequenced | critical | a player's CONFIRMED inputs    | INPUT            |
// |     2 | unreliable-sequenced | high     | interest SNAPSHOTs             |                  |
// |     3 | reliable-ordered     | high     | CODEC_PARAMS, INTEREST_SETUP,  | INTEREST_VIEWER  |
// |       |                      |          | reliable EVENTs                | (spectators)     |
//
// Channel 1 needs no retransmission: every CONFIRMED repeats the frames the client has not
// acknowledged and every INPUT the inputs the server has not, so the newest message supersedes
// the older ones (sequenced: a stale one is dropped). Spectators send no inputs, hence no
// acknowledgements, so their confirmed inputs go on the reliable channel, each frame once.
// Both are critical: a few hundred bytes a tick that the game cannot run without, sent whatever
// the congestion budget. Interest-managed snapshots are channel 2: each is a delta against what
// the client acknowledged, sized to the connection's budgetBytes(); a lost one is superseded by
// the next (sequenced), whose records the pipeline re-sends as their acks fail to arrive.
// Channel 3 carries what a client's snapshot view cannot do without: the codec parameters and
// the AoI geometry on every (re)join, and events that must arrive.
//
// What a client sends is tiny, so each channel accepts from clients only the largest message
// of the session's own protocol there (maxClientMessageBytes): anything bigger is dropped by
// the network layer before it is held or decoded, and the server's receive buffers for a
// connection stay a few KiB whatever the client does.

import type { ChannelConfig } from '../net/channel.js';
import { INTEREST_VIEWER_BYTES, MAX_ACKS_PER_MESSAGE } from '../codec/interest-setup.js';
import { PLAY_BYTES } from '../codec/play-messages.js';
import { CLIENT_INPUT_BYTES } from '../codec/rollback-input.js';
import { INPUT_HEADER_BYTES, MAX_INPUTS_PER_PACKET, RESYNC_MESSAGE_BYTES } from '../codec/rollback-messages.js';

export const PLAY_RELIABLE_CHANNEL = 0;
export const PLAY_INPUT_CHANNEL = 1;
export const INTEREST_SNAPSHOT_CHANNEL = 2;
export const INTEREST_RELIABLE_CHANNEL = 3;
/** World mode: HELLO and JOIN. */
export const WORLD_RELIABLE_CHANNEL = 0;
/** World mode: INPUT and OWN, superseding each other (sequenced), critical. */
export const WORLD_STATE_CHANNEL = 1;

/** Client -> server, per channel: PLAY or RESYNC; INPUT with the most inputs a packet repeats;
 * INTEREST_ACK (2 + 4 per snapshot) with the most acks; INTEREST_VIEWER. */
export const PLAY_CLIENT_MESSAGE_LIMITS = Object.freeze([
  Math.max(PLAY_BYTES, RESYNC_MESSAGE_BYTES),
  INPUT_HEADER_BYTES + MAX_INPUTS_PER_PACKET * CLIENT_INPUT_BYTES,
  2 + 4 * MAX_ACKS_PER_MESSAGE,
  INTEREST_VIEWER_BYTES,
] as const);

export const PLAY_CHANNELS: readonly ChannelConfig[] = Object.freeze([
  { kind: 'reliable-ordered', priority: 'critical', maxClientMessageBytes: PLAY_CLIENT_MESSAGE_LIMITS[0] },
  { kind: 'unreliable-sequenced', priority: 'critical', maxClientMessageBytes: PLAY_CLIENT_MESSAGE_LIMITS[1] },
  { kind: 'unreliable-sequenced', priority: 'high', maxClientMessageBytes: PLAY_CLIENT_MESSAGE_LIMITS[2] },
  { kind: 'reliable-ordered', priority: 'high', maxClientMessageBytes: PLAY_CLIENT_MESSAGE_LIMITS[3] },
]);
