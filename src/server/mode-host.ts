// What a game mode gives the server: the world it steps (which the spatial index and interest
// management read), its network handlers, and its part of each tick. GameServer runs either
//   world mode (WorldHost, the default): one authoritative world, any number of players, each
//     predicting its own avatar against its interest-managed view; or
//   arena mode (PlayHost, --mode arena): a lockstep-rollback room of at most 64 players who all
//     simulate the whole world from everyone's confirmed inputs.
// Per tick: tick() (inputs in, step), the spatial update, publish() (what the mode sends each
// connection), interest snapshots, one network flush.

import type { World } from '../core/world.js';
import type { DisconnectReason } from '../net/spec.js';
import type { ClientLink } from './client-link.js';
import type { LinkHandlers } from './net-workers.js';

export type ServerMode = 'world' | 'arena';
export const SERVER_MODES: readonly ServerMode[] = ['world', 'arena'];

export interface ModeHost {
  readonly mode: ServerMode;
  readonly world: World;
  /** Connections playing (with an avatar). */
  readonly players: number;
  handlers(): LinkHandlers;
  /** How the host ends a session (a kick), whichever thread owns the link. */
  attach(kick: (link: ClientLink, reason: DisconnectReason) => void): void;
  tick(): void;
  publish(): void;
  /** Payload bytes queued for clients since the last call. */
  takeBytesQueued(): number;
  /** The avatar slot a connection plays, or -1. */
  avatarSlotOf(link: ClientLink): number;
  health(): Record<string, unknown>;
  playerInfo(): unknown[];
}
