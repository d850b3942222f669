// Bot players for __NAME__ (`npm run bots -- --players 20 --seconds 30`, beside `npm start`):
// each a real client over UDP from its own loopback address, as separate machines would be,
// wandering with its own input (DeclaredBots runs the clients; the brain and the checks are the
// game's). Prints once a second what they receive, and checks that each sees its own score and
// never another player's. Exit code 1 if one ever did. --websocket: over WebSocket instead;
// --processes N: the bots spread over N processes (a few hundred fill one), each line prefixed
// with its process.

import { botScriptArgs, botSlice, DeclaredBots, forkBots, ScriptArgs } from 'chronos';
import { GAME, type Declaration } from './game.js';

const { players, seconds, processes, url, transport } = botScriptArgs(new ScriptArgs(), { seconds: 30 });
if (processes > 1 && !botSlice(players).forked) process.exit(await forkBots(processes));
const slice = botSlice(players);

const score = GAME.fieldIndex.get('score.orbs')!;
let leaks = 0;
const bots = await DeclaredBots.start<Declaration>({
  game: GAME,
  url,
  players: slice.players,
  firstIndex: slice.firstBot,
  transport,
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
