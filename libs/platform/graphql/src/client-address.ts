import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/** Named groups of addresses a trusted-proxy setting may use instead of spelling them out. */
const NAMED: Record<string, [string, number, 'ipv4' | 'ipv6'][]> = {
  loopback: [
    ['127.0.0.0', 8, 'ipv4'],
    ['::1', 128, 'ipv6'],
  ],
  // RFC 1918 and RFC 4193 networks (containers, cluster networks) plus loopback.
  private: [
    ['10.0.0.0', 8, 'ipv4'],
    ['172.16.0.0', 12, 'ipv4'],
    ['192.168.0.0', 16, 'ipv4'],
    ['fc00::', 7, 'ipv6'],
    ['127.0.0.0', 8, 'ipv4'],
    ['::1', 128, 'ipv6'],
  ],
};

/**
 * The proxies whose `X-Forwarded-For` is believed: `loopback`, `private`, addresses (`10.0.3.7`)
 * and networks (`10.0.0.0/8`, `fd00::/8`). Empty — the default — believes nobody: the client is
 * whoever opened the connection, and a forwarded-for header anyone can write changes nothing.
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const named = NAMED[entry.toLowerCase()];
      if (named) {
        for (const [net, prefix, family] of named) this.list.addSubnet(net, prefix, family);
        continue;
      }
      const [address, prefix, extra] = entry.split('/');
      const family = isIP(address ?? '');
      const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
      if (
        !address ||
        family === 0 ||
        extra !== undefined ||
        !Number.isInteger(bits) ||
        bits < 0 ||
        bits > (family === 6 ? 128 : 32)
      ) {
        throw new Error(
          `not an address, a network (a.b.c.d/n) or one of ${Object.keys(NAMED).join(', ')}: ${entry}`,
        );
      }
      this.list.addSubnet(address, bits, family === 6 ? 'ipv6' : 'ipv4');
    }
    this.empty = entries.length === 0;
  }

  has(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** A zod schema for a comma-separated trusted-proxy setting (see TrustedProxies); empty means none. */
export function trustedProxiesEnv() {
  return z
    .string()
    .optional()
    .transform((v, ctx) => {
      const entries = (v ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      try {
        return new TrustedProxies(entries);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
        return z.NEVER;
      }
    });
}

/** `::ffff:1.2.3.4` (IPv4 on an IPv6 socket) as `1.2.3.4`; anything that is not an address as undefined. */
export function normalizeAddress(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const trimmed = raw.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  const address = mapped ? mapped[1]! : trimmed;
  return isIP(address) === 0 ? undefined : address.toLowerCase();
}

/**
 * The address of the client a request comes from: the connection's peer, unless that peer is a
 * trusted proxy — then the `X-Forwarded-For` chain is walked from its end (the hop the trusted proxy
 * added) towards its start while the hops are trusted, and the first untrusted hop is the client.
 * Entries a client wrote before the first trusted proxy are never reached. An entry that is not an
 * address stops the walk at the last trusted hop.
 */
export function clientAddress(req: IncomingMessage, trusted: TrustedProxies): string {
  let current = normalizeAddress(req.socket.remoteAddress) ?? 'unknown';
  if (trusted.empty || !trusted.has(current)) return current;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeAddress(hops[i]);
    if (!hop) return current;
    current = hop;
    if (!trusted.has(hop)) return hop;
  }
  return current;
}

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

const firstValue = (value: string | string[] | undefined): string | undefined =>
  (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim() || undefined;

/**
 * The origin a client addressed (`https://chief.example.org`), for absolute links such as a
 * signboard's QR code: `X-Forwarded-Proto` and `X-Forwarded-Host` when the connection's peer is a
 * trusted proxy (the gateway, a TLS proxy), else `http://` and the `Host` header. A host that is not a
 * plain host name or address (an injected value) gives `http://localhost`.
 */
export function requestOrigin(req: IncomingMessage, trusted: TrustedProxies): string {
  const peer = normalizeAddress(req.socket.remoteAddress);
  const proxied = !trusted.empty && peer !== undefined && trusted.has(peer);
  const forwardedHost = proxied ? firstValue(req.headers['x-forwarded-host']) : undefined;
  const forwardedProto = proxied ? firstValue(req.headers['x-forwarded-proto'])?.toLowerCase() : undefined;
  const host = forwardedHost ?? firstValue(req.headers.host);
  const proto = forwardedProto === 'https' ? 'https' : 'http';
  return host && HOST.test(host) ? `${proto}://${host}` : `${proto}://localhost`;
}
