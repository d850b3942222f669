// One crypto interface for the whole protocol, with two backends that must agree byte for byte:
// sodium-native (the server: libsodium compiled natively, ~2 µs per 1200-byte packet) and
// libsodium-wrappers (the browser, and the server's fallback: libsodium compiled to
// WebAssembly). Primitives: ChaCha20-Poly1305 IETF (RFC 8439) for packets and tokens, X25519
// key exchange (crypto_kx: BLAKE2b-512 of the shared point and both public keys, split into one
// key per direction), BLAKE2b for keyed hashes, and the OS random source. This file imports no
// backend, so the browser bundle never sees Node-only code.

import { KEY_BYTES } from './spec.js';

export interface NetCrypto {
  /** 'sodium-native' or 'libsodium-wrappers' (a seeded wrapper keeps its base's name). */
  readonly name: string;
  /**
   * Seals `m` into `c` (ciphertext then 16-byte tag; c.length === m.length + 16). `c` and `m` may
   * start at the same byte (in-place). `ad` is authenticated, not encrypted.
   */
  seal(c: Uint8Array, m: Uint8Array, ad: Uint8Array, nonce: Uint8Array, key: Uint8Array): void;
  /** Opens `c` into `m` (m.length === c.length - 16); false if the tag does not verify. */
  open(m: Uint8Array, c: Uint8Array, ad: Uint8Array, nonce: Uint8Array, key: Uint8Array): boolean;
  randomBytes(out: Uint8Array): void;
  /** X25519 key pair from a 32-byte seed (crypto_kx_seed_keypair). */
  kxSeedKeypair(publicKey: Uint8Array, secretKey: Uint8Array, seed: Uint8Array): void;
  /** Client side of crypto_kx: rx decrypts what the server sends, tx seals what the client sends. */
  kxClientSessionKeys(rx: Uint8Array, tx: Uint8Array, clientPk: Uint8Array, clientSk: Uint8Array, serverPk: Uint8Array): boolean;
  kxServerSessionKeys(rx: Uint8Array, tx: Uint8Array, serverPk: Uint8Array, serverSk: Uint8Array, clientPk: Uint8Array): boolean;
  /** BLAKE2b (crypto_generichash) of `message`, keyed when `key` is given; out is 16..64 bytes. */
  hash(out: Uint8Array, message: Uint8Array, key: Uint8Array | null): void;
}

/** A fresh X25519 key pair from the backend's randomness. */
export function kxKeypair(crypto: NetCrypto, publicKey: Uint8Array, secretKey: Uint8Array): void {
  const seed = new Uint8Array(KEY_BYTES);
  crypto.randomBytes(seed);
  crypto.kxSeedKeypair(publicKey, secretKey, seed);
  seed.fill(0);
}

export function newKey(crypto: NetCrypto): Uint8Array {
  const key = new Uint8Array(KEY_BYTES);
  crypto.randomBytes(key);
  return key;
}

/**
 * Wraps a backend so its randomness (and so every key pair, salt and token key) comes from a
 * seed: BLAKE2b keyed with the seed over a counter. For deterministic tests and replays only;
 * never for a real server.
 */
export function seededCrypto(base: NetCrypto, seed: number): NetCrypto {
  const key = new Uint8Array(32);
  new DataView(key.buffer).setUint32(0, seed >>> 0, true);
  key[4] = 0x5e;
  const counter = new Uint8Array(8);
  const block = new Uint8Array(64);
  let n = 0;
  const randomBytes = (out: Uint8Array) => {
    for (let off = 0; off < out.length; off += 64) {
      new DataView(counter.buffer).setFloat64(0, n++, true);
      base.hash(block, counter, key);
      out.set(block.subarray(0, Math.min(64, out.length - off)), off);
    }
  };
  return {
    name: base.name,
    seal: (c, m, ad, nonce, k) => base.seal(c, m, ad, nonce, k),
    open: (m, c, ad, nonce, k) => base.open(m, c, ad, nonce, k),
    randomBytes,
    kxSeedKeypair: (pk, sk, s) => base.kxSeedKeypair(pk, sk, s),
    kxClientSessionKeys: (rx, tx, cpk, csk, spk) => base.kxClientSessionKeys(rx, tx, cpk, csk, spk),
    kxServerSessionKeys: (rx, tx, spk, ssk, cpk) => base.kxServerSessionKeys(rx, tx, spk, ssk, cpk),
    hash: (out, message, k) => base.hash(out, message, k),
  };
}
