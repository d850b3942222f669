// The GameClient's UDP connector for Node (browsers have no UDP): resolves the server's host
// name once, then binds a socket of the same address family on an ephemeral port, connected to
// the server (no address lookup per send; datagrams from anyone else never reach us).

import { lookup } from 'node:dns/promises';
import { CLIENT_SEND_POOL_SIZE, UdpTransport } from '../net/transport-udp.js';
import type { UdpConnector } from './game-client.js';

export const connectUdp: UdpConnector = async (host, port) => {
  const { address, family } = await lookup(host);
  const transport = await UdpTransport.bind({ host: family === 6 ? '::' : '0.0.0.0', port: 0, poolSize: CLIENT_SEND_POOL_SIZE, connect: { host: address, port } });
  return { transport, host: address, port };
};

/**
 * A connector whose socket binds `bindHost` instead of any address: a load test on one machine
 * spreads its bots over loopback addresses (127.x.y.z) this way, so the server's per-address
 * handshake limit treats them as the separate players they stand for.
 */
export function udpConnectorFrom(bindHost: string): UdpConnector {
  return async (host, port) => {
    const { address } = await lookup(host);
    const transport = await UdpTransport.bind({ host: bindHost, port: 0, poolSize: CLIENT_SEND_POOL_SIZE, connect: { host: address, port } });
    return { transport, host: address, port };
  };
}
