// A whole game in one process for the tests: a RollbackServer, N RollbackClients, and seeded
// lossy links between them, driven by a virtual clock (no timers, no sockets).

import type { Arena } from '../../src/wasm/arena.js';
import { ReferenceGame, setReferenceInput } from '../fixtures/reference-game/reference-game.js';
import { RollbackServer } from '../../src/rollback/server-session.js';
import { RollbackClient, type RollbackClientOptions } from '../../src/rollback/client-session.js';
import type { PlayerInput } from '../fixtures/reference-game/input.js';
import { SimulatedLink, mulberry32, worldOptions } from './fixtures.js';

export interface NetplayOptions {
  clients: number;
  oneWayMs: number;
  jitterMs: number;
  lossRate: number;
  seed: number;
  npcs?: number;
  client?: Partial<RollbackClientOptions>;
}

export interface Peer {
  player: number;
  game: ReferenceGame;
  client: RollbackClient<ReferenceGame>;
  up: SimulatedLink;
  down: SimulatedLink;
  /** STATE travels on the reliable channel: delayed, never lost. */
  reliable: SimulatedLink;
  /** And so do RESYNC requests, the other way. */
  reliableUp: SimulatedLink;
}

export class Netplay {
  readonly server: RollbackServer<ReferenceGame>;
  readonly serverGame: ReferenceGame;
  readonly peers: Peer[] = [];
  /** Every frame's inputs as the server applied them: the replay of a server-only run. */
  readonly applied: Uint8Array[] = [];
  readonly tickMs = 1000 / 60;
  nowMs = 0;
  private nextTickMs = 0;
  private readonly rand: () => number;

  constructor(private readonly arena: Arena, readonly options: NetplayOptions) {
    this.rand = mulberry32(options.seed);
    const gameOptions = (name: string) => ({ world: worldOptions({ name, capacity: 512 }), npcs: options.npcs ?? 64, players: 8 });
    this.serverGame = ReferenceGame.create(arena, gameOptions('server'));
    const advance = this.serverGame.advance.bind(this.serverGame);
    this.serverGame.advance = (ptr, count) => {
      this.applied.push(new Uint8Array(arena.memoryBuffer, ptr, count * this.serverGame.inputBytes).slice());
      advance(ptr, count);
    };
    this.server = new RollbackServer(this.serverGame);
    for (let i = 0; i < options.clients; i++) {
      const player = this.server.addPlayer();
      const game = ReferenceGame.create(arena, gameOptions(`client${i}`));
      const client = new RollbackClient(game, { localPlayer: player, tickHz: 60, name: `client${i}`, ...options.client });
      const link = (loss: number) => new SimulatedLink(mulberry32(options.seed * 31 + i * 7 + loss * 1000), options.oneWayMs, options.jitterMs, loss);
      this.peers.push({ player, game, client, up: link(options.lossRate), down: link(options.lossRate), reliable: link(0), reliableUp: link(0) });
    }
  }

  /** Advances the virtual clock by `ms` in steps of `stepMs`, feeding each client `input(peer)`. */
  run(ms: number, input: (peer: Peer, rand: () => number) => PlayerInput, stepMs = 4, afterStep?: () => void): void {
    const end = this.nowMs + ms;
    while (this.nowMs < end) {
      this.nowMs += stepMs;
      const now = this.nowMs;
      for (const peer of this.peers) {
        for (const bytes of peer.up.deliver(now)) this.server.receive(peer.player, bytes);
        for (const bytes of peer.reliableUp.deliver(now)) this.server.receive(peer.player, bytes);
      }
      while (this.nextTickMs <= now) {
        this.nextTickMs += this.tickMs;
        this.server.tick();
        const hash = this.server.hashMessage();
        for (const peer of this.peers) {
          if (this.server.wantsState(peer.player)) peer.reliable.send(this.server.stateFor(peer.player), now);
          const confirmed = this.server.confirmedFor(peer.player);
          if (confirmed) peer.down.send(confirmed, now);
          if (hash) peer.down.send(hash, now);
        }
      }
      for (const peer of this.peers) {
        for (const bytes of peer.reliable.deliver(now)) peer.client.receive(bytes, now);
        for (const bytes of peer.down.deliver(now)) peer.client.receive(bytes, now);
        if (peer.client.state === 'running') setReferenceInput(peer.client, input(peer, this.rand), now);
        const ran = peer.client.update(now);
        if (ran > 0) {
          const packet = peer.client.takeInputPacket(now);
          if (packet) peer.up.send(packet, now);
        }
        const resync = peer.client.takeResync();
        if (resync) peer.reliableUp.send(resync, now);
      }
      afterStep?.();
    }
  }

  /** Hash of a fresh game after replaying the server's applied inputs for `frames` frames. */
  replayHash(fresh: ReferenceGame, frames: number): bigint {
    const scratch = fresh.arena.allocate(`replay-${fresh.world.region.name}`, this.applied[0]!.byteLength);
    for (let f = 0; f < frames; f++) {
      scratch.bytes().set(this.applied[f]!);
      fresh.advance(scratch.ptr, fresh.players);
    }
    return fresh.hash();
  }
}
