// The GameClient's UDP connector for Node (browsers have no UDP): resolves the server's host
// name once, then binds a socket of the same address family on an ephemeral port.

import { lookup } from 'node:dns/promises';
import { CLIENT_SEND_POOL_SIZE, UdpTransport } from '../net/transport-udp.js';
import type { UdpConnector } from './game-client.js';

export const connectUdp: UdpConnector = async (host, port) => {
  const { address, family } = await lookup(host);
  const transport = await UdpTransport.bind({ host: family === 6 ? '::' : '0.0.0.0', port: 0, poolSize: CLIENT_SEND_POOL_SIZE });
  return { transport, host: address, port };
};
