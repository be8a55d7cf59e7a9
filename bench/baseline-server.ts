/**
 * The floor: an MCP server on the official SDK with no sandbox. Its `add`
 * and `echo` tools do in plain JS what the minimal example component does,
 * and advertise the same schemas tapedeck derives from that component, so a
 * client does the same work against both.
 *
 * It mirrors tapedeck's transport setup (src/server/transports/) with the same
 * SDK package and version (`@modelcontextprotocol/server` v2):
 * - stdio: `serveStdio` over a `StdioServerTransport`, one server per connection;
 * - streamable HTTP on node:http at /mcp: a 2026-07-28 request goes to
 *   `createMcpHandler(factory, {legacy: 'reject'})` (a server per request); a
 *   2025-era `initialize` opens a session on a `WebStandardStreamableHTTPServerTransport`
 *   with `enableJsonResponse: true`; a session-less 2025-era POST goes to
 *   `legacyStatelessFallback`.
 * What it leaves out is what tapedeck adds on top: the sandbox, argument
 * validation against WIT types, Host/Origin checks, metrics and the audit log.
 *
 * With `--worker` the tools run on a worker thread instead (a postMessage
 * round trip per call, nothing else): the floor of any design that isolates
 * tool code in worker threads on Node, which tapedeck's sandbox is.
 *
 *   node dist/bench/baseline-server.js --stdio [--worker]
 *   node dist/bench/baseline-server.js --http [--port 0] [--worker]    (prints "listening <url>")
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import {
  Server,
  WebStandardStreamableHTTPServerTransport,
  createMcpHandler,
  isInitializeRequest,
  isLegacyRequest,
  legacyStatelessFallback,
  type CallToolResult,
  type Tool,
  type Transport,
} from '@modelcontextprotocol/server';

const U32 = { type: 'integer', minimum: 0, maximum: 4294967295 } as const;

/** Exactly what tapedeck lists for examples/minimal (add, echo). */
export const BASELINE_TOOLS: Tool[] = [
  {
    name: 'add',
    description: 'Adds two unsigned 32-bit integers (wrapping on overflow).',
    inputSchema: { type: 'object', properties: { a: U32, b: U32 }, required: ['a', 'b'], additionalProperties: false },
    outputSchema: { type: 'object', properties: { result: U32 }, required: ['result'] },
  },
  {
    name: 'echo',
    description: 'Returns its argument unchanged.',
    inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false },
    outputSchema: { type: 'object', properties: { result: { type: 'string' } }, required: ['result'] },
  },
];
const OUTPUT_SCHEMAS = new Map(BASELINE_TOOLS.map((t) => [t.name, t.outputSchema as Record<string, unknown>]));

function isU32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 4294967295;
}

function error(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/** The tools' work in plain JS, with the minimal input checks any server would make. */
export function callBaselineTool(name: string, args: Record<string, unknown> | undefined): CallToolResult {
  const a = args ?? {};
  if (name === 'add') {
    if (!isU32(a.a) || !isU32(a.b)) return error('Error: a and b must be unsigned 32-bit integers');
    const result = (a.a + a.b) >>> 0;
    return { content: [{ type: 'text', text: String(result) }], structuredContent: { result } };
  }
  if (name === 'echo') {
    if (typeof a.text !== 'string') return error('Error: text must be a string');
    return { content: [{ type: 'text', text: a.text }], structuredContent: { result: a.text } };
  }
  return error(`Error: Tool '${name}' not found`);
}

type ToolRunner = (name: string, args: Record<string, unknown> | undefined) => CallToolResult | Promise<CallToolResult>;

/** Runs the tools on one worker thread: the same work plus a postMessage round trip. */
export function workerRunner(): { run: ToolRunner; close(): Promise<number> } {
  const source = `
    const { parentPort } = require('node:worker_threads');
    const run = ${callBaselineToolSource};
    parentPort.on('message', (m) => parentPort.postMessage({ id: m.id, result: run(m.name, m.args) }));
  `;
  const worker = new Worker(source, { eval: true });
  worker.unref();
  const pending = new Map<number, (result: CallToolResult) => void>();
  let nextId = 1;
  worker.on('message', (m: { id: number; result: CallToolResult }) => {
    const resolve = pending.get(m.id);
    pending.delete(m.id);
    resolve?.(m.result);
  });
  return {
    run: (name, args) =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        worker.postMessage({ id, name, args });
      }),
    close: () => worker.terminate(),
  };
}

/** callBaselineTool as self-contained source for the worker (no imports, no closures). */
const callBaselineToolSource = `function (name, a) {
  a = a || {};
  const isU32 = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 4294967295;
  const error = (text) => ({ content: [{ type: 'text', text }], isError: true });
  if (name === 'add') {
    if (!isU32(a.a) || !isU32(a.b)) return error('Error: a and b must be unsigned 32-bit integers');
    const result = (a.a + a.b) >>> 0;
    return { content: [{ type: 'text', text: String(result) }], structuredContent: { result } };
  }
  if (name === 'echo') {
    if (typeof a.text !== 'string') return error('Error: text must be a string');
    return { content: [{ type: 'text', text: a.text }], structuredContent: { result: a.text } };
  }
  return error("Error: Tool '" + name + "' not found");
}`;

export function createBaselineServer(run: ToolRunner = callBaselineTool): Server {
  const server = new Server({ name: 'baseline', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
  server.setRequestHandler('tools/list', async () => ({ tools: BASELINE_TOOLS }));
  server.setRequestHandler('tools/call', async (request) => {
    const name = request.params.name;
    const result = await run(name, request.params.arguments);
    return server.projectCallToolResult(result, result.isError ? undefined : OUTPUT_SCHEMAS.get(name));
  });
  return server;
}

// ------------------------------------------------------------------ stdio

async function serveStdioBaseline(run: ToolRunner): Promise<void> {
  const { StdioServerTransport, serveStdio } = await import('@modelcontextprotocol/server/stdio');
  const handle = serveStdio(() => createBaselineServer(run), { transport: new StdioServerTransport(process.stdin, process.stdout) });
  const stop = () => void handle.close().finally(() => process.exit(0));
  process.stdin.once('end', stop);
  process.stdin.once('close', stop);
}

// ------------------------------------------------------------------ streamable HTTP

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function toWebRequest(req: IncomingMessage, body: Buffer | undefined): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const init: RequestInit = { method: req.method, headers };
  if (body !== undefined) init.body = new Uint8Array(body) as Uint8Array<ArrayBuffer>;
  return new Request(new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`), init);
}

async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  if (response.body && (response.headers.get('content-type') ?? '').includes('text/event-stream')) {
    res.writeHead(response.status, headers);
    const reader = response.body.getReader();
    res.once('close', () => void reader.cancel().catch(() => undefined));
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || res.destroyed) break;
        res.write(value);
      }
    } catch {
      // cancelled
    }
    if (!res.destroyed) res.end();
    return;
  }
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
  if (body) headers['content-length'] = String(body.length);
  res.writeHead(response.status, headers);
  res.end(body);
}

function jsonError(res: ServerResponse, status: number, message: string): void {
  const text = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startBaselineHttp(port = 0, host = '127.0.0.1', run: ToolRunner = callBaselineTool): Promise<{ url: string; close(): Promise<void> }> {
  const onerror = () => undefined;
  const modern = createMcpHandler(() => createBaselineServer(run), { legacy: 'reject', onerror });
  const stateless = legacyStatelessFallback(() => createBaselineServer(run), onerror);
  const sessions = new Map<string, { transport: WebStandardStreamableHTTPServerTransport; server: Server }>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if ((req.url ?? '/').split('?')[0] !== '/mcp') return jsonError(res, 404, 'Not found');
    let body: Buffer | undefined;
    let parsed: unknown;
    if (req.method === 'POST') {
      body = await readBody(req);
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return jsonError(res, 400, 'Parse error');
      }
    }
    const request = toWebRequest(req, body);
    if (!(await isLegacyRequest(request, parsed))) {
      return sendWebResponse(res, await modern.fetch(request, { parsedBody: parsed }));
    }
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string' && sessionId) {
      const session = sessions.get(sessionId);
      if (!session) return jsonError(res, 404, 'Session not found');
      return sendWebResponse(res, await session.transport.handleRequest(request, { parsedBody: parsed }));
    }
    if (req.method === 'POST' && isInitializeRequest(parsed)) {
      const server = createBaselineServer(run);
      const transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: true,
        onsessioninitialized: (id) => void sessions.set(id, { transport, server }),
        onsessionclosed: (id) => void sessions.delete(id),
      });
      await server.connect(transport as unknown as Transport);
      return sendWebResponse(res, await transport.handleRequest(request, { parsedBody: parsed }));
    }
    if (req.method === 'POST') return sendWebResponse(res, await stateless(request, { parsedBody: parsed }));
    return jsonError(res, 400, 'Mcp-Session-Id header is required');
  };

  const http = createServer({ requestTimeout: 0, keepAliveTimeout: 5000 }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) jsonError(res, 500, String((err as Error)?.message ?? err));
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => resolve());
  });
  const address = http.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}/mcp`,
    async close() {
      await Promise.all([...sessions.values()].map((s) => s.server.close().catch(() => undefined)));
      await modern.close().catch(() => undefined);
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

async function main(argv: string[]): Promise<void> {
  const run = argv.includes('--worker') ? workerRunner().run : callBaselineTool;
  if (argv.includes('--stdio')) return serveStdioBaseline(run);
  if (argv.includes('--http')) {
    const i = argv.indexOf('--port');
    const running = await startBaselineHttp(i >= 0 ? Number(argv[i + 1]) : 0, '127.0.0.1', run);
    process.stdout.write(`listening ${running.url}\n`);
    const stop = () => void running.close().finally(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return;
  }
  process.stderr.write('usage: baseline-server.js --stdio | --http [--port N] [--worker]\n');
  process.exit(2);
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.slice(2));
