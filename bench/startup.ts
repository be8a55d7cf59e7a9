/**
 * Startup figures:
 * - process start until `tools/list` is answered over stdio (spawn, MCP
 *   handshake, list), tapedeck with 0/20/100 cached components and the baseline;
 * - first load of a JS-engine component in a fresh process, with an empty
 *   cache (transpile + compile + instantiate + first call) and with a warm one.
 *
 * The first-load cases run in a child process (this file with `--child`), so
 * nothing of the harness (loaded modules, compiled code) is reused.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Tapedeck } from '../src/app/tapedeck.js';
import { Driver, type StdioEndpoint } from './client.js';
import { summarize, type Summary } from './stats.js';
import { cpuTimeMs, type TapedeckDirs } from './servers.js';

export interface StartupResult {
  summary: Summary;
  /** CPU time the server process used until it answered tools/list (ms, all threads): steadier than wall time on a loaded machine. */
  cpu: Summary;
  tools: number;
}

/** Spawn -> connected (initialize answered) -> tools/list answered, `reps` times (ms). */
export async function measureStartup(endpoint: StdioEndpoint, reps: number): Promise<StartupResult> {
  const samples: number[] = [];
  const cpu: number[] = [];
  let tools = 0;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const driver = await Driver.connect(endpoint);
    const names = await driver.listTools();
    samples.push(performance.now() - t0);
    if (driver.serverPid) cpu.push(cpuTimeMs(driver.serverPid).total);
    tools = names.length;
    await driver.close();
  }
  return { summary: summarize(samples), cpu: summarize(cpu), tools };
}

export interface FirstLoad {
  /** Tapedeck.open (registering the stored components). */
  openMs: number;
  /** loadComponent (read, decode, transpile unless cached, store). */
  loadMs: number;
  /** First tools/call: worker start, compile of the core modules, instantiate, call. */
  firstCallMs: number;
  /** loadMs + firstCallMs: from asking for the component until its first answer. */
  totalMs: number;
  /** A second call on the now-warm worker. */
  secondCallMs: number;
  /** CPU time of the process (all threads) for load + first call, ms. */
  totalCpuMs: number;
}

/**
 * In a fresh process: opens the directory, loads `wasm` (unless `registered`:
 * then it is already stored and only called), calls `tool` twice.
 */
export function firstLoadInChild(dirs: TapedeckDirs, wasm: string | undefined, tool: string, args: Record<string, unknown>): Promise<FirstLoad> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [fileURLToPath(import.meta.url), '--child', JSON.stringify({ dirs, wasm, tool, args })],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`first-load child exited with ${code}: ${err.slice(-2000)}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as FirstLoad);
      } catch (error) {
        reject(new Error(`first-load child printed no result: ${out} ${err}`));
      }
    });
  });
}

async function child(spec: { dirs: TapedeckDirs; wasm?: string; tool: string; args: Record<string, unknown> }): Promise<void> {
  const t0 = performance.now();
  const deck = await Tapedeck.open({ ...spec.dirs, logger: pino({ level: 'silent' }) });
  const t1 = performance.now();
  const cpu0 = process.cpuUsage();
  if (spec.wasm) await deck.loadComponent(spec.wasm);
  const t2 = performance.now();
  const first = await deck.callTool(spec.tool, spec.args);
  const t3 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  if (first.isError) throw new Error(`first call failed: ${first.text}`);
  await deck.callTool(spec.tool, spec.args);
  const t4 = performance.now();
  await deck.close();
  const result: FirstLoad = { openMs: t1 - t0, loadMs: t2 - t1, firstCallMs: t3 - t2, totalMs: t3 - t1, secondCallMs: t4 - t3, totalCpuMs: (cpu.user + cpu.system) / 1000 };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--child') {
  await child(JSON.parse(process.argv[3]) as Parameters<typeof child>[0]);
  process.exit(0);
}
