// __NAME__'s rules, in AssemblyScript: `chronos build` compiles them with the engine's kernels
// into one module (build/page/game.wasm) that the server and the page both run. Players walk,
// touch orbs to score, orbs come back elsewhere two seconds later.
//
// Everything the rules remember lives in the store (where an orb comes back is a hash of the
// frame and its slot, not a random generator beside it; no global changes after setup), so the
// world is deterministic and the engine's rollback tools can check it: test/game.test.ts runs
// SyncTestSession over this module. ./generated/game.ts is written by `chronos build` from
// game.ts: a namespace per component (position.x(slot), position.setX(slot, v)), Type, Input,
// spawn, despawn, emitEvent and the engine's fixed-point math. Positions are Q16.16 (FX_ONE is 1 m).
// emitEvent announces what happened to the players within a range of it (the server sends it
// after the step; a rollback or a prediction discards it): it is not state, and the rules must
// never read it back.

import { despawn, emitEvent, FX_ONE, fx_mul, highWater, idAt, Input, position, respawn, score, slotOf, spawn, Type, typeAt } from './generated/game';

const SPEED: i32 = FX_ONE / 10; // 6 m/s at 60 Hz
const REACH: i32 = FX_ONE; // an orb within 1 m is picked up
const EDGE: i32 = 250 * FX_ONE;
const GONE: i32 = 255 * FX_ONE; // where a taken orb waits, out of the way
const ORBS: u32 = 300;
/** An orb was taken (game.ts EVENT_ORB), heard within 60 m (ORB_EVENT_RANGE_M). */
const EVENT_ORB: u32 = 1;
const ORB_EVENT_RANGE: u32 = 60 * FX_ONE;
const ROCKS: u32 = 200;
// The most players a frame looks at (a scratch list, rebuilt every frame: not state).
const MAX_PLAYERS: i32 = 1024;
const players = memory.data(MAX_PLAYERS * 4);

/** A place in [-200, 200) m from two integers. */
function placeOf(a: u32, b: u32): i32 {
  const h: u32 = (a ^ (b * 0x9e3779b1)) * 0x85ebca6b;
  return (<i32>(h % 400) - 200) * FX_ONE;
}

function clampEdge(v: i32): i32 {
  return v < -EDGE ? -EDGE : v > EDGE ? EDGE : v;
}

/** The world at the start: orbs and rocks. */
export function setup(seed: u32): void {
  for (let i: u32 = 0; i < ORBS; i++) {
    const s = slotOf(spawn(Type.orb));
    position.setX(s, placeOf(seed, i));
    position.setY(s, placeOf(seed + 1, i));
  }
  for (let i: u32 = 0; i < ROCKS; i++) {
    const s = slotOf(spawn(Type.rock));
    position.setX(s, placeOf(seed + 2, i));
    position.setY(s, placeOf(seed + 3, i));
  }
}

/** A player joins: its avatar (NO_ENTITY when the world is full; the server refuses it then). */
export function join(player: u32): u32 {
  return spawn(Type.player, player);
}

export function leave(player: u32, avatar: u32): void {
  despawn(avatar);
}

/** A player's input for one frame (Input.* reads it). */
export function control(avatar: u32): void {
  const s = slotOf(avatar);
  position.setX(s, clampEdge(position.x(s) + fx_mul(Input.moveX(), SPEED)));
  position.setY(s, clampEdge(position.y(s) + fx_mul(Input.moveY(), SPEED)));
}

/** The orbs for one frame: taken when a player touches one, back two seconds later elsewhere. */
export function step(frame: u32): void {
  const high = highWater();
  let n: i32 = 0;
  for (let s: u32 = 0; s < high && n < MAX_PLAYERS; s++) {
    if (typeAt(s) == Type.player) {
      store<u32>(players + (<usize>n << 2), s);
      n++;
    }
  }
  for (let s: u32 = 0; s < high; s++) {
    if (typeAt(s) != Type.orb) continue;
    const wait = respawn.ticks(s);
    if (wait > 0) {
      respawn.setTicks(s, wait - 1);
      if (wait == 1) {
        position.setX(s, placeOf(frame, s));
        position.setY(s, placeOf(s, frame));
      }
      continue;
    }
    const x = position.x(s);
    const y = position.y(s);
    for (let i = 0; i < n; i++) {
      const p = load<u32>(players + (<usize>i << 2));
      if (abs<i32>(position.x(p) - x) < REACH && abs<i32>(position.y(p) - y) < REACH) {
        score.setOrbs(p, score.orbs(p) + 1);
        emitEvent(EVENT_ORB, x, y, 0, ORB_EVENT_RANGE, idAt(p), 0, 0, 0, 4);
        respawn.setTicks(s, 120); // gone for two seconds
        position.setX(s, GONE);
        break;
      }
    }
  }
}
