/**
 * HTTP plumbing on undici: one Agent per operation (extra CA certificates,
 * connect/idle timeouts), redirects followed by hand (limited, never from
 * https to http), bounded body reads that hash as they go.
 */
import { createHash } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { isIP } from 'node:net';
import { Agent, fetch, type Response } from 'undici';
import { DistributionError } from './errors.js';
import { DEFAULT_TIMEOUT_MS } from './media-types.js';

export interface TransportOptions {
  caCertificates?: string[];
  timeoutMs?: number;
  signal?: AbortSignal;
}

export type { Response };

export interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
}

/** Hostname without port or IPv6 brackets. */
export function hostnameOf(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.slice(1, hostPort.indexOf(']')).toLowerCase();
  const colon = hostPort.lastIndexOf(':');
  if (colon >= 0 && hostPort.indexOf(':') === colon) return hostPort.slice(0, colon).toLowerCase();
  return hostPort.toLowerCase();
}

export function isLoopbackHost(hostPort: string): boolean {
  const host = hostnameOf(hostPort);
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) {
    const lower = host.toLowerCase();
    return lower === '::1' || lower === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(lower);
  }
  return false;
}

/**
 * Plain HTTP is allowed only for loopback registries (127.0.0.0/8, ::1,
 * localhost) and for registries named in `insecureRegistries` (as `host` or
 * `host:port`).
 */
export function isPlainHttpAllowed(hostPort: string, insecureRegistries: readonly string[] = []): boolean {
  if (isLoopbackHost(hostPort)) return true;
  const lower = hostPort.toLowerCase();
  const host = hostnameOf(hostPort);
  return insecureRegistries.some((entry) => {
    const e = entry.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/+$/, '');
    return e === lower || e === host || (e.startsWith('[') && e === `[${host}]`);
  });
}

/** Throws unless `url` is https, or http to a host where plain HTTP is allowed. */
export function assertTransportAllowed(url: URL, insecureRegistries: readonly string[] = [], what = 'registry'): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && isPlainHttpAllowed(url.host, insecureRegistries)) return;
  if (url.protocol === 'http:') {
    throw new DistributionError(
      'insecure-registry',
      `refusing plain HTTP to ${what} ${url.host}: only loopback registries (127.0.0.0/8, ::1, localhost) may use http; ` +
        `add '${url.host}' to insecureRegistries if you really trust the network path`,
    );
  }
  throw new DistributionError('invalid-uri', `unsupported protocol '${url.protocol}' for ${url.href}`);
}

const CERT_ERROR = /CERT|UNABLE_TO_(GET|VERIFY)|SELF_SIGNED|ALTNAME/;

function describeCause(error: unknown): { code?: string; message: string } {
  let current: unknown = error;
  for (let i = 0; i < 5 && current; i++) {
    const c = current as { code?: string; message?: string; cause?: unknown };
    if (c.code && c.code !== 'UND_ERR' && typeof c.code === 'string') return { code: c.code, message: c.message ?? String(c) };
    if (!c.cause) break;
    current = c.cause;
  }
  const e = error as { message?: string; cause?: { message?: string } };
  return { message: e.cause?.message ?? e.message ?? String(error) };
}

/** Whether a fetch error is a certificate-trust failure (never a reason to fall back to http). */
export function isCertificateError(error: unknown): boolean {
  const { code } = describeCause(error);
  return !!code && CERT_ERROR.test(code);
}

export function toNetworkError(error: unknown, url: string, signal?: AbortSignal): DistributionError {
  if (error instanceof DistributionError) return error;
  if (signal?.aborted) {
    return new DistributionError('aborted', `request to ${url} was aborted`, { cause: error });
  }
  const { code, message } = describeCause(error);
  if (code && /TIMEOUT/.test(code)) {
    return new DistributionError('timeout', `timed out talking to ${url} (${code})`, { cause: error });
  }
  if (code && CERT_ERROR.test(code)) {
    return new DistributionError(
      'network-error',
      `TLS certificate of ${new URL(url).host} is not trusted (${code}: ${message}); ` +
        'pass its CA certificate with caCertificates (or NODE_EXTRA_CA_CERTS)',
      { cause: error },
    );
  }
  const reason = code === 'ECONNREFUSED' ? 'connection refused' : message;
  return new DistributionError('network-error', `cannot reach ${url}: ${reason}${code ? ` (${code})` : ''}`, {
    cause: error,
  });
}

export class Transport {
  private readonly agent: Agent;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;

  constructor(options: TransportOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.signal = options.signal;
    const ca = options.caCertificates?.length ? [...rootCertificates, ...options.caCertificates] : undefined;
    this.agent = new Agent({
      connect: { timeout: this.timeoutMs, ...(ca ? { ca } : {}) },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
  }

  /** One request, no redirect handling (`redirect: 'manual'`). */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    if (this.signal?.aborted) throw new DistributionError('aborted', `request to ${url} was aborted`);
    try {
      return await fetch(url, {
        method: init.method ?? 'GET',
        headers: init.headers,
        body: init.body,
        redirect: 'manual',
        dispatcher: this.agent,
        signal: this.signal,
      });
    } catch (error) {
      throw toNetworkError(error, url, this.signal);
    }
  }

  /**
   * Follows up to `maxRedirects` redirects. Never goes from https to http;
   * http targets must pass `allowHttp`. Authorization is dropped when the
   * origin changes (a blob redirect to a CDN must not carry registry tokens).
   */
  async fetchFollowing(
    url: string,
    init: RequestInit,
    options: { maxRedirects?: number; allowHttp?: (url: URL) => boolean } = {},
  ): Promise<{ response: Response; url: string }> {
    const maxRedirects = options.maxRedirects ?? 5;
    let current = new URL(url);
    let headers = { ...(init.headers ?? {}) };
    let method = init.method ?? 'GET';
    let body = init.body;
    for (let hop = 0; ; hop++) {
      const response = await this.fetch(current.href, { method, headers, body });
      if (![301, 302, 303, 307, 308].includes(response.status)) return { response, url: current.href };
      await discard(response);
      const location = response.headers.get('location');
      if (!location) {
        throw new DistributionError('redirect', `${current.href} answered ${response.status} without a Location header`);
      }
      if (hop >= maxRedirects) {
        throw new DistributionError('redirect', `too many redirects (more than ${maxRedirects}) starting at ${url}`);
      }
      const next = new URL(location, current);
      if (next.protocol === 'http:' && current.protocol === 'https:') {
        throw new DistributionError('redirect', `refusing redirect from https to http: ${current.href} → ${next.href}`);
      }
      if (next.protocol !== 'https:' && next.protocol !== 'http:') {
        throw new DistributionError('redirect', `refusing redirect to ${next.protocol} URL ${next.href}`);
      }
      if (next.protocol === 'http:' && !(options.allowHttp?.(next) ?? false)) {
        throw new DistributionError('redirect', `refusing redirect to plain http: ${next.href}`);
      }
      if (next.origin !== current.origin) {
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
      }
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      current = next;
    }
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}

/** Releases a response body we do not want. */
export async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    /* already consumed or errored */
  }
}

export interface ReadBodyOptions {
  /** Refuse more than this many bytes. */
  maxBytes: number;
  /** What is being read, for messages (e.g. `manifest of oci://…`). */
  what: string;
  /** Exact size expected (from a descriptor); more or fewer bytes is an error. */
  expectedSize?: number;
  /** Hash algorithm to compute while reading. */
  hashAlgorithm?: 'sha256' | 'sha512';
  onProgress?: (done: number, total?: number) => void;
  signal?: AbortSignal;
  url: string;
}

export interface BodyResult {
  bytes: Uint8Array;
  /** `<algorithm>:<hex>` when hashAlgorithm was given. */
  digest?: string;
}

export function tooLarge(what: string, size: number | string, max: number, hint = ''): DistributionError {
  return new DistributionError(
    'too-large',
    `${what} is too large: ${size} bytes, the limit is ${max} bytes${hint ? `; ${hint}` : ''}`,
  );
}

/** Reads a body, refusing more than `maxBytes`, hashing and reporting progress on the way. */
export async function readBody(response: Response, options: ReadBodyOptions): Promise<BodyResult> {
  const { maxBytes, what } = options;
  const lengthHeader = response.headers.get('content-length');
  const declared = lengthHeader !== null && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
  if (declared !== undefined && declared > maxBytes) {
    await discard(response);
    throw tooLarge(what, declared, maxBytes);
  }
  if (declared !== undefined && options.expectedSize !== undefined && declared !== options.expectedSize) {
    await discard(response);
    throw new DistributionError(
      'digest-mismatch',
      `${what}: the server sends ${declared} bytes but its descriptor declares ${options.expectedSize}; refusing it`,
    );
  }
  const total = options.expectedSize ?? declared;
  const hash = options.hashAlgorithm ? createHash(options.hashAlgorithm) : undefined;
  const chunks: Uint8Array[] = [];
  let done = 0;
  options.onProgress?.(0, total);
  if (response.body) {
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        done += chunk.byteLength;
        if (done > maxBytes) {
          await discard(response);
          throw tooLarge(what, `more than ${maxBytes}`, maxBytes);
        }
        if (options.expectedSize !== undefined && done > options.expectedSize) {
          await discard(response);
          throw new DistributionError(
            'digest-mismatch',
            `${what}: received more bytes than the ${options.expectedSize} its descriptor declares`,
          );
        }
        hash?.update(chunk);
        chunks.push(chunk);
        options.onProgress?.(done, total);
      }
    } catch (error) {
      if (error instanceof DistributionError) throw error;
      throw toNetworkError(error, options.url, options.signal);
    }
  }
  if (options.expectedSize !== undefined && done !== options.expectedSize) {
    throw new DistributionError(
      'digest-mismatch',
      `${what}: received ${done} bytes but its descriptor declares ${options.expectedSize}`,
    );
  }
  const bytes = new Uint8Array(done);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { bytes, ...(hash ? { digest: `${options.hashAlgorithm}:${hash.digest('hex')}` } : {}) };
}

export function digestOf(bytes: Uint8Array, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

export function algorithmOf(digest: string): 'sha256' | 'sha512' {
  return digest.startsWith('sha512:') ? 'sha512' : 'sha256';
}
