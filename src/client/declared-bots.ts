// Load-test bots for a game of one's own (Node only): N real DeclaredClients against a running
// DeclaredServer, each from its own loopback address (127.0.0.2, .3, ...: the server's
// per-address limits on tokens and sessions count each bot apart, as they would players on
// separate machines), each asking for its connect token over HTTP and playing over UDP or
// WebSocket, driven inputHz times a second by the game's own brain from what its client was
// sent. The game keeps what makes its bots its own (the brain, what each should and should not
// see); this keeps the connecting, the input loop, the counting and the closing.
//
//   const bots = await DeclaredBots.start({ game: GAME, url: 'http://127.0.0.1:8080', players: 20,
//     think: (client, i) => ({ moveX: 1, moveY: 0 }) });
//   setInterval(() => console.log(bots.rateLine()), 1000);

import WebSocket from 'ws';
import { ConfigError } from '../core/errors.js';
import type { Game, GameDeclaration } from '../core/game.js';
import type { GameInput } from '../codec/game-input.js';
import type { NetCrypto } from '../net/crypto.js';
import { loadServerCrypto } from '../net/crypto-node.js';
import type { WebSocketConstructor } from '../net/transport-ws-client.js';
import { DeclaredClient } from './declared-client.js';
import { fetchFrom } from './local-fetch.js';
import { udpConnectorFrom } from './udp-connector.js';
import { reportSlice } from './bot-processes.js';

/** Most bots one process runs (each a client with its own crypto state, frames and socket). */
export const MAX_BOTS = 5000;

export interface DeclaredBotsOptions<D extends GameDeclaration> extends SwarmOptions {
  readonly game: Game<D>;
  /** The server's HTTP address: tokens come from its /connect. */
  readonly url: string | URL;
  /** Bots to start, in [1, MAX_BOTS]. */
  readonly players: number;
  /**
   * The global index of the first (default 0): bots index .. index + players - 1, for their
   * addresses and brains. A load test over several processes gives each its slice (botSlice).
   */
  readonly firstIndex?: number;
  /**
   * Bot `index`'s input for input frame `frame` (null: none this frame), once its client has
   * joined: from what that client was sent (client.replica, client.avatarId), as a player's
   * page would.
   */
  readonly think: (client: DeclaredClient<D>, index: number, frame: number) => GameInput<D> | null;
  /** After bot `index` decoded a snapshot (to check what it may and may not see, say). */
  readonly snapshot?: (client: DeclaredClient<D>, index: number) => void;
}

/** How any swarm of bots connects and how often it thinks (DeclaredBots, DeclaredRoomBots). */
export interface SwarmOptions {
  /** Input frames a second, in (0, 240]; default 60. */
  readonly inputHz?: number;
  /** Default 'udp'. */
  readonly transport?: 'udp' | 'websocket';
  /** The local address bot `index` connects from; default 127.0.0.(2 + index % 250). */
  readonly address?: (index: number) => string;
  /** Default: the server's (sodium-native, else libsodium). */
  readonly crypto?: NetCrypto;
}

export interface DeclaredBotsTotals {
  joined: number;
  snapshots: number;
  snapshotBytes: number;
  inputsSent: number;
  /** Game events the bots heard (DeclaredServer.emit: each bot counts those in its range). */
  events: number;
  /**
   * Frames a bot's think() threw or gave an input its game refuses (the bot skips that frame),
   * and snapshots its snapshot() hook threw at.
   */
  brainErrors: number;
}

/** Bot `index`'s loopback address: 127.0.0.2, .3, ... (each counted apart by per-address limits). */
export const defaultAddress = (index: number): string => `127.0.0.${2 + (index % 250)}`;

/** The `ws` WebSocket bound to one local address (the token fetch's, so limits see one player). */
function webSocketFrom(localAddress: string): WebSocketConstructor {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { localAddress });
    }
  } as unknown as WebSocketConstructor;
}

/**
 * Checks what a swarm of bots is asked for (ConfigError naming the option) and returns the
 * server's token address (its /connect).
 */
export function checkSwarm(o: { players: number; max: number; inputHz: number; transport: string; url: string | URL }): URL {
  if (!Number.isInteger(o.players) || o.players < 1 || o.players > o.max) throw new ConfigError('players', `must be an integer in [1, ${o.max}], got ${String(o.players)}`);
  if (!(typeof o.inputHz === 'number' && o.inputHz > 0 && o.inputHz <= 240)) throw new ConfigError('inputHz', `must be a number in (0, 240], got ${String(o.inputHz)}`);
  if (o.transport !== 'udp' && o.transport !== 'websocket') throw new ConfigError('transport', `must be 'udp' or 'websocket', got ${String(o.transport)}`);
  let tokenUrl: URL;
  try {
    tokenUrl = new URL('/connect', o.url);
  } catch {
    throw new ConfigError('url', `is not an http(s) address: ${String(o.url)}`);
  }
  if (tokenUrl.protocol !== 'http:' && tokenUrl.protocol !== 'https:') throw new ConfigError('url', `must be http or https, got ${tokenUrl.protocol}`);
  return tokenUrl;
}

/** A bot client's network options: its token, connection and WebSocket all from local address `from`. */
export function botNetOptions(from: string, tokenUrl: URL, crypto: NetCrypto, transport: 'udp' | 'websocket') {
  return {
    tokenUrl,
    crypto,
    transport,
    fetch: fetchFrom(from),
    ...(transport === 'udp' ? { udp: udpConnectorFrom(from) } : { WebSocket: webSocketFrom(from) }),
  };
}

/** What the game's hooks (think, snapshot) threw: counted, the first kept, the swarm going on. */
export class BrainMistakes {
  count = 0;
  first: Error | null = null;

  run(hook: () => void): void {
    try {
      hook();
    } catch (err) {
      this.count++;
      this.first ??= err instanceof Error ? err : new Error(String(err));
    }
  }
}

export class DeclaredBots<D extends GameDeclaration = GameDeclaration> {
  readonly clients: readonly DeclaredClient<D>[];
  private readonly timer: ReturnType<typeof setInterval>;
  private frame = 0;
  private closed = false;
  /** Stops posting totals to a forkBots parent (nothing to stop elsewhere). */
  private readonly stopReporting: () => void;
  private last: { at: number; snapshots: number; bytes: number };

  private constructor(clients: DeclaredClient<D>[], private readonly options: DeclaredBotsOptions<D>, inputHz: number, private readonly mistakes: BrainMistakes, readonly firstIndex: number) {
    this.clients = clients;
    this.last = { at: Date.now(), snapshots: 0, bytes: 0 };
    this.timer = setInterval(() => this.think(), 1000 / inputHz);
    this.stopReporting = reportSlice(() => {
      const t = this.totals();
      return { players: this.clients.length, joined: t.joined, snapshots: t.snapshots, snapshotBytes: t.snapshotBytes };
    });
  }

  /**
   * Connects `players` bots one after another (a server's per-address token limits are the
   * reason not to rush) and starts their input loop. Throws a ConfigError on options out of
   * range; a bot that cannot get its token or connect rejects the whole start, closing those
   * already made.
   */
  static async start<D extends GameDeclaration>(options: DeclaredBotsOptions<D>): Promise<DeclaredBots<D>> {
    const { players, inputHz = 60, transport = 'udp', address = defaultAddress, firstIndex = 0 } = options;
    if (!Number.isInteger(firstIndex) || firstIndex < 0 || firstIndex > 1_000_000) throw new ConfigError('firstIndex', `must be an integer in [0, 1000000], got ${String(firstIndex)}`);
    const tokenUrl = checkSwarm({ players, max: MAX_BOTS, inputHz, transport, url: options.url });
    if (typeof options.think !== 'function') throw new ConfigError('think', 'must be a function (client, index, frame) => input | null');
    const crypto = options.crypto ?? (await loadServerCrypto());
    const clients: DeclaredClient<D>[] = [];
    // Snapshots arrive once the first bot connects, before the swarm exists: counted from then.
    const mistakes = new BrainMistakes();
    let from = '';
    let at = 0;
    try {
      for (let k = 0; k < players; k++) {
        const i = firstIndex + k;
        at = i;
        from = address(i);
        const client: DeclaredClient<D> = await DeclaredClient.create({
          game: options.game,
          ...botNetOptions(from, tokenUrl, crypto, transport),
          handlers: options.snapshot ? { snapshot: () => mistakes.run(() => options.snapshot!(client, i)) } : {},
        });
        clients.push(client);
        await client.connect();
      }
    } catch (err) {
      for (const c of clients) c.close();
      throw new Error(`bot ${at + 1 - firstIndex} of ${players} (index ${at}, from ${from}) could not connect to ${tokenUrl.origin}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    return new DeclaredBots(clients, options, inputHz, mistakes, firstIndex);
  }

  /** The first error a bot's brain or check made (see totals().brainErrors), for its author. */
  get firstBrainError(): Error | null {
    return this.mistakes.first;
  }

  /** Bots whose client has its GAME JOIN (an avatar in the world). */
  get joined(): number {
    let n = 0;
    for (const c of this.clients) if (c.join) n++;
    return n;
  }

  totals(): DeclaredBotsTotals {
    const t: DeclaredBotsTotals = { joined: this.joined, snapshots: 0, snapshotBytes: 0, inputsSent: 0, events: 0, brainErrors: this.mistakes.count };
    for (const c of this.clients) {
      t.snapshots += c.stats.snapshots;
      t.snapshotBytes += c.stats.snapshotBytes;
      t.inputsSent += c.stats.inputsSent;
      t.events += c.stats.events;
    }
    return t;
  }

  /**
   * "J/N joined · S snapshots/s · K KiB/s per player" since the previous call (or the start),
   * and the brain errors so far when there are any.
   */
  rateLine(): string {
    const now = Date.now();
    const t = this.totals();
    const s = Math.max(1e-3, (now - this.last.at) / 1000);
    const errors = t.brainErrors > 0 ? ` · ${t.brainErrors} brain errors (first: ${this.mistakes.first?.message ?? '?'})` : '';
    const line = `${t.joined}/${this.clients.length} joined · ${((t.snapshots - this.last.snapshots) / s).toFixed(0)} snapshots/s · ${((t.snapshotBytes - this.last.bytes) / s / 1024 / Math.max(1, t.joined)).toFixed(1)} KiB/s per player${errors}`;
    this.last = { at: now, snapshots: t.snapshots, bytes: t.snapshotBytes };
    return line;
  }

  /** Stops the input loop and closes every client (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.stopReporting();
    for (const c of this.clients) c.close();
  }

  private think(): void {
    const frame = this.frame++;
    const think = this.options.think;
    const first = this.firstIndex;
    this.clients.forEach((client, k) => {
      if (!client.replica) return;
      const i = first + k;
      // A brain's mistake (it threw, or its input is out of the declared ranges: InvalidValueError)
      // costs that bot that frame and is counted, not the whole swarm.
      this.mistakes.run(() => {
        const input = think(client, i, frame);
        if (input !== null) client.setInput(input);
      });
    });
  }
}
