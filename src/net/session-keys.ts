// The session keys of one connection's current link: one transmit key and two receive slots
// (by key phase), so a rekey never stalls traffic: the peer may seal with the new phase as soon
// as it holds the new key, and the old receive key stays usable for REKEY_GRACE_MS for packets
// already in flight. Nonce salts (4 bytes each way) were chosen in the handshake. Keys are
// zeroed when the session ends.

import { KEY_BYTES } from './spec.js';

/** After a rekey the old receive key keeps working this long, for packets already in flight. */
export const REKEY_GRACE_MS = 5_000;
/** Rekey every 10 minutes (the seed), or after this many packets under one key. */
export const DEFAULT_REKEY_INTERVAL_MS = 600_000;
export const REKEY_AFTER_PACKETS = 2 ** 31;

export interface LinkKeys {
  rx: Uint8Array;
  tx: Uint8Array;
  rxSalt: Uint8Array;
  txSalt: Uint8Array;
}

export class SessionKeys {
  readonly tx = new Uint8Array(KEY_BYTES);
  txPhase = 0;
  /** Nonce salts: ours for what we seal, the peer's for what we open. */
  readonly txSalt = new Uint8Array(4);
  readonly rxSalt = new Uint8Array(4);
  readonly rx: [Uint8Array, Uint8Array] = [new Uint8Array(KEY_BYTES), new Uint8Array(KEY_BYTES)];
  /** Until when each rx slot is usable (ms; 0 = empty). */
  readonly rxValidUntil = [0, 0];
  startedMs = 0;
  packetsUnderKey = 0;
  /** Server: rekey in progress, the phase being introduced, or -1. */
  rekeyPhase = -1;
  /** Client: the tx key to switch to once the server uses the new phase. */
  readonly pendingTx = new Uint8Array(KEY_BYTES);
  pendingTxPhase = -1;
  rekeys = 0;

  /** Fresh keys of a new link, phase 0. */
  bind(keys: LinkKeys, nowMs: number): void {
    this.tx.set(keys.tx);
    this.rx[0].set(keys.rx);
    this.rx[1].fill(0);
    this.rxValidUntil[0] = Infinity;
    this.rxValidUntil[1] = 0;
    this.txPhase = 0;
    this.txSalt.set(keys.txSalt);
    this.rxSalt.set(keys.rxSalt);
    this.startedMs = nowMs;
    this.packetsUnderKey = 0;
    this.rekeyPhase = -1;
    this.pendingTxPhase = -1;
  }

  /** Installs an rx key in `phase` (rekey) and keeps the other phase usable for a grace period. */
  installRx(phase: number, key: Uint8Array, nowMs: number): void {
    this.rx[phase]!.set(key);
    this.rxValidUntil[phase] = Infinity;
    const other = phase ^ 1;
    if (this.rxValidUntil[other]! > nowMs + REKEY_GRACE_MS) this.rxValidUntil[other] = nowMs + REKEY_GRACE_MS;
  }

  switchTx(phase: number, key: Uint8Array, nowMs: number): void {
    this.tx.set(key);
    this.txPhase = phase;
    this.startedMs = nowMs;
    this.packetsUnderKey = 0;
    this.rekeys++;
  }

  /** Whether the current tx key is due for a rekey (no rekey in progress). */
  due(nowMs: number, intervalMs: number): boolean {
    return this.rekeyPhase < 0 && (nowMs - this.startedMs >= intervalMs || this.packetsUnderKey >= REKEY_AFTER_PACKETS);
  }

  clear(): void {
    this.tx.fill(0);
    this.rx[0].fill(0);
    this.rx[1].fill(0);
    this.pendingTx.fill(0);
  }
}
