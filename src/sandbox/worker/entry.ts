/**
 * A component worker: hosts exactly one component instance on its own
 * thread, so a guest that blocks (synchronous WASI I/O, an infinite loop)
 * blocks only this thread, and the host can always terminate it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { CallOutcome, CallRequest, CallResponse, SandboxGrants, WorkerInit, WorkerRequest, WorkerResponse } from '../protocol.js';
import { createImports, GuestExit, loadWasiShim, openDescriptorCount, OutputCapture, RECYCLE_OPEN_DESCRIPTORS, setCapture, type CallCapture } from './wasi-host.js';

// The worker starts with an empty environment (component-runner.ts). A plain
// object in place of Node's env store keeps it empty and makes reads cheap:
// jco's generated glue reads process.env.JCO_DEBUG several times per call.
Object.defineProperty(process, 'env', { value: Object.freeze(Object.create(null)), configurable: true, writable: false });

const init = workerData as WorkerInit;
const port = parentPort!;

interface Instance {
  exports: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  revision: number;
  /** Export functions already looked up, by `interface#name`. */
  functions: Map<string, (...args: unknown[]) => unknown>;
}

type Instantiate = (getCoreModule: (name: string) => WebAssembly.Module, imports: object) => Promise<Record<string, unknown>>;

let instance: Instance | undefined;
let coreModules: Record<string, WebAssembly.Module> = {};

/** The glue and the WASI host load as soon as the worker starts, while the host still compiles the core modules. */
const booting: Promise<Instantiate> = (async () => {
  const [glue] = await Promise.all([import(init.moduleUrl) as Promise<{ instantiate: Instantiate }>, init.needsWasi !== false ? loadWasiShim() : undefined]);
  return glue.instantiate;
})();

async function ensureInstance(grants: SandboxGrants): Promise<Instance> {
  if (instance && instance.revision === grants.revision) return instance;
  const instantiate = await booting;
  let imports: object = {};
  if (init.needsWasi !== false) {
    imports = createImports({ componentId: init.componentId, grants, emptyRoot: init.emptyRoot });
  }
  const restore = stubPromising();
  let exports: Record<string, unknown>;
  try {
    exports = (await instantiate((name) => {
      const module = coreModules[name];
      if (!module) throw new Error(`transpiled component asks for unknown core module ${name}`);
      return module;
    }, imports)) as Record<string, unknown>;
  } finally {
    restore();
  }
  instance = { exports: exports as Instance['exports'], revision: grants.revision, functions: new Map() };
  return instance;
}

/**
 * jco's glue probes for JSPI once per export and import with
 * `try { x = WebAssembly.promising(f) } catch { x = f }`. Node 20 has no
 * `WebAssembly.promising`, so every probe throws "… is not a function", and
 * V8 builds that message by re-parsing the enclosing function: the glue's
 * instantiation generator, ~20k lines for a JS-engine component. That cost
 * ~6-10 ms per probe, 150-250 ms per instantiation. While instantiating, a
 * stub throws a ready-made TypeError instead: the glue takes the same
 * `catch` branch as before, without the re-parse. Removed afterwards, so
 * nothing else ever sees a `promising` that is not the engine's.
 */
const NO_JSPI = new TypeError('WebAssembly.promising is not supported by this Node.js');
function stubPromising(): () => void {
  const wasm = WebAssembly as unknown as { promising?: unknown };
  if (typeof wasm.promising === 'function') return () => undefined;
  Object.defineProperty(wasm, 'promising', {
    configurable: true,
    writable: true,
    value: () => {
      throw NO_JSPI;
    },
  });
  return () => {
    delete wasm.promising;
  };
}

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function lookup({ exports, functions }: Instance, request: CallRequest): (...args: unknown[]) => unknown {
  const id = `${request.interface ?? ''}#${request.name}`;
  const known = functions.get(id);
  if (known) return known;
  const holder = request.interface ? exports[request.interface] : exports;
  const key = camel(request.name);
  const fn = holder?.[key] ?? holder?.[`${key}$`];
  if (typeof fn !== 'function') {
    throw new Error(`export ${request.interface ? `${request.interface}#` : ''}${request.name} not found in the instance`);
  }
  functions.set(id, fn);
  return fn;
}

function isOutOfMemory(error: unknown): boolean {
  const text = error instanceof Error ? error.message : String(error);
  return /out of memory|allocation failed|memory allocation/i.test(text);
}

/**
 * A lower bound of the value's JSON size in bytes; counting stops once it
 * passes `limit`, so a huge list is refused without walking all of it.
 */
export function resultSize(value: unknown, limit: number): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && total <= limit) {
    const item = stack.pop();
    if (typeof item === 'string') total += item.length + 2;
    else if (item === null || item === undefined || typeof item !== 'object') total += 4;
    else if (ArrayBuffer.isView(item)) total += item.byteLength * 2 + 2;
    else if (Array.isArray(item)) {
      // Each element takes at least two characters ("0,").
      total += item.length * 2 + 2;
      if (total <= limit) for (const element of item) stack.push(element);
    } else {
      for (const [key, field] of Object.entries(item)) {
        total += key.length + 4;
        stack.push(field);
      }
    }
  }
  return total;
}

/** Calls run one at a time (see drain), so one capture serves them all; `take()` empties it. */
const capture: CallCapture = {
  denials: [],
  stdout: new OutputCapture(init.maxOutputBytes),
  stderr: new OutputCapture(init.maxOutputBytes),
};

async function call(request: CallRequest, grants: SandboxGrants): Promise<CallResponse> {
  capture.denials = [];
  let outcome: CallOutcome;
  let poisoned = false;
  try {
    setCapture(capture);
    // Awaited only when (re-)instantiating: a warm call stays synchronous up to the guest.
    const current = instance && instance.revision === grants.revision ? instance : await ensureInstance(grants);
    const fn = lookup(current, request);
    try {
      const value = fn(...request.args);
      outcome = { kind: 'ok', value: value instanceof Promise ? await value : value };
    } catch (error) {
      // jco throws a ComponentError carrying `payload` for a top-level `result` err.
      if (error && typeof error === 'object' && 'payload' in error && !(error instanceof WebAssembly.RuntimeError)) {
        outcome = { kind: 'err', value: (error as { payload: unknown }).payload };
      } else throw error;
    }
  } catch (error) {
    poisoned = true;
    instance = undefined;
    const exit = error instanceof GuestExit ? error : (error as { cause?: unknown })?.cause;
    if (exit instanceof GuestExit) outcome = { kind: 'exit', code: exit.code };
    else {
      const message = error instanceof Error ? error.message : String(error);
      outcome = { kind: 'trap', message, outOfMemory: isOutOfMemory(error) };
    }
  } finally {
    setCapture(undefined);
  }
  if ((outcome.kind === 'ok' || outcome.kind === 'err') && resultSize(outcome.value, init.maxResultBytes) > init.maxResultBytes) {
    outcome = { kind: 'too-large', limit: init.maxResultBytes };
  }
  const stdout = capture.stdout.take();
  const stderr = capture.stderr.take();
  if (outcome.kind === 'trap' && !outcome.outOfMemory && /out of memory/i.test(stderr)) outcome.outOfMemory = true;
  return { type: 'result', callId: request.callId, outcome, denials: capture.denials, stdout, stderr, poisoned };
}

/**
 * Calls run strictly one after another, in the order posted: the host
 * pipelines calls (posts the next ones while one runs), and a call must never
 * start while another is suspended at an await. After a call that poisoned
 * the instance (trap, exit) or asked for a recycle, the worker runs nothing
 * more: the host replaces it and re-posts the calls that were waiting, which
 * therefore never ran here.
 */
const inbox: CallRequest[] = [];
let grants: SandboxGrants | undefined;
let draining = false;
let stopped = false;

async function drain(): Promise<void> {
  draining = true;
  while (inbox.length > 0 && !stopped) {
    const request = inbox.shift()!;
    if (request.grants) grants = request.grants;
    let response: CallResponse;
    try {
      if (!grants) throw new Error('the host sent a call before any grants');
      response = await call(request, grants);
    } catch (error) {
      response = {
        type: 'result',
        callId: request.callId,
        outcome: { kind: 'trap', message: String((error as Error)?.message ?? error), outOfMemory: false },
        denials: [],
        stdout: '',
        stderr: '',
        poisoned: true,
      };
    }
    if (!response.poisoned && openDescriptorCount() > RECYCLE_OPEN_DESCRIPTORS) response.recycle = true;
    stopped = response.poisoned || response.recycle === true;
    port.postMessage(response satisfies WorkerResponse);
  }
  draining = false;
}

port.on('message', (message: WorkerRequest) => {
  if (Array.isArray(message)) inbox.push(...message);
  else if (message.type === 'modules') {
    coreModules = message.coreModules;
    return;
  } else inbox.push(message);
  if (!draining) void drain();
});
booting.then(
  () => port.postMessage({ type: 'ready' } satisfies WorkerResponse),
  (error: unknown) => port.postMessage({ type: 'init-error', message: String((error as Error)?.message ?? error) } satisfies WorkerResponse),
);
