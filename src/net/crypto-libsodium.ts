// The browser's crypto backend (and the server's fallback): libsodium-wrappers, libsodium
// compiled to WebAssembly with the module inlined in the JavaScript, so the page fetches
// nothing extra and works under COEP require-corp. Its functions return fresh arrays; the
// results are copied into the caller's buffers so both backends share one calling convention.

import sodium from 'libsodium-wrappers';
import type { NetCrypto } from './crypto.js';
import { MAC_BYTES } from './spec.js';

let ready: Promise<NetCrypto> | undefined;

/** Resolves once libsodium's WebAssembly is instantiated (once per process or page). */
export function loadLibsodiumCrypto(): Promise<NetCrypto> {
  ready ??= sodium.ready.then(createLibsodiumCrypto);
  return ready;
}

function createLibsodiumCrypto(): NetCrypto {
  const s = sodium;
  return {
    name: 'libsodium-wrappers',
    seal(c, m, ad, nonce, key) {
      c.set(s.crypto_aead_chacha20poly1305_ietf_encrypt(m, ad, null, nonce, key));
    },
    open(m, c, ad, nonce, key) {
      if (c.length < MAC_BYTES || m.length !== c.length - MAC_BYTES) return false;
      let plain: Uint8Array;
      try {
        plain = s.crypto_aead_chacha20poly1305_ietf_decrypt(null, c, ad, nonce, key);
      } catch (err) {
        // libsodium-wrappers reports a failed tag check by throwing; the sizes were checked above,
        // so a tag failure is the only way here.
        if (err instanceof Error) return false;
        throw err;
      }
      m.set(plain);
      return true;
    },
    randomBytes(out) {
      out.set(s.randombytes_buf(out.length));
    },
    kxSeedKeypair(pk, sk, seed) {
      const pair = s.crypto_kx_seed_keypair(seed);
      pk.set(pair.publicKey);
      sk.set(pair.privateKey);
    },
    kxClientSessionKeys(rx, tx, cpk, csk, spk) {
      let keys: { sharedRx: Uint8Array; sharedTx: Uint8Array };
      try {
        keys = s.crypto_kx_client_session_keys(cpk, csk, spk);
      } catch (err) {
        if (err instanceof Error) return false; // low-order server public key
        throw err;
      }
      rx.set(keys.sharedRx);
      tx.set(keys.sharedTx);
      return true;
    },
    kxServerSessionKeys(rx, tx, spk, ssk, cpk) {
      let keys: { sharedRx: Uint8Array; sharedTx: Uint8Array };
      try {
        keys = s.crypto_kx_server_session_keys(spk, ssk, cpk);
      } catch (err) {
        if (err instanceof Error) return false; // low-order client public key
        throw err;
      }
      rx.set(keys.sharedRx);
      tx.set(keys.sharedTx);
      return true;
    },
    hash(out, message, key) {
      out.set(s.crypto_generichash(out.length, message, key));
    },
  };
}
