// Channel configuration. A connection has up to seven application channels (indices 0..6, the
// same list on both ends) plus the protocol's control channel (7). Each channel has a delivery
// kind and a priority class:
//
// | kind                 | delivers                                   | lost messages   |
// | unreliable           | every message that arrives, as it arrives  | gone            |
// | unreliable-sequenced | only messages newer than the last delivered| gone, and stale |
// |                      |                                            | ones dropped    |
// | reliable-ordered     | every message, exactly once, in send order | resent          |
// | reliable-unordered   | every message, exactly once, as it arrives | resent          |
//
// | priority | under congestion                                                   |
// | critical | always sent, budget or not (inputs, handshake, hashes)              |
// | high     | sent while the budget lasts                                         |
// | medium   | as high, suspended in emergency state                               |
// | low      | as high, suspended in conservative and emergency states             |
//
// Message size limits are per direction: `maxMessageBytes` for both unless
// `maxClientMessageBytes` (client -> server, what the server accepts: keep it as small as the
// game's messages, it bounds what a client can make the server hold) or
// `maxServerMessageBytes` (server -> client) says otherwise. Each endpoint refuses to send past
// its sending limit (InvalidArgumentError) and drops a packet carrying more than its receiving
// limit (too_large).

import { InvalidArgumentError } from '../core/errors.js';
import { MAX_APP_CHANNELS, MAX_MESSAGE_BYTES } from './spec.js';

export type ChannelKind = 'unreliable' | 'unreliable-sequenced' | 'reliable-ordered' | 'reliable-unordered';
export type Priority = 'critical' | 'high' | 'medium' | 'low';

export const PRIORITIES: readonly Priority[] = ['critical', 'high', 'medium', 'low'];

export interface ChannelConfig {
  kind: ChannelKind;
  /** Default: critical for reliable-ordered, high for the others. */
  priority?: Priority;
  /** Largest message on this channel, both ways (default and maximum 256 KiB). */
  maxMessageBytes?: number;
  /** Largest message a client may send on it (default maxMessageBytes). */
  maxClientMessageBytes?: number;
  /** Largest message the server may send on it (default maxMessageBytes). */
  maxServerMessageBytes?: number;
  /** Reliable only: messages in flight at once (power of two, 8..4096; default 256). */
  windowMessages?: number;
  /** Reliable only: messages queued (in flight or waiting) before the connection is dropped
   * for not keeping up (default 1024). */
  queueMessages?: number;
}

export interface ResolvedChannel {
  readonly index: number;
  readonly kind: ChannelKind;
  readonly reliable: boolean;
  readonly ordered: boolean;
  readonly sequenced: boolean;
  /** 0 critical .. 3 low. */
  readonly priority: number;
  /** The larger of the two directions' limits. */
  readonly maxMessageBytes: number;
  readonly maxClientMessageBytes: number;
  readonly maxServerMessageBytes: number;
  readonly windowMessages: number;
  readonly queueMessages: number;
}

/** What a game gets without configuring: one channel of each kind. */
export const DEFAULT_CHANNELS: readonly ChannelConfig[] = Object.freeze([
  { kind: 'reliable-ordered', priority: 'critical' },
  { kind: 'unreliable-sequenced', priority: 'high' },
  { kind: 'unreliable', priority: 'medium' },
  { kind: 'reliable-unordered', priority: 'medium' },
]);

/** The protocol's own channel: accept, rekey. Small messages, a small window. */
export const CONTROL_CHANNEL_CONFIG: ChannelConfig = {
  kind: 'reliable-ordered',
  priority: 'critical',
  maxMessageBytes: 256,
  windowMessages: 16,
  queueMessages: 64,
};

const DEFAULT_WINDOW = 256;
const DEFAULT_QUEUE = 1024;

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

export function resolveChannel(config: ChannelConfig, index: number): ResolvedChannel {
  const kinds: ChannelKind[] = ['unreliable', 'unreliable-sequenced', 'reliable-ordered', 'reliable-unordered'];
  if (!kinds.includes(config.kind)) throw new InvalidArgumentError(`channel ${index}: unknown kind "${String(config.kind)}" (kinds: ${kinds.join(', ')})`);
  const reliable = config.kind === 'reliable-ordered' || config.kind === 'reliable-unordered';
  const priorityName = config.priority ?? (config.kind === 'reliable-ordered' ? 'critical' : 'high');
  const priority = PRIORITIES.indexOf(priorityName);
  if (priority < 0) throw new InvalidArgumentError(`channel ${index}: unknown priority "${String(priorityName)}" (priorities: ${PRIORITIES.join(', ')})`);
  const both = config.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  const limit = (name: string, value: number): number => {
    if (!Number.isInteger(value) || value < 1 || value > MAX_MESSAGE_BYTES) {
      throw new InvalidArgumentError(`channel ${index}: ${name} must be an integer in [1, ${MAX_MESSAGE_BYTES}], got ${value}`);
    }
    return value;
  };
  limit('maxMessageBytes', both);
  const maxClientMessageBytes = limit('maxClientMessageBytes', config.maxClientMessageBytes ?? both);
  const maxServerMessageBytes = limit('maxServerMessageBytes', config.maxServerMessageBytes ?? both);
  const maxMessageBytes = Math.max(maxClientMessageBytes, maxServerMessageBytes);
  const windowMessages = config.windowMessages ?? DEFAULT_WINDOW;
  const queueMessages = config.queueMessages ?? Math.max(DEFAULT_QUEUE, windowMessages);
  if (!isPowerOfTwo(windowMessages) || windowMessages < 8 || windowMessages > 4096) {
    throw new InvalidArgumentError(`channel ${index}: windowMessages must be a power of two in [8, 4096], got ${windowMessages}`);
  }
  if (!isPowerOfTwo(queueMessages) || queueMessages < windowMessages || queueMessages > 16384) {
    throw new InvalidArgumentError(`channel ${index}: queueMessages must be a power of two in [windowMessages (${windowMessages}), 16384], got ${queueMessages}`);
  }
  return {
    index,
    kind: config.kind,
    reliable,
    ordered: config.kind === 'reliable-ordered',
    sequenced: config.kind === 'unreliable-sequenced',
    priority,
    maxMessageBytes,
    maxClientMessageBytes,
    maxServerMessageBytes,
    windowMessages,
    queueMessages,
  };
}

export function resolveChannels(configs: readonly ChannelConfig[]): ResolvedChannel[] {
  if (configs.length < 1 || configs.length > MAX_APP_CHANNELS) {
    throw new InvalidArgumentError(`a connection has 1 to ${MAX_APP_CHANNELS} application channels, got ${configs.length}`);
  }
  return configs.map((c, i) => resolveChannel(c, i));
}
