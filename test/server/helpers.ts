/** Shared helpers of the MCP server tests: a real Tapedeck behind a real server, and real SDK clients. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { openDeck, repoRoot, tempDir, watComponent, type TestDeck } from '../helpers/deck.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/index.js';
import type { TapedeckOptions } from '../../src/app/tapedeck.js';

export { repoRoot };

export type Revision = '2026-07-28' | '2025-11-25' | '2025-06-18';
export const REVISIONS: Revision[] = ['2026-07-28', '2025-11-25', '2025-06-18'];

export interface ServerUnderTest extends TestDeck {
  running: RunningServer;
  /** Base URL (HTTP only). */
  url: string;
  /** The MCP endpoint (HTTP only). */
  endpoint: string;
  /** The hostile-core test component (functions add, spin, trap, grow, recurse, count), not loaded. */
  hostileCore: string;
  /** Server log records (pino JSON). */
  serverLogs: Record<string, unknown>[];
  stop(): Promise<void>;
}

export function memoryLogger(records: Record<string, unknown>[], level = 'debug') {
  return pino({ level }, { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) });
}

/** A real Tapedeck over a temp directory, served over HTTP on 127.0.0.1:0. */
export async function startHttpServer(
  options: Partial<Omit<ServerOptions, 'logger' | 'version'>> & { logLevel?: string } = {},
  deckOptions: Partial<TapedeckOptions> = {},
): Promise<ServerUnderTest> {
  const t = await openDeck({ watch: true, ...deckOptions });
  const hostileCore = await watComponent('hostile-core', t.dir);
  const serverLogs: Record<string, unknown>[] = [];
  const { logLevel, ...rest } = options;
  const running = await startServer(t.deck, {
    transport: 'streamable-http',
    bindAddress: '127.0.0.1:0',
    ...rest,
    logger: memoryLogger(serverLogs, logLevel ?? 'debug'),
    version: '0.0.0-test',
  });
  const url = running.url!;
  const endpoint = `${url}${rest.transport === 'sse' ? '/sse' : '/mcp'}`;
  return {
    ...t,
    running,
    url,
    endpoint,
    hostileCore,
    serverLogs,
    async stop() {
      await running.close();
      await t.close();
    },
  };
}

export interface ConnectOptions {
  revision?: Revision;
  headers?: Record<string, string>;
  /** Called with the new tool names after every notifications/tools/list_changed. */
  onToolsChanged?: (names: string[]) => void;
}

function clientFor(options: ConnectOptions): Client {
  const revision = options.revision ?? '2025-11-25';
  return new Client(
    { name: 'tapedeck-test', version: '1.0.0' },
    {
      ...(revision === '2026-07-28' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : { supportedProtocolVersions: [revision] }),
      ...(options.onToolsChanged && {
        listChanged: {
          tools: {
            debounceMs: 0,
            onChanged: (error: Error | null, tools: { name: string }[] | null) => {
              if (!error && tools) options.onToolsChanged!(tools.map((t) => t.name));
            },
          },
        },
      }),
    },
  );
}

/** An SDK client connected over streamable HTTP (`/mcp`) or SSE (`/sse`). */
export async function connectHttp(endpoint: string, options: ConnectOptions = {}): Promise<Client> {
  const client = clientFor(options);
  const requestInit = options.headers ? { headers: options.headers } : undefined;
  const transport = endpoint.endsWith('/sse')
    ? new SSEClientTransport(new URL(endpoint), { requestInit, eventSourceInit: options.headers ? { fetch: (u, init) => fetch(u, { ...init, headers: { ...(init?.headers as Record<string, string>), ...options.headers } }) } : undefined })
    : new StreamableHTTPClientTransport(new URL(endpoint), { requestInit });
  await client.connect(transport);
  return client;
}

/** How the stdio tests start tapedeck: the CLI (`bin/tapedeck run`) when it is built, else a test entry script. */
export function stdioLauncher(): 'cli' | 'fixture' {
  if (process.env.TAPEDECK_TEST_STDIO === 'fixture') return 'fixture';
  return existsSync(join(repoRoot, 'dist/src/cli/main.js')) && existsSync(join(repoRoot, 'bin/tapedeck')) ? 'cli' : 'fixture';
}

export interface StdioServer {
  dir: string;
  componentDir: string;
  secretsDir: string;
  hostileCore: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export interface StdioServerOptions {
  disableBuiltinTools?: boolean;
  /** Per-call timeout when a policy sets none. */
  timeoutMs?: number;
}

/** Directories and the command line of a stdio tapedeck (not started: clients spawn it). */
export async function stdioServer(options: StdioServerOptions = {}, launcher = stdioLauncher()): Promise<StdioServer> {
  const dir = await tempDir('tapedeck-stdio-');
  const componentDir = join(dir, 'components');
  const secretsDir = join(dir, 'secrets');
  await mkdir(componentDir, { recursive: true });
  const hostileCore = await watComponent('hostile-core', dir);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_DATA_HOME: join(dir, 'data'),
    TAPEDECK_LOG_LEVEL: 'info',
  };
  const extra: string[] = [];
  if (options.disableBuiltinTools) extra.push('--disable-builtin-tools');
  if (options.timeoutMs !== undefined) extra.push(...(launcher === 'cli' ? ['--timeout', `${options.timeoutMs}ms`] : ['--timeout-ms', String(options.timeoutMs)]));
  const args =
    launcher === 'cli'
      ? [join(repoRoot, 'bin/tapedeck'), '--component-dir', componentDir, '--secrets-dir', secretsDir, 'run', ...extra]
      : [join(repoRoot, 'dist/test/server/fixtures/stdio-server.js'), componentDir, secretsDir, ...extra];
  return {
    dir,
    componentDir,
    secretsDir,
    hostileCore,
    command: process.execPath,
    args,
    env,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** An SDK client that spawns the stdio server. `stderr` collects the server's log lines. */
export async function connectStdio(server: StdioServer, options: ConnectOptions = {}, stderr: string[] = []): Promise<{ client: Client; transport: StdioClientTransport }> {
  const client = clientFor(options);
  const transport = new StdioClientTransport({ command: server.command, args: server.args, env: server.env, stderr: 'pipe' });
  transport.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  await client.connect(transport);
  return { client, transport };
}

/** Polls `check` until it returns true (or fails after `timeoutMs`). */
export async function waitFor(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The JSON object a built-in tool returned (content[0].text), checked to equal structuredContent. */
export function builtinValue(result: unknown): Record<string, unknown> {
  const r = result as { content: { type: string; text: string }[]; structuredContent?: unknown; isError?: boolean };
  if (r.isError) throw new Error(`tool error: ${r.content.map((c) => c.text).join(' | ')}`);
  const parsed = JSON.parse(r.content[0].text) as Record<string, unknown>;
  if (JSON.stringify(parsed) !== JSON.stringify(r.structuredContent)) {
    throw new Error(`content[0].text and structuredContent differ: ${r.content[0].text} vs ${JSON.stringify(r.structuredContent)}`);
  }
  return parsed;
}

/** Text of every content item of a tool result. */
export function texts(result: unknown): string[] {
  return (result as { content: { type: string; text?: string }[] }).content.map((c) => c.text ?? `<${c.type}>`);
}

/** Runs a command and collects its output. */
export function run(command: string, args: string[], options: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
