import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';

/**
 * Which destinations an outbound request (HTTP targets, later hooks) may reach. Only public
 * unicast addresses are reachable by default; loopback, private, link-local (cloud metadata
 * at 169.254.169.254), CGNAT, unique-local IPv6 and the other special ranges are refused
 * unless the operator lists the host name, address or CIDR in CRONY_ALLOWED_TARGET_HOSTS.
 */
export class TargetPolicy {
  private readonly hosts = new Set<string>();
  private readonly cidrs: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];

  constructor(allowList: readonly string[]) {
    for (const entry of allowList) {
      const e = entry
        .trim()
        .toLowerCase()
        .replace(/^\[|\]$/g, '');
      if (!e) continue;
      if (e.includes('/')) this.cidrs.push(ipaddr.parseCIDR(e));
      else if (ipaddr.isValid(e))
        this.cidrs.push([normalize(ipaddr.parse(e)), normalize(ipaddr.parse(e)).kind() === 'ipv4' ? 32 : 128]);
      else this.hosts.add(e);
    }
  }

  /** True when the host name itself is allow-listed (then any address it resolves to is fine). */
  hostAllowed(hostname: string): boolean {
    return this.hosts.has(stripBrackets(hostname).toLowerCase());
  }

  /** Null when the address may be reached; otherwise why not. */
  refuseAddress(address: string): string | null {
    if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
    const ip = normalize(ipaddr.parse(address));
    for (const [net, bits] of this.cidrs) {
      if (net.kind() === ip.kind() && ip.match(net, bits)) return null;
    }
    const range = ip.range();
    // ::a.b.c.d (IPv4-compatible, deprecated) is "unicast" to ipaddr.js but may reach the
    // embedded IPv4 address on some stacks; nothing legitimate uses it.
    if (range === 'unicast' && ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).parts.slice(0, 6).every((p) => p === 0)) {
      return `${address} is an IPv4-compatible IPv6 address; an operator can allow it with CRONY_ALLOWED_TARGET_HOSTS`;
    }
    if (range === 'unicast') return null;
    return `${address} is a ${range} address; an operator can allow it with CRONY_ALLOWED_TARGET_HOSTS`;
  }

  /** Checks what can be known without DNS: the scheme, and the host when it is a literal address. */
  refuseUrl(raw: string): string | null {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return 'is not a URL';
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https';
    const host = stripBrackets(url.hostname);
    if (this.hostAllowed(host)) return null;
    if (host === 'localhost' || host.endsWith('.localhost')) {
      return `${host} is loopback; an operator can allow it with CRONY_ALLOWED_TARGET_HOSTS`;
    }
    return isIP(host) ? this.refuseAddress(host) : null;
  }
}

function stripBrackets(host: string): string {
  return host.replace(/^\[|\]$/g, '');
}

function normalize(ip: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address() : ip;
}
