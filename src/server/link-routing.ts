// Where a connection's events go on the demo server: the mode's host (arena seats or world
// avatars) gets every event and its game channels; interest management gets its two channels
// and follows every connection from the moment it connects until it drops. One table for the
// connections of this thread's NetServer and those the network workers own.

import type { LinkHandlers } from './net-workers.js';
import type { InterestHost } from './interest-host.js';
import { INTEREST_RELIABLE_CHANNEL, INTEREST_SNAPSHOT_CHANNEL } from '../client/play-channels.js';

/**
 * The server's link handlers: `mode`'s, with interest joined and left alongside them.
 * `interest()` is read per event (it is created after the handlers); `countChanged` runs after
 * every connect, interrupt and disconnect.
 */
export function routeLinks(mode: LinkHandlers, interest: () => InterestHost | undefined, countChanged: () => void): LinkHandlers {
  return {
    ...mode,
    connect: (conn, tier) => {
      mode.connect!(conn, tier);
      // Every (re)connection starts a fresh view, from the world's centre until its seat or its
      // camera says otherwise.
      interest()?.join(conn, { x: 0, y: 0 });
      countChanged();
    },
    interrupt: (conn, reason) => {
      mode.interrupt!(conn, reason);
      interest()?.leave(conn);
      countChanged();
    },
    disconnect: (conn, reason) => {
      mode.disconnect!(conn, reason);
      interest()?.leave(conn);
      countChanged();
    },
    message: (conn, channel, bytes) => {
      if (channel === INTEREST_RELIABLE_CHANNEL || channel === INTEREST_SNAPSHOT_CHANNEL) interest()?.receive(conn, channel, bytes);
      else mode.message!(conn, channel, bytes);
    },
  };
}
