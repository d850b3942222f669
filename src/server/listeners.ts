// The game server's sockets: the HTTP server (bounded), its /ws WebSocket endpoint (refused
// upgrades counted by reason) and the UDP game socket, each listening or bound with a typed
// error (PortInUseError) when its port is taken.

import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { WebSocketServer } from 'ws';
import type { ChronosConfig } from '../core/config.js';
import { PortInUseError } from '../core/errors.js';
import { MAX_PACKET_BYTES } from '../net/spec.js';

/**
 * Bounded HTTP: headers within httpHeadersTimeoutMs, the whole request within
 * httpRequestTimeoutMs (checked every second), at most maxHttpConnections sockets.
 */
export function createHttpServer(config: ChronosConfig, handler: RequestListener): Server {
  const http = createServer(
    { headersTimeout: config.httpHeadersTimeoutMs, requestTimeout: config.httpRequestTimeoutMs, keepAliveTimeout: 5_000, connectionsCheckingInterval: Math.min(1_000, config.httpHeadersTimeoutMs) },
    handler,
  );
  http.maxConnections = config.maxHttpConnections;
  return http;
}

export interface UpgradeGate {
  /** Why this upgrade request is refused (403), or undefined to accept it. */
  refuse(req: IncomingMessage): string | undefined;
  /** Counts an upgrade that was not accepted, by reason. */
  rejected(reason: string): void;
}

/** The /ws endpoint on `http`: other upgrade paths are dropped, refused ones answered 403. */
export function createWebSocketEndpoint(http: Server, gate: UpgradeGate): WebSocketServer {
  // One protocol packet per frame: anything larger is refused by ws (close code 1009).
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PACKET_BYTES });
  http.on('upgrade', (req, socket, head) => {
    let path = '';
    try {
      path = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      path = '';
    }
    if (path !== '/ws') {
      gate.rejected('bad_upgrade_path');
      socket.destroy();
      return;
    }
    const refused = gate.refuse(req);
    if (refused !== undefined) {
      gate.rejected(refused);
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  return wss;
}

export function listenHttp(http: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new PortInUseError('tcp', port, host) : err);
    http.once('error', onError);
    http.listen(port, host, () => {
      http.off('error', onError);
      resolve();
    });
  });
}

/** A UDP socket bound to host:port; errors after binding go to `onSocketError` (counted, never thrown). */
export function bindUdp(host: string, port: number, onSocketError: () => void): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
    const onError = (err: NodeJS.ErrnoException) => {
      socket.close();
      reject(err.code === 'EADDRINUSE' ? new PortInUseError('udp', port, host) : err);
    };
    socket.once('error', onError);
    socket.bind(port, host, () => {
      socket.off('error', onError);
      socket.on('error', onSocketError);
      resolve(socket);
    });
  });
}

/** The port `http` is bound to (it differs from the config's when that asked for port 0). */
export function boundPort(http: Server, configured: number): number {
  const address = http.address();
  return typeof address === 'object' && address ? address.port : configured;
}

/** What a server listens with, as closeListeners closes it. */
export interface Listeners {
  readonly http: Server;
  readonly wss: { close(done: () => void): void };
  readonly net: { close(): Promise<void> };
}

/** DISCONNECT to every client and the transports closed (the UDP socket with them), then the WebSocket endpoint and HTTP. */
export async function closeListeners({ http, wss, net }: Listeners): Promise<void> {
  await net.close();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
}

/** Listens on HTTP, then binds the UDP socket and hands it to `attach`; on a failure, closes what was opened and throws. */
export async function listenHttpAndUdp(
  http: Server,
  host: string,
  ports: { http: number; udp: number },
  net: { close(): Promise<void> },
  onSocketError: () => void,
  attach: (udp: Socket) => void,
): Promise<Socket> {
  await listenHttp(http, ports.http, host);
  try {
    const udp = await bindUdp(host, ports.udp, onSocketError);
    attach(udp);
    return udp;
  } catch (err) {
    await net.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    throw err;
  }
}
