// InputAuthority: the server's side of world-mode inputs. Every player streams numbered inputs
// (world-messages.ts INPUT, each message repeating the newest ones not yet applied); the
// authority keeps a small queue per player and, each tick, turns at most one input per player —
// plus a bounded catch-up after a stall — into an avatar command for the step. It reports the
// last input it applied, which is what the client reconciles against.
//
// Rules, and why:
// | rule                                   | value (default)      | why                                  |
// |----------------------------------------|----------------------|--------------------------------------|
// | inputs queued per player               | 32 (0.5 s)           | jitter and bursts; bounded memory    |
// | applied per tick                       | 1, + 1 catch-up      | no player moves faster than the rules|
// | catch-up tokens (earned by stalls)     | 1 per tick, <= 8     | a stalled link catches up, a fast    |
// |                                        |                      | clock does not: speed stays bounded  |
// | furthest ahead of the last applied     | 600 (10 s)           | beyond: out of window, dropped       |
// | a missing input with later ones queued | skipped at once      | every message repeats 16 inputs: a   |
// |                                        |                      | gap that survives them is gone       |
// | violations (malformed, out of window)  | 120 in 10 s: kicked  | an honest client makes none          |
// | a full queue                           | the input dropped    | counted, not a violation: a slow     |
// |                                        |                      | server fills honest queues too       |
// Movement itself is clamped by the step: a move vector is scaled to at most the player speed.
// Duplicates (the repetition) are normal and counted apart from violations.

import { DecodeError, InvalidArgumentError } from '../core/errors.js';
import { checkWireInput, decodeWorldInput, WIRE_INPUT_BYTES } from '../codec/world-messages.js';
import { writeCommand } from './commands.js';

export type InputDropReason = 'duplicate' | 'skipped' | 'decode' | 'malformed' | 'out_of_window' | 'queue_full';
/**
 * Drops that count as a violation of the protocol by the player. A full queue is not one: a
 * server running behind its clock (an overloaded tick) fills honest players' queues too, and
 * what a full queue refuses cannot move anyone faster anyway (one input a tick, plus tokens).
 */
const VIOLATIONS: ReadonlySet<InputDropReason> = new Set(['decode', 'malformed', 'out_of_window']);

export interface InputAuthorityOptions {
  maxPlayers: number;
  /** Inputs held per player (a power of two). */
  queueCapacity?: number;
  /** Inputs a player may be ahead of the last applied one before its inputs are dropped. */
  maxAhead?: number;
  /** Extra inputs applied in one tick while catch-up tokens last. */
  catchUpPerTick?: number;
  /** Most catch-up tokens (one earned per tick, one spent per input applied). */
  maxTokens?: number;
  violationLimit?: number;
  violationWindowTicks?: number;
}

export const DEFAULT_INPUT_RULES = Object.freeze({
  queueCapacity: 32,
  maxAhead: 600,
  catchUpPerTick: 1,
  maxTokens: 8,
  violationLimit: 120,
  violationWindowTicks: 600,
});

export interface InputCounters {
  received: number;
  applied: number;
  /** Player-ticks with an input applied late (catch-up) and with none to apply (starved). */
  catchUps: number;
  starved: number;
  drops: Record<InputDropReason, number>;
  kicks: number;
}

export class InputAuthority {
  readonly maxPlayers: number;
  readonly options: Required<Omit<InputAuthorityOptions, 'maxPlayers'>>;
  readonly counters: InputCounters = {
    received: 0, applied: 0, catchUps: 0, starved: 0, kicks: 0,
    drops: { duplicate: 0, skipped: 0, decode: 0, malformed: 0, out_of_window: 0, queue_full: 0 },
  };
  private readonly mask: number;
  /** Wire records, queueCapacity per player, indexed by seq & mask. */
  private readonly ring: Uint8Array;
  private readonly present: Uint8Array;
  private readonly lastApplied: Float64Array;
  private readonly held: Uint16Array;
  private readonly tokens: Uint8Array;
  private readonly violations: Uint16Array;
  private readonly windowStart: Float64Array;
  private readonly open: Uint8Array;

  constructor(options: InputAuthorityOptions) {
    const o = { ...DEFAULT_INPUT_RULES, ...options };
    if (!Number.isInteger(o.maxPlayers) || o.maxPlayers < 1) throw new InvalidArgumentError(`maxPlayers must be a positive integer, got ${o.maxPlayers}`);
    const cap = o.queueCapacity;
    if (!Number.isInteger(cap) || cap < 2 || cap > 1024 || (cap & (cap - 1)) !== 0) throw new InvalidArgumentError(`queueCapacity must be a power of two in [2, 1024], got ${cap}`);
    if (!Number.isInteger(o.maxAhead) || o.maxAhead < cap) throw new InvalidArgumentError(`maxAhead must be an integer >= queueCapacity (${cap}), got ${o.maxAhead}`);
    for (const k of ['catchUpPerTick', 'maxTokens', 'violationLimit', 'violationWindowTicks'] as const) {
      if (!Number.isInteger(o[k]) || o[k] < 0 || o[k] > 65535) throw new InvalidArgumentError(`${k} must be an integer in [0, 65535], got ${o[k]}`);
    }
    if (o.maxTokens > 255) throw new InvalidArgumentError(`maxTokens must be at most 255, got ${o.maxTokens}`);
    this.maxPlayers = o.maxPlayers;
    const { maxPlayers: _, ...rest } = o;
    this.options = rest;
    this.mask = cap - 1;
    const n = o.maxPlayers;
    this.ring = new Uint8Array(n * cap * WIRE_INPUT_BYTES);
    this.present = new Uint8Array(n * cap);
    this.lastApplied = new Float64Array(n);
    this.held = new Uint16Array(n);
    this.tokens = new Uint8Array(n);
    this.violations = new Uint16Array(n);
    this.windowStart = new Float64Array(n);
    this.open = new Uint8Array(n);
  }

  /** Bytes of per-player state (for the memory figures). */
  static bytesPerPlayer(queueCapacity = DEFAULT_INPUT_RULES.queueCapacity): number {
    return queueCapacity * (WIRE_INPUT_BYTES + 1) + 8 + 2 + 1 + 2 + 8 + 1;
  }

  /** Starts (or restarts) player `p`: nothing queued, inputs numbered after `lastApplied`. */
  openPlayer(p: number, lastApplied: number, tick: number): void {
    this.check(p);
    const cap = this.mask + 1;
    this.present.fill(0, p * cap, (p + 1) * cap);
    this.lastApplied[p] = lastApplied;
    this.held[p] = 0;
    this.tokens[p] = 0;
    this.violations[p] = 0;
    this.windowStart[p] = tick;
    this.open[p] = 1;
  }

  closePlayer(p: number): void {
    this.check(p);
    this.open[p] = 0;
    this.held[p] = 0;
  }

  isOpen(p: number): boolean {
    return this.open[p] === 1;
  }

  lastAppliedOf(p: number): number {
    return this.lastApplied[p]!;
  }

  /** Inputs held for every player, not yet applied. */
  queuedHeld(): number {
    let n = 0;
    for (let p = 0; p < this.maxPlayers; p++) n += this.held[p]!;
    return n;
  }

  /** Inputs held for `p`, not yet applied. */
  queuedOf(p: number): number {
    return this.held[p]!;
  }

  /**
   * Takes an INPUT message from player `p` at server tick `tick`. Every record is checked
   * before it is queued; each refusal is counted by reason. Returns true when the player has
   * now broken the rules too often and should be disconnected.
   */
  receive(p: number, bytes: Uint8Array, tick: number): boolean {
    this.check(p);
    if (this.open[p] !== 1) return false;
    let kick = false;
    try {
      decodeWorldInput(bytes, (seq, offset) => {
        this.counters.received++;
        const reason = this.queue(p, seq, bytes, offset);
        if (reason !== null) kick = this.drop(p, reason, tick) || kick;
      });
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      kick = this.drop(p, 'decode', tick);
    }
    if (kick) this.counters.kicks++;
    return kick;
  }

  private queue(p: number, seq: number, bytes: Uint8Array, offset: number): InputDropReason | null {
    const last = this.lastApplied[p]!;
    if (seq <= last) return 'duplicate';
    if (seq > last + this.options.maxAhead) return 'out_of_window';
    const fault = checkWireInput(bytes, offset);
    if (fault !== null) return 'malformed';
    const cap = this.mask + 1;
    if (seq > last + cap) {
      // Beyond what the queue can hold. With nothing queued the inputs in between were lost
      // for good (a long stall: the client repeats only its newest 16): go on from here.
      if (this.held[p]! > 0) return 'queue_full';
      this.counters.drops.skipped += seq - 1 - last;
      this.lastApplied[p] = seq - 1;
    }
    const at = p * cap + (seq & this.mask);
    if (this.present[at] === 1) return 'duplicate';
    this.ring.set(bytes.subarray(offset, offset + WIRE_INPUT_BYTES), at * WIRE_INPUT_BYTES);
    this.present[at] = 1;
    this.held[p]!++;
    return null;
  }

  private drop(p: number, reason: InputDropReason, tick: number): boolean {
    this.counters.drops[reason]++;
    if (!VIOLATIONS.has(reason)) return false;
    if (tick - this.windowStart[p]! >= this.options.violationWindowTicks) {
      this.windowStart[p] = tick;
      this.violations[p] = 0;
    }
    if (this.violations[p]! < 65535) this.violations[p]!++;
    return this.violations[p]! > this.options.violationLimit;
  }

  /**
   * Writes player `p`'s commands for this tick into `out` from command `index` on, for avatar
   * `slot`: the next input in sequence (skipping inputs that can no longer arrive), and a
   * catch-up input while tokens last. `tick` is the world's tick before the step (a SHOOT's
   * view tick is turned into a view delay against it). Returns how many it wrote (0: starved).
   */
  take(p: number, out: DataView, index: number, slot: number, tick: number): number {
    if (this.open[p] !== 1) return 0;
    const cap = this.mask + 1;
    const o = this.options;
    if (this.tokens[p]! < o.maxTokens) this.tokens[p]!++;
    let written = 0;
    while (written <= o.catchUpPerTick && this.tokens[p]! > 0 && this.held[p]! > 0) {
      let seq = this.lastApplied[p]! + 1;
      // Held inputs lie within (last, last + cap]: a gap before the first one is skipped.
      while (this.present[p * cap + (seq & this.mask)] !== 1) {
        this.counters.drops.skipped++;
        seq++;
      }
      const at = p * cap + (seq & this.mask);
      writeCommand(out, index + written, slot, this.ring, at * WIRE_INPUT_BYTES, tick);
      this.present[at] = 0;
      this.held[p]!--;
      this.lastApplied[p] = seq;
      this.tokens[p]!--;
      written++;
    }
    if (written === 0) this.counters.starved++;
    else if (written > 1) this.counters.catchUps++;
    this.counters.applied += written;
    return written;
  }

  private check(p: number): void {
    if (!Number.isInteger(p) || p < 0 || p >= this.maxPlayers) throw new InvalidArgumentError(`player index ${p} outside [0, ${this.maxPlayers})`);
  }
}
