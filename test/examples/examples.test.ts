/**
 * The example components (built by `npm run build:examples`, which `npm ci`
 * runs) really run: each is transpiled with jco-transpile, instantiated with
 * preview2-shim's WASIShim and called, and each carries the doc comments of
 * its WIT in its package-docs sections.
 *
 * Components that block the calling thread on host I/O (fetch) or touch the
 * process's streams and exit (misbehave-js) run in a child process; an
 * infinite loop runs in a worker that is terminated.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { transpileBytes } from '@bytecodealliance/jco-transpile';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { parsePolicy } from '../../src/policy/parse.js';

/** Repository root: the compiled test lives in dist/test/examples/. */
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const componentsDir = join(repoRoot, 'examples/build/components');
const policiesDir = join(repoRoot, 'examples/build/policies');
const shimUrl = pathToFileURL(join(repoRoot, 'node_modules/@bytecodealliance/preview2-shim/dist/common/instantiation.js')).href;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Exports = Record<string, any>;
interface Sandbox {
  preopens?: Record<string, string>;
  env?: Record<string, string>;
}

let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'tapedeck-examples-test-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

async function componentBytes(id: string): Promise<Buffer> {
  const path = join(componentsDir, `${id}.wasm`);
  try {
    return await readFile(path);
  } catch {
    throw new Error(`example component ${path} is missing: run npm run build:examples (npm ci does it)`);
  }
}

interface Transpiled {
  dir: string;
  files: Record<string, Uint8Array>;
  imports: string[];
  exports: [string, string][];
}

const transpiled = new Map<string, Promise<Transpiled>>();
/** Transpiles a built example once into <work>/<id>/ (ESM: a package.json says "type": "module"). */
function transpile(id: string): Promise<Transpiled> {
  let result = transpiled.get(id);
  if (!result) {
    result = (async () => {
      const dir = join(work, id);
      const { files, imports, exports } = await transpileBytes(await componentBytes(id), { name: 'component', instantiation: 'async' });
      for (const [name, data] of Object.entries(files)) {
        await mkdir(dirname(join(dir, name)), { recursive: true });
        await writeFile(join(dir, name), data);
      }
      await writeFile(join(dir, 'package.json'), '{"type":"module"}\n');
      return { dir, files, imports, exports } as Transpiled;
    })();
    transpiled.set(id, result);
  }
  return result;
}

/** A fresh, in-process instance with its own WASI sandbox (nothing from the host unless given). */
async function instantiate(id: string, sandbox: Sandbox = {}): Promise<Exports> {
  const { dir } = await transpile(id);
  const mod = await import(pathToFileURL(join(dir, 'component.js')).href);
  const imports = new WASIShim({ sandbox: { preopens: {}, env: {}, ...sandbox } }).getImportObject();
  return mod.instantiate(async (path: string) => WebAssembly.compile(await readFile(join(dir, path))), imports);
}

/** The payload a function threw: jco throws a `result` error as a ComponentError carrying it. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error !== null && typeof error === 'object' && 'payload' in error ? (error as { payload: unknown }).payload : error;
  }
  assert.fail('expected the call to throw');
}

// ---------------------------------------------------------------------------
// package-docs

/** Top-level custom sections of a component binary, name → payload. */
function customSections(bytes: Uint8Array): Map<string, Uint8Array> {
  const sections = new Map<string, Uint8Array>();
  let pos = 8; // \0asm, version, layer
  const leb = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[pos++];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  };
  while (pos < bytes.length) {
    const id = bytes[pos++];
    const size = leb();
    const end = pos + size;
    assert.ok(end <= bytes.length, `section ${id} at ${pos} runs past the end`);
    if (id === 0) {
      const nameLength = leb();
      const name = Buffer.from(bytes.subarray(pos, pos + nameLength)).toString('utf8');
      sections.set(name, bytes.subarray(pos + nameLength, end));
    }
    pos = end;
  }
  return sections;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function docsSection(bytes: Uint8Array, name: string): Json {
  const payload = customSections(bytes).get(name);
  assert.ok(payload, `no ${name} custom section`);
  assert.equal(payload[0], 1, 'package-docs version byte (wit-parser PACKAGE_DOCS_SECTION_VERSION)');
  return JSON.parse(Buffer.from(payload.subarray(1)).toString('utf8'));
}

/** Expected exports of each example: world-level functions, and interface → functions. */
const EXPECTED: Record<string, { world: string[]; interfaces?: Record<string, { package: string; funcs: string[] }> }> = {
  minimal: { world: ['add', 'echo'] },
  'misbehave-wat': { world: ['spin', 'trap', 'grow-memory', 'recurse'] },
  'time-server': { world: [], interfaces: { time: { package: 'local:time-server@0.1.0', funcs: ['get-current-time'] } } },
  calculator: {
    world: ['version'],
    interfaces: {
      calculator: {
        package: 'local:calculator@0.1.0',
        funcs: [
          'add', 'divide', 'sum-u64', 'centroid', 'classify', 'parse-op', 'describe', 'char-code', 'clamp-u8', 'bits',
          'scale', 'is-even', 'maximum', 'permissions-of', 'char-at', 'negate-all', 'narrow', 'to-hex', 'apply',
          'opposite', 'or-default', 'unwrap-or', 'swap', 'midpoint',
        ],
      },
    },
  },
  filesystem: {
    world: ['list-directory', 'read-file', 'write-file', 'create-directory', 'move-path', 'delete-file', 'file-exists', 'get-file-info'],
  },
  fetch: { world: ['fetch', 'fetch-with-options'] },
  'env-reader': { world: ['get-env', 'list-env'] },
  'misbehave-js': { world: ['print', 'read-stdin', 'exit', 'spin', 'allocate', 'big-result'] },
};

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

test('every example is built, and nothing else is', async () => {
  const built = (await readdir(componentsDir)).filter((f) => f.endsWith('.wasm')).map((f) => f.slice(0, -5));
  assert.deepEqual(built.sort(), Object.keys(EXPECTED).sort());
});

for (const [id, expected] of Object.entries(EXPECTED)) {
  test(`${id}: exports what its WIT says, each function documented in package-docs`, async () => {
    const bytes = await componentBytes(id);
    const docs = docsSection(bytes, 'package-docs');
    // The decoded world is always root:component/root.
    assert.deepEqual(Object.keys(docs.worlds ?? {}), ['root']);
    const world = docs.worlds.root;
    assert.ok(typeof world.docs === 'string' && world.docs.length > 10, `${id}: world docs`);
    for (const fn of expected.world) {
      assert.ok(world.func_exports?.[fn]?.docs?.length > 5, `${id}: world function ${fn} has docs`);
    }
    assert.deepEqual(Object.keys(world.func_exports ?? {}).sort(), [...expected.world].sort());
    assert.equal(docs.interfaces, undefined, 'interface docs are not in package-docs (jco would reject them)');

    if (expected.interfaces) {
      const ifaces = docsSection(bytes, 'tapedeck:package-docs');
      for (const [name, iface] of Object.entries(expected.interfaces)) {
        assert.equal(ifaces.package, iface.package);
        assert.ok(ifaces.interfaces[name]?.docs, `${id}: interface ${name} has docs`);
        assert.deepEqual(Object.keys(ifaces.interfaces[name].funcs).sort(), [...iface.funcs].sort());
        for (const fn of iface.funcs) assert.ok(ifaces.interfaces[name].funcs[fn].docs.length > 5, `${id}: ${name}.${fn} docs`);
      }
    } else {
      assert.equal(customSections(bytes).get('tapedeck:package-docs'), undefined);
    }

    // transpileBytes accepts the docs sections and lists the same exports.
    const { exports } = await transpile(id);
    const functions = exports.filter(([, kind]) => kind === 'function').map(([name]) => name);
    assert.deepEqual(functions.sort(), expected.world.map(camel).sort());
    for (const [name, iface] of Object.entries(expected.interfaces ?? {})) {
      const full = `${iface.package.split('@')[0]}/${name}@${iface.package.split('@')[1]}`;
      assert.ok(exports.some(([n, kind]) => n === full && kind === 'instance'), `${id}: exports ${full}: ${JSON.stringify(exports)}`);
    }
  });
}

test('docs reach jco: the generated typings carry the WIT doc comments', async () => {
  const { files } = await transpile('minimal');
  const dts = Buffer.from(files['component.d.ts']).toString('utf8');
  assert.match(dts, /Adds two unsigned 32-bit integers/);
  assert.match(dts, /Returns its argument unchanged/);
  const fetchTypes = await transpile('fetch');
  assert.match(Buffer.from(fetchTypes.files['component.d.ts']).toString('utf8'), /The HTTP status code, e.g. 200/);
});

test('the WIT doc extractor: package, world, interface, function, type and item docs', async () => {
  const lib = pathToFileURL(join(repoRoot, 'scripts/lib/package-docs.mjs')).href;
  const { extractDocs, packageDocsSections } = await import(lib);
  const wit = `
/// The package.
package my:pkg@1.2.3;

/** An interface,
 * documented with a block comment. */
interface ops {
  /// A record.
  record pair {
    /// The left.
    left: u32,
    right: u32, // not documented
  }
  /// Adds.
  @since(version = 1.0.0)
  add: func(a: u32,
            b: u32) -> u32;
  no-docs: func();
  // A plain comment is not a doc comment.
  plain: func();
  /// A resource.
  resource counter {
    /// A method (resources are not described).
    bump: func();
  }
  /// After the resource.
  after: func() -> string;
}

/// The world.
world w {
  import wasi:cli/environment@0.2.12;
  /// An imported function.
  import log: func(msg: string);
  export ops;
  /// Exported.
  export run: func() -> result<_, string>;
  export %type: func();
}
`;
  const docs = extractDocs(wit);
  assert.deepEqual(docs, {
    package: 'my:pkg@1.2.3',
    docs: 'The package.',
    worlds: { w: { docs: 'The world.', funcs: { log: { docs: 'An imported function.' } }, func_exports: { run: { docs: 'Exported.' } } } },
    interfaces: {
      ops: {
        docs: 'An interface,\ndocumented with a block comment.',
        types: { pair: { docs: 'A record.', items: { left: 'The left.' } }, counter: { docs: 'A resource.' } },
        funcs: { add: { docs: 'Adds.' }, after: { docs: 'After the resource.' } },
      },
    },
  });
  assert.deepEqual(packageDocsSections(docs, 'w'), [
    ['package-docs', { docs: 'The package.', worlds: { root: { docs: 'The world.', func_exports: { run: { docs: 'Exported.' } } } } }],
    ['tapedeck:package-docs', { package: 'my:pkg@1.2.3', interfaces: docs.interfaces }],
  ]);
});

test('sample policies are copied outside the component directory and are valid', async () => {
  const files = (await readdir(policiesDir)).filter((f) => f.endsWith('.policy.yaml'));
  assert.deepEqual(files.map((f) => f.slice(0, -'.policy.yaml'.length)).sort(), Object.keys(EXPECTED).sort());
  for (const file of files) {
    const policy = parsePolicy(await readFile(join(policiesDir, file), 'utf8'), file);
    assert.equal(policy.version, '1.0', file);
  }
  assert.deepEqual((await readdir(componentsDir)).filter((f) => f.endsWith('.policy.yaml')), []);
});

// ---------------------------------------------------------------------------
// Running the components

test('minimal: add and echo, no WASI imports at all', async () => {
  const { imports } = await transpile('minimal');
  assert.deepEqual(imports, []);
  const m = await instantiate('minimal');
  assert.equal(m.add(2, 3), 5);
  assert.equal(m.add(0xffffffff, 2), 1, 'u32 addition wraps');
  assert.equal(m.echo('héllo, wörld ✓'), 'héllo, wörld ✓');
  assert.equal(m.echo(''), '');
  const big = 'x'.repeat(200_000); // more than the initial 64 KiB page: the allocator grows memory
  for (let i = 0; i < 3; i++) assert.equal(m.echo(big), big, 'post-return resets the bump allocator');
});

test('misbehave-wat: trap, recursion, memory growth; spin never returns', async () => {
  const { imports } = await transpile('misbehave-wat');
  assert.deepEqual(imports, []);
  let m = await instantiate('misbehave-wat');
  assert.equal(m.recurse(10), 10);
  assert.equal(m.growMemory(2), 1 + 32, 'one initial page plus 2 MiB');
  assert.equal(m.growMemory(1), 1 + 32 + 16);
  assert.throws(() => m.trap(), /unreachable/);
  m = await instantiate('misbehave-wat');
  assert.throws(() => m.recurse(50_000_000), RangeError, 'stack overflow');
  m = await instantiate('misbehave-wat');
  assert.throws(() => m.growMemory(65_536), /unreachable/, '64 GiB cannot be had: the guest traps');

  // spin, in a worker that is terminated.
  const { dir } = await transpile('misbehave-wat');
  const worker = new Worker(
    `(async () => {
       const { readFile } = await import('node:fs/promises');
       const { join } = await import('node:path');
       const { parentPort, workerData } = await import('node:worker_threads');
       const mod = await import(workerData.component);
       const m = await mod.instantiate(async (p) => WebAssembly.compile(await readFile(join(workerData.dir, p))), {});
       parentPort.postMessage('spinning');
       m.spin();
       parentPort.postMessage('returned');
     })();`,
    { eval: true, workerData: { dir, component: pathToFileURL(join(dir, 'component.js')).href } },
  );
  const messages: string[] = [];
  worker.on('message', (m: string) => messages.push(m));
  const exited = new Promise<number>((resolve) => worker.on('exit', resolve));
  const deadline = Date.now() + 20_000;
  while (!messages.includes('spinning') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(messages, ['spinning']);
  await worker.terminate();
  await exited;
});

test('calculator: every function, with every WIT type family', async () => {
  const m = await instantiate('calculator');
  const c = m.calculator;
  assert.equal(m.version(), '0.1.0');
  assert.equal(c.add(2, 3), 5);
  assert.equal(c.add(-7, 2), -5);
  assert.equal(c.divide(7, 2), 3.5);
  assert.equal(thrown(() => c.divide(1, 0)), 'division by zero');
  assert.equal(c.sumU64([1n, 2n, 18_000_000_000_000_000_000n]), 18_000_000_000_000_000_003n);
  assert.deepEqual(c.centroid([{ x: 0, y: 0 }, { x: 4, y: 2 }]), { x: 2, y: 1 });
  assert.equal(c.centroid([]), undefined);
  assert.equal(c.classify(-5n), 'negative');
  assert.equal(c.classify(-9_223_372_036_854_775_808n), 'negative');
  assert.equal(c.classify(0n), 'zero');
  assert.equal(c.classify(9_000_000_000_000_000_000n), 'positive');
  assert.deepEqual(c.parseOp('add 1 2'), { tag: 'add', val: [1, 2] });
  assert.deepEqual(c.parseOp('negate 3'), { tag: 'negate', val: 3 });
  assert.deepEqual(c.parseOp('noop'), { tag: 'noop' });
  assert.deepEqual(thrown(() => c.parseOp('   ')), { tag: 'empty' });
  assert.deepEqual(thrown(() => c.parseOp('mul 2 3')), { tag: 'unknown-operator', val: 'mul' });
  assert.equal(c.describe({ read: true, write: false, execute: true }), 'r-x');
  assert.equal(c.charCode('€'), 0x20ac);
  assert.equal(c.charCode('😀'), 0x1f600);
  assert.equal(c.clampU8(1000), 255);
  assert.equal(c.clampU8(7), 7);
  assert.deepEqual(c.bits(-128, 1000, 65535), [872, 131070]);
  assert.equal(c.scale(1.5, 2), 3);
  assert.equal(c.scale(0.1, 3), Math.fround(Math.fround(0.1) * 3));
  assert.equal(c.isEven(4), true);
  assert.equal(c.isEven(4_294_967_295), false);
  assert.equal(c.maximum([3, -1, 9]), 9);
  assert.equal(c.maximum([]), undefined);
  assert.deepEqual(c.permissionsOf('rw-'), { read: true, write: true, execute: false });
  assert.equal(c.charAt('a😀b', 1), '😀');
  assert.match(String(thrown(() => c.charAt('ab', 5))), /past the end/);
  // A list<s64> comes back as a BigInt64Array.
  assert.deepEqual(Array.from(c.negateAll([1n, -2n, -9_223_372_036_854_775_808n])), [-1n, 2n, -9_223_372_036_854_775_808n]);
  assert.deepEqual(c.narrow(-1n), { asS8: -1, asS16: -1, asS32: -1, asU8: 255, asU16: 65535, asU32: 4_294_967_295, fitsU8: false });
  assert.deepEqual(c.narrow(300n), { asS8: 44, asS16: 300, asS32: 300, asU8: 44, asU16: 300, asU32: 300, fitsU8: false });
  assert.equal(c.narrow(200n).fitsU8, true);
  assert.equal(c.toHex(171, true), 'AB');
  assert.equal(c.toHex(10, false), '0a');
  assert.equal(c.apply({ tag: 'add', val: [1.5, 2] }), 3.5);
  assert.equal(c.apply({ tag: 'negate', val: 4 }), -4);
  assert.equal(c.apply({ tag: 'noop' }), 0);
  assert.equal(c.opposite('negative'), 'positive');
  assert.equal(c.opposite('zero'), 'zero');
  assert.equal(c.orDefault(5, 9), 5);
  assert.equal(c.orDefault(undefined, 9), 9);
  assert.equal(c.unwrapOr({ tag: 'ok', val: 2.5 }, 0), 2.5);
  assert.equal(c.unwrapOr({ tag: 'err', val: 'nope' }, -1), -1);
  assert.deepEqual(c.swap(['x', 7]), [7, 'x']);
  assert.deepEqual(c.midpoint({ x: 0, y: 0 }, { x: 2, y: -4 }), { x: 1, y: -2 });
});

test('time-server: the current time as an ISO-8601 UTC string', async () => {
  const m = await instantiate('time-server');
  const before = Date.now();
  const text: string = m.time.getCurrentTime();
  assert.match(text, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  const at = Date.parse(text);
  assert.ok(Math.abs(at - before) < 60_000, `${text} is within a minute of the host clock`);
});

test('filesystem: reads, lists, writes, moves and deletes inside its preopen only', async () => {
  const data = await mkdtemp(join(work, 'data-'));
  await writeFile(join(data, 'notes.txt'), 'hello notes\n');
  await mkdir(join(data, 'sub'));
  const fs = await instantiate('filesystem', { preopens: { '/data': data } });
  assert.equal(fs.readFile('/data/notes.txt'), 'hello notes\n');
  assert.deepEqual(fs.listDirectory('/data'), ['notes.txt', 'sub']);
  assert.deepEqual(fs.listDirectory('/data/'), ['notes.txt', 'sub']);
  assert.equal(fs.fileExists('/data/notes.txt'), true);
  assert.equal(fs.fileExists('/data/nothing.txt'), false);
  assert.equal(fs.getFileInfo('/data/notes.txt'), 'regular-file, 12 bytes');
  assert.match(fs.getFileInfo('/data/sub'), /^directory, /);

  assert.match(fs.writeFile('/data/sub/new.txt', 'ünïcode'), /wrote 9 bytes/);
  assert.equal(await readFile(join(data, 'sub/new.txt'), 'utf8'), 'ünïcode');
  assert.equal(fs.readFile('/data/sub/new.txt'), 'ünïcode');
  const big = 'abcdefghij'.repeat(20_000); // more than one 64 KiB read
  fs.writeFile('/data/big.txt', big);
  assert.equal(fs.readFile('/data/big.txt'), big);
  fs.createDirectory('/data/made');
  fs.movePath('/data/sub/new.txt', '/data/made/moved.txt');
  assert.deepEqual(await readdir(join(data, 'made')), ['moved.txt']);
  fs.deleteFile('/data/made/moved.txt');
  assert.deepEqual(fs.listDirectory('/data/made'), []);

  // Errors carry the WASI error code the guest saw.
  assert.equal(thrown(() => fs.readFile('/data/missing.txt')), 'read-file /data/missing.txt: no-entry');
  assert.equal(thrown(() => fs.readFile('/data/sub')), 'read-file /data/sub: is-directory');
  assert.equal(thrown(() => fs.readFile('/etc/passwd')), 'read-file /etc/passwd: no granted directory covers /etc/passwd');
  assert.match(String(thrown(() => fs.readFile('/data/../../etc/passwd'))), /^read-file \/data\/\.\.\/\.\.\/etc\/passwd: (not-permitted|access|no-entry)/);
  assert.match(String(thrown(() => fs.createDirectory('/data/sub'))), /^create-directory \/data\/sub: exist/);
});

test('env-reader: sees exactly the environment it is given', async () => {
  const m = await instantiate('env-reader', { env: { GREETING: 'hello', LANG: 'C.UTF-8' } });
  assert.deepEqual(
    [...m.listEnv()].sort(),
    [
      ['GREETING', 'hello'],
      ['LANG', 'C.UTF-8'],
    ],
  );
  assert.equal(m.getEnv('GREETING'), 'hello');
  assert.equal(m.getEnv('HOME'), undefined);
  assert.equal(m.getEnv('PATH'), undefined);
  const empty = await instantiate('env-reader', { env: {} });
  assert.deepEqual(empty.listEnv(), []);
});

// ---------------------------------------------------------------------------
// In a child process: calls that block on host I/O, or use stdio and exit.

interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  results: Json[];
}

/**
 * Runs `calls` ([function, ...args]) against a fresh instance in a child
 * process; each result (or thrown payload) is reported on a marked stdout line.
 */
async function inChild(id: string, calls: [string, ...unknown[]][], options: { stdin?: string; sandbox?: Sandbox } = {}): Promise<ChildResult> {
  const { dir } = await transpile(id);
  const script = join(dir, 'run-calls.mjs');
  await writeFile(
    script,
    `import { readFile } from 'node:fs/promises';
     import { WASIShim } from ${JSON.stringify(shimUrl)};
     import { instantiate } from './component.js';
     const { sandbox, calls } = JSON.parse(process.argv[2]);
     const m = await instantiate(async (p) => WebAssembly.compile(await readFile(new URL(p, import.meta.url))),
       new WASIShim({ sandbox: { preopens: {}, env: {}, ...sandbox } }).getImportObject());
     const report = (r) => process.stdout.write('@@result ' + JSON.stringify(r, (_, v) => typeof v === 'bigint' ? v.toString() : v) + '\\n');
     for (const [name, ...args] of calls) {
       try { const ok = m[name](...args); report({ ok: ok === undefined ? null : ok }); }
       catch (e) { report({ err: e && typeof e === 'object' && 'payload' in e ? e.payload : String(e) }); }
     }`,
  );
  const child = spawn(process.execPath, [script, JSON.stringify({ sandbox: options.sandbox ?? {}, calls })], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(options.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const results = stdout
    .split('\n')
    .filter((l) => l.startsWith('@@result '))
    .map((l) => JSON.parse(l.slice('@@result '.length)));
  return { code, stdout, stderr, results };
}

test('fetch: GET and a request with options against a loopback server', async (t) => {
  const requests: { method?: string; url?: string; header?: string | string[]; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, header: req.headers['x-tapedeck'], body });
      if (req.url === '/big') {
        res.end('y'.repeat(70 * 1024));
      } else if (req.url === '/missing') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
      } else {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-answer': '42' }).end(`${req.method} ${req.url} ${body}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as { port: number }).port;
  // A port that nothing listens on: bind one and close it.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as { port: number }).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));

  const base = `http://127.0.0.1:${port}`;
  const r = await inChild('fetch', [
    ['fetch', `${base}/hello`],
    ['fetch', `${base}/missing`],
    ['fetch', `${base}/big`],
    ['fetchWithOptions', `${base}/post`, 'POST', [['x-tapedeck', 'yes'], ['content-type', 'text/plain']], 'the body'],
    ['fetchWithOptions', `${base}/get`, 'GET', [], undefined],
    ['fetch', `http://127.0.0.1:${closedPort}/`],
  ]);
  assert.equal(r.code, 0, r.stderr);
  const [hello, missing, big, post, get, refused] = r.results;
  assert.deepEqual(hello, { ok: '200 GET /hello ' });
  assert.deepEqual(missing, { ok: '404 not here' });
  assert.ok(big.ok.startsWith('200 yyyy'));
  assert.ok(big.ok.endsWith('\n[truncated]'));
  assert.equal(big.ok.length, '200 '.length + 64 * 1024 + '\n[truncated]'.length);
  assert.equal(post.ok.status, 200);
  assert.equal(post.ok.body, 'POST /post the body');
  assert.ok(post.ok.headers.some(([k, v]: [string, string]) => k === 'x-answer' && v === '42'), JSON.stringify(post.ok.headers));
  assert.equal(get.ok.body, 'GET /get ');
  assert.match(refused.err, new RegExp(`^fetch http://127\\.0\\.0\\.1:${closedPort}/ failed: `));
  assert.deepEqual(
    requests.map((q) => [q.method, q.url, q.header, q.body]),
    [
      ['GET', '/hello', undefined, ''],
      ['GET', '/missing', undefined, ''],
      ['GET', '/big', undefined, ''],
      ['POST', '/post', 'yes', 'the body'],
      ['GET', '/get', undefined, ''],
    ],
  );
});

test('misbehave-js: reads stdin, prints to stdout and stderr, allocates, exits', async () => {
  const r = await inChild('misbehave-js', [['readStdin'], ['print', 'guest says hi'], ['allocate', 4], ['bigResult', 100_000]], {
    stdin: 'from the host',
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.results.slice(0, 3), [{ ok: 'from the host' }, { ok: null }, { ok: 4 }]);
  assert.equal(r.results[3].ok.length, 100_000);
  assert.match(r.stdout, /^guest says hi$/m);
  assert.match(r.stderr, /guest says hi/);

  const failed = await inChild('misbehave-js', [['exit', 3], ['bigResult', 1]]);
  assert.equal(failed.code, 1, 'a non-zero exit code becomes exit(err), which the shim turns into process.exit(1)');
  assert.deepEqual(failed.results, [], 'nothing runs after exit');
  const ok = await inChild('misbehave-js', [['exit', 0]]);
  assert.equal(ok.code, 0);
  assert.deepEqual(ok.results, []);
});
