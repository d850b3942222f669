// The network layer's Node-only pieces: the server's crypto (sodium-native, with the
// libsodium-wrappers fallback), UDP and the WebSocket server transport.

export { loadServerCrypto, type CryptoPreference } from './crypto-node.js';
export { createNativeCrypto } from './crypto-native.js';
export { UdpTransport, SERVER_SOCKET_BUFFER_BYTES, CLIENT_SEND_POOL_SIZE, type UdpBindOptions } from './transport-udp.js';
export { WebSocketServerTransport } from './transport-ws.js';
