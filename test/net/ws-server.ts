// A WebSocketServerTransport on a real HTTP server on 127.0.0.1 for the tests of what a
// WebSocket peer can make the server hold: it records each link that sent a packet and each
// link it closed, and hands `cleanup` what closes it all.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { WebSocketServerTransport } from '../../src/net/transport-ws.js';
import type { PacketReceiver, Transport } from '../../src/net/transport.js';

export async function wsServer(
  options: ConstructorParameters<typeof WebSocketServerTransport>[1],
  cleanup: (() => Promise<void> | void)[],
): Promise<{ transport: WebSocketServerTransport; url: string; links: object[]; closed: object[] }> {
  const http: Server = createServer();
  const wss = new WebSocketServer({ server: http });
  const transport = new WebSocketServerTransport(wss, options);
  const links: object[] = [];
  const closed: object[] = [];
  const receiver: PacketReceiver = {
    receive: (_t: Transport, _b: Uint8Array, _h: string, _p: number, link: object | null) => {
      if (link && !links.includes(link)) links.push(link);
    },
    linkClosed: (_t, link) => closed.push(link),
    transportDrop: () => undefined,
  };
  transport.attach(receiver);
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  cleanup.push(async () => {
    await transport.close();
    await new Promise<void>((r) => wss.close(() => r()));
    http.closeAllConnections();
    await new Promise<void>((r) => http.close(() => r()));
  });
  return { transport, url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`, links, closed };
}
