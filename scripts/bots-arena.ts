// Arena-mode bots (`npm run demo:bots -- --mode arena [--play]`): N Node clients of the 64-seat
// lockstep-rollback room, through the client SDK (a connect token from POST /connect, then the
// encrypted protocol, over the UDP game port by default). Each runs the game itself with the same
// chronos.wasm through a RollbackClient: with --play the bots take player seats and play
// (archetypes in src/client/bot-brain.ts: hunters, wanderers, circlers, turrets), predicted at
// once and reconciled by rollback; without it they watch as spectators. Every bot checks the
// server's state hashes against its own confirmed state.
// Prints a line per bot and a summary; exits 1 if a bot failed to connect or join, never ran,
// or saw a hash mismatch.

import WebSocket from 'ws';
import { PlayClient } from '../src/client/play-client.js';
import { BOT_ARCHETYPES, BotBrain } from '../src/client/bot-brain.js';
import type { UdpConnector } from '../src/client/game-client.js';
import { loadChronos } from '../src/wasm/loader.js';
import { Arena } from '../src/wasm/arena.js';
import { loadServerCrypto } from '../src/net/crypto-node.js';
import type { WebSocketConstructor } from '../src/net/transport-ws-client.js';

/** Bots that share one WebAssembly memory: a memory holds every bot's snapshot ring (about 24 MB each at 2,000 NPCs). */
const BOTS_PER_MODULE = 8;
/** Each arena bot simulates the whole room: a thousand is already far more than the room seats. */
export const MAX_ARENA_BOTS = 1000;

export interface ArenaBotsOptions {
  url: string;
  clients: number;
  seconds: number;
  transport: 'udp' | 'websocket';
  play: boolean;
  /** The UDP connector (a simulated link around connectUdp when --profile is given). */
  udp: UdpConnector;
}

/** Runs the arena bots; resolves with the exit code. */
export async function runArenaBots(options: ArenaBotsOptions): Promise<number> {
  const { clients, seconds, transport } = options;
  const mode = options.play ? 'play' : 'watch';
  const tokenUrl = new URL('/connect', options.url).href;

  // Node clients may use the native crypto backend too; both interoperate byte for byte.
  const crypto = await loadServerCrypto();
  const arenas: Arena[] = [];
  for (let i = 0; i < Math.ceil(clients / BOTS_PER_MODULE); i++) arenas.push(new Arena(await loadChronos()));
  process.stdout.write(`bots: ${clients} clients ${mode === 'play' ? 'playing' : 'watching'} over ${transport} at ${options.url} for ${seconds} s (crypto ${crypto.name})\n`);

  interface Bot {
    index: number;
    play: PlayClient;
    brain: BotBrain;
    connectMs: number;
    failed?: string;
  }

  const bots: Bot[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, index) => {
      const t0 = performance.now();
      const brain = new BotBrain(BOT_ARCHETYPES[index % BOT_ARCHETYPES.length]!, 0x5eed + index);
      const play = await PlayClient.create({
        tokenUrl,
        transport,
        crypto,
        mode,
        arena: arenas[Math.floor(index / BOTS_PER_MODULE)]!,
        name: `bot-${index}`,
        WebSocket: WebSocket as unknown as WebSocketConstructor,
        udp: options.udp,
      });
      const bot: Bot = { index, play, brain, connectMs: -1 };
      bots.push(bot);
      try {
        await play.connect();
        bot.connectMs = performance.now() - t0;
      } catch (err) {
        bot.failed = `could not connect: ${(err as Error).message}`;
      }
    }),
  );
  bots.sort((a, b) => a.index - b.index);
  const connected = bots.filter((b) => b.connectMs >= 0);
  const connectTimes = connected.map((b) => b.connectMs).sort((a, b) => a - b);
  process.stdout.write(`  connected ${connected.length}/${clients} in ${((performance.now() - started) / 1000).toFixed(1)} s (p50 ${connectTimes[Math.floor(connectTimes.length / 2)]?.toFixed(1) ?? '-'} ms, max ${connectTimes.at(-1)?.toFixed(1) ?? '-'} ms)\n`);

  // Play: each bot thinks on the SDK's 60 Hz timer through its own world; the PlayClient
  // predicts, rolls back and sends. A report line every 5 s.
  const deadline = performance.now() + seconds * 1000;
  let nextReport = performance.now() + 5000;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      for (const b of connected) {
        const game = b.play.game;
        if (mode === 'play' && game && b.play.player >= 0 && b.play.running) b.play.setInput(b.brain.think(game, b.play.player, now));
      }
      if (now >= nextReport) {
        nextReport += 5000;
        const s = connected.map((b) => b.play.stats());
        const running = s.filter((x) => x.phase === 'running').length;
        const players = s.filter((x) => x.player >= 0).length;
        const rps = s.reduce((n, x) => n + x.rollbacksPerS, 0) / Math.max(1, s.length);
        const matched = s.reduce((n, x) => n + x.hashChecks.matched, 0);
        const mismatched = s.reduce((n, x) => n + x.hashChecks.mismatched, 0);
        const interestKiBs = s.reduce((n, x) => n + x.interest.bytesPerS, 0) / Math.max(1, s.length) / 1024;
        process.stdout.write(
          `  t=${Math.round((now - started) / 1000)} s: ${running} running, ${players} players, ${rps.toFixed(1)} rollbacks/s per bot, ` +
            `hashes ${matched} matched / ${mismatched} mismatched, interest ${interestKiBs.toFixed(1)} KiB/s per bot\n`,
        );
      }
      if (now >= deadline) {
        clearInterval(timer);
        resolve();
      }
    }, 16);
  });

  const pad = (s: string | number, n: number) => String(s).padStart(n);
  process.stdout.write(`  bot  kind      seat        frame  rollbacks  depth(last/max)  corrections(s/s/b/t)  hashes ok/bad  rtt ms  loss %  interest KiB/s upd/s view rej\n`);
  for (const b of bots) {
    if (b.failed) {
      process.stdout.write(`  ${pad(b.index, 3)}  ${b.failed}\n`);
      continue;
    }
    const s = b.play.stats();
    const seat = s.player >= 0 ? `player ${s.player}` : `watch(${s.spectatorReason})`;
    const c = s.corrections;
    process.stdout.write(
      `  ${pad(b.index, 3)}  ${b.brain.archetype.padEnd(8)}  ${seat.padEnd(11)} ${pad(s.frame, 6)}  ${pad(s.rollbacks, 9)}  ${pad(`${s.lastRollbackDepth}/${s.maxRollbackDepth}`, 15)}  ` +
        `${pad(`${c.snap}/${c.smooth}/${c.blend}/${c.teleport}`, 20)}  ${pad(`${s.hashChecks.matched}/${s.hashChecks.mismatched}`, 13)}  ${pad(s.rttMs.toFixed(2), 6)}  ${pad((s.net.loss * 100).toFixed(1), 6)}  ` +
        `${pad((s.interest.bytesPerS / 1024).toFixed(1), 14)} ${pad(Math.round(s.interest.updatesPerS), 5)} ${pad(s.interest.inView, 4)} ${pad(s.interest.rejected, 3)}\n`,
    );
  }
  const stats = connected.map((b) => b.play.stats());
  const totalMatched = stats.reduce((n, s) => n + s.hashChecks.matched, 0);
  const mismatches = stats.reduce((n, s) => n + s.hashChecks.mismatched, 0);
  const neverRan = stats.filter((s) => s.statesInstalled === 0).length;
  const rtts = stats.map((s) => s.rttMs).sort((a, b) => a - b);
  process.stdout.write(
    `  summary: ${stats.filter((s) => s.player >= 0).length} players, ${stats.filter((s) => s.player < 0).length} spectators; ` +
      `${stats.reduce((n, s) => n + s.rollbacks, 0)} rollbacks; hashes ${totalMatched} matched, ${mismatches} mismatched; ` +
      `rtt p50 ${(rtts[Math.floor(rtts.length / 2)] ?? 0).toFixed(2)} ms, max ${(rtts.at(-1) ?? 0).toFixed(2)} ms; ` +
      `interest ${(stats.reduce((n, s) => n + s.interest.bytesPerS, 0) / Math.max(1, stats.length) / 1024).toFixed(1)} KiB/s per bot, ` +
      `${stats.reduce((n, s) => n + s.interest.rejected, 0)} snapshots rejected\n`,
  );
  for (const b of connected) b.play.close();
  await new Promise((r) => setTimeout(r, 200));

  const ok = connected.length === clients && neverRan === 0 && mismatches === 0;
  process.stdout.write(ok ? 'bots: ok\n' : `bots: FAILED${neverRan ? ` (${neverRan} never received a state)` : ''}${mismatches ? ` (${mismatches} hash mismatches)` : ''}\n`);
  return ok ? 0 : 1;
}
