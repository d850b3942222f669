// Bots for a declared game's rollback room (Node only): N real DeclaredRoomClients against a running
// DeclaredRoomServer, each from its own loopback address (as DeclaredBots, declared-bots.ts),
// each building the room from the game's module as its JOIN says, predicting its own moves and
// rolling back on the server's, its input made inputHz times a second by the game's brain from
// its own copy of the room. A room has at most 64 seats; bots past them watch and wait for one.
//
//   const bots = await DeclaredRoomBots.start({ game: GAME, url: 'http://127.0.0.1:8080', players: 8,
//     room: (join) => buildRoom(join), think: (client, i, frame) => ({ ... }) });
//   setInterval(() => console.log(bots.rateLine()), 1000);

import { ConfigError } from '../core/errors.js';
import type { Game, GameDeclaration } from '../core/game.js';
import type { GameInput } from '../codec/game-input.js';
import type { RoomJoin } from '../codec/room-messages.js';
import type { DeclaredRoomGame } from '../rollback/declared-room.js';
import { loadServerCrypto } from '../net/crypto-node.js';
import { botNetOptions, BrainMistakes, checkSwarm, defaultAddress, type SwarmOptions } from './declared-bots.js';
import { DeclaredRoomClient } from './declared-room-client.js';

/** A room's most seats, and so the most bots worth starting (the rest would only watch). */
export const MAX_ROOM_BOTS = 64;

export interface DeclaredRoomBotsOptions<D extends GameDeclaration> extends SwarmOptions {
  readonly game: Game<D>;
  /** The server's HTTP address: tokens come from its /connect. */
  readonly url: string | URL;
  /** Bots to start, in [1, MAX_ROOM_BOTS]. */
  readonly players: number;
  /** Builds the room a JOIN describes (DeclaredRoomClientOptions.room). */
  readonly room: (join: RoomJoin) => Promise<DeclaredRoomGame<D>>;
  /** Bot `index`'s input for `frame`, from its own copy of the room (client.room, client.avatar); null: none. */
  readonly think: (client: DeclaredRoomClient<D>, index: number, frame: number) => GameInput<D> | null;
}

export interface DeclaredRoomBotsTotals {
  /** Bots whose room runs (state installed), and those holding a seat. */
  running: number;
  seated: number;
  hashesMatched: number;
  hashesMismatched: number;
  rollbacks: number;
  bytesIn: number;
  /** Game events the bots heard (the server's rules announced them). */
  events: number;
  brainErrors: number;
}

export class DeclaredRoomBots<D extends GameDeclaration = GameDeclaration> {
  readonly clients: readonly DeclaredRoomClient<D>[];
  private readonly timer: ReturnType<typeof setInterval>;
  private frame = 0;
  private closed = false;
  private last: { at: number; rollbacks: number; bytesIn: number };

  private constructor(clients: DeclaredRoomClient<D>[], private readonly options: DeclaredRoomBotsOptions<D>, inputHz: number, private readonly mistakes: BrainMistakes) {
    this.clients = clients;
    this.last = { at: Date.now(), rollbacks: 0, bytesIn: 0 };
    this.timer = setInterval(() => this.think(), 1000 / inputHz);
  }

  /** Connects `players` bots one after another and starts their input loop. ConfigError on options out of range. */
  static async start<D extends GameDeclaration>(options: DeclaredRoomBotsOptions<D>): Promise<DeclaredRoomBots<D>> {
    const { players, inputHz = 60, transport = 'udp', address = defaultAddress } = options;
    const tokenUrl = checkSwarm({ players, max: MAX_ROOM_BOTS, inputHz, transport, url: options.url });
    if (typeof options.think !== 'function' || typeof options.room !== 'function') throw new ConfigError('think', 'think and room must be functions');
    const crypto = options.crypto ?? (await loadServerCrypto());
    const clients: DeclaredRoomClient<D>[] = [];
    try {
      for (let i = 0; i < players; i++) {
        const from = address(i);
        const client = await DeclaredRoomClient.create({
          game: options.game,
          mode: 'play',
          room: options.room,
          ...botNetOptions(from, tokenUrl, crypto, transport),
        });
        clients.push(client);
        await client.connect();
      }
    } catch (err) {
      for (const c of clients) c.close();
      throw new Error(`bot ${clients.length} of ${players} could not connect to ${tokenUrl.origin}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    return new DeclaredRoomBots(clients, options, inputHz, new BrainMistakes());
  }

  totals(): DeclaredRoomBotsTotals {
    const t: DeclaredRoomBotsTotals = { running: 0, seated: 0, hashesMatched: 0, hashesMismatched: 0, rollbacks: 0, bytesIn: 0, events: 0, brainErrors: this.mistakes.count };
    for (const c of this.clients) {
      const s = c.stats();
      if (c.running) t.running++;
      if (c.avatar !== undefined) t.seated++;
      t.hashesMatched += s.hashChecks.matched;
      t.hashesMismatched += s.hashChecks.mismatched;
      t.rollbacks += s.rollbacks;
      t.bytesIn += c.net.stats().bytesIn;
      t.events += c.eventsHeard;
    }
    return t;
  }

  /** "R/N running, S seated · H hashes matched, M mismatched · rollbacks/s · KiB/s per bot" since the previous call. */
  rateLine(): string {
    const now = Date.now();
    const t = this.totals();
    const s = Math.max(1e-3, (now - this.last.at) / 1000);
    const errors = t.brainErrors > 0 ? ` · ${t.brainErrors} brain errors (first: ${this.mistakes.first?.message ?? '?'})` : '';
    const line = `${t.running}/${this.clients.length} running, ${t.seated} seated · hashes ${t.hashesMatched} matched, ${t.hashesMismatched} mismatched · ${((t.rollbacks - this.last.rollbacks) / s).toFixed(0)} rollbacks/s · ${((t.bytesIn - this.last.bytesIn) / s / 1024 / Math.max(1, this.clients.length)).toFixed(1)} KiB/s per bot · ${t.events} events heard${errors}`;
    this.last = { at: now, rollbacks: t.rollbacks, bytesIn: t.bytesIn };
    return line;
  }

  /** Stops the input loop and closes every client (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const c of this.clients) c.close();
  }

  private think(): void {
    const frame = this.frame++;
    this.clients.forEach((client, i) => {
      if (!client.running) return;
      this.mistakes.run(() => {
        const input = this.options.think(client, i, frame);
        if (input !== null) client.setInput(input);
      });
    });
  }
}
