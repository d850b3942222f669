// Interest management: for every client, every tick, what it can see, how often each thing is
// worth sending, and the fewest bits that bring its copy up to date against what it has
// acknowledged. The per-tick work for all clients is a few kernel calls over arena memory
// (pipeline.ts); the client side is SnapshotView (src/codec/snapshot-view.ts).
//
// ==== Integration contract (what the server and a client do) ====
//
// Setup, once:
//   const index = SpatialIndex.forWorld(world);                  // the spatial engine
//   const interest = await InterestPipeline.create(arena, worldSource(world), index, {
//     maxClients, viewCapacity: 256, lanes: 2 /* 1 worker */ });
//   Channels: snapshots on an unreliable-sequenced channel (SNAPSHOT_CHANNEL), reliable events
//   and the codec parameters on a reliable-ordered one (RELIABLE_CHANNEL).
//
// On connect (NetServer `connect`):
//   const c = interest.addClient({ viewerSlot: avatarSlot, shape: { kind: 'circle', radiusM: 100 } });
//   conn.send(RELIABLE_CHANNEL, interest.codecParamsBytes());   // the client builds its view
//   (Resync tier: removeClient + addClient, so the client starts from full states again.)
//
// Every tick, after world.step() and index.update():
//   for each client c with connection conn:
//     interest.budgetBytes[c] = conn.budgetBytes();   // or a configured budget
//     interest.rttMs[c] = conn.rttMs;                 // network-condition multipliers
//   (optional) interest.emit({ x, y, z, rangeM, kind, reliable, payload });   // broadcast events
//   (optional) interest.interact(c, slot, strength); interest.setImportance(slot, 0..1);
//   interest.tick();
//   for each client c:
//     const bytes = interest.snapshot(c);             // null: nothing due this tick
//     if (bytes) interest.sent(c, conn.sendBorrowed(SNAPSHOT_CHANNEL, bytes));
//       (sendBorrowed: the bytes stay untouched until the next tick, after the net flush)
//   for (const { bytes, recipients } of interest.reliableDeliveries())
//     for (const c of recipients) connOf(c).send(RELIABLE_CHANNEL, bytes);
//
// On ack (NetServer `acked(conn, channel, n)`), any time between ticks:
//   if (channel === SNAPSHOT_CHANNEL) interest.acked(c, n);   // baselines advance next tick
// On disconnect: interest.removeClient(c). /metrics: interest.totals() (bytes, records per zone,
// enters, leaves, deltas vs fulls, deferred by budget, acks, view-full drops...).
//
// A client (page or Node bot):
//   const view = SnapshotView.create(arena, decodeCodecParams(paramsBytes));
//   on SNAPSHOT_CHANNEL message: view.apply(bytes);      // DecodeError: drop and count
//   on RELIABLE_CHANNEL MSG_EVENT: decodeEvent(bytes)
//   draw: for h < view.handles: if (view.has(h)) view.positionInto(h, xyz), view.yawOf(h)...
//   (SnapshotView.events() lists the unreliable events of the last snapshot.)
//
// ==== What the pipeline guarantees ====
// - Membership: a body joins a view inside its shape scaled by (1 - h) and leaves it outside
//   (1 + h) (hysteresis h = 5 %: 95 m / 105 m for a 100 m circle); slower bodies are found by
//   the client's discovery query at most discoveryPeriodTicks after they qualify, bodies faster
//   than fast.speedMps by the trajectory pass on the tick their projected path crosses the view.
// - Rates: zones 60 / 20 / 5 / 1 Hz (immediate 5 m, near 25 m, awareness 60 m, background),
//   scaled down by the client's network class; fast bodies at least 30 Hz.
// - Budget: records are written by priority (leaves, new entities, then urgency = overdue x
//   (1 + score)) until budgetBytes; what is left keeps its age, so every visible entity is
//   updated within twice its zone's period whenever the budget covers half the nominal rate.
// - Deltas are against the newest state the client acknowledged (the client keeps its last 32
//   per entity); no usable baseline means a full state. decode(encode(x)) equals the quantised x.

export { InterestPipeline, checkInterestLayout } from './pipeline.js';
export type { ClientOptions, EventOptions, ReliableDelivery, ClientCounters, InterestTotals, ViewEntry } from './pipeline.js';
export { resolveInterestOptions, codecParamsOf, DEFAULT_ZONES, DEFAULT_WEIGHTS, DEFAULT_NETWORK, DEFAULT_FAST, DEFAULT_QUANTIZATION, DEFAULT_SHAPE } from './options.js';
export type {
  InterestOptions, ResolvedInterestOptions, ZoneOptions, PriorityWeights, NetworkConditionOptions, FastObjectOptions,
  DynamicRadiusOptions, QuantizationOptions,
} from './options.js';
export { checkShape, shapeReachM } from './shapes.js';
export type { ShapeSpec, SimpleShape } from './shapes.js';
export { worldSource } from './source.js';
export { DeclaredInterest, type DeclaredCrowdOptions, type DeclaredInterestOptions, type DeclaredInterestStats } from './declared-interest.js';
export type { ReplicationSource } from './source.js';
export { interestKernels } from './kernels.js';
export type { InterestKernels } from './kernels.js';
