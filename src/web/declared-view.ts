// A page for any declared game (src/core/game.ts) served by DeclaredServer: it connects a
// DeclaredClient over WebSocket, draws what the client's typed view holds from above (centred
// on the player's avatar, each type in its colour, bodies above or below the avatar fainter so
// several levels read apart), shows a panel of the player's own state, and turns keys and the
// mouse into the game's input through the game's own mapping. Given the game's module (its
// AssemblyScript rules, chronos build's game.wasm), the page predicts the player's avatar with
// it (DeclaredPredictor: one input a tick, reconciled against each snapshot) and draws the
// avatar where the prediction has it. A game's page is a few lines:
//
//   startDeclaredPage({ game, colorOf: (type) => '#6cf', input: (keys, aim) => ({ ... }) });

import type { GameDeclaration } from '../core/game.js';
import { MAX_ENTITIES } from '../core/entity-id.js';
import { DeclaredClient } from '../client/declared-client.js';
import { DisconnectReason, disconnectReasonName } from '../net/spec.js';
import { DeclaredPredictor, type DeclaredPredictorStats, type PredictableRules } from '../client/declared-predictor.js';
import { InputClock } from '../client/input-clock.js';
import { RemoteMotion, type Place } from '../client/remote-motion.js';
import { WasmGameRules } from '../rollback/wasm-game.js';
import { traceDeclaredGame, type DeclaredTraceResult } from '../rollback/declared-trace.js';
import { drawAimLine, drawAvatarRing, eventLines, watchInput, type MapView, type PageLook } from './page-input.js';
import { DeclaredInterestLayer, servedGame, type DeclaredInterestStatus } from './declared-interest-layer.js';
import { SpectatorCamera } from './spectator-camera.js';
import { SpatialLayer, type SpatialLayerStatus } from './spatial-layer.js';
import { declaredBounds, replicaSubject, spatialLine } from './declared-spatial.js';
import { Arena } from '../wasm/arena.js';
import { loadChronos } from '../wasm/loader.js';

export interface DeclaredPageOptions<D extends GameDeclaration> extends PageLook<D> {
  /**
   * Draws over the entities (a shot's line, a marker): with the keys held, the aim, and the
   * player's own entity as the panel gets it. The avatar is at the canvas's centre.
   */
  readonly foreground?: (view: MapView, input: { readonly keys: ReadonlySet<string>; readonly aimRad: number }, own: Record<string, unknown> | undefined) => void;
  /**
   * The game's module (chronos build's game.wasm: its AssemblyScript rules with the engine's
   * kernels) and the store capacity the server runs it with (at least: a server whose store is
   * larger says so in /game.json, and the page's is made that large): the page then runs the same rules
   * over the same bytes as the server, to predict the avatar and for window.chronos.trace (the
   * Node = Chromium check).
   */
  readonly module?: { readonly url: string | URL; readonly capacity: number };
  /** Without a module: the game's own TypeScript rules to predict the avatar with. */
  readonly predict?: PredictableRules<D>;
}

/** A recorded run for window.chronos.trace (DeclaredTraceRun with its inputs in base64). */
export interface PageTraceRun {
  readonly players: number;
  readonly seed: number;
  readonly frames: number;
  readonly inputsBase64: string;
  readonly checkpointEvery: number;
  readonly syncTest?: boolean;
}

export type { MapView } from './page-input.js';

/** What the end-to-end tests read: window.chronos.status(). */
export interface DeclaredDebugApi {
  /** An entity of the view as the page holds it (undefined when not in view). */
  entity(id: number): Record<string, unknown> | undefined;
  status(): {
    connected: boolean; ended: string | null; game: string | null; avatarId: number; entities: number; snapshots: number; drawn: number;
    own: Record<string, unknown> | undefined; drops: Record<string, number>;
    /** Game events heard (DeclaredServer.emit), and the newest few. */
    events: number; recentEvents: { kind: number; x: number; y: number; tick: number }[];
    /** The avatar as predicted (null without a module), the predictor's counters and the input clock's speed (1: the server's rate). */
    predicted: { x: number; y: number } | null; prediction: DeclaredPredictorStats | null; inputClock: number;
    /** The interest layer (key I): the view's radius and the entities drawn in each update band. */
    interest: DeclaredInterestStatus;
    /** ?watch: where the spectator's camera is, metres (null: the page plays). */
    watching: { x: number; y: number } | null;
    /** The spatial grid layer (key G); null where the page cannot index (no module: say why in the panel). */
    spatial: SpatialLayerStatus | null;
  };
  /** Runs the game's module (options.module) from a fresh memory over a recorded input stream. */
  trace(run: PageTraceRun): Promise<DeclaredTraceResult>;
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export async function startDeclaredPage<D extends GameDeclaration>(options: DeclaredPageOptions<D>): Promise<void> {
  const canvas = document.querySelector('canvas') ?? document.body.appendChild(document.createElement('canvas'));
  const panel = document.querySelector('#panel') ?? document.body.appendChild(Object.assign(document.createElement('pre'), { id: 'panel' }));
  const ctx = canvas.getContext('2d')!;
  const held = watchInput(canvas);
  const keys = held.keys;
  let drawn = 0;
  const served = await servedGame();
  const layer = DeclaredInterestLayer.from(served);
  addEventListener('keydown', (e) => {
    if (e.code === 'KeyI' && !e.repeat) layer.toggle();
  });
  // The module needs shared memory (a cross-origin isolated page, as DeclaredServer serves it):
  // without it the page still plays, unpredicted, and says why.
  let rules: PredictableRules<D> | undefined = options.predict;
  let unpredicted = rules ? '' : 'the page was given no rules to predict with';
  if (options.module) {
    try {
      rules = await WasmGameRules.load(options.game, { url: new URL(options.module.url, location.href), capacity: localCapacity(options.module.capacity, served) });
    } catch (err) {
      unpredicted = `${String(options.module.url)} did not load: ${(err as Error).message}`;
    }
  }
  const predictor = rules ? new DeclaredPredictor(rules) : undefined;
  // G: the engine's spatial index over the page's view, run by the kernels the game's module carries.
  const spatial = new SpatialLayer();
  const bounds = declaredBounds(options.game, 'position.x', 'position.y', options.game.fieldIndex.has('position.z') ? 'position.z' : undefined);
  // Without the game's module the layer loads the engine's own kernels (chronos.wasm beside the page) when first asked.
  let spatialArena: Arena | undefined = rules instanceof WasmGameRules ? rules.arena : undefined;
  let noSpatial = typeof bounds === 'string' ? bounds : '';
  const clock = new InputClock();
  const game = options.game;
  const fx = game.fieldIndex.get('position.x');
  const fy = game.fieldIndex.get('position.y');
  const fz = game.fieldIndex.get('position.z');
  if (fx === undefined || fy === undefined) throw new Error(`${game.name} declares no position.x / position.y to draw`);
  // Everything but the avatar drawn between the positions the server sent, each over its own
  // update interval (src/client/remote-motion.ts): smooth at 60 Hz and at a far band's 2.
  const motion = new RemoteMotion();
  const place: Place = { x: 0, y: 0, z: 0 };
  // Why the server ended the session (idle, kicked, shut down), shown until the page reloads.
  let ended: string | null = null;
  const client: DeclaredClient<D> = await DeclaredClient.create({
    game: options.game,
    tokenUrl: new URL('/connect', location.href),
    transport: 'websocket',
    handlers: {
      disconnect: (reason) => {
        ended = reason === DisconnectReason.Idle ? 'the server let you go after a while without input' : `the server ended the session (${disconnectReasonName(reason)})`;
      },
      snapshot: (d) => {
        // How far this view reached (less than its full radius in a crowd): the rings follow it.
        layer.viewScale = d.viewScale;
        if (client.replica) motion.observe(client.replica, fx, fy, fz);
        if (!client.replica || !predictor) return;
        predictor.reconcile(client.replica, client.avatarId, d.inputSeq);
        // The server's pace and how many of our inputs it holds steer how fast we make them.
        if (client.join) clock.steer(d.tick, d.inputQueue, performance.now(), client.join.tickHz);
      },
    },
  });
  addEventListener('keydown', (e) => {
    if (e.code === 'KeyG' && !e.repeat) void toggleSpatial();
  });
  async function toggleSpatial(): Promise<void> {
    if (!spatial.subject) {
      if (noSpatial || typeof bounds === 'string') return;
      if (!spatialArena) {
        try {
          spatialArena = new Arena(await loadChronos({ url: new URL('chronos.wasm', location.href), maximumPages: 1024 }));
        } catch (err) {
          noSpatial = `neither the game's module nor chronos.wasm beside the page loaded: ${(err as Error).message}`;
          return;
        }
      }
      if (spatial.subject) return; // a second G while the kernels loaded
      spatial.attachSubject(replicaSubject(spatialArena, bounds, () => client.replica, { x: fx!, y: fy!, z: fz }, (type) => options.sizeOf?.(type) ?? 0.6));
    }
    spatial.toggle();
  }
  const predictedXY = (): { x: number; y: number } | null => {
    const x = predictor?.value('position.x' as never);
    const y = predictor?.value('position.y' as never);
    return typeof x === 'number' && typeof y === 'number' ? { x, y } : null;
  };
  (window as unknown as { chronos: DeclaredDebugApi }).chronos = {
    entity: (id) => client.replica?.entity(id) as Record<string, unknown> | undefined,
    status: () => ({
      connected: client.net.state === 'connected',
      ended,
      game: client.join?.name ?? null,
      avatarId: client.avatarId,
      entities: client.replica?.size ?? 0,
      snapshots: client.stats.snapshots,
      drawn,
      own: client.replica?.entity(client.avatarId) as Record<string, unknown> | undefined,
      drops: { ...client.stats.drops },
      events: client.stats.events,
      recentEvents: client.recentEvents.map((e) => ({ kind: e.kind, x: e.x, y: e.y, tick: e.tick })),
      predicted: predictedXY(),
      prediction: predictor ? { ...predictor.stats } : null,
      inputClock: clock.speed,
      interest: layer.status(),
      watching: spectator?.watching ? { ...spectator.camera } : null,
      spatial: spatial.subject ? spatial.status() : null,
    }),
    trace: async (run) => {
      const module = options.module;
      if (!module) throw new Error(`${options.game.name}'s page was started without its module`);
      const rules = await WasmGameRules.load(options.game, { url: new URL(module.url, location.href), capacity: module.capacity });
      const { inputsBase64, ...rest } = run;
      return traceDeclaredGame(rules, { ...rest, inputs: fromBase64(inputsBase64) });
    },
  };
  // ?watch: a spectator, its camera panned with the keys (it has no avatar and sends no input),
  // where the server takes spectators (its game's module sees from a point: /game.json says so).
  const askedToWatch = new URLSearchParams(location.search).has('watch');
  const spectator = askedToWatch && served.spectators === true ? new SpectatorCamera(client) : undefined;
  const noWatching = askedToWatch && !spectator ? [`?watch: ${game.name}'s server takes no spectators, so this page plays`] : [];
  await client.connect();
  // With a predictor the input goes out once a tick, each applied here at once, on an input clock
  // that runs at the server's measured rate and keeps about one input waiting there (the world
  // client's, src/client/input-clock.ts): a stalled frame does not replay more than 8.
  let lastFrameMs = performance.now();
  const frame = () => {
    // The render clock, and the tick the screen shows (what a lag-compensated shot is judged against).
    const at = motion.renderTick(performance.now(), client.join?.tickHz ?? 60);
    const dt = Math.min(0.1, (performance.now() - lastFrameMs) / 1000);
    lastFrameMs = performance.now();
    if (spectator) spectator.frame(keys, dt);
    else try {
      const input = options.input(keys, held.aimRad, { tick: motion.shownTick(at) });
      if (!predictor || !client.join) client.setInput(input);
      else {
        const due = clock.framesDue(performance.now(), 1000 / client.join.tickHz);
        for (let i = 0; i < due; i++) predictor.predict(client.pushInput(input), input);
      }
    } catch (err) {
      panel.textContent = `input refused: ${(err as Error).message}`;
    }
    const w = (canvas.width = canvas.clientWidth * devicePixelRatio);
    const h = (canvas.height = canvas.clientHeight * devicePixelRatio);
    ctx.fillStyle = '#0d1117';
    ctx.fillRect(0, 0, w, h);
    const r = client.replica;
    drawn = 0;
    layer.begin();
    if (r && (spectator?.watching || (client.avatarId >= 0 && r.has(client.avatarId)))) {
      // A spectator's view is centred on its camera; a player's on its avatar, where the prediction has it.
      const mine = spectator ? spectator.camera : predictedXY();
      const me = mine?.x ?? (r.value(client.avatarId, 'position.x' as never) as number);
      const mn = mine?.y ?? (r.value(client.avatarId, 'position.y' as never) as number);
      const mz = spectator || fz === undefined ? 0 : ((r.value(client.avatarId, 'position.z' as never) as number | undefined) ?? 0);
      const scale = layer.scaleFor(w, h, w / (options.metresAcross ?? 120));
      options.background?.({ ctx, px: (xM) => w / 2 + (xM - me) * scale, py: (yM) => h / 2 - (yM - mn) * scale, scale, meZ: mz });
      ctx.globalAlpha = 1;
      spatial.refresh(performance.now());
      spatial.draw({ ctx, ox: w / 2 - me * scale, oy: h / 2 + mn * scale, z: scale, width: w, height: h });
      ctx.globalAlpha = 1;
      for (let i = 0; i < r.size; i++) {
        const smooth = motion.place(r.idAt(i), at, place);
        const x = smooth ? place.x : (r.valueAt(i, fx) as number);
        const y = smooth ? place.y : (r.valueAt(i, fy) as number);
        const z = smooth ? place.z : fz !== undefined ? ((r.valueAt(i, fz) as number | undefined) ?? 0) : 0;
        const type = r.typeAt(i);
        // The avatar is drawn where the prediction has it: the centre.
        const own = !spectator && mine !== null && r.idAt(i) === client.avatarId;
        const band = own ? -1 : layer.count(Math.hypot(x - me, y - mn));
        const px = own ? w / 2 : w / 2 + (x - me) * scale;
        const py = own ? h / 2 : h / 2 - (y - mn) * scale;
        if (px < -20 || py < -20 || px > w + 20 || py > h + 20) continue;
        // Bodies on other levels fade with the height between: a cave under a platform reads apart.
        ctx.globalAlpha = Math.max(0.2, 1 - Math.abs(z - mz) / 24);
        ctx.fillStyle = options.colorOf(type);
        const radiusPx = Math.max(2, (options.sizeOf?.(type) ?? 0.6) * scale);
        ctx.beginPath();
        ctx.arc(px, py, radiusPx, 0, 2 * Math.PI);
        ctx.fill();
        if (band >= 0) layer.outline(ctx, px, py, radiusPx, band);
        drawn++;
      }
      layer.drawRings(ctx, scale);
      if (!spectator) drawAvatarRing(ctx, scale);
      if (!spectator && options.aimLine?.held(keys)) drawAimLine(ctx, scale, held.aimRad, options.aimLine.rangeM, options.aimLine.ready(r.entity(client.avatarId) as Record<string, unknown> | undefined));
      if (options.foreground && !spectator) {
        // The view centred on the avatar as drawn (predicted), so a line from the centre starts at it.
        options.foreground({ ctx, px: (xM) => w / 2 + (xM - me) * scale, py: (yM) => h / 2 - (yM - mn) * scale, scale, meZ: mz }, { keys, aimRad: held.aimRad }, r.entity(client.avatarId) as Record<string, unknown> | undefined);
        ctx.globalAlpha = 1;
      }
    }
    const own = r?.entity(client.avatarId) as Record<string, unknown> | undefined;
    const kbps = (client.stats.snapshotBytes / 1024 / Math.max(1, performance.now() / 1000)).toFixed(1);
    panel.textContent = [
      ...(ended ? [`disconnected: ${ended}; reload the page to play again`] : []),
      `${game.name} · ${client.net.state} · ${r?.size ?? 0} entities in view · ${drawn} drawn · ${client.stats.snapshots} snapshots (${kbps} KiB/s)`,
      spectator
        ? spectator.line()
        : !predictor
        ? `prediction: off (${unpredicted})`
        : predictor.stats.off !== null
          ? `prediction: off (${predictor.stats.off})`
          : `prediction: your moves at once with ${game.name}'s own rules${options.module ? ' (game.wasm)' : ''} · ${predictor.stats.corrections} corrections, last ${predictor.stats.lastError.toFixed(2)} m`,
      ...noWatching,
      ...layer.legend(spectator !== undefined),
      spatialLine(spatial.subject ? spatial.status() : null, noSpatial),
      ...eventLines(client.stats.events, client.recentEvents, client.avatarId, options.describeEvent),
      ...(spectator ? [] : (options.panel?.(own) ?? [])),
    ].join('\n');
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

/**
 * The local store's capacity: the page's own, or the server's store's where /game.json says it
 * is larger (the avatar keeps its server slot, which may be past the page's default: a world of
 * 100,000 NPCs puts the players' avatars after them). At most MAX_ENTITIES.
 */
export function localCapacity(own: number, served: Record<string, unknown>): number {
  const c = served.capacity;
  return typeof c === 'number' && Number.isInteger(c) && c > own && c <= MAX_ENTITIES ? c : own;
}
