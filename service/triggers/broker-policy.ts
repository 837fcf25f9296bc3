/**
 * Where a tenant-broker trigger may connect. Its broker_url is a request the service makes on
 * the tenant's behalf, so the host is resolved here and EVERY address it resolves to is
 * checked; the connection then goes to the checked address (never to the name again, so DNS
 * cannot answer differently between check and connect), on every (re)connect.
 *
 * Refused: loopback, link-local, unspecified, multicast and reserved addresses; any address of
 * this host's interfaces; the service's own brokers (work queue, OpenStack notification bus)
 * by address:port; the operator's deny-list. The operator's allow-list (`address:port`)
 * exempts an endpoint from the address rules, but never from the deny-list, and a tenant never
 * reaches a vhost of the service's own brokers on an allow-listed endpoint (the same broker may
 * answer there under another address).
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { unescape } from 'node:querystring';
import type { Config } from '../config.js';

export interface BrokerPolicyOptions {
  /** `address:port`, normalized (config.ts). */
  allow: readonly string[];
  /** Addresses, CIDR ranges, host names (config.ts). */
  deny: readonly string[];
  /** The service's own broker URLs (its queue URL, its notification bus), when amqp. */
  serviceBrokers: readonly string[];
  /** Refuse private ranges too (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7): for URLs the service calls, not brokers. */
  refusePrivate?: boolean;
}

/** The URL names an endpoint the service does not connect to for tenants. */
export class BrokerRefused extends Error {
  override readonly name = 'BrokerRefused';
  constructor() {
    super(
      'the broker address is not allowed: loopback, link-local, multicast and unspecified addresses, this service’s own hosts and brokers, and addresses the operator denies are refused',
    );
  }
}

/** The host name does not resolve (now). */
export class BrokerUnresolved extends Error {
  override readonly name = 'BrokerUnresolved';
}

/** Where to connect: the URL with the checked address in place of the host name. */
export interface BrokerTarget {
  url: string;
  /** The original host name, for TLS (SNI and certificate check); absent for an IP literal. */
  servername?: string;
}

interface Endpoint {
  host: string;
  port: number;
  vhost: string;
}

const ALWAYS_REFUSED = (() => {
  const b = new BlockList();
  b.addSubnet('0.0.0.0', 8, 'ipv4'); // "this network", unspecified
  b.addSubnet('127.0.0.0', 8, 'ipv4');
  b.addSubnet('169.254.0.0', 16, 'ipv4');
  b.addSubnet('224.0.0.0', 4, 'ipv4'); // multicast
  b.addSubnet('240.0.0.0', 4, 'ipv4'); // reserved, broadcast
  b.addSubnet('::', 96, 'ipv6'); // unspecified, loopback, IPv4-compatible
  b.addSubnet('fe80::', 10, 'ipv6');
  b.addSubnet('fec0::', 10, 'ipv6'); // site-local (deprecated)
  b.addSubnet('ff00::', 8, 'ipv6');
  return b;
})();

const PRIVATE = (() => {
  const b = new BlockList();
  b.addSubnet('10.0.0.0', 8, 'ipv4');
  b.addSubnet('172.16.0.0', 12, 'ipv4');
  b.addSubnet('192.168.0.0', 16, 'ipv4');
  b.addSubnet('100.64.0.0', 10, 'ipv4'); // carrier-grade NAT
  b.addSubnet('fc00::', 7, 'ipv6'); // unique local (fd00:ec2::254 is a metadata address)
  return b;
})();

export class BrokerPolicy {
  private readonly allow: ReadonlySet<string>;
  private readonly refusePrivate: boolean;
  private readonly denyNets = new BlockList();
  private readonly denyNames: ReadonlySet<string>;
  private readonly services: Endpoint[];

  constructor(options: BrokerPolicyOptions) {
    this.allow = new Set(options.allow);
    this.refusePrivate = options.refusePrivate ?? false;
    const names = new Set<string>();
    for (const entry of options.deny) {
      const [address, bits] = entry.split('/');
      const family = isIP(address!) === 6 ? 'ipv6' : 'ipv4';
      if (bits !== undefined) this.denyNets.addSubnet(address!, Number(bits), family);
      else if (isIP(entry)) this.denyNets.addAddress(entry, family);
      else names.add(entry);
    }
    this.denyNames = names;
    this.services = options.serviceBrokers.filter((u) => /^amqps?:\/\//.test(u)).map(endpointOf);
  }

  /**
   * Resolves and checks the URL's host; throws BrokerRefused (some address is refused) or
   * BrokerUnresolved. The URL must already be a valid amqp(s) URL (kind-amqp.ts).
   */
  async target(rawUrl: string): Promise<BrokerTarget> {
    const u = new URL(rawUrl);
    const { host, port, vhost } = endpointOf(rawUrl);
    if (this.denyNames.has(host)) throw new BrokerRefused();
    const addresses = await resolveAll(host);
    const serviceAddresses = await this.serviceAddresses();
    const ownAddresses = interfaceAddresses();
    for (const raw of addresses) {
      const address = plainAddress(raw);
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (this.denyNets.check(address, family)) throw new BrokerRefused();
      if (this.allow.has(`${address}:${port}`)) {
        if (u.protocol.startsWith('amqp') && this.services.some((s) => s.vhost === vhost)) throw new BrokerRefused();
        continue;
      }
      if (ALWAYS_REFUSED.check(address, family) || ownAddresses.has(address) || serviceAddresses.has(`${address}:${port}`)) throw new BrokerRefused();
      if (this.refusePrivate && PRIVATE.check(address, family)) throw new BrokerRefused();
    }
    const first = plainAddress(addresses[0]!);
    u.hostname = isIP(first) === 6 ? `[${first}]` : first;
    u.port = String(port);
    return { url: u.toString(), ...(isIP(host) ? {} : { servername: host }) };
  }

  /** address:port of the service's brokers, resolved now (a name that does not resolve adds nothing). */
  private async serviceAddresses(): Promise<Set<string>> {
    const out = new Set<string>();
    for (const s of this.services) {
      const addresses = await resolveAll(s.host).catch(() => [] as string[]);
      for (const a of addresses) out.add(`${plainAddress(a)}:${s.port}`);
    }
    return out;
  }
}

const DEFAULT_PORTS: Record<string, number> = { 'amqp:': 5672, 'amqps:': 5671, 'http:': 80, 'https:': 443 };

/** Host (lower case, no brackets), port (default by scheme) and vhost exactly as amqplib reads them. */
function endpointOf(url: string): Endpoint {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  const port = u.port ? Number(u.port) : (DEFAULT_PORTS[u.protocol] ?? 5672);
  const path = u.pathname ? u.pathname.slice(1) : '';
  return { host, port, vhost: path ? unescape(path) : '/' };
}

/** Every address the name resolves to, as the connection would (getaddrinfo: 127.1, 0x7f.1, hosts file…). */
async function resolveAll(host: string): Promise<string[]> {
  if (isIP(host)) return [host];
  try {
    const found = await lookup(host, { all: true, verbatim: true });
    if (found.length === 0) throw new BrokerUnresolved(`${host} does not resolve`);
    return found.map((a) => a.address);
  } catch (err) {
    if (err instanceof BrokerUnresolved) throw err;
    throw new BrokerUnresolved(`${host} does not resolve`);
  }
}

/** Lower case, without a zone; an IPv4-mapped or NAT64 IPv6 address as the IPv4 address it carries. */
function plainAddress(address: string): string {
  const a = address.toLowerCase().replace(/%.*$/, '');
  const mapped = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return mapped[1]!;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (hex) {
    const hi = parseInt(hex[1]!, 16);
    const lo = parseInt(hex[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return a;
}

/** The addresses of this host's interfaces, read at each check (interfaces come and go). */
function interfaceAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) out.add(plainAddress(i.address));
  return out;
}

/**
 * The policy for URLs the service POSTs to for tenants (outcome destinations): the broker
 * rules plus private ranges, with the operator's destination allow-list and deny-list.
 */
export function urlPolicyOf(config: Readonly<Config>): BrokerPolicy {
  return new BrokerPolicy({
    allow: config.destinations.urlAllow,
    deny: config.triggers.brokerDeny,
    serviceBrokers: [config.queueUrl, config.osNotificationsUrl ?? ''],
    refusePrivate: true,
  });
}

/** The policy this service's configuration sets. */
export function brokerPolicyOf(config: Readonly<Config>): BrokerPolicy {
  return new BrokerPolicy({
    allow: config.triggers.brokerAllow,
    deny: config.triggers.brokerDeny,
    serviceBrokers: [config.queueUrl, config.osNotificationsUrl ?? ''],
  });
}
