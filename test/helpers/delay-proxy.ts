// A loopback proxy in front of a demo server that holds every WebSocket frame back by a fixed
// delay each way (in order: a long link, not a lossy one), so a page loaded through it plays
// over a real round trip. HTTP requests pass straight through; the server builds its connect
// tokens from the Host header, so the page's WebSocket comes back through the proxy too.

import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

export interface DelayProxy {
  url: string;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (a free port) to `targetUrl`, delaying WebSocket frames by `oneWayMs`. */
export async function startDelayProxy(targetUrl: string, oneWayMs: number): Promise<DelayProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<WebSocket>();
  const server: Server = createServer((req, res) => {
    const upstream = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (client) => {
      const upstream = new WebSocket(new URL(req.url ?? '/ws', `ws://${target.host}`));
      upstream.binaryType = 'nodebuffer';
      sockets.add(client).add(upstream);
      const early: Buffer[] = [];
      const relay = (to: WebSocket, data: Buffer) => setTimeout(() => to.readyState === WebSocket.OPEN && to.send(data), oneWayMs);
      client.on('message', (data: Buffer) => (upstream.readyState === WebSocket.OPEN ? relay(upstream, data) : early.push(data)));
      upstream.on('open', () => early.splice(0).forEach((d) => relay(upstream, d)));
      upstream.on('message', (data: Buffer) => relay(client, data));
      const closeBoth = () => {
        client.close();
        upstream.close();
      };
      client.on('close', closeBoth);
      upstream.on('close', closeBoth);
      client.on('error', closeBoth);
      upstream.on('error', closeBoth);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      for (const s of sockets) s.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
