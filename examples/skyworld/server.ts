// Serves Skyworld: `npm run example:skyworld` (or npx tsx examples/skyworld/server.ts), then open
// the printed address. Flags: --host, --http-port (8080), --udp-port (7777), --entities (2000),
// --seed (1), --view-radius (128), --encode-workers (default one per core but one with four
// cores or more; 0: the main thread encodes the snapshots), --net-workers (default one per core;
// 0: the main thread owns the UDP socket; N: N threads, ports udp-port .. + N - 1),
// --save FILE (restored at start, written every --autosave seconds, 60 by default, and at shutdown),
// and the security flags every game's server takes (--trust-proxy, --admin-token, ...: server-flags.ts).

import { fileURLToPath } from 'node:url';
import { DeclaredServer, ScriptArgs, SECURITY_FLAGS, securityFlags, startOrExit, threadsForCores } from '../../src/index.js';
import { skyworldModule } from './module.js';

const args = new ScriptArgs();
args.allow(['host', 'http-port', 'udp-port', 'seed', 'entities', 'view-radius', 'encode-workers', 'net-workers', 'save', 'autosave', ...SECURITY_FLAGS]);
// Every number a newcomer may type is checked against its range here, with a line saying so.
const httpPort = args.number('http-port', 8080, { integer: true, min: 0, max: 65535 });
const udpPort = args.number('udp-port', 7777, { integer: true, min: 0, max: 65535 });
const autosave = args.number('autosave', 60, { min: 1, max: 86_400 });
const text = (name: string): string | undefined => args.text(name);
const host = text('host') ?? '127.0.0.1';
const saveFile = text('save');
const threads = threadsForCores();
const workers = args.number('encode-workers', threads.encodeWorkers, { integer: true, min: 0, max: 256 });
const module = skyworldModule({
  entities: args.number('entities', 2000, { integer: true, min: 0, max: 500_000 }),
  seed: args.number('seed', 1, { integer: true, min: 0, max: 0xffffffff }),
  viewRadiusM: args.number('view-radius', 128, { min: 1, max: 2000 }),
});
const server = await startOrExit(() => DeclaredServer.start({
  ...securityFlags(args),
  module,
  host,
  httpPort,
  udpPort,
  staticDir: fileURLToPath(new URL('../../build/examples/skyworld', import.meta.url)),
  encodeWorkers: workers,
  netWorkers: args.number('net-workers', threads.netWorkers, { integer: true, min: 0, max: 256 }),
  ...(saveFile ? { save: { file: saveFile, autosaveMs: autosave * 1000 } } : {}),
}), { save: saveFile });
const game = module.game;
console.log(`skyworld on chronos: ${module.store.alive} entities of ${game.types.length} declared types, ${game.fields.length} fields, 60 Hz, snapshots encoded ${workers > 0 ? `on ${workers} worker threads` : 'on the main thread'}`);
console.log(`  page       http://${host}:${server.httpPort}/   (WASD move, Space jump, C climb a ladder, F fly, click or E zap, G: spatial grid)`);
const ports = server.udpPorts;
console.log(`  game port  udp ${host}:${ports.join(', ')}${ports.length > 1 ? ` (${ports.length} network worker threads)` : ''}; health http://${host}:${server.httpPort}/healthz`);
console.log('  bots       npm run example:skyworld:bots -- --players 20');
if (saveFile) console.log(`  save       ${saveFile}, every ${autosave} s and at shutdown`);
console.log('Press Ctrl+C to stop.');
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
