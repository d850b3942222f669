// What the page predicts its player with (the engine's DeclaredPredictor): the player's tick of
// player.ts over a local store that holds the player alone. Skyworld's rules are TypeScript, so
// the page bundles the same functions the server runs.

import { GameStore, type EntityId, type PredictableRules } from '../../src/web/sdk.js';
import { SKYWORLD, TYPE_TRAITS, type SkyworldDeclaration, type SkyworldInput } from './game.js';
import { columnsOf, type Columns } from './physics.js';
import { heldInput, stepPlayer } from './player.js';
import { q } from './terrain.js';

/** Slots the local store covers: the server's store is smaller unless it holds 130,000 entities. */
export const PREDICTED_SLOTS = 1 << 17;
const PLAYER_SPEED = q(TYPE_TRAITS.player!.speed / 60);

export class SkyworldPrediction implements PredictableRules<SkyworldDeclaration> {
  readonly game = SKYWORLD;
  readonly store: GameStore<SkyworldDeclaration>;
  private readonly c: Columns;

  constructor(capacity = PREDICTED_SLOTS) {
    this.store = new GameStore(SKYWORLD, { capacity });
    this.c = columnsOf(this.store);
  }

  control(avatar: EntityId, input: SkyworldInput): void {
    const h = heldInput(input);
    stepPlayer(this.c, avatar & 0xfffff, PLAYER_SPEED, h.moveX, h.moveY, h.flags, h.aim);
  }
}
