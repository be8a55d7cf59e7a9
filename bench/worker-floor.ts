/**
 * The floor of any worker-thread sandbox on Node: a message round trip
 * between the main thread and a worker (postMessage both ways), measured
 * in-process. Used by the report (section "floor") and as a profiling aid:
 *
 *   node dist/bench/worker-floor.js [round-trips]
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { summarize, type Summary } from './stats.js';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => parentPort.postMessage({ type: 'result', callId: m.callId, outcome: { kind: 'ok', value: (m.args[0] + m.args[1]) >>> 0 }, denials: [], stdout: '', stderr: '', poisoned: false }));
`;

export interface WorkerFloor {
  /** Round trip of a call-sized message (µs). */
  small: Summary;
  /** Round trip when every request also carries a grants object like tapedeck's (µs). */
  withGrants: Summary;
  /** Process CPU time per round trip (both threads), µs. */
  smallCpuUs: number;
  withGrantsCpuUs: number;
}

const GRANTS = {
  revision: 1,
  mounts: [],
  env: {},
  policy: null,
  protectedHostPaths: ['/home/user/.local/share/tapedeck/components', '/home/user/.local/share/tapedeck/secrets'],
};

async function roundTrips(worker: Worker, n: number, extra: Record<string, unknown>): Promise<{ summary: Summary; cpuUs: number }> {
  const samples: number[] = [];
  let callId = 0;
  const once = () =>
    new Promise<void>((resolve) => {
      worker.once('message', () => resolve());
      worker.postMessage({ type: 'call', callId: ++callId, name: 'add', args: [20, 22], ...extra });
    });
  for (let i = 0; i < Math.min(1000, n); i++) await once();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await once();
    samples.push((performance.now() - t0) * 1000);
  }
  const cpu = process.cpuUsage(cpu0);
  return { summary: summarize(samples), cpuUs: (cpu.user + cpu.system) / n };
}

export async function measureWorkerFloor(n: number): Promise<WorkerFloor> {
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  try {
    const small = await roundTrips(worker, n, {});
    const withGrants = await roundTrips(worker, n, { grants: GRANTS });
    return { small: small.summary, withGrants: withGrants.summary, smallCpuUs: small.cpuUs, withGrantsCpuUs: withGrants.cpuUs };
  } finally {
    await worker.terminate();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await measureWorkerFloor(Number(process.argv[2] ?? 20000));
  process.stdout.write(`small        p50 ${r.small.median.toFixed(1)} us  p99 ${r.small.p99.toFixed(1)} us  cpu ${r.smallCpuUs.toFixed(1)} us\n`);
  process.stdout.write(`withGrants   p50 ${r.withGrants.median.toFixed(1)} us  p99 ${r.withGrants.p99.toFixed(1)} us  cpu ${r.withGrantsCpuUs.toFixed(1)} us\n`);
}
