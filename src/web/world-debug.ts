// window.chronos in world mode: what the end-to-end tests read (and the devtools console shows).
// Everything here is what the page itself holds or drew; nothing is asked of the server.

import { FLAG_AWAY, FLAG_DEAD, FLAG_PLAYER } from '../core/world-layout.js';
import type { OwnPredictorStats } from '../world/own-predictor.js';
import type { InterestSetup } from '../codec/interest-setup.js';
import type { InterestLayerStatus } from './interest-layer.js';
import type { SpatialLayerStatus } from './spatial-layer.js';
import type { WorldPageState } from './world-page.js';

/** How your own input showed on screen: armed by a test, filled in by the frame loop. */
export interface WorldMoveProbe {
  armedAtMs: number;
  /** The avatar's predicted position when armed, metres. */
  x0: number;
  y0: number;
  /** Sequence of the first input predicted with movement (-1 until then). */
  stampSeq: number;
  /** The newest input's sequence when the predicted avatar had moved, and the server's acknowledged one then. */
  movedSeq: number;
  ackedAtMove: number;
  /** The predicted position's change at that moment, metres. */
  dx: number;
  dy: number;
  keyToMoveMs: number;
}

export interface WorldPageStatus {
  server: 'world';
  mode: 'play' | 'watch';
  /** connecting, joined (waiting for the first OWN), running, closed. */
  phase: string;
  connected: boolean;
  avatarId: number;
  /** The newest server tick the page heard of (OWN), and the tick its view of others shows. */
  serverTick: number;
  viewTick: number;
  /** Your avatar: drawn (smoothed) and predicted positions, metres; inputs predicted and acknowledged. */
  me: { id: number; x: number; y: number; predictedX: number; predictedY: number; hp: number; dead: boolean; timer: number; seq: number; ackedSeq: number } | null;
  /** Other players as drawn in the last frame. */
  players: { id: number; x: number; y: number; dead: boolean; away: boolean }[];
  drawn: { entities: number; npcs: number; players: number; projectiles: number };
  /** Bodies sampled for drawing last frame (remote), and entities the interest view holds. */
  held: { remote: number; view: number };
  own: OwnPredictorStats | null;
  mispredictedPct: number;
  correctionsPerS: number;
  renderDelayMs: number;
  jitterMs: number;
  bytesPerSecond: number;
  net: { state: string; transport: string; crypto: string; rttMs: number; loss: number; clientId: number; tier: string; reconnects: number };
  camera: 'follow' | 'free';
}

export interface WorldViewDump {
  /** The tick of the newest snapshot applied. */
  tick: number;
  setup: InterestSetup | null;
  /** Every entity the view holds: its newest record's position (metres) and tick. */
  entities: { id: number; flags: number; x: number; y: number; tick: number }[];
}

export interface WorldDebugApi {
  server: 'world';
  status(): WorldPageStatus;
  /** The interest view's entities, as held. */
  view(): WorldViewDump;
  /** Remote bodies as drawn in the last frame. */
  bodies(): { id: number; flags: number; x: number; y: number }[];
  /** Canvas position (CSS px) of entity `id` as drawn last frame (your avatar included), or null. */
  screenOf(id: number): { x: number; y: number } | null;
  interest(): InterestLayerStatus & { bytesPerS: number; updatesPerS: number; snapshots: number; rejected: number; drops: Record<string, number>; hasView: boolean };
  spatial(): SpatialLayerStatus;
  armMoveProbe(): void;
  moveProbe(): WorldMoveProbe | null;
}

export function worldDebugApi(state: WorldPageState): WorldDebugApi {
  const { client, shell, info, interest, spatial, link } = state;
  const view = shell.view;
  const status = (): WorldPageStatus => {
    const s = client.stats();
    const p = client.predictor;
    let me: WorldPageStatus['me'] = null;
    if (p?.synced && info.hasAvatar) {
      const st = p.predictedState({ ...info.ownState });
      me = {
        id: client.avatarId, x: state.own.x[0]!, y: state.own.y[0]!, predictedX: st.x / 65536, predictedY: st.y / 65536,
        hp: st.hp, dead: (st.flags & FLAG_DEAD) !== 0, timer: st.timer, seq: p.newestSeq, ackedSeq: p.ackedSeq,
      };
    }
    const r = state.remote;
    const players: WorldPageStatus['players'] = [];
    for (let i = 0; i < r.count; i++) {
      const f = r.flags[i]!;
      if ((f & FLAG_PLAYER) !== 0) players.push({ id: r.ids[i]!, x: r.x[i]!, y: r.y[i]!, dead: (f & FLAG_DEAD) !== 0, away: (f & FLAG_AWAY) !== 0 });
    }
    const d = view.drawn;
    return {
      server: 'world',
      mode: client.mode,
      phase: s.phase,
      connected: link.connected,
      avatarId: s.avatarId,
      serverTick: s.serverTick,
      viewTick: client.viewTickAt(performance.now()),
      me,
      players,
      drawn: { entities: d.entities, npcs: d.npcs, players: d.players, projectiles: d.projectiles },
      held: { remote: r.count, view: s.interest.inView },
      own: s.own,
      mispredictedPct: s.correctedPct,
      correctionsPerS: s.correctionsPerS,
      renderDelayMs: s.remote?.delayMs ?? 0,
      jitterMs: s.remote?.jitterMs ?? 0,
      bytesPerSecond: s.bytesInPerS,
      net: { state: s.net.state, transport: s.net.transport, crypto: s.net.crypto, rttMs: s.net.rttMs, loss: s.net.loss, clientId: s.net.clientId, tier: s.net.tier, reconnects: s.net.reconnects },
      camera: view.following ? 'follow' : 'free',
    };
  };
  return {
    server: 'world',
    status,
    view() {
      const v = client.interest.view;
      info.begin();
      const b = info.records();
      const entities: WorldViewDump['entities'] = [];
      if (v) for (let k = 0; k < b.count; k++) entities.push({ id: b.ids[k]!, flags: b.state[k]!, x: b.x[k]!, y: b.y[k]!, tick: b.tick[k]! });
      return { tick: v?.tick ?? -1, setup: client.interest.setup ?? null, entities };
    },
    bodies() {
      const r = state.remote;
      return Array.from({ length: r.count }, (_, i) => ({ id: r.ids[i]!, flags: r.flags[i]!, x: r.x[i]!, y: r.y[i]! }));
    },
    screenOf(id) {
      for (const list of [state.remote, state.own]) {
        for (let i = 0; i < list.count; i++) {
          // The own list holds the avatar at 0 (its projectiles' ids are the predictor's slots).
          if (list.ids[i] !== id || (list === state.own && (i > 0 || !info.hasAvatar))) continue;
          const [x, y] = view.toScreen(list.x[i]!, list.y[i]!);
          return { x, y };
        }
      }
      return null;
    },
    interest() {
      const s = client.stats().interest;
      return {
        ...interest.status(), bytesPerS: s.bytesPerS, updatesPerS: s.updatesPerS, snapshots: s.snapshots, rejected: s.rejected,
        drops: { ...client.interest.drops }, hasView: client.interest.view !== undefined,
      };
    },
    spatial: () => spatial.status(),
    armMoveProbe() {
      const p = client.predictor;
      const st = p?.synced ? p.predictedState({ ...info.ownState }) : undefined;
      state.probe = {
        armedAtMs: performance.now(), x0: st ? st.x / 65536 : Number.NaN, y0: st ? st.y / 65536 : Number.NaN,
        stampSeq: -1, movedSeq: -1, ackedAtMove: -1, dx: 0, dy: 0, keyToMoveMs: -1,
      };
    },
    moveProbe: () => state.probe,
  };
}
