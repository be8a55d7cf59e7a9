/**
 * tapedeck's MCP server (src/server: transports, Host/Origin checks, stdio
 * wire transport, metrics, audit log, built-in tools) over a stand-in runtime
 * whose `add` and `echo` run in plain JS on the main thread: no sandbox, no
 * worker. Against the baseline it measures what tapedeck's front end costs;
 * against tapedeck, what the sandbox costs. Logs like the CLI: JSON lines at
 * info level to stderr.
 *
 *   node dist/bench/frontend-server.js --stdio
 *   node dist/bench/frontend-server.js --http      (prints "listening <url>")
 */
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { ComponentSummary, TapedeckApi, TapedeckEvents, ToolCallOutcome, ToolDefinition } from '../src/app/types.js';
import { createLogger } from '../src/cli/logger.js';
import { startServer } from '../src/server/index.js';
import { BASELINE_TOOLS, callBaselineTool } from './baseline-server.js';

const TOOLS: ToolDefinition[] = BASELINE_TOOLS.map((t) => ({
  name: t.name,
  description: t.description ?? '',
  inputSchema: t.inputSchema as Record<string, unknown>,
  outputSchema: t.outputSchema as Record<string, unknown>,
}));

function unsupported(): never {
  throw new Error('not supported by the benchmark stand-in runtime');
}

/** A TapedeckApi whose tools are the baseline's plain-JS functions. */
export class PlainJsDeck extends EventEmitter<TapedeckEvents> implements TapedeckApi {
  readonly componentDir = '/nonexistent/bench-plain-js';
  private readonly summary: ComponentSummary = { id: 'plain-js', sourceUri: 'bench:plain-js', digest: 'sha256:0', tools: TOOLS, unsupported: [] };

  listComponents(): ComponentSummary[] {
    return [this.summary];
  }
  getComponent(id: string): ComponentSummary | undefined {
    return id === 'plain-js' ? this.summary : undefined;
  }
  listTools(): ToolDefinition[] {
    return TOOLS;
  }
  async callTool(name: string, args: unknown): Promise<ToolCallOutcome> {
    const started = performance.now();
    const result = callBaselineTool(name, args as Record<string, unknown>);
    const text = (result.content[0] as { text: string }).text;
    const outcome: ToolCallOutcome = {
      text,
      isError: Boolean(result.isError),
      denials: [],
      componentId: 'plain-js',
      durationMs: performance.now() - started,
      ...(result.structuredContent !== undefined && { structured: result.structuredContent as { result: unknown } }),
      ...(result.isError && { failure: 'invalid-arguments' as const }),
    };
    this.emit('call', { tool: name, outcome });
    return outcome;
  }
  loadComponent = unsupported;
  unloadComponent = unsupported;
  getPolicy = unsupported;
  grantPermission = unsupported;
  revokePermission = unsupported;
  resetPermissions = unsupported;
  async close(): Promise<void> {}
}

async function main(argv: string[]): Promise<void> {
  const transport = argv.includes('--http') ? 'streamable-http' : 'stdio';
  // Like the CLI: info by default (one audit line per call); BENCH_LOG_LEVEL overrides it for profiling.
  const logger = await createLogger((process.env.BENCH_LOG_LEVEL ?? 'info') as 'info', { pretty: false });
  const deck = new PlainJsDeck();
  const running = await startServer(deck, { transport, bindAddress: '127.0.0.1:0', logger, version: '0.0.0-bench' });
  if (running.url) process.stdout.write(`listening ${running.url}/mcp\n`);
  const stop = () => void running.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await running.closed;
  process.exit(0);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
