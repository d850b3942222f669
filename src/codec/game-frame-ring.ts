// FrameRing: the last GAME_WINDOW frames of one client's stream (game-frames.ts), on the
// encoder's side (GameReplicator) and the decoder's (GameReplica): the acknowledged one and those
// sent since, the spare the next is built in, and a few released ones kept for reuse.

import type { Game } from '../core/game.js';
import { checkViewCapacity, GameFrame, GAME_WINDOW, type FrameMemory, type SizeHint } from './game-frames.js';

/**
 * Frames a ring keeps for reuse once released (release()), at least; it keeps as many as its
 * frames in use fell short of their recent peak, so that acknowledgements that come in bursts
 * (a jittery link: none for a few ticks, then several) reuse the frames they freed instead of
 * dropping them and making new ones a tick later (300 bots on a loaded machine made 1,000 to
 * 2,300 frames a second so, tens of megabytes of garbage).
 */
const KEEP_FREE = 2;
/**
 * Frames a ring keeps for reuse, at most: bursts of a few ticks' acknowledgements are what it is
 * for; a client whose acknowledgements lag by many ticks holds those frames in use anyway, and
 * keeping its peak's worth free after the lag passed held hundreds of megabytes for 300 bots
 * that lagged while joining.
 */
const KEEP_FREE_MAX = 6;
/** Commits over which the peak of frames in use is taken (two such spans are remembered: 2 to 4 s at 60 Hz). */
const PEAK_SPAN = 128;

/**
 * A ring of GAME_WINDOW frames plus a spare the next frame is built in. Frames older than the
 * acknowledged one are never a baseline again, so the encoder releases them (release()): a
 * client that acknowledges within a few ticks holds a few frames, not GAME_WINDOW of its view
 * (33 frames of 300 entities were 630 KB a player), and one whose acknowledgements lag holds
 * what the lag takes, up to the window. A released frame is kept for reuse (as many as the
 * frames in use fell short of their recent peak, from KEEP_FREE to KEEP_FREE_MAX) or dropped; one made anew
 * starts at the size the ring's frames grew to.
 */
export class FrameRing {
  private readonly frames: (GameFrame | null)[];
  private spare: GameFrame;
  private readonly free: GameFrame[] = [];
  private readonly hint: SizeHint = { entries: 0, codes: 0 };
  private readonly fields: number;
  /** Frames held in the ring (not the spare, not the free ones). */
  private inUse = 0;
  /** The most in use in this span of commits and in the one before. */
  private peakNow = 0;
  private peakBefore = 0;
  private commits = 0;
  private madeCount = 0;

  constructor(game: Game, readonly viewCapacity: number, private readonly memory: FrameMemory | null = null) {
    checkViewCapacity(viewCapacity);
    this.fields = game.maxRecordFields;
    this.frames = new Array<GameFrame | null>(GAME_WINDOW).fill(null);
    this.spare = this.fresh();
  }

  /** The frame numbered `seq` if it is still held. */
  find(seq: number): GameFrame | null {
    if (seq < 0) return null;
    const f = this.frames[seq % GAME_WINDOW]!;
    return f !== null && f.seq === seq ? f : null;
  }

  /** A cleared frame to build `seq` in; commit() makes it the held one. */
  next(seq: number, tick: number): GameFrame {
    this.spare.clear(seq, tick);
    return this.spare;
  }

  commit(): GameFrame {
    const f = this.spare;
    const i = f.seq % GAME_WINDOW;
    const old = this.frames[i]!;
    this.frames[i] = f;
    if (old === null) this.inUse++;
    this.spare = old ?? this.free.pop() ?? this.fresh();
    if (this.inUse > this.peakNow) this.peakNow = this.inUse;
    if (++this.commits === PEAK_SPAN) {
      this.commits = 0;
      this.peakBefore = this.peakNow;
      this.peakNow = this.inUse;
    }
    return f;
  }

  /** Lets go of every held frame older than `seq` (none of them is a baseline again). */
  release(seq: number): void {
    const frames = this.frames;
    const free = this.free;
    for (let i = 0; i < GAME_WINDOW; i++) {
      const f = frames[i]!;
      if (f === null || f.seq >= seq) continue;
      frames[i] = null;
      this.inUse--;
      free.push(f);
    }
    // Kept: what the frames in use may soon need again (their recent peak); the rest go.
    const keep = Math.min(KEEP_FREE_MAX, Math.max(KEEP_FREE, Math.max(this.peakNow, this.peakBefore) - this.inUse));
    if (free.length > keep) for (const f of free.splice(keep)) f.dispose();
  }

  /** Gives back what every frame holds in its memory (none in the JavaScript heap); the ring is not used after. */
  dispose(): void {
    for (const f of this.frames) f?.dispose();
    this.frames.fill(null);
    for (const f of this.free) f.dispose();
    this.free.length = 0;
    this.spare.dispose();
    this.inUse = 0;
  }

  /** Frames made since the ring was (the spare and the first ones included). */
  get made(): number {
    return this.madeCount;
  }

  /** Frames held (the spare and those kept for reuse included). */
  get held(): number {
    return this.frames.reduce((n, f) => n + (f === null ? 0 : 1), 1 + this.free.length);
  }

  /** Bytes held now (at most GAME_WINDOW + 1 + KEEP_FREE_MAX frames of the view capacity). */
  get bytes(): number {
    return this.frames.reduce((n, f) => n + (f === null ? 0 : f.bytes), this.spare.bytes + this.free.reduce((n, f) => n + f.bytes, 0));
  }

  private fresh(): GameFrame {
    this.madeCount++;
    return new GameFrame(this.viewCapacity, this.fields, this.hint, this.memory);
  }
}
