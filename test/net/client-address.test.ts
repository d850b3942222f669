// The client address behind reverse proxies: the first untrusted address walking X-Forwarded-For
// from the socket's peer leftwards. Checked against a brute-force statement of the rule over
// random chains, and on the cases an attacker would try (forged left entries, garbage, ports).

import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddressOf, isForwarded, normalizeAddress, TrustedProxies } from '../../src/net/client-address.js';
import { InvalidArgumentError } from '../../src/core/errors.js';

function request(peer: string, xff?: string | string[], extra: Record<string, string> = {}): IncomingMessage {
  const headers: Record<string, string | string[]> = { ...extra };
  if (xff !== undefined) headers['x-forwarded-for'] = xff;
  return { socket: { remoteAddress: peer }, headers } as unknown as IncomingMessage;
}

describe('TrustedProxies', () => {
  it('takes addresses, CIDR ranges and the named ranges, and checks membership', () => {
    const t = new TrustedProxies(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', 'loopback']);
    expect(t.trusts('10.200.3.4')).toBe(true);
    expect(t.trusts('11.0.0.1')).toBe(false);
    expect(t.trusts('192.168.1.7')).toBe(true);
    expect(t.trusts('192.168.1.8')).toBe(false);
    expect(t.trusts('fd12::1')).toBe(true);
    expect(t.trusts('fe80::1')).toBe(false);
    expect(t.trusts('127.0.0.1')).toBe(true);
    expect(t.trusts('::ffff:127.0.0.1')).toBe(true); // a dual-stack socket's view of IPv4
    expect(t.trusts('::1')).toBe(true);
    expect(t.trusts('not-an-ip')).toBe(false);
    expect(TrustedProxies.parse(' 10.0.0.1 , private ').trusts('172.20.0.1')).toBe(true);
    expect(new TrustedProxies([]).empty).toBe(true);
  });

  it('refuses what is not an address, range or known name, with a typed error', () => {
    for (const bad of ['example.com', '10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/x', '1.2.3', 'everyone']) {
      expect(() => new TrustedProxies([bad]), bad).toThrow(InvalidArgumentError);
    }
  });
});

describe('clientAddressOf', () => {
  const proxies = new TrustedProxies(['loopback', '10.0.0.0/8']);

  it('is the socket peer when no proxy is trusted, whatever the headers say', () => {
    expect(clientAddressOf(request('203.0.113.9', '1.1.1.1'), undefined)).toBe('203.0.113.9');
    expect(clientAddressOf(request('::ffff:203.0.113.9', '1.1.1.1'), new TrustedProxies([]))).toBe('203.0.113.9');
  });

  it('ignores the header from a peer that is not a trusted proxy (a client forging it)', () => {
    expect(clientAddressOf(request('198.51.100.4', '127.0.0.1'), proxies)).toBe('198.51.100.4');
  });

  it('takes the entry a trusted proxy appended, never the ones the client wrote left of it', () => {
    // The client sent "X-Forwarded-For: 127.0.0.1, 10.9.9.9"; the proxy appended its peer.
    expect(clientAddressOf(request('127.0.0.1', '127.0.0.1, 10.9.9.9, 198.51.100.4'), proxies)).toBe('198.51.100.4');
  });

  it('walks through a chain of trusted proxies (CDN -> load balancer -> local proxy)', () => {
    expect(clientAddressOf(request('127.0.0.1', '198.51.100.4, 10.1.1.1, 10.2.2.2'), proxies)).toBe('198.51.100.4');
    expect(clientAddressOf(request('127.0.0.1', ['198.51.100.4', '10.1.1.1']), proxies)).toBe('198.51.100.4');
  });

  it('stops at an entry that is not an address: the proxy that passed it on is the client', () => {
    expect(clientAddressOf(request('127.0.0.1', 'unknown'), proxies)).toBe('127.0.0.1');
    expect(clientAddressOf(request('127.0.0.1', '198.51.100.4, garbage, 10.1.1.1'), proxies)).toBe('10.1.1.1');
  });

  it('reads ports and brackets the way proxies write them, and IPv6', () => {
    expect(clientAddressOf(request('127.0.0.1', '198.51.100.4:51234'), proxies)).toBe('198.51.100.4');
    expect(clientAddressOf(request('127.0.0.1', '[2001:db8::7]:443'), proxies)).toBe('2001:db8::7');
    expect(clientAddressOf(request('::1', '2001:DB8::7'), proxies)).toBe('2001:db8::7');
  });

  it('is the proxy itself when every hop is trusted or the header is absent', () => {
    expect(clientAddressOf(request('127.0.0.1'), proxies)).toBe('127.0.0.1');
    expect(clientAddressOf(request('127.0.0.1', '10.3.3.3'), proxies)).toBe('10.3.3.3');
  });

  it('agrees with a brute-force statement of the rule over random chains', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const pool = ['127.0.0.1', '10.0.0.5', '10.7.7.7', '198.51.100.4', '203.0.113.9', '2001:db8::1', 'junk', '::1'];
    for (let trial = 0; trial < 2000; trial++) {
      const chain = Array.from({ length: rnd(5) }, () => pool[rnd(pool.length)]!);
      const peer = pool[rnd(pool.length - 1)]!.replace('junk', '127.0.0.1');
      // Reference: the list [peer, last, ..., first]; the answer is the first untrusted valid one,
      // or the last valid one reached before junk or the end.
      const hops = [peer, ...chain.slice().reverse()];
      let expected = normalizeAddress(peer);
      for (let i = 0; i < hops.length; i++) {
        if (hops[i] === 'junk') break;
        expected = normalizeAddress(hops[i]!);
        if (!proxies.trusts(hops[i]!)) break;
      }
      expect(clientAddressOf(request(peer, chain.length ? chain.join(', ') : undefined), proxies), `${peer} <- ${chain.join(', ')}`).toBe(expected);
    }
  });
});

describe('isForwarded', () => {
  it('sees X-Forwarded-For, Forwarded and X-Real-IP', () => {
    expect(isForwarded(request('127.0.0.1'))).toBe(false);
    expect(isForwarded(request('127.0.0.1', '1.2.3.4'))).toBe(true);
    expect(isForwarded(request('127.0.0.1', undefined, { forwarded: 'for=1.2.3.4' }))).toBe(true);
    expect(isForwarded(request('127.0.0.1', undefined, { 'x-real-ip': '1.2.3.4' }))).toBe(true);
  });
});
