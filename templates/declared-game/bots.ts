// Bot players for __NAME__ (`npm run bots -- --players 20 --seconds 30`, beside `npm start`):
// each a real client over UDP from its own loopback address, as separate machines would be,
// wandering with its own input (DeclaredBots runs the clients; the brain and the checks are the
// game's). Prints once a second what they receive, and checks that each sees its own score and
// never another player's. Exit code 1 if one ever did. --websocket: over WebSocket instead;
// --processes N: the bots spread over N processes (a few hundred fill one), each line prefixed
// with its process.

import { botSlice, DeclaredBots, forkBots } from 'chronos';
import { GAME, type Declaration } from './game.js';

const flag = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
};
const players = Number(flag('players', '20'));
const seconds = Number(flag('seconds', '30'));
const processes = Number(flag('processes', '1'));
if (!Number.isInteger(players) || players < 1 || players > 5000 || !(seconds > 0) || !Number.isInteger(processes) || processes < 1 || processes > players) {
  console.error('--players takes an integer in [1, 5000], --seconds a positive number, --processes an integer in [1, players]');
  process.exit(2);
}
if (processes > 1 && !botSlice(players).forked) process.exit(await forkBots(processes));
const slice = botSlice(players);

const score = GAME.fieldIndex.get('score.orbs')!;
let leaks = 0;
const bots = await DeclaredBots.start<Declaration>({
  game: GAME,
  url: flag('url', 'http://127.0.0.1:8080'),
  players: slice.players,
  firstIndex: slice.firstBot,
  transport: process.argv.includes('--websocket') ? 'websocket' : 'udp',
  // Each wanders on its own circle.
  think: (_client, i, frame) => ({ moveX: Math.round(Math.cos(frame / 90 + i) * 127) / 127, moveY: Math.round(Math.sin(frame / 70 + 2 * i) * 127) / 127 }),
  // Another player's score must never arrive: it is replicated to its owner only.
  snapshot: (client) => {
    const r = client.replica!;
    for (let k = 0; k < r.size; k++) if (r.idAt(k) !== client.avatarId && r.valueAt(k, score) !== undefined) leaks++;
  },
});

const started = Date.now();
const report = setInterval(() => {
  const own = bots.clients.filter((b) => b.replica?.value(b.avatarId, 'score.orbs') !== undefined).length;
  console.log(`${bots.rateLine()} · own score seen by ${own} · others' scores seen ${leaks} times`);
  if (Date.now() - started >= seconds * 1000) {
    clearInterval(report);
    bots.close();
    setTimeout(() => process.exit(leaks === 0 ? 0 : 1), 200);
  }
}, 1000);
