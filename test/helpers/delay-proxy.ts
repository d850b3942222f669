// A loopback proxy in front of a demo server that holds every WebSocket frame back by a fixed
// delay each way (in order: a long link, not a lossy one), so a page loaded through it plays
// over a real round trip. HTTP requests pass straight through; the server builds its connect
// tokens from the Host header, so the page's WebSocket comes back through the proxy too.
//
// hold() stops the server-to-page direction (frames queue, in order, until release()): while
// held, nothing the server sends after that moment can reach the page. It answers how many DATA
// packets the page has been sent until then, which the page's own packet count reaches once it
// has processed every one of them.

import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { PACKET_DATA, PACKET_TYPE_MASK } from '../../src/net/spec.js';

export interface DelayProxy {
  url: string;
  /** Holds every frame to the page from now on; returns the DATA packets sent to the page so far. */
  hold(): number;
  /** Sends what was held, in order, and lets frames through again. */
  release(): void;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (a free port) to `targetUrl`, delaying WebSocket frames by `oneWayMs`. */
export async function startDelayProxy(targetUrl: string, oneWayMs: number): Promise<DelayProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<WebSocket>();
  let held: (() => void)[] | undefined;
  let dataToPage = 0;
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
      const toPage = (data: Buffer) => {
        if (client.readyState !== WebSocket.OPEN) return;
        if (data.byteLength > 0 && (data[0]! & PACKET_TYPE_MASK) === PACKET_DATA) dataToPage++;
        client.send(data);
      };
      client.on('message', (data: Buffer) => (upstream.readyState === WebSocket.OPEN ? relay(upstream, data) : early.push(data)));
      upstream.on('open', () => early.splice(0).forEach((d) => relay(upstream, d)));
      upstream.on('message', (data: Buffer) => setTimeout(() => (held ? held.push(() => toPage(data)) : toPage(data)), oneWayMs));
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
    hold() {
      held ??= [];
      return dataToPage;
    },
    release() {
      const queued = held ?? [];
      held = undefined;
      for (const send of queued) send();
    },
    async close() {
      for (const s of sockets) s.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
