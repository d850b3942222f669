// __NAME__'s page: the engine draws any declared game; this says its colours, keys, panel and
// where its module is.

import { startDeclaredPage } from 'chronos/web';
import { CAPACITY, EVENT_ORB, GAME } from './game.js';

const COLOURS: Record<string, string> = { player: '#4fc3f7', orb: '#ffd54f', rock: '#6d6d6d' };

void startDeclaredPage({
  game: GAME,
  colorOf: (type) => COLOURS[type] ?? '#ccc',
  input: (keys) => ({
    moveX: (keys.has('KeyD') || keys.has('ArrowRight') ? 1 : 0) - (keys.has('KeyA') || keys.has('ArrowLeft') ? 1 : 0),
    moveY: (keys.has('KeyW') || keys.has('ArrowUp') ? 1 : 0) - (keys.has('KeyS') || keys.has('ArrowDown') ? 1 : 0),
  }),
  // The same module the server runs (window.chronos.trace replays it here: Node = Chromium).
  module: { url: 'game.wasm', capacity: CAPACITY },
  panel: (own) => [`orbs: ${(own?.score as { orbs: number } | undefined)?.orbs ?? 0} (only you see your score) · WASD to move`],
  // The rules' events (assembly/index.ts emitEvent): an orb taken within 60 m, and by whom.
  describeEvent: (e, me) => {
    const who = e.payload.byteLength >= 4 ? new DataView(e.payload.buffer, e.payload.byteOffset, 4).getUint32(0, true) : -1;
    return e.kind === EVENT_ORB ? `${who === me ? 'you' : `P${who & 0xfffff}`} took an orb` : `event ${e.kind}`;
  },
});
