// Control messages, carried reliably and in order on channel 7 (layouts in spec.ts):
// ACCEPT (server -> client, first message of every link: tier, client id, timeout, resume
// ticket), REKEY (server -> client: new key phase and a fresh server X25519 public key),
// REKEY_ACK (client -> server: the phase and the client's fresh public key) and TICKET (server
// -> client: a fresh resume ticket, which retires the one before).

import {
  ACCEPT_FIXED_BYTES,
  CONTROL_ACCEPT,
  CONTROL_REKEY,
  CONTROL_REKEY_ACK,
  CONTROL_TICKET,
  KX_PUBLIC_KEY_BYTES,
  REKEY_BYTES,
  RESUME_TICKET_BYTES,
  SessionTier,
  TICKET_FIXED_BYTES,
} from './spec.js';
import { readU32, readU64, writeU32, writeU64 } from './wire.js';

export interface AcceptMessage {
  tier: SessionTier;
  clientId: number;
  timeoutMs: number;
  ticket: Uint8Array;
}

export function encodeAccept(m: AcceptMessage): Uint8Array {
  const b = new Uint8Array(ACCEPT_FIXED_BYTES + m.ticket.length);
  b[0] = CONTROL_ACCEPT;
  b[1] = m.tier;
  writeU64(b, 4, m.clientId);
  writeU32(b, 12, m.timeoutMs);
  b[16] = m.ticket.length;
  b.set(m.ticket, ACCEPT_FIXED_BYTES);
  return b;
}

export function decodeAccept(b: Uint8Array): AcceptMessage | undefined {
  if (b.length < ACCEPT_FIXED_BYTES || b[0] !== CONTROL_ACCEPT) return undefined;
  const tier = b[1]!;
  if (tier !== SessionTier.New && tier !== SessionTier.Resume && tier !== SessionTier.Resync) return undefined;
  const ticketLength = b[16]!;
  if (ticketLength !== RESUME_TICKET_BYTES || b.length !== ACCEPT_FIXED_BYTES + ticketLength) return undefined;
  return { tier, clientId: readU64(b, 4), timeoutMs: readU32(b, 12), ticket: b.slice(ACCEPT_FIXED_BYTES) };
}

export function encodeTicket(ticket: Uint8Array): Uint8Array {
  const b = new Uint8Array(TICKET_FIXED_BYTES + ticket.length);
  b[0] = CONTROL_TICKET;
  b[1] = ticket.length;
  b.set(ticket, TICKET_FIXED_BYTES);
  return b;
}

export function decodeTicket(b: Uint8Array): Uint8Array | undefined {
  if (b.length !== TICKET_FIXED_BYTES + RESUME_TICKET_BYTES || b[0] !== CONTROL_TICKET || b[1] !== RESUME_TICKET_BYTES) return undefined;
  return b.slice(TICKET_FIXED_BYTES);
}

export function encodeRekey(type: typeof CONTROL_REKEY | typeof CONTROL_REKEY_ACK, phase: number, publicKey: Uint8Array): Uint8Array {
  const b = new Uint8Array(REKEY_BYTES);
  b[0] = type;
  b[1] = phase;
  b.set(publicKey, 2);
  return b;
}

export function decodeRekey(b: Uint8Array, type: typeof CONTROL_REKEY | typeof CONTROL_REKEY_ACK): { phase: number; publicKey: Uint8Array } | undefined {
  if (b.length !== REKEY_BYTES || b[0] !== type || (b[1] !== 0 && b[1] !== 1)) return undefined;
  return { phase: b[1]!, publicKey: b.slice(2, 2 + KX_PUBLIC_KEY_BYTES) };
}
