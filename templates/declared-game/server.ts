// Serves __NAME__: `npm start`, then open the printed address. --http-port, --udp-port, --host;
// --net-workers N: N threads own the UDP connections (ports udp-port .. udp-port + N - 1), their
// crypto and sending, while this one runs the game; --encode-workers N: N threads encode the
// players' snapshots beside this one (it encodes a share too). By default as the machine's
// cores allow (threadsForCores); 0 keeps that work on this thread. And the security flags every
// game's server takes: --trust-proxy, --admin-token, --allow-origin, --connect-rate,
// --max-sessions-per-ip, --max-http-connections (Chronos' README, Security).

import { fileURLToPath } from 'node:url';
import { DeclaredServer, ScriptArgs, SECURITY_FLAGS, securityFlags, startOrExit, threadsForCores } from 'chronos';
import { createGame } from './module.js';

const args = new ScriptArgs();
args.allow(['host', 'http-port', 'udp-port', 'net-workers', 'encode-workers', ...SECURITY_FLAGS]);
const host = args.text('host') ?? '127.0.0.1';
const threads = threadsForCores();
const server = await startOrExit(async () => DeclaredServer.start({
  ...securityFlags(args),
  module: await createGame(),
  host,
  httpPort: args.number('http-port', 8080, { integer: true, min: 0, max: 65535 }),
  udpPort: args.number('udp-port', 7777, { integer: true, min: 0, max: 65535 }),
  netWorkers: args.number('net-workers', threads.netWorkers, { integer: true, min: 0 }),
  encodeWorkers: args.number('encode-workers', threads.encodeWorkers, { integer: true, min: 0 }),
  staticDir: fileURLToPath(new URL('./build/page', import.meta.url)),
}));
console.log(`__NAME__ on chronos: http://${host}:${server.httpPort}/ (game port udp ${server.udpPorts.join(', ')}); Ctrl+C stops`);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
