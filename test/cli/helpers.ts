/**
 * Runs `node bin/tapedeck …` as a subprocess against a temp HOME (XDG dirs
 * inside it), so tests never touch the real user's config or components.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, watComponent } from '../helpers/deck.js';

export { repoRoot, examplesDir, example, watComponent } from '../helpers/deck.js';

/** Repository root (compiled tests live in dist/test/cli/). */
export const bin = join(repoRoot, 'bin/tapedeck');

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Sandbox {
  dir: string;
  home: string;
  configHome: string;
  dataHome: string;
  /** The default component dir inside the sandbox. */
  componentDir: string;
  secretsDir: string;
  env: Record<string, string>;
  run(args: string[], options?: RunOptions): Promise<Result>;
  spawn(args: string[], options?: RunOptions): ChildProcess;
  cleanup(): Promise<void>;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
}

/** A sandbox with the `adder` test component already loaded through the CLI. */
export async function sandboxWithAdder(): Promise<Sandbox> {
  const box = await sandbox();
  await watComponent('adder', box.dir);
  const r = await box.run(['component', 'load', 'adder.wasm']);
  assert.equal(r.code, 0, show(r));
  return box;
}

export async function sandbox(): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'tapedeck-cli-'));
  const home = join(dir, 'home');
  const configHome = join(home, '.config');
  const dataHome = join(home, '.local', 'share');
  await mkdir(configHome, { recursive: true });
  await mkdir(dataHome, { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: configHome,
    XDG_DATA_HOME: dataHome,
    TAPEDECK_LOG_FORMAT: 'json',
  };
  const merged = (options: RunOptions) => {
    const out: Record<string, string> = { ...env };
    for (const [k, v] of Object.entries(options.env ?? {})) {
      if (v === undefined) delete out[k];
      else out[k] = v;
    }
    return out;
  };
  const box: Sandbox = {
    dir,
    home,
    configHome,
    dataHome,
    componentDir: join(dataHome, 'tapedeck', 'components'),
    secretsDir: join(configHome, 'tapedeck', 'secrets'),
    env,
    spawn(args, options = {}) {
      return spawn(process.execPath, [bin, ...args], { cwd: options.cwd ?? dir, env: merged(options), stdio: ['pipe', 'pipe', 'pipe'] });
    },
    run(args, options = {}) {
      return new Promise((resolve, reject) => {
        const child = box.spawn(args, options);
        let stdout = '';
        let stderr = '';
        child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`tapedeck ${args.join(' ')} did not finish within ${options.timeoutMs ?? 60_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
        }, options.timeoutMs ?? 60_000);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
        // A child that exits before reading stdin (e.g. refused start-up) must not fail the test with EPIPE.
        child.stdin!.on('error', () => {});
        child.stdin!.end(options.input ?? '');
      });
    },
    async cleanup() {
      await rm(dir, { recursive: true, force: true });
    },
  };
  return box;
}


/** Parses stdout as JSON, with the whole result in the failure message. */
export function json<T = Record<string, unknown>>(result: Result): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** A readable description of a result for assertion messages. */
export function show(result: Result): string {
  return `exit ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
}

/** Reads lines from a stream until one matches, or fails after `timeoutMs`. */
export function waitForOutput(stream: NodeJS.ReadableStream, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(new Error(`timed out waiting for ${pattern}; output so far:\n${seen}`));
    }, timeoutMs);
    const onData = (chunk: Buffer | string) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(seen);
      }
    };
    stream.on('data', onData);
  });
}

