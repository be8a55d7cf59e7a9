/**
 * Profiling aid (not part of the report): how a fresh server warms up. Each
 * server is started anew and called sequentially; for every bucket of calls
 * it prints the p50 latency and the server's CPU time per call (all threads,
 * from /proc). This is what `BenchSettings.warmup` is sized from.
 *
 *   node dist/bench/warmup-curve.js [calls] [bucket]      (defaults 6000, 500)
 *
 * The servers run one after another, not interleaved, so the latency column
 * moves with background load; the CPU column barely does.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Driver, measureLatency, type StdioEndpoint } from './client.js';
import { dirsIn, exampleCopy, loadedDir } from './fixtures.js';
import { baselineStdio, cpuTimeMs, serverEnv, tapedeckStdio } from './servers.js';

const calls = Number(process.argv[2] ?? 6000);
const bucket = Number(process.argv[3] ?? 500);
if (!(calls > 0 && bucket > 0 && calls % bucket === 0)) {
  throw new Error(`usage: warmup-curve [calls] [bucket] with calls a positive multiple of bucket (got ${calls}, ${bucket})`);
}

async function curve(label: string, endpoint: StdioEndpoint): Promise<void> {
  const driver = await Driver.connect(endpoint);
  const pid = driver.serverPid!;
  const cells: string[] = [];
  for (let b = 0; b < calls / bucket; b++) {
    const before = cpuTimeMs(pid);
    const { summary, errors, firstError } = await measureLatency(driver, { tool: 'add', args: { a: 20, b: 22 } }, 0, bucket);
    if (errors) throw new Error(`${label}: ${errors} of ${bucket} calls failed, the first with ${firstError}`);
    const cpuUs = ((cpuTimeMs(pid).total - before.total) * 1000) / bucket;
    cells.push(`${Math.round(summary.median * 1000)}/${Math.round(cpuUs)}`);
  }
  console.log(`${label.padEnd(16)} ${cells.join(' ')}`);
  await driver.close();
}

const root = await mkdtemp(join(tmpdir(), 'tapedeck-warmup-'));
try {
  const env = serverEnv(root);
  const dirs = dirsIn(root, 'curve');
  await loadedDir(dirs, [await exampleCopy(root, 'minimal')]);
  console.log(`p50 µs / server CPU µs per call, per bucket of ${bucket} sequential \`add\` calls over stdio`);
  // The client process warms up too: let it do so against a throwaway server first.
  await curve('(client warm-up)', baselineStdio(env));
  for (let rep = 0; rep < 2; rep++) {
    await curve('baseline', baselineStdio(env));
    await curve('baseline+worker', baselineStdio(env, undefined, true));
    await curve('tapedeck', tapedeckStdio(dirs, env));
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
