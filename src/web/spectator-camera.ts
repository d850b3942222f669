// A declared page's spectator (?watch): a camera the keys pan (WASD or the arrows, 40 m/s; Shift
// four times as fast) whose position goes to the server (DeclaredClient.watch: a GAME WATCH),
// which from then on sends the page what lies around the camera, as it would around an avatar.
// The page's avatar leaves the game at the first one; the page sends no input while it watches.

import type { GameDeclaration } from '../core/game.js';
import type { DeclaredClient } from '../client/declared-client.js';
import { WATCH_LIMIT_M } from '../codec/declared-messages.js';

/** Metres a second the camera pans. */
const PAN_MPS = 40;
/** A move at least this long goes to the server at once (smaller ones ride the resend). */
const SEND_EVERY_M = 1;

export class SpectatorCamera<D extends GameDeclaration> {
  readonly camera = { x: 0, y: 0 };
  private sent: { x: number; y: number } | null = null;

  constructor(private readonly client: DeclaredClient<D>) {}

  /** Whether the server has been told to watch (the page's avatar is gone). */
  get watching(): boolean {
    return this.sent !== null;
  }

  /** One animation frame `dt` seconds after the last: pans by the keys held and tells the server where the camera is. */
  frame(keys: ReadonlySet<string>, dt: number): void {
    panView(this.camera, keys, dt);
    if (!this.client.join) return;
    if (this.sent === null || Math.hypot(this.camera.x - this.sent.x, this.camera.y - this.sent.y) >= SEND_EVERY_M) {
      this.client.watch(this.camera.x, this.camera.y);
      this.sent = { ...this.camera };
    } else this.client.update(performance.now());
  }

  /** The panel's line. */
  line(): string {
    return `watching from (${this.camera.x.toFixed(1)}, ${this.camera.y.toFixed(1)}) · WASD or the arrows pan (Shift: faster) · no avatar, no input`;
  }
}

/**
 * Pans `view` (metres) by the keys held for `dt` seconds: WASD or the arrows at 40 m/s, Shift
 * four times as fast; it stays within the ±WATCH_LIMIT_M a GAME WATCH may name.
 */
export function panView(view: { x: number; y: number }, keys: ReadonlySet<string>, dt: number): void {
  const speed = PAN_MPS * (keys.has('ShiftLeft') || keys.has('ShiftRight') ? 4 : 1) * dt;
  view.x += ((keys.has('KeyD') || keys.has('ArrowRight') ? 1 : 0) - (keys.has('KeyA') || keys.has('ArrowLeft') ? 1 : 0)) * speed;
  view.y += ((keys.has('KeyW') || keys.has('ArrowUp') ? 1 : 0) - (keys.has('KeyS') || keys.has('ArrowDown') ? 1 : 0)) * speed;
  view.x = Math.max(-WATCH_LIMIT_M, Math.min(WATCH_LIMIT_M, view.x));
  view.y = Math.max(-WATCH_LIMIT_M, Math.min(WATCH_LIMIT_M, view.y));
}
