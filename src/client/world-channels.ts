// The channels of the demo world stream, shared by the server and every client (they must
// list the same channels in the same order). HELLO and HASH must all arrive, in order, for the
// lockstep check; STATE is a snapshot that the next one replaces, so a late one is worthless.
//
// | index | kind                 | priority | carries                                    |
// |     0 | reliable-ordered     | critical | HELLO (on connect and resync), HASH        |
// |     1 | unreliable-sequenced | high     | STATE (fragmented: 2,000 NPCs are 32 KB)   |
//
// Interest management replaces STATE with per-client snapshots on channel 1, sized to each
// connection's budgetBytes(); HELLO and HASH stay as they are.

import type { ChannelConfig } from '../net/channel.js';

export const WORLD_RELIABLE_CHANNEL = 0;
export const WORLD_STATE_CHANNEL = 1;

export const WORLD_CHANNELS: readonly ChannelConfig[] = Object.freeze([
  { kind: 'reliable-ordered', priority: 'critical' },
  { kind: 'unreliable-sequenced', priority: 'high' },
]);
