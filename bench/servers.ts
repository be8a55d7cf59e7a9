/** Starting the servers under test as separate processes: tapedeck (its CLI) and the SDK baseline. */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StdioEndpoint } from './client.js';

/** Repository root (this file runs from dist/bench/). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const tapedeckBin = join(repoRoot, 'bin/tapedeck');
export const baselineScript = join(repoRoot, 'dist/bench/baseline-server.js');
export const frontendScript = join(repoRoot, 'dist/bench/frontend-server.js');
export const examplesDir = join(repoRoot, 'examples/build/components');

export interface Sandbox {
  /** Scratch root of this run. */
  root: string;
  /** Environment of every server process: HOME/XDG inside `root`, so no user config leaks in. */
  env: Record<string, string>;
}

export function serverEnv(root: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: root,
    XDG_CONFIG_HOME: join(root, 'config'),
    XDG_DATA_HOME: join(root, 'data'),
    TAPEDECK_LOG_FORMAT: 'json',
    ...(process.env.BENCH_MALLOC_ARENA_MAX && { MALLOC_ARENA_MAX: process.env.BENCH_MALLOC_ARENA_MAX }),
  };
}

export interface TapedeckDirs {
  componentDir: string;
  secretsDir: string;
}

function tapedeckArgs(dirs: TapedeckDirs, command: string[]): string[] {
  return [tapedeckBin, '--component-dir', dirs.componentDir, '--secrets-dir', dirs.secretsDir, ...command];
}

/** `tapedeck run` (MCP over stdio) as a client spawns it; its log (stderr) goes to `logFile`. */
export function tapedeckStdio(dirs: TapedeckDirs, env: Record<string, string>, logFd?: number): StdioEndpoint {
  return { kind: 'stdio', command: process.execPath, args: tapedeckArgs(dirs, ['run']), env, stderr: logFd ?? 'ignore' };
}

/** The baseline over stdio; `worker`: its tools run on a worker thread. */
export function baselineStdio(env: Record<string, string>, logFd?: number, worker = false): StdioEndpoint {
  return { kind: 'stdio', command: process.execPath, args: [baselineScript, '--stdio', ...(worker ? ['--worker'] : [])], env, stderr: logFd ?? 'ignore' };
}

/** tapedeck's MCP server over a plain-JS stand-in runtime (bench/frontend-server.ts), over stdio. */
export function frontendStdio(env: Record<string, string>, logFd?: number): StdioEndpoint {
  return { kind: 'stdio', command: process.execPath, args: [frontendScript, '--stdio'], env, stderr: logFd ?? 'ignore' };
}

export interface ServerProcess {
  /** MCP endpoint URL. */
  url: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Spawns a server, waits for the line of stdout `pattern` matches (group 1 = URL). */
async function spawnServer(args: string[], env: Record<string, string>, pattern: RegExp, logFile: string, timeoutMs = 60_000): Promise<ServerProcess> {
  const logFd = openSync(logFile, 'a');
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', logFd] });
  closeSync(logFd);
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => fail(new Error(`server did not start within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      let log = '';
      try {
        log = readFileSync(logFile, 'utf8').slice(-2000);
      } catch {
        // no log
      }
      reject(new Error(`${error.message}: ${[process.execPath, ...args].join(' ')}\n${text}\n${log}`));
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const match = pattern.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => fail(new Error(`server exited with code ${code}`)));
    child.once('error', (error) => fail(error));
  });
  child.removeAllListeners('exit');
  child.stdout!.resume();
  return {
    url,
    pid: child.pid!,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** `tapedeck serve --streamable-http` on a free loopback port. */
export function spawnTapedeckHttp(dirs: TapedeckDirs, env: Record<string, string>, logFile: string): Promise<ServerProcess> {
  return spawnServer(
    tapedeckArgs(dirs, ['serve', '--streamable-http', '--bind-address', '127.0.0.1:0']),
    env,
    /URL:\s+(http:\/\/\S+)/,
    logFile,
  );
}

export function spawnBaselineHttp(env: Record<string, string>, logFile: string, worker = false): Promise<ServerProcess> {
  return spawnServer([baselineScript, '--http', '--port', '0', ...(worker ? ['--worker'] : [])], env, /listening (http:\/\/\S+)/, logFile);
}

export function spawnFrontendHttp(env: Record<string, string>, logFile: string): Promise<ServerProcess> {
  return spawnServer([frontendScript, '--http'], env, /listening (http:\/\/\S+)/, logFile);
}

/** Spawns a helper script (a mode of this harness) that prints `pattern` when ready. */
export function spawnHelper(args: string[], env: Record<string, string>, pattern: RegExp, logFile: string, timeoutMs?: number): Promise<ServerProcess> {
  return spawnServer(args, env, pattern, logFile, timeoutMs);
}

/** Resident set size of a process in MB (10^6 bytes; Linux /proc), and its peak (VmHWM). */
export function rssMB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: (kb('VmRSS') * 1024) / 1e6, peak: (kb('VmHWM') * 1024) / 1e6 };
}

/** Threads of a process (Linux /proc). */
export function threadsOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN);
}

/**
 * CPU time a process has used so far (ms), from /proc/<pid>/task/<tid>/schedstat:
 * all its live threads, and its main thread alone. Unlike latency, this is
 * hardly affected by other load on the machine.
 */
export function cpuTimeMs(pid: number): { total: number; main: number } {
  let total = 0;
  let main = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let ns = 0;
    try {
      ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      continue; // thread ended meanwhile
    }
    total += ns / 1e6;
    if (Number(tid) === pid) main += ns / 1e6;
  }
  return { total, main };
}
