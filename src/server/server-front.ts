// The front every server of the engine puts around its game (DeclaredServer,
// DeclaredRoomServer): the HTTP server with its routes (the page, /healthz, /metrics, /players,
// /game.json, POST /connect), the WebSocket endpoint beside it, and the network layer (NetHost:
// the NetServer on UDP and WebSocket, connect tokens, admission limits) that both feed.

import type { Server } from 'node:http';
import type { WebSocketServer } from 'ws';
import type { ChronosConfig } from '../core/config.js';
import type { ChannelConfig } from '../net/channel.js';
import type { NetCrypto } from '../net/crypto.js';
import type { NetServerHandlers } from '../net/server.js';
import { TrustedProxies } from '../net/client-address.js';
import { createRequestHandler, type RouteContext } from './http-routes.js';
import { createHttpServer, createWebSocketEndpoint } from './listeners.js';
import type { ServerMetrics } from './metrics.js';
import { NetHost } from './net-host.js';
import type { StaticFile } from './static-files.js';

export interface ServerFrontOptions {
  readonly config: ChronosConfig;
  readonly metrics: ServerMetrics;
  readonly crypto: NetCrypto;
  readonly staticFiles: Map<string, StaticFile>;
  readonly channels: readonly ChannelConfig[];
  /** What the network layer's client events go to. */
  readonly handlers: NetServerHandlers;
  readonly health: RouteContext['health'];
  readonly players: NonNullable<RouteContext['players']>;
  readonly game: NonNullable<RouteContext['game']>;
  /** The bound HTTP port (known once listening). */
  readonly httpPort: () => number;
}

export interface ServerFront {
  readonly http: Server;
  readonly wss: WebSocketServer;
  readonly net: NetHost;
}

export function createServerFront(o: ServerFrontOptions): ServerFront {
  const { config, metrics } = o;
  const trustedProxies = new TrustedProxies(config.trustedProxies);
  // The routes' POST /connect and the WebSocket upgrade go to the network layer made just below.
  let net: NetHost | undefined;
  const http = createHttpServer(config, createRequestHandler({
    staticFiles: o.staticFiles,
    registry: metrics.registry,
    health: o.health,
    players: o.players,
    game: o.game,
    connect: (req, res) => net!.handleConnect(req, res),
    adminToken: config.adminToken,
    trustedProxies,
  }));
  const wss = createWebSocketEndpoint(http, {
    refuse: (req) => net!.refuseUpgrade(req),
    rejected: (reason) => metrics.connectionsRejected.inc({ reason }),
  });
  net = new NetHost({ crypto: o.crypto, config, metrics, wss, trustedProxies, channels: o.channels, handlers: o.handlers, httpPort: o.httpPort });
  return { http, wss, net };
}
