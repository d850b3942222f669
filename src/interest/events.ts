// Broadcast events queued between ticks: the event records and payload bytes the lane kernels
// read (layout.ts, EV_BYTES each), and after a tick the reliable ones grouped by event with
// their recipients (which the lanes wrote as (event, client) pairs).

import { InvalidArgumentError, InvalidValueError } from '../core/errors.js';
import { FX_ONE, fitsQ16 } from '../core/fixed.js';
import { encodeEvent, type BroadcastEvent } from '../codec/broadcast-event.js';
import type { Arena, Region } from '../wasm/arena.js';
import { EV_BYTES, L, LANE_BYTES } from './layout.js';
import type { EventOptions, ReliableDelivery } from './types.js';

/** A queued event: the broadcast event's fields, its payload where it sits in the payload region. */
interface EventMeta extends Omit<BroadcastEvent, 'payload'> {
  payloadOff: number;
  payloadLen: number;
}

export class EventQueue {
  /** Events queued for the next tick. */
  count = 0;
  /** Events refused because the queue or its payload space was full. */
  dropped = 0;
  private payloadUsed = 0;
  private readonly meta: EventMeta[] = [];

  constructor(
    private readonly arena: Arena,
    readonly records: Region,
    readonly payload: Region,
    private readonly maxEvents: number,
    private readonly payloadBytes: number,
  ) {}

  /** Queues an event for tick `tick`; false (and a counted drop) when the queue is full. */
  emit(e: EventOptions, tick: number): boolean {
    const payload = e.payload ?? new Uint8Array(0);
    if (!Number.isInteger(e.kind) || e.kind < 0 || e.kind > 255) throw new InvalidArgumentError(`event kind must be a u8, got ${e.kind}`);
    if (payload.byteLength > 255) throw new InvalidArgumentError(`event payload is ${payload.byteLength} bytes, at most 255`);
    const rangeM = e.rangeM ?? Infinity;
    if (Number.isNaN(rangeM) || rangeM < 0) throw new InvalidValueError('rangeM', rangeM, 'must be a non-negative distance');
    for (const [name, v] of [['x', e.x], ['y', e.y], ['z', e.z]] as const) {
      if (!fitsQ16(v)) throw new InvalidValueError(`event ${name}`, v, 'must be a finite coordinate within ±32768 m');
    }
    if (this.count >= this.maxEvents || this.payloadUsed + payload.byteLength > this.payloadBytes) {
      this.dropped++;
      return false;
    }
    const i = this.count++;
    const dv = new DataView(this.records.bytes().buffer, this.records.ptr + i * EV_BYTES, EV_BYTES);
    const x = Math.round(e.x * FX_ONE), y = Math.round(e.y * FX_ONE), z = Math.round(e.z * FX_ONE);
    dv.setInt32(0, x, true);
    dv.setInt32(4, y, true);
    dv.setInt32(8, z, true);
    dv.setFloat32(12, Number.isFinite(rangeM) ? rangeM : Infinity, true);
    dv.setUint32(16, e.kind, true);
    dv.setUint32(20, e.reliable ? 1 : 0, true);
    dv.setUint32(24, this.payloadUsed, true);
    dv.setUint32(28, payload.byteLength, true);
    this.payload.bytes().set(payload, this.payloadUsed);
    this.meta[i] = { kind: e.kind, tick, x: x / FX_ONE, y: y / FX_ONE, z: z / FX_ONE, rangeM, payloadOff: this.payloadUsed, payloadLen: payload.byteLength };
    this.payloadUsed += payload.byteLength;
    return true;
  }

  /** Empties the queue (after a tick consumed it). */
  clear(): void {
    this.count = 0;
    this.payloadUsed = 0;
  }

  /** Reliable events of the last tick with their recipients, from the lanes' pair lists. */
  reliableDeliveries(laneTable: Region, lanes: number): ReliableDelivery[] {
    const byEvent = new Map<number, number[]>();
    const table = laneTable.view('u32', 0, (lanes * LANE_BYTES) / 4);
    const mem = this.arena.memoryBuffer;
    for (let l = 0; l < lanes; l++) {
      const w = (l * LANE_BYTES) / 4;
      const used = table[w + L.reliableUsed / 4]!;
      const pairs = new Uint32Array(mem, table[w + L.reliable / 4]!, used * 2);
      for (let i = 0; i < used; i++) {
        const e = pairs[i * 2]!;
        let list = byEvent.get(e);
        if (!list) byEvent.set(e, (list = []));
        list.push(pairs[i * 2 + 1]!);
      }
    }
    const out: ReliableDelivery[] = [];
    const payload = this.payload.bytes();
    for (const [e, recipients] of [...byEvent.entries()].sort((a, b) => a[0] - b[0])) {
      const m = this.meta[e]!;
      const event: BroadcastEvent = {
        kind: m.kind, tick: m.tick, x: m.x, y: m.y, z: m.z, rangeM: m.rangeM,
        payload: payload.subarray(m.payloadOff, m.payloadOff + m.payloadLen),
      };
      out.push({ bytes: encodeEvent(event), recipients: recipients.sort((a, b) => a - b) });
    }
    return out;
  }
}
