/**
 * `npm run bench`: tapedeck against the floor (the official MCP SDK serving
 * the same work without a sandbox), in the same run on the same machine.
 * Prints a table and writes docs/benchmarks.md.
 *
 *   node dist/bench/run.js [--quick] [--out FILE] [--json FILE] [--iterations N]
 *                          [--warmup N] [--only stdio,http,startup,js,memory]
 *                          [--duration MS] [--startup-reps N] [--counts 20,100]
 *                          [--memory-components N] [--memory-busy N] [--idle-ms MS]
 *                          [--busy-ms MS] [--js-reps N] [--keep]
 */
import { openSync, readFileSync, existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Driver, measureLatency, measureThroughput, type CallSpec, type Era, type ThroughputResult } from './client.js';
import { cachedDirs, dirsIn, exampleCopy, loadedDir } from './fixtures.js';
import { idleServerRss, measureMemory, type MemoryResult } from './memory.js';
import {
  baselineStdio,
  cpuTimeMs,
  frontendStdio,
  repoRoot,
  serverEnv,
  spawnBaselineHttp,
  spawnFrontendHttp,
  spawnTapedeckHttp,
  tapedeckStdio,
  type ServerProcess,
} from './servers.js';
import { firstLoadInChild, measureStartup, type FirstLoad } from './startup.js';
import { median, ratio, summarize, type Summary } from './stats.js';

// ------------------------------------------------------------------ options

export interface BenchSettings {
  mode: 'full' | 'quick';
  /** Timed sequential calls per per-call case (split into alternating rounds). */
  iterations: number;
  /**
   * Untimed calls per server before each per-call case, made in turns (see
   * perCallRounds). A fresh server's CPU per `add` call falls from 360-770 µs
   * to 130-190 µs over its first ~5,000 calls (V8 tiering up the SDK's and the
   * server's code; bench/warmup-curve.ts), and the baseline's still falls a
   * little after that (CPU per `add` call 141-168 µs after 5,000, 102-144 after
   * 10,000; bench/findings.md). With only 300 the first case measured mostly
   * that phase, which adds about the same time to every server and so flatters
   * every ratio.
   */
  warmup: number;
  /** Measured time per throughput point per server (ms), and its warm-up. */
  durationMs: number;
  throughputWarmupMs: number;
  concurrencies: number[];
  startupReps: number;
  /** Cached component counts for the startup cases (0 is always measured). */
  counts: number[];
  memoryComponents: number;
  memoryBusy: number;
  idleMs: number;
  busyMs: number;
  /** Fresh-process first loads of the JS-engine component: uncached reps, cached reps. */
  jsUncachedReps: number;
  jsCachedReps: number;
  echoText: string;
  /** Sections to run (development aid; the report of a partial run has n/a for the rest). */
  only?: Section[];
}

export type Section = 'stdio' | 'http' | 'startup' | 'js' | 'memory';
export const SECTIONS: Section[] = ['stdio', 'http', 'startup', 'js', 'memory'];

function parseArgs(argv: string[]): { settings: BenchSettings; out: string; json?: string; keep: boolean } {
  const quick = argv.includes('--quick');
  const settings: BenchSettings = quick
    ? {
        mode: 'quick',
        iterations: 300,
        warmup: 50,
        durationMs: 1500,
        throughputWarmupMs: 300,
        concurrencies: [1, 16, 64],
        startupReps: 2,
        counts: [20, 100],
        memoryComponents: 100,
        memoryBusy: 20,
        idleMs: 4000,
        busyMs: 2000,
        jsUncachedReps: 1,
        jsCachedReps: 2,
        echoText: 'hello, tapedeck',
      }
    : {
        mode: 'full',
        iterations: 3000,
        warmup: 10000,
        durationMs: 6000,
        throughputWarmupMs: 1000,
        concurrencies: [1, 16, 64],
        startupReps: 7,
        counts: [20, 100],
        memoryComponents: 100,
        memoryBusy: 20,
        idleMs: 15_000,
        busyMs: 5000,
        jsUncachedReps: 2,
        jsCachedReps: 5,
        echoText: 'hello, tapedeck',
      };
  let out = join(repoRoot, 'docs/benchmarks.md');
  let json: string | undefined;
  let keep = false;
  const shown = (v: string | undefined): string => (v === undefined ? 'nothing' : `'${v}'`);
  const text = (v: string | undefined, flag: string): string => {
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag}: expected a value, got ${shown(v)}`);
    return v;
  };
  const num = (v: string | undefined, flag: string): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n < 0) throw new Error(`${flag}: expected a number, got ${shown(v)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    switch (flag) {
      case '--quick':
        break;
      case '--keep':
        keep = true;
        break;
      case '--out':
        out = resolve(text(value, flag));
        i++;
        break;
      case '--json':
        json = resolve(text(value, flag));
        i++;
        break;
      case '--iterations':
        settings.iterations = num(value, flag);
        i++;
        break;
      case '--warmup':
        settings.warmup = num(value, flag);
        i++;
        break;
      case '--duration':
        settings.durationMs = num(value, flag);
        settings.throughputWarmupMs = Math.round(settings.durationMs / 5);
        i++;
        break;
      case '--startup-reps':
        settings.startupReps = num(value, flag);
        i++;
        break;
      case '--counts':
        settings.counts = text(value, flag).split(',').map((v) => num(v, flag)).filter((n) => n > 0);
        i++;
        break;
      case '--memory-components':
        settings.memoryComponents = num(value, flag);
        i++;
        break;
      case '--memory-busy':
        settings.memoryBusy = num(value, flag);
        i++;
        break;
      case '--idle-ms':
        settings.idleMs = num(value, flag);
        i++;
        break;
      case '--busy-ms':
        settings.busyMs = num(value, flag);
        i++;
        break;
      case '--only':
        settings.only = text(value, flag).split(',').map((v) => {
          if (!(SECTIONS as string[]).includes(v)) throw new Error(`--only: unknown section '${v}' (use ${SECTIONS.join(', ')})`);
          return v as Section;
        });
        i++;
        break;
      case '--js-reps':
        settings.jsCachedReps = num(value, flag);
        i++;
        break;
      default:
        throw new Error(`unknown option ${flag} (the options are listed at the top of bench/run.ts)`);
    }
  }
  settings.memoryBusy = Math.min(settings.memoryBusy, settings.memoryComponents);
  return { settings, out, json, keep };
}

// ------------------------------------------------------------------ report types

/**
 * `baseline+worker`: the baseline with its tools on a worker thread (the floor of worker isolation);
 * `tapedeck front end`: tapedeck's MCP server over a plain-JS stand-in runtime (what the front end costs).
 */
export type ServerName = 'baseline' | 'baseline+worker' | 'tapedeck front end' | 'tapedeck';
/** Warm-up calls per server per turn (see perCallRounds). */
const WARMUP_TURN = 500;
const SERVER_ORDER: ServerName[] = ['baseline', 'baseline+worker', 'tapedeck front end', 'tapedeck'];
export type TransportName = 'stdio' | 'http' | 'http-2026';

export interface PerCallRow {
  transport: TransportName;
  server: ServerName;
  /** What ran: `js: add` for the baseline, the component for tapedeck. */
  work: string;
  tool: string;
  latency: Summary;
  errors: number;
  /** Server CPU time per call (all threads / main thread only), µs: robust against other load on the machine. */
  cpuUs: number;
  mainCpuUs: number;
  /** tapedeck p50 / baseline p50 for the same tool and transport (plain-JS `add` for the JS-engine row). */
  ratioP50?: number;
  ratioP99?: number;
}

export interface ThroughputRow {
  transport: TransportName;
  server: ServerName;
  concurrency: number;
  rps: number;
  latency: Summary;
  calls: number;
  errors: number;
  ratio?: number;
}

export interface StartupRow {
  server: ServerName;
  components: number;
  tools: number;
  summary: Summary;
  /** Server CPU time until tools/list was answered (ms). */
  cpu: Summary;
}

export interface TargetRow {
  name: string;
  bar: string;
  value: number;
  unit: string;
  pass: boolean;
  /** What the floor of worker isolation (baseline+worker) reaches on the same measure, when it applies. */
  floor?: number;
  /** What tapedeck's front end alone (no sandbox) reaches on the same measure, when it applies. */
  frontEnd?: number;
}

export interface BenchReport {
  meta: {
    date: string;
    node: string;
    v8: string;
    cpu: string;
    cores: number;
    memoryGB: number;
    platform: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
    durationS: number;
    settings: BenchSettings;
  };
  perCall: PerCallRow[];
  throughput: ThroughputRow[];
  startup: StartupRow[];
  firstLoad: {
    js: { component: string; uncached: FirstLoad[]; cached: FirstLoad[]; registered: FirstLoad[] };
    /** First (uncached) loads of generated WAT components, in-process (ms). */
    wat: Summary;
  };
  memory: {
    /** tapedeck with the runtime defaults (idle workers bounded by maxIdleWorkers). */
    tapedeck?: MemoryResult;
    /** The same with the idle-worker bound lifted (every used component keeps its worker until its idle period ends). */
    unbounded?: MemoryResult;
    baselineIdleRss: number;
    tapedeckEmptyIdleRss: number;
  };
  targets: TargetRow[];
}

// ------------------------------------------------------------------ helpers

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) return match[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function addCheck(a: number, b: number): CallSpec['check'] {
  return (r) => (r.structuredContent as { result?: unknown } | undefined)?.result === a + b;
}

/** Rounds of ~100 timed calls (see perCallRounds). */
function perCallRoundCount(iterations: number): number {
  return Math.max(6, Math.round(iterations / 100));
}

/** Per-call cases, each measured on every server in alternating rounds. */
interface PerCallCase {
  work: { baseline?: string; tapedeck: string };
  /** The plain-JS call (baseline and baseline+worker); absent when only tapedeck runs the case. */
  baseline?: CallSpec;
  tapedeck: CallSpec;
  /** Ratio against the baseline of this case key (for the JS-engine row: plain-JS add). */
  ratioTo: string;
  key: string;
}

type Drivers = Partial<Record<ServerName, Driver>>;

function specOf(c: PerCallCase, server: ServerName): CallSpec | undefined {
  return server === 'tapedeck' ? c.tapedeck : c.baseline;
}

async function perCallRounds(transport: TransportName, drivers: Drivers, cases: PerCallCase[], settings: BenchSettings): Promise<PerCallRow[]> {
  // Short rounds (~100 timed calls, a few tens of ms per server) so that load
  // from other processes, which drifts over seconds on these shared machines,
  // hits every server alike: with 6 long rounds the floor's own ratio moved
  // from 1.24x to 1.63x between runs. A server whose turn comes round again
  // has been idle meanwhile (cold caches, sleeping threads), so each turn
  // starts with a few untimed calls.
  const rounds = perCallRoundCount(settings.iterations);
  const per = Math.max(1, Math.round(settings.iterations / rounds));
  const rewarm = Math.min(20, Math.ceil(per / 5));
  const servers = SERVER_ORDER.filter((s) => drivers[s]);
  const rows: PerCallRow[] = [];
  const baselineByKey = new Map<string, PerCallRow>();
  for (const c of cases) {
    const samples = new Map<ServerName, number[]>(servers.map((s) => [s, []]));
    const errors = new Map<ServerName, number>(servers.map((s) => [s, 0]));
    const cpu = new Map<ServerName, { total: number; main: number }>(servers.map((s) => [s, { total: 0, main: 0 }]));
    // Warm every server (worker start, JIT) before anything is timed, in
    // turns of WARMUP_TURN calls. Warmed one after another, the first server
    // (the baseline) sat idle for the others' whole warm-up and entered the
    // timed rounds in another state than the last: after 20,000 calls each,
    // its CPU per `add` call was 244-254 µs, against 115-138 µs warmed in turns.
    // At least one call per server, whose answer is checked, even with --warmup 0.
    const turns = Math.max(1, Math.ceil(settings.warmup / WARMUP_TURN));
    for (let turn = 0; turn < turns; turn++) {
      const calls = Math.max(1, Math.min(WARMUP_TURN, settings.warmup - turn * WARMUP_TURN));
      for (const server of servers) {
        const spec = specOf(c, server);
        if (!spec) continue;
        const warm = await measureLatency(drivers[server]!, spec, calls - 1, 1);
        if (warm.errors) throw new Error(`${server} ${spec.tool} fails over ${transport}: ${warm.firstError}`);
      }
    }
    for (let r = 0; r < rounds; r++) {
      // Rotate the order so no server always runs first or last in a round.
      const order = servers.map((_, i) => servers[(i + r) % servers.length]);
      for (const server of order) {
        const spec = specOf(c, server);
        if (!spec) continue;
        await measureLatency(drivers[server]!, spec, rewarm, 0);
        const pid = drivers[server]!.serverPid;
        const before = pid ? cpuTimeMs(pid) : undefined;
        const result = await measureLatency(drivers[server]!, spec, 0, per);
        if (pid && before) {
          const after = cpuTimeMs(pid);
          const acc = cpu.get(server)!;
          acc.total += after.total - before.total;
          acc.main += after.main - before.main;
        }
        errors.set(server, errors.get(server)! + result.errors);
        samples.get(server)!.push(...result.samples);
      }
    }
    for (const server of servers) {
      const spec = specOf(c, server);
      if (!spec) continue;
      const row: PerCallRow = {
        transport,
        server,
        work:
          server === 'tapedeck'
            ? c.work.tapedeck
            : server === 'baseline'
              ? c.work.baseline!
              : server === 'baseline+worker'
                ? `${c.work.baseline!} on a worker thread`
                : `${c.work.baseline!}, no sandbox`,
        tool: spec.tool,
        latency: summarize(samples.get(server)!),
        errors: errors.get(server)!,
        cpuUs: (1000 * cpu.get(server)!.total) / samples.get(server)!.length,
        mainCpuUs: (1000 * cpu.get(server)!.main) / samples.get(server)!.length,
      };
      if (server === 'baseline') baselineByKey.set(c.key, row);
      rows.push(row);
    }
  }
  for (const row of rows) {
    if (row.server === 'baseline') continue;
    const c = cases.find((x) => specOf(x, row.server)?.tool === row.tool)!;
    const base = baselineByKey.get(c.ratioTo);
    if (base) {
      row.ratioP50 = ratio(row.latency.median, base.latency.median);
      row.ratioP99 = ratio(row.latency.p99, base.latency.p99);
    }
  }
  return rows;
}

async function throughputRounds(
  transport: TransportName,
  drivers: Drivers,
  specs: { baseline: CallSpec; tapedeck: CallSpec },
  settings: BenchSettings,
): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  const servers = SERVER_ORDER.filter((s) => drivers[s]);
  for (const concurrency of settings.concurrencies) {
    const parts = new Map<ServerName, ThroughputResult[]>(servers.map((s) => [s, []]));
    // Two halves per server in mirrored order (A B C C B A), so drifting background load hits all alike.
    for (const server of [...servers, ...[...servers].reverse()]) {
      const spec = server === 'tapedeck' ? specs.tapedeck : specs.baseline;
      parts.get(server)!.push(await measureThroughput(drivers[server]!, spec, concurrency, settings.durationMs / 2, settings.throughputWarmupMs));
    }
    const rowFor = (server: ServerName): ThroughputRow => {
      const p = parts.get(server)!;
      const calls = p.reduce((a, x) => a + x.calls, 0);
      const seconds = p.reduce((a, x) => a + x.seconds, 0);
      const errors = p.reduce((a, x) => a + x.errors, 0);
      if (errors) log(`  ${server} c=${concurrency}: ${errors} failed calls, e.g. ${p.find((x) => x.firstError)?.firstError}`);
      return { transport, server, concurrency, rps: calls / seconds, latency: summarize(p.flatMap((x) => x.samples)), calls, errors };
    };
    const found = servers.map(rowFor);
    const base = found.find((r) => r.server === 'baseline')!;
    for (const r of found) if (r.server !== 'baseline') r.ratio = ratio(r.rps, base.rps);
    rows.push(...found);
    log(`  ${transport} c=${concurrency}: ${found.map((r) => `${r.server} ${r.rps.toFixed(0)}/s`).join(', ')}`);
  }
  return rows;
}

// ------------------------------------------------------------------ the run

export async function runBench(settings: BenchSettings, options: { keep?: boolean } = {}): Promise<BenchReport> {
  const started = performance.now();
  const loadAtStart = loadavg();
  const want = (section: Section) => !settings.only || settings.only.includes(section);
  const root = await mkdtemp(join(tmpdir(), 'tapedeck-bench-'));
  const env = serverEnv(root);
  const logDir = join(root, 'logs');
  await mkdir(logDir, { recursive: true });
  const logFd = (name: string) => openSync(join(logDir, `${name}.log`), 'a');
  log(`scratch directory ${root}`);
  const servers: ServerProcess[] = [];
  const drivers: Driver[] = [];
  try {
    // ---------------------------------------------------------- fixtures
    log('preparing components (minimal, calculator, generated)');
    const minimal = await exampleCopy(root, 'minimal');
    const calculator = await exampleCopy(root, 'calculator');
    const perCallDirs = dirsIn(root, 'percall');
    if (want('stdio') || want('http')) await loadedDir(perCallDirs, [minimal, calculator]);
    const counts = [...(want('startup') ? settings.counts : []), ...(want('memory') ? [settings.memoryComponents] : [])];
    const cached = await cachedDirs(root, [...new Set(counts)]);
    await mkdir(dirsIn(root, 'empty').componentDir, { recursive: true });

    // ---------------------------------------------------------- per call + throughput
    const perCall: PerCallRow[] = [];
    const throughput: ThroughputRow[] = [];
    const cases: PerCallCase[] = [
      {
        key: 'add',
        ratioTo: 'add',
        work: { baseline: 'plain JS', tapedeck: 'minimal.wasm (WAT)' },
        baseline: { tool: 'add', args: { a: 20, b: 22 }, check: addCheck(20, 22) },
        tapedeck: { tool: 'add', args: { a: 20, b: 22 }, check: addCheck(20, 22) },
      },
      {
        key: 'echo',
        ratioTo: 'echo',
        work: { baseline: 'plain JS', tapedeck: 'minimal.wasm (WAT)' },
        baseline: { tool: 'echo', args: { text: settings.echoText } },
        tapedeck: { tool: 'echo', args: { text: settings.echoText } },
      },
      {
        key: 'js-add',
        ratioTo: 'add',
        work: { tapedeck: 'calculator.wasm (JS engine)' },
        tapedeck: { tool: 'local_calculator_calculator_add', args: { a: 20, b: 22 }, check: addCheck(20, 22) },
      },
    ];

    if (want('stdio')) {
      log('per-call latency over stdio');
      const d: Drivers = {
        baseline: await Driver.connect(baselineStdio(env, logFd('baseline-stdio'))),
        'baseline+worker': await Driver.connect(baselineStdio(env, logFd('baseline-stdio'), true)),
        'tapedeck front end': await Driver.connect(frontendStdio(env, logFd('frontend-stdio'))),
        tapedeck: await Driver.connect(tapedeckStdio(perCallDirs, env, logFd('tapedeck-stdio'))),
      };
      for (const driver of Object.values(d)) {
        drivers.push(driver);
        await driver.listTools();
      }
      perCall.push(...(await perCallRounds('stdio', d, cases, settings)));
      for (const driver of Object.values(d)) await driver.close();
    }

    let baselineIdleRss = Number.NaN;
    if (want('http')) {
      log('per-call latency and throughput over streamable HTTP');
      const http: Partial<Record<ServerName, ServerProcess>> = {
        baseline: await spawnBaselineHttp(env, join(logDir, 'baseline-http.log')),
        'baseline+worker': await spawnBaselineHttp(env, join(logDir, 'baseline-http.log'), true),
        'tapedeck front end': await spawnFrontendHttp(env, join(logDir, 'frontend-http.log')),
        tapedeck: await spawnTapedeckHttp(perCallDirs, env, join(logDir, 'tapedeck-http.log')),
      };
      servers.push(...Object.values(http));
      for (const era of ['legacy', 'modern'] as Era[]) {
        const transport: TransportName = era === 'legacy' ? 'http' : 'http-2026';
        const d: Drivers = {};
        for (const [name, server] of Object.entries(http) as [ServerName, ServerProcess][]) {
          d[name] = await Driver.connect({ kind: 'http', url: server.url }, era);
          d[name]!.serverPid = server.pid;
          drivers.push(d[name]!);
          await d[name]!.listTools();
        }
        const eraCases = era === 'legacy' ? cases : cases.filter((c) => c.key === 'add');
        perCall.push(...(await perCallRounds(transport, d, eraCases, settings)));
        const specs = { baseline: cases[0].baseline!, tapedeck: cases[0].tapedeck };
        if (era === 'legacy') {
          log('throughput over streamable HTTP (2025-11-25 session, the SDK client default)');
          throughput.push(...(await throughputRounds(transport, d, specs, settings)));
        } else {
          log('throughput over streamable HTTP (2026-07-28, no session), concurrency 16');
          throughput.push(...(await throughputRounds(transport, d, specs, { ...settings, concurrencies: [16] })));
        }
        for (const driver of Object.values(d)) await driver.close();
      }
      // Idle RSS of the baseline after that load, for the memory section.
      baselineIdleRss = await idleServerRss(http.baseline!, 10);
      for (const server of Object.values(http)) await server.stop();
    }

    // ---------------------------------------------------------- startup
    const startup: StartupRow[] = [];
    if (want('startup')) {
      log('startup: spawn until tools/list is answered');
      const startupCases: { server: ServerName; components: number; endpoint: ReturnType<typeof baselineStdio> }[] = [
        { server: 'baseline', components: 0, endpoint: baselineStdio(env, logFd('baseline-startup')) },
        { server: 'tapedeck', components: 0, endpoint: tapedeckStdio(dirsIn(root, 'empty'), env, logFd('tapedeck-startup')) },
        ...settings.counts.map((n) => ({ server: 'tapedeck' as ServerName, components: n, endpoint: tapedeckStdio(cached.byCount.get(n)!, env, logFd('tapedeck-startup')) })),
      ];
      // One unmeasured start each (page cache), then alternating reps.
      for (const c of startupCases) await measureStartup(c.endpoint, 1);
      const startupSamples = startupCases.map(() => [] as number[]);
      const startupCpu = startupCases.map(() => [] as number[]);
      const startupTools = startupCases.map(() => 0);
      for (let rep = 0; rep < settings.startupReps; rep++) {
        for (const [i, c] of startupCases.entries()) {
          const r = await measureStartup(c.endpoint, 1);
          startupSamples[i].push(r.summary.median);
          if (r.cpu.n) startupCpu[i].push(r.cpu.median);
          startupTools[i] = r.tools;
        }
      }
      for (const [i, c] of startupCases.entries()) {
        startup.push({ server: c.server, components: c.components, tools: startupTools[i], summary: summarize(startupSamples[i]), cpu: summarize(startupCpu[i]) });
      }
    }

    // ---------------------------------------------------------- first loads of the JS-engine component
    const uncached: FirstLoad[] = [];
    const cachedLoads: FirstLoad[] = [];
    const registered: FirstLoad[] = [];
    if (want('js')) {
      log('first load of the JS-engine component (fresh processes)');
      const jsTool = 'local_calculator_calculator_add';
      const jsArgs = { a: 1, b: 2 };
      let jsDirs = dirsIn(root, 'js-0');
      for (let i = 0; i < settings.jsUncachedReps; i++) {
        jsDirs = dirsIn(root, `js-${i}`);
        await mkdir(jsDirs.componentDir, { recursive: true });
        uncached.push(await firstLoadInChild(jsDirs, calculator, jsTool, jsArgs));
      }
      for (let i = 0; i < settings.jsCachedReps; i++) {
        cachedLoads.push(await firstLoadInChild(jsDirs, calculator, jsTool, jsArgs));
        registered.push(await firstLoadInChild(jsDirs, undefined, jsTool, jsArgs));
      }
    }

    // ---------------------------------------------------------- memory
    let memory: MemoryResult | undefined;
    let unbounded: MemoryResult | undefined;
    let emptyIdleRss = Number.NaN;
    if (want('memory')) {
      log(`memory: ${settings.memoryComponents} components, ${settings.memoryBusy} busy, idle stop after ${settings.idleMs} ms`);
      memory = await measureMemory(cached.byCount.get(settings.memoryComponents)!, settings.memoryComponents, settings.memoryBusy, {
        idleMs: settings.idleMs,
        busyMs: settings.busyMs,
        env,
        logFile: join(logDir, 'tapedeck-memory.log'),
      });
      log('memory: the same without the idle-worker bound');
      unbounded = await measureMemory(cached.byCount.get(settings.memoryComponents)!, settings.memoryComponents, settings.memoryBusy, {
        idleMs: settings.idleMs,
        busyMs: settings.busyMs,
        maxIdleWorkers: settings.memoryComponents + 1,
        env,
        logFile: join(logDir, 'tapedeck-memory.log'),
      });
      const empty = await measureMemory(dirsIn(root, 'empty'), 0, 0, { idleMs: 1000, busyMs: 0, env, logFile: join(logDir, 'tapedeck-memory-empty.log') });
      emptyIdleRss = empty.idleRss;
    }

    // ---------------------------------------------------------- targets
    const row = (t: TransportName, s: ServerName, tool: string) => perCall.find((r) => r.transport === t && r.server === s && r.tool === tool);
    const tput = (t: TransportName, s: ServerName, c: number) => throughput.find((r) => r.transport === t && r.server === s && r.concurrency === c);
    const stdioRatio = row('stdio', 'tapedeck', 'add')?.ratioP50 ?? Number.NaN;
    const stdioFloor = row('stdio', 'baseline+worker', 'add')?.ratioP50 ?? Number.NaN;
    const stdioFront = row('stdio', 'tapedeck front end', 'add')?.ratioP50 ?? Number.NaN;
    const c16Front = tput('http', 'tapedeck front end', 16)?.ratio ?? Number.NaN;
    const c16 = tput('http', 'tapedeck', 16)?.ratio ?? Number.NaN;
    const c16Floor = tput('http', 'baseline+worker', 16)?.ratio ?? Number.NaN;
    const startup20 = startup.find((s) => s.server === 'tapedeck' && s.components === 20)?.summary.median ?? Number.NaN;
    const cachedJs = median(cachedLoads.map((l) => l.totalMs));
    const idleRss = memory?.idleRss ?? Number.NaN;
    const targets: TargetRow[] = [
      { name: 'per-call p50 over stdio (minimal add), tapedeck / baseline', bar: '<= 1.5x', value: stdioRatio, unit: 'x', pass: stdioRatio <= 1.5, floor: stdioFloor, frontEnd: stdioFront },
      { name: 'throughput at concurrency 16 over streamable HTTP, tapedeck / baseline', bar: '>= 0.8x', value: c16, unit: 'x', pass: c16 >= 0.8, floor: c16Floor, frontEnd: c16Front },
      { name: 'startup with 20 cached components (spawn to tools/list), median', bar: '<= 600 ms', value: startup20, unit: 'ms', pass: startup20 <= 600 },
      { name: 'cached load of a JS-engine component (load + first call, fresh process), median', bar: '<= 300 ms', value: cachedJs, unit: 'ms', pass: cachedJs <= 300 },
      {
        name: `RSS with ${settings.memoryComponents} loaded idle components (each called once), server process`,
        bar: '<= 300 MB',
        value: idleRss,
        unit: 'MB',
        pass: idleRss <= 300,
      },
    ];

    return {
      meta: {
        date: new Date().toISOString(),
        node: process.version,
        v8: process.versions.v8,
        cpu: cpuModel(),
        cores: cpus().length,
        memoryGB: Math.round(totalmem() / 1e8) / 10,
        platform: `${process.platform} ${process.arch}`,
        loadAverageAtStart: loadAtStart.map((x) => Math.round(x * 100) / 100),
        loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
        durationS: Math.round((performance.now() - started) / 1000),
        settings,
      },
      perCall,
      throughput,
      startup,
      firstLoad: {
        js: { component: 'calculator.wasm (StarlingMonkey)', uncached, cached: cachedLoads, registered },
        wat: summarize(cached.firstLoadMs),
      },
      memory: { tapedeck: memory, unbounded, baselineIdleRss, tapedeckEmptyIdleRss: emptyIdleRss },
      targets,
    };
  } finally {
    for (const d of drivers) await d.close().catch(() => undefined);
    for (const s of servers) await s.stop().catch(() => undefined);
    if (!options.keep) await rm(root, { recursive: true, force: true }).catch(() => undefined);
    else log(`kept ${root}`);
  }
}

// ------------------------------------------------------------------ report

const f = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const ms = (x: number): string => (Number.isFinite(x) ? (x < 1 ? x.toFixed(3) : x < 100 ? x.toFixed(2) : x.toFixed(0)) : 'n/a');

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const TRANSPORT_LABEL: Record<TransportName, string> = {
  stdio: 'stdio',
  http: 'streamable HTTP (2025-11-25 session)',
  'http-2026': 'streamable HTTP (2026-07-28)',
};

export function renderTables(report: BenchReport): string {
  const parts: string[] = [];
  parts.push('### Targets\n');
  parts.push(
    table(
      ['target', 'bar', 'measured', 'result', 'baseline+worker (floor of worker isolation)', 'tapedeck front end alone (no sandbox)'],
      report.targets.map((t) => [
        t.name,
        t.bar,
        `${f(t.value)} ${t.unit}`,
        t.pass ? 'PASS' : 'FAIL',
        t.floor === undefined ? '' : `${f(t.floor)} ${t.unit}`,
        t.frontEnd === undefined ? '' : `${f(t.frontEnd)} ${t.unit}`,
      ]),
    ),
  );

  parts.push('\n\n### 1. Per-call latency (warm `tools/call`, sequential, ms)\n');
  parts.push(
    table(
      ['transport', 'server', 'tool', 'work', 'calls', 'p50', 'p99', 'p50 ratio', 'p99 ratio', 'server CPU µs/call (main thread)', 'errors'],
      report.perCall.map((r) => [
        TRANSPORT_LABEL[r.transport],
        r.server,
        `\`${r.tool}\``,
        r.work,
        String(r.latency.n),
        ms(r.latency.median),
        ms(r.latency.p99),
        r.ratioP50 === undefined ? '' : `${f(r.ratioP50)}x`,
        r.ratioP99 === undefined ? '' : `${f(r.ratioP99)}x`,
        `${f(r.cpuUs, 0)} (${f(r.mainCpuUs, 0)})`,
        String(r.errors),
      ]),
    ),
  );
  parts.push(
    '\n\nRatios are against the baseline for the same tool and transport (the JS-engine row: against the plain-JS `add`). `baseline+worker` is the baseline with its tools on one worker thread: the same work plus one postMessage round trip, the floor of any sandbox that isolates tools in worker threads. `tapedeck front end` is tapedeck\'s MCP server (its stdio wire transport, Host/Origin checks, metrics, audit log) over a stand-in runtime that runs the same plain-JS tools on the main thread (bench/frontend-server.ts): what the front end costs without the sandbox. Server CPU is the server process\'s CPU time (all threads, from /proc) per call; unlike latency it is barely affected by other load on the machine.',
  );

  parts.push('\n\n### 2. Throughput (`add`, calls per second, one client)\n');
  parts.push(
    table(
      ['transport', 'concurrency', 'server', 'calls/s', 'p50 ms', 'p99 ms', 'ratio', 'errors'],
      report.throughput.map((r) => [
        TRANSPORT_LABEL[r.transport],
        String(r.concurrency),
        r.server,
        f(r.rps, 0),
        ms(r.latency.median),
        ms(r.latency.p99),
        r.ratio === undefined ? '' : `${f(r.ratio)}x`,
        String(r.errors),
      ]),
    ),
  );

  parts.push('\n\n### 3. Startup\n');
  parts.push(
    table(
      ['server', 'cached components', 'tools listed', 'starts', 'p50 ms', 'p99 ms', 'server CPU ms p50'],
      report.startup.map((s) => [s.server, String(s.components), String(s.tools), String(s.summary.n), ms(s.summary.median), ms(s.summary.p99), ms(s.cpu.median)]),
    ),
  );
  parts.push(
    '\n\nProcess spawn until the `tools/list` answer arrived (stdio, includes the MCP handshake); p99 of a few starts is their maximum. Server CPU: CPU time the server process had used (all threads) when the answer arrived; it moves far less with other load on the machine than the wall time.\n',
  );
  const js = report.firstLoad.js;
  const fl = (loads: FirstLoad[], key: keyof FirstLoad) => summarize(loads.map((l) => l[key]));
  const flRow = (label: string, loads: FirstLoad[]): string[] => [
    label,
    String(loads.length),
    ms(fl(loads, 'loadMs').median),
    ms(fl(loads, 'firstCallMs').median),
    ms(fl(loads, 'totalMs').median),
    ms(fl(loads, 'totalMs').p99),
    ms(fl(loads, 'secondCallMs').median),
    ms(fl(loads, 'totalCpuMs').median),
  ];
  parts.push(`\nFirst load of ${js.component} in a fresh process (ms):\n\n`);
  parts.push(
    table(
      ['case', 'runs', 'load p50', 'first call p50', 'total p50', 'total p99', 'next call p50', 'CPU of load + first call p50'],
      [
        flRow('uncached (empty cache: transpile + compile + instantiate)', js.uncached),
        flRow('cached (loadComponent again: transpile cache warm)', js.cached),
        flRow('registered at start (first call only)', js.registered),
      ],
    ),
  );
  parts.push(`\n\nFirst (uncached) load of a generated WAT component, in-process: p50 ${ms(report.firstLoad.wat.median)} ms, p99 ${ms(report.firstLoad.wat.p99)} ms (${report.firstLoad.wat.n} loads).`);

  const m = report.memory.tapedeck;
  const u = report.memory.unbounded;
  parts.push('\n\n### 4. Memory (RSS of the server process, MB = 10^6 bytes)\n');
  if (!m) {
    parts.push('\nnot measured in this run');
    return parts.join('');
  }
  const both = (pick: (r: MemoryResult) => string) => [pick(m), u ? pick(u) : 'n/a'];
  parts.push(
    table(
      ['state', 'tapedeck defaults: RSS MB (threads)', `no idle-worker bound: RSS MB (threads)`],
      [
        ['baseline SDK server, idle after calls', f(report.memory.baselineIdleRss, 1), ''],
        ['tapedeck, no components, idle', f(report.memory.tapedeckEmptyIdleRss, 1), ''],
        [`${m.components} components registered, none called`, ...both((r) => f(r.registeredRss, 1))],
        [`${m.components} components each called once, then idle`, ...both((r) => `${f(r.idleRss, 1)} (${r.idleThreads})`)],
        [`${m.busy} of them busy: peak / mean`, ...both((r) => `${f(r.busyPeakRss, 1)} / ${f(r.busyMeanRss, 1)}`)],
        [`after the idle period (${m.idleMs} ms without calls)`, ...both((r) => `${f(r.reapedRss, 1)} (${r.reapedThreads})`)],
      ],
    ),
  );
  parts.push(
    `\n\nThe defaults bound the idle workers kept alive process-wide (TapedeckOptions.maxIdleWorkers; least recently used stopped first); the second column lifts that bound. Threads: the process's threads (12 without any component worker; one per live component worker, plus one I/O thread per worker of a component that imports WASI). Calling the ${m.components} components once (starting their workers) took ${ms(m.firstCallsMs)} ms${u ? ` (${ms(u.firstCallsMs)} ms unbounded)` : ''}; the ${m.busy} busy components answered ${m.busyCalls} calls (${m.busyErrors} errors).`,
  );
  return parts.join('');
}

function renderMarkdown(report: BenchReport, findings: string): string {
  const m = report.meta;
  const s = m.settings;
  return `# Benchmarks

Written by \`npm run bench\` (\`bench/run.ts\`)${s.mode === 'quick' ? ' in **--quick** mode (small counts: indicative only)' : ''}. Do not edit by hand:
the findings section is kept in \`bench/findings.md\`.

tapedeck is measured against the floor: an MCP server on the same SDK
(\`@modelcontextprotocol/server\` v2) with the same transport setup and no
sandbox, whose \`add\` and \`echo\` tools do the same work in plain JS
(\`bench/baseline-server.ts\`). Both are separate processes, driven by the same
SDK client (\`bench/client.ts\`) in the same run; per-call cases alternate
between the two servers in rounds so drifting background load hits both alike.

## Machine and run

| | |
|---|---|
| date | ${m.date} |
| CPU | ${m.cpu}, ${m.cores} cores |
| memory | ${m.memoryGB} GB |
| platform | ${m.platform} |
| Node | ${m.node} (V8 ${m.v8}) |
| load average at start / end | ${m.loadAverageAtStart.join(', ')} / ${m.loadAverageAtEnd.join(', ')} |
| duration | ${m.durationS} s |
| settings | ${s.iterations} timed calls per per-call case (after ${s.warmup} untimed calls per server, in turns of ${WARMUP_TURN}) in ${perCallRoundCount(s.iterations)} alternating rounds (each turn after a few untimed calls), ${s.durationMs} ms per throughput point and server, ${s.startupReps} starts per startup case, ${s.memoryComponents} components for memory (${s.memoryBusy} busy for ${s.busyMs} ms, idle stop after ${s.idleMs} ms) |

The machine is shared (other test runs were active: see the load average), so
absolute figures are noisy; the ratios come from interleaved measurements.

## Results

${renderTables(report)}

${findings.trim()}
`;
}

async function main(argv: string[]): Promise<void> {
  const { settings, out, json, keep } = parseArgs(argv);
  for (const id of ['minimal', 'calculator']) {
    if (!existsSync(join(repoRoot, 'examples/build/components', `${id}.wasm`))) {
      throw new Error(`examples/build/components/${id}.wasm is missing: run npm run build:examples first`);
    }
  }
  const report = await runBench(settings, { keep });
  const tables = renderTables(report);
  process.stdout.write(`\n${tables}\n`);
  let findings = '';
  try {
    findings = readFileSync(join(repoRoot, 'bench/findings.md'), 'utf8');
  } catch {
    findings = '';
  }
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, renderMarkdown(report, findings));
  log(`wrote ${out}`);
  if (json) {
    await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
    log(`wrote ${json}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(repoRoot, 'dist/bench/run.js')) {
  try {
    await main(process.argv.slice(2));
    process.exit(0);
  } catch (error) {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  }
}

