/**
 * Shared pieces of the security suites: the hostile components (built at
 * test time from test/fixtures/hostile), a real tapedeck behind a real
 * streamable-HTTP MCP server with an SDK client, loopback HTTP targets that
 * record every request they receive, and filesystem snapshots.
 *
 * Sizes: `TAPEDECK_SECURITY_FULL=1` (npm run security:full) runs the
 * full-size fuzz / kill / load counts; without it the suites run reduced
 * but meaningful sizes that fit CI.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { pino } from 'pino';
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Tapedeck, type TapedeckOptions } from '../../src/app/tapedeck.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/index.js';
import { repoRoot, example } from '../helpers/deck.js';

export { repoRoot, example };
export { mulberry32 as mulberry32Seed } from './fuzz-gen.js';

export const FULL = process.env.TAPEDECK_SECURITY_FULL === '1';
export const hostileDir = join(repoRoot, 'test/fixtures/hostile');

/** Picks the CI size or the full size. */
export function size(ci: number, full: number): number {
  const override = Number(process.env.TAPEDECK_SECURITY_SCALE);
  if (Number.isFinite(override) && override > 0) return Math.max(1, Math.round(ci * override));
  return FULL ? full : ci;
}

// ------------------------------------------------------------------ hostile components

/** Builds a hostile WAT fixture into `dir`; `PREFIX-` in export names becomes `<prefix>-` (nothing for an empty prefix). */
export async function hostileWat(name: string, dir: string, prefix = name, id = prefix): Promise<string> {
  const text = (await readFile(join(hostileDir, `${name}.wat`), 'utf8')).replaceAll('PREFIX-', prefix ? `${prefix}-` : '');
  const path = join(dir, `${id}.wasm`);
  await writeFile(path, await parse(text));
  return path;
}

const probeCacheDir = join(tmpdir(), 'tapedeck-security-cache');

async function probeInputHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of ['probe/index.js', 'probe/wit/world.wit', 'build-probe.mjs', 'root-preopen.mjs']) {
    hash.update(file).update(await readFile(join(hostileDir, file)));
  }
  for (const pkg of ['@bytecodealliance/componentize-js', '@bytecodealliance/jco']) {
    hash.update(await readFile(join(repoRoot, 'node_modules', pkg, 'package.json')));
  }
  return hash.digest('hex').slice(0, 24);
}

function runNode(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`building the hostile probe failed (exit ${code}):\n${output}`))));
  });
}

/**
 * The JS probe (test/fixtures/hostile/probe): a guest that calls WASI
 * directly with attacker-chosen arguments. Built with componentize-js the
 * first time (10-40 s) and cached in the OS temp dir by input hash; test
 * files running in parallel share one build through a lock directory.
 */
export async function probeComponent(): Promise<string> {
  const key = await probeInputHash();
  // The file is named probe.wasm so that its component id is `probe`.
  const target = join(probeCacheDir, key, 'probe.wasm');
  const lock = join(probeCacheDir, `${key}.lock`);
  await mkdir(join(probeCacheDir, key), { recursive: true });
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (await stat(target).catch(() => undefined)) return target;
    try {
      await mkdir(lock);
      break;
    } catch {
      const held = await stat(lock).catch(() => undefined);
      // A lock older than 5 minutes belongs to a build that died.
      if (held && Date.now() - held.mtimeMs > 300_000) await rm(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for another process to build ${target}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const work = await mkdtemp(join(tmpdir(), 'tapedeck-probe-build-'));
  try {
    if (await stat(target).catch(() => undefined)) return target;
    await cp(join(hostileDir, 'probe/wit'), join(work, 'wit'), { recursive: true });
    await cp(join(repoRoot, 'node_modules/@bytecodealliance/jco/lib/wit/builtin/0.2.12'), join(work, 'wit/deps'), { recursive: true });
    const out = join(work, 'probe.wasm');
    await runNode(['--import', join(hostileDir, 'root-preopen.mjs'), join(hostileDir, 'build-probe.mjs'), join(work, 'wit'), out], repoRoot);
    await rename(out, target).catch(async () => {
      await cp(out, `${target}.tmp`);
      await rename(`${target}.tmp`, target);
    });
    return target;
  } finally {
    await rm(work, { recursive: true, force: true });
    await rm(lock, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ a served tapedeck

export interface CallResult {
  /** content[0].text */
  text: string;
  isError: boolean;
  /** content[1..]: one text per denial (message with the grant hint). */
  denials: string[];
  structured?: unknown;
}

export interface Served {
  root: string;
  componentDir: string;
  secretsDir: string;
  deck: Tapedeck;
  server: RunningServer;
  url: string;
  endpoint: string;
  client: Client;
  logs: Record<string, unknown>[];
  call(name: string, args?: Record<string, unknown>): Promise<CallResult>;
  /** The server still answers: a canary tool returns the right value and /health is 200. */
  alive(): Promise<void>;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Component files to load: path, or [path, id]. The canary `minimal` example is always loaded. */
  components?: (string | [string, string])[];
  deck?: Partial<TapedeckOptions>;
  /** Put the component and secrets directories in `<root>/<stateDir>/` instead of `<root>/`. */
  stateDir?: string;
  /**
   * Keep the log records in `logs` (default true). Long runs turn it off:
   * the records (which include, e.g., every unknown tool name) would stay in
   * this process's heap and hide the server's own memory behaviour.
   */
  keepLogs?: boolean;
  server?: Partial<Omit<ServerOptions, 'logger' | 'version' | 'transport'>>;
}

export function memoryLogger(records: Record<string, unknown>[], level = 'info') {
  return pino({ level }, { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) });
}

/** A tapedeck over a fresh temp root (`<root>/components`, `<root>/secrets`) served over streamable HTTP on 127.0.0.1:0. */
export async function serve(options: ServeOptions = {}): Promise<Served> {
  const root = await mkdtemp(join(tmpdir(), 'tapedeck-sec-'));
  const componentDir = join(root, options.stateDir ?? '', 'components');
  const secretsDir = join(root, options.stateDir ?? '', 'secrets');
  const logs: Record<string, unknown>[] = [];
  // A log line is still produced (and parsed) when not kept: the cost of logging stays in the measurement.
  const logger = options.keepLogs === false ? pino({ level: 'info' }, { write: (line: string) => void JSON.parse(line) }) : memoryLogger(logs);
  const deck = await Tapedeck.open({ componentDir, secretsDir, logger, ...options.deck });
  await deck.loadComponent(await example('minimal'));
  for (const c of options.components ?? []) {
    if (typeof c === 'string') await deck.loadComponent(c);
    else await deck.loadComponent(c[0], { id: c[1] });
  }
  const server = await startServer(deck, { transport: 'streamable-http', bindAddress: '127.0.0.1:0', ...options.server, logger, version: '0.0.0-security' });
  const url = server.url!;
  const endpoint = `${url}/mcp`;
  const client = new Client({ name: 'tapedeck-security', version: '1.0.0' }, { supportedProtocolVersions: ['2025-11-25'] });
  await client.connect(new StreamableHTTPClientTransport(new URL(endpoint)));

  const call = async (name: string, args: Record<string, unknown> = {}): Promise<CallResult> => {
    const result = (await client.callTool({ name, arguments: args })) as {
      content: { type: string; text?: string }[];
      isError?: boolean;
      structuredContent?: unknown;
    };
    const texts = result.content.map((c) => c.text ?? `<${c.type}>`);
    return { text: texts[0] ?? '', isError: result.isError === true, denials: texts.slice(1), structured: result.structuredContent };
  };
  let canary = 0;
  return {
    root,
    componentDir,
    secretsDir,
    deck,
    server,
    url,
    endpoint,
    client,
    logs,
    call,
    async alive() {
      canary++;
      const sum = await call('add', { a: canary, b: 1000 });
      if (sum.isError || sum.text !== String(canary + 1000)) throw new Error(`the canary tool did not answer correctly: ${JSON.stringify(sum)}`);
      const health = await fetch(`${url}/health`);
      if (health.status !== 200) throw new Error(`/health answered ${health.status}`);
      await health.arrayBuffer();
    },
    async close() {
      await client.close().catch(() => undefined);
      await server.close();
      await deck.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------ loopback HTTP targets

export interface Hit {
  method: string;
  url: string;
  host: string;
}

export interface Target {
  port: number;
  /** `http://<host>:<port>` */
  origin: string;
  hits: Hit[];
  /** Custom answers by path; the default answers `200 target <port> <url>`. */
  routes: Map<string, (req: IncomingMessage, res: ServerResponse) => void>;
  close(): Promise<void>;
}

/** An HTTP server on a loopback address that records every request (and every connection). */
export async function target(host = '127.0.0.1'): Promise<Target & { connections: number }> {
  const hits: Hit[] = [];
  const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  const server = createServer((req, res) => {
    hits.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '' });
    const route = routes.get(req.url ?? '');
    if (route) return route(req, res);
    res.end(`target ${port} ${req.url}`);
  });
  const state = { connections: 0 };
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    hits,
    routes,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ------------------------------------------------------------------ filesystem snapshots

/**
 * Every entry below `dir` (relative path → type, content hash, mode, mtime,
 * link target), for asserting that nothing changed.
 */
export async function snapshot(dir: string, skip: (relative: string) => boolean = () => false): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (relative: string) => {
    const path = join(dir, relative);
    const info = await lstat(path);
    if (info.isSymbolicLink()) out[relative || '.'] = `link -> ${await readlink(path)}`;
    else if (info.isDirectory()) {
      const names = (await readdir(path)).sort();
      out[relative || '.'] = `dir [${names.join(',')}] mode ${info.mode.toString(8)}`;
      for (const name of names) {
        const child = relative ? `${relative}/${name}` : name;
        if (!skip(child)) await walk(child);
      }
    } else {
      // Large files (component binaries) by identity and change time: any write or link changes ctime.
      const hash = info.size > 1048576 ? `ino ${info.ino} ctime ${info.ctimeMs}` : createHash('sha256').update(await readFile(path)).digest('hex').slice(0, 16);
      out[relative] = `file ${hash} ${info.size} mode ${info.mode.toString(8)} mtime ${info.mtimeMs} nlink ${info.nlink}`;
    }
  };
  await walk('');
  return out;
}

// ------------------------------------------------------------------ memory

let gcFunction: (() => void) | undefined;

/** Forces a full garbage collection (exposes gc at run time; no node flag needed). */
export function gc(): void {
  if (!gcFunction) {
    setFlagsFromString('--expose_gc');
    gcFunction = runInNewContext('gc') as () => void;
  }
  gcFunction();
  gcFunction();
}

/** Heap used after a full GC, in bytes. */
export async function settledHeap(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
  return process.memoryUsage().heapUsed;
}

export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** Resident set size of a process (Linux /proc), in bytes. */
export async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/** Report lines (figures measured by the suites), printed as TAP diagnostics. */
export function report(line: string): void {
  process.stdout.write(`# security: ${line}\n`);
}

// ------------------------------------------------------------------ raw JSON-RPC over stdio

export interface StdioPeer {
  pid: number;
  /** Every stdout line, in order. */
  lines: string[];
  /** Lines that were not valid JSON (must stay empty: stdout is the MCP stream). */
  garbage: string[];
  stderr: string[];
  /** Writes raw text or bytes (a line terminator is not added). */
  write(data: string | Buffer): void;
  /** Resolves once the pipe to the child has room again (backpressure). */
  drained(): Promise<void>;
  /** The id of every answer (result or error) received, in order. */
  answers: { id: unknown }[];
  /** Sends a request and waits for the response with the same id. */
  request(method: string, params?: unknown, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Waits for the response to an id sent with write(). */
  response(id: number | string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** initialize + notifications/initialized. */
  initialize(): Promise<void>;
  alive(): boolean;
  exit: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
  close(): Promise<void>;
}

let nextRpcId = 1_000_000;

/** Spawns `node <args>` and speaks newline-delimited JSON-RPC with it. */
export function stdioPeer(args: string[], env: Record<string, string | undefined> = {}, execArgv: string[] = []): StdioPeer {
  const child = spawn(process.execPath, [...execArgv, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, TAPEDECK_LOG_LEVEL: 'warn', ...env },
  });
  const lines: string[] = [];
  const answers: { id: unknown }[] = [];
  const garbage: string[] = [];
  const stderr: string[] = [];
  const waiters = new Map<string, (msg: Record<string, unknown>) => void>();
  const responses = new Map<string, Record<string, unknown>>();
  let buffer = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      if (!line) continue;
      // Long lines are kept shortened: the suites only need their start.
      lines.push(line.length > 4096 ? `${line.slice(0, 4096)}…` : line);
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        garbage.push(line);
        continue;
      }
      if (!('result' in msg || 'error' in msg)) continue;
      answers.push({ id: msg.id });
      if (msg.id === undefined || msg.id === null) continue;
      const key = JSON.stringify(msg.id);
      const waiter = waiters.get(key);
      if (waiter) {
        waiters.delete(key);
        waiter(msg);
      } else if (line.length < 1048576) responses.set(key, msg);
      else responses.set(key, { jsonrpc: '2.0', id: msg.id, ...('error' in msg ? { error: msg.error } : { result: { truncated: true } }) });
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr.push(chunk);
    if (stderr.length > 2000) stderr.splice(0, 1000);
  });
  child.stdin.on('error', () => undefined);
  let exited = false;
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exited = true;
      resolve(code);
    }),
  );
  const response = (id: number | string, timeoutMs = 60_000) => {
    const key = JSON.stringify(id);
    const ready = responses.get(key);
    if (ready) {
      responses.delete(key);
      return Promise.resolve(ready);
    }
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(key);
        reject(new Error(`no response to id ${key} within ${timeoutMs} ms (exited: ${exited}); stderr: ${stderr.join('').slice(-2000)}`));
      }, timeoutMs);
      waiters.set(key, (msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
    });
  };
  const peer: StdioPeer = {
    pid: child.pid!,
    lines,
    garbage,
    stderr,
    answers,
    write: (data) => void child.stdin.write(data),
    drained: () => (child.stdin.writableNeedDrain ? new Promise<void>((resolve) => child.stdin.once('drain', () => resolve())) : Promise.resolve()),
    response,
    request(method, params, timeoutMs) {
      const id = nextRpcId++;
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) })}\n`);
      return response(id, timeoutMs);
    },
    async initialize() {
      const init = await peer.request('initialize', {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'tapedeck-security', version: '1.0.0' },
      });
      if (!init.result) throw new Error(`initialize failed: ${JSON.stringify(init)}`);
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    },
    alive: () => !exited,
    exit,
    kill: (signal = 'SIGKILL') => void child.kill(signal),
    async close() {
      if (exited) return;
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exit;
      clearTimeout(timer);
    },
  };
  return peer;
}

/** Loads components into a component directory (for servers started as child processes), then closes. */
export async function provision(componentDir: string, secretsDir: string, components: (string | [string, string])[], setup?: (deck: Tapedeck) => Promise<void>): Promise<void> {
  const deck = await Tapedeck.open({ componentDir, secretsDir, logger: pino({ level: 'silent' }) });
  try {
    await deck.loadComponent(await example('minimal'));
    for (const c of components) {
      if (typeof c === 'string') await deck.loadComponent(c);
      else await deck.loadComponent(c[0], { id: c[1] });
    }
    await setup?.(deck);
  } finally {
    await deck.close();
  }
}

/** Text of content[0] of a raw tools/call response, and its isError. */
export function toolText(response: Record<string, unknown>): { text: string; isError: boolean; structured?: unknown } {
  const result = response.result as { content?: { text?: string }[]; isError?: boolean; structuredContent?: unknown } | undefined;
  if (!result) throw new Error(`not a result: ${JSON.stringify(response).slice(0, 500)}`);
  return { text: result.content?.[0]?.text ?? '', isError: result.isError === true, structured: result.structuredContent };
}
