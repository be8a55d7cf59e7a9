/**
 * Checks every HTTP request passes before it reaches MCP: Host and Origin
 * (DNS-rebinding and cross-site protection), the request body size limit, and
 * per-client rate limiting (token buckets).
 */
import type { IncomingMessage } from 'node:http';

// ------------------------------------------------------------------ Host / Origin

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** `host[:port]` (or `[v6]:port`) → lower-case hostname with IPv6 brackets; undefined when malformed. */
export function hostnameOf(hostHeader: string): string | undefined {
  const value = hostHeader.trim().toLowerCase();
  if (!value) return undefined;
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0) return undefined;
    const rest = value.slice(end + 1);
    if (rest && !/^:\d{1,5}$/.test(rest)) return undefined;
    return value.slice(0, end + 1);
  }
  const match = /^([a-z0-9.\-_]+)(?::(\d{1,5}))?$/.exec(value);
  return match ? match[1] : undefined;
}

function normaliseAllowed(entry: string): string {
  const e = entry.trim().toLowerCase();
  if (e === '*' || e.startsWith('*.')) return e;
  if (e === '::1') return '[::1]';
  return hostnameOf(e) ?? e;
}

export type GuardFailure = { status: number; reason: 'host' | 'origin'; message: string };

/** Host/Origin allowlist: loopback names always, plus `allowedHosts` (exact names, `*.domain`, or `*` for any). */
export class OriginGuard {
  private readonly exact = new Set<string>();
  private readonly suffixes: string[] = [];
  private readonly any: boolean;

  constructor(allowedHosts: string[] = []) {
    for (const name of [...LOOPBACK_NAMES, ...allowedHosts]) {
      const n = normaliseAllowed(name);
      if (n === '*') continue;
      if (n.startsWith('*.')) this.suffixes.push(n.slice(1));
      else this.exact.add(n);
    }
    this.any = allowedHosts.some((h) => h.trim() === '*');
  }

  allows(hostname: string): boolean {
    if (this.any) return true;
    return this.exact.has(hostname) || this.suffixes.some((s) => hostname.endsWith(s) && hostname.length > s.length);
  }

  /** undefined when the request may proceed. */
  check(req: IncomingMessage): GuardFailure | undefined {
    const hostHeader = req.headers.host;
    const hostname = hostHeader ? hostnameOf(hostHeader) : undefined;
    if (!hostname || !this.allows(hostname)) {
      return {
        status: 403,
        reason: 'host',
        message: `Forbidden: Host '${hostHeader ?? ''}' is not allowed. tapedeck accepts loopback names only unless started with --allowed-host <name>`,
      };
    }
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let originHost: string | undefined;
      try {
        const url = new URL(origin);
        if (url.protocol === 'http:' || url.protocol === 'https:') originHost = hostnameOf(url.host);
      } catch {
        originHost = undefined;
      }
      if (!originHost || !this.allows(originHost)) {
        return { status: 403, reason: 'origin', message: `Forbidden: Origin '${origin}' is not allowed` };
      }
    }
    return undefined;
  }
}

// ------------------------------------------------------------------ body limit

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`Request body too large: the limit is ${limit} bytes`);
  }
}

/** Reads the whole body, refusing (before reading, when Content-Length says so) anything over `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}

// ------------------------------------------------------------------ rate limit

export interface RateLimitOptions {
  /** Tokens added per second (sustained requests per second). */
  requestsPerSecond: number;
  /** Bucket size (requests allowed in a burst). */
  burst: number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

/**
 * Token buckets keyed by client (IP or token). Buckets that refilled
 * completely are forgotten, and the number of buckets is bounded.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly rate: number;
  private readonly burst: number;
  private lastSweep: number;

  constructor(options: RateLimitOptions, private readonly maxKeys = 100_000, private readonly now: () => number = () => performance.now()) {
    if (!(options.requestsPerSecond > 0) || !(options.burst >= 1)) {
      throw new Error(`invalid rate limit: requestsPerSecond must be > 0 and burst >= 1 (got ${options.requestsPerSecond}/${options.burst})`);
    }
    this.rate = options.requestsPerSecond;
    this.burst = options.burst;
    this.lastSweep = this.now();
  }

  /** Takes one token: `{ok: true}` or the seconds until one is available. */
  take(key: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const t = this.now();
    this.sweep(t);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      bucket = { tokens: this.burst, updated: t };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((t - bucket.updated) / 1000) * this.rate);
      bucket.updated = t;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.rate)) };
  }

  get size(): number {
    return this.buckets.size;
  }

  private sweep(t: number): void {
    if (t - this.lastSweep < 60_000) return;
    this.lastSweep = t;
    const fullAfterMs = (this.burst / this.rate) * 1000;
    for (const [key, bucket] of this.buckets) {
      if (t - bucket.updated >= fullAfterMs) this.buckets.delete(key);
    }
  }
}
