// The demo page: connects to the server's world stream through the client SDK (a connect token
// from POST /connect, then the encrypted protocol over WebSocket, sealed with libsodium in the
// page), draws the world, and runs the same chronos.wasm simulation locally from the server's
// seed to prove, hash by hash, that browser and server compute identical state.

import { loadChronos } from '../wasm/loader.js';
import { Arena } from '../wasm/arena.js';
import { WorldStreamClient } from '../client/world-stream-client.js';
import { DisconnectReason, SessionTier } from '../net/spec.js';
import { LockstepCheck } from '../client/lockstep-check.js';
import type { HelloFrame } from '../codec/world-frame.js';
import { MapView } from './map-view.js';
import { Overlay, formatBytesPerSecond } from './overlay.js';
import { SpatialLayer, type SpatialLayerStatus } from './spatial-layer.js';

/** Milliseconds per animation frame the page may spend catching its simulation up. */
const SIM_BUDGET_MS = 6;
const OVERLAY_EVERY_MS = 250;

interface PageStatus {
  connected: boolean;
  serverTick: number;
  tickRate: number;
  entities: number;
  bytesPerSecond: number;
  /** The network layer as the page sees it. */
  net: { state: string; transport: string; crypto: string; rttMs: number; loss: number; packetsIn: number; bytesIn: number; clientId: number; tier: string; reconnects: number };
  drawn: number;
  lockstep: { state: string; localTick: number; matches: number; mismatches: number; lastCheckedTick: number; lastHash: string } | null;
}

declare global {
  interface Window {
    /** Read by the end-to-end test and handy in the devtools console. */
    chronos?: { status(): PageStatus; hashAfter(ticks: number): Promise<string>; spatial(): SpatialLayerStatus };
  }
}

async function start(): Promise<void> {
  const canvas = document.getElementById('map') as HTMLCanvasElement;
  const overlay = new Overlay(document.getElementById('stats')!);
  const view = new MapView(canvas);
  if (globalThis.crossOriginIsolated !== true) {
    throw new Error('the page is not cross-origin isolated: serve it with COOP/COEP headers (chronos serve does)');
  }
  const wasm = await loadChronos({ url: new URL('chronos.wasm', location.href) });
  const arena = new Arena(wasm);
  // The spatial layer indexes the page's own lockstep world (see spatial-layer.ts for why).
  const spatial = new SpatialLayer();
  const spatialButton = document.getElementById('spatial-toggle');
  const toggleSpatial = () => spatialButton?.setAttribute('aria-pressed', String(spatial.toggle()));
  spatialButton?.addEventListener('click', toggleSpatial);
  window.addEventListener('keydown', (e) => {
    if ((e.key === 'g' || e.key === 'G') && !e.ctrlKey && !e.metaKey && !e.altKey) toggleSpatial();
  });
  view.underlay = (ctx, ox, oy, z, width, height) => spatial.draw({ ctx, ox, oy, z, width, height });

  let hello: HelloFrame | undefined;
  let lockstep: LockstepCheck | undefined;
  let connected = false;
  let serverTick = 0;
  let entities = 0;
  let tickRate = 0;
  let rateTick = 0;
  let rateAt = 0;

  const client = await WorldStreamClient.create({ tokenUrl: new URL('connect', location.href), transport: 'websocket' }, {
    hello(frame) {
      hello = frame;
      connected = true;
      serverTick = frame.tick;
      view.setWorld(frame.bounds);
      lockstep = new LockstepCheck(arena, frame);
      spatial.attach(lockstep.world);
    },
    state(frame) {
      const now = performance.now();
      if (rateAt === 0) {
        rateAt = now;
        rateTick = frame.tick;
      } else if (now - rateAt >= 1000) {
        tickRate = ((frame.tick - rateTick) * 1000) / (now - rateAt);
        rateAt = now;
        rateTick = frame.tick;
      }
      serverTick = frame.tick;
      entities = frame.count;
      view.pushState(frame, now);
      lockstep?.serverAt(frame.tick);
    },
    hash(frame) {
      serverTick = Math.max(serverTick, frame.tick);
      lockstep?.onHash(frame);
    },
    connect(tier) {
      connected = true;
      if (tier !== SessionTier.Resume) overlay.set('session', SessionTier[tier]!.toLowerCase());
    },
    interrupt(reason) {
      connected = false;
      overlay.set('server', `reconnecting (${DisconnectReason[reason] ?? reason})`, 'wait');
    },
    close(reason) {
      connected = false;
      overlay.set('server', `disconnected (${DisconnectReason[reason] ?? reason})`, 'bad');
    },
  });
  client.connect().catch((err: Error) => overlay.set('server', `cannot connect: ${err.message}`, 'bad'));

  const status = (): PageStatus => ({
    connected,
    serverTick,
    tickRate,
    entities,
    bytesPerSecond: client.bytesIn.perSecond,
    net: (() => {
      const s = client.client.stats();
      return { state: s.state, transport: s.transport, crypto: s.crypto, rttMs: s.rttMs, loss: s.loss, packetsIn: s.packetsIn, bytesIn: s.bytesIn, clientId: s.clientId, tier: s.tier, reconnects: s.reconnects };
    })(),
    drawn: view.drawn,
    lockstep: lockstep
      ? {
          state: lockstep.state,
          localTick: lockstep.world.tick,
          matches: lockstep.matches,
          mismatches: lockstep.mismatches,
          lastCheckedTick: lockstep.lastCheckedTick,
          lastHash: lockstep.lastLocalHash.toString(16).padStart(16, '0'),
        }
      : null,
  });

  window.chronos = {
    status,
    spatial: () => spatial.status(),
    // A fresh world from the server's HELLO, stepped `ticks` times: what the e2e test compares
    // with Node's hash of the same seed and tick.
    async hashAfter(ticks: number): Promise<string> {
      if (!hello) throw new Error('no HELLO from the server yet');
      const probe = new LockstepCheck(arena, { ...hello, tick: 0 }, 'hash-probe');
      try {
        probe.world.step(ticks);
        return probe.world.hash().toString(16).padStart(16, '0');
      } finally {
        arena.release(probe.world.region);
      }
    },
  };

  let lastOverlay = 0;
  const frame = (now: number) => {
    lockstep?.advance(SIM_BUDGET_MS, () => performance.now());
    spatial.refresh(now);
    view.draw(now);
    if (now - lastOverlay >= OVERLAY_EVERY_MS) {
      lastOverlay = now;
      if (connected) overlay.set('server', 'connected', 'ok');
      overlay.set('tick', String(serverTick));
      overlay.set('tick rate', `${tickRate.toFixed(1)} Hz`);
      overlay.set('entities', entities.toLocaleString('en'));
      overlay.set('bytes/s', formatBytesPerSecond(client.bytesIn.perSecond));
      const net = client.client.stats();
      overlay.set('rtt', net.rttMs > 0 ? `${net.rttMs.toFixed(net.rttMs < 10 ? 2 : 1)} ms` : '-');
      overlay.set('loss', `${(net.loss * 100).toFixed(1)} %`);
      overlay.set('link', `${net.transport}, ChaCha20-Poly1305 (${net.crypto})`);
      overlay.set('zoom', `${view.zoomPxPerM < 1 ? (1 / view.zoomPxPerM).toFixed(1) + ' m/px' : view.zoomPxPerM.toFixed(1) + ' px/m'}`);
      if (lockstep) {
        const s = lockstep.state;
        const text =
          s === 'desync'
            ? `DESYNC at tick ${lockstep.firstMismatchTick}`
            : s === 'in-sync'
              ? `in sync (${lockstep.matches} hashes match)`
              : `catching up ${(lockstep.progress * 100).toFixed(0)}%`;
        overlay.set('local sim', text, s === 'desync' ? 'bad' : s === 'in-sync' ? 'ok' : 'wait');
        overlay.set('state hash', lockstep.lastCheckedTick >= 0 ? `${lockstep.lastLocalHash.toString(16).padStart(16, '0')} @${lockstep.lastCheckedTick}` : '-');
      }
      const sp = spatial.status();
      overlay.set(
        'spatial',
        sp.visible ? `${sp.cells.toLocaleString('en')} cells, ${sp.levelsInUse} level${sp.levelsInUse === 1 ? '' : 's'}, depth ${sp.maxDepth}` : 'off (G)',
        sp.visible ? 'ok' : undefined,
      );
      overlay.set('index update', sp.visible ? `${(sp.updateMs * 1000).toFixed(0)} us @${sp.tick}` : '-');
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

start().catch((err: Error) => {
  const overlay = document.getElementById('stats');
  if (overlay) overlay.textContent = `failed to start: ${err.message}`;
  console.error(err);
});
