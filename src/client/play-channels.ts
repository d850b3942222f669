// The channels of the demo's play session, shared by the server and every client (both ends
// list the same channels in the same order; each carries traffic both ways).
//
// | index | kind                 | priority | server -> client               | client -> server |
// |     0 | reliable-ordered     | critical | JOIN, STATE parts, HASH, a     | PLAY, RESYNC     |
// |       |                      |          | spectator's CONFIRMED inputs   |                  |
// |     1 | unreliable-sequenced | critical | a player's CONFIRMED inputs    | INPUT            |
//
// Channel 1 needs no retransmission: every CONFIRMED repeats the frames the client has not
// acknowledged and every INPUT the inputs the server has not, so the newest message supersedes
// the older ones (sequenced: a stale one is dropped). Spectators send no inputs, hence no
// acknowledgements, so their confirmed inputs go on the reliable channel, each frame once.
// Both are critical: a few hundred bytes a tick that the game cannot run without, sent whatever
// the congestion budget. Interest-managed snapshots come next as channel 2 (unreliable-sequenced,
// high priority), sized to each connection's budgetBytes().

import type { ChannelConfig } from '../net/channel.js';

export const PLAY_RELIABLE_CHANNEL = 0;
export const PLAY_INPUT_CHANNEL = 1;

export const PLAY_CHANNELS: readonly ChannelConfig[] = Object.freeze([
  { kind: 'reliable-ordered', priority: 'critical' },
  { kind: 'unreliable-sequenced', priority: 'critical' },
]);
