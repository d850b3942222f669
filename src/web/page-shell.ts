// What both of the page's modes share: the canvas and its MapView, the stats panel, keyboard and
// mouse (Controls), the panel's buttons, the chronos.wasm module and its arena, the connection's
// state line and the panel's network rows. main.ts builds it, then hands it to the arena page
// (arena-page.ts) or the world page (world-page.ts), which set the mode's own toggles.

import { loadChronos } from '../wasm/loader.js';
import { Arena } from '../wasm/arena.js';
import { DisconnectReason, SessionTier } from '../net/spec.js';
import type { GameClientStats } from '../client/game-client.js';
import { MapView } from './map-view.js';
import { Controls } from './controls.js';
import { Overlay, formatBytesPerSecond, type Tone } from './overlay.js';
import type { ArenaDebugApi } from './arena-page.js';
import type { WorldDebugApi } from './world-page.js';

declare global {
  interface Window {
    /** Read by the end-to-end tests and handy in the devtools console; `mode` tells which. */
    chronos?: ArenaDebugApi | WorldDebugApi;
  }
}

/** The stats panel is redrawn this often, ms. */
const OVERLAY_EVERY_MS = 250;

/** GET /game.json: what the server runs. */
export interface GameInfo {
  mode: 'world' | 'arena';
  tickHz?: number;
  worldSizeM?: number;
  seed?: number;
}

export interface PageShell {
  readonly canvas: HTMLCanvasElement;
  readonly overlay: Overlay;
  readonly view: MapView;
  readonly panel: HTMLElement;
  readonly controls: Controls;
  readonly arena: Arena;
  /** ?watch: no avatar, a free camera. */
  readonly watching: boolean;
  /** The legend line under the title (the page fills it). */
  readonly legend: HTMLElement;
  /** What G and I (and their buttons) do; the page sets them. */
  onToggleSpatial: () => boolean;
  onToggleInterest: () => boolean;
}

export async function createShell(info: GameInfo): Promise<PageShell> {
  const canvas = document.getElementById('map') as HTMLCanvasElement;
  const overlay = new Overlay(document.getElementById('stats')!);
  const view = new MapView(canvas);
  if (globalThis.crossOriginIsolated !== true) {
    throw new Error('the page is not cross-origin isolated: serve it with COOP/COEP headers (chronos serve does)');
  }
  const watching = new URLSearchParams(location.search).has('watch');
  document.body.dataset.mode = watching ? 'watch' : 'play';
  document.body.dataset.server = info.mode;
  const wasm = await loadChronos({ url: new URL('chronos.wasm', location.href) });
  const arena = new Arena(wasm);
  const panel = document.getElementById('overlay')!;
  const spatialButton = document.getElementById('spatial-toggle');
  const interestButton = document.getElementById('interest-toggle');
  // The toggles call the page's handlers, set on the shell once the page has built its layers.
  const toggleSpatial = () => spatialButton?.setAttribute('aria-pressed', String(shell.onToggleSpatial()));
  const toggleInterest = () => interestButton?.setAttribute('aria-pressed', String(shell.onToggleInterest()));
  spatialButton?.addEventListener('click', toggleSpatial);
  interestButton?.addEventListener('click', toggleInterest);
  const controls = new Controls(canvas, {
    toggleFollow: () => {
      if (view.following) view.following = false;
      else view.follow();
    },
    toggleSpatial,
    togglePanel: () => panel.classList.toggle('hidden'),
    toggleInterest,
  });
  view.onFirePress = () => controls.pressFire();
  const shell: PageShell = {
    canvas, overlay, view, panel, controls, arena, watching,
    legend: document.getElementById('legend')!,
    onToggleSpatial: () => false,
    onToggleInterest: () => true,
  };
  return shell;
}

/** The connection's state as the panel's "server" row shows it, kept by the client's handlers. */
export class LinkStatus {
  connected = false;
  text = 'connecting';
  tone: Tone = 'wait';

  connect(tier: SessionTier): void {
    this.connected = true;
    this.set(tier === SessionTier.New ? 'connected' : `reconnected (${SessionTier[tier]!.toLowerCase()})`, 'ok');
  }

  interrupt(reason: number): void {
    this.connected = false;
    this.set(`reconnecting (${DisconnectReason[reason] ?? reason})`, 'wait');
  }

  disconnect(reason: number): void {
    this.connected = false;
    this.set(`disconnected (${DisconnectReason[reason] ?? reason})`, 'bad');
  }

  failed(err: Error): void {
    this.set(`cannot connect: ${err.message}`, 'bad');
  }

  private set(text: string, tone: Tone): void {
    this.text = text;
    this.tone = tone;
  }
}

/** A line over the map while the link is down (null hides it). */
/** When a page redraws its stats panel: every OVERLAY_EVERY_MS, and in the frame a layer's switch took effect. */
export class OverlayPacer {
  private lastMs = 0;
  /** The layers' switches the panel last showed: a switch shows in the frame it took effect. */
  private shownLayers = '';

  /** Whether to redraw the panel at `nowMs`, the layers' switches being `layers` now. */
  due(nowMs: number, layers: string): boolean {
    if (nowMs - this.lastMs < OVERLAY_EVERY_MS && layers === this.shownLayers) return false;
    this.lastMs = nowMs;
    this.shownLayers = layers;
    return true;
  }
}

export function showBanner(text: string | null): void {
  const banner = document.getElementById('banner');
  if (!banner) return;
  banner.hidden = text === null;
  if (text !== null && banner.textContent !== text) banner.textContent = text;
}

/** The panel's network section: server, rtt, loss, bytes/s, link. */
export function networkRows(overlay: Overlay, link: LinkStatus, net: GameClientStats, bytesInPerS: number): void {
  overlay.section('network');
  overlay.set('server', link.text, link.tone);
  overlay.set('rtt', net.rttMs > 0 ? `${net.rttMs.toFixed(net.rttMs < 10 ? 2 : 1)} ms` : '-');
  overlay.set('loss', `${(net.loss * 100).toFixed(1)} %`);
  overlay.set('bytes/s', formatBytesPerSecond(bytesInPerS));
  overlay.set('link', `${net.transport}, ChaCha20-Poly1305 (${net.crypto})`);
}

/** The camera row: follow or free, and the zoom. */
export function cameraRow(overlay: Overlay, view: MapView): void {
  overlay.set('camera', `${view.following ? 'follow' : 'free'} (F) · ${view.zoomPxPerM < 1 ? (1 / view.zoomPxPerM).toFixed(1) + ' m/px' : view.zoomPxPerM.toFixed(1) + ' px/m'}`);
}

/** A legend entry: a coloured dot (any CSS background) and what it means. */
export function swatch(colour: string, text: string, faded = false): string {
  return `<span class="swatch${faded ? ' faded' : ''}" style="background:${colour}"></span>${text}`;
}
