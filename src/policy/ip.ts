/**
 * IP literals and CIDR ranges, as bytes. Strict forms only: dotted-quad
 * decimal IPv4 (no leading zeros, no short or hex forms — host names are
 * canonicalised by `normaliseHost` before they get here) and RFC 4291 IPv6
 * text without a zone id.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface IpAddress {
  version: 4 | 6;
  bytes: number[];
}

export interface Cidr extends IpAddress {
  prefix: number;
}

export function parseIPv4(text: string): number[] | undefined {
  if (!isIPv4(text)) return undefined;
  const parts = text.split('.');
  if (parts.some((p) => p.length > 1 && p.startsWith('0'))) return undefined;
  return parts.map(Number);
}

export function parseIPv6(text: string): number[] | undefined {
  if (text.includes('%') || !isIPv6(text)) return undefined;
  let head = text;
  let tail: number[] = [];
  // A trailing dotted quad (e.g. ::ffff:10.0.0.1) stands for the last 32 bits.
  const lastColon = head.lastIndexOf(':');
  const last = head.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseIPv4(last);
    if (!v4) return undefined;
    tail = v4;
    head = head.slice(0, lastColon + 1);
    // Keep a "::" that precedes the quad; drop a single separating ":".
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const groupsWanted = (16 - tail.length) / 2;
  let groups: string[];
  const doubleColon = head.indexOf('::');
  if (doubleColon >= 0) {
    const left = head.slice(0, doubleColon).split(':').filter((g) => g !== '');
    const right = head.slice(doubleColon + 2).split(':').filter((g) => g !== '');
    const missing = groupsWanted - left.length - right.length;
    if (missing < 1) return undefined;
    groups = [...left, ...Array<string>(missing).fill('0'), ...right];
  } else {
    groups = head.split(':');
  }
  if (groups.length !== groupsWanted) return undefined;
  const bytes: number[] = [];
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    const value = parseInt(group, 16);
    bytes.push(value >> 8, value & 0xff);
  }
  return [...bytes, ...tail];
}

/** An IPv4 or IPv6 literal; IPv6 may be given in brackets. IPv4-mapped IPv6 is returned as IPv4. */
export function parseIp(text: string): IpAddress | undefined {
  const v4 = parseIPv4(text);
  if (v4) return { version: 4, bytes: v4 };
  const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const v6 = parseIPv6(inner);
  if (!v6) return undefined;
  return unmapIPv4(v6) ?? { version: 6, bytes: v6 };
}

/** `::ffff:a.b.c.d` → the IPv4 address it stands for. */
export function unmapIPv4(bytes: number[]): IpAddress | undefined {
  if (bytes.length !== 16) return undefined;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return undefined;
  if (bytes[10] !== 0xff || bytes[11] !== 0xff) return undefined;
  return { version: 4, bytes: bytes.slice(12) };
}

export type CidrResult = { cidr: Cidr } | { problem: string };

/** Parses `10.0.0.0/8` or `fd00::/8`; host bits below the prefix are ignored. */
export function parseCidr(text: string): CidrResult {
  if (typeof text !== 'string' || text.trim() === '') return { problem: 'must not be empty (e.g. "10.0.0.0/8")' };
  const slash = text.indexOf('/');
  if (slash < 0) {
    return { problem: `"${text}" needs a prefix length after "/" (e.g. "10.0.0.0/8"); for a single address use host: "${text}"` };
  }
  const address = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const v4 = parseIPv4(address);
  const v6 = v4 ? undefined : parseIPv6(address);
  if (!v4 && !v6) return { problem: `"${address}" is not an IPv4 or IPv6 address (e.g. "10.0.0.0/8" or "fd00::/8")` };
  const max = v4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
    return { problem: `the prefix length after "/" must be a number from 0 to ${max} for an IPv${v4 ? 4 : 6} range (e.g. "${v4 ? '10.0.0.0/8' : 'fd00::/8'}")` };
  }
  return { cidr: { version: v4 ? 4 : 6, bytes: (v4 ?? v6)!, prefix: Number(prefixText) } };
}

export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  if (cidr.version !== ip.version) return false;
  let bits = cidr.prefix;
  for (let i = 0; i < cidr.bytes.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((cidr.bytes[i] & mask) !== (ip.bytes[i] & mask)) return false;
  }
  return true;
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (lowercase, longest zero run compressed), without brackets. */
export function formatIp(ip: IpAddress): string {
  if (ip.version === 4) return ip.bytes.join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip.bytes[i] << 8) | ip.bytes[i + 1]);
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i > 1) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** Canonical CIDR text with host bits cleared, e.g. `10.1.2.3/8` → `10.0.0.0/8`. */
export function formatCidr(cidr: Cidr): string {
  const bytes = cidr.bytes.slice();
  let bits = cidr.prefix;
  for (let i = 0; i < bytes.length; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (0xff << (8 - bits)) & 0xff;
    bytes[i] &= mask;
  }
  return `${formatIp({ version: cidr.version, bytes })}/${cidr.prefix}`;
}
