// Headless Skyworld: a SkyworldSim at 60 Hz (as fast as it runs, no sleeping) with N bot
// players, each behind the path a real client takes: its bot decides from the client's replica,
// its input is encoded with GameInputCodec and decoded on the server before applyInput, and its
// snapshots come from its own GameReplicator (owner = its player number) over a link that loses
// 5% of messages and delivers acknowledgements 3 ticks late, into a GameReplica.
//
//   npx tsx examples/skyworld/run.ts [--players 50] [--seconds 20] [--entities 2000] [--radius 128] [--seed 1]
//
// Exits 1 when a check fails: a client's own inventory differs from the server's, or a client
// was ever sent another player's inventory.

import { GameInputCodec, GameReplica, GameReplicator, mulberry32, type EntityId } from '../../src/index.js';
import { botViewOf, SkyworldBot, type BotView } from './bot.js';
import { SKYWORLD, type SkyworldDeclaration } from './game.js';
import { SkyworldSim } from './sim.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a non-negative number`);
  return v;
};
const PLAYERS = arg('players', 50);
const SECONDS = arg('seconds', 20);
const ENTITIES = arg('entities', 2000);
const RADIUS = arg('radius', 128);
const SEED = arg('seed', 1);
const HZ = 60;
const LOSS = 0.05;
const ACK_DELAY = 3;
const VIEW = 1024;

interface Client {
  readonly owner: number;
  readonly id: EntityId;
  readonly bot: SkyworldBot;
  readonly server: GameReplicator<SkyworldDeclaration>;
  readonly replica: GameReplica<SkyworldDeclaration>;
  readonly acks: { at: number; seq: number }[];
  bytes: number;
}

const median = (a: number[]): number => {
  if (a.length === 0) return 0;
  const s = Float64Array.from(a).sort();
  return s[s.length >> 1]!;
};

const viewOf = (c: Client): BotView | null => botViewOf(c.replica, c.id);

const sim = new SkyworldSim({ seed: SEED, entities: ENTITIES, maxPlayers: PLAYERS });
const store = sim.store;
const clientInput = new GameInputCodec(SKYWORLD);
const serverInput = new GameInputCodec(SKYWORLD);
const clients: Client[] = Array.from({ length: PLAYERS }, (_, i) => {
  const owner = i + 1; // 0 means "no owner" to the replicator
  return {
    owner,
    id: sim.addPlayer(owner),
    bot: new SkyworldBot(SEED * 1000 + owner),
    server: new GameReplicator(store, { viewCapacity: VIEW, owner, maxMessageBytes: 1200 * 8 }),
    replica: new GameReplica(SKYWORLD, { viewCapacity: VIEW }),
    acks: [],
    bytes: 0,
  };
});
const link = mulberry32(SEED ^ 0x1055);
const view = new Uint32Array(VIEW);
const stepMs: number[] = [];
const encodeUs: number[] = [];
const decodeUs: number[] = [];
const viewSizes: number[] = [];
let inventoryMismatches = 0;
let inventoryChecks = 0;
let foreignSeen = 0;
let foreignChecks = 0;
const ticks = Math.round(SECONDS * HZ);

for (let tick = 0; tick < ticks; tick++) {
  // Clients decide from what they were sent; the server applies only what decodes.
  for (const c of clients) {
    const bytes = clientInput.encode(c.bot.think(viewOf(c)));
    sim.applyInput(c.id, serverInput.decode(bytes));
  }
  let t = performance.now();
  sim.step(tick);
  stepMs.push(performance.now() - t);
  for (const c of clients) {
    while (c.acks.length > 0 && c.acks[0]!.at <= tick) c.server.ack(c.acks.shift()!.seq);
    const n = sim.visibleSlots(c.id, RADIUS, view);
    viewSizes.push(n);
    t = performance.now();
    const msg = c.server.encode(tick, view, n);
    encodeUs.push((performance.now() - t) * 1000);
    c.bytes += msg.byteLength;
    if (link() < LOSS) continue;
    t = performance.now();
    const got = c.replica.decode(msg);
    decodeUs.push((performance.now() - t) * 1000);
    c.acks.push({ at: tick + ACK_DELAY, seq: got.seq });
    // The client's own inventory is exactly the server's (it was encoded this tick).
    for (const k of ['inventory.gold', 'inventory.keys', 'inventory.potions'] as const) {
      inventoryChecks++;
      if (c.replica.value(c.id, k) !== store.get(c.id, k)) inventoryMismatches++;
    }
    // Another player may be in view, its inventory never.
    for (const o of clients) {
      if (o === c || !c.replica.has(o.id)) continue;
      foreignChecks++;
      if (c.replica.value(o.id, 'inventory.gold') !== undefined) foreignSeen++;
    }
  }
}

const perSecond = clients.map((c) => c.bytes / SECONDS);
const carried = (k: 'inventory.gold' | 'inventory.keys' | 'inventory.potions'): number => clients.reduce((n, c) => n + (store.get(c.id, k) as number), 0);
const deferred = clients.reduce((n, c) => n + c.server.counters.deferred, 0);
const ok = inventoryMismatches === 0 && foreignSeen === 0 && inventoryChecks > 0;
const f = (v: number, d = 1): string => v.toFixed(d);
console.log(`skyworld: ${PLAYERS} players, ${f(SECONDS, 0)} s at ${HZ} Hz, view radius ${RADIUS} m, 5% loss, acks ${ACK_DELAY} ticks late`);
console.log(`  entities          ${store.alive} alive (${ENTITIES} NPCs/props/pickups + players + projectiles), ${SKYWORLD.types.length} types declared, ${SKYWORLD.fields.length} fields`);
console.log(`  ticks run         ${ticks}`);
console.log(`  sim step          ${f(median(stepMs), 3)} ms/tick (median)`);
console.log(`  view              ${f(median(viewSizes), 0)} entities per client (median)`);
console.log(`  encode            ${f(median(encodeUs))} µs per client per tick (median)`);
console.log(`  payload           ${f(median(perSecond), 0)} B per client per second (median across clients), ${deferred} records deferred`);
console.log(`  decode            ${f(median(decodeUs))} µs per message (median)`);
console.log(`  memory            ${f(median(clients.map((c) => c.server.heldBytes)) / 1024, 0)} KiB per client on the server (frames sized to the view), ${f(median(clients.map((c) => c.replica.heldBytes)) / 1024, 0)} KiB in the client`);
console.log(`  pickups           players carry ${carried('inventory.gold')} gold, ${carried('inventory.keys')} keys, ${carried('inventory.potions')} potions`);
console.log(
  `  check             ${ok ? 'OK' : 'FAILED'}: own inventory matched the server ${inventoryChecks - inventoryMismatches}/${inventoryChecks} times; ` +
    `another player's inventory visible ${foreignSeen} of ${foreignChecks} times another player was in view`,
);
process.exitCode = ok ? 0 : 1;
