// The network layer's public surface for browsers and Node alike. Node-only pieces (UDP, the
// WebSocket server transport, the sodium-native backend) are in ./node.ts.

export * from './spec.js';
export * from './channel.js';
export * from './connect-token.js';
export * from './crypto.js';
export { loadLibsodiumCrypto } from './crypto-libsodium.js';
export { Connection, type ConnectionStats, type ConnectionState } from './connection.js';
export { NetServer, type NetServerHandlers, type NetServerOptions, type NetServerStats } from './server.js';
export { NetClient, type NetClientHandlers, type NetClientOptions, type ClientState } from './client.js';
export { CongestionState, DEFAULT_CONGESTION, type CongestionOptions } from './congestion.js';
export { PACKET_DROP_REASONS, MESSAGE_DROP_REASONS, SEND_DROP_REASONS, type PacketDropReason, type MessageDropReason, type SendDropReason } from './drops.js';
export type { Transport, PacketReceiver, TransportName } from './transport.js';
export { WebSocketClientTransport, type WebSocketConstructor } from './transport-ws-client.js';
export { MemoryNetwork, MemoryTransport } from './transport-memory.js';
export { LinkSimulator, PROFILES, PROFILE_NAMES, profile, type NetworkProfile, type ProfileName } from './simulator.js';
