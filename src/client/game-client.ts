// GameClient: the client SDK over the network layer, for the browser and for Node. It asks the
// game's token endpoint for a connect token, opens a link (WebSocket in the browser, UDP in
// Node), runs the encrypted handshake, drives the connection on a timer, and reconnects after an
// interruption, presenting its resume ticket so the server finds its session again (under 5 s:
// nothing lost; 5-30 s: a resync; later: a new session).
//
//   const client = await GameClient.create({ tokenUrl: '/connect', channels, handlers: {
//     message(channel, bytes) { ... }, connect(tier) { ... } } });
//   await client.connect();
//   client.send(0, inputBytes);

import type { ChannelConfig } from '../net/channel.js';
import { NetClient } from '../net/client.js';
import { decodeConnectToken, type ConnectToken } from '../net/connect-token.js';
import type { ConnectionStats } from '../net/connection.js';
import type { NetCrypto } from '../net/crypto.js';
import { loadLibsodiumCrypto } from '../net/crypto-libsodium.js';
import { DisconnectReason, SessionTier } from '../net/spec.js';
import type { Transport } from '../net/transport.js';
import { WebSocketClientTransport, type WebSocketConstructor } from '../net/transport-ws-client.js';
import { fromBase64, toBase64 } from '../net/wire.js';
import { StateError } from '../core/errors.js';

export type LinkKind = 'websocket' | 'udp';

/** Opens a UDP link to host:port (Node: see udp-connector.ts; browsers have no UDP). */
export type UdpConnector = (host: string, port: number) => Promise<{ transport: Transport; host: string; port: number }>;

export interface GameClientHandlers {
  /** Connected, or reconnected: Resume (nothing lost), Resync (channels reset), New. */
  connect?(tier: SessionTier): void;
  message?(channel: number, bytes: Uint8Array): void;
  acked?(channel: number, messageNumber: number): void;
  /** The link dropped; the client is reconnecting (unless `reconnect: false`). */
  interrupt?(reason: DisconnectReason): void;
  /** The session is over and the client will not reconnect. */
  disconnect?(reason: DisconnectReason): void;
  /** Called after every update (about 60 times a second while connected). */
  update?(nowMs: number): void;
}

export interface GameClientOptions {
  /** The token endpoint (POST, JSON reply with a base64 `token`). */
  tokenUrl: string | URL;
  /** Same list, same order as the server's. */
  channels: readonly ChannelConfig[];
  transport?: LinkKind;
  /** Default: libsodium-wrappers (works everywhere; Node servers use sodium-native). */
  crypto?: NetCrypto;
  /** Node: the `ws` package's WebSocket. The browser's is used by default. */
  WebSocket?: WebSocketConstructor;
  udp?: UdpConnector;
  /**
   * How the token endpoint is asked (default: the global fetch). A load tool on one machine
   * passes one that sends each bot's request from the bot's own loopback address, so the
   * server's per-address limits see its bots apart, as separate players' machines would be.
   */
  fetch?: (url: string | URL, init: { method: string; headers: Record<string, string>; body: string }) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;
  /** Reconnect after an interruption (default true). */
  reconnect?: boolean;
  updateEveryMs?: number;
  keepaliveMs?: number;
  handlers?: GameClientHandlers;
}

/** Reconnect backoff: 250 ms, doubling, at most 4 s (the server keeps a session 30 s). */
const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 4_000;
const DEFAULT_UPDATE_MS = 16;

export interface GameClientStats extends ConnectionStats {
  state: string;
  clientId: number;
  transport: LinkKind;
  crypto: string;
  tier: string;
  reconnects: number;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export class GameClient {
  readonly net: NetClient;
  readonly crypto: NetCrypto;
  private readonly options: GameClientOptions;
  private readonly handlers: GameClientHandlers;
  private readonly kind: LinkKind;
  private timer: ReturnType<typeof setInterval> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private backoffMs = RECONNECT_FIRST_MS;
  private closed = false;
  private waiting: { resolve: (tier: SessionTier) => void; reject: (err: Error) => void } | undefined;
  reconnects = 0;

  private constructor(options: GameClientOptions, crypto: NetCrypto) {
    this.options = options;
    this.crypto = crypto;
    this.handlers = options.handlers ?? {};
    this.kind = options.transport ?? 'websocket';
    if (this.kind === 'udp' && !options.udp) throw new StateError('transport "udp" needs a udp connector (Node only: see src/client/udp-connector.ts)');
    this.net = new NetClient({
      crypto,
      channels: options.channels,
      keepaliveMs: options.keepaliveMs,
      handlers: {
        connect: (tier) => {
          this.backoffMs = RECONNECT_FIRST_MS;
          this.waiting?.resolve(tier);
          this.waiting = undefined;
          this.handlers.connect?.(tier);
        },
        message: (channel, bytes) => this.handlers.message?.(channel, bytes),
        acked: (channel, n) => this.handlers.acked?.(channel, n),
        interrupt: (reason) => this.interrupted(reason),
        disconnect: (reason) => this.ended(reason),
      },
    });
  }

  static async create(options: GameClientOptions): Promise<GameClient> {
    return new GameClient(options, options.crypto ?? (await loadLibsodiumCrypto()));
  }

  /** Fetches a token, opens a link and handshakes; resolves with the session tier. */
  async connect(): Promise<SessionTier> {
    if (this.closed) throw new StateError('the client is closed');
    const token = await this.fetchToken();
    const link = await this.openLink(token);
    const done = new Promise<SessionTier>((resolve, reject) => (this.waiting = { resolve, reject }));
    this.net.connect(token, link.transport, link.host, link.port);
    this.startTimer();
    return done;
  }

  send(channel: number, bytes: Uint8Array): number {
    return this.net.send(channel, bytes);
  }

  /** Sends what is queued now instead of at the next update (inputs, say). */
  flush(): void {
    this.net.flush();
  }

  get state(): string {
    return this.net.state;
  }

  stats(): GameClientStats {
    return {
      ...this.net.connection.stats(),
      state: this.net.state,
      clientId: this.net.clientId,
      transport: this.kind,
      crypto: this.crypto.name,
      tier: SessionTier[this.net.lastTier] ?? 'New',
      reconnects: this.reconnects,
    };
  }

  /** Leaves: a DISCONNECT to the server, then no more reconnects. */
  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.net.disconnect();
    this.stopTimer();
  }

  private async fetchToken(): Promise<ConnectToken> {
    const ticket = this.net.resumeTicket;
    const request = this.options.fetch ?? fetch;
    const response = await request(this.options.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(ticket ? { resume: toBase64(ticket) } : {}),
    });
    if (!response.ok) throw new Error(`token endpoint ${String(this.options.tokenUrl)} answered HTTP ${response.status}`);
    const body = (await response.json()) as { token?: unknown };
    const bytes = typeof body.token === 'string' ? fromBase64(body.token) : undefined;
    if (!bytes) throw new Error(`token endpoint ${String(this.options.tokenUrl)} sent no token`);
    return decodeConnectToken(bytes);
  }

  private async openLink(token: ConnectToken): Promise<{ transport: Transport; host: string; port: number }> {
    if (this.kind === 'udp') {
      const address = token.serverAddresses.find((a) => a.startsWith('udp://'));
      if (!address) throw new Error(`the token lists no UDP address (${token.serverAddresses.join(', ')})`);
      const url = new URL(address);
      return this.options.udp!(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port));
    }
    let address = token.serverAddresses.find((a) => a.startsWith('ws://') || a.startsWith('wss://'));
    if (!address) throw new Error(`the token lists no WebSocket address (${token.serverAddresses.join(', ')})`);
    // A page served over HTTPS may only open wss:// (a TLS proxy in front of the server).
    if (typeof location !== 'undefined' && location.protocol === 'https:') address = address.replace(/^ws:/, 'wss:');
    const transport = await WebSocketClientTransport.connect(address, this.options.WebSocket);
    return { transport, host: '', port: 0 };
  }

  private interrupted(reason: DisconnectReason): void {
    this.handlers.interrupt?.(reason);
    if (this.waiting) {
      this.waiting.reject(new Error(`connection attempt failed: ${DisconnectReason[reason]}`));
      this.waiting = undefined;
    }
    if (this.closed || this.options.reconnect === false) {
      this.stopTimer();
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    clearTimeout(this.reconnectTimer);
    const delay = this.backoffMs;
    this.backoffMs = Math.min(RECONNECT_MAX_MS, this.backoffMs * 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnects++;
      this.connect().catch(() => {
        // The attempt failed before the handshake (token endpoint or link down): try again.
        if (!this.closed && this.net.state !== 'connected') this.scheduleReconnect();
      });
    }, delay);
  }

  private ended(reason: DisconnectReason): void {
    if (this.waiting) {
      this.waiting.reject(new Error(`connection refused: ${DisconnectReason[reason]}`));
      this.waiting = undefined;
    }
    this.stopTimer();
    this.handlers.disconnect?.(reason);
  }

  private startTimer(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      const t = now();
      this.net.update(t);
      this.handlers.update?.(t);
    }, this.options.updateEveryMs ?? DEFAULT_UPDATE_MS);
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
