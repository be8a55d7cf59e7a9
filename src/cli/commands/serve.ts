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
  authTokenFile?: string;
  oauthIssuer?: string;
  oauthAudience?: string;
  oauthJwksUri?: string;
  oauthScope?: string[];
  rateLimit?: string;
  rateBurst?: string;
  maxBody?: string;
  shutdownTimeout?: string;
}

/** A positive number from an option. */
function positive(text: string, option: string, integer = false): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${option} '${text}': must be a ${integer ? 'whole ' : ''}number greater than 0`);
  }
  return n;
}

/** The bearer token: TAPEDECK_AUTH_TOKEN, or the first line of --auth-token-file (never a command-line value, which ps would show). */
async function authToken(opts: ServeOptions): Promise<string | undefined> {
  if (opts.authTokenFile) {
    const { readFile } = await import('node:fs/promises');
    let text: string;
    try {
      text = await readFile(opts.authTokenFile, 'utf8');
    } catch (error) {
      throw new UsageError(`--auth-token-file ${opts.authTokenFile}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (error as Error).message}`);
    }
    const token = text.split(/\r?\n/)[0].trim();
    if (!token) throw new UsageError(`--auth-token-file ${opts.authTokenFile} is empty`);
    return token;
  }
  return process.env.TAPEDECK_AUTH_TOKEN || undefined;
}

async function httpSettings(opts: ServeOptions) {
  const maxBodyBytes = opts.maxBody === undefined ? undefined : await sizeBytes(opts.maxBody, '--max-body');
  const rps = opts.rateLimit === undefined ? undefined : positive(opts.rateLimit, '--rate-limit');
  const burst = opts.rateBurst === undefined ? undefined : positive(opts.rateBurst, '--rate-burst', true);
  if (burst !== undefined && rps === undefined) throw new UsageError('--rate-burst needs --rate-limit');
  const oauthFlags = [opts.oauthAudience && '--oauth-audience', opts.oauthJwksUri && '--oauth-jwks-uri', opts.oauthScope && '--oauth-scope'].filter(Boolean);
  if (!opts.oauthIssuer && oauthFlags.length > 0) throw new UsageError(`${oauthFlags.join(', ')} need${oauthFlags.length === 1 ? 's' : ''} --oauth-issuer`);
  return {
    maxBodyBytes,
    rateLimit: rps === undefined ? undefined : { requestsPerSecond: rps, burst: burst ?? Math.max(1, Math.ceil(rps * 2)) },
    oauth: opts.oauthIssuer
      ? {
          issuer: opts.oauthIssuer,
          audience: opts.oauthAudience,
          jwksUri: opts.oauthJwksUri,
          requiredScopes: opts.oauthScope,
          authorizationServers: [opts.oauthIssuer],
        }
      : undefined,
    shutdownTimeoutMs: opts.shutdownTimeout === undefined ? undefined : parseDuration(opts.shutdownTimeout, '--shutdown-timeout'),
  };
}

async function sizeBytes(text: string, option: string): Promise<number> {
  const { parseMemory } = await import('../../policy/memory.js');
  try {
    return parseMemory(text);
  } catch (error) {
    throw new UsageError(`${option} '${text}': ${(error as { reason?: string }).reason ?? (error as Error).message}`);
  }
}

function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('--env <KEY=VALUE>', 'a value components may be granted (repeatable; KEY alone passes that variable through)', collect)
    .option('--env-file <file>', 'read KEY=VALUE lines components may be granted (repeatable)', collect)
    .option('--manifest <file>', 'provision the components and permissions listed in this manifest at start (idempotent)')
    .option('--disable-builtin-tools', 'hide the built-in management tools (load-component, grant-*, …)')
    .option('--timeout <duration>', 'per-call timeout when a policy sets none (default 30s)');
}

/** The MCP endpoint clients connect to, from the server's base URL (a wildcard host becomes loopback). */
export function endpointUrl(base: string, transport: Transport): string {
  const url = new URL(base);
  if (url.hostname === '0.0.0.0') url.hostname = '127.0.0.1';
  if (url.hostname === '[::]') url.hostname = '[::1]';
  return `${url.origin}${transport === 'sse' ? '/sse' : '/mcp'}`;
}

/** What `serve` prints once it listens: the URL and how to connect a client. */
export function banner(url: string, transport: Transport, components: number, tools: number, builtins: number, token: boolean, oauth = false): string {
  const kind = transport === 'sse' ? 'SSE (legacy)' : 'streamable HTTP';
  const clientType = transport === 'sse' ? 'sse' : 'http';
  const lines = [
    `tapedeck ${packageVersion()}: ${components} component${components === 1 ? '' : 's'}, ${tools} tool${tools === 1 ? '' : 's'}${builtins ? ` (+${builtins} built-in)` : ''}, MCP over ${kind}`,
    `  URL:         ${url}`,
    `  Claude Code: claude mcp add --transport ${clientType} tapedeck ${url}`,
    `  Any client:  {"mcpServers":{"tapedeck":{"type":"${clientType}","url":"${url}"}}}`,
  ];
  if (token) lines.push('  Auth:        clients must send "Authorization: Bearer <token>" (add --header to the claude command)');
  if (oauth) lines.push('  Auth:        OAuth 2.1 access tokens required (see /.well-known/oauth-protected-resource)');
  lines.push('  Stop with Ctrl+C.');
  return `${lines.join('\n')}\n`;
}

async function start(cmd: Command, transport: Transport, opts: ServeOptions): Promise<void> {
  const ctx = new CliContext(cmd, { bindAddress: opts.bindAddress, defaultLogLevel: 'info' });
  const config = await ctx.config();
  const timeoutMs = opts.timeout === undefined ? undefined : parseDuration(opts.timeout, '--timeout');
  const http = await httpSettings(opts);
  const token = await authToken(opts);

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
  let running: import('../../server/index.js').RunningServer | undefined;
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
  // Installed before anything is printed: a client that reads the banner may signal at once.
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  try {
    if (manifest && manifestModule) await manifestModule.applyManifest(deck, manifest, logger);
    const { startServer, BUILTIN_TOOLS } = await import('../../server/index.js');
    running = await startServer(deck, {
      transport,
      bindAddress: config.bindAddress,
      allowedHosts: opts.allowedHost ?? config.allowedHosts,
      disableBuiltinTools: Boolean(opts.disableBuiltinTools),
      authToken: token,
      ...http,
      logger,
      version: packageVersion(),
    });
    if (transport !== 'stdio') {
      const base = running.url ?? `http://${config.bindAddress}`;
      const url = endpointUrl(base, transport);
      const components = deck.listComponents();
      const builtins = opts.disableBuiltinTools ? 0 : BUILTIN_TOOLS.length;
      process.stdout.write(banner(url, transport, components.length, deck.listTools().length, builtins, Boolean(token), Boolean(http.oauth)));
    }
    logComponents(deck, logger);
  } catch (error) {
    await deck.close().catch(() => undefined);
    throw error;
  }
  await running.closed;
  await shutdown(0);
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
    .option('--allowed-host <host>', 'also accept this Host/Origin (name, *.domain or *; repeatable; default: loopback only)', collect)
    .option('--auth-token-file <file>', 'require this bearer token (first line of the file); or set TAPEDECK_AUTH_TOKEN')
    .option('--oauth-issuer <url>', 'require OAuth 2.1 access tokens (JWT) from this issuer')
    .option('--oauth-audience <url>', 'expected token audience (default: <server url>/mcp)')
    .option('--oauth-jwks-uri <url>', "issuer's JWKS (default: discovered from the issuer metadata)")
    .option('--oauth-scope <scope>', 'scope every token must carry (repeatable)', collect)
    .option('--rate-limit <per-second>', 'requests per second per client (token bucket; off by default)')
    .option('--rate-burst <n>', 'bucket size for --rate-limit (default: twice the rate)')
    .option('--max-body <size>', 'largest request body, e.g. 4Mi (default 4Mi)')
    .option('--shutdown-timeout <duration>', 'how long Ctrl+C/SIGTERM waits for running calls (default 10s)');
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
