/**
 * The contract between the front ends (MCP server, CLI) and the runtime.
 * Front ends depend on these types only; `Tapedeck` (app/tapedeck.ts) implements them.
 */
import type { EventEmitter } from 'node:events';

export type JsonSchema = Record<string, unknown>;

export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: JsonSchema;
  outputSchema: JsonSchema;
}

export interface ComponentSummary {
  id: string;
  /** Where it was loaded from (file://, oci://, https://). */
  sourceUri: string;
  /** sha256 of the component bytes, `sha256:<hex>`. */
  digest: string;
  tools: ToolDefinition[];
  /** Exports that could not become tools (e.g. resources), with why. */
  unsupported: { name: string; reason: string }[];
}

export interface LoadResult {
  id: string;
  status: 'loaded' | 'reloaded';
  tools: string[];
  /** Non-fatal notes, e.g. exports skipped because they are unsupported. */
  warnings: string[];
}

/** One refused access, with the exact grant that would allow it. */
export interface Denial {
  kind: 'network' | 'storage' | 'environment' | 'memory' | 'socket';
  /** What the guest tried, e.g. `https://api.x.com:443` or `/data/x.txt (write)`. */
  target: string;
  message: string;
  /** CLI command that grants it, e.g. `tapedeck permission grant network weather api.x.com`. */
  grant: string;
}

export interface ToolCallOutcome {
  /** The `{result: …}` envelope; absent when the call failed before producing a value. */
  structured?: { result: unknown };
  /** Text for `content[0].text`. */
  text: string;
  isError: boolean;
  /** Set when the call failed in the sandbox (trap, timeout, exit, out of memory, denied, result too large). */
  failure?: 'invalid-arguments' | 'trap' | 'timeout' | 'exit' | 'out-of-memory' | 'busy' | 'guest-error' | 'too-large';
  denials: Denial[];
  componentId: string;
  durationMs: number;
}

export type PermissionKind = 'storage' | 'network' | 'environment-variable' | 'memory';

export type PermissionDetails =
  | { kind: 'storage'; uri: string; access: ('read' | 'write')[] }
  | { kind: 'network'; host: string }
  | { kind: 'environment-variable'; key: string }
  | { kind: 'memory'; limit: string };

export interface PolicyInfo {
  componentId: string;
  /** Absolute path of `<id>.policy.yaml`, absent when the component has no policy file. */
  path?: string;
  /** Policy YAML text as stored. */
  yaml?: string;
  /** Parsed policy document (Wassette format). */
  document?: unknown;
  createdAt?: string;
  sourceUri?: string;
}

export interface CallEvent {
  tool: string;
  outcome: ToolCallOutcome;
}

export interface WorkerEvent {
  componentId: string;
  event: 'start' | 'replace' | 'idle-stop';
  reason?: string;
}

export interface TapedeckEvents {
  /** The set of tools changed (load, unload, reload, or a change made by another process). */
  'tools-changed': [];
  /** A tool call finished (any outcome). */
  call: [CallEvent];
  worker: [WorkerEvent];
}

export interface TapedeckApi extends EventEmitter<TapedeckEvents> {
  readonly componentDir: string;
  loadComponent(uri: string, options?: { acceptPolicy?: boolean; digest?: string }): Promise<LoadResult>;
  unloadComponent(id: string): Promise<void>;
  listComponents(): ComponentSummary[];
  getComponent(id: string): ComponentSummary | undefined;
  /** Tools of all loaded components. */
  listTools(): ToolDefinition[];
  /** Throws ToolNotFoundError for an unknown name. Never throws for guest failures: they are outcomes. */
  callTool(name: string, args: unknown, options?: { signal?: AbortSignal }): Promise<ToolCallOutcome>;
  getPolicy(id: string): Promise<PolicyInfo>;
  grantPermission(id: string, details: PermissionDetails): Promise<void>;
  revokePermission(id: string, details: PermissionDetails): Promise<void>;
  resetPermissions(id: string): Promise<void>;
  close(): Promise<void>;
}
