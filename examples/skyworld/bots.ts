// Bot players for a running Skyworld server (server.ts), each a real DeclaredClient over UDP on
// loopback from its own address (DeclaredBots): it connects with a connect token, decodes its
// snapshots and plays from what its own client was sent (the same SkyworldBot as the headless
// runner).
//
//   npm run example:skyworld:bots -- [--players 20] [--seconds 60] [--url http://127.0.0.1:8080] [--websocket] [--processes N]
// Prints once a second: players joined, snapshots per second, payload KB/s per player, whether
// every player's own inventory arrived while no other player's ever did, and zapper hits; with
// --processes N, the bots spread over N processes (100 take about half a core), a line from each.

import { botScriptArgs, botSlice, DeclaredBots, forkBots, ScriptArgs } from '../../src/index.js';
import { botViewOf, SkyworldBot } from './bot.js';
import { SKYWORLD, type SkyworldDeclaration } from './game.js';

const { players, seconds, processes, url, transport } = botScriptArgs(new ScriptArgs());
if (processes > 1 && !botSlice(players).forked) process.exit(await forkBots(processes));
const slice = botSlice(players);

const gold = SKYWORLD.fieldIndex.get('inventory.gold')!;
// Bot i's brain, by its global index (the same bot whichever process runs it).
const brains = new Map<number, SkyworldBot>();
const brainOf = (i: number): SkyworldBot => brains.get(i) ?? brains.set(i, new SkyworldBot(i + 1)).get(i)!;
let leaks = 0;
const bots = await DeclaredBots.start<SkyworldDeclaration>({
  game: SKYWORLD,
  url,
  players: slice.players,
  firstIndex: slice.firstBot,
  transport,
  think: (client, i) => brainOf(i).think(botViewOf(client.replica!, client.avatarId)),
  // Another player's inventory must never arrive: it is replicated to its owner only.
  snapshot: (client) => {
    const r = client.replica!;
    for (let k = 0; k < r.size; k++) {
      if (r.typeAt(k) === 'player' && r.idAt(k) !== client.avatarId && r.valueAt(k, gold) !== undefined) leaks++;
    }
  },
});

const started = Date.now();
const report = setInterval(() => {
  const own = bots.clients.filter((c) => c.replica?.value(c.avatarId, 'inventory.gold') !== undefined).length;
  // Each bot's zapper hits, as its own (owner-only) HUD field says: judged by lag compensation.
  const hits = bots.clients.reduce((n, c) => n + ((c.replica?.value(c.avatarId, 'zapper.hits') as number | undefined) ?? 0), 0);
  console.log(`${bots.rateLine()} · own inventory seen by ${own} · others' inventories seen ${leaks} times · ${hits} zapper hits · ${bots.totals().events} zap events heard`);
  if (Date.now() - started >= seconds * 1000) {
    clearInterval(report);
    bots.close();
    setTimeout(() => process.exit(leaks === 0 ? 0 : 1), 200);
  }
}, 1000);
