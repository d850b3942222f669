// Skyworld's page: the engine's declared-game view (src/web/declared-view.ts) with this game's
// colours, keys and panel, predicting the player with the sim's own player tick (predict.ts).
// Bundled to build/examples/skyworld by `npm run build`.

import { startDeclaredPage } from '../../src/web/sdk.js';
import { EVENT_KNOCKOUT, EVENT_ZAP_HIT, FAMILY, SKYWORLD, TYPE_TRAITS, ZAP_RANGE_M, zapPayload } from './game.js';
import { LADDERS, PLATFORMS, Q, RAMPS } from './terrain.js';
import { SkyworldPrediction } from './predict.js';

const COLOURS: Record<number, string> = {
  [FAMILY.player]: '#4fc3f7',
  [FAMILY.walker]: '#e57373',
  [FAMILY.climber]: '#ba68c8',
  [FAMILY.flyer]: '#fff176',
  [FAMILY.prop]: '#8d6e63',
  [FAMILY.animatedProp]: '#ff8a65',
  [FAMILY.pickup]: '#81c784',
  [FAMILY.projectile]: '#ffffff',
  [FAMILY.shooter]: '#90a4ae',
};
let flying = false;
addEventListener('keydown', (e) => {
  if (e.code === 'KeyF' && !e.repeat) flying = !flying;
});

void startDeclaredPage({
  game: SKYWORLD,
  colorOf: (type) => COLOURS[TYPE_TRAITS[type]?.family ?? FAMILY.prop]!,
  sizeOf: (type) => (TYPE_TRAITS[type]?.family === FAMILY.projectile ? 0.3 : TYPE_TRAITS[type]?.family === FAMILY.prop ? 0.9 : 0.6),
  input: (keys, aim, view) => {
    const x = (keys.has('KeyD') || keys.has('ArrowRight') ? 1 : 0) - (keys.has('KeyA') || keys.has('ArrowLeft') ? 1 : 0);
    const y = (keys.has('KeyW') || keys.has('ArrowUp') ? 1 : 0) - (keys.has('KeyS') || keys.has('ArrowDown') ? 1 : 0);
    // The zapper fires at the mouse; the server judges it against the tick on screen.
    const zap = keys.has('Mouse0') || keys.has('KeyE');
    return { moveX: x, moveY: y, jump: keys.has('Space'), climb: keys.has('KeyC'), fly: flying, aim, zap, viewTick: view.tick & 0xffff };
  },
  panel: (own) => {
    if (!own) return ['joining…'];
    const p = own.position as { x: number; y: number; z: number };
    const body = own.body as { level: number; grounded: boolean; climbing: boolean } | undefined;
    const anim = own.anim as { clip: string; frame: number } | undefined;
    const inv = own.inventory as { gold: number; keys: number; potions: number } | undefined;
    const zapper = own.zapper as { cooldown: number; hits: number } | undefined;
    const hp = (own.health as { hp: number } | undefined)?.hp;
    return [
      `you: (${p.x.toFixed(1)}, ${p.y.toFixed(1)}) at ${p.z.toFixed(1)} m, level ${body?.level ?? '-'}${body?.climbing ? ', climbing' : body?.grounded ? '' : ', in the air'}${flying ? ', flying' : ''} · ${anim?.clip ?? ''}`,
      `inventory (only you receive it): ${inv?.gold ?? 0} gold, ${inv?.keys ?? 0} keys, ${inv?.potions ?? 0} potions · ${hp ?? '-'} hp`,
      `zapper: ${zapper?.hits ?? 0} hit${zapper?.hits === 1 ? '' : 's'}${zapper && zapper.cooldown > 0 ? ' · recharging' : ' · ready'} (judged against the world as your screen showed it)`,
      'WASD move · Space jump · C climb a ladder (yellow) · F fly · click or E zap at the mouse',
      'lighter slabs are higher platforms, green ones ramps',
    ];
  },
  // The step's zap hits and knock-outs within 30 m (sim.ts announces them).
  describeEvent: (e, me) => {
    const { zapper, type } = zapPayload(e.payload);
    const who = zapper === me ? 'you' : `P${zapper & 0xfffff}`;
    const what = SKYWORLD.types[type]?.name ?? 'something';
    return e.kind === EVENT_ZAP_HIT ? `${who} zapped a ${what}` : e.kind === EVENT_KNOCKOUT ? `${who} knocked out a ${what}` : `event ${e.kind}`;
  },
  // The zapper's line while it is held: bright when it fires, dim while it recharges, out to its reach.
  aimLine: {
    rangeM: ZAP_RANGE_M,
    held: (keys) => keys.has('Mouse0') || keys.has('KeyE'),
    ready: (own) => ((own?.zapper as { cooldown: number } | undefined)?.cooldown ?? 0) === 0,
  },
  metresAcross: 140,
  predict: new SkyworldPrediction(),
  background: ({ ctx, px, py, scale, meZ }) => {
    // A 16 m grid on the ground, then surfaces bottom up: the higher, the lighter; faded by the
    // height between them and the player, so the level it stands on reads first.
    ctx.strokeStyle = '#161b22';
    ctx.lineWidth = 1;
    const step = 16;
    const left = Math.floor((-70 - 8 + (ctx.canvas.width / 2 - px(0)) / scale) / step) * step;
    for (let k = 0; k < 20; k++) {
      const x = left + k * step;
      ctx.beginPath();
      ctx.moveTo(px(x), 0);
      ctx.lineTo(px(x), ctx.canvas.height);
      ctx.stroke();
    }
    const top = Math.floor((py(0) - ctx.canvas.height / 2) / scale / step) * step;
    for (let k = -12; k < 12; k++) {
      const y = top + k * step;
      ctx.beginPath();
      ctx.moveTo(0, py(y));
      ctx.lineTo(ctx.canvas.width, py(y));
      ctx.stroke();
    }
    const fade = (z: number) => Math.max(0.25, 1 - Math.abs(z - meZ) / 40);
    for (const p of [...PLATFORMS].sort((a, b) => a.z - b.z)) {
      const z = p.z / Q;
      ctx.globalAlpha = fade(z);
      ctx.fillStyle = p.cave ? '#3b2f2f' : `hsl(210, 30%, ${14 + Math.min(40, z / 3)}%)`;
      ctx.fillRect(px(p.x0 / Q), py(p.y1 / Q), ((p.x1 - p.x0) / Q) * scale, ((p.y1 - p.y0) / Q) * scale);
      ctx.fillStyle = '#8b949e';
      ctx.font = `${11 * devicePixelRatio}px ui-monospace, monospace`;
      // Labelled at the slab's lower edge: the panel covers the top of the view.
      ctx.fillText(`${z} m${p.cave ? ' (cave roof)' : ''}`, px(p.x0 / Q) + 4, py(p.y0 / Q) - 6 * devicePixelRatio);
    }
    for (const r of RAMPS) {
      ctx.globalAlpha = fade((r.z0 + r.z1) / 2 / Q);
      ctx.fillStyle = '#2d4a3e';
      ctx.fillRect(px(r.x0 / Q), py(r.y1 / Q), ((r.x1 - r.x0) / Q) * scale, ((r.y1 - r.y0) / Q) * scale);
    }
    ctx.fillStyle = '#d29922';
    for (const l of LADDERS) {
      ctx.globalAlpha = fade(l.top / Q);
      ctx.fillRect(px(l.x / Q) - 0.75 * scale, py(l.y / Q) - 0.75 * scale, 1.5 * scale, 1.5 * scale);
    }
  },
});
