// Bot players for __NAME__ (`npm run bots -- --players 20 --seconds 30`, beside `npm start`):
// each a real client over UDP from its own loopback address, as separate machines would be,
// wandering with its own input. Prints once a second what they receive, and checks that each
// sees its own score and never another player's. Exit code 1 if one ever did.

import { DeclaredClient, fetchFrom, loadServerCrypto, udpConnectorFrom } from 'chronos';
import { GAME, type Declaration } from './game.js';

const flag = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
};
const players = Number(flag('players', '20'));
const seconds = Number(flag('seconds', '30'));
const url = flag('url', 'http://127.0.0.1:8080');
if (!Number.isInteger(players) || players < 1 || players > 1000 || !(seconds > 0)) {
  console.error('--players takes an integer in [1, 1000], --seconds a positive number');
  process.exit(2);
}

const crypto = await loadServerCrypto();
const score = GAME.fieldIndex.get('score.orbs')!;
const bots: DeclaredClient<Declaration>[] = [];
let leaks = 0;
for (let i = 0; i < players; i++) {
  const address = `127.0.0.${2 + (i % 250)}`;
  const client: DeclaredClient<Declaration> = await DeclaredClient.create({
    game: GAME,
    tokenUrl: new URL('/connect', url),
    crypto,
    transport: 'udp',
    udp: udpConnectorFrom(address),
    fetch: fetchFrom(address),
    handlers: {
      snapshot: () => {
        const r = client.replica!;
        for (let k = 0; k < r.size; k++) if (r.idAt(k) !== client.avatarId && r.valueAt(k, score) !== undefined) leaks++;
      },
    },
  });
  bots.push(client);
  await client.connect();
}

const started = Date.now();
let tick = 0;
const wander = setInterval(() => {
  tick++;
  bots.forEach((client, i) => client.setInput({ moveX: Math.round(Math.cos(tick / 90 + i) * 127) / 127, moveY: Math.round(Math.sin(tick / 70 + 2 * i) * 127) / 127 }));
}, 1000 / 60);
let last = { at: started, snapshots: 0, bytes: 0 };
const report = setInterval(() => {
  const now = Date.now();
  const snapshots = bots.reduce((n, b) => n + b.stats.snapshots, 0);
  const bytes = bots.reduce((n, b) => n + b.stats.snapshotBytes, 0);
  const s = (now - last.at) / 1000;
  const joined = bots.filter((b) => b.join).length;
  const own = bots.filter((b) => b.replica?.value(b.avatarId, 'score.orbs') !== undefined).length;
  console.log(`${joined}/${players} joined · ${((snapshots - last.snapshots) / s).toFixed(0)} snapshots/s · ${((bytes - last.bytes) / s / 1024 / Math.max(1, joined)).toFixed(1)} KiB/s per player · own score seen by ${own} · others' scores seen ${leaks} times`);
  last = { at: now, snapshots, bytes };
  if (now - started >= seconds * 1000) {
    clearInterval(wander);
    clearInterval(report);
    for (const b of bots) b.close();
    setTimeout(() => process.exit(leaks === 0 ? 0 : 1), 200);
  }
}, 1000);
