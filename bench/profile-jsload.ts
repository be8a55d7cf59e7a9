/**
 * Profiling aid (not part of the report): where the first call of a cached
 * component goes in a fresh process, step by step, with the runtime's own
 * functions (src/sandbox/artifacts.ts, src/sandbox/worker/entry.ts).
 *
 *   node dist/bench/profile-jsload.js <component.wasm> <interface|-> <function> [args-json]
 *
 * The first run transpiles into a temp cache (not timed); then a fresh
 * process per repetition times: reading + capping + compiling the core
 * modules, starting the worker (until 'ready'), and the first call (import of
 * the transpiled JS, instantiation, call).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { bytesToPages, limitModuleMemory } from '../src/sandbox/memory-limit.js';
import { ensureTranspiled } from '../src/sandbox/artifacts.js';
import { sha256Hex } from '../src/store/component-store.js';

const [wasmPath, iface, fn, argsJson, cacheDir] = process.argv.slice(2);
const MEMORY = 512 * 1024 * 1024;

async function timed(): Promise<Record<string, number>> {
  const t: Record<string, number> = {};
  let t0 = performance.now();
  const bytes = await readFile(wasmPath);
  const artifact = await ensureTranspiled(cacheDir, sha256Hex(bytes), async () => bytes);
  t.artifact = performance.now() - t0;
  const coreModules: Record<string, WebAssembly.Module> = {};
  let read = 0;
  let limit = 0;
  let compile = 0;
  for (const file of artifact.coreModuleFiles) {
    t0 = performance.now();
    const raw = await readFile(join(artifact.dir, file));
    read += performance.now() - t0;
    t0 = performance.now();
    const capped = limitModuleMemory(raw, bytesToPages(MEMORY)).bytes as Uint8Array<ArrayBuffer>;
    limit += performance.now() - t0;
    t0 = performance.now();
    coreModules[file] = await WebAssembly.compile(capped);
    compile += performance.now() - t0;
  }
  Object.assign(t, { read, limit, compile });
  t0 = performance.now();
  const worker = new Worker(new URL('../src/sandbox/worker/entry.js', import.meta.url), {
    workerData: { componentId: 'x', moduleUrl: artifact.moduleUrl, emptyRoot: tmpdir(), maxOutputBytes: 65536, maxResultBytes: 1 << 24 },
    stdout: true,
    stderr: true,
    resourceLimits: { maxOldGenerationSizeMb: 512 },
  });
  worker.stdout.resume();
  worker.stderr.resume();
  await new Promise<void>((resolve) => worker.once('message', () => resolve()));
  worker.postMessage({ type: 'modules', coreModules });
  t.workerReady = performance.now() - t0;
  const call = (callId: number) =>
    new Promise<unknown>((resolve) => {
      const on = (m: { type: string; callId: number; outcome: unknown }) => {
        if (m.type === 'result' && m.callId === callId) {
          worker.off('message', on);
          resolve(m.outcome);
        }
      };
      worker.on('message', on);
      worker.postMessage({
        type: 'call',
        callId,
        interface: iface === '-' ? undefined : iface,
        name: fn,
        args: JSON.parse(argsJson ?? '[]'),
        grants: { revision: 1, mounts: [], env: {}, policy: null, protectedHostPaths: [] },
      });
    });
  t0 = performance.now();
  const outcome = await call(1);
  t.firstCall = performance.now() - t0;
  t0 = performance.now();
  await call(2);
  t.secondCall = performance.now() - t0;
  t.total = t.artifact + read + limit + compile + t.workerReady + t.firstCall;
  if ((outcome as { kind?: string }).kind !== 'ok') throw new Error(`call failed: ${JSON.stringify(outcome)}`);
  await worker.terminate();
  return t;
}

if (process.env.TAPEDECK_PROFILE_CHILD) {
  process.stdout.write(`${JSON.stringify(await timed())}\n`);
  process.exit(0);
} else {
  const root = await mkdtemp(join(tmpdir(), 'tapedeck-jsload-'));
  try {
    const self = fileURLToPath(import.meta.url);
    const run = () => {
      const r = spawnSync(process.execPath, [...process.execArgv, self, wasmPath, iface, fn, argsJson ?? '[]', root], {
        env: { ...process.env, TAPEDECK_PROFILE_CHILD: '1' },
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(r.stderr);
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
    };
    run(); // transpile into the cache
    const runs = Array.from({ length: Number(process.env.REPS ?? 5) }, run);
    for (const key of Object.keys(runs[0])) {
      const values = runs.map((r) => r[key]).sort((a, b) => a - b);
      process.stdout.write(`${key.padEnd(12)} p50 ${values[values.length >> 1].toFixed(1).padStart(8)} ms   (${values.map((v) => v.toFixed(0)).join(', ')})\n`);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
