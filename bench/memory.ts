/**
 * Memory: RSS of a tapedeck server process (streamable HTTP) with N loaded
 * components after each was called once (so every component has its worker
 * thread; threads share the process, so process RSS covers them), while M of
 * them are kept busy, and after the idle period stopped the workers.
 *
 * The server runs in a child process (this file with `--serve`) so the idle
 * period can be set (the CLI uses the runtime default of 5 minutes).
 */
import { fileURLToPath } from 'node:url';
import { Driver, sleep } from './client.js';
import { rssMB, spawnHelper, threadsOf, type ServerProcess, type TapedeckDirs } from './servers.js';
import { generatedTool } from './fixtures.js';

export interface MemoryResult {
  components: number;
  busy: number;
  idleMs: number;
  /** TapedeckOptions.maxIdleWorkers of the server (undefined: the runtime default). */
  maxIdleWorkers?: number;
  /** Server with the components registered, before any call (MB). */
  registeredRss: number;
  /** After one call to each component (all workers alive, idle), MB. */
  idleRss: number;
  idleThreads: number;
  /** While `busy` components are called continuously: peak and mean of samples, MB. */
  busyPeakRss: number;
  busyMeanRss: number;
  busyCalls: number;
  busyErrors: number;
  /** After the idle period (workers stopped), MB. */
  reapedRss: number;
  reapedThreads: number;
  /** Time to call every component once (worker starts), ms. */
  firstCallsMs: number;
}

export function startMemoryServer(
  dirs: TapedeckDirs,
  idleMs: number,
  maxIdleWorkers: number | undefined,
  env: Record<string, string>,
  logFile: string,
): Promise<ServerProcess> {
  return spawnHelper([fileURLToPath(import.meta.url), '--serve', JSON.stringify({ dirs, idleMs, maxIdleWorkers })], env, /listening (http:\/\/\S+)/, logFile, 120_000);
}

function sampleRss(pid: number, intervalMs: number): { stop(): { peak: number; mean: number } } {
  const samples: number[] = [];
  const timer = setInterval(() => {
    try {
      samples.push(rssMB(pid).rss);
    } catch {
      // process gone
    }
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      try {
        samples.push(rssMB(pid).rss);
      } catch {
        // process gone
      }
      return { peak: Math.max(...samples), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
    },
  };
}

export async function measureMemory(
  dirs: TapedeckDirs,
  components: number,
  busy: number,
  options: { idleMs: number; busyMs: number; maxIdleWorkers?: number; env: Record<string, string>; logFile: string },
): Promise<MemoryResult> {
  const server = await startMemoryServer(dirs, options.idleMs, options.maxIdleWorkers, options.env, options.logFile);
  const driver = await Driver.connect({ kind: 'http', url: server.url });
  try {
    const tools = await driver.listTools();
    for (let n = 1; n <= components; n++) {
      if (!tools.includes(generatedTool(n))) throw new Error(`memory server is missing tool ${generatedTool(n)}`);
    }
    await sleep(500);
    const registeredRss = rssMB(server.pid).rss;
    const t0 = performance.now();
    for (let n = 1; n <= components; n++) {
      const result = await driver.call(generatedTool(n), { a: n, b: 1 });
      if (result.isError) throw new Error(`call to ${generatedTool(n)} failed: ${JSON.stringify(result.content)}`);
    }
    const firstCallsMs = performance.now() - t0;
    await sleep(1000);
    const idleRss = rssMB(server.pid).rss;
    const idleThreads = threadsOf(server.pid);

    const sampler = sampleRss(server.pid, 100);
    let stop = false;
    let busyCalls = 0;
    let busyErrors = 0;
    const loops = Array.from({ length: busy }, async (_, i) => {
      const tool = generatedTool(i + 1);
      while (!stop) {
        const result = await driver.call(tool, { a: i, b: 2 }).catch(() => ({ isError: true }));
        if (result.isError) busyErrors++;
        else busyCalls++;
      }
    });
    await sleep(options.busyMs);
    stop = true;
    await Promise.all(loops);
    const busyRss = sampler.stop();

    // Wait for the idle stop of every worker (the busy ones were used last).
    await sleep(options.idleMs + 1500);
    const reapedRss = rssMB(server.pid).rss;
    const reapedThreads = threadsOf(server.pid);
    return {
      components,
      busy,
      idleMs: options.idleMs,
      maxIdleWorkers: options.maxIdleWorkers,
      registeredRss,
      idleRss,
      idleThreads,
      busyPeakRss: busyRss.peak,
      busyMeanRss: busyRss.mean,
      busyCalls,
      busyErrors,
      reapedRss,
      reapedThreads,
      firstCallsMs,
    };
  } finally {
    await driver.close();
    await server.stop();
  }
}

/** Idle RSS of any HTTP MCP server process after `calls` warm calls (for the baseline). */
export async function idleServerRss(server: ServerProcess, calls: number): Promise<number> {
  const driver = await Driver.connect({ kind: 'http', url: server.url });
  try {
    await driver.listTools();
    for (let i = 0; i < calls; i++) await driver.call('add', { a: i, b: 1 });
    await sleep(1000);
    return rssMB(server.pid).rss;
  } finally {
    await driver.close();
  }
}

async function serve(spec: { dirs: TapedeckDirs; idleMs: number; maxIdleWorkers?: number }): Promise<void> {
  const { Tapedeck } = await import('../src/app/tapedeck.js');
  const { startServer } = await import('../src/server/index.js');
  const { createLogger } = await import('../src/cli/logger.js');
  const logger = await createLogger('info', { pretty: false });
  const deck = await Tapedeck.open({
    ...spec.dirs,
    logger,
    idleMs: spec.idleMs,
    watch: true,
    ...(spec.maxIdleWorkers !== undefined && { maxIdleWorkers: spec.maxIdleWorkers }),
  });
  const running = await startServer(deck, { transport: 'streamable-http', bindAddress: '127.0.0.1:0', logger, version: '0.0.0-bench' });
  process.stdout.write(`listening ${running.url}/mcp\n`);
  const stop = () =>
    void running
      .close()
      .then(() => deck.close())
      .finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--serve') {
  await serve(JSON.parse(process.argv[3]) as { dirs: TapedeckDirs; idleMs: number; maxIdleWorkers?: number });
}
