/**
 * The MCP front end over a TapedeckApi: builds SDK `Server` instances whose
 * tools/list merges the built-in tools with the components' tools, whose
 * tools/call dispatches to either (always answering with a tool result, never
 * a JSON-RPC error), and that announce `notifications/tools/list_changed`
 * whenever the runtime's tool set changes. Transports only create servers and
 * connect them; everything MCP-specific lives here.
 */
import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError, Server, type CallToolResult, type Tool } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { Denial, TapedeckApi, ToolCallOutcome } from '../app/types.js';
import { Audit, type CallerInfo } from './audit.js';
import { BUILTIN_TOOLS, BUILTIN_TOOL_NAMES, callBuiltin } from './builtin-tools.js';
import type { CatalogEntry } from './catalog.js';

export const BUILTIN_TOOLS_DISABLED = 'Error: Built-in tools are disabled';

const INSTRUCTIONS =
  'tapedeck runs WebAssembly components as sandboxed tools. A component starts with no access to files, network, ' +
  'environment variables or extra memory. When a tool result reports a denied access, it names the permission that ' +
  'would allow it: ask the user before granting it with the grant-*-permission tools. Use search-components and ' +
  'load-component to add tools, and list-components to see what is loaded.';

/** At most this many denial messages are appended to one tool result. */
const MAX_DENIAL_ITEMS = 20;

/** `component` label of built-in tool calls and of calls to unknown tools. */
const BUILTIN_COMPONENT = 'builtin';
const UNKNOWN = '(unknown)';

/** Where tool calls are counted: the Prometheus metrics (metrics.ts) over HTTP. */
export interface CallMetrics {
  toolCall(component: string, tool: string, outcome: string, seconds: number, denials?: Denial[]): void;
}

export interface FrontEndOptions {
  deck: TapedeckApi;
  version: string;
  logger: Logger;
  /** Absent over stdio, which has no /metrics endpoint: nothing is counted then. */
  metrics?: CallMetrics;
  audit: Audit;
  disableBuiltinTools?: boolean;
  catalog?: () => CatalogEntry[];
}

interface ToolIndex {
  list: Tool[];
  outputSchemas: Map<string, Record<string, unknown>>;
  componentTools: Set<string>;
}

export class McpFrontEnd {
  private readonly deck: TapedeckApi;
  private readonly logger: Logger;
  private readonly metrics?: CallMetrics;
  private readonly audit: Audit;
  private readonly builtinsDisabled: boolean;
  private index?: ToolIndex;
  /** Servers of long-lived connections (stdio, sessions, SSE) that get list_changed notifications. */
  private readonly servers = new Set<Server>();
  private readonly changeListeners = new Set<() => void>();
  private inFlight = 0;
  private drainWaiters: (() => void)[] = [];
  private shuttingDown = false;
  private readonly onToolsChanged = () => this.toolsChanged();

  constructor(private readonly options: FrontEndOptions) {
    this.deck = options.deck;
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.audit = options.audit;
    this.builtinsDisabled = Boolean(options.disableBuiltinTools);
    this.deck.on('tools-changed', this.onToolsChanged);
  }

  /** Calls running right now. */
  get activeCalls(): number {
    return this.inFlight;
  }

  /** Sessions that receive list_changed notifications. */
  get connectedServers(): number {
    return this.servers.size;
  }

  // ------------------------------------------------------------------ tools

  private toolIndex(): ToolIndex {
    if (this.index) return this.index;
    const list: Tool[] = [];
    const outputSchemas = new Map<string, Record<string, unknown>>();
    const componentTools = new Set<string>();
    for (const t of this.deck.listTools()) {
      // A component tool never shadows a built-in tool of the same name.
      if (!this.builtinsDisabled && BUILTIN_TOOL_NAMES.has(t.name)) continue;
      list.push({ name: t.name, description: t.description, inputSchema: t.inputSchema as Tool['inputSchema'], outputSchema: t.outputSchema as Tool['outputSchema'] });
      outputSchemas.set(t.name, t.outputSchema);
      componentTools.add(t.name);
    }
    if (!this.builtinsDisabled) {
      for (const t of BUILTIN_TOOLS) {
        list.push({
          name: t.name,
          title: t.title,
          description: t.description,
          inputSchema: t.inputSchema as Tool['inputSchema'],
          outputSchema: t.outputSchema as Tool['outputSchema'],
          annotations: { title: t.title, ...t.annotations },
        });
        outputSchemas.set(t.name, t.outputSchema);
      }
    }
    this.index = { list, outputSchemas, componentTools };
    return this.index;
  }

  /** The merged tool list (component tools, then built-in tools unless disabled). */
  listTools(): Tool[] {
    return this.toolIndex().list;
  }

  private toolsChanged(): void {
    this.index = undefined;
    for (const server of this.servers) {
      server.sendToolListChanged().catch((error: unknown) => {
        this.logger.debug({ err: (error as Error).message }, 'cannot send tools/list_changed to a session');
      });
    }
    for (const listener of this.changeListeners) {
      try {
        listener();
      } catch (error) {
        this.logger.warn({ err: (error as Error).message }, 'tools-changed listener failed');
      }
    }
  }

  /** Registers a callback run after every tool-set change (HTTP uses it for 2026-07-28 subscriptions). */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  // ------------------------------------------------------------------ servers

  /**
   * A new SDK server for one connection (`track: true`: it gets
   * list_changed notifications until it closes) or one request.
   */
  createServer(caller: CallerInfo, options: { track: boolean }): Server {
    const server = new Server(
      { name: 'tapedeck', title: 'tapedeck', version: this.options.version },
      {
        capabilities: { tools: { listChanged: true }, resources: {}, prompts: {}, logging: {} },
        instructions: INSTRUCTIONS,
        debouncedNotificationMethods: ['notifications/tools/list_changed'],
      },
    );
    server.setRequestHandler('tools/list', async () => ({ tools: this.listTools() }));
    server.setRequestHandler('tools/call', async (request, ctx) => {
      const name = request.params.name;
      const who: CallerInfo = caller.session || !ctx.sessionId ? caller : { ...caller, session: ctx.sessionId };
      const result = await this.callTool(name, request.params.arguments, who, ctx.mcpReq.signal);
      return server.projectCallToolResult(result, result.isError ? undefined : this.toolIndex().outputSchemas.get(name));
    });
    // Like Wassette, a tool server that answers resources (and prompts) with empty lists.
    server.setRequestHandler('resources/list', async () => ({ resources: [] }));
    server.setRequestHandler('resources/templates/list', async () => ({ resourceTemplates: [] }));
    server.setRequestHandler('resources/read', async (request) => {
      throw new ResourceNotFoundError(request.params.uri);
    });
    server.setRequestHandler('prompts/list', async () => ({ prompts: [] }));
    server.setRequestHandler('prompts/get', async (request) => {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Prompt '${request.params.name}' not found: tapedeck has no prompts`);
    });
    server.onerror = (error) => this.logger.debug({ err: error.message, transport: caller.transport }, 'MCP protocol error');
    if (options.track) {
      this.servers.add(server);
      const previous = server.onclose;
      server.onclose = () => {
        this.servers.delete(server);
        previous?.();
      };
    }
    return server;
  }

  /** Forgets a tracked server (when its transport is discarded without closing the server). */
  untrack(server: Server): void {
    this.servers.delete(server);
  }

  // ------------------------------------------------------------------ calls

  /** Handles one tools/call. Never throws: every failure is an `isError` tool result. */
  async callTool(name: string, args: unknown, caller: CallerInfo, signal?: AbortSignal): Promise<CallToolResult> {
    if (this.shuttingDown) {
      return errorResult('Error: tapedeck is shutting down and accepts no new tool calls; reconnect and retry');
    }
    this.inFlight++;
    const started = performance.now();
    try {
      this.audit.toolArguments(caller, name, args);
      if (BUILTIN_TOOL_NAMES.has(name) && !(this.builtinsDisabled && this.toolIndex().componentTools.has(name))) {
        return await this.callBuiltinTool(name, args, caller, started);
      }
      return await this.callComponentTool(name, args, caller, started, signal);
    } catch (error) {
      // Unexpected failures (bugs, runtime errors) still answer as tool errors.
      this.logger.error({ err: (error as Error).message, stack: (error as Error).stack, tool: name }, 'tool call failed unexpectedly');
      this.record(caller, UNKNOWN, name, 'error', started, true);
      return errorResult(`Error: tool '${name}' failed: ${(error as Error).message}`);
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) {
        const waiters = this.drainWaiters;
        this.drainWaiters = [];
        for (const w of waiters) w();
      }
    }
  }

  private async callBuiltinTool(name: string, args: unknown, caller: CallerInfo, started: number): Promise<CallToolResult> {
    if (this.builtinsDisabled) {
      this.record(caller, BUILTIN_COMPONENT, name, 'disabled', started, true);
      return errorResult(BUILTIN_TOOLS_DISABLED);
    }
    const outcome = await callBuiltin(name, args, { deck: this.deck, catalog: this.options.catalog });
    this.record(caller, BUILTIN_COMPONENT, name, outcome.ok ? 'ok' : 'error', started, !outcome.ok);
    if (!outcome.ok) return errorResult(`Error: ${outcome.message}`);
    return { content: [{ type: 'text', text: JSON.stringify(outcome.value) }], structuredContent: outcome.value };
  }

  private async callComponentTool(name: string, args: unknown, caller: CallerInfo, started: number, signal?: AbortSignal): Promise<CallToolResult> {
    const notFound = () => {
      this.record(caller, UNKNOWN, UNKNOWN, 'not-found', started, true, name);
      return errorResult(`Error: Tool '${name}' not found. List the available tools with tools/list`);
    };
    if (!this.toolIndex().componentTools.has(name)) return notFound();
    let outcome: ToolCallOutcome;
    try {
      outcome = await this.deck.callTool(name, args ?? {}, { signal });
    } catch (error) {
      // The component went away between tools/list and the call.
      if ((error as { toolName?: unknown }).toolName === name || /not found/i.test((error as Error).message)) return notFound();
      throw error;
    }
    const outcomeLabel = outcome.failure ?? (outcome.isError ? 'error' : 'ok');
    const durationMs = performance.now() - started;
    // Recorded right after the answer is on its way (the next event-loop
    // check phase), not before it: the audit line and the metrics are a
    // measurable part of a warm call, and the client need not wait for them.
    setImmediate(() => {
      this.metrics?.toolCall(outcome.componentId, name, outcomeLabel, durationMs / 1000, outcome.denials);
      this.audit.toolCall({
        caller,
        component: outcome.componentId,
        tool: name,
        durationMs,
        outcome: outcomeLabel,
        isError: outcome.isError,
        denials: outcome.denials,
      });
    });
    return componentResult(outcome);
  }

  private record(caller: CallerInfo, component: string, tool: string, outcome: string, started: number, isError: boolean, auditTool = tool): void {
    const ms = performance.now() - started;
    this.metrics?.toolCall(component, tool, outcome, ms / 1000);
    this.audit.toolCall({ caller, component, tool: auditTool, durationMs: ms, outcome, isError, denials: [] });
  }

  // ------------------------------------------------------------------ shutdown

  /** Refuses new tool calls from now on (calls already running continue). */
  beginShutdown(): void {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Resolves `true` once no call runs, or `false` when `timeoutMs` passed first. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.drainWaiters = this.drainWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.drainWaiters.push(done);
    });
  }

  /** Closes every tracked server and stops listening to the runtime. */
  async close(): Promise<void> {
    this.deck.off('tools-changed', this.onToolsChanged);
    const servers = [...this.servers];
    this.servers.clear();
    await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
    this.changeListeners.clear();
  }
}

export function errorResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/** A component outcome as an MCP tool result: value text, then one text item per denial. */
export function componentResult(outcome: ToolCallOutcome): CallToolResult {
  const content: CallToolResult['content'] = [{ type: 'text', text: outcome.text }];
  for (const denial of outcome.denials.slice(0, MAX_DENIAL_ITEMS)) content.push({ type: 'text', text: denial.message });
  if (outcome.denials.length > MAX_DENIAL_ITEMS) {
    content.push({ type: 'text', text: `… and ${outcome.denials.length - MAX_DENIAL_ITEMS} more denied accesses (see the server log)` });
  }
  const result: CallToolResult = { content, isError: outcome.isError };
  if (outcome.structured) result.structuredContent = outcome.structured as Record<string, unknown>;
  return result;
}
