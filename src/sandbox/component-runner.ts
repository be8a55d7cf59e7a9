/**
 * Runs calls for one component on worker threads: starts workers lazily,
 * queues calls beyond the concurrency bound, enforces the per-call timeout,
 * replaces a worker whose instance trapped, exited or timed out, and stops
 * idle workers.
 */
import { Worker } from 'node:worker_threads';
import type { CallOutcome, CallRequest, CallResponse, SandboxGrants, WorkerInit, WorkerResponse } from './protocol.js';

export interface RunnerOptions {
  componentId: string;
  /** Returns what a new worker needs (transpiled module URL, compiled core modules). */
  prepare: () => Promise<Omit<WorkerInit, 'componentId' | 'emptyRoot' | 'maxOutputBytes' | 'maxResultBytes'>>;
  emptyRoot: string;
  timeoutMs: number;
  /** Calls running at once (one per worker). */
  workers: number;
  /** Calls waiting beyond those running before new calls are refused as busy. */
  maxQueued: number;
  idleMs: number;
  maxOutputBytes: number;
  /** Cap on a call's result size (default 16 MiB). */
  maxResultBytes?: number;
  onWorkerEvent?: (event: 'start' | 'replace' | 'idle-stop', reason?: string) => void;
  /** Shared bound on idle workers across runners (see IdleWorkers). */
  idleWorkers?: IdleWorkers;
}

/**
 * Bounds the idle workers kept alive across all runners sharing it: when one
 * more worker goes idle beyond `max`, the least recently used idle worker is
 * stopped, exactly as if its idle period had passed (its next call starts a
 * new worker from the cached compiled modules). Every worker is a V8 isolate
 * (~7 MB when empty, ~18 MB with the WASI host and its I/O thread, more with
 * a JS engine), so without a bound 100 components used once each would keep
 * 100 isolates resident until their idle period ends.
 */
export class IdleWorkers {
  /** Insertion order = least recently idle first. */
  private readonly idle = new Map<object, () => void>();

  constructor(readonly max: number) {}

  /** `key`'s worker went idle; `stop` stops it. */
  add(key: object, stop: () => void): void {
    this.idle.delete(key);
    this.idle.set(key, stop);
    while (this.idle.size > Math.max(0, this.max)) {
      const [oldest, stopOldest] = this.idle.entries().next().value as [object, () => void];
      this.idle.delete(oldest);
      stopOldest();
    }
  }

  /** `key`'s worker is busy again, or gone. */
  delete(key: object): void {
    this.idle.delete(key);
  }

  get size(): number {
    return this.idle.size;
  }
}

export type RunResult = CallResponse | { type: 'timeout'; timeoutMs: number } | { type: 'busy'; queued: number } | { type: 'crash'; message: string };

type Call = Omit<CallRequest, 'type' | 'callId' | 'grants'>;

interface Pending {
  call: Call;
  grants: SandboxGrants;
  resolve: (result: RunResult) => void;
}

class Slot {
  worker?: Worker;
  ready?: Promise<Worker>;
  busy = false;
  idleTimer?: NodeJS.Timeout;
}

let nextCallId = 1;

export const DEFAULT_MAX_RESULT_BYTES = 16 * 1024 * 1024;
/** JS heap of a component worker (not its guest's linear memory). */
const WORKER_HEAP_MB = 512;

export class ComponentRunner {
  private readonly slots: Slot[];
  private readonly queue: Pending[] = [];
  private closed = false;

  constructor(private readonly options: RunnerOptions) {
    this.slots = Array.from({ length: Math.max(1, options.workers) }, () => new Slot());
  }

  /** Number of live worker threads (for metrics and tests). */
  get liveWorkers(): number {
    return this.slots.filter((s) => s.worker).length;
  }

  run(call: Call, grants: SandboxGrants): Promise<RunResult> {
    if (this.closed) return Promise.resolve({ type: 'crash', message: 'component was unloaded' });
    const free = this.slots.find((s) => !s.busy);
    if (!free && this.queue.length >= this.options.maxQueued) {
      return Promise.resolve({ type: 'busy', queued: this.queue.length });
    }
    return new Promise((resolve) => {
      this.queue.push({ call, grants, resolve });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.busy || this.queue.length === 0) continue;
      const pending = this.queue.shift()!;
      slot.busy = true;
      clearTimeout(slot.idleTimer);
      this.options.idleWorkers?.delete(slot);
      void this.execute(slot, pending).then((result) => {
        slot.busy = false;
        pending.resolve(result);
        this.scheduleIdle(slot);
        this.pump();
      });
    }
  }

  private async start(slot: Slot): Promise<Worker> {
    const prepared = await this.options.prepare();
    const init: WorkerInit = {
      ...prepared,
      componentId: this.options.componentId,
      emptyRoot: this.options.emptyRoot,
      maxOutputBytes: this.options.maxOutputBytes,
      maxResultBytes: this.options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES,
    };
    const worker = new Worker(new URL('./worker/entry.js', import.meta.url), {
      workerData: init,
      // Worker-side console output must never reach the MCP stdio stream.
      stdout: true,
      stderr: true,
      stdin: false,
      // Guest linear memory is capped separately (memory-limit.ts); this bounds
      // the JS values lifted from it (a guest's list of 100M integers becomes a
      // 100M-element array here), so such a guest ends its own worker, not the process.
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    worker.stdout.resume();
    worker.stderr.resume();
    await new Promise<void>((resolve, reject) => {
      const onMessage = (msg: WorkerResponse) => {
        if (msg.type === 'ready') {
          worker.off('error', reject);
          resolve();
        }
      };
      worker.once('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`worker exited with code ${code} during start`)));
    });
    worker.removeAllListeners('exit');
    worker.unref();
    slot.worker = worker;
    this.options.onWorkerEvent?.('start');
    return worker;
  }

  private async execute(slot: Slot, pending: Pending): Promise<RunResult> {
    let worker: Worker;
    try {
      slot.ready ??= this.start(slot);
      worker = await slot.ready;
    } catch (error) {
      slot.ready = undefined;
      return { type: 'crash', message: `could not start the component: ${(error as Error).message}` };
    }
    const callId = nextCallId++;
    const request: CallRequest = { type: 'call', callId, grants: pending.grants, ...pending.call };
    return new Promise<RunResult>((resolve) => {
      let settled = false;
      const finish = (result: RunResult, replace?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (replace) this.discard(slot, replace);
        resolve(result);
      };
      const onMessage = (msg: WorkerResponse) => {
        if (msg.type === 'result' && msg.callId === callId) {
          finish(msg, msg.poisoned ? describe(msg.outcome) : undefined);
        }
      };
      const onError = (error: Error) => finish({ type: 'crash', message: error.message }, `worker error: ${error.message}`);
      const onExit = (code: number) => finish({ type: 'crash', message: `worker exited with code ${code}` }, 'worker exited');
      const timer = setTimeout(
        () => finish({ type: 'timeout', timeoutMs: this.options.timeoutMs }, `call exceeded ${this.options.timeoutMs} ms`),
        this.options.timeoutMs,
      );
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.postMessage(request);
    });
  }

  private discard(slot: Slot, reason: string): void {
    const worker = slot.worker;
    slot.worker = undefined;
    slot.ready = undefined;
    clearTimeout(slot.idleTimer);
    this.options.idleWorkers?.delete(slot);
    if (worker) {
      void worker.terminate();
      this.options.onWorkerEvent?.('replace', reason);
    }
  }

  private scheduleIdle(slot: Slot): void {
    clearTimeout(slot.idleTimer);
    if (!slot.worker) return;
    this.options.idleWorkers?.add(slot, () => this.stopIdle(slot));
    if (this.options.idleMs <= 0) return;
    slot.idleTimer = setTimeout(() => this.stopIdle(slot), this.options.idleMs);
    slot.idleTimer.unref();
  }

  private stopIdle(slot: Slot): void {
    clearTimeout(slot.idleTimer);
    this.options.idleWorkers?.delete(slot);
    if (slot.busy || !slot.worker) return;
    const worker = slot.worker;
    slot.worker = undefined;
    slot.ready = undefined;
    void worker.terminate();
    this.options.onWorkerEvent?.('idle-stop');
  }

  /** Stops all workers; calls still queued are answered as crashed. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.resolve({ type: 'crash', message: 'component was unloaded' });
    await Promise.all(
      this.slots.map(async (slot) => {
        clearTimeout(slot.idleTimer);
        this.options.idleWorkers?.delete(slot);
        const worker = slot.worker;
        slot.worker = undefined;
        slot.ready = undefined;
        await worker?.terminate();
      }),
    );
  }
}

function describe(outcome: CallOutcome): string {
  switch (outcome.kind) {
    case 'trap':
      return `trap: ${outcome.message}`;
    case 'exit':
      return `guest exited with code ${outcome.code}`;
    default:
      return 'instance poisoned';
  }
}
