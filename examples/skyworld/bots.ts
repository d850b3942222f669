// Bot players for a running Skyworld server (server.ts), each a real DeclaredClient over UDP on
// loopback: it connects with a connect token, decodes its snapshots and plays from what its own
// client was sent (the same SkyworldBot as the headless runner).
//
//   npm run example:skyworld:bots -- [--players 20] [--seconds 60] [--url http://127.0.0.1:8080]
// Prints once a second: players joined, snapshots per second, payload KB/s per player, and
// whether every player's own inventory arrived while no other player's ever did.

import { DeclaredClient, fetchFrom, loadServerCrypto, udpConnectorFrom } from '../../src/index.js';
import { botViewOf, SkyworldBot } from './bot.js';
import { SKYWORLD, type SkyworldDeclaration } from './game.js';

const args = process.argv.slice(2);
const value = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const players = Number(value('players', '20'));
const seconds = Number(value('seconds', '60'));
const url = value('url', 'http://127.0.0.1:8080');
if (!Number.isInteger(players) || players < 1 || !(seconds > 0)) {
  console.error('--players needs a positive integer, --seconds a positive number');
  process.exit(2);
}

const crypto = await loadServerCrypto();
const bots: { client: DeclaredClient<SkyworldDeclaration>; bot: SkyworldBot }[] = [];
let leaks = 0;
for (let i = 0; i < players; i++) {
  // Each bot asks for its token and sends its packets from its own loopback address, as
  // separate machines would (the server's per-address limits see them apart).
  const address = `127.0.0.${2 + (i % 250)}`;
  const client = await DeclaredClient.create({
    game: SKYWORLD,
    tokenUrl: new URL('/connect', url),
    crypto,
    transport: 'udp',
    udp: udpConnectorFrom(address),
    fetch: fetchFrom(address),
    handlers: {
      snapshot: () => {
        const r = client.replica!;
        for (let k = 0; k < r.size; k++) {
          if (r.typeAt(k) === 'player' && r.idAt(k) !== client.avatarId && r.valueAt(k, SKYWORLD.fieldIndex.get('inventory.gold')!) !== undefined) leaks++;
        }
      },
    },
  });
  const bot = new SkyworldBot(i + 1);
  bots.push({ client, bot });
  await client.connect();
}
const started = Date.now();
let last = { at: started, snapshots: 0, bytes: 0 };
const think = setInterval(() => {
  for (const { client, bot } of bots) if (client.replica) client.setInput(bot.think(botViewOf(client.replica, client.avatarId)));
}, 1000 / 60);
const report = setInterval(() => {
  const now = Date.now();
  const snapshots = bots.reduce((n, b) => n + b.client.stats.snapshots, 0);
  const bytes = bots.reduce((n, b) => n + b.client.stats.snapshotBytes, 0);
  const s = (now - last.at) / 1000;
  const own = bots.filter((b) => b.client.replica?.value(b.client.avatarId, 'inventory.gold') !== undefined).length;
  const joined = bots.filter((b) => b.client.join).length;
  // Each bot's zapper hits, as its own (owner-only) HUD field says: judged by lag compensation.
  const hits = bots.reduce((n, b) => n + ((b.client.replica?.value(b.client.avatarId, 'zapper.hits') as number | undefined) ?? 0), 0);
  console.log(`${joined}/${players} joined · ${((snapshots - last.snapshots) / s).toFixed(0)} snapshots/s · ${((bytes - last.bytes) / s / 1024 / Math.max(1, joined)).toFixed(1)} KiB/s per player · own inventory seen by ${own} · others' inventories seen ${leaks} times · ${hits} zapper hits`);
  last = { at: now, snapshots, bytes };
  if (now - started >= seconds * 1000) {
    clearInterval(think);
    clearInterval(report);
    for (const b of bots) b.client.close();
    setTimeout(() => process.exit(leaks === 0 ? 0 : 1), 200);
  }
}, 1000);
