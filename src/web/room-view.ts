// The page of a declared game's rollback room (arena mode, DeclaredRoomServer): it joins with a
// DeclaredRoomClient over WebSocket, builds the room from the game's module (chronos build's
// game.wasm) as the JOIN describes it, and from then on the page runs the whole room itself:
// its own moves at once, everyone else's predicted and corrected by rollback when the server's
// confirmed inputs differ, a state hash every few frames proving the confirmed state is the
// server's. It draws the predicted room from above, centred on the player's avatar (the whole
// store: a room holds everything), with the same game options as the world-mode page
// (declared-view.ts): colours, sizes, the input mapping, a panel, a background, an aim line.
//
//   startRoomPage({ game, module: { url: 'game.wasm' }, verdicts: ['target'], colorOf, input: (keys, aim) => ({ ... }) });
//   // the page's own choice: fetch('/game.json').mode === 'room' ? startRoomPage(...) : startDeclaredPage(...)

import type { GameDeclaration } from '../core/game.js';
import type { GameStore } from '../core/game-store.js';
import { slotOf, type EntityId } from '../core/entity-id.js';
import { DeclaredRoomClient } from '../client/declared-room-client.js';
import { DeclaredRoomGame } from '../rollback/declared-room.js';
import { WasmGameRules } from '../rollback/wasm-game.js';
import { drawAimLine, drawAvatarRing, eventLines, watchInput, type PageLook } from './page-input.js';
import { panView } from './spectator-camera.js';
import { SpatialLayer, type SpatialLayerStatus } from './spatial-layer.js';
import { declaredBounds, spatialLine, storeSubject } from './declared-spatial.js';

export interface RoomPageOptions<D extends GameDeclaration> extends PageLook<D> {
  /** The game's module (chronos build's game.wasm); the room is built from it at each JOIN. */
  readonly module: { readonly url: string | URL };
  /** The game's verdict fields (DeclaredRoomOptions.verdicts): the server's to write. */
  readonly verdicts?: readonly string[];
  /** 'play' (default) or 'watch'; the page's ?watch asks to watch. */
  readonly mode?: 'play' | 'watch';
}

/** What the end-to-end tests read: window.chronos.status(). */
export interface RoomDebugApi {
  status(): {
    connected: boolean; mode: 'room'; game: string; phase: string; player: number; avatar: number | null;
    frame: number; confirmedFrame: number; rollbacks: number; hashChecks: { matched: number; mismatched: number; unchecked: number };
    /** Game events heard (the server's rules announced them). */
    events: number;
    entities: number; drawn: number; own: Record<string, unknown> | undefined; drops: Record<string, number>;
    /** Where the view is centred, metres: the avatar, or a spectator's camera (the keys pan it). */
    centre: { x: number; y: number };
    /** The spatial grid layer (key G) over the room's store; null until the room runs. */
    spatial: SpatialLayerStatus | null;
  };
  /** The room's state hash at `frame` as this page holds it (a decimal string), or null. */
  hashOf(frame: number): string | null;
}

/** An entity of `store` as a plain object of its components (what a panel reads). */
export function entityObject<D extends GameDeclaration>(store: GameStore<D>, id: EntityId): Record<string, unknown> | undefined {
  if (!store.isAlive(id)) return undefined;
  const game = store.game;
  const type = game.types[store.typeColumn[slotOf(id)]! - 1];
  if (!type) return undefined;
  const out: Record<string, Record<string, unknown>> = {};
  for (const c of type.components) {
    const component = game.components[c]!;
    const fields: Record<string, unknown> = {};
    for (const f of component.fields) {
      const name = game.fields[f]!.name;
      fields[name.slice(component.name.length + 1)] = store.get(id, name as never);
    }
    out[component.name] = fields;
  }
  return out;
}

export async function startRoomPage<D extends GameDeclaration>(options: RoomPageOptions<D>): Promise<void> {
  const canvas = document.querySelector('canvas') ?? document.body.appendChild(document.createElement('canvas'));
  const panel = document.querySelector('#panel') ?? document.body.appendChild(Object.assign(document.createElement('pre'), { id: 'panel' }));
  const ctx = canvas.getContext('2d')!;
  const held = watchInput(canvas);
  const game = options.game;
  const mode = options.mode ?? (new URLSearchParams(location.search).has('watch') ? 'watch' : 'play');
  const url = new URL(options.module.url, location.href);
  const client = await DeclaredRoomClient.create({
    game,
    mode,
    tokenUrl: new URL('/connect', location.href),
    transport: 'websocket',
    drive: 'manual',
    room: async (join) => DeclaredRoomGame.over(await WasmGameRules.load(game, { url, capacity: join.capacity, seats: join.players }), { verdicts: options.verdicts ?? [] }),
  });
  let drawn = 0;
  const centre = { x: 0, y: 0 };
  // G: the engine's spatial index over the room's own position columns (the module's kernels),
  // made again for each room a JOIN builds.
  const spatial = new SpatialLayer();
  let indexedRoom: DeclaredRoomGame<D> | undefined;
  const hasZ = game.fieldIndex.has('position.z');
  const bounds = declaredBounds(game, 'position.x', 'position.y', hasZ ? 'position.z' : undefined);
  addEventListener('keydown', (e) => {
    if (e.code === 'KeyG' && !e.repeat) spatial.toggle();
  });
  const own = () => {
    const avatar = client.avatar;
    return avatar === undefined || !client.room ? undefined : entityObject(client.room.store, avatar);
  };
  (window as unknown as { chronos: RoomDebugApi }).chronos = {
    status: () => {
      const s = client.stats();
      return {
        connected: client.net.state === 'connected', mode: 'room', game: game.name, phase: s.phase, player: s.player, avatar: client.avatar ?? null,
        frame: s.frame, confirmedFrame: s.confirmedFrame, rollbacks: s.rollbacks, hashChecks: s.hashChecks, events: client.eventsHeard,
        entities: client.room?.store.alive ?? 0, drawn, own: own(), drops: { ...s.drops, ...s.rollbackDrops }, centre: { ...centre },
        spatial: spatial.subject ? spatial.status() : null,
      };
    },
    hashOf: (frame) => {
      const rb = client.rollback;
      if (!rb || !client.room) return null;
      const h = frame === rb.currentFrame ? client.room.hash() : rb.ring.hashOf(frame);
      return h === undefined ? null : h.toString();
    },
  };
  await client.connect();
  const fx = game.fieldIndex.get('position.x');
  if (fx === undefined || game.fieldIndex.get('position.y') === undefined) throw new Error(`${game.name} declares no position.x / position.y to draw`);
  // Types that carry a position (a world's settings, say, have none and are not drawn).
  const positioned = game.types.map((t) => t.components.some((c) => game.components[c]!.fields.includes(fx)));
  let lastFrameMs = performance.now();
  const frame = () => {
    const room = client.room;
    const dt = Math.min(0.1, (performance.now() - lastFrameMs) / 1000);
    lastFrameMs = performance.now();
    // A spectator (or a player waiting for a seat) has no avatar to follow: the keys pan its view
    // over the room it runs (nothing goes to the server: it simulates the whole room anyway).
    if (client.avatar === undefined) panView(centre, held.keys, dt);
    try {
      if (room) client.setInput(options.input(held.keys, held.aimRad, { tick: room.frame() }));
    } catch (err) {
      panel.textContent = `input refused: ${(err as Error).message}`;
    }
    client.update(performance.now());
    const w = (canvas.width = canvas.clientWidth * devicePixelRatio);
    const h = (canvas.height = canvas.clientHeight * devicePixelRatio);
    ctx.fillStyle = '#0d1117';
    ctx.fillRect(0, 0, w, h);
    drawn = 0;
    const me = own();
    if (room && client.running) {
      const store = room.store;
      const avatar = client.avatar;
      if (avatar !== undefined && store.isAlive(avatar)) {
        centre.x = store.get(avatar, 'position.x' as never) as number;
        centre.y = store.get(avatar, 'position.y' as never) as number;
      }
      const scale = w / (options.metresAcross ?? 120);
      const px = (xM: number) => w / 2 + (xM - centre.x) * scale;
      const py = (yM: number) => h / 2 - (yM - centre.y) * scale;
      options.background?.({ ctx, px, py, scale, meZ: 0 });
      ctx.globalAlpha = 1;
      if (indexedRoom !== room && typeof bounds !== 'string') {
        const keys = { x: 'position.x', y: 'position.y', ...(hasZ ? { z: 'position.z' } : {}) } as Parameters<typeof storeSubject<D>>[3];
        spatial.attachSubject(storeSubject(room.arena, store, bounds, keys, () => room.frame()));
        indexedRoom = room;
      }
      spatial.refresh(performance.now());
      spatial.draw({ ctx, ox: w / 2 - centre.x * scale, oy: h / 2 + centre.y * scale, z: scale, width: w, height: h });
      ctx.globalAlpha = 1;
      for (let s = 0; s < store.highWater; s++) {
        const t = store.typeColumn[s]!;
        if (t === 0 || !positioned[t - 1]) continue;
        const id = store.idAt(s);
        const x = px(store.get(id, 'position.x' as never) as number);
        const y = py(store.get(id, 'position.y' as never) as number);
        if (x < -20 || y < -20 || x > w + 20 || y > h + 20) continue;
        const type = game.types[t - 1]!.name;
        ctx.fillStyle = options.colorOf(type);
        ctx.beginPath();
        ctx.arc(x, y, Math.max(2, (options.sizeOf?.(type) ?? 0.6) * scale), 0, 2 * Math.PI);
        ctx.fill();
        drawn++;
      }
      if (avatar !== undefined) {
        drawAvatarRing(ctx, scale);
        if (options.aimLine?.held(held.keys)) drawAimLine(ctx, scale, held.aimRad, options.aimLine.rangeM, options.aimLine.ready(me));
      }
    }
    const s = client.stats();
    panel.textContent = [
      `${game.name} · arena mode · ${client.net.state} · ${s.phase} · ${s.player >= 0 ? `seat ${s.player} of ${client.join?.players ?? '?'}` : `watching (${s.spectatorReason})`} · ${room?.store.alive ?? 0} entities`,
      `frame ${s.frame} · confirmed ${s.confirmedFrame} · ${s.predictionFrames} ahead · ${s.rollbacks} rollbacks · hashes ${s.hashChecks.matched} ok, ${s.hashChecks.mismatched} bad · rtt ${s.rttMs.toFixed(0)} ms`,
      s.player >= 0 ? `your page runs the whole room (game.wasm); the server's inputs correct it` : `you watch the whole room (game.wasm) from (${centre.x.toFixed(0)}, ${centre.y.toFixed(0)}): WASD or the arrows pan`,
      spatialLine(spatial.subject ? spatial.status() : null, typeof bounds === 'string' ? bounds : 'the room is not running yet'),
      ...eventLines(client.eventsHeard, client.recentEvents, client.avatar ?? -1, options.describeEvent),
      ...(s.player >= 0 ? (options.panel?.(me) ?? []) : []),
    ].join('\n');
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}
