// A declared game's bots as a load test runs them (`npm run load -- --game arena-shooter`): one
// process's share of the clients, connected over a ramp rather than all at once, each a real
// DeclaredClient over UDP (or WebSocket) from its own loopback address, played by the game's
// brain from what it was sent. Unlike DeclaredBots (a swarm to play beside), a bot that cannot
// connect or is dropped later is a counted failure with its reason, not the end of the run,
// and the report covers a measurement window after the ramp: per bot the bytes it received a
// second and its round trip, which the load test merges over its bot processes.
//
//   const { report, ok } = await runDeclaredLoad({ game, url, clients: 500, firstIndex: 0, rampMs: 20_000, seconds: 60, think, log });
//
// Progress, every PROGRESS_MS on `log`: "C/N connected, P players · S snapshots/s · failures F".

import type { Game, GameDeclaration } from '../core/game.js';
import type { GameInput } from '../codec/game-input.js';
import { loadServerCrypto } from '../net/crypto-node.js';
import { disconnectReasonName } from '../net/spec.js';
import { DeclaredClient } from './declared-client.js';
import { BrainMistakes, botNetOptions, checkSwarm, defaultAddress, MAX_BOTS } from './declared-bots.js';

const PROGRESS_MS = 2000;
/** After the ramp, how long the bots that connected get to receive their GAME JOIN. */
const JOIN_GRACE_MS = 10_000;

export interface DeclaredLoadOptions<D extends GameDeclaration> {
  readonly game: Game<D>;
  readonly url: string | URL;
  /** This process's bots, in [1, MAX_BOTS]. */
  readonly clients: number;
  /** The global index of the first (their addresses and brains follow from it). */
  readonly firstIndex?: number;
  /** Connections spread over this long (ms). */
  readonly rampMs: number;
  /** The measurement window after the ramp (s). */
  readonly seconds: number;
  readonly transport?: 'udp' | 'websocket';
  /** Bot `index`'s input for frame `frame` once it has joined (null: none). */
  readonly think: (client: DeclaredClient<D>, index: number, frame: number) => GameInput<D> | null;
  readonly log: (line: string) => void;
}

/** What one process's bots did (JSON for npm run load, which merges several). */
export interface DeclaredLoadReport {
  mode: 'declared';
  game: string;
  clients: number;
  /** Bots connected, and joined (an avatar in the game), at the end of the window. */
  connected: number;
  players: number;
  seconds: number;
  ramp_s: number;
  snapshots: number;
  /** Declared bots predict nothing: no corrections are checked. */
  checked: number;
  mispredicted: number;
  brain_errors: number;
  failures: number;
  failure_reasons: Record<string, number>;
  /** Per bot connected through the window: its round trip (ms) and the bytes it received a second. */
  samples: { rtt_ms: number[]; bytes_in_per_s: number[] };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs the bots through the ramp and the window; resolves with the report and whether every bot did its part. */
export async function runDeclaredLoad<D extends GameDeclaration>(o: DeclaredLoadOptions<D>): Promise<{ report: DeclaredLoadReport; ok: boolean }> {
  const transport = o.transport ?? 'udp';
  const firstIndex = o.firstIndex ?? 0;
  const tokenUrl = checkSwarm({ players: o.clients, max: MAX_BOTS, inputHz: 60, transport, url: o.url });
  const crypto = await loadServerCrypto();
  const clients: (DeclaredClient<D> | null)[] = new Array(o.clients).fill(null);
  const failed = new Set<number>();
  const reasons: Record<string, number> = {};
  // Closing the bots at the end disconnects them too: that is not a failure.
  let ending = false;
  const fail = (k: number, reason: string) => {
    if (ending || failed.has(k)) return;
    failed.add(k);
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  };
  const mistakes = new BrainMistakes();
  let frame = 0;
  const brain = setInterval(() => {
    const f = frame++;
    clients.forEach((client, k) => {
      if (!client?.replica || failed.has(k)) return;
      mistakes.run(() => {
        const input = o.think(client, firstIndex + k, f);
        if (input !== null) client.setInput(input);
      });
    });
  }, 1000 / 60);
  const counts = () => {
    let connected = 0;
    let players = 0;
    let snapshots = 0;
    for (const c of clients) {
      if (!c) continue;
      if (c.net.state === 'connected') connected++;
      if (c.join) players++;
      snapshots += c.stats.snapshots;
    }
    return { connected, players, snapshots };
  };
  let lastSnapshots = 0;
  let lastAt = Date.now();
  const progress = setInterval(() => {
    const c = counts();
    const now = Date.now();
    o.log(`${c.connected}/${o.clients} connected, ${c.players} players · ${Math.round(((c.snapshots - lastSnapshots) * 1000) / Math.max(1, now - lastAt))} snapshots/s · failures ${failed.size}`);
    lastSnapshots = c.snapshots;
    lastAt = now;
  }, PROGRESS_MS);

  const connectOne = async (k: number): Promise<void> => {
    const i = firstIndex + k;
    let client: DeclaredClient<D>;
    try {
      // The connect token from the server's /connect (admission: a full server refuses here).
      client = await DeclaredClient.create({
        game: o.game,
        ...botNetOptions(defaultAddress(i), tokenUrl, crypto, transport),
        // The reason by name: server_full is admission, timeout a lost link, kicked the server's call.
        handlers: { disconnect: (reason) => fail(k, disconnectReasonName(reason)) },
      });
    } catch {
      fail(k, 'token');
      return;
    }
    clients[k] = client;
    try {
      await client.connect();
    } catch {
      fail(k, 'connect');
    }
  };
  const started = Date.now();
  const connecting: Promise<void>[] = [];
  for (let k = 0; k < o.clients; k++) {
    const due = started + (o.rampMs * k) / o.clients;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    connecting.push(connectOne(k));
  }
  await Promise.all(connecting);
  // Every bot that connected gets its JOIN, or counts as failed.
  const joinBy = Date.now() + JOIN_GRACE_MS;
  while (Date.now() < joinBy && clients.some((c, k) => c && !c.join && !failed.has(k))) await sleep(50);
  clients.forEach((c, k) => {
    if (c && !c.join) fail(k, 'no_join');
  });

  const mark = clients.map((c) => (c ? c.net.stats().bytesIn : 0));
  const windowStart = Date.now();
  await sleep(o.seconds * 1000);
  const windowS = (Date.now() - windowStart) / 1000;
  const end = counts();
  const rtt: number[] = [];
  const bytesIn: number[] = [];
  clients.forEach((c, k) => {
    if (!c || failed.has(k) || c.net.state !== 'connected') return;
    const s = c.net.stats();
    rtt.push(Math.round(s.rttMs * 10) / 10);
    bytesIn.push(Math.round((s.bytesIn - mark[k]!) / windowS));
  });
  clearInterval(brain);
  clearInterval(progress);
  ending = true;
  for (const c of clients) c?.close();
  const report: DeclaredLoadReport = {
    mode: 'declared',
    game: o.game.name,
    clients: o.clients,
    connected: end.connected,
    players: end.players,
    seconds: Math.round(windowS * 10) / 10,
    ramp_s: o.rampMs / 1000,
    snapshots: end.snapshots,
    checked: 0,
    mispredicted: 0,
    brain_errors: mistakes.count,
    failures: failed.size,
    failure_reasons: reasons,
    samples: { rtt_ms: rtt, bytes_in_per_s: bytesIn },
  };
  return { report, ok: failed.size === 0 && mistakes.count === 0 };
}
