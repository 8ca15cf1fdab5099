import type { IncomingMessage } from 'node:http';
import {
  clientAddress,
  normalizeAddress,
  requestOrigin,
  TrustedProxies,
  trustedProxiesEnv,
} from './client-address';

const req = (remoteAddress: string | undefined, xff?: string | string[]) =>
  ({
    socket: { remoteAddress },
    headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  }) as unknown as IncomingMessage;

describe('clientAddress', () => {
  const none = new TrustedProxies([]);
  const loopback = new TrustedProxies(['loopback']);

  it('is the connection’s peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress(req('203.0.113.9', '1.2.3.4'), none)).toBe('203.0.113.9');
    expect(clientAddress(req('::ffff:127.0.0.1', '1.2.3.4'), none)).toBe('127.0.0.1');
    expect(clientAddress(req(undefined), none)).toBe('unknown');
  });

  it('is the peer when the peer is not a trusted proxy', () => {
    expect(clientAddress(req('203.0.113.9', '1.2.3.4'), loopback)).toBe('203.0.113.9');
  });

  it('walks X-Forwarded-For from its end through trusted hops only', () => {
    const chain = new TrustedProxies(['127.0.0.1', '10.0.0.0/8']);
    // client wrote "6.6.6.6" itself; the load balancer 10.1.2.3 added the real client 198.51.100.4.
    expect(clientAddress(req('127.0.0.1', '6.6.6.6, 198.51.100.4, 10.1.2.3'), chain)).toBe('198.51.100.4');
    expect(clientAddress(req('127.0.0.1', ['6.6.6.6', '198.51.100.4']), chain)).toBe('198.51.100.4');
    expect(clientAddress(req('127.0.0.1', '198.51.100.4'), loopback)).toBe('198.51.100.4');
    expect(clientAddress(req('::1', '2001:DB8::5'), loopback)).toBe('2001:db8::5');
  });

  it('stops at the last trusted hop on garbage, and when every hop is trusted', () => {
    expect(clientAddress(req('127.0.0.1', 'evil, <script>'), loopback)).toBe('127.0.0.1');
    expect(clientAddress(req('127.0.0.1', '127.0.0.2'), loopback)).toBe('127.0.0.2');
    expect(clientAddress(req('127.0.0.1'), loopback)).toBe('127.0.0.1');
  });
});

describe('trusted proxy setting', () => {
  it('takes names, addresses and networks, and refuses anything else', () => {
    const parsed = trustedProxiesEnv().parse('private, 192.0.2.1, 2001:db8::/32');
    expect(parsed.has('172.20.1.1')).toBe(true);
    expect(parsed.has('fd12::1')).toBe(true);
    expect(parsed.has('192.0.2.1')).toBe(true);
    expect(parsed.has('192.0.2.2')).toBe(false);
    expect(parsed.has('2001:db8:1::1')).toBe(true);
    expect(parsed.has('8.8.8.8')).toBe(false);
    expect(trustedProxiesEnv().parse(undefined).empty).toBe(true);
    for (const bad of ['everyone', '10.0.0.0/33', '1.2.3', '10.0.0.0/8/1', 'localhost']) {
      expect(trustedProxiesEnv().safeParse(bad).success).toBe(false);
    }
  });

  it('normalizes addresses', () => {
    expect(normalizeAddress('::FFFF:10.0.0.1')).toBe('10.0.0.1');
    expect(normalizeAddress(' 10.0.0.1 ')).toBe('10.0.0.1');
    expect(normalizeAddress('10.0.0.1:443')).toBeUndefined();
  });
});

describe('requestOrigin', () => {
  const at = (remoteAddress: string, headers: Record<string, string>) =>
    ({ socket: { remoteAddress }, headers }) as unknown as IncomingMessage;
  const loopback = new TrustedProxies(['loopback']);
  const forwarded = {
    host: 'roster:4001',
    'x-forwarded-host': 'chief.example.org',
    'x-forwarded-proto': 'https',
  };

  it('is the forwarded origin from a trusted proxy only, else http:// and Host', () => {
    expect(requestOrigin(at('127.0.0.1', forwarded), loopback)).toBe('https://chief.example.org');
    expect(requestOrigin(at('203.0.113.9', forwarded), loopback)).toBe('http://roster:4001');
    expect(requestOrigin(at('127.0.0.1', forwarded), new TrustedProxies([]))).toBe('http://roster:4001');
    expect(requestOrigin(at('127.0.0.1', { host: '[::1]:4000' }), loopback)).toBe('http://[::1]:4000');
  });

  it('never answers a host that is not a host name or address', () => {
    for (const host of ['evil.org/path', 'a b', 'x"><script>', ''])
      expect(requestOrigin(at('203.0.113.9', { host }), loopback)).toBe('http://localhost');
    expect(
      requestOrigin(
        at('127.0.0.1', { 'x-forwarded-host': 'evil.org/x', 'x-forwarded-proto': 'javascript' }),
        loopback,
      ),
    ).toBe('http://localhost');
  });
});
