// The page in world mode (the default): one server-authoritative world that any number of
// players share. The page runs a WorldClient (src/client/world-client.ts) over the encrypted
// WebSocket link (libsodium in the page), driven from requestAnimationFrame. It holds no world:
//   - your avatar is predicted by the same chronos.wasm step the server runs, the moment you press
//     a key, and reconciled against the server's OWN state every tick (a correction fades out);
//   - your projectiles are predicted too, from the moment you fire;
//   - everything else (NPCs, other players, their projectiles) is exactly what interest
//     management sends this page: the bodies within the AoI, interpolated behind an adaptive
//     render delay. Nothing outside the AoI ever reaches the page, so nothing else is drawn.
// A hitscan carries the server tick the page's view of others showed, and the server judges it
// by lag compensation against its own history rewound to that tick.

import { FLAG_DEAD, KIND_FLAGS_MASK } from '../core/world-layout.js';
import { WorldClient } from '../client/world-client.js';
import { worldHubs, type HubKind } from '../world/hubs.js';
import type { WorldJoin } from '../codec/world-messages.js';
import { createSampledBodies, type SampledBodies } from '../rollback/hitbox-history.js';
import { NPC_COLOUR, PLAYER_COLOURS, PROJECTILE_COLOUR, SELF_COLOUR, type Scene } from './map-view.js';
import { InterestLayer, ZONE_COLOURS } from './interest-layer.js';
import { SpatialLayer } from './spatial-layer.js';
import { ViewBodyInfo } from './body-info.js';
import { LinkStatus, OverlayPacer, swatch, type PageShell } from './page-shell.js';
import { ViewIndexSubject } from './view-index.js';
import { worldOverlay } from './world-overlay.js';
import { worldDebugApi, type WorldMoveProbe } from './world-debug.js';

export type { WorldDebugApi, WorldPageStatus, WorldMoveProbe } from './world-debug.js';

const Q16 = 65536;
/** The own list: the avatar and its projectiles in flight (the predictor keeps 16 at most). */
const OWN_BODIES = 1 + 16;

/** Hubs on the minimap: where the page spawns, towns, battlegrounds. */
const HUB_COLOURS: Record<HubKind, string> = { centre: 'rgba(223, 232, 241, 0.8)', town: 'rgba(125, 255, 176, 0.55)', battle: 'rgba(255, 107, 107, 0.65)' };

/** The zoom a page follows its avatar at: the awareness zone (130 m) about fills the height. */
function worldFollowZoom(heightPx: number): number {
  return Math.min(12, Math.max(2, heightPx / 300));
}

/** The legend: what the page is, and what its colours mean (NPCs take their zone's with I on). */
function worldLegend(zones: boolean): string {
  const players = `linear-gradient(90deg, ${PLAYER_COLOURS.slice(0, 3).join(', ')})`;
  const npcs = zones
    ? `NPCs by interest zone: ${[swatch(ZONE_COLOURS[0], 'immediate'), swatch(ZONE_COLOURS[1], 'near'), swatch(ZONE_COLOURS[2], 'awareness'), swatch(ZONE_COLOURS[3], 'background')].join(' ')} (<kbd>I</kbd>)`
    : `${swatch(NPC_COLOUR, 'NPCs')} (<kbd>I</kbd> colours them by interest zone)`;
  return (
    `<b>world mode</b>: one shared world. You see only what the server sends you: the bodies inside your AoI ring.<br>` +
    `${swatch(SELF_COLOUR, 'you')} ${swatch(players, 'other players')} ${swatch(players, 'away', true)} ` +
    `<span class="swatch streak" style="background:${PROJECTILE_COLOUR}"></span>projectiles<br>${npcs}`
  );
}

/** What the world page's frame loop keeps between frames (read by the debug API and the panel). */
export interface WorldPageState {
  readonly client: WorldClient;
  readonly shell: PageShell;
  readonly link: LinkStatus;
  readonly info: ViewBodyInfo;
  readonly interest: InterestLayer;
  readonly spatial: SpatialLayer;
  readonly join: WorldJoin | undefined;
  /** Remote bodies as drawn in the last frame, and the own list (avatar first, then projectiles). */
  remote: SampledBodies;
  own: SampledBodies;
  aimRad: number;
  probe: WorldMoveProbe | null;
}

export async function startWorldPage(shell: PageShell): Promise<void> {
  const { view, panel, controls, arena } = shell;
  const link = new LinkStatus();
  let join: WorldJoin | undefined;
  const client: WorldClient = await WorldClient.create({
    tokenUrl: new URL('connect', location.href),
    transport: 'websocket',
    mode: shell.watching ? 'watch' : 'play',
    // A page spawns at the world's centre (hub 0), where newcomers find each other.
    hub: 0,
    arena,
    name: 'page',
    drive: 'manual',
    handlers: {
      join(j) {
        join = j;
        view.setWorld(j.bounds, 0);
        // The hubs (derived from the seed, as the server's): the centre, towns, battlegrounds.
        view.landmarks = worldHubs(j.seed, j.bounds).map((h) => ({ x: h.x, y: h.y, colour: HUB_COLOURS[h.kind] }));
        const { width, height } = view.sizePx;
        view.followZoom = worldFollowZoom(height);
        if (j.mode === 'play') view.follow();
        else view.lookAt((j.bounds.minX + j.bounds.maxX) / 2, (j.bounds.minY + j.bounds.maxY) / 2, worldFollowZoom(Math.min(width, height)));
      },
      connect: (tier) => link.connect(tier),
      interrupt: (reason) => link.interrupt(reason),
      disconnect: (reason) => link.disconnect(reason),
    },
  });
  client.connect().catch((err: Error) => link.failed(err));

  const info = new ViewBodyInfo(() => client.interest.view);
  const interest = new InterestLayer(client.interest);
  shell.onToggleInterest = () => {
    const on = interest.toggle();
    shell.legend.innerHTML = worldLegend(on);
    return on;
  };
  view.npcClass = { of: (slot) => interest.classOf(slot), colours: ZONE_COLOURS };
  // G: the spatial index over what the page knows (its interest view), not the server's world.
  const spatial = new SpatialLayer();
  const subject = new ViewIndexSubject(arena, () => client.interest.view);
  shell.onToggleSpatial = () => {
    if (!spatial.subject && join) spatial.attachSubject(subject.attach(join.bounds));
    return spatial.toggle();
  };
  view.underlay = (ctx, ox, oy, z, width, height) => {
    spatial.draw({ ctx, ox, oy, z, width, height });
    interest.draw(ctx, ox, oy, z);
  };
  shell.legend.innerHTML = worldLegend(interest.enabled);

  const state: WorldPageState = {
    client, shell, link, info, interest, spatial,
    get join() {
      return join;
    },
    remote: createSampledBodies(256),
    own: createSampledBodies(OWN_BODIES),
    aimRad: 0,
    probe: null,
  };
  info.own = state.own;
  window.chronos = worldDebugApi(state);

  const projectiles = createSampledBodies(OWN_BODIES);
  const xy = { x: 0, y: 0 };
  let lastOwnTimer = 0;
  const overlayPacer = new OverlayPacer();
  const frame = (now: number) => {
    const p = client.predictor;
    const playing = p !== undefined && p.synced;
    // Aim from where your avatar was drawn to the mouse; until the mouse moves, straight ahead.
    if (playing && controls.hasMouse && Number.isFinite(view.ownX)) {
      const [wx, wy] = view.toWorld(controls.mouseX, controls.mouseY);
      if (wx !== view.ownX || wy !== view.ownY) state.aimRad = Math.atan2(wy - view.ownY, wx - view.ownX);
    }
    if (playing) client.setInput({ moveX: controls.moveX, moveY: controls.moveY, aimRad: state.aimRad, fire: controls.fireHeld, shoot: controls.shootHeld });
    const seqBefore = p?.newestSeq ?? 0;
    const frames = client.update(now);
    if (playing) recordMove(state, controls.moveX !== 0 || controls.moveY !== 0, frames > 0 ? seqBefore + 1 : -1, now);

    // The view's remote bodies (interpolated), sized to the view.
    const handles = client.interest.view?.handles ?? 0;
    if (state.remote.ids.length < handles) state.remote = createSampledBodies(handles);
    client.sampleRemote(now, state.remote);
    // The own list: the avatar (predicted, smoothed), then its projectiles (predicted).
    const own = state.own;
    own.count = 0;
    info.hasAvatar = client.ownPosition(xy);
    if (info.hasAvatar) {
      p!.predictedState(info.ownState);
      own.ids[0] = client.avatarId;
      own.flags[0] = info.ownState.flags & KIND_FLAGS_MASK;
      own.x[0] = xy.x;
      own.y[0] = xy.y;
      own.z[0] = info.ownState.z / Q16;
      own.count = 1;
    }
    const n = client.ownProjectilesInto(projectiles);
    for (let i = 0; i < n && own.count < own.ids.length; i++) {
      const k = own.count++;
      own.ids[k] = projectiles.ids[i]!;
      own.flags[k] = projectiles.flags[i]!;
      own.x[k] = projectiles.x[i]!;
      own.y[k] = projectiles.y[i]!;
      own.z[k] = projectiles.z[i]!;
    }
    info.projectileHeading = p?.projectileWorld.column('heading');
    let scene: Scene | undefined;
    if (join) {
      const dead = info.hasAvatar && (info.ownState.flags & FLAG_DEAD) !== 0;
      const timer = info.hasAvatar ? info.ownState.timer : 0;
      // A hitscan shot left when the weapon's cooldown restarted with SHOOT held.
      const shotFired = info.hasAvatar && !dead && controls.shootHeld && timer > lastOwnTimer;
      lastOwnTimer = timer;
      scene = {
        remote: state.remote,
        predicted: own,
        ownSlot: info.hasAvatar ? client.avatarId & 0xfffff : -1,
        info,
        playerHp: join.rules.playerHp,
        npcHp: join.rules.npcHp,
        aimRad: state.aimRad,
        rangeM: join.lagCompensation.rangeM,
        respawnS: dead ? timer / join.tickHz : 0,
        shotFired,
      };
    }
    // The viewer: your avatar as drawn last frame, or (watching) the camera centre, which the
    // server then centres this page's interest on.
    const watching = client.avatarId < 0;
    interest.refresh(
      watching ? view.centerX : view.ownX,
      watching ? view.centerY : view.ownY,
      0,
      now,
      watching && join && client.interest.view ? (x, y) => client.sendViewer(x, y) : undefined,
    );
    spatial.refresh(now);
    // Keep what the camera follows clear of the stats panel.
    view.insetLeftPx = panel.classList.contains('hidden') ? 0 : panel.getBoundingClientRect().right;
    view.draw(scene, now);
    if (overlayPacer.due(now, `${spatial.visible} ${interest.enabled}`)) worldOverlay(state);
    requestAnimationFrame(frame);
  };
  worldOverlay(state);
  requestAnimationFrame(frame);
}

/**
 * The move probe (armed by a test): the first input seq predicted with movement, and the frame
 * the predicted avatar had moved, with the server's acknowledged seq at that moment. Both are
 * taken here, in the frame loop, by construction rather than by timing.
 */
function recordMove(state: WorldPageState, moving: boolean, firstSeqThisFrame: number, nowMs: number): void {
  const probe = state.probe;
  const p = state.client.predictor;
  if (!probe || !p) return;
  if (probe.stampSeq < 0 && moving && firstSeqThisFrame >= 0) probe.stampSeq = firstSeqThisFrame;
  if (probe.stampSeq < 0 || probe.movedSeq >= 0) return;
  p.predictedState(state.info.ownState);
  const x = state.info.ownState.x / Q16, y = state.info.ownState.y / Q16;
  if (Math.hypot(x - probe.x0, y - probe.y0) <= 0.01) return;
  probe.movedSeq = p.newestSeq;
  probe.ackedAtMove = p.ackedSeq;
  probe.dx = x - probe.x0;
  probe.dy = y - probe.y0;
  probe.keyToMoveMs = nowMs - state.shell.controls.lastMoveChangeMs;
}
