// The GAME SNAPSHOT message a replicator hands over (header layout in game-frames.ts): its
// buffer, grown (doubling, up to the replicator's cap) to the longest message sent rather than
// made that size, and the header written through one view made once.

import { GAME_HEADER_BYTES, GAME_SNAPSHOT_VERSION, MSG_GAME_SNAPSHOT, NO_INPUT_SEQ } from './game-frames.js';

/** A replicator's message buffer to begin with (a typical message is a few hundred bytes). */
const INITIAL_OUT_BYTES = 1024;

/** A view scale in 255ths (at least 1: a view is never nothing), 0 for none or not a number. */
export function viewScaleByte(scale: number): number {
  return scale > 0 ? Math.max(1, Math.min(255, Math.round(scale * 255))) : 0;
}

/** What a GAME SNAPSHOT's header says besides its records. */
export interface GameMessageHeader {
  seq: number;
  tick: number;
  /** seq less the baseline's, 0: none. */
  baselineAge: number;
  records: number;
  /** The recipient's newest input applied, -1: none yet. */
  inputSeq: number;
  inputQueue: number;
  viewScale: number;
}

export class GameMessageBuffer {
  private out: Uint8Array;
  private view: DataView;

  constructor(private readonly maxBytes: number) {
    this.out = new Uint8Array(Math.min(maxBytes, INITIAL_OUT_BYTES));
    this.view = new DataView(this.out.buffer);
  }

  /** Bytes the buffer holds now. */
  get bytes(): number {
    return this.out.byteLength;
  }

  /** The message: `h`'s header, then `body`. A view of the buffer, valid until the next call. */
  write(h: GameMessageHeader, body: Uint8Array): Uint8Array {
    const length = GAME_HEADER_BYTES + body.byteLength;
    if (this.out.byteLength < length) {
      // A view the caller still holds of the last message keeps the old buffer.
      this.out = new Uint8Array(Math.min(this.maxBytes, Math.max(length, this.out.byteLength * 2)));
      this.view = new DataView(this.out.buffer);
    }
    const out = this.out;
    const dv = this.view;
    out[0] = MSG_GAME_SNAPSHOT;
    out[1] = GAME_SNAPSHOT_VERSION;
    dv.setUint32(2, h.seq >>> 0, true);
    dv.setUint32(6, h.tick >>> 0, true);
    out[10] = h.baselineAge;
    dv.setUint16(11, h.records, true);
    dv.setUint32(13, h.inputSeq >= 0 ? h.inputSeq >>> 0 : NO_INPUT_SEQ, true);
    out[17] = Math.max(0, Math.min(255, h.inputQueue | 0));
    out[18] = viewScaleByte(h.viewScale);
    out.set(body, GAME_HEADER_BYTES);
    return out.subarray(0, length);
  }
}
