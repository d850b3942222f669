// What a game brings to DeclaredServer (declared-server.ts): its declaration and store, and its
// rules as plain functions. The engine owns connections, the clock, per-client replication
// (owner-only fields to the owner alone), input decoding and validation; the game owns what
// happens in its world.
//
//   const server = await DeclaredServer.start({ module: {
//     game, store, tickHz: 60, viewCapacity: 512,
//     join: (player) => store.spawn('hero', { position: { x: 0, y: 0 } }, player),
//     leave: (player, avatar) => store.despawn(avatar),
//     input: (avatar, input) => { ... },           // the newest input, already validated
//     step: (tick) => { ... },                      // the world's rules, once per tick
//     visible: (avatar, out) => { ... return n },  // the live slots the player sees
//   }, staticDir: 'build/examples/my-game' });

import type { EntityId } from '../core/entity-id.js';
import type { FieldKey, Game, GameDeclaration } from '../core/game.js';
import type { GameStore } from '../core/game-store.js';
import type { GameInput } from '../codec/game-input.js';
import type { UpdateZonesSpec } from '../codec/update-zones.js';
import type { DeclaredInterestStats } from '../interest/declared-interest.js';
import type { DeclaredEvent, EmitResult } from './declared-events.js';
import type { Arena } from '../wasm/arena.js';

export interface DeclaredGameModule<D extends GameDeclaration = GameDeclaration> {
  readonly game: Game<D>;
  readonly store: GameStore<D>;
  /**
   * The WebAssembly arena the store lives in (a game whose rules are its AssemblyScript:
   * wasmGameModule says so): the main thread's snapshot encoders then run their compiled run
   * kernels as WebAssembly there (GameReplicatorOptions.arena).
   */
  readonly arena?: Arena;
  /** Simulation rate (default 60). */
  readonly tickHz?: number;
  /** Most entities one player sees at once (its snapshot view). */
  readonly viewCapacity: number;
  /** A player (number, never 0: the owner id of what it owns) joins: its avatar. */
  join(player: number): EntityId;
  /** The player left (its session ended): remove or keep what it had. */
  leave(player: number, avatar: EntityId): void;
  /** The player's next input, decoded and checked against the declaration: one a tick at most, in the order sent; it holds until the next. */
  input(avatar: EntityId, input: GameInput<D>): void;
  /**
   * A predicting player (one input a tick, INPUT_STREAM) has no input for this tick: apply none
   * (instead of holding the last), so each of its inputs acts exactly once, as its prediction
   * did. Absent: the last input holds.
   */
  release?(avatar: EntityId): void;
  /** One tick of the game's rules. */
  step(tick: number): void;
  /** Writes the live slots `avatar`'s player sees into `out` (at most out.length); returns how many. */
  visible(avatar: EntityId, out: Uint32Array): number;
  /**
   * Spectators (a page's ?watch): what a camera at (xM, yM) metres sees, for `viewer` (a player
   * number whose avatar has left), as visible() does. Absent: the game has no spectators.
   */
  visibleAt?(viewer: number, xM: number, yM: number, out: Uint32Array): number;
  /**
   * The share of its full radius the last view of `avatar` (visible) or of spectator `viewer`
   * (visibleAt) reached: less than 1 where a crowd narrowed it (DeclaredInterest's `crowd`).
   * Each snapshot tells its client (the page draws its view's edge there). Optional: not said.
   */
  viewScale?(avatar: EntityId): number;
  viewScaleAt?(viewer: number): number;
  /** The spectator `viewer` left: what visibleAt kept of it goes. */
  forgetViewer?(viewer: number): void;
  /**
   * Update rates by distance from each player's avatar (src/codec/update-zones.ts): what is far
   * is refreshed a few times a second instead of every tick; entering and leaving a view, and
   * what the player owns, are never held back. Absent: every change goes out at once.
   */
  readonly zones?: UpdateZonesSpec<D>;
  /**
   * How far a player sees, for its page to draw (the view's ring, and the zones' within it):
   * the radius and the hysteresis band past it, metres, and past how many entities in view it
   * narrows (DeclaredInterest's crowd; absent: it never does). Absent: the page draws no ring.
   */
  readonly view?: { readonly radiusM: number; readonly hysteresisM: number; readonly narrowsAbove?: number };
  /**
   * The q16 fields holding an entity's place (metres; without z the world is flat), so that
   * DeclaredServer.emit reaches the players within an event's range. Absent: only events for
   * everyone (rangeM Infinity) can be sent. wasmGameModule takes them from its DeclaredInterest.
   */
  readonly positions?: { readonly x: FieldKey<D>; readonly y: FieldKey<D>; readonly z?: FieldKey<D> };
  /** What the game's DeclaredInterest counts (a live object), for /metrics: views queried and reused, teleports offered, views cut. */
  readonly interestStats?: DeclaredInterestStats;
  /** Entity types a save leaves out (what belongs to a session, e.g. players): freed in it. */
  readonly unsavedTypes?: readonly string[];
  /**
   * After each tick's step: the game's events of that tick (a kill, an explosion), handed to
   * `emit` (DeclaredServer.emit: to the players in range of each). Optional.
   */
  announce?(emit: (event: DeclaredEvent) => EmitResult, tick: number): void;
  /**
   * Events the game's rules emitted that were never sent, since it started (wasmGameModule: its
   * module's event buffer was full; or an event was malformed, or ranged where the module
   * declares no positions).
   */
  eventsLost?(): { readonly dropped: number; readonly refused: number };
  /** The store was just restored from a save: rebuild what the game keeps beside it. */
  restored?(): void;
}
