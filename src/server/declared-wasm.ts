// A game whose rules are its own AssemblyScript (WasmGameRules over chronos build's game.wasm)
// as the DeclaredGameModule DeclaredServer serves. The server keeps each player's newest input
// (it holds until the next, as DeclaredServer hands them over; a predicting client's tick
// without one releases it) and every tick applies them in join order (the game's control),
// then runs the game's step: the same calls, in the same order, as DeclaredRollbackGame.fromWasm
// makes in the determinism tools. The events the rules emitted go to the players in range of
// each after the step (DeclaredServer.emit).
//
//   const rules = await WasmGameRules.load(GAME, { bytes: readFileSync('build/page/game.wasm'), capacity: 1200 });
//   rules.setup(1);
//   const interest = DeclaredInterest.create(rules.arena, rules.store, { x: 'position.x', y: 'position.y', radiusM: 80 });
//   await DeclaredServer.start({ module: wasmGameModule(rules, { viewCapacity: 512, interest }) });

import type { EntityId } from '../core/entity-id.js';
import { ConfigError, InvalidArgumentError } from '../core/errors.js';
import type { GameDeclaration } from '../core/game.js';
import type { GameStore } from '../core/game-store.js';
import type { GameInput } from '../codec/game-input.js';
import type { WasmGameRules } from '../rollback/wasm-game.js';
import type { DeclaredInterest } from '../interest/declared-interest.js';
import { shrinkThreshold } from '../interest/declared-crowd.js';
import type { DeclaredGameModule } from './declared-game.js';
import type { UpdateZonesSpec } from '../codec/update-zones.js';

export interface WasmGameModuleOptions<D extends GameDeclaration> {
  readonly viewCapacity: number;
  readonly tickHz?: number;
  /**
   * What each player sees, by the engine's spatial index over the store (DeclaredInterest
   * over rules.arena and rules.store): updated after every step, a leaving player forgotten.
   */
  readonly interest?: DeclaredInterest<D>;
  /** Or the game's own: the live slots `avatar`'s player sees into `out`; returns how many. */
  visible?(store: GameStore<D>, avatar: EntityId, out: Uint32Array): number;
  readonly unsavedTypes?: readonly string[];
  /** Update rates by distance (DeclaredGameModule.zones). */
  readonly zones?: UpdateZonesSpec<D>;
  restored?(): void;
  /**
   * The server's verdicts on a player's input for `tick`, just before the rules see it: a
   * hitscan judged by lag compensation written into an input field, say. Called every tick an
   * input applies (one that holds is judged again); its result is what control() gets.
   */
  judge?(avatar: EntityId, input: GameInput<D>, tick: number): GameInput<D>;
  /** After each tick's step (and the interest's update): to record hitboxes, say. */
  stepped?(tick: number): void;
  /**
   * Events of each tick the game works out in TypeScript (DeclaredGameModule.announce), after
   * those its rules emitted (emitEvent in its AssemblyScript), which are always sent.
   */
  announce?: DeclaredGameModule<D>['announce'];
}

export function wasmGameModule<D extends GameDeclaration>(rules: WasmGameRules<D>, options: WasmGameModuleOptions<D>): DeclaredGameModule<D> {
  const inputs = new Map<EntityId, GameInput<D>>();
  let unsendable = 0;
  const { store } = rules;
  const { interest, visible } = options;
  if ((interest === undefined) === (visible === undefined)) throw new InvalidArgumentError('give wasmGameModule an interest or a visible function (one of them)');
  if (interest && interest.store !== store) throw new InvalidArgumentError('the interest must follow the rules\' own store');
  return {
    game: rules.game,
    store,
    // The store is in the rules' arena: the snapshot encoders' run kernels are WebAssembly there.
    arena: rules.arena,
    tickHz: options.tickHz,
    viewCapacity: options.viewCapacity,
    unsavedTypes: options.unsavedTypes,
    zones: options.zones,
    ...(interest ? { view: servedView(interest, options.viewCapacity), interestStats: interest.stats, positions: interest.positions } : {}),
    restored: options.restored,
    // What the rules emitted this tick (in control() and step()), then the game's own.
    announce: (emit, tick) => {
      rules.takeEvents((event) => {
        // One the server cannot send (a ranged event where the module declares no positions) is
        // counted with the malformed ones: the rules' mistake must not stop the tick.
        try {
          emit(event);
        } catch (err) {
          if (!(err instanceof ConfigError || err instanceof InvalidArgumentError)) throw err;
          unsendable++;
        }
      });
      options.announce?.(emit, tick);
    },
    eventsLost: () => {
      const { dropped, refused } = rules.eventsLost;
      return { dropped, refused: refused + unsendable };
    },
    join: (player) => rules.join(player),
    leave: (player, avatar) => {
      inputs.delete(avatar);
      interest?.forget(avatar);
      rules.leave(player, avatar);
    },
    input: (avatar, input) => {
      inputs.set(avatar, input);
    },
    release: (avatar) => {
      inputs.delete(avatar);
    },
    step: (tick) => {
      const judge = options.judge;
      for (const [avatar, input] of inputs) rules.control(avatar, judge ? judge(avatar, input, tick) : input);
      rules.step();
      interest?.update();
      options.stepped?.(tick);
    },
    visible: interest ? (avatar, out) => interest.visible(avatar, out) : (avatar, out) => visible!(store, avatar, out),
    // A spectator's camera sees as an avatar would, its hysteresis kept under -player.
    ...(interest
      ? {
        visibleAt: (viewer: number, xM: number, yM: number, out: Uint32Array) => interest.visibleAt(-viewer, xM, yM, 0, out),
        viewScale: (avatar: EntityId) => interest.scaleOf(avatar),
        viewScaleAt: (viewer: number) => interest.scaleOf(-viewer),
        forgetViewer: (viewer: number) => interest.forget(-viewer),
      }
      : {}),
  };
}

/** What the page is told of the views (DeclaredGameModule.view): their edges, and when they narrow. */
function servedView<D extends GameDeclaration>(interest: DeclaredInterest<D>, viewCapacity: number): NonNullable<DeclaredGameModule<D>['view']> {
  const narrowsAbove = interest.crowd ? shrinkThreshold(interest.crowd, viewCapacity) : undefined;
  return { radiusM: interest.radiusM, hysteresisM: interest.hysteresisM, ...(narrowsAbove !== undefined ? { narrowsAbove } : {}) };
}
