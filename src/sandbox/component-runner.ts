/**
 * Runs calls for one component on worker threads: starts workers lazily,
 * queues calls beyond the concurrency bound, enforces the per-call timeout,
 * replaces a worker whose instance trapped, exited or timed out, and stops
 * idle workers.
 *
 * Calls are pipelined: while a worker runs one call, up to `pipelineDepth - 1`
 * more are already posted to it, and it runs them strictly one after another.
 * Waking a sleeping thread is the dearest part of a call on a small VM (a
 * postMessage to an idle worker costs the main thread tens of µs); a worker
 * that finds its next call waiting never sleeps, so under load the hop costs
 * little more than the copy. The timeout clock of a call starts when the call
 * before it on the same worker has answered (that is when the worker starts
 * it), so waiting behind another call never counts against a call's budget.
 */
import { Worker } from 'node:worker_threads';
import { LazyDeadline } from './lazy-deadline.js';
import type { CallOutcome, CallRequest, CallResponse, SandboxGrants, WorkerInit, WorkerRequest, WorkerResponse } from './protocol.js';

export interface WorkerPreparation extends Pick<WorkerInit, 'moduleUrl' | 'needsWasi'> {
  /** The compiled core modules (cached after the first time); runs while the worker boots. */
  compile: () => Promise<Record<string, WebAssembly.Module>>;
}

export interface RunnerOptions {
  componentId: string;
  /** Returns what a new worker needs: the transpiled module, and how to get its compiled core modules. */
  prepare: () => Promise<WorkerPreparation>;
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
  /** Calls posted to one worker at a time, the running one included (default 4; 1 turns pipelining off). */
  pipelineDepth?: number;
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

interface Posted extends Pending {
  callId: number;
}

class Slot {
  worker?: Worker;
  /** Set while the worker starts. */
  starting?: Promise<void>;
  /** Calls posted to the worker, in order; the first one is running. */
  readonly posted: Posted[] = [];
  /** Requests posted in this turn of the event loop, sent together (see post). */
  readonly outbox: CallRequest[] = [];
  /** Grants revision the worker was last sent (it keeps them between calls). */
  sentRevision = -1;
  /** Timeout clock of the running call; restarted as each pipelined call starts. */
  readonly timeout: LazyDeadline;
  /** Idle clock: runs while the worker has nothing to do. */
  readonly idle: LazyDeadline;

  constructor(onTimeout: (slot: Slot) => void, onIdle: (slot: Slot) => void) {
    this.timeout = new LazyDeadline(() => this.posted.length > 0, () => onTimeout(this));
    this.idle = new LazyDeadline(() => !this.busy && this.worker !== undefined, () => onIdle(this));
  }

  get busy(): boolean {
    return this.posted.length > 0 || this.starting !== undefined;
  }
}

let nextCallId = 1;

export const DEFAULT_MAX_RESULT_BYTES = 16 * 1024 * 1024;
const DEFAULT_PIPELINE_DEPTH = 4;
/** JS heap of a component worker (not its guest's linear memory). */
const WORKER_HEAP_MB = 512;

export class ComponentRunner {
  private readonly slots: Slot[];
  private readonly queue: Pending[] = [];
  private readonly depth: number;
  private closed = false;

  constructor(private readonly options: RunnerOptions) {
    this.slots = Array.from(
      { length: Math.max(1, options.workers) },
      () => new Slot((slot) => this.timedOut(slot), (slot) => this.stopIdle(slot)),
    );
    this.depth = Math.max(1, options.pipelineDepth ?? DEFAULT_PIPELINE_DEPTH);
  }

  /** Number of live worker threads (for metrics and tests). */
  get liveWorkers(): number {
    return this.slots.filter((s) => s.worker).length;
  }

  /** Calls accepted but not yet running: queued here or posted behind a running call. */
  private get waiting(): number {
    // A starting worker will take the first queued call: that call counts as running.
    let starting = 0;
    let behind = 0;
    for (const slot of this.slots) {
      if (slot.starting) starting++;
      behind += Math.max(0, slot.posted.length - 1);
    }
    return Math.max(0, this.queue.length - starting) + behind;
  }

  run(call: Call, grants: SandboxGrants): Promise<RunResult> {
    if (this.closed) return Promise.resolve({ type: 'crash', message: 'component was unloaded' });
    if (!this.slots.some((s) => !s.busy)) {
      const waiting = this.waiting;
      if (waiting >= this.options.maxQueued) return Promise.resolve({ type: 'busy', queued: waiting });
    }
    return new Promise((resolve) => {
      this.queue.push({ call, grants, resolve });
      this.pump();
    });
  }

  /** Hands queued calls to workers: idle slots first, then pipelined behind running calls. */
  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      const slot = this.slots.find((s) => !s.busy) ?? this.pipelineSlot();
      if (!slot) return;
      if (!slot.worker) {
        this.startWorker(slot);
        continue;
      }
      this.post(slot, this.queue.shift()!);
    }
  }

  /** A started worker with room in its pipeline (the least loaded), if any. */
  private pipelineSlot(): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of this.slots) {
      if (!slot.worker || slot.starting || slot.posted.length >= this.depth) continue;
      if (!best || slot.posted.length < best.posted.length) best = slot;
    }
    return best;
  }

  private post(slot: Slot, pending: Pending): void {
    const worker = slot.worker!;
    this.options.idleWorkers?.delete(slot);
    // Numbered in place (a call re-queued after a worker failed gets a new number when re-posted).
    const posted = pending as Posted;
    const callId = (posted.callId = nextCallId++);
    const { call } = pending;
    const request: CallRequest = { type: 'call', callId, interface: call.interface, name: call.name, args: call.args };
    // The worker keeps its grants between calls: send them only when they changed.
    if (pending.grants.revision !== slot.sentRevision) {
      request.grants = pending.grants;
      slot.sentRevision = pending.grants.revision;
    }
    slot.posted.push(posted);
    if (slot.posted.length === 1) slot.timeout.start(this.options.timeoutMs, true);
    // An idle worker gets its call at once. Calls for a busy worker that
    // arrive in the same turn of the event loop (several HTTP requests read
    // in one poll) go to it together, in one message.
    if (slot.posted.length === 1) {
      worker.postMessage(request);
      return;
    }
    slot.outbox.push(request);
    if (slot.outbox.length === 1) setImmediate(() => this.flush(slot, worker));
  }

  private flush(slot: Slot, worker: Worker): void {
    // A worker replaced since: replace() dropped its outbox (those calls were re-queued).
    if (slot.worker !== worker) return;
    const requests = slot.outbox.splice(0);
    if (requests.length === 0) return;
    worker.postMessage(requests.length === 1 ? requests[0] : requests);
  }

  private timedOut(slot: Slot): void {
    const timeoutMs = this.options.timeoutMs;
    this.fail(slot, { type: 'timeout', timeoutMs }, `call exceeded ${timeoutMs} ms`);
  }

  private startWorker(slot: Slot): void {
    const starting = this.spawn().then(
      (worker) => {
        slot.starting = undefined;
        if (this.closed) {
          void worker.terminate();
          return;
        }
        slot.worker = worker;
        slot.sentRevision = -1;
        worker.on('message', (msg: WorkerResponse) => this.onResult(slot, worker, msg));
        worker.once('error', (error: Error) => {
          if (slot.worker === worker) this.fail(slot, { type: 'crash', message: error.message }, `worker error: ${error.message}`);
        });
        worker.once('exit', (code: number) => {
          if (slot.worker === worker) this.fail(slot, { type: 'crash', message: `worker exited with code ${code}` }, 'worker exited');
        });
        this.options.onWorkerEvent?.('start');
        this.pump();
      },
      (error: Error) => {
        slot.starting = undefined;
        // The call that asked for the worker fails; later ones try again.
        this.queue.shift()?.resolve({ type: 'crash', message: `could not start the component: ${error.message}` });
        this.pump();
      },
    );
    slot.starting = starting;
  }

  /**
   * Starts a worker and, while it boots (isolate, transpiled glue, WASI
   * host), compiles the core modules; posts them once both are done. For a
   * JS-engine component both take tens of ms, so a cold first call waits for
   * the longer of the two instead of their sum.
   */
  private async spawn(): Promise<Worker> {
    const { compile, ...prepared } = await this.options.prepare();
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
      // The worker's own process.env starts empty: the guest's environment is
      // exactly its grants (worker/wasi-host.ts), never a copy of the server's.
      env: {},
      // Guest linear memory is capped separately (memory-limit.ts); this bounds
      // the JS values lifted from it (a guest's list of 100M integers becomes a
      // 100M-element array here), so such a guest ends its own worker, not the process.
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    worker.stdout.resume();
    worker.stderr.resume();
    const booted = new Promise<void>((resolve, reject) => {
      const onMessage = (msg: WorkerResponse) => {
        if (msg.type !== 'ready' && msg.type !== 'init-error') return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        worker.off('exit', onExit);
        if (msg.type === 'ready') resolve();
        else reject(new Error(msg.message));
      };
      const onExit = (code: number) => reject(new Error(`worker exited with code ${code} during start`));
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', onExit);
    });
    try {
      const [coreModules] = await Promise.all([compile(), booted]);
      worker.postMessage({ type: 'modules', coreModules } satisfies WorkerRequest);
    } catch (error) {
      void worker.terminate();
      throw error;
    }
    worker.unref();
    return worker;
  }

  private onResult(slot: Slot, worker: Worker, msg: WorkerResponse): void {
    if (msg.type !== 'result' || slot.worker !== worker) return;
    const head = slot.posted[0];
    if (!head || head.callId !== msg.callId) return;
    slot.posted.shift();
    if (msg.poisoned || msg.recycle) {
      // The worker runs nothing after a poisoned or recycling call (see worker/entry.ts): the calls behind it never started.
      this.replace(slot, msg.poisoned ? describe(msg.outcome) : 'the component holds too many open files it never closed');
    } else if (slot.posted.length > 0) {
      slot.timeout.start(this.options.timeoutMs, true);
    } else {
      // Left to fire once and find nothing to time; it must not keep the process alive.
      slot.timeout.release();
      this.scheduleIdle(slot);
    }
    head.resolve(msg);
    this.pump();
  }

  /** Ends the running call with `result`, replaces the worker, and re-queues the calls that had not started. */
  private fail(slot: Slot, result: RunResult, reason: string): void {
    const head = slot.posted.shift();
    this.replace(slot, reason);
    head?.resolve(result);
    this.pump();
  }

  private replace(slot: Slot, reason: string): void {
    const worker = slot.worker;
    slot.timeout.stop();
    slot.idle.stop();
    this.options.idleWorkers?.delete(slot);
    slot.worker = undefined;
    slot.outbox.length = 0;
    this.queue.unshift(...slot.posted.splice(0));
    if (worker) {
      worker.removeAllListeners('message');
      void worker.terminate();
      this.options.onWorkerEvent?.('replace', reason);
    }
  }

  /** Starts the idle clock of a slot whose worker has nothing left to run (it restarts with each call). */
  private scheduleIdle(slot: Slot): void {
    if (!slot.worker) return;
    this.options.idleWorkers?.add(slot, () => this.stopIdle(slot));
    if (this.options.idleMs > 0) slot.idle.start(this.options.idleMs, false);
  }

  private stopIdle(slot: Slot): void {
    slot.idle.stop();
    this.options.idleWorkers?.delete(slot);
    if (slot.busy || !slot.worker) return;
    const worker = slot.worker;
    slot.worker = undefined;
    worker.removeAllListeners('message');
    void worker.terminate();
    this.options.onWorkerEvent?.('idle-stop');
  }

  /** Stops all workers; calls still queued or running are answered as crashed. */
  async close(): Promise<void> {
    this.closed = true;
    const unloaded: RunResult = { type: 'crash', message: 'component was unloaded' };
    for (const pending of this.queue.splice(0)) pending.resolve(unloaded);
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.timeout.stop();
        slot.idle.stop();
        this.options.idleWorkers?.delete(slot);
        const worker = slot.worker;
        slot.worker = undefined;
        slot.outbox.length = 0;
        for (const posted of slot.posted.splice(0)) posted.resolve(unloaded);
        worker?.removeAllListeners();
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
