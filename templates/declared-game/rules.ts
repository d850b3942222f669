// __NAME__'s rules: players walk, touch orbs to score, orbs come back elsewhere. Everything the
// rules remember lives in the store (where an orb comes back is a hash of the tick and its slot,
// not a random generator beside it), so the world is deterministic and the engine's rollback
// tools can check it (test/game.test.ts runs SyncTestSession over these rules).

import { GameStore, type DeclaredGameModule } from 'chronos';
import { GAME, type Declaration, type Input } from './game.js';

const Q = 65536;
const SPEED = Math.round((6 / 60) * Q); // 6 m/s at 60 Hz
const REACH = Q; // an orb within 1 m is picked up
const VIEW = 80 * Q; // a player sees 80 m around it
export const CAPACITY = 1200;

/** A place in [-200, 200) m from two integers (deterministic: no Math.random, no clock). */
function placeOf(a: number, b: number): number {
  const h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b) >>> 0;
  return ((h % 400) - 200) * Q;
}

/** The world at the start: orbs and rocks. */
export function setup(store: GameStore<Declaration>, seed = 1): void {
  for (let i = 0; i < 300; i++) store.spawn('orb', { position: { x: placeOf(seed, i) / Q, y: placeOf(seed + 1, i) / Q } });
  for (let i = 0; i < 200; i++) store.spawn('rock', { position: { x: placeOf(seed + 2, i) / Q, y: placeOf(seed + 3, i) / Q } });
}

/** A player's input for one tick. */
export function move(store: GameStore<Declaration>, slot: number, input: Input): void {
  const x = store.column('position.x');
  const y = store.column('position.y');
  x[slot] = Math.max(-250 * Q, Math.min(250 * Q, x[slot]! + Math.round(input.moveX * SPEED)));
  y[slot] = Math.max(-250 * Q, Math.min(250 * Q, y[slot]! + Math.round(input.moveY * SPEED)));
}

/** The orbs for one tick: taken when a player touches one, back two seconds later elsewhere. */
export function step(store: GameStore<Declaration>, tick: number): void {
  const x = store.column('position.x');
  const y = store.column('position.y');
  const orbs = store.column('score.orbs');
  const respawn = store.column('respawn.ticks');
  const PLAYER = GAME.typeIndex.get('player')! + 1;
  const ORB = GAME.typeIndex.get('orb')! + 1;
  for (let s = 0; s < store.highWater; s++) {
    if (store.typeColumn[s] !== ORB) continue;
    if (respawn[s]! > 0) {
      if (--respawn[s]! === 0) [x[s], y[s]] = [placeOf(tick, s), placeOf(s, tick)];
      continue;
    }
    for (let p = 0; p < store.highWater; p++) {
      if (store.typeColumn[p] === PLAYER && Math.abs(x[p]! - x[s]!) < REACH && Math.abs(y[p]! - y[s]!) < REACH) {
        orbs[p]!++;
        respawn[s] = 120; // gone for two seconds
        x[s] = 255 * Q; // out of the way meanwhile
        break;
      }
    }
  }
}

/** The game as DeclaredServer serves it (server.ts). */
export function createGame(seed = 1): DeclaredGameModule<Declaration> {
  const store = new GameStore(GAME, { capacity: CAPACITY });
  setup(store, seed);
  const inputs = new Map<number, Input>();
  const x = store.column('position.x');
  const y = store.column('position.y');
  return {
    game: GAME,
    store,
    tickHz: 60,
    viewCapacity: 512,
    unsavedTypes: ['player'],
    join: (player) => store.spawn('player', {}, player),
    leave: (_player, avatar) => {
      inputs.delete(avatar);
      store.despawn(avatar);
    },
    input: (avatar, input) => inputs.set(avatar, input),
    step: (tick) => {
      for (const [avatar, input] of inputs) move(store, avatar & 0xfffff, input);
      step(store, tick);
    },
    // A scan of every entity per player: fine for this game's 500; a world of thousands wants a
    // grid (examples/skyworld/sim.ts visibleSlots), so each player costs only what it sees.
    visible: (avatar, out) => {
      const me = avatar & 0xfffff;
      let n = 0;
      for (let s = 0; s < store.highWater && n < out.length; s++) {
        if (store.typeColumn[s] !== 0 && Math.abs(x[s]! - x[me]!) <= VIEW && Math.abs(y[s]! - y[me]!) <= VIEW) out[n++] = s;
      }
      return n;
    },
  };
}
