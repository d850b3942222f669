// What the end-to-end tests read of an arena-mode page (window.chronos), by construction rather
// than by timing: the move probe, recorded inside the simulation step itself, and the interest
// view checked against the page's own hash-checked copy of the server's world.

import { IN_MOVE_X, IN_MOVE_Y } from '../codec/rollback-input.js';
import { INPUT_CONFIRMED } from '../rollback/input-queue.js';
import type { PlayClient } from '../client/play-client.js';
import type { ReferenceGame } from '../rollback/reference-game.js';

const Q16 = 65536;
const SLOT_MASK = 0xfffff;

/**
 * How soon your own input moved your avatar, in simulated frames: armed by a test, filled in by
 * the simulation step itself (every step, whether the animation frame or the SDK's fallback
 * timer drove it), so it says exactly which frame's input moved the avatar and what the server
 * had confirmed when it did.
 */
export interface MoveProbe {
  armedAtMs: number;
  /** The first frame after arming whose local input (as simulated) moves: the frame D was stamped for. */
  stampFrame: number;
  /** The first state after arming in which the avatar stands elsewhere than one frame before. */
  movedFrame: number;
  /** The newest confirmed frame when that state was first simulated. */
  confirmedAtMove: number;
  /** Whether the moving input was this page's own (not yet the server's confirmed one) when simulated. */
  ownInput: boolean;
  keyToMoveMs: number;
}

export interface InterestCheck {
  inView: number;
  /** Records compared with the page's confirmed body at their tick. */
  checked: number;
  /** Records whose tick the page holds no confirmed frame of (older than its history, or not confirmed yet). */
  notHeld: number;
  /** Records of an entity that was not alive in that slot at that tick (another body: never expected). */
  otherBody: number;
  /** Largest difference of a checked record from the body's position, metres, and the codec's position step. */
  maxErrorM: number;
  unitM: number;
}

/** Records the move probe from every state the game reaches (steps, rollbacks, installed states). */
export class MoveProbeRecorder {
  probe: MoveProbe | null = null;
  /** The newest state simulated so far: a state beyond it is a first simulation, not a re-run. */
  private newestState = -1;
  private lastOwnX = Number.NaN;

  constructor(
    private readonly play: PlayClient,
    private readonly controls: { lastMoveChangeMs: number },
  ) {}

  /** Wraps a newly built game's onFrame, through which every simulated state passes. */
  attach(game: ReferenceGame): void {
    const record = game.onFrame.bind(game);
    this.newestState = -1;
    game.onFrame = (frame) => {
      record(frame);
      this.step(frame);
    };
  }

  arm(): void {
    this.probe = { armedAtMs: performance.now(), stampFrame: -1, movedFrame: -1, confirmedAtMove: -1, ownInput: false, keyToMoveMs: -1 };
  }

  /** Fills in the probe on the first simulation of `frame`. */
  private step(frame: number): void {
    const { play, probe } = this;
    const rb = play.rollback;
    const game = play.game;
    const slot = game && play.player >= 0 ? game.playerSlot(play.player) : -1;
    const x = slot >= 0 ? game!.world.column('posX')[slot]! : Number.NaN;
    const before = this.lastOwnX;
    this.lastOwnX = x;
    const first = frame > this.newestState;
    if (first) this.newestState = frame;
    // A rollback's reload and re-run, or an installed state: not the first simulation of `frame`.
    if (!first || !probe || probe.movedFrame >= 0 || !rb || slot < 0) return;
    const q = rb.sync.localQueue;
    const step = frame - 1;
    const off = q ? q.offsetOf(step) : -1;
    if (probe.stampFrame < 0 && off >= 0 && (q!.bytes[off + IN_MOVE_X] !== 0 || q!.bytes[off + IN_MOVE_Y] !== 0)) probe.stampFrame = step;
    if (probe.stampFrame >= 0 && x !== before) {
      probe.movedFrame = frame;
      probe.confirmedAtMove = rb.confirmedFrame;
      probe.ownInput = q!.statusOf(step) !== INPUT_CONFIRMED;
      probe.keyToMoveMs = performance.now() - this.controls.lastMoveChangeMs;
    }
  }
}

/** Each record of the interest view beside the body it describes at its tick, where the page holds that confirmed frame. */
export function interestCheckOf(play: PlayClient): InterestCheck {
  const iview = play.interest.view;
  const game = play.game;
  const rb = play.rollback;
  const out: InterestCheck = { inView: 0, checked: 0, notHeld: 0, otherBody: 0, maxErrorM: 0, unitM: iview ? 2 ** iview.params.posShift / Q16 : Number.NaN };
  const history = game?.history;
  if (!iview || !history || !rb) return out;
  const xyz = [0, 0, 0];
  for (let h = 0; h < iview.handles; h++) {
    if (!iview.has(h)) continue;
    out.inView++;
    const id = iview.idOf(h);
    const tick = iview.recordTickOf(h);
    const body = tick <= rb.confirmedFrame + 1 ? history.bodyAt(tick, id & SLOT_MASK) : undefined;
    if (!body) {
      out.notHeld++;
      continue;
    }
    if (!body.alive || body.generation !== id >>> 20) {
      out.otherBody++;
      continue;
    }
    iview.positionInto(h, xyz);
    out.checked++;
    out.maxErrorM = Math.max(out.maxErrorM, Math.abs(xyz[0]! - body.x / Q16), Math.abs(xyz[1]! - body.y / Q16));
  }
  return out;
}
