// The page in arena mode (--mode arena): joins the rollback room as a player (or, with ?watch,
// as a spectator) through the client SDK — a connect token from POST /connect, then the
// encrypted protocol over WebSocket, sealed with libsodium in the page — and plays it with the
// same chronos.wasm the server runs. Your avatar answers WASD and the mouse at once (predicted by
// the RollbackClient, smoothed when a rollback corrects it); other players and NPCs are drawn
// from confirmed frames behind a render delay; every state hash the server publishes is checked
// against the page's confirmed state.

import { FLAG_DEAD, FLAG_NPC, FLAG_PLAYER, FLAG_PROJECTILE } from '../core/world-layout.js';
import { PlayClient } from '../client/play-client.js';
import { hashAfterFrames, paramsFromJoin } from '../client/demo-game.js';
import type { JoinMessage, PlayMode } from '../codec/play-messages.js';
import type { SampledBodies } from '../rollback/hitbox-history.js';
import { NPC_COLOUR, PLAYER_COLOURS, PROJECTILE_COLOUR, SELF_COLOUR, type Scene } from './map-view.js';
import { formatBytesPerSecond } from './overlay.js';
import { SpatialLayer, type SpatialLayerStatus } from './spatial-layer.js';
import { InterestLayer, ZONE_COLOURS, type InterestLayerStatus } from './interest-layer.js';
import { WorldColumnsInfo } from './body-info.js';
import { LinkStatus, OverlayPacer, cameraRow, networkRows, swatch, type PageShell } from './page-shell.js';
import { MoveProbeRecorder, interestCheckOf, type InterestCheck, type MoveProbe } from './arena-probes.js';

const SLOT_MASK = 0xfffff;
const Q16 = 65536;

interface SeenPlayer {
  player: number;
  slot: number;
  x: number;
  y: number;
  hp: number;
  dead: boolean;
}

export interface PageStatus {
  connected: boolean;
  mode: PlayMode;
  /** connecting, joining, running, needs-state, closed. */
  phase: string;
  player: number;
  spectatorReason: string;
  frame: number;
  confirmedFrame: number;
  entities: number;
  /** Entities drawn in the last frame, and by kind. */
  drawn: number;
  drawnNpcs: number;
  drawnPlayers: number;
  drawnProjectiles: number;
  bytesPerSecond: number;
  net: { state: string; transport: string; crypto: string; rttMs: number; loss: number; packetsIn: number; bytesIn: number; clientId: number; tier: string; reconnects: number };
  rollback: {
    rollbacks: number;
    rollbacksPerS: number;
    lastDepth: number;
    maxDepth: number;
    mispredictions: number;
    corrections: { snap: number; smooth: number; blend: number; teleport: number };
    leadFrames: number;
    speed: number;
    statesInstalled: number;
  };
  /** Server hashes checked against the page's confirmed state; the newest checkable local hash. */
  hash: { matched: number; mismatched: number; desyncFrame: number; lastFrame: number; lastHash: string };
  /** Your avatar: drawn (predicted, smoothed) and as of the newest confirmed frame, metres. */
  me: { slot: number; x: number; y: number; hp: number; dead: boolean; confirmedFrame: number; confirmedX: number; confirmedY: number } | null;
  /** Other players as drawn. */
  seen: SeenPlayer[];
  camera: 'follow' | 'free';
}

/** window.chronos in arena mode. */
export interface ArenaDebugApi {
  server: 'arena';
  status(): PageStatus;
  hashAfter(frames: number): Promise<string>;
  spatial(): SpatialLayerStatus;
  /** The interest layer and the client's interest-managed view. */
  interest(): InterestLayerStatus & { bytesPerS: number; updatesPerS: number; snapshots: number; rejected: number; drops: Record<string, number>; hasView: boolean };
  /**
   * The interest view against the page's copy of the server's world (its confirmed states,
   * checked hash by hash against the server's): each record in view beside the body it
   * describes at the tick the server sent it, where the page still holds that confirmed frame.
   */
  interestCheck(): InterestCheck;
  armMoveProbe(): void;
  moveProbe(): MoveProbe | null;
  /** Canvas position (CSS px) of player `player` as drawn (your own avatar too), or null. */
  screenOfPlayer(player: number): { x: number; y: number } | null;
}

/** Drops the body in `slot` from `bodies` (your avatar, drawn from the predicted set). */
function removeSlot(bodies: SampledBodies, slot: number): void {
  if (slot < 0) return;
  for (let i = 0; i < bodies.count; i++) {
    if ((bodies.ids[i]! & SLOT_MASK) !== slot) continue;
    const last = --bodies.count;
    bodies.ids[i] = bodies.ids[last]!;
    bodies.flags[i] = bodies.flags[last]!;
    bodies.x[i] = bodies.x[last]!;
    bodies.y[i] = bodies.y[last]!;
    bodies.z[i] = bodies.z[last]!;
    return;
  }
}

function hex(hash: bigint): string {
  return hash.toString(16).padStart(16, '0');
}

export async function startArenaPage(shell: PageShell): Promise<void> {
  const { overlay, view, panel, controls, arena } = shell;
  const mode: PlayMode = shell.watching ? 'watch' : 'play';
  shell.legend.innerHTML =
    `<b>arena mode</b>: a rollback room, every page simulates the whole world<br>` +
    [swatch(SELF_COLOUR, 'you'), swatch(PLAYER_COLOURS[0]!, 'players'), swatch(NPC_COLOUR, 'NPCs'), swatch(PROJECTILE_COLOUR, 'projectiles')].join(' ');
  // The spatial layer indexes the page's own copy of the game world (see spatial-layer.ts).
  const spatial = new SpatialLayer();
  shell.onToggleSpatial = () => spatial.toggle();

  let join: JoinMessage | undefined;
  const link = new LinkStatus();
  let info: WorldColumnsInfo | undefined;
  let remote: SampledBodies | undefined;
  let predicted: SampledBodies | undefined;
  let aimRad = 0;
  let lastOwnTimer = 0;

  const play = await PlayClient.create({
    tokenUrl: new URL('connect', location.href),
    transport: 'websocket',
    mode,
    arena,
    name: 'page',
    drive: 'manual',
    handlers: {
      join(j, game) {
        join = j;
        probes.attach(game);
        view.setWorld(j.bounds, j.capacity);
        spatial.attach(game.world);
        info = new WorldColumnsInfo(game.world);
        remote = play.rollback!.createBodies();
        predicted = play.rollback!.createBodies();
        if (j.player >= 0 && !view.following) view.follow();
      },
      connect: (tier) => link.connect(tier),
      interrupt: (reason) => link.interrupt(reason),
      disconnect: (reason) => link.disconnect(reason),
    },
  });
  const probes = new MoveProbeRecorder(play, controls);
  play.connect().catch((err: Error) => link.failed(err));
  // What interest management sends this page: rings around the viewer, NPCs coloured by zone.
  const interest = new InterestLayer(play.interest);
  shell.onToggleInterest = () => interest.toggle();
  view.npcClass = { of: (slot) => interest.classOf(slot), colours: ZONE_COLOURS };
  view.underlay = (ctx, ox, oy, z, width, height) => {
    spatial.draw({ ctx, ox, oy, z, width, height });
    interest.draw(ctx, ox, oy, z);
  };

  /** The newest confirmed hash frame the page holds, and its local hash (the server's, if in sync). */
  const lastChecked = (): { frame: number; hash: string } => {
    const frame = play.newestConfirmedHashFrame();
    const hash = frame >= 0 ? play.hashOfFrame(frame) : undefined;
    return hash === undefined ? { frame: -1, hash: '' } : { frame, hash: hex(hash) };
  };

  const me = (): PageStatus['me'] => {
    const rb = play.rollback;
    const game = play.game;
    if (!rb || !game || play.player < 0) return null;
    const slot = game.playerSlot(play.player);
    if (slot < 0) return null;
    const w = game.world;
    const confirmed = game.history?.bodyAt(rb.confirmedFrame + 1, slot);
    return {
      slot,
      x: Number.isFinite(view.ownX) ? view.ownX : w.column('posX')[slot]! / Q16,
      y: Number.isFinite(view.ownY) ? view.ownY : w.column('posY')[slot]! / Q16,
      hp: w.column('hp')[slot]!,
      dead: (w.column('flags')[slot]! & FLAG_DEAD) !== 0,
      confirmedFrame: rb.confirmedFrame,
      confirmedX: confirmed ? confirmed.x / Q16 : Number.NaN,
      confirmedY: confirmed ? confirmed.y / Q16 : Number.NaN,
    };
  };

  const seen = (): SeenPlayer[] => {
    const game = play.game;
    if (!remote || !game) return [];
    const w = game.world;
    const owner = w.column('owner');
    const hp = w.column('hp');
    const out: SeenPlayer[] = [];
    for (let i = 0; i < remote.count; i++) {
      if ((remote.flags[i]! & FLAG_PLAYER) === 0) continue;
      const slot = remote.ids[i]! & SLOT_MASK;
      out.push({ player: owner[slot]!, slot, x: remote.x[i]!, y: remote.y[i]!, hp: hp[slot]!, dead: (remote.flags[i]! & FLAG_DEAD) !== 0 });
    }
    return out;
  };

  const status = (): PageStatus => {
    const s = play.stats();
    const last = lastChecked();
    return {
      connected: link.connected,
      mode,
      phase: s.phase,
      player: s.player,
      spectatorReason: s.spectatorReason,
      frame: s.frame,
      confirmedFrame: s.confirmedFrame,
      entities: play.game?.world.aliveCount ?? 0,
      drawn: view.drawn.entities,
      drawnNpcs: view.drawn.npcs,
      drawnPlayers: view.drawn.players,
      drawnProjectiles: view.drawn.projectiles,
      bytesPerSecond: s.bytesInPerS,
      net: { state: s.net.state, transport: s.net.transport, crypto: s.net.crypto, rttMs: s.net.rttMs, loss: s.net.loss, packetsIn: s.net.packetsIn, bytesIn: s.net.bytesIn, clientId: s.net.clientId, tier: s.net.tier, reconnects: s.net.reconnects },
      rollback: {
        rollbacks: s.rollbacks,
        rollbacksPerS: s.rollbacksPerS,
        lastDepth: s.lastRollbackDepth,
        maxDepth: s.maxRollbackDepth,
        mispredictions: s.mispredictions,
        corrections: s.corrections,
        leadFrames: s.leadFrames,
        speed: s.speed,
        statesInstalled: s.statesInstalled,
      },
      hash: { matched: s.hashChecks.matched, mismatched: s.hashChecks.mismatched, desyncFrame: s.desyncFrame, lastFrame: last.frame, lastHash: last.hash },
      me: me(),
      seen: seen(),
      camera: view.following ? 'follow' : 'free',
    };
  };

  window.chronos = {
    server: 'arena',
    status,
    spatial: () => spatial.status(),
    interest: () => {
      const s = play.stats().interest;
      return {
        ...interest.status(), bytesPerS: s.bytesPerS, updatesPerS: s.updatesPerS, snapshots: s.snapshots, rejected: s.rejected,
        drops: { ...play.interest.drops }, hasView: play.interest.view !== undefined,
      };
    },
    // The game from the server's JOIN with nobody in it, stepped `frames` times: what the e2e
    // tests compare with Node's hash of the same game.
    async hashAfter(frames: number): Promise<string> {
      if (!join) throw new Error('no JOIN from the server yet');
      return hex(hashAfterFrames(arena, paramsFromJoin(join), frames));
    },
    interestCheck: () => interestCheckOf(play),
    armMoveProbe: () => probes.arm(),
    moveProbe: () => probes.probe,
    screenOfPlayer(player: number) {
      const own = player === play.player && Number.isFinite(view.ownX);
      const p = own ? { x: view.ownX, y: view.ownY } : seen().find((s) => s.player === player);
      if (!p) return null;
      const [x, y] = view.toScreen(p.x, p.y);
      return { x, y };
    },
  };

  const overlayPacer = new OverlayPacer();
  const frame = (now: number) => {
    const rb = play.rollback;
    const game = play.game;
    const playing = play.player >= 0 && rb !== undefined && game !== undefined;
    if (playing) {
      // Aim from where your avatar was drawn to the mouse; until the mouse moves, straight ahead.
      if (controls.hasMouse && Number.isFinite(view.ownX)) {
        const [wx, wy] = view.toWorld(controls.mouseX, controls.mouseY);
        if (wx !== view.ownX || wy !== view.ownY) aimRad = Math.atan2(wy - view.ownY, wx - view.ownX);
      }
      play.setInput({ moveX: controls.moveX, moveY: controls.moveY, aimRad, fire: controls.fireHeld, shoot: controls.shootHeld });
    }
    play.update(now);
    let scene: Scene | undefined;
    if (rb && game && remote && predicted && info && rb.state === 'running') {
      const ownSlot = play.player >= 0 ? game.playerSlot(play.player) : -1;
      rb.predictedInto(predicted, FLAG_PLAYER | FLAG_PROJECTILE);
      if (!rb.remoteInto(remote, now, FLAG_NPC | FLAG_PLAYER)) {
        // The confirmed frames to draw are not held yet (just joined): the predicted world instead.
        rb.predictedInto(remote, FLAG_NPC | FLAG_PLAYER);
        removeSlot(remote, ownSlot);
      }
      const w = game.world;
      const timer = ownSlot >= 0 ? w.column('timer')[ownSlot]! : 0;
      const dead = ownSlot >= 0 && (w.column('flags')[ownSlot]! & FLAG_DEAD) !== 0;
      // A hitscan shot left when the weapon's cooldown restarted with SHOOT held.
      const shotFired = ownSlot >= 0 && !dead && controls.shootHeld && timer > lastOwnTimer;
      lastOwnTimer = timer;
      info.ownSlot = ownSlot;
      scene = {
        remote,
        predicted,
        ownSlot,
        info,
        playerHp: game.rules.playerHp,
        npcHp: game.rules.npcHp,
        aimRad,
        rangeM: join?.lagCompensation.rangeM ?? 100,
        respawnS: dead ? timer / game.world.options.tickHz : 0,
        shotFired,
      };
    }
    spatial.refresh(now);
    // The viewer: your avatar as drawn last frame, or (watching) the camera centre, which the
    // server then centres this page's interest on.
    const watching = play.player < 0;
    interest.refresh(
      watching ? view.centerX : view.ownX,
      watching ? view.centerY : view.ownY,
      game?.world.capacity ?? 0,
      now,
      watching && play.interest.view ? (x, y) => play.sendViewer(x, y) : undefined,
    );
    // Keep what the camera follows clear of the stats panel.
    view.insetLeftPx = panel.classList.contains('hidden') ? 0 : panel.getBoundingClientRect().right;
    view.draw(scene, now);
    if (overlayPacer.due(now, `${spatial.visible} ${interest.enabled}`)) updateOverlay();
    requestAnimationFrame(frame);
  };

  const updateOverlay = () => {
    const s = play.stats();
    overlay.section('game');
    overlay.set('you', s.player >= 0 ? `player ${s.player}` : s.phase === 'connecting' ? '-' : s.spectatorReason === 'full' ? 'watching (full: next in line)' : 'watching', s.player >= 0 ? 'ok' : 'wait');
    overlay.set('players', play.game ? `${countPlayers()} / ${join?.players ?? '-'}` : '-');
    overlay.set('kills', String(play.game?.kills ?? 0));
    overlay.set('entities', (play.game?.world.aliveCount ?? 0).toLocaleString('en'));
    overlay.set('frame', s.phase === 'running' ? `${s.frame.toLocaleString('en')} (${s.predictionFrames} predicted)` : s.phase);
    overlay.section('rollback');
    overlay.set('rollbacks/s', s.rollbacksPerS.toFixed(1));
    overlay.set('rollback depth', `${s.lastRollbackDepth} last / ${s.maxRollbackDepth} max`);
    const c = s.corrections;
    overlay.set('corrections', `snap ${c.snap} · smooth ${c.smooth} · blend ${c.blend} · teleport ${c.teleport}`);
    overlay.set('time sync', `${s.leadFrames >= 0 ? '+' : ''}${s.leadFrames.toFixed(1)} frames, ${(s.speed * 100).toFixed(1)} %`);
    const h = s.hashChecks;
    if (s.desyncFrame >= 0) overlay.set('hash checks', `DESYNC at frame ${s.desyncFrame} (${h.mismatched} bad, resynced)`, 'bad');
    else if (h.matched > 0) overlay.set('hash checks', `in sync (${h.matched} matched)`, 'ok');
    else overlay.set('hash checks', 'waiting for the first', 'wait');
    networkRows(overlay, link, s.net, s.bytesInPerS);
    overlay.section('view');
    cameraRow(overlay, view);
    const sp = spatial.status();
    overlay.set(
      'spatial',
      sp.visible ? `${sp.cells.toLocaleString('en')} cells, ${sp.levelsInUse} level${sp.levelsInUse === 1 ? '' : 's'}, depth ${sp.maxDepth}` : 'off (G)',
      sp.visible ? 'ok' : undefined,
    );
    overlay.set('index update', sp.visible ? `${(sp.updateMs * 1000).toFixed(0)} us @${sp.tick}` : '-');
    overlay.section('interest');
    const is = s.interest, il = interest.status();
    overlay.set('received', formatBytesPerSecond(is.bytesPerS), is.snapshots > 0 ? 'ok' : 'wait');
    overlay.set('updates/s', `${Math.round(is.updatesPerS).toLocaleString('en')} records`);
    overlay.set('in view', il.radiusM > 0 ? `${is.inView} within ${Math.round(il.radiusM)} m · ${il.byZone.join(' / ')} by zone` : '-');
    overlay.set('rejected', String(is.rejected), is.rejected > 0 ? 'bad' : undefined);
    // Reliable broadcast events in range (the demo announces players going down).
    const ev = play.interest.events.at(-1);
    overlay.set(
      'events',
      ev ? `${play.interest.eventsReceived} · last: ${ev.kind === 1 ? `player ${ev.payload[0]} down` : `kind ${ev.kind}`} at tick ${ev.tick}` : 'none yet',
    );
    overlay.set('interest layer', il.enabled ? 'on (I)' : 'off (I)', il.enabled ? 'ok' : undefined);
  };

  const countPlayers = (): number => {
    const game = play.game;
    if (!game) return 0;
    let n = 0;
    for (let p = 0; p < game.players; p++) if (game.playerSlot(p) >= 0) n++;
    return n;
  };

  updateOverlay();
  requestAnimationFrame(frame);
}
