/**
 * The HTTP front door (node:http): routes
 *   /mcp                                   streamable HTTP (2026-07-28 per request via the v2 SDK's
 *                                          createMcpHandler; 2025-era traffic in sessions, or stateless
 *                                          for a session-less non-initialize POST)
 *   /sse, /message                         legacy SSE transport (v1 SDK SSEServerTransport)
 *   /health, /ready, /metrics              liveness, readiness, Prometheus
 *   /.well-known/oauth-protected-resource  RFC 9728 metadata (OAuth mode)
 * and applies, in order: Host/Origin validation, authentication, rate
 * limiting and the body size limit. The v1 SDK (SSE) is loaded only when
 * serving SSE.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  WebStandardStreamableHTTPServerTransport,
  createMcpHandler,
  isInitializeRequest,
  isJsonContentType,
  isLegacyRequest,
  legacyStatelessFallback,
  type AuthInfo,
  type McpHttpHandler,
  type LegacyHttpHandler,
  type McpRequestContext,
  type Server,
  type Transport,
} from '@modelcontextprotocol/server';
import type { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import type { Logger } from 'pino';
import type { TapedeckApi } from '../../app/types.js';
import type { CallerInfo } from '../audit.js';
import { Authenticator, type OAuthOptions } from '../auth.js';
import { BodyTooLargeError, OriginGuard, RateLimiter, readBody, type RateLimitOptions } from '../http-guard.js';
import type { McpFrontEnd } from '../mcp-server.js';
import type { Metrics, RejectionReason } from '../metrics.js';
import { disconnectSignal, sendJson, sendJsonRpcError, sendWebResponse, toWebRequest } from './node-web.js';

export const MCP_PATH = '/mcp';
export const SSE_PATH = '/sse';
export const SSE_MESSAGE_PATH = '/message';

export interface HttpOptions {
  transport: 'streamable-http' | 'sse';
  host: string;
  port: number;
  front: McpFrontEnd;
  deck: TapedeckApi;
  metrics: Metrics;
  logger: Logger;
  allowedHosts: string[];
  authToken?: string;
  oauth?: OAuthOptions;
  maxBodyBytes: number;
  rateLimit?: RateLimitOptions;
  shutdownTimeoutMs: number;
  /** Sessions (2025-era streamable HTTP and SSE) without traffic or open stream for this long are closed. */
  sessionIdleMs?: number;
  maxSessions?: number;
}

export interface HttpRunning {
  url: string;
  address: AddressInfo;
  close(): Promise<void>;
  closed: Promise<void>;
}

interface StreamableSession {
  id?: string;
  transport: WebStandardStreamableHTTPServerTransport;
  server: Server;
  principal: string;
  lastSeen: number;
  streams: number;
}

interface SseSession {
  transport: SSEServerTransport;
  server: Server;
  principal: string;
}

interface Authenticated {
  principal: string;
  /** Whether the principal identifies a client (JWT) rather than a shared secret. */
  individual: boolean;
  authInfo?: AuthInfo;
}

const ANONYMOUS = 'anonymous';
const JSONRPC_INVALID_REQUEST = -32600;
const JSONRPC_PARSE_ERROR = -32700;
const JSONRPC_SERVER_ERROR = -32000;
const JSONRPC_INTERNAL_ERROR = -32603;

function wildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

function urlHost(host: string): string {
  if (wildcard(host)) return host.includes(':') ? '[::1]' : '127.0.0.1';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export async function startHttp(options: HttpOptions): Promise<HttpRunning> {
  const door = new HttpFrontDoor(options);
  return door.listen();
}

class HttpFrontDoor {
  private readonly logger: Logger;
  private readonly guard: OriginGuard;
  private readonly limiter?: RateLimiter;
  private auth?: Authenticator;
  private readonly httpServer: HttpServer;
  private modern?: McpHttpHandler;
  private legacyStateless?: LegacyHttpHandler;
  private readonly sessions = new Map<string, StreamableSession>();
  private readonly sseSessions = new Map<string, SseSession>();
  /** The v1 SDK's SSE transport, loaded by listen() when serving SSE. */
  private SseTransport?: typeof SSEServerTransport;
  private readonly callers = new WeakMap<Request, CallerInfo>();
  private readonly sessionIdleMs: number;
  private readonly maxSessions: number;
  private sweepTimer?: NodeJS.Timeout;
  private activeRequests = 0;
  private idleWaiters: (() => void)[] = [];
  private closing = false;
  private closePromise?: Promise<void>;
  private resolveClosed!: () => void;
  readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));

  constructor(private readonly options: HttpOptions) {
    this.logger = options.logger;
    this.guard = new OriginGuard(options.allowedHosts);
    if (options.rateLimit) this.limiter = new RateLimiter(options.rateLimit);
    this.sessionIdleMs = options.sessionIdleMs ?? 30 * 60_000;
    this.maxSessions = options.maxSessions ?? 1000;
    this.httpServer = createServer({ requestTimeout: 0, keepAliveTimeout: 5000 }, (req, res) => {
      void this.handle(req, res);
    });
    this.httpServer.on('clientError', (error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      this.logger.debug({ err: error.message }, 'HTTP client error');
    });
  }

  async listen(): Promise<HttpRunning> {
    const { host, port } = this.options;
    if (this.options.transport === 'sse') this.SseTransport = (await import('@modelcontextprotocol/sdk/server/sse.js')).SSEServerTransport;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(new Error(`cannot listen on ${host}:${port}: ${error.message}`));
      this.httpServer.once('error', onError);
      this.httpServer.listen(port, host.replace(/^\[|\]$/g, ''), () => {
        this.httpServer.off('error', onError);
        resolve();
      });
    });
    const address = this.httpServer.address() as AddressInfo;
    const url = `http://${urlHost(host)}:${address.port}`;
    const localPath = this.options.transport === 'sse' ? SSE_PATH : MCP_PATH;
    if (this.options.authToken !== undefined || this.options.oauth) {
      try {
        this.auth = new Authenticator({ token: this.options.authToken, oauth: this.options.oauth, resourceUrl: `${url}${localPath}`, logger: this.logger });
      } catch (error) {
        await new Promise<void>((resolve) => this.httpServer.close(() => resolve()));
        throw error;
      }
    }
    if (this.options.transport === 'streamable-http') {
      const factory = (ctx: McpRequestContext) => this.options.front.createServer(this.callerFor(ctx), { track: false });
      const onerror = (error: Error) => this.logger.debug({ err: error.message }, 'MCP HTTP request rejected');
      this.modern = createMcpHandler(factory, { legacy: 'reject', onerror, maxRequestBodySize: this.options.maxBodyBytes });
      this.legacyStateless = legacyStatelessFallback(factory, onerror, { maxRequestBodySize: this.options.maxBodyBytes });
      this.options.front.onChange(() => this.modern?.notify.toolsChanged());
    }
    this.sweepTimer = setInterval(() => this.sweepSessions(), Math.min(60_000, Math.max(1000, this.sessionIdleMs / 2)));
    this.sweepTimer.unref();
    this.logger.info(
      {
        url: `${url}${localPath}`,
        transport: this.options.transport,
        auth: this.auth ? (this.auth.oauthEnabled ? 'oauth' : 'bearer') : 'none',
        allowedHosts: this.options.allowedHosts,
        rateLimit: this.options.rateLimit ?? null,
      },
      'MCP server listening',
    );
    return { url, address, close: () => this.close(), closed: this.closed };
  }

  private callerFor(ctx: McpRequestContext): CallerInfo {
    const known = ctx.requestInfo ? this.callers.get(ctx.requestInfo) : undefined;
    if (known) return known;
    const principal = (ctx.authInfo?.extra?.principal as string | undefined) ?? (ctx.authInfo ? ctx.authInfo.clientId : undefined);
    return { transport: 'streamable-http', ...(principal && { principal }) };
  }

  // ------------------------------------------------------------------ request tracking

  /** Counts a request until its response is written; streams stop counting once they start. */
  private track(): () => void {
    this.activeRequests++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.activeRequests--;
      if (this.activeRequests === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    };
  }

  private requestsIdle(timeoutMs: number): Promise<boolean> {
    if (this.activeRequests === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  // ------------------------------------------------------------------ routing

  private reject(res: ServerResponse, reason: RejectionReason, status: number, message: string, headers: Record<string, string> = {}): void {
    this.options.metrics.rejection(reason);
    sendJsonRpcError(res, status, JSONRPC_SERVER_ERROR, message, headers);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const release = this.track();
    res.once('close', release);
    try {
      await this.route(req, res, release);
    } catch (error) {
      this.logger.error({ err: (error as Error).message, stack: (error as Error).stack, path: req.url }, 'HTTP request failed');
      if (!res.headersSent) sendJsonRpcError(res, 500, JSONRPC_INTERNAL_ERROR, 'Internal server error');
      else if (!res.writableEnded) res.end();
    } finally {
      if (res.writableEnded) release();
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, release: () => void): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';

    // Probes: no Host check (kubelet sends the pod IP), no auth, nothing sensitive.
    if (path === '/health' && (method === 'GET' || method === 'HEAD')) {
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    if (path === '/ready' && (method === 'GET' || method === 'HEAD')) {
      if (this.closing) sendJson(res, 503, { status: 'shutting down' });
      else sendJson(res, 200, { status: 'ready', components: this.options.deck.listComponents().length, tools: this.options.front.listTools().length });
      return;
    }

    const rejected = this.guard.check(req);
    if (rejected) {
      this.logger.warn({ reason: rejected.reason, host: req.headers.host, origin: req.headers.origin, path }, 'HTTP request refused: Host/Origin not allowed');
      this.reject(res, rejected.reason, rejected.status, rejected.message);
      return;
    }

    const wellKnown = this.auth?.metadataPaths(this.options.transport === 'sse' ? SSE_PATH : MCP_PATH) ?? [];
    if (wellKnown.includes(path)) {
      if (!this.rateLimited(req, res, this.ipKey(req))) this.serveMetadata(req, res);
      return;
    }
    if (path === '/metrics' && (method === 'GET' || method === 'HEAD')) {
      if (this.rateLimited(req, res, this.ipKey(req))) return;
      const body = await this.options.metrics.render();
      res.writeHead(200, { 'content-type': this.options.metrics.contentType });
      res.end(method === 'HEAD' ? undefined : body);
      return;
    }

    const isStreamable = this.options.transport === 'streamable-http' && path === MCP_PATH;
    const isSse = this.options.transport === 'sse' && (path === SSE_PATH || path === SSE_MESSAGE_PATH);
    if (!isStreamable && !isSse) {
      const where = this.options.transport === 'sse' ? `GET ${SSE_PATH} (messages: POST ${SSE_MESSAGE_PATH})` : `${MCP_PATH}`;
      sendJsonRpcError(res, 404, JSONRPC_SERVER_ERROR, `Not found: this tapedeck server serves MCP at ${where}`);
      return;
    }

    // Browser clients: the Origin was validated above, so it may read the answers.
    const origin = req.headers.origin;
    if (origin) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', 'mcp-session-id, mcp-protocol-version, www-authenticate');
      res.setHeader('vary', 'origin');
    }
    if (method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': isSse ? 'GET, POST' : 'GET, POST, DELETE',
        'access-control-allow-headers': 'authorization, content-type, accept, mcp-session-id, mcp-protocol-version, last-event-id',
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }

    if (this.closing) {
      this.reject(res, 'shutting-down', 503, 'tapedeck is shutting down; reconnect to another instance', { connection: 'close', 'retry-after': '1' });
      return;
    }

    const who = await this.authenticate(req, res);
    if (!who) return;
    const key = who.individual ? `principal:${who.principal}` : this.ipKey(req);
    if (this.rateLimited(req, res, key)) return;

    let body: Buffer | undefined;
    let parsed: unknown;
    if (method === 'POST') {
      if (!isJsonContentType(req.headers['content-type'] ?? '')) {
        sendJsonRpcError(res, 415, JSONRPC_INVALID_REQUEST, 'Unsupported Media Type: Content-Type must be application/json');
        return;
      }
      try {
        body = await readBody(req, this.options.maxBodyBytes);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          this.reject(res, 'body-too-large', 413, error.message, { connection: 'close' });
          req.resume();
          return;
        }
        throw error;
      }
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        sendJsonRpcError(res, 400, JSONRPC_PARSE_ERROR, 'Parse error: the request body is not valid JSON');
        return;
      }
    }

    const caller: CallerInfo = {
      transport: this.options.transport,
      ...(this.auth && { principal: who.principal }),
      ...(req.socket.remoteAddress && { client: req.socket.remoteAddress }),
    };
    if (isStreamable) await this.streamable(req, res, body, parsed, who, caller, release);
    else if (path === SSE_PATH) await this.sseConnect(req, res, who, caller, release);
    else await this.sseMessage(req, res, parsed, who);
  }

  private ipKey(req: IncomingMessage): string {
    return `ip:${req.socket.remoteAddress ?? 'unknown'}`;
  }

  private rateLimited(_req: IncomingMessage, res: ServerResponse, key: string): boolean {
    if (!this.limiter) return false;
    const taken = this.limiter.take(key);
    if (taken.ok) return false;
    this.reject(res, 'rate-limited', 429, `Too many requests: retry after ${taken.retryAfterSeconds} s`, { 'retry-after': String(taken.retryAfterSeconds) });
    return true;
  }

  private async authenticate(req: IncomingMessage, res: ServerResponse): Promise<Authenticated | undefined> {
    if (!this.auth) return { principal: ANONYMOUS, individual: false };
    const result = await this.auth.authenticate(req.headers.authorization);
    if (result.ok) {
      const individual = result.principal !== 'bearer-token';
      const authInfo: AuthInfo = { ...result.authInfo, extra: { ...result.authInfo.extra, principal: result.principal } };
      return { principal: result.principal, individual, authInfo };
    }
    // Failed attempts still spend the client's (IP) budget.
    if (this.rateLimited(req, res, this.ipKey(req))) return undefined;
    this.logger.warn({ status: result.status, error: result.error, client: req.socket.remoteAddress, path: req.url }, `HTTP request refused: ${result.description}`);
    this.options.metrics.rejection(result.status === 403 ? 'forbidden' : 'unauthorized');
    sendJson(res, result.status, { error: result.error, error_description: result.description }, result.headers);
    return undefined;
  }

  private serveMetadata(req: IncomingMessage, res: ServerResponse): void {
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, OPTIONS' };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors);
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: 'method_not_allowed' }, { allow: 'GET, OPTIONS' });
      return;
    }
    sendJson(res, 200, this.auth!.protectedResourceMetadata(), { ...cors, 'cache-control': 'max-age=3600' });
  }

  // ------------------------------------------------------------------ streamable HTTP

  private async streamable(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer | undefined,
    parsed: unknown,
    who: Authenticated,
    caller: CallerInfo,
    release: () => void,
  ): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'DELETE') {
      sendJsonRpcError(res, 405, JSONRPC_SERVER_ERROR, 'Method not allowed', { allow: 'GET, POST, DELETE' });
      return;
    }
    // A POST inside a 2025-era session is answered as JSON by the session's
    // transport, which never reads the request's signal; following the client's
    // disconnect costs an AbortController and listeners per request (~10% of a
    // warm call), so only requests whose handlers use it get one (2026-07-28
    // requests, subscriptions, streams, stateless fallbacks).
    const sessionPost = req.method === 'POST' && typeof req.headers['mcp-session-id'] === 'string';
    const signal = sessionPost ? undefined : disconnectSignal(req, res);
    const webRequest = toWebRequest(req, body, signal, req.headers.host ?? 'localhost');
    this.callers.set(webRequest, caller);
    const onStream = () => {
      release();
      return () => undefined;
    };
    const legacy = await isLegacyRequest(webRequest, parsed, { maxRequestBodySize: this.options.maxBodyBytes });
    if (!legacy) {
      const response = await this.modern!.fetch(webRequest, { parsedBody: parsed, ...(who.authInfo && { authInfo: who.authInfo }) });
      await sendWebResponse(res, response, onStream);
      return;
    }
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string' && sessionId) {
      const session = this.sessions.get(sessionId);
      if (!session || session.principal !== who.principal) {
        sendJsonRpcError(res, 404, -32001, 'Session not found: initialize a new session');
        return;
      }
      session.lastSeen = Date.now();
      const response = await session.transport.handleRequest(webRequest, { parsedBody: parsed, ...(who.authInfo && { authInfo: who.authInfo }) });
      await sendWebResponse(res, response, () => {
        release();
        session.streams++;
        return () => {
          session.streams--;
          session.lastSeen = Date.now();
        };
      });
      return;
    }
    if (req.method === 'POST' && isInitializeRequest(parsed)) {
      await this.newSession(webRequest, res, parsed, who, caller, release);
      return;
    }
    if (req.method === 'POST') {
      // A 2025-era request without a session (e.g. a plain tools/list from curl): served statelessly.
      const response = await this.legacyStateless!(webRequest, { parsedBody: parsed, ...(who.authInfo && { authInfo: who.authInfo }) });
      await sendWebResponse(res, response, onStream);
      return;
    }
    sendJsonRpcError(res, 400, JSONRPC_SERVER_ERROR, 'Bad Request: Mcp-Session-Id header is required (initialize a session first)');
  }

  private async newSession(
    webRequest: Request,
    res: ServerResponse,
    parsed: unknown,
    who: Authenticated,
    caller: CallerInfo,
    release: () => void,
  ): Promise<void> {
    if (this.sessions.size >= this.maxSessions) this.sweepSessions();
    if (this.sessions.size >= this.maxSessions) {
      sendJsonRpcError(res, 503, JSONRPC_SERVER_ERROR, 'Too many open sessions; retry later', { 'retry-after': '5' });
      return;
    }
    const sessionCaller: CallerInfo = { ...caller };
    const server = this.options.front.createServer(sessionCaller, { track: true });
    let session: StreamableSession | undefined;
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (id) => {
        sessionCaller.session = id;
        session = { id, transport, server, principal: who.principal, lastSeen: Date.now(), streams: 0 };
        this.sessions.set(id, session);
      },
      onsessionclosed: (id) => {
        this.sessions.delete(id);
      },
    });
    const previous = server.onclose;
    server.onclose = () => {
      previous?.();
      if (session?.id) this.sessions.delete(session.id);
    };
    await server.connect(transport as unknown as Transport);
    const response = await transport.handleRequest(webRequest, { parsedBody: parsed, ...(who.authInfo && { authInfo: who.authInfo }) });
    if (!session) await server.close().catch(() => undefined);
    await sendWebResponse(res, response, () => {
      release();
      return () => undefined;
    });
  }

  private sweepSessions(): void {
    const cutoff = Date.now() - this.sessionIdleMs;
    for (const [id, session] of this.sessions) {
      if (session.streams === 0 && session.lastSeen < cutoff) {
        this.sessions.delete(id);
        this.logger.debug({ session: id }, 'closing idle MCP session');
        void session.server.close().catch(() => undefined);
      }
    }
  }

  // ------------------------------------------------------------------ legacy SSE

  private async sseConnect(req: IncomingMessage, res: ServerResponse, who: Authenticated, caller: CallerInfo, release: () => void): Promise<void> {
    if (req.method !== 'GET') {
      sendJsonRpcError(res, 405, JSONRPC_SERVER_ERROR, `Method not allowed: open the SSE stream with GET ${SSE_PATH}, send messages with POST ${SSE_MESSAGE_PATH}`, {
        allow: 'GET',
      });
      return;
    }
    if (this.sseSessions.size >= this.maxSessions) {
      sendJsonRpcError(res, 503, JSONRPC_SERVER_ERROR, 'Too many open sessions; retry later', { 'retry-after': '5' });
      return;
    }
    const transport = new this.SseTransport!(SSE_MESSAGE_PATH, res);
    const id = transport.sessionId;
    const server = this.options.front.createServer({ ...caller, session: id }, { track: true });
    this.sseSessions.set(id, { transport, server, principal: who.principal });
    release();
    const keepAlive = setInterval(() => {
      if (!res.writableEnded) res.write(': keepalive\n\n');
    }, 15_000);
    keepAlive.unref();
    res.once('close', () => {
      clearInterval(keepAlive);
      this.sseSessions.delete(id);
      void server.close().catch(() => undefined);
    });
    await server.connect(transport as unknown as Transport);
    res.flushHeaders();
  }

  private async sseMessage(req: IncomingMessage, res: ServerResponse, parsed: unknown, who: Authenticated): Promise<void> {
    if (req.method !== 'POST') {
      sendJsonRpcError(res, 405, JSONRPC_SERVER_ERROR, `Method not allowed: POST messages to ${SSE_MESSAGE_PATH}?sessionId=…`, { allow: 'POST' });
      return;
    }
    const sessionId = new URL(req.url ?? '/', 'http://localhost').searchParams.get('sessionId') ?? '';
    const session = this.sseSessions.get(sessionId);
    if (!session || session.principal !== who.principal) {
      sendJsonRpcError(res, 404, -32001, `Session not found: open a new SSE stream with GET ${SSE_PATH}`);
      return;
    }
    (req as IncomingMessage & { auth?: AuthInfo }).auth = who.authInfo;
    await session.transport.handlePostMessage(req as IncomingMessage & { auth?: never }, res, parsed);
  }

  // ------------------------------------------------------------------ shutdown

  close(): Promise<void> {
    this.closePromise ??= this.shutdown();
    return this.closePromise;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    const front = this.options.front;
    front.beginShutdown();
    const stopped = new Promise<void>((resolve) => this.httpServer.close(() => resolve()));
    this.httpServer.closeIdleConnections();
    const started = Date.now();
    const budget = this.options.shutdownTimeoutMs;
    const drained = await front.drain(budget);
    // Let the finished calls' responses reach the wire.
    await new Promise((resolve) => setImmediate(resolve));
    const flushed = await this.requestsIdle(Math.max(0, budget - (Date.now() - started)));
    if (!drained || !flushed) {
      this.logger.warn({ activeCalls: front.activeCalls, activeRequests: this.activeRequests, timeoutMs: budget }, 'shutdown timeout: abandoning calls still running');
    }
    clearInterval(this.sweepTimer);
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    const sse = [...this.sseSessions.values()];
    this.sseSessions.clear();
    await Promise.all([
      ...sessions.map((s) => s.server.close().catch(() => undefined)),
      ...sse.map((s) => s.server.close().catch(() => undefined)),
      this.modern?.close().catch(() => undefined),
    ]);
    await front.close();
    this.httpServer.closeAllConnections();
    await stopped;
    this.logger.info({ drained: drained && flushed }, 'MCP HTTP server stopped');
    this.resolveClosed();
  }
}
