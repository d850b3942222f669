// Serves the arena shooter: `npm start` (or `npm run example:arena-shooter`), then open the
// printed address.
// --mode world (default): the 10 km world, 100,000 NPCs all over it, each player sent what it
// sees (DeclaredServer); --max-players (1,000) sizes the store.
// --mode arena: a rollback room of up to 64 seats (--seats), 2,000 NPCs within 500 m of the
// centre, every client running the whole arena with the same module (DeclaredRoomServer,
// room.ts). --idle-seconds (120): a player that sends nothing that long leaves (world mode: disconnected,
// its avatar gone; arena mode: made a spectator, its seat freed).
// Flags: --host, --http-port (8080), --udp-port (7777), --seed (1), --view-radius (100),
// --npcs and --npc-spread (they appear within that many metres of the centre),
// --encode-workers N (threads that encode the players' snapshots beside this one; default one
// per core but one with four cores or more, else none), --net-workers N (N threads own the UDP
// connections, ports udp-port .. udp-port + N - 1; default one per core, as the engine's own
// world mode; 0: this thread owns them),
// --save FILE (restored at start, written every --autosave seconds, 60 by default, and at shutdown),
// and the security flags every game's server takes (server-flags.ts: --trust-proxy, --admin-token,
// --allow-origin, --connect-rate, --max-sessions-per-ip, --max-http-connections).

import { fileURLToPath } from 'node:url';
import { DeclaredRoomServer, DeclaredServer, ScriptArgs, SECURITY_FLAGS, securityFlags, startOrExit, threadsForCores } from '../../src/index.js';
import { createArena } from './module.js';
import { createRoom, ROOM_SEATS } from './room.js';
import { HALF_M, MAX_CAPACITY, NPC_SPREAD_M, NPCS } from './game.js';

const args = new ScriptArgs();
args.allow(['mode', 'host', 'http-port', 'udp-port', 'seed', 'npcs', 'npc-spread', 'seats', 'idle-seconds', 'max-players', 'view-radius', 'encode-workers', 'net-workers', 'save', 'autosave', ...SECURITY_FLAGS]);
// The per-IP limits, the operator token, the origins and proxies trusted: as every game's server.
const security = securityFlags(args);
// Every number a newcomer may type is checked against its range here, with a line saying so,
// rather than thrown from deep inside the engine.
const seed = args.number('seed', 1, { integer: true, min: 0, max: 0xffffffff });
const httpPort = args.number('http-port', 8080, { integer: true, min: 0, max: 65535 });
const udpPort = args.number('udp-port', 7777, { integer: true, min: 0, max: 65535 });
const text = (name: string): string | undefined => args.text(name);
const host = text('host') ?? '127.0.0.1';
const saveFile = text('save');
const mode = text('mode') ?? 'world';
if (mode !== 'world' && mode !== 'arena') {
  console.error(`--mode is world or arena, got "${mode}"`);
  process.exit(2);
}
// World mode's world is world mode's: 100,000 NPCs over all of it. A room's is what every client
// simulates and is sent whole at its join: 2,000 near the centre.
const npcs = args.number('npcs', mode === 'world' ? 100_000 : NPCS, { integer: true, min: 0, max: 200_000 });
const spread = args.number('npc-spread', mode === 'world' ? HALF_M : NPC_SPREAD_M, { min: 1, max: HALF_M });
// A player whose client sends nothing for this long leaves: world mode disconnects it (its
// avatar leaves the world), arena mode makes it a spectator and frees its seat.
const idleSeconds = args.number('idle-seconds', 120, { min: 1, max: 86_400 });
const staticDir = fileURLToPath(new URL('../../build/examples/arena-shooter', import.meta.url));
const stopOnSignal = (server: { stop(): Promise<void> }) => {
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
};
if (mode === 'arena') {
  if (saveFile || args.has('encode-workers') || args.has('net-workers')) {
    console.error('--mode arena takes no --save, --encode-workers or --net-workers: a room of 64 seats runs on one thread, and its world is the session\'s');
    process.exit(2);
  }
  const seats = args.number('seats', ROOM_SEATS, { integer: true, min: 1, max: ROOM_SEATS });
  const room = await createRoom({ seed, npcs, npcSpreadM: spread, seats });
  // The kill feed (the rules' events) reaches the seats within range of where it happened.
  const server = await startOrExit(() => DeclaredRoomServer.start({ ...security, room, host, httpPort, udpPort, staticDir, idleSeconds, positions: { x: 'position.x', y: 'position.y' } }));
  console.log(`arena shooter on chronos, arena mode: a rollback room of ${seats} seats, ${npcs} NPCs within ${spread} m of the centre; every client runs the whole room with the game's own module (game.wasm) at 60 Hz`);
  console.log(`  page       http://${host}:${server.httpPort}/   (WASD move, aim with the mouse; click or Space: projectiles, right-click or E: rifle; G: spatial grid; ?watch to spectate)`);
  console.log(`  game port  udp ${host}:${server.udpPort}; health http://${host}:${server.httpPort}/healthz`);
  console.log('  bots       npm run bots -- --mode arena --players 8');
  console.log('  world mode npm start (the 10 km world)');
  console.log('Press Ctrl+C to stop.');
  stopOnSignal(server);
} else {
  // Each player takes its avatar and up to eight projectiles' slots beside the NPCs.
  const maxPlayers = args.number('max-players', 1000, { integer: true, min: 1, max: Math.floor((MAX_CAPACITY - 1024 - npcs) / 8) });
  // Spread over the machine as the engine's own world mode is (threadsForCores).
  const threads = threadsForCores();
  const netWorkers = args.number('net-workers', threads.netWorkers, { integer: true, min: 0, max: 256 });
  const workers = args.number('encode-workers', threads.encodeWorkers, { integer: true, min: 0, max: 256 });
  const viewRadiusM = args.number('view-radius', 100, { min: 1, max: 2000 });
  const autosave = args.number('autosave', 60, { min: 1, max: 86_400 });
  const module = await createArena({ seed, viewRadiusM, npcs, npcSpreadM: spread, maxPlayers });
  const server = await startOrExit(() => DeclaredServer.start({
    ...security,
    module,
    idleSeconds,
    host,
    maxClients: maxPlayers,
    httpPort,
    udpPort,
    staticDir,
    encodeWorkers: workers,
    netWorkers,
    ...(saveFile ? { save: { file: saveFile, autosaveMs: autosave * 1000 } } : {}),
  }), { save: saveFile });
  // What the world holds now: a restored save's, if there was one.
  const store = module.store;
  const npcType = store.game.typeIndex.get('npc')! + 1;
  let alive = 0;
  for (let s = 0; s < store.highWater; s++) if (store.typeColumn[s] === npcType) alive++;
  const settings = store.idAt(0);
  const spreadNow = store.typeColumn[0] === store.game.typeIndex.get('settings')! + 1 ? (store.get(settings, 'spawning.spreadM') as number) : spread;
  console.log(`arena shooter on chronos, world mode: ${alive} NPCs ${spreadNow >= HALF_M ? 'all over' : `within ${spreadNow} m of the centre of`} a ${(2 * HALF_M) / 1000} km world, up to ${maxPlayers} players, rules in the game's own AssemblyScript (examples/arena-shooter), 60 Hz, snapshots encoded ${workers > 0 ? `on ${workers} worker threads` : 'on the main thread'}`);
  console.log(`  page       http://${host}:${server.httpPort}/   (WASD move, aim with the mouse; click or Space: projectiles, right-click or E: rifle; I: interest; G: spatial grid; ?watch to spectate)`);
  const ports = server.udpPorts;
  console.log(`  game port  udp ${host}:${ports.join(', ')}${ports.length > 1 ? ` (${ports.length} network worker threads)` : ''}; health http://${host}:${server.httpPort}/healthz`);
  console.log('  bots       npm run bots -- --players 20');
  console.log('  arena mode npm start -- --mode arena (the 64-seat rollback room)');
  if (saveFile) console.log(`  save       ${saveFile}, every ${autosave} s and at shutdown`);
  console.log('Press Ctrl+C to stop.');
  stopOnSignal(server);
}
