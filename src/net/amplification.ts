// Anti-amplification (QUIC's rule, RFC 9000 section 8): from a (re)bind until the peer
// acknowledges a packet sent on the link, which proves it receives at that address, a server's
// connection sends there at most AMPLIFICATION_FACTOR times the bytes it received from there.
// A spoofed source address can then make the server send its victim little more than the
// attacker sent itself. Clients do not apply it (`enabled` false: always validated).

import { AMPLIFICATION_FACTOR } from './connection-types.js';

export class AmplificationGuard {
  /** False from a (re)bind until the peer acknowledges a packet we sent on this link. */
  validated = true;
  private receivedBytes = 0;
  private sentBytes = 0;

  constructor(private readonly enabled: boolean) {}

  /** A new link: unvalidated (when enabled), nothing received or sent there yet. */
  rebind(): void {
    this.validated = !this.enabled;
    this.receivedBytes = 0;
    this.sentBytes = 0;
  }

  /** Bytes that arrived from the link's address (any packet, valid or not). */
  credit(bytes: number): void {
    if (!this.validated) this.receivedBytes += bytes;
  }

  /** Counts a packet of `wireBytes` against the unvalidated address's allowance; false if it
   * would pass AMPLIFICATION_FACTOR x what arrived from there. */
  allow(wireBytes: number): boolean {
    if (this.sentBytes + wireBytes > AMPLIFICATION_FACTOR * this.receivedBytes) return false;
    this.sentBytes += wireBytes;
    return true;
  }
}
