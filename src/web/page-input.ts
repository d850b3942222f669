// What a declared game's pages (declared-view.ts in world mode, room-view.ts in a room) share:
// the game's look and controls (PageLook), the keys and mouse buttons held, the aim from the
// canvas's centre (the avatar) to the mouse, and the weapon's line drawn along it.

import type { Game, GameDeclaration } from '../core/game.js';
import type { GameInput } from '../codec/game-input.js';
import type { BroadcastEvent } from '../codec/broadcast-event.js';

/** Where a map is drawn this frame: metres to canvas pixels around the player's avatar. */
export interface MapView {
  readonly ctx: CanvasRenderingContext2D;
  /** Canvas x and y of a point in metres. */
  px(xM: number): number;
  py(yM: number): number;
  /** Pixels per metre. */
  readonly scale: number;
  /** The avatar's height, metres (to fade other levels). */
  readonly meZ: number;
}

/** A game's look and controls, the same in both modes' pages. */
export interface PageLook<D extends GameDeclaration> {
  readonly game: Game<D>;
  readonly colorOf: (type: string) => string;
  /** Drawn radius in metres (default 0.6). */
  readonly sizeOf?: (type: string) => number;
  /**
   * The game's input from the keys held (KeyboardEvent.code; mouse buttons as 'Mouse0', 'Mouse1',
   * ...) and the aim (radians, from the avatar to the mouse). `view.tick` is the tick whose world
   * is on screen: in world mode the server tick entities are drawn at (a tick behind the newest
   * snapshot, gliding: RemoteMotion.shownTick), which an input that fires sends (its low 16 bits,
   * say) so the server judges the shot against that tick's world (DeclaredHitboxes); in a room,
   * the room's frame.
   */
  readonly input: (keys: ReadonlySet<string>, aimRad: number, view: { readonly tick: number }) => GameInput<D>;
  /** Lines for the panel, from the player's own entity (a plain object of its components). */
  readonly panel?: (own: Record<string, unknown> | undefined) => string[];
  /** Metres across the canvas's width (default 120). */
  readonly metresAcross?: number;
  /** Draws the game's static world under the entities (its map: floors, platforms, ladders). */
  readonly background?: (view: MapView) => void;
  /**
   * A weapon's line from the avatar along the aim, out to rangeM, drawn while held(keys): bright
   * when ready(own), dim while it reloads.
   */
  readonly aimLine?: { readonly rangeM: number; held(keys: ReadonlySet<string>): boolean; ready(own: Record<string, unknown> | undefined): boolean };
  /**
   * The panel's words for a game event the server sent this player (DeclaredServer.emit, or a
   * room's rules): its kind, place and payload, and the player's own avatar id (-1: none).
   * Default: its kind and place.
   */
  readonly describeEvent?: (event: BroadcastEvent, avatarId: number) => string;
}

/** The panel's events: how many were heard, and the newest three in the game's words. */
export function eventLines(heard: number, recent: readonly BroadcastEvent[], avatarId: number, describe: ((event: BroadcastEvent, avatarId: number) => string) | undefined): string[] {
  if (heard === 0) return ['events: none heard yet (the game\'s events within range of you)'];
  const say = describe ?? ((e: BroadcastEvent) => `event ${e.kind} at (${e.x.toFixed(0)}, ${e.y.toFixed(0)})`);
  const newest = recent.slice(-3).reverse().map((e) => say(e, avatarId));
  return [`events: ${heard} heard · ${newest.join(' · ')}`];
}

/** Keys held (KeyboardEvent.code; mouse buttons as 'Mouse0', 'Mouse1', ...) and the aim, radians. */
export interface HeldInput {
  readonly keys: ReadonlySet<string>;
  readonly aimRad: number;
}

/** Starts following the keyboard and `canvas`'s mouse; the returned object stays current. */
export function watchInput(canvas: HTMLCanvasElement): HeldInput {
  const keys = new Set<string>();
  const held = { keys, aimRad: 0 };
  addEventListener('keydown', (e) => keys.add(e.code));
  addEventListener('keyup', (e) => keys.delete(e.code));
  addEventListener('blur', () => keys.clear());
  canvas.addEventListener('pointerdown', (e) => keys.add(`Mouse${e.button}`));
  addEventListener('pointerup', (e) => keys.delete(`Mouse${e.button}`));
  canvas.addEventListener('contextmenu', (e) => e.preventDefault());
  canvas.addEventListener('mousemove', (e) => {
    const r = canvas.getBoundingClientRect();
    held.aimRad = Math.atan2(-(e.clientY - r.top - r.height / 2), e.clientX - r.left - r.width / 2);
  });
  return held;
}

/** A line from the canvas's centre (the avatar) along `aimRad`, `rangeM` long: bright when ready, dim when not. */
export function drawAimLine(ctx: CanvasRenderingContext2D, scale: number, aimRad: number, rangeM: number, ready: boolean): void {
  const cx = ctx.canvas.width / 2;
  const cy = ctx.canvas.height / 2;
  ctx.strokeStyle = ready ? '#f0f6fc' : '#6e7681';
  ctx.globalAlpha = ready ? 0.9 : 0.4;
  ctx.lineWidth = (ready ? 2 : 1) * devicePixelRatio;
  ctx.beginPath();
  ctx.moveTo(cx, cy);
  ctx.lineTo(cx + Math.cos(aimRad) * rangeM * scale, cy - Math.sin(aimRad) * rangeM * scale);
  ctx.stroke();
  ctx.globalAlpha = 1;
}

/** The avatar's ring at the canvas's centre. */
export function drawAvatarRing(ctx: CanvasRenderingContext2D, scale: number): void {
  ctx.globalAlpha = 1;
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = 2 * devicePixelRatio;
  ctx.beginPath();
  ctx.arc(ctx.canvas.width / 2, ctx.canvas.height / 2, 1.2 * scale, 0, 2 * Math.PI);
  ctx.stroke();
}
