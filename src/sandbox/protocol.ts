/**
 * Messages between a component's host (main thread) and its worker.
 * Everything here must survive structured clone (postMessage).
 */
import type { Denial } from '../app/types.js';

/** What a component may touch, derived from its policy; rebuilt when the policy changes. */
export interface SandboxGrants {
  /** Increases on every policy change; the worker re-instantiates when it sees a new one. */
  revision: number;
  mounts: { guestPath: string; hostPath: string; access: 'read' | 'read-write' }[];
  env: Record<string, string>;
  /**
   * Host directories no grant may reach (the component and secrets
   * directories), even when a broad grant such as `fs:///home/me` covers them:
   * a component must not rewrite its own policy or read others' secrets.
   */
  protectedHostPaths: string[];
  /** The policy document, for network checks made per request in the worker. */
  policy: unknown;
}

export interface WorkerInit {
  componentId: string;
  /** file: URL of the transpiled JS module. */
  moduleUrl: string;
  /** An empty directory used as the guest's `/` so unmapped paths can be refused and reported. */
  emptyRoot: string;
  /** Per-stream cap on captured guest stdout/stderr per call. */
  maxOutputBytes: number;
  /**
   * Cap on a call's result (roughly its JSON size). Checked in the worker, so
   * a guest returning hundreds of MiB never reaches the main thread.
   */
  maxResultBytes: number;
  /**
   * false when the component imports nothing: it cannot call the host at
   * all, so the worker skips the WASI host (preview2-shim and the I/O thread
   * it starts). Absent or true: the full, narrowed WASI host is built.
   */
  needsWasi?: boolean;
}

export interface CallRequest {
  type: 'call';
  callId: number;
  /** Interface name as exported (e.g. `local:calc/calculator@0.1.0`), absent for world functions. */
  interface?: string;
  /** WIT function name, kebab-case. */
  name: string;
  args: unknown[];
  /**
   * Present when the grants changed since the last call posted to this worker
   * (and on its first call); the worker keeps the last grants it was sent.
   */
  grants?: SandboxGrants;
}

export type CallOutcome =
  /** The function returned (for a top-level `result`, the ok payload). */
  | { kind: 'ok'; value: unknown }
  /** A top-level `result` returned `err`: the payload. */
  | { kind: 'err'; value: unknown }
  | { kind: 'trap'; message: string; outOfMemory: boolean }
  /** The value was larger than `maxResultBytes`; it was dropped in the worker. */
  | { kind: 'too-large'; limit: number }
  | { kind: 'exit'; code: number };

export interface CallResponse {
  type: 'result';
  callId: number;
  outcome: CallOutcome;
  denials: Denial[];
  stdout: string;
  stderr: string;
  /** The instance can no longer be trusted; the host replaces the worker. */
  poisoned: boolean;
  /**
   * The call went well, but the worker holds more open files than it should
   * keep (a guest that never closes them): the host replaces it after this
   * call. Like after a poisoned call, the worker runs nothing more.
   */
  recycle?: boolean;
}

/**
 * The compiled core modules (memory already capped), sent once right after
 * `ready`: the worker boots (isolate, transpiled glue, WASI host) while the
 * host compiles them, instead of after.
 */
export interface ModulesMessage {
  type: 'modules';
  coreModules: Record<string, WebAssembly.Module>;
}

/** The host sends its modules once, then one call, or several that arrived in the same event-loop turn. */
export type WorkerRequest = CallRequest | CallRequest[] | ModulesMessage;
export type WorkerResponse = CallResponse | { type: 'ready' } | { type: 'init-error'; message: string };
