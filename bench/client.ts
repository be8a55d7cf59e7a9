/**
 * The one MCP client driver used against both servers: the official v2 SDK
 * client over stdio or streamable HTTP, plus the latency and throughput loops.
 */
import { setMaxListeners } from 'node:events';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { summarize, type Summary } from './stats.js';

/**
 * `legacy`: the SDK client's default (2025-11-25 `initialize`; a session on HTTP).
 * `modern`: pinned to 2026-07-28 (no session; on HTTP every request stands alone).
 */
export type Era = 'legacy' | 'modern';

// Node 20's fetch adds an abort listener per request to the transport's
// signal and removes it only when the request is garbage-collected; past 1500
// the process prints a warning per request, which would slow the client down
// mid-run. Signals created from here on get no such limit.
setMaxListeners(0);

export interface StdioEndpoint {
  kind: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** File descriptor for the server's stderr (a log file), or 'ignore'. */
  stderr?: number | 'ignore';
}

export interface HttpEndpoint {
  kind: 'http';
  /** The MCP endpoint, e.g. http://127.0.0.1:9001/mcp */
  url: string;
}

export type Endpoint = StdioEndpoint | HttpEndpoint;

export interface ToolResult {
  isError?: boolean;
  content?: unknown;
  structuredContent?: unknown;
}

export class Driver {
  /** Process id of the server (set for HTTP servers the harness started; stdio: the spawned child). */
  serverPid?: number;

  private constructor(
    readonly client: Client,
    private readonly transport: StdioClientTransport | StreamableHTTPClientTransport,
  ) {}

  static async connect(endpoint: Endpoint, era: Era = 'legacy'): Promise<Driver> {
    const client = new Client(
      { name: 'tapedeck-bench', version: '1.0.0' },
      era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
    );
    const transport =
      endpoint.kind === 'stdio'
        ? new StdioClientTransport({
            command: endpoint.command,
            args: endpoint.args,
            env: endpoint.env,
            cwd: endpoint.cwd,
            stderr: endpoint.stderr ?? 'ignore',
          })
        : new StreamableHTTPClientTransport(new URL(endpoint.url));
    await client.connect(transport);
    const driver = new Driver(client, transport);
    if (transport instanceof StdioClientTransport) driver.serverPid = transport.pid ?? undefined;
    return driver;
  }

  async listTools(): Promise<string[]> {
    const { tools } = await this.client.listTools();
    return tools.map((t) => t.name);
  }

  call(name: string, args: Record<string, unknown>): Promise<ToolResult> {
    return this.client.callTool({ name, arguments: args }) as Promise<ToolResult>;
  }

  async close(): Promise<void> {
    if (this.transport instanceof StreamableHTTPClientTransport) {
      await this.transport.terminateSession().catch(() => undefined);
    }
    await this.client.close().catch(() => undefined);
  }
}

export interface CallSpec {
  tool: string;
  args: Record<string, unknown>;
  /** Checks a successful result (e.g. the sum is right); a wrong answer counts as an error. */
  check?: (result: ToolResult) => boolean;
}

export interface LatencyResult {
  summary: Summary;
  /** Raw samples in call order (ms). */
  samples: number[];
  errors: number;
  firstError?: string;
}

function describe(result: ToolResult): string {
  return JSON.stringify(result.content ?? result).slice(0, 300);
}

/** Sequential calls: `warmup` unmeasured, then `iterations` timed one at a time (ms). */
export async function measureLatency(driver: Driver, spec: CallSpec, warmup: number, iterations: number): Promise<LatencyResult> {
  let errors = 0;
  let firstError: string | undefined;
  const run = async (): Promise<void> => {
    const result = await driver.call(spec.tool, spec.args);
    if (result.isError || (spec.check && !spec.check(result))) {
      errors++;
      firstError ??= describe(result);
    }
  };
  for (let i = 0; i < warmup; i++) await run();
  const samples = new Array<number>(iterations);
  errors = 0;
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await run();
    samples[i] = performance.now() - t0;
  }
  return { summary: summarize(samples), samples, errors, firstError };
}

export interface ThroughputResult {
  concurrency: number;
  calls: number;
  seconds: number;
  /** Completed calls per second (errors included in `errors`, not in `rps`). */
  rps: number;
  latency: Summary;
  /** Raw latencies of the measured calls (ms). */
  samples: number[];
  errors: number;
  firstError?: string;
}

/**
 * `concurrency` loops each keep one call in flight for `durationMs` (after
 * `warmupMs` unmeasured); all share the one client (one session on HTTP).
 */
export async function measureThroughput(
  driver: Driver,
  spec: CallSpec | ((worker: number, i: number) => CallSpec),
  concurrency: number,
  durationMs: number,
  warmupMs: number,
): Promise<ThroughputResult> {
  const specFor = typeof spec === 'function' ? spec : () => spec;
  let measuring = false;
  let stop = false;
  let calls = 0;
  let errors = 0;
  let firstError: string | undefined;
  const samples: number[] = [];
  const loop = async (worker: number): Promise<void> => {
    for (let i = 0; !stop; i++) {
      const s = specFor(worker, i);
      const t0 = performance.now();
      let ok = true;
      try {
        const result = await driver.call(s.tool, s.args);
        if (result.isError || (s.check && !s.check(result))) {
          ok = false;
          firstError ??= describe(result);
        }
      } catch (error) {
        ok = false;
        firstError ??= (error as Error).message;
      }
      if (!measuring) continue;
      if (ok) {
        calls++;
        samples.push(performance.now() - t0);
      } else errors++;
    }
  };
  const loops = Array.from({ length: concurrency }, (_, w) => loop(w));
  await sleep(warmupMs);
  measuring = true;
  const started = performance.now();
  await sleep(durationMs);
  measuring = false;
  const seconds = (performance.now() - started) / 1000;
  stop = true;
  await Promise.all(loops);
  return { concurrency, calls, seconds, rps: calls / seconds, latency: summarize(samples), samples, errors, firstError };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
