// The stats panel in world mode, section by section (README, "Playing the demo"):
//   game        you (your avatar, or watching), where you stand, hit points
//   prediction  inputs predicted and how many the server has not applied yet, the share the
//               server corrected, corrections per second, the last one's size and class, the
//               input-to-acknowledgement latency, the render delay remote bodies are drawn behind
//   network     server, rtt, loss, bytes/s, link
//   view        camera and zoom, the spatial layer over what the page holds
//   interest    bytes and records per second, bodies in view (by zone), rejected, events

import { slotOf } from '../core/entity-id.js';
import { FLAG_DEAD } from '../core/world-layout.js';
import { formatBytesPerSecond } from './overlay.js';
import { cameraRow, networkRows, showBanner } from './page-shell.js';
import type { WorldPageState } from './world-page.js';

/** World mode's reliable event: an avatar went down (payload: its entity id, u32). */
const EVENT_AVATAR_DOWN = 2;

export function worldOverlay(state: WorldPageState): void {
  const { client, shell, link, info, interest, spatial } = state;
  const overlay = shell.overlay;
  const s = client.stats();
  const own = s.own;
  overlay.section('game');
  const joined = state.join !== undefined;
  if (info.hasAvatar) {
    const st = info.ownState;
    const dead = (st.flags & FLAG_DEAD) !== 0;
    const you = `P${slotOf(client.avatarId)} at ${Math.round(st.x / 65536)}, ${Math.round(st.y / 65536)} m`;
    if (dead) overlay.set('you', `${you}, down: back in ${(st.timer / (state.join?.tickHz ?? 60)).toFixed(1)} s`, 'bad');
    else overlay.set('you', `${you}, ${st.hp} hp`, 'ok');
  } else overlay.set('you', !joined ? s.phase : client.avatarId >= 0 ? 'joining' : 'watching', 'wait');

  overlay.section('prediction');
  if (own) {
    overlay.set('predicted', `${own.predicted.toLocaleString('en')} frames, ${own.ahead} ahead`);
    overlay.set('mispredicted', `${s.correctedPct.toFixed(1)} % of ${own.checked.toLocaleString('en')}`, s.correctedPct > 5 ? 'bad' : 'ok');
    overlay.set('corrections/s', s.correctionsPerS.toFixed(1));
    overlay.set('last correction', own.lastCorrectionClass === 'none' ? 'none yet' : `${own.lastCorrectionM.toFixed(2)} m (${own.lastCorrectionClass})`);
    const c = own.corrections;
    overlay.set('corrections', `snap ${c.snap} · smooth ${c.smooth} · blend ${c.blend} · teleport ${c.teleport}`);
    overlay.set('input → ack', own.inputAckMs > 0 ? `${own.inputAckMs.toFixed(0)} ms (mean ${own.inputAckMeanMs.toFixed(0)})` : '-');
  } else {
    overlay.set('predicted', client.mode === 'watch' ? 'nothing: watching' : '-');
    for (const row of ['mispredicted', 'corrections/s', 'last correction', 'corrections', 'input → ack']) overlay.set(row, '-');
  }
  const r = s.remote;
  overlay.set('render delay', r ? `${r.delayMs.toFixed(0)} ms (jitter ${r.jitterMs.toFixed(0)} ms)` : '-');

  networkRows(overlay, link, s.net, s.bytesInPerS);
  showBanner(link.tone === 'bad' ? `${link.text}: reload the page to play again` : link.tone === 'wait' && joined ? `${link.text}…` : null);

  overlay.section('view');
  cameraRow(overlay, shell.view);
  const sp = spatial.status();
  overlay.set(
    'spatial',
    sp.visible ? `${sp.cells.toLocaleString('en')} cells over your ${sp.entities} bodies` : 'off (G)',
    sp.visible ? 'ok' : undefined,
  );

  overlay.section('interest');
  const is = s.interest, il = interest.status();
  overlay.set('received', formatBytesPerSecond(is.bytesPerS), is.snapshots > 0 ? 'ok' : 'wait');
  overlay.set('updates/s', `${Math.round(is.updatesPerS).toLocaleString('en')} records`);
  overlay.set('in view', il.radiusM > 0 ? `${il.inView} within ${Math.round(il.radiusM)} m` : '-');
  const z = il.byZone;
  overlay.set('by zone', il.radiusM > 0 ? `imm ${z[0]} · near ${z[1]} · aware ${z[2]} · bg ${z[3]}` : '-');
  overlay.set('rejected', String(is.rejected), is.rejected > 0 ? 'bad' : undefined);
  const ev = client.interest.events.at(-1);
  const evText = (): string => {
    if (!ev) return 'none yet';
    const what = ev.kind === EVENT_AVATAR_DOWN && ev.payload.byteLength >= 4
      ? `P${slotOf(new DataView(ev.payload.buffer, ev.payload.byteOffset, 4).getUint32(0, true))} down`
      : `kind ${ev.kind}`;
    return `${client.interest.eventsReceived} · last: ${what} at tick ${ev.tick}`;
  };
  overlay.set('events', evText());
  overlay.set('interest layer', il.enabled ? 'on (I)' : 'off (I)', il.enabled ? 'ok' : undefined);
}
