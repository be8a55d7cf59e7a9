/**
 * `tapedeck serve` (HTTP: streamable HTTP by default, or legacy SSE) and
 * `tapedeck run` (stdio). Both watch the component directory, so changes made
 * with the CLI while the server runs take effect without a restart (clients
 * get notifications/tools/list_changed).
 */
import type { Command } from 'commander';
import type { Logger } from 'pino';
import type { Tapedeck } from '../../app/tapedeck.js';
import { componentEnvironment, parseEnvAssignments } from '../../config/config.js';
import { CliContext, collect, parseDuration } from '../context.js';
import { UsageError } from '../errors.js';
import { packageVersion } from '../version.js';

type Transport = 'stdio' | 'streamable-http' | 'sse';

interface CommonOptions {
  env?: string[];
  envFile?: string[];
  manifest?: string;
  disableBuiltinTools?: boolean;
  timeout?: string;
}

interface ServeOptions extends CommonOptions {
  sse?: boolean;
  streamableHttp?: boolean;
  stdio?: boolean;
  bindAddress?: string;
  allowedHost?: string[];
}

function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('--env <KEY=VALUE>', 'a value components may be granted (repeatable; KEY alone passes that variable through)', collect)
    .option('--env-file <file>', 'read KEY=VALUE lines components may be granted (repeatable)', collect)
    .option('--manifest <file>', 'provision the components and permissions listed in this manifest at start (idempotent)')
    .option('--disable-builtin-tools', 'hide the built-in management tools (load-component, grant-*, …)')
    .option('--timeout <duration>', 'per-call timeout when a policy sets none (default 30s)');
}

/** The URL clients connect to. */
export function serverUrl(bindAddress: string, transport: Transport): string {
  const match = /^(.*):(\d+)$/.exec(bindAddress);
  let host = match ? match[1] : bindAddress;
  const port = match ? match[2] : '9001';
  // A wildcard address is reachable locally through the loopback address.
  if (host === '0.0.0.0') host = '127.0.0.1';
  if (host === '[::]' || host === '::') host = '[::1]';
  return `http://${host}:${port}${transport === 'sse' ? '/sse' : '/mcp'}`;
}

/** What `serve` prints once it listens: the URL and how to connect a client. */
export function banner(url: string, transport: Transport, components: number, tools: number, authRequired: boolean): string {
  const kind = transport === 'sse' ? 'SSE (legacy)' : 'streamable HTTP';
  const clientType = transport === 'sse' ? 'sse' : 'http';
  const lines = [
    `tapedeck ${packageVersion()}: ${components} component${components === 1 ? '' : 's'}, ${tools} tool${tools === 1 ? '' : 's'}, MCP over ${kind}`,
    `  URL:         ${url}`,
    `  Claude Code: claude mcp add --transport ${clientType} tapedeck ${url}`,
    `  Any client:  {"mcpServers":{"tapedeck":{"type":"${clientType}","url":"${url}"}}}`,
  ];
  if (authRequired) lines.push('  Auth:        send "Authorization: Bearer $TAPEDECK_AUTH_TOKEN"');
  lines.push('  Stop with Ctrl+C.');
  return `${lines.join('\n')}\n`;
}

async function start(cmd: Command, transport: Transport, opts: ServeOptions): Promise<void> {
  const ctx = new CliContext(cmd, { bindAddress: opts.bindAddress, defaultLogLevel: 'info' });
  const config = await ctx.config();
  const timeoutMs = opts.timeout === undefined ? undefined : parseDuration(opts.timeout, '--timeout');

  // Validate everything that can be wrong before anything starts or changes.
  const manifestModule = opts.manifest ? await import('../../config/manifest.js') : undefined;
  const manifest = manifestModule && opts.manifest ? await manifestModule.readManifest(opts.manifest) : undefined;
  // Values components may be granted: config [environment_vars] < --env-file < manifest value_from < --env.
  const base = await componentEnvironment(config, { envFile: opts.envFile });
  const fromManifest = manifest && manifestModule ? manifestModule.manifestEnvironment(manifest) : { values: {}, missing: [] };
  const fromFlags = parseEnvAssignments(opts.env ?? []);
  const values = { ...base.values, ...fromManifest.values, ...fromFlags.values };

  const logger = await ctx.logger();
  for (const key of fromFlags.missing) logger.warn({ key }, `--env ${key}: not set in tapedeck's environment; nothing is passed`);
  for (const key of fromManifest.missing) logger.warn({ key }, `manifest environment ${key}: not set in tapedeck's environment; the component gets no value unless a secret or --env provides one`);

  const deck = await ctx.openDeck({ watch: true, environment: values, timeoutMs, logger });
  let closing = false;
  const shutdown = async (code: number) => {
    if (closing) return;
    closing = true;
    try {
      await running?.close();
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'error while stopping the server');
    }
    await deck.close().catch(() => undefined);
    process.exit(code);
  };
  let running: { close(): Promise<void> } | undefined;
  try {
    if (manifest && manifestModule) await manifestModule.applyManifest(deck, manifest, logger);
    const { startServer } = await import('../../server/index.js');
    const authToken = process.env.TAPEDECK_AUTH_TOKEN || undefined;
    running = await startServer(deck, {
      transport,
      bindAddress: config.bindAddress,
      allowedHosts: opts.allowedHost ?? config.allowedHosts,
      disableBuiltinTools: Boolean(opts.disableBuiltinTools),
      authToken,
      logger,
      version: packageVersion(),
    });
    if (transport !== 'stdio') {
      const url = serverUrl(addressOf(running) ?? config.bindAddress, transport);
      const components = deck.listComponents();
      process.stdout.write(banner(url, transport, components.length, deck.listTools().length, Boolean(authToken)));
    }
    logComponents(deck, logger);
  } catch (error) {
    await deck.close().catch(() => undefined);
    throw error;
  }
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  const closed = (running as { closed?: Promise<unknown> }).closed;
  if (closed) {
    await closed;
    await shutdown(0);
  } else {
    await new Promise<never>(() => undefined);
  }
}

/** The address the server actually listens on (differs from the configured one with port 0). */
function addressOf(running: unknown): string | undefined {
  const r = running as { address?: unknown; url?: unknown };
  if (typeof r.address === 'string') return r.address;
  if (r.address && typeof r.address === 'object') {
    const a = r.address as { address?: string; port?: number; family?: string };
    if (a.address && a.port !== undefined) return `${a.family === 'IPv6' || a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
  }
  if (typeof r.url === 'string') {
    try {
      return new URL(r.url).host;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function logComponents(deck: Tapedeck, logger: Logger): void {
  const components = deck.listComponents();
  logger.info({ componentDir: deck.componentDir, components: components.map((c) => c.id), tools: deck.listTools().length }, 'serving components');
}

export function registerServe(program: Command): void {
  const serve = program
    .command('serve')
    .description('Start the MCP server over HTTP: streamable HTTP at /mcp (default) or legacy SSE at /sse')
    .option('--streamable-http', 'serve streamable HTTP at http://<bind-address>/mcp (the default)')
    .option('--sse', 'serve the legacy SSE transport at http://<bind-address>/sse')
    .option('--stdio', 'serve over stdin/stdout instead (same as: tapedeck run)')
    .option('--bind-address <host:port>', 'address to listen on (default 127.0.0.1:9001; env TAPEDECK_BIND_ADDRESS, or BIND_HOST/PORT)')
    .option('--allowed-host <host>', 'accept this Host header (repeatable; default: loopback names only)', collect);
  addCommonOptions(serve).action(async (opts: ServeOptions, cmd: Command) => {
    const chosen = [opts.sse && '--sse', opts.streamableHttp && '--streamable-http', opts.stdio && '--stdio'].filter(Boolean);
    if (chosen.length > 1) throw new UsageError(`${chosen.join(' and ')} cannot be used together: choose one transport`);
    const transport: Transport = opts.sse ? 'sse' : opts.stdio ? 'stdio' : 'streamable-http';
    await start(cmd, transport, opts);
  });
}

export function registerRun(program: Command): void {
  const run = program.command('run').description('Start the MCP server over stdin/stdout (for clients that launch tapedeck themselves)');
  addCommonOptions(run).action(async (opts: CommonOptions, cmd: Command) => {
    await start(cmd, 'stdio', opts);
  });
}
