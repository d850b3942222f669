// One connected player of a DeclaredServer (declared-server.ts) and its inputs: queued in order
// as they arrive (each input travels in a few messages; repeats are skipped, a value out of its
// declared range dropped), one handed to the game a tick.

import type { GameDeclaration } from '../core/game.js';
import { forEachGameInput } from '../codec/declared-messages.js';
import type { GameInput, GameInputCodec } from '../codec/game-input.js';
import type { ClientLink } from './client-link.js';
import type { DeclaredGameModule } from './declared-game.js';

export type DeclaredDropReason = 'decode' | 'input_range' | 'input_backlog' | 'wrong_channel' | 'join_failed' | 'no_spectators' | 'spectator_input';

export interface DeclaredSession<D extends GameDeclaration> {
  readonly link: ClientLink;
  readonly player: number;
  readonly avatar: number;
  /** The newest of its inputs the game has applied (-1 none), and how many it holds after that. */
  inputSeq: number;
  inputQueue: number;
  lastInputSeq: number;
  /** Inputs received and not yet handed to the game (one a tick), oldest first, and their seqs. */
  readonly inputs: GameInput<D>[];
  readonly inputSeqs: number[];
  /** Its client predicts and sends one input a tick (INPUT_STREAM): a tick without one applies none. */
  stream: boolean;
  /** A spectator's camera, metres (GAME WATCH; its avatar has left the game), or null: a player. */
  camera: { xM: number; yM: number } | null;
  /** The server tick its last GAME INPUT arrived at (its join's before the first): idle players leave. */
  lastInputTick: number;
}

/** Inputs a session may hold: a client further ahead loses its oldest (counted as input_backlog). */
const MAX_QUEUED_INPUTS = 8;
/**
 * A predicting client's stream (one input a tick) may hold more: a page that stalled sends up to
 * 8 ticks' inputs at once (its input clock's cap), and each input lost is a correction on it.
 */
const MAX_QUEUED_STREAM_INPUTS = 32;

/**
 * The players that sent no input for more than `idleTicks` ticks (a page whose tab stopped while
 * its connection lives on, a client stuck): each has its lastInputTick moved to now, so a player
 * whose disconnect is on its way (a network worker's) is not named again before it lands.
 * Spectators send no inputs and are never idle. A lost link is not idleness (the session is
 * parked, for the network layer to resume or end): its clock restarts, so a player that comes
 * back has its whole idle time again.
 */
export function takeIdle<D extends GameDeclaration>(sessions: Iterable<DeclaredSession<D>>, tick: number, idleTicks: number): DeclaredSession<D>[] {
  const idle: DeclaredSession<D>[] = [];
  for (const s of sessions) {
    if (s.link.state !== 'connected') {
      s.lastInputTick = tick;
      continue;
    }
    if (s.camera || tick - s.lastInputTick <= idleTicks) continue;
    s.lastInputTick = tick;
    idle.push(s);
  }
  return idle;
}

/** Queues the new inputs of a GAME INPUT message (DecodeError when it is malformed). */
export function queueInputs<D extends GameDeclaration>(s: DeclaredSession<D>, bytes: Uint8Array, codec: GameInputCodec<D>, drop: (reason: DeclaredDropReason) => void): void {
  s.stream = forEachGameInput(bytes, codec.bytes, (seq, offset) => {
    if (seq <= s.lastInputSeq) return; // a repeat (each input travels in a few messages)
    s.lastInputSeq = seq;
    if (codec.check(bytes, offset) !== null) return drop('input_range');
    s.inputs.push(codec.decode(bytes, offset));
    s.inputSeqs.push(seq);
    if (s.inputs.length > (s.stream ? MAX_QUEUED_STREAM_INPUTS : MAX_QUEUED_INPUTS)) {
      s.inputs.shift();
      s.inputSeqs.shift();
      drop('input_backlog');
    }
  });
}

/**
 * Hands the game the player's next input; with none queued it keeps its last one, or, for a
 * predicting client (whose tick without an input applies none), releases it. False for that
 * gap (an input the client sent and the server never had in time).
 */
export function applyNextInput<D extends GameDeclaration>(s: DeclaredSession<D>, module: DeclaredGameModule<D>): boolean {
  const input = s.inputs.shift();
  if (input) {
    module.input(s.avatar, input);
    s.inputSeq = s.inputSeqs.shift()!;
    s.inputQueue = s.inputs.length;
  } else if (s.stream) {
    s.inputQueue = 0;
    module.release?.(s.avatar);
    return false;
  }
  return true;
}
