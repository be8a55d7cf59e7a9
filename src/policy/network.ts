/**
 * Network rules: which outgoing requests a policy allows.
 *
 * A request is `{scheme, host, port?}` (port absent = the scheme's default).
 * It is allowed when some `permissions.network.allow` entry matches; deny
 * lists are not consulted (Wassette ignores them too, and its sample policies
 * pair allow entries with a catch-all deny such as `cidr: 0.0.0.0/0`).
 *
 * Hosts (request and entry alike) are compared in canonical form: lowercase,
 * one trailing dot ignored, IDN converted to punycode, IPv4 written as a
 * dotted quad (so `127.1`, `0x7f.0.0.1` and `2130706433` are `127.0.0.1`, as
 * an HTTP client would read them), IPv6 compressed in brackets, IPv4-mapped
 * IPv6 (`[::ffff:10.0.0.1]`) as the IPv4 address. A host that is empty, longer
 * than 253 characters, has a label longer than 63, contains user info (`@`),
 * whitespace, control characters, `/ \ ? # %`, or is otherwise not a host name
 * or IP literal is never allowed, whatever the policy says (even `*`).
 *
 * Entry forms (`host:`):
 * - `*` — everything (any host, scheme, port).
 * - `api.example.com` — exactly that host (not its subdomains).
 * - `*.example.com` — any subdomain at any depth (`a.example.com`,
 *   `a.b.example.com`), NOT `example.com` itself and not `evilexample.com`;
 *   never an IP literal. The wildcard may only be a leading `*.` of the whole
 *   entry (so no scheme in front of it: Wassette's rule).
 * - `10.0.0.1`, `[::1]`, `::1` — exactly that IP literal. Names never match an
 *   IP entry and IP literals never match a name entry.
 * - `https://api.example.com` — also requires that scheme; a trailing `/` or
 *   path is accepted and ignored (paths are not matched).
 * - any of the host forms above with `:port`, e.g. `api.example.com:8443`,
 *   `[::1]:8080`, `https://api.example.com:8443/`.
 * - `cidr: 10.0.0.0/8` / `cidr: fd00::/8` — IP-literal hosts inside the range,
 *   any scheme and any port (a network range, like a firewall rule); names
 *   never match a CIDR entry (no DNS lookups are made).
 *
 * THE PORT RULE: an entry without a port allows only the default port of the
 * request's scheme (http/ws: 80, https/wss: 443) — so `api.example.com`
 * allows `http://api.example.com` and `https://api.example.com` but not
 * `https://api.example.com:8443` nor `http://api.example.com:443`. An entry
 * with a port allows exactly that port (with any scheme unless the entry has
 * one). A request with an explicit default port (`https://x:443`) is the same
 * as one without. For a scheme with no known default port, a request without
 * a port matches port-less entries and a request with a port needs an entry
 * with that port. `networkGrantFor()` gives the entry to grant for a request
 * under this rule (`host`, or `host:port` for a non-default port).
 */
import { cidrContains, formatCidr, formatIp, parseCidr, parseIp, parseIPv6, type Cidr, type IpAddress } from './ip.js';
import { isCidrPermission, isHostPermission, type NetworkPermission, type Policy } from './types.js';

export interface NetworkRequest {
  /** `http`, `https` (a trailing `:` as in `URL.protocol` is accepted). */
  scheme: string;
  /** Host name or IP literal; IPv6 with or without brackets. */
  host: string;
  /** Absent means the scheme's default port. */
  port?: number;
}

export type NetworkDecision = { allowed: true; rule: string } | { allowed: false };

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ws: 80, wss: 443 };

export function defaultPort(scheme: string): number | undefined {
  return DEFAULT_PORTS[normaliseScheme(scheme)];
}

function normaliseScheme(scheme: string): string {
  return String(scheme ?? '').trim().toLowerCase().replace(/:$/, '');
}

// ------------------------------------------------------------------ hosts

export type HostAnalysis = { host: string; ip?: IpAddress } | { problem: string };

/**
 * Canonical form of a host (see the top of this file), with why it is
 * invalid otherwise. IPv6 comes back in brackets (`[::1]`), as in
 * `URL.hostname`.
 */
export function analyseHost(input: string): HostAnalysis {
  if (typeof input !== 'string' || input === '') return { problem: 'is empty' };
  if (input.length > 256) return { problem: 'is longer than 253 characters' };
  if (/[\s\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/u.test(input)) return { problem: 'contains whitespace or control characters' };
  if (input.includes('@')) return { problem: 'contains user info ("user@"); give only the host' };
  const forbidden = /[/\\?#%*]/.exec(input);
  if (forbidden) return { problem: `contains "${forbidden[0]}", which is not allowed in a host name` };

  let text = input;
  if (text.startsWith('[') || text.includes(':')) {
    const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
    const bytes = parseIPv6(inner);
    if (!bytes) {
      if (text.startsWith('[')) return { problem: 'is not an IPv6 address' };
      return { problem: 'contains ":"; a port goes in a separate field (grants take "host:port") and IPv6 addresses need brackets' };
    }
    const ip = parseIp(inner)!;
    return { host: ip.version === 6 ? `[${formatIp(ip)}]` : formatIp(ip), ip };
  }

  // Ignore one trailing dot: "example.com." is "example.com".
  if (text.endsWith('.')) text = text.slice(0, -1);
  if (text === '' || text.startsWith('.') || text.endsWith('.') || text.includes('..')) {
    return { problem: 'has an empty label (a leading dot, ".." or more than one trailing dot)' };
  }
  // WHATWG host parsing: IDN → punycode, lowercase, legacy IPv4 forms → dotted quad.
  let ascii: string;
  try {
    ascii = new URL(`http://${text}/`).hostname;
  } catch {
    return { problem: 'is not a valid host name or IP address' };
  }
  const ip = parseIp(ascii);
  if (ip) return { host: formatIp(ip), ip };
  if (ascii.length > 253) return { problem: 'is longer than 253 characters' };
  for (const label of ascii.split('.')) {
    if (label === '') return { problem: 'has an empty label' };
    if (label.length > 63) return { problem: 'has a label longer than 63 characters' };
    if (!/^[a-z0-9_-]+$/.test(label)) return { problem: 'contains characters that are not allowed in a host name' };
  }
  return { host: ascii };
}

/** Canonical form of a host, or undefined when it is not a valid host (and so never allowed). */
export function normaliseHost(host: string): string | undefined {
  const result = analyseHost(host);
  return 'host' in result ? result.host : undefined;
}

// ---------------------------------------------------------------- entries

export type HostRule =
  | { kind: 'any' }
  | { kind: 'exact'; host: string; ip?: IpAddress; scheme?: string; port?: number }
  | { kind: 'wildcard'; suffix: string; scheme?: string; port?: number };

export type HostRuleResult = { rule: HostRule } | { problem: string };

const WILDCARD_EXAMPLE = '(e.g. "*.example.com")';

/** Parses a `host:` entry (also the argument of `grant network`). */
export function parseHostRule(entry: string): HostRuleResult {
  if (typeof entry !== 'string' || entry.trim() === '') return { problem: 'must not be empty (e.g. "api.example.com")' };
  if (/[\s\u0000-\u001f\u007f-\u009f]/u.test(entry)) return { problem: 'must not contain whitespace or control characters' };

  // Wassette's wildcard rule, on the whole entry.
  const stars = entry.split('*').length - 1;
  if (stars > 1) return { problem: `only one wildcard is allowed, as a leading "*." ${WILDCARD_EXAMPLE}` };
  if (stars === 1 && entry !== '*' && !entry.startsWith('*.')) {
    return { problem: `a wildcard is only allowed as a leading "*." ${WILDCARD_EXAMPLE}` };
  }
  if (entry === '*') return { rule: { kind: 'any' } };

  let rest = entry;
  let scheme: string | undefined;
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(rest);
  if (schemeMatch) {
    scheme = schemeMatch[1].toLowerCase();
    rest = rest.slice(schemeMatch[0].length);
    // Paths, queries and fragments are not matched: ignore them.
    rest = rest.split(/[/?#]/, 1)[0];
  } else if (rest.includes('://')) {
    return { problem: `"${entry}" has an invalid scheme; write e.g. "https://api.example.com"` };
  } else if (/[/?#]/.test(rest)) {
    if (rest.includes('/') && 'cidr' in parseCidr(rest)) {
      return { problem: `"${entry}" is an address range; write it as a CIDR entry: cidr: "${rest}"` };
    }
    return { problem: `a host without a scheme cannot have a path; write just the host (e.g. "api.example.com") or a URL (e.g. "https://api.example.com/")` };
  }
  if (rest === '') return { problem: `"${entry}" has no host; write e.g. "https://api.example.com"` };
  if (rest.includes('@')) return { problem: `must not contain user info ("user@"); write just the host (e.g. "api.example.com")` };

  let wildcard = false;
  if (rest.startsWith('*.')) {
    wildcard = true;
    rest = rest.slice(2);
    if (rest === '' || rest.endsWith('.') || rest.startsWith(':')) {
      return { problem: `needs a domain name after "*." ${WILDCARD_EXAMPLE}` };
    }
  }

  // Split host and port.
  let hostText = rest;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return { problem: `"${entry}" has an unclosed "["; write an IPv6 address as "[::1]" or "[::1]:8080"` };
    hostText = rest.slice(0, close + 1);
    const after = rest.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) return { problem: `unexpected "${after}" after "${hostText}"; write e.g. "[::1]:8080"` };
      portText = after.slice(1);
    }
  } else if (!scheme && parseIPv6(rest)) {
    hostText = rest; // bare IPv6, no port
  } else {
    const colons = rest.split(':').length - 1;
    if (colons > 1) return { problem: `an IPv6 address with a port must be in brackets (e.g. "[::1]:8080")` };
    if (colons === 1) [hostText, portText] = rest.split(':');
  }

  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      return { problem: `the port "${portText}" must be a number from 1 to 65535 (e.g. "api.example.com:8443")` };
    }
    port = Number(portText);
    // "https://x:443" is "https://x".
    if (scheme && DEFAULT_PORTS[scheme] === port) port = undefined;
  }

  const analysed = analyseHost(hostText);
  if ('problem' in analysed) return { problem: `the host "${hostText}" ${analysed.problem}` };
  if (wildcard) {
    if (analysed.ip) return { problem: `a wildcard needs a domain name after "*." ${WILDCARD_EXAMPLE}, not an IP address; use cidr: for address ranges` };
    return { rule: { kind: 'wildcard', suffix: analysed.host, scheme, port } };
  }
  return { rule: { kind: 'exact', host: analysed.host, ip: analysed.ip, scheme, port } };
}

/** Canonical text of a host rule: `https://api.example.com:8443`, `*.example.com`, `[::1]:8080`, `*`. */
export function formatHostRule(rule: HostRule): string {
  if (rule.kind === 'any') return '*';
  const host = rule.kind === 'wildcard' ? `*.${rule.suffix}` : rule.host;
  return `${rule.scheme ? `${rule.scheme}://` : ''}${host}${rule.port !== undefined ? `:${rule.port}` : ''}`;
}

/** Canonical text of a `host:` entry, or undefined when it is invalid. */
export function normaliseHostEntry(entry: string): string | undefined {
  const parsed = parseHostRule(entry);
  return 'rule' in parsed ? formatHostRule(parsed.rule) : undefined;
}

/** Why a `cidr:` entry is invalid, or undefined. */
export function cidrProblem(cidr: unknown): string | undefined {
  if (typeof cidr !== 'string') return 'must be a string such as "10.0.0.0/8"';
  const parsed = parseCidr(cidr);
  return 'problem' in parsed ? parsed.problem : undefined;
}

/** Canonical text of a CIDR (host bits cleared), or undefined when invalid. */
export function normaliseCidr(cidr: string): string | undefined {
  const parsed = parseCidr(cidr);
  return 'cidr' in parsed ? formatCidr(parsed.cidr) : undefined;
}

/** Why a `host:` entry is invalid, or undefined. */
export function hostEntryProblem(host: unknown): string | undefined {
  if (typeof host !== 'string') return 'must be a string such as "api.example.com"';
  const parsed = parseHostRule(host);
  return 'problem' in parsed ? parsed.problem : undefined;
}

// --------------------------------------------------------------- matching

type CompiledEntry =
  | { text: string; kind: 'host'; rule: HostRule }
  | { text: string; kind: 'cidr'; cidr: Cidr };

export type NetworkMatcher = (request: NetworkRequest) => NetworkDecision;

/**
 * Compiles a policy's allow list once, for checking many requests. Invalid
 * entries (only possible in a hand-built policy) match nothing.
 */
export function compileNetworkRules(policy: Policy | undefined): NetworkMatcher {
  const entries: CompiledEntry[] = [];
  const allow: unknown = policy?.permissions?.network?.allow;
  for (const entry of Array.isArray(allow) ? (allow as NetworkPermission[]) : []) {
    if (!entry || typeof entry !== 'object') continue;
    if (isHostPermission(entry)) {
      const parsed = parseHostRule(entry.host);
      if ('rule' in parsed) entries.push({ text: entry.host, kind: 'host', rule: parsed.rule });
    } else if (isCidrPermission(entry)) {
      const parsed = parseCidr(entry.cidr);
      if ('cidr' in parsed) entries.push({ text: entry.cidr, kind: 'cidr', cidr: parsed.cidr });
    }
  }
  return (request) => decide(entries, request);
}

/** Whether `policy` allows `request`; when it does, `rule` is the matching entry as written. */
export function checkNetworkAccess(policy: Policy | undefined, request: NetworkRequest): NetworkDecision {
  return compileNetworkRules(policy)(request);
}

function decide(entries: CompiledEntry[], request: NetworkRequest): NetworkDecision {
  if (!request || typeof request !== 'object') return { allowed: false };
  const analysed = analyseHost(request.host);
  if ('problem' in analysed) return { allowed: false };
  const scheme = normaliseScheme(request.scheme);
  if (request.port !== undefined && !(Number.isInteger(request.port) && request.port >= 1 && request.port <= 65535)) {
    return { allowed: false };
  }
  const schemeDefault = DEFAULT_PORTS[scheme];
  const port = request.port ?? schemeDefault;
  for (const entry of entries) {
    if (entry.kind === 'cidr') {
      if (analysed.ip && cidrContains(entry.cidr, analysed.ip)) return { allowed: true, rule: entry.text };
      continue;
    }
    const rule = entry.rule;
    if (rule.kind === 'any') return { allowed: true, rule: entry.text };
    if (rule.scheme !== undefined && rule.scheme !== scheme) continue;
    if (rule.port !== undefined ? port !== rule.port : port !== schemeDefault) continue;
    if (rule.kind === 'exact') {
      if (rule.host === analysed.host) return { allowed: true, rule: entry.text };
    } else if (!analysed.ip && analysed.host.endsWith(`.${rule.suffix}`)) {
      return { allowed: true, rule: entry.text };
    }
  }
  return { allowed: false };
}

/**
 * The smallest `grant network` argument that allows `request`: the canonical
 * host, plus `:port` when the port is not the scheme's default — e.g.
 * `api.x.com`, `api.x.com:8443`, `[::1]:8080`. For a host that can never be
 * allowed (see above) it returns the host as given, lowercased, so the grant
 * fails with the reason.
 */
export function networkGrantFor(request: NetworkRequest): string {
  const host = normaliseHost(request.host) ?? String(request.host ?? '').trim().toLowerCase();
  const scheme = normaliseScheme(request.scheme);
  const port = request.port;
  if (port !== undefined && port !== DEFAULT_PORTS[scheme]) return `${host}:${port}`;
  return host;
}

export type { NetworkPermission };
