// The records WorldHost keeps per connection and what it reports of them: a player's state
// (WorldPlayer), its row in GET /players (WorldPlayerInfo), and the host's counters.

import { FLAG_DEAD } from '../core/world-layout.js';
import type { ClientLink } from './client-link.js';
import type { WorldMode } from '../codec/world-messages.js';
import type { InputAuthority } from '../world/input-authority.js';
import type { AvatarColumns } from '../world/own-state.js';

export type WorldDropReason = 'unknown_connection' | 'wrong_channel' | 'unknown_type' | 'decode' | 'not_playing' | 'rate_limited' | 'world_full';

export interface WorldPlayer {
  readonly conn: ClientLink;
  /** Index into the input authority's per-player state. */
  readonly index: number;
  mode: WorldMode | undefined;
  slot: number;
  avatarId: number;
  /** Tick the link was lost at, or -1 while linked. */
  lostAtTick: number;
  away: boolean;
  joinedAtTick: number;
  lastHelloTick: number;
  /** Tick of its newest INPUT message (or of its JOIN or return, before any). */
  lastInputTick: number;
}

export interface WorldPlayerInfo {
  clientId: number;
  transport: string;
  rttMs: number;
  slot: number;
  avatarId: number;
  x: number;
  y: number;
  hp: number;
  dead: boolean;
  away: boolean;
  lastAppliedSeq: number;
  queuedInputs: number;
  joinedAtTick: number;
}

export interface WorldHostCounters {
  joins: number;
  avatarsSpawned: number;
  avatarsRemoved: number;
  awayMarked: number;
  resumed: number;
  ownSent: number;
  ownBytes: number;
  shots: number;
  /** Players whose avatars left the world after --idle-seconds without input (they watch now). */
  idleUnseated: number;
  drops: Record<WorldDropReason, number>;
}

/** `p`'s row in GET /players (`p` holds an avatar). */
export function worldPlayerInfo(p: WorldPlayer, c: AvatarColumns, authority: InputAuthority): WorldPlayerInfo {
  return {
    clientId: p.conn.clientId,
    transport: p.conn.transport?.name ?? 'none',
    rttMs: Math.round(p.conn.rttMs * 100) / 100,
    slot: p.slot,
    avatarId: p.avatarId,
    x: c.posX[p.slot]! / 65536,
    y: c.posY[p.slot]! / 65536,
    hp: c.hp[p.slot]!,
    dead: (c.flags[p.slot]! & FLAG_DEAD) !== 0,
    away: p.away,
    lastAppliedSeq: authority.lastAppliedOf(p.index),
    queuedInputs: authority.queuedOf(p.index),
    joinedAtTick: p.joinedAtTick,
  };
}
