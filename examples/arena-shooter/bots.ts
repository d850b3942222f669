// Bot players for a running arena shooter (server.ts), each a real client over UDP on loopback
// from its own address, playing bot.ts's brain: it strolls and shoots the nearest NPC in reach.
//
//   npm run example:arena-shooter:bots -- [--players 20] [--seconds 60] [--url http://127.0.0.1:8080] [--websocket] [--processes N]
// World mode (the engine's DeclaredBots): prints once a second players joined, snapshots per
// second, payload KiB/s per player, their kills (each bot's own weapon, an owner-only field),
// and how often another player's weapon arrived (never: exit code 1 if it ever did).
// --processes N spreads the bots over N processes.
// --json (what `npm run load -- --game arena-shooter` runs in each bot process): the bots connect
// over --ramp-ms, play --seconds after the ramp, and the report (runDeclaredLoad's: per bot its
// bytes in a second and its round trip, failures by reason) goes to stdout as one JSON line,
// progress to stderr; --first-index N numbers this process's first bot.
// --mode arena, against a server in arena mode (DeclaredRoomBots, at most 64): each bot runs the
// whole room; prints bots running and seated, state hashes matched and mismatched (any
// mismatch: exit code 1), rollbacks per second and KiB/s per bot.

import { botScriptArgs, botSlice, DeclaredBots, DeclaredRoomBots, forkBots, MAX_ROOM_BOTS, runDeclaredLoad, ScriptArgs } from '../../src/index.js';
import { botInput, roomBotInput } from './bot.js';
import { GAME, type Declaration } from './game.js';
import { clientRoom } from './room.js';

const args = new ScriptArgs();
const { players, seconds, processes, url, transport } = botScriptArgs(args, { flags: ['mode', 'json', 'ramp-ms', 'first-index'] });
if (args.text('mode') === 'arena') {
  if (players > MAX_ROOM_BOTS || processes > 1) {
    console.error(`--mode arena: at most ${MAX_ROOM_BOTS} bots (a room's seats), in one process`);
    process.exit(2);
  }
  const bots = await DeclaredRoomBots.start<Declaration>({ game: GAME, url, players, transport, room: clientRoom, think: (client, i, frame) => roomBotInput(client.room, client.avatar, i, frame) });
  const started = Date.now();
  const report = setInterval(() => {
    console.log(bots.rateLine());
    if (Date.now() - started >= seconds * 1000) {
      clearInterval(report);
      const mismatched = bots.totals().hashesMismatched;
      bots.close();
      setTimeout(() => process.exit(mismatched === 0 ? 0 : 1), 200);
    }
  }, 1000);
} else if (args.has('json')) {
  const rampMs = args.number('ramp-ms', 0, { min: 0, max: 3_600_000 });
  const firstIndex = args.number('first-index', 0, { integer: true, min: 0, max: 1_000_000 });
  const { report, ok } = await runDeclaredLoad<Declaration>({
    game: GAME, url, clients: players, firstIndex, rampMs, seconds, transport,
    think: (client, i, frame) => botInput(client.replica, client.avatarId, i, frame),
    log: (line) => process.stderr.write(`bots: ${line}\n`),
  });
  process.stdout.write(JSON.stringify(report) + '\n');
  process.exit(ok ? 0 : 1);
} else {
  if (processes > 1 && !botSlice(players).forked) process.exit(await forkBots(processes));
  const slice = botSlice(players);

  const kills = GAME.fieldIndex.get('weapon.kills')!;
  let leaks = 0;
  const bots = await DeclaredBots.start<Declaration>({
    game: GAME,
    url,
    players: slice.players,
    firstIndex: slice.firstBot,
    transport,
    think: (client, i, frame) => botInput(client.replica, client.avatarId, i, frame),
    // Another player's weapon must never arrive: it is replicated to its owner only.
    snapshot: (client) => {
      const r = client.replica!;
      for (let k = 0; k < r.size; k++) if (r.idAt(k) !== client.avatarId && r.valueAt(k, kills) !== undefined) leaks++;
    },
  });

  const started = Date.now();
  const report = setInterval(() => {
    const total = bots.clients.reduce((n, c) => n + ((c.replica?.value(c.avatarId, 'weapon.kills') as number | undefined) ?? 0), 0);
    console.log(`${bots.rateLine()} · ${total} kills · ${bots.totals().events} kill-feed events heard · others' weapons seen ${leaks} times`);
    if (Date.now() - started >= seconds * 1000) {
      clearInterval(report);
      bots.close();
      setTimeout(() => process.exit(leaks === 0 ? 0 : 1), 200);
    }
  }, 1000);
}
