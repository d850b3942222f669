// Serves __NAME__: `npm start`, then open the printed address. --http-port, --udp-port, --host;
// --net-workers N: N threads own the UDP connections (ports udp-port .. udp-port + N - 1), their
// crypto and sending, while this one runs the game; --encode-workers N: N threads encode the
// players' snapshots beside this one (it encodes a share too).

import { fileURLToPath } from 'node:url';
import { DeclaredServer } from 'chronos';
import { createGame } from './module.js';

const flag = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
};
const host = flag('host', '127.0.0.1');
const server = await DeclaredServer.start({
  module: await createGame(),
  host,
  httpPort: Number(flag('http-port', '8080')),
  udpPort: Number(flag('udp-port', '7777')),
  netWorkers: Number(flag('net-workers', '0')),
  encodeWorkers: Number(flag('encode-workers', '0')),
  staticDir: fileURLToPath(new URL('./build/page', import.meta.url)),
});
console.log(`__NAME__ on chronos: http://${host}:${server.httpPort}/ (game port udp ${server.udpPorts.join(', ')}); Ctrl+C stops`);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
