/**
 * Profiling aid (not part of the report): RSS that one more worker thread
 * costs, for an empty worker and for tapedeck's component worker
 * (src/sandbox/worker/entry.ts) running the minimal example, under several
 * `resourceLimits`.
 *
 *   node dist/bench/worker-memory.js [workers]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { compileCoreModules, ensureTranspiled } from '../src/sandbox/artifacts.js';
import { sha256Hex } from '../src/store/component-store.js';
import { readFile } from 'node:fs/promises';
import { exampleCopy } from './fixtures.js';
import { rssMB } from './servers.js';
import { sleep } from './client.js';

const count = Number(process.argv[2] ?? 20);
const root = await mkdtemp(join(tmpdir(), 'tapedeck-wmem-'));

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function measure(label: string, make: () => Promise<Worker>): Promise<void> {
  gc();
  await sleep(300);
  const before = rssMB(process.pid).rss;
  const workers: Worker[] = [];
  for (let i = 0; i < count; i++) workers.push(await make());
  gc();
  await sleep(1000);
  const after = rssMB(process.pid).rss;
  process.stdout.write(`${label.padEnd(60)} ${((after - before) / count).toFixed(2).padStart(7)} MB per worker\n`);
  await Promise.all(workers.map((w) => w.terminate()));
}

try {
  const minimal = await exampleCopy(root, 'minimal');
  const bytes = await readFile(minimal);
  const artifact = await ensureTranspiled(join(root, 'cache'), sha256Hex(bytes), async () => bytes);
  const coreModules = await compileCoreModules(artifact, 512 * 1024 * 1024);
  const entry = new URL('../src/sandbox/worker/entry.js', import.meta.url);
  const grants = { revision: 1, mounts: [], env: {}, policy: null, protectedHostPaths: [] };
  const emptyRoot = join(root, 'empty');

  const ready = (w: Worker) =>
    new Promise<Worker>((resolve, reject) => {
      w.once('message', () => resolve(w));
      w.once('error', reject);
    });
  const empty = (limits?: ResourceLimits) => async () => ready(new Worker(`require('node:worker_threads').parentPort.postMessage('ready'); setInterval(() => {}, 1 << 30);`, { eval: true, resourceLimits: limits }));
  const component = (limits?: ResourceLimits, needsWasi?: boolean) => async () => {
    const w = await ready(
      new Worker(entry, {
        workerData: { componentId: 'minimal', moduleUrl: artifact.moduleUrl, emptyRoot, maxOutputBytes: 65536, maxResultBytes: 1 << 24, needsWasi },
        stdout: true,
        stderr: true,
        resourceLimits: limits,
      }),
    );
    w.postMessage({ type: 'modules', coreModules });
    // One call, so the instance exists (as after a component's first call).
    await new Promise<void>((resolve) => {
      w.on('message', (m: { type: string }) => {
        if (m.type === 'result') resolve();
      });
      w.postMessage({ type: 'call', callId: 1, name: 'add', args: [1, 2], grants });
    });
    return w;
  };

  await measure('empty worker, default limits', empty());
  await measure('empty worker, young gen 1 MB', empty({ maxYoungGenerationSizeMb: 1 }));
  await measure('component worker, as tapedeck starts it (old gen 512 MB)', component({ maxOldGenerationSizeMb: 512 }));
  await measure('component worker without WASI host (needsWasi: false)', component({ maxOldGenerationSizeMb: 512 }, false));
  await measure('component worker, old 512 + young 1 MB', component({ maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: 1 }));
  await measure('component worker, old 512 + young 2 MB + stack 1 MB', component({ maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: 2, stackSizeMb: 1 }));
} finally {
  await rm(root, { recursive: true, force: true });
}
process.exit(0);
