/**
 * CIDR ranges in one canonical spelling (the network address, host bits cleared, then the
 * prefix; IPv6 compressed as RFC 5952 writes it), so that a range from the configuration and
 * the same range as iptables or nft print it compare equal.
 *
 *   canonicalCidr('10.1.2.3/8')          // '10.0.0.0/8'
 *   canonicalCidr('fd00:0:0::1')         // 'fd00::1/128'
 *   canonicalCidr('not an address')      // null
 */
import { isIP } from 'node:net';

export interface Cidr {
  family: 4 | 6;
  /** The canonical spelling. */
  text: string;
}

export function canonicalCidr(raw: string): Cidr | null {
  const [address = '', bits, extra] = raw.trim().split('/');
  const family = isIP(address);
  if ((family !== 4 && family !== 6) || extra !== undefined) return null;
  const max = family === 4 ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return null;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) return null;
  const bytes = family === 4 ? address.split('.').map(Number) : ipv6Bytes(address);
  if (!bytes) return null;
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    bytes[i]! &= (0xff << (8 - keep)) & 0xff;
  }
  const network = family === 4 ? bytes.join('.') : ipv6Text(bytes);
  return { family, text: `${network}/${prefix}` };
}

/** The 16 bytes of an IPv6 address (no embedded IPv4 form), or null. */
function ipv6Bytes(address: string): number[] | null {
  if (address.includes('.')) return null;
  const [head = '', tail] = address.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const missing = 8 - h.length - t.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return null;
  const all = [...h, ...new Array<number>(missing).fill(0), ...t];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

/** RFC 5952: lower case, no leading zeros, the longest run (2 groups or more) of zeros as `::`. */
function ipv6Text(bytes: number[]): string {
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len && j - i >= 2) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}
