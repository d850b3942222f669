// The demo page's entry: asks the server what it runs (GET /game.json) before connecting, then
// starts the page for that mode on the shared shell (canvas, panel, controls, chronos.wasm):
//   world mode (the default): world-page.ts, one server-authoritative world, the page predicting
//     only its own avatar and drawing what its interest stream holds;
//   arena mode (--mode arena): arena-page.ts, the rollback room the page simulates whole.

import { createShell, type GameInfo } from './page-shell.js';
import { startArenaPage } from './arena-page.js';
import { startWorldPage } from './world-page.js';

async function gameInfo(): Promise<GameInfo> {
  const response = await fetch(new URL('game.json', location.href), { cache: 'no-store' });
  // A server from before world mode has no /game.json: it runs the rollback room.
  if (response.status === 404) return { mode: 'arena' };
  if (!response.ok) throw new Error(`GET game.json answered HTTP ${response.status}`);
  const info = (await response.json()) as GameInfo;
  if (info.mode !== 'world' && info.mode !== 'arena') throw new Error(`the server runs an unknown mode: ${String(info.mode)}`);
  return info;
}

async function start(): Promise<void> {
  const info = await gameInfo();
  const shell = await createShell(info);
  if (info.mode === 'world') await startWorldPage(shell);
  else await startArenaPage(shell);
}

start().catch((err: Error) => {
  const overlay = document.getElementById('stats');
  if (overlay) overlay.textContent = `failed to start: ${err.message}`;
  console.error(err);
});
