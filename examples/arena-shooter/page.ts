// The arena shooter's page: the engine's pages for declared games with this game's colours, keys
// and panel. The server says which mode it runs (/game.json):
//   world mode (src/web/declared-view.ts): the page predicts the player with the same module the
//     server runs (game.wasm), so a step shows at once and the server's state, arriving later,
//     agrees; its window.chronos.trace replays that module here for the Node = Chromium check;
//   arena mode (src/web/room-view.ts): the page runs the whole room with that module, rolled
//     back and corrected by the server's confirmed inputs, a hash every second proving it agrees.
// Bundled to build/examples/arena-shooter by `npm run build`.

import { startDeclaredPage, startRoomPage, type BroadcastEvent, type MapView } from '../../src/web/sdk.js';
import { CAPACITY, EVENT_DOWN, EVENT_KILL, eventAvatar, GAME, HALF_M, NO_TARGET, RIFLE_RANGE_M, type Input } from './game.js';

const COLOURS: Record<string, string> = { player: '#4fc3f7', npc: '#e57373', projectile: '#fff176' };

/** What both modes' pages take of this game: how it looks, its keys, its panel. */
const LOOK = {
  game: GAME,
  colorOf: (type: string) => COLOURS[type] ?? '#ccc',
  sizeOf: (type: string) => (type === 'projectile' ? 0.25 : 0.5),
  input: (keys: ReadonlySet<string>, aim: number, view: { readonly tick: number }): Input => ({
    moveX: (keys.has('KeyD') || keys.has('ArrowRight') ? 1 : 0) - (keys.has('KeyA') || keys.has('ArrowLeft') ? 1 : 0),
    moveY: (keys.has('KeyW') || keys.has('ArrowUp') ? 1 : 0) - (keys.has('KeyS') || keys.has('ArrowDown') ? 1 : 0),
    fire: keys.has('Mouse0') || keys.has('Space'),
    // The declared aim is [0, 2 pi): the page's is atan2's (-pi, pi].
    aim: aim < 0 ? aim + 2 * Math.PI : aim,
    // The rifle, judged against the tick on screen; the server fills in what it hit.
    shoot: keys.has('Mouse2') || keys.has('KeyE'),
    viewTick: view.tick & 0xffff,
    target: NO_TARGET,
  }),
  metresAcross: 90,
  panel: (own: Record<string, unknown> | undefined) => {
    if (!own) return ['joining…'];
    const p = own.position as { x: number; y: number };
    const hp = (own.health as { hp: number } | undefined)?.hp ?? 0;
    const dead = (own.body as { dead: boolean } | undefined)?.dead ?? false;
    const weapon = own.weapon as { cooldown: number; kills: number } | undefined;
    return [
      `you: (${p.x.toFixed(1)}, ${p.y.toFixed(1)}) · ${dead ? `down: back in ${((weapon?.cooldown ?? 0) / 60).toFixed(1)} s` : `${hp} hp`}`,
      `kills: ${weapon?.kills ?? 0} (only you receive your weapon) · ${dead ? '' : weapon && weapon.cooldown > 0 ? 'reloading' : 'ready'}`,
      'WASD move · aim with the mouse · click or Space: projectiles · red: NPCs, blue: players',
      'right-click or E: rifle (60 m; the server judges what it hits)',
    ];
  },
  // The kill feed (its rules emit it: assembly/combat.ts): who scored or fell within 100 m, in
  // world mode and in a room alike.
  describeEvent: (e: BroadcastEvent, me: number) => {
    const who = eventAvatar(e.payload);
    const name = who === me ? 'you' : `P${who & 0xfffff}`;
    return e.kind === EVENT_KILL ? `${name} scored` : e.kind === EVENT_DOWN ? `${name} went down` : `event ${e.kind}`;
  },
  // The rifle's line while it is held: bright when the weapon is ready, dim while it reloads.
  aimLine: {
    rangeM: RIFLE_RANGE_M,
    held: (keys: ReadonlySet<string>) => keys.has('Mouse2') || keys.has('KeyE'),
    ready: (own: Record<string, unknown> | undefined) => ((own?.weapon as { cooldown: number } | undefined)?.cooldown ?? 0) === 0,
  },
  background: ({ ctx, px, py, scale }: MapView) => {
    // A 10 m grid, and the arena's edge.
    ctx.strokeStyle = '#161b22';
    ctx.lineWidth = 1;
    const step = 10;
    const w = ctx.canvas.width / scale;
    const h = ctx.canvas.height / scale;
    const x0 = Math.floor((-px(0) / scale) / step) * step;
    const y0 = Math.floor(((py(0) - ctx.canvas.height) / scale) / step) * step;
    for (let x = x0; x <= x0 + w + step; x += step) {
      ctx.beginPath();
      ctx.moveTo(px(x), 0);
      ctx.lineTo(px(x), ctx.canvas.height);
      ctx.stroke();
    }
    for (let y = y0; y <= y0 + h + step; y += step) {
      ctx.beginPath();
      ctx.moveTo(0, py(y));
      ctx.lineTo(ctx.canvas.width, py(y));
      ctx.stroke();
    }
    ctx.strokeStyle = '#d29922';
    ctx.lineWidth = 2 * devicePixelRatio;
    ctx.strokeRect(px(-HALF_M), py(HALF_M), 2 * HALF_M * scale, 2 * HALF_M * scale);
  },
};

const served = (await fetch('/game.json').then((r) => r.json()).catch(() => ({}))) as { mode?: string };
if (served.mode === 'room') void startRoomPage({ ...LOOK, module: { url: 'game.wasm' }, verdicts: ['target'] });
else void startDeclaredPage({ ...LOOK, module: { url: 'game.wasm', capacity: CAPACITY } });
