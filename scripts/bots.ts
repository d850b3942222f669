// npm run bots -- [--url http://127.0.0.1:8080] [--clients 20] [--seconds 10] [--transport udp|websocket]
// Connects N Node clients to a running `chronos serve` through the client SDK (a connect token
// from POST /connect, then the encrypted protocol, over the UDP game port by default), lets them
// watch the world stream, and reports what they received. Bot 0 also runs the lockstep check:
// its own WebAssembly simulation must match every state hash the server publishes.
// Exits 1 if a bot failed to connect, missed the stream, or saw a desync.

import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { WorldStreamClient } from '../src/client/world-stream-client.js';
import { connectUdp } from '../src/client/udp-connector.js';
import { LockstepCheck } from '../src/client/lockstep-check.js';
import { loadChronos } from '../src/wasm/loader.js';
import { Arena } from '../src/wasm/arena.js';
import { loadServerCrypto } from '../src/net/crypto-node.js';
import type { WebSocketConstructor } from '../src/net/transport-ws-client.js';

interface Bot {
  stream: WorldStreamClient;
  connectMs: number;
  hello: number;
  states: number;
  hashes: number;
  entities: number;
  lockstep?: LockstepCheck;
}

function fail(message: string): never {
  process.stderr.write(`bots: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    clients: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '10' },
    transport: { type: 'string', default: 'udp' },
  },
});
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const transport = values.transport;
if (!Number.isInteger(clients) || clients < 1 || clients > 10_000) fail(`--clients needs an integer in [1, 10000], got ${values.clients}`);
if (!(seconds > 0)) fail(`--seconds needs a positive number, got ${values.seconds}`);
if (transport !== 'udp' && transport !== 'websocket') fail(`--transport is udp or websocket, got ${transport}`);
const tokenUrl = new URL('/connect', values.url).href;

// Node clients may use the native backend too; both interoperate byte for byte.
const crypto = await loadServerCrypto();
const arena = new Arena(await loadChronos());
process.stdout.write(`bots: ${clients} clients over ${transport} to ${values.url} for ${seconds} s (crypto ${crypto.name})\n`);

const bots: Bot[] = [];
const started = performance.now();
await Promise.all(
  Array.from({ length: clients }, async (_, i) => {
    const t0 = performance.now();
    const bot: Partial<Bot> = { hello: 0, states: 0, hashes: 0, entities: 0 };
    const stream = await WorldStreamClient.create(
      { tokenUrl, transport, crypto, WebSocket: WebSocket as unknown as WebSocketConstructor, udp: connectUdp },
      {
        hello(frame) {
          bot.hello!++;
          if (i === 0) bot.lockstep = new LockstepCheck(arena, frame);
        },
        state(frame) {
          bot.states!++;
          bot.entities = frame.count;
          bot.lockstep?.serverAt(frame.tick);
        },
        hash(frame) {
          bot.hashes!++;
          bot.lockstep?.onHash(frame);
        },
      },
    );
    bot.stream = stream;
    try {
      await stream.connect();
    } catch (err) {
      process.stderr.write(`bots: bot ${i} could not connect: ${(err as Error).message}\n`);
      bot.connectMs = -1;
      bots.push(bot as Bot);
      return;
    }
    bot.connectMs = performance.now() - t0;
    bots.push(bot as Bot);
  }),
);
const connected = bots.filter((b) => b.connectMs >= 0);
const connectTimes = connected.map((b) => b.connectMs).sort((a, b) => a - b);
process.stdout.write(`  connected ${connected.length}/${clients} in ${((performance.now() - started) / 1000).toFixed(1)} s (connect p50 ${connectTimes[Math.floor(connectTimes.length / 2)]?.toFixed(1) ?? '-'} ms, max ${connectTimes.at(-1)?.toFixed(1) ?? '-'} ms)\n`);

// Watch the stream; bot 0 steps its own simulation toward the server's tick as it goes.
const deadline = performance.now() + seconds * 1000;
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    for (const b of bots) b.lockstep?.advance(8, () => performance.now());
    if (performance.now() >= deadline) {
      clearInterval(timer);
      resolve();
    }
  }, 16);
});

const stats = connected.map((b) => b.stream.client.stats());
const rtts = stats.map((s) => s.rttMs).sort((a, b) => a - b);
const mean = (l: number[]) => (l.length ? l.reduce((a, b) => a + b, 0) / l.length : 0);
const perSecond = (n: number) => (n / seconds).toFixed(1);
process.stdout.write(
  `  received per client: HELLO ${mean(connected.map((b) => b.hello)).toFixed(1)}, STATE ${perSecond(mean(connected.map((b) => b.states)))}/s (${connected[0]?.entities ?? 0} entities), HASH ${perSecond(mean(connected.map((b) => b.hashes)))}/s\n`,
);
process.stdout.write(
  `  rtt mean ${mean(rtts).toFixed(2)} ms, p99 ${(rtts[Math.floor(rtts.length * 0.99)] ?? 0).toFixed(2)} ms; loss ${(mean(stats.map((s) => s.loss)) * 100).toFixed(2)} %; ` +
    `${(mean(stats.map((s) => s.bytesIn)) / seconds / 1024).toFixed(1)} KiB/s in per client; ${stats.reduce((n, s) => n + s.reconnects, 0)} reconnects\n`,
);
const check = bots[0]?.lockstep;
if (check) process.stdout.write(`  lockstep (bot 0): ${check.matches} hashes matched, ${check.mismatches} mismatched, state ${check.state}\n`);
const drops = connected.reduce((sum, b) => sum + b.stream.client.net.drops.totalPackets, 0);
process.stdout.write(`  packets the bots dropped: ${drops}\n`);
for (const b of connected) b.stream.close();
await new Promise((r) => setTimeout(r, 200));

const ok = connected.length === clients && connected.every((b) => b.hello >= 1 && b.states > 0) && (check?.mismatches ?? 0) === 0;
process.stdout.write(ok ? 'bots: ok\n' : 'bots: FAILED\n');
process.exit(ok ? 0 : 1);
