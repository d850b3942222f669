// Picks the server's crypto backend: sodium-native when its native binary loads on this
// platform, libsodium-wrappers otherwise. Node only (the browser imports crypto-libsodium.ts).

import type { NetCrypto } from './crypto.js';
import { createNativeCrypto } from './crypto-native.js';
import { loadLibsodiumCrypto } from './crypto-libsodium.js';

export type CryptoPreference = 'auto' | 'sodium-native' | 'libsodium-wrappers';

export async function loadServerCrypto(prefer: CryptoPreference = 'auto'): Promise<NetCrypto> {
  if (prefer === 'libsodium-wrappers') return loadLibsodiumCrypto();
  try {
    return createNativeCrypto();
  } catch (err) {
    if (prefer === 'sodium-native') throw err;
    // No native binary for this platform: the WebAssembly build is slower but identical.
    return loadLibsodiumCrypto();
  }
}
