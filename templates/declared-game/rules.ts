// __NAME__'s rules: players walk, touch orbs to score, orbs come back elsewhere. What the
// engine asks of a game (a DeclaredGameModule): join, leave, input, step and visible.

import { GameStore, mulberry32, type DeclaredGameModule } from 'chronos';
import { GAME, type Declaration, type Input } from './game.js';

const Q = 65536;
const SPEED = Math.round((6 / 60) * Q); // 6 m/s at 60 Hz
const REACH = Q; // an orb within 1 m is picked up
const VIEW = 80 * Q; // a player sees 80 m around it

export function createGame(seed = 1): DeclaredGameModule<Declaration> {
  const store = new GameStore(GAME, { capacity: 1200 });
  const random = mulberry32(seed);
  const anywhere = () => Math.round((random() * 400 - 200) * Q);
  for (let i = 0; i < 300; i++) store.spawn('orb', { position: { x: anywhere() / Q, y: anywhere() / Q } });
  for (let i = 0; i < 200; i++) store.spawn('rock', { position: { x: anywhere() / Q, y: anywhere() / Q } });
  const x = store.column('position.x');
  const y = store.column('position.y');
  const orbs = store.column('score.orbs');
  const respawn = store.column('respawn.ticks');
  const moves = new Map<number, Input>();
  const PLAYER = GAME.typeIndex.get('player')! + 1;
  const ORB = GAME.typeIndex.get('orb')! + 1;
  return {
    game: GAME,
    store,
    tickHz: 60,
    viewCapacity: 512,
    join: (player) => store.spawn('player', {}, player),
    leave: (_player, avatar) => {
      moves.delete(avatar);
      store.despawn(avatar);
    },
    input: (avatar, input) => moves.set(avatar, input),
    step: () => {
      for (const [avatar, m] of moves) {
        const s = avatar & 0xfffff;
        x[s] = Math.max(-250 * Q, Math.min(250 * Q, x[s]! + Math.round(m.moveX * SPEED)));
        y[s] = Math.max(-250 * Q, Math.min(250 * Q, y[s]! + Math.round(m.moveY * SPEED)));
      }
      for (let s = 0; s < store.highWater; s++) {
        if (store.typeColumn[s] !== ORB) continue;
        if (respawn[s]! > 0) {
          if (--respawn[s]! === 0) [x[s], y[s]] = [anywhere(), anywhere()];
          continue;
        }
        for (const avatar of moves.keys()) {
          const p = avatar & 0xfffff;
          if (store.typeColumn[p] === PLAYER && Math.abs(x[p]! - x[s]!) < REACH && Math.abs(y[p]! - y[s]!) < REACH) {
            orbs[p]!++;
            respawn[s] = 120; // gone for two seconds
            x[s] = 255 * Q; // out of the way meanwhile
            break;
          }
        }
      }
    },
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
