/**
 * MCP over stdin/stdout with the v2 SDK's serveStdio: the opening message
 * picks the era (2026-07-28 `server/discover`, or a 2025-era `initialize`),
 * and one server instance is pinned for the connection. stdout carries only
 * MCP messages: console output is redirected to stderr while serving.
 */
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { Logger } from 'pino';
import type { McpFrontEnd } from '../mcp-server.js';
import { DEFAULT_MAX_BODY_BYTES } from '../http-guard.js';
import { StdioWire } from './stdio-wire.js';

export interface StdioOptions {
  front: McpFrontEnd;
  logger: Logger;
  shutdownTimeoutMs: number;
  stdin?: NodeJS.ReadableStream & import('node:stream').Readable;
  stdout?: NodeJS.WritableStream & import('node:stream').Writable;
  /** Longest message line accepted (default 4 MiB, like the HTTP body limit). */
  maxMessageBytes?: number;
}

export interface StdioRunning {
  close(): Promise<void>;
  /** Resolves when the server stopped: close() was called or the client closed stdin. */
  closed: Promise<void>;
}

type ConsoleMethod = 'log' | 'info' | 'debug' | 'warn' | 'dir' | 'table';

export function startStdio(options: StdioOptions): StdioRunning {
  const { front, logger } = options;
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;

  // Anything printed with console.* must not corrupt the MCP stream.
  const saved = new Map<ConsoleMethod, (...args: unknown[]) => void>();
  if (stdout === process.stdout) {
    for (const method of ['log', 'info', 'debug', 'warn', 'dir', 'table'] as ConsoleMethod[]) {
      saved.set(method, console[method] as (...args: unknown[]) => void);
      (console as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => console.error(...args);
    }
  }

  // Malformed lines get a JSON-RPC error instead of silence (see stdio-wire.ts).
  const wire = new StdioWire(stdin, stdout, options.maxMessageBytes ?? DEFAULT_MAX_BODY_BYTES);
  const handle = serveStdio(() => front.createServer({ transport: 'stdio' }, { track: true }), {
    transport: wire,
    onerror: (error) => logger.debug({ err: error.message }, 'MCP stdio error'),
  });

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | undefined;

  const close = (): Promise<void> => {
    closing ??= (async () => {
      front.beginShutdown();
      const drained = await front.drain(options.shutdownTimeoutMs);
      // Let the responses of finished calls reach stdout before the transport closes.
      await new Promise((resolve) => setImmediate(resolve));
      if (!drained) logger.warn({ activeCalls: front.activeCalls }, 'shutdown timeout: abandoning calls still running');
      await handle.close().catch(() => undefined);
      // Release stdin (the wire's 'data' listener kept it flowing), so the process can exit.
      stdin.pause();
      await front.close();
      for (const [method, fn] of saved) (console as unknown as Record<string, unknown>)[method] = fn;
      logger.info('MCP stdio server stopped');
      resolveClosed();
    })();
    return closing;
  };

  // The client closing stdin ends the session (the MCP stdio binding's rule).
  const onEnd = () => void close();
  stdin.once('end', onEnd);
  stdin.once('close', onEnd);
  logger.info('MCP server listening on stdio');
  return { close, closed };
}
