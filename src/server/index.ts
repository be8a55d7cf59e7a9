/**
 * The tapedeck MCP server: `startServer(deck, options)` serves a TapedeckApi
 * over stdio, streamable HTTP (`/mcp`) or legacy SSE (`/sse` + `/message`).
 *
 * Revisions: 2026-07-28 (per-request, `server/discover`, list_changed over
 * `subscriptions/listen`) and the 2025 era (2025-11-25, 2025-06-18, …:
 * `initialize`, sessions on HTTP, list_changed on the GET stream) with the
 * v2 SDK; the legacy SSE transport uses the v1 SDK's SSEServerTransport.
 *
 * HTTP endpoints and what guards them:
 *   /mcp | /sse + /message   Host/Origin allowlist, auth (bearer/OAuth), rate limit, body limit
 *   /.well-known/oauth-protected-resource[/mcp]   Host/Origin, rate limit (OAuth mode only)
 *   /metrics                 Host/Origin, rate limit (no auth: scrape it from loopback or an allowed host)
 *   /health, /ready          nothing (probes send the pod IP as Host)
 * Logs go to `options.logger` only (the caller points it at stderr); in stdio
 * mode console.* output is redirected to stderr so stdout carries only MCP.
 *
 * Only what the chosen transport needs is loaded: the HTTP front door (with
 * the v1 SDK for SSE, jose for OAuth) and the Prometheus metrics are imported
 * for HTTP only. Over stdio no metrics are collected: nothing could read them.
 */
import type { Logger } from 'pino';
import type { TapedeckApi } from '../app/types.js';
import { Audit } from './audit.js';
import type { OAuthOptions } from './auth.js';
import { DEFAULT_MAX_BODY_BYTES, type RateLimitOptions } from './http-guard.js';
import { McpFrontEnd } from './mcp-server.js';
import type { Metrics } from './metrics.js';
import { startStdio } from './transports/stdio.js';

export { searchCatalog, loadCatalog, findCatalogEntry, type CatalogEntry } from './catalog.js';
export { BUILTIN_TOOLS, BUILTIN_TOOL_NAMES } from './builtin-tools.js';
export type { OAuthOptions } from './auth.js';
export type { RateLimitOptions } from './http-guard.js';

export const DEFAULT_BIND_ADDRESS = '127.0.0.1:9001';
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

export interface ServerOptions {
  transport: 'stdio' | 'streamable-http' | 'sse';
  /** host:port (IPv6 as [::1]:9001); default 127.0.0.1:9001. Port 0 picks a free port. */
  bindAddress?: string;
  /** Host/Origin names accepted besides loopback (`name`, `*.domain`, or `*` for any). */
  allowedHosts?: string[];
  /** Hide the built-in tools; calls to them fail with "Built-in tools are disabled". */
  disableBuiltinTools?: boolean;
  /** Static bearer token required on the MCP endpoints (HTTP only). */
  authToken?: string;
  /** OAuth 2.1 resource server mode (HTTP only): JWT access tokens checked against the issuer's JWKS. */
  oauth?: OAuthOptions;
  /** Request body limit in bytes (default 4 MiB); larger bodies get 413 (over stdio: a JSON-RPC error per oversized line). */
  maxBodyBytes?: number;
  /** Per-client token bucket (client = JWT principal, else IP); 429 with Retry-After when empty. Off when unset. */
  rateLimit?: RateLimitOptions;
  /** How long close() waits for running calls (default 10 s). */
  shutdownTimeoutMs?: number;
  /** Install SIGTERM/SIGINT handlers that close() the server (default false: the caller handles signals). */
  handleSignals?: boolean;
  logger: Logger;
  version: string;
}

export interface RunningServer {
  /** http(s) base URL when HTTP, e.g. http://127.0.0.1:9001 (the MCP endpoint is `${url}/mcp` or `${url}/sse`). */
  url?: string;
  /** Stops accepting work, lets running calls finish (bounded), then closes every session. */
  close(): Promise<void>;
  /** Resolves once the server stopped (close() finished, or a stdio client closed stdin). */
  closed: Promise<void>;
}

/** Parses `host:port`, `[v6]:port`, `host` or `:port`. */
export function parseBindAddress(bindAddress: string): { host: string; port: number } {
  const value = bindAddress.trim();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  const match = v6 ?? /^([^:]*)(?::(\d+))?$/.exec(value);
  if (!match) throw new Error(`invalid bind address '${bindAddress}': expected host:port, e.g. 127.0.0.1:9001`);
  const host = v6 ? `[${match[1]}]` : match[1] || '127.0.0.1';
  const port = match[2] === undefined ? 9001 : Number(match[2]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port in bind address '${bindAddress}'`);
  return { host, port };
}

export async function startServer(deck: TapedeckApi, options: ServerOptions): Promise<RunningServer> {
  const logger = options.logger;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const audit = new Audit(logger.child({ audit: true }));
  const frontEnd = (metrics?: Metrics) =>
    new McpFrontEnd({ deck, version: options.version, logger, metrics, audit, disableBuiltinTools: options.disableBuiltinTools });

  let running: RunningServer;
  let metrics: Metrics | undefined;
  if (options.transport === 'stdio') {
    if (options.authToken || options.oauth) logger.warn('authentication applies to HTTP transports only; stdio is not authenticated');
    running = startStdio({ front: frontEnd(), logger, shutdownTimeoutMs, maxMessageBytes: options.maxBodyBytes });
  } else {
    const { host, port } = parseBindAddress(options.bindAddress ?? DEFAULT_BIND_ADDRESS);
    const [{ startHttp }, { Metrics }] = await Promise.all([import('./transports/http.js'), import('./metrics.js')]);
    const httpMetrics = (metrics = new Metrics(deck, { defaultMetrics: true }));
    const front = frontEnd(httpMetrics);
    try {
      running = await startHttp({
        transport: options.transport,
        host,
        port,
        front,
        deck,
        metrics: httpMetrics,
        logger,
        allowedHosts: options.allowedHosts ?? [],
        authToken: options.authToken,
        oauth: options.oauth,
        maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
        rateLimit: options.rateLimit,
        shutdownTimeoutMs,
      });
    } catch (error) {
      await front.close();
      httpMetrics.dispose();
      throw error;
    }
  }

  const inner = running;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= inner.close().finally(() => metrics?.dispose());
    return closing;
  };
  if (options.handleSignals) {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      void close();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    void inner.closed.then(() => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    });
  }
  // A stdio client closing stdin stops the server without close(): release metrics then too.
  void inner.closed.then(() => void close());
  return { url: inner.url, close, closed: inner.closed };
}
