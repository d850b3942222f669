// A game's server's network host: one NetServer on two transports (the UDP game port, and
// WebSocket on /ws for browsers, carrying the very same packets), the POST /connect endpoint
// that issues connect tokens, and the /metrics wiring. A real deployment issues tokens from its
// own authenticated web backend with the same secret (TokenIssuer); the server hands one to
// anyone who asks (at most connectRatePerIp a minute per address), and re-issues the same
// client id to a caller that shows its resume ticket: the newest one its live session was sent,
// whichever thread owns the session, and for that session's own worker port (a resume lands
// where the session is parked); not one whose session its client closed or the server ended
// on purpose. /ws upgrades carrying an Origin header
// are taken from the page's own origin and the configured ones only (a browser always sends
// Origin; other clients need none).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:dgram';
import type { WebSocketServer } from 'ws';
import type { ChronosConfig } from '../core/config.js';
import type { ChannelConfig } from '../net/channel.js';
import type { NetCrypto } from '../net/crypto.js';
import { NetClock } from '../net/clock.js';
import { AddressRateLimiter } from '../net/rate-limit.js';
import { NetServer, type NetServerHandlers } from '../net/server.js';
import { SERVER_SOCKET_BUFFER_BYTES, UdpTransport } from '../net/transport-udp.js';
import { WebSocketServerTransport } from '../net/transport-ws.js';
import { clientAddressOf, type TrustedProxies } from '../net/client-address.js';
import { retiresTickets } from '../net/server-credentials.js';
import { WorkerAddressSessions } from './address-sessions.js';
import { MAX_ADDRESS_BYTES } from '../net/spec.js';
import { fromBase64, readU32, toBase64 } from '../net/wire.js';
import { ISOLATION_HEADERS } from './http-routes.js';
import type { ServerMetrics } from './metrics.js';
import { registerNetMetrics, registerNetWorkerMetrics } from './net-metrics.js';
import { NetWorkerPool, RemoteLink, type LinkHandlers } from './net-workers.js';
import type { ClientLink } from './client-link.js';
import type { Connection } from '../net/connection.js';
import type { DisconnectReason } from '../net/spec.js';

/** A /connect body larger than this is refused: it carries at most a 44-byte ticket. */
const MAX_CONNECT_BODY_BYTES = 1024;
/** Demo tokens live 60 s: enough to connect over a slow link, useless if leaked later. */
const TOKEN_EXPIRY_S = 60;
/** Host header values used to build the token's server addresses. */
const HOST_HEADER = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]{1,40})(:\d{1,5})?$/;

export interface NetHostOptions {
  crypto: NetCrypto;
  config: ChronosConfig;
  metrics: ServerMetrics;
  wss: WebSocketServer;
  channels: readonly ChannelConfig[];
  handlers: NetServerHandlers;
  /** The secret private tokens are sealed with (default: random per process). */
  secret?: Uint8Array;
  /** The bound HTTP port, for addresses when a request has no usable Host header. */
  httpPort: () => number;
  /** Reverse proxies whose X-Forwarded-For names the client (per-IP limits key on it). */
  trustedProxies?: TrustedProxies;
}

export interface ConnectResponse {
  /** The public connect token, base64. */
  token: string;
  clientId: number;
  expiresAtMs: number;
  serverAddresses: string[];
}

export class NetHost {
  readonly server: NetServer;
  readonly crypto: NetCrypto;
  private readonly config: ChronosConfig;
  private readonly httpPort: () => number;
  private udp: UdpTransport | undefined;
  private readonly ws: WebSocketServerTransport;
  private readonly secret: Uint8Array;
  private readonly channels: readonly ChannelConfig[];
  private readonly metrics: ServerMetrics;
  /** The network workers owning the UDP connections (world mode with --workers), if any. */
  pool: NetWorkerPool | undefined;
  private readonly connectClock = new NetClock();
  private readonly connectLimiter: AddressRateLimiter;
  private readonly connectRetryAfterS: number;
  private readonly trustedProxies: TrustedProxies | undefined;
  /** Every worker's sessions per address, so --max-sessions-per-ip holds for the whole server. */
  readonly workerSessions: WorkerAddressSessions;
  tokensIssued = 0;

  constructor(options: NetHostOptions) {
    this.crypto = options.crypto;
    this.config = options.config;
    this.httpPort = options.httpPort;
    this.metrics = options.metrics;
    this.trustedProxies = options.trustedProxies;
    this.workerSessions = new WorkerAddressSessions(options.config.maxSessionsPerIp, (host) => this.server.sessionsAt(host));
    const perSec = options.config.connectRatePerIp / 60;
    const seed = new Uint8Array(4);
    this.crypto.randomBytes(seed);
    this.connectLimiter = new AddressRateLimiter(this.connectClock, perSec, Math.max(1, Math.floor(options.config.connectRatePerIp / 3)), readU32(seed, 0));
    this.connectRetryAfterS = Math.max(1, Math.ceil(1 / perSec));
    const secret = options.secret ?? new Uint8Array(32);
    if (options.secret === undefined) this.crypto.randomBytes(secret);
    this.secret = secret;
    this.channels = options.channels;
    this.server = new NetServer({
      crypto: this.crypto,
      secret,
      channels: options.channels,
      maxConnections: options.config.maxClients,
      maxSessionsPerIp: options.config.maxSessionsPerIp,
      otherSessionsAt: (host) => this.workerSessions.countAt(host),
      handlers: options.handlers,
    });
    const trusted = this.trustedProxies;
    this.ws = new WebSocketServerTransport(options.wss, { clientAddress: (req) => clientAddressOf(req, trusted) });
    this.server.listen(this.ws);
    registerNetMetrics(options.metrics.registry, this.server, this.crypto.name);
  }

  /** Serves the protocol on the (already bound) UDP game port. */
  attachUdp(socket: Socket): void {
    for (const set of [(n: number) => socket.setRecvBufferSize(n), (n: number) => socket.setSendBufferSize(n)]) {
      try {
        set(SERVER_SOCKET_BUFFER_BYTES);
      } catch (err) {
        // The OS refused the size (a container's limits): the default buffer still works.
        if ((err as NodeJS.ErrnoException).code !== 'ERR_SOCKET_BUFFER_SIZE') throw err;
      }
    }
    this.udp = new UdpTransport(socket);
    this.server.listen(this.udp);
  }

  /**
   * Starts `workers` network workers (ports from the configured UDP port on, or ephemeral with
   * 0) that own every UDP connection from now on; their clients' events go to `handlers`.
   */
  async startWorkers(workers: number, handlers: LinkHandlers, log: (line: string) => void, transport: 'udp' | 'ring' = 'udp'): Promise<void> {
    this.pool = await NetWorkerPool.start({
      workers,
      host: this.config.host,
      basePort: this.config.udpPort,
      secret: this.secret,
      channels: this.channels,
      maxConnectionsPerWorker: this.config.maxClients,
      maxSessionsPerIp: this.config.maxSessionsPerIp,
      handlers: this.workerSessions.wrap(
        {
          ...handlers,
          disconnect: (link, reason) => {
            // The worker's own NetServer retires the tickets there; tickets redeem here.
            if (retiresTickets(reason)) this.server.retireTickets(link.clientId);
            handlers.disconnect?.(link, reason);
          },
        },
        (link, reason) => {
          this.metrics.connectionsRejected.inc({ reason: 'address_limit' });
          link.kick(reason);
        },
      ),
      log,
      transport,
    });
    registerNetWorkerMetrics(this.metrics.registry, this.pool);
  }

  get connectionCount(): number {
    return this.server.connectionCount + (this.pool?.linkCount ?? 0);
  }

  /** Every client link: this thread's connections, then every worker's. */
  *links(): IterableIterator<ClientLink> {
    yield* this.server.connections;
    if (this.pool) yield* this.pool.links();
  }

  /** Ends a session, whichever thread owns it. */
  kick(link: ClientLink, reason: DisconnectReason): void {
    if (link instanceof RemoteLink) link.kick(reason);
    else this.server.disconnect(link as Connection, reason);
  }

  /** Start of a tick: what the workers' clients sent since the last one. */
  receive(): void {
    this.pool?.drain();
  }

  /** Timers and one flush of every connection: after the tick's messages are queued. */
  update(): void {
    this.server.update();
    this.pool?.flush();
  }

  /**
   * Why a /ws upgrade is refused ('origin'), or undefined. An upgrade with no Origin header
   * (not a browser) passes; one with an Origin passes if it is the page's own (http or https
   * and the Host the request names) or one of config.allowedOrigins ('*': any).
   */
  refuseUpgrade(req: IncomingMessage): string | undefined {
    const origin = req.headers.origin;
    if (origin === undefined) return undefined;
    const allowed = this.config.allowedOrigins;
    if (allowed.includes('*') || allowed.includes(origin)) return undefined;
    const host = req.headers.host;
    if (host !== undefined && (origin === `http://${host}` || origin === `https://${host}`)) return undefined;
    return 'origin';
  }

  /** POST /connect: a connect token as JSON. Body (optional): {"resume": "<ticket base64>"}. */
  handleConnect(req: IncomingMessage, res: ServerResponse): void {
    this.connectClock.nowMs = performance.now();
    if (!this.connectLimiter.allow(clientAddressOf(req, this.trustedProxies))) {
      this.metrics.connectionsRejected.inc({ reason: 'connect_rate' });
      const text = JSON.stringify({ error: 'too many connect requests from this address; try again later' }) + '\n';
      res.writeHead(429, { ...ISOLATION_HEADERS, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', 'Retry-After': String(this.connectRetryAfterS) });
      res.end(text);
      req.resume();
      return;
    }
    let body = '';
    let tooLarge = false;
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_CONNECT_BODY_BYTES) {
        tooLarge = true;
        req.destroy();
      }
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (tooLarge) return;
      const result = this.issue(req, body);
      const text = JSON.stringify('error' in result ? { error: result.error } : result) + '\n';
      res.writeHead('error' in result ? 400 : 200, {
        ...ISOLATION_HEADERS,
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(text),
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      });
      res.end(text);
    });
  }

  private issue(req: IncomingMessage, body: string): ConnectResponse | { error: string } {
    let clientId: number | undefined;
    let home: RemoteLink | undefined;
    if (body.trim() !== '') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        return { error: 'body must be JSON' };
      }
      const resume = (parsed as { resume?: unknown } | null)?.resume;
      if (resume !== undefined) {
        const ticket = typeof resume === 'string' ? fromBase64(resume) : undefined;
        clientId = ticket ? this.server.redeemTicket(ticket, (id) => (home = this.pool?.linkOfClient(id))) : undefined;
        // A ticket that does not redeem (forged, expired, or retired by a newer one) just gets
        // a fresh identity: nothing to resume.
      }
    }
    if (clientId === undefined) {
      const r = new Uint8Array(8);
      this.crypto.randomBytes(r);
      // 48 random bits: unique enough for a demo, and an exact JS number.
      clientId = readU32(r, 0) + (readU32(r, 4) & 0xffff) * 4294967296;
    }
    // A client whose session lives on a worker goes back to that worker: elsewhere it would start over.
    const serverAddresses = this.addressesFor(req.headers.host, clientId !== undefined && home?.clientId === clientId && home.shard.alive ? home.shard.port : undefined);
    const token = this.server.issuer.issue({ clientId, serverAddresses, expiresInS: TOKEN_EXPIRY_S });
    this.tokensIssued++;
    return { token: toBase64(token), clientId, expiresAtMs: Date.now() + TOKEN_EXPIRY_S * 1000, serverAddresses };
  }

  /**
   * udp://host:udpPort and ws://host:httpPort/ws, the host as the client named it. With network
   * workers, the UDP port is the least loaded worker's.
   */
  private addressesFor(hostHeader: string | undefined, workerPort?: number): string[] {
    const udpPort = workerPort ?? (this.pool ? this.pool.leastLoaded().port : (this.udp?.port ?? this.config.udpPort));
    const match = hostHeader ? HOST_HEADER.exec(hostHeader) : null;
    const fallback = this.config.host === '0.0.0.0' || this.config.host === '::' ? '127.0.0.1' : this.config.host;
    const hostname = match ? match[1]! : fallback;
    const httpHost = match ? hostHeader! : `${hostname}:${this.httpPort()}`;
    const addresses = [`udp://${hostname}:${udpPort}`, `ws://${httpHost}/ws`];
    // A token holds addresses of at most MAX_ADDRESS_BYTES: a longer host name falls back.
    if (addresses.some((a) => a.length > MAX_ADDRESS_BYTES)) return [`udp://${fallback}:${udpPort}`, `ws://${fallback}:${this.httpPort()}/ws`];
    return addresses;
  }

  /** Disconnects every client (ServerClosed) and closes both transports. */
  async close(): Promise<void> {
    await this.pool?.close();
    await this.server.close();
  }
}
