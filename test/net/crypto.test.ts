// The crypto interface and its two backends: the RFC 8439 ChaCha20-Poly1305 vector, byte-for-
// byte agreement between sodium-native and libsodium-wrappers (seal in one, open in the other,
// X25519 session keys, BLAKE2b), in-place sealing, and tag failures reported as false.

import { describe, expect, it } from 'vitest';
import type { NetCrypto } from '../../src/net/crypto.js';
import { kxKeypair, seededCrypto } from '../../src/net/crypto.js';
import { createNativeCrypto } from '../../src/net/crypto-native.js';
import { loadLibsodiumCrypto } from '../../src/net/crypto-libsodium.js';
import { loadServerCrypto } from '../../src/net/crypto-node.js';
import { mulberry32 } from '../helpers/wasm.js';

const hex = (s: string) => Uint8Array.from(s.replace(/[^0-9a-f]/gi, '').match(/../g)!.map((b) => parseInt(b, 16)));

// RFC 8439, section 2.8.2: AEAD_CHACHA20_POLY1305 test vector.
const RFC_KEY = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
const RFC_NONCE = hex('070000004041424344454647');
const RFC_AAD = hex('50515253c0c1c2c3c4c5c6c7');
const RFC_PLAIN = new TextEncoder().encode("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
const RFC_SEALED = hex(`
  d31a8d34648e60db7b86afbc53ef7ec2 a4aded51296e08fea9e2b5a736ee62d6 3dbea45e8ca9671282fafb69da92728b
  1a71de0a9e060b2905d6a5b67ecd3b36 92ddbd7f2d778b8c9803aee328091b58 fab324e4fad675945585808b4831d7bc
  3ff4def08e4b7a9de576d26586cec64b 6116 1ae10b594f09e26a7e902ecbd0600691`);

async function backends(): Promise<NetCrypto[]> {
  return [createNativeCrypto(), await loadLibsodiumCrypto()];
}

function randomBytes(rand: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

describe('crypto backends', () => {
  it('both reproduce the RFC 8439 ChaCha20-Poly1305 test vector', async () => {
    for (const c of await backends()) {
      const sealed = new Uint8Array(RFC_PLAIN.length + 16);
      c.seal(sealed, RFC_PLAIN, RFC_AAD, RFC_NONCE, RFC_KEY);
      expect(sealed, c.name).toEqual(RFC_SEALED);
      const opened = new Uint8Array(RFC_PLAIN.length);
      expect(c.open(opened, RFC_SEALED, RFC_AAD, RFC_NONCE, RFC_KEY)).toBe(true);
      expect(opened).toEqual(RFC_PLAIN);
    }
  });

  it('interoperate byte for byte: what one seals the other opens, for every size up to a packet', async () => {
    const [native, wasm] = await backends();
    const rand = mulberry32(11);
    for (let n = 0; n <= 1184; n += 1 + Math.floor(rand() * 37)) {
      const key = randomBytes(rand, 32);
      const nonce = randomBytes(rand, 12);
      const ad = randomBytes(rand, Math.floor(rand() * 40));
      const plain = randomBytes(rand, n);
      const a = new Uint8Array(n + 16);
      const b = new Uint8Array(n + 16);
      native!.seal(a, plain, ad, nonce, key);
      wasm!.seal(b, plain, ad, nonce, key);
      expect(a).toEqual(b);
      const out = new Uint8Array(n);
      expect(wasm!.open(out, a, ad, nonce, key)).toBe(true);
      expect(out).toEqual(plain);
      expect(native!.open(out, b, ad, nonce, key)).toBe(true);
      expect(out).toEqual(plain);
    }
  });

  it('derive the same X25519 session keys across backends, one key per direction', async () => {
    const [native, wasm] = await backends();
    const cpk = new Uint8Array(32);
    const csk = new Uint8Array(32);
    const spk = new Uint8Array(32);
    const ssk = new Uint8Array(32);
    kxKeypair(wasm!, cpk, csk);
    kxKeypair(native!, spk, ssk);
    const c = { rx: new Uint8Array(32), tx: new Uint8Array(32) };
    const s = { rx: new Uint8Array(32), tx: new Uint8Array(32) };
    expect(wasm!.kxClientSessionKeys(c.rx, c.tx, cpk, csk, spk)).toBe(true);
    expect(native!.kxServerSessionKeys(s.rx, s.tx, spk, ssk, cpk)).toBe(true);
    expect(c.tx).toEqual(s.rx);
    expect(c.rx).toEqual(s.tx);
    expect(c.rx).not.toEqual(c.tx);
  });

  it('agree on seeded key pairs and on keyed BLAKE2b', async () => {
    const [native, wasm] = await backends();
    const seed = new Uint8Array(32).fill(3);
    const a = { pk: new Uint8Array(32), sk: new Uint8Array(32) };
    const b = { pk: new Uint8Array(32), sk: new Uint8Array(32) };
    native!.kxSeedKeypair(a.pk, a.sk, seed);
    wasm!.kxSeedKeypair(b.pk, b.sk, seed);
    expect(a).toEqual(b);
    const h1 = new Uint8Array(32);
    const h2 = new Uint8Array(32);
    native!.hash(h1, new Uint8Array([1, 2, 3]), seed);
    wasm!.hash(h2, new Uint8Array([1, 2, 3]), seed);
    expect(h1).toEqual(h2);
  });

  it('report a low-order peer key as a failed key exchange instead of throwing', async () => {
    for (const c of await backends()) {
      const pk = new Uint8Array(32);
      const sk = new Uint8Array(32);
      kxKeypair(c, pk, sk);
      const zero = new Uint8Array(32);
      expect(c.kxServerSessionKeys(new Uint8Array(32), new Uint8Array(32), pk, sk, zero), c.name).toBe(false);
    }
  });

  it('seal in place to the same bytes as out of place', async () => {
    for (const c of await backends()) {
      const buf = new Uint8Array(300);
      for (let i = 0; i < 200; i++) buf[16 + i] = i;
      const plain = buf.slice(16, 216);
      const expected = new Uint8Array(216);
      c.seal(expected, plain, RFC_AAD, RFC_NONCE, RFC_KEY);
      c.seal(buf.subarray(16, 232), buf.subarray(16, 216), RFC_AAD, RFC_NONCE, RFC_KEY);
      expect(buf.subarray(16, 232)).toEqual(expected);
      expect(c.open(buf.subarray(16, 216), buf.subarray(16, 232), RFC_AAD, RFC_NONCE, RFC_KEY)).toBe(true);
      expect(buf.subarray(16, 216)).toEqual(plain);
    }
  });

  it('return false, not throw, for a bad tag, a wrong key, wrong associated data or a short input', async () => {
    for (const c of await backends()) {
      const out = new Uint8Array(RFC_PLAIN.length);
      const tampered = RFC_SEALED.slice();
      tampered[10]! ^= 1;
      expect(c.open(out, tampered, RFC_AAD, RFC_NONCE, RFC_KEY)).toBe(false);
      expect(c.open(out, RFC_SEALED, RFC_AAD, RFC_NONCE, new Uint8Array(32))).toBe(false);
      expect(c.open(out, RFC_SEALED, new Uint8Array(12), RFC_NONCE, RFC_KEY)).toBe(false);
      expect(c.open(new Uint8Array(0), new Uint8Array(8), RFC_AAD, RFC_NONCE, RFC_KEY)).toBe(false);
    }
  });

  it('loads sodium-native for the server and libsodium-wrappers on request', async () => {
    expect((await loadServerCrypto()).name).toBe('sodium-native');
    expect((await loadServerCrypto('libsodium-wrappers')).name).toBe('libsodium-wrappers');
  });

  it('make every random byte a function of the seed when seeded', async () => {
    const [native] = await backends();
    const a = new Uint8Array(100);
    const b = new Uint8Array(100);
    seededCrypto(native!, 5).randomBytes(a);
    seededCrypto(native!, 5).randomBytes(b);
    expect(a).toEqual(b);
    seededCrypto(native!, 6).randomBytes(b);
    expect(a).not.toEqual(b);
  });
});
