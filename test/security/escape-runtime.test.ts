/**
 * Sandbox escape suite, the rest of the guest's reach: environment probing,
 * the working directory, stdin theft, stdout/stderr floods, exit, traps,
 * infinite loops, deep recursion, memory bombs, huge results, and one
 * component against another's state. Guests: the JS probe, the misbehave-js
 * and env-reader examples, and two copies of the abuse WAT component
 * (`abuse-*` and `other-*`). Every case ends by checking that the server
 * still serves (a canary tool answers and /health is 200).
 *
 * The stdio cases run the real CLI (`tapedeck run`) in a child process and
 * speak raw JSON-RPC to it, because stdin and stdout ARE the MCP stream there.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_OPEN_DESCRIPTORS } from '../../src/sandbox/worker/wasi-host.js';
import { example, hostileWat, mib, probeComponent, provision, repoRoot, serve, settledHeap, snapshot, stdioPeer, toolText, type CallResult, type Served } from './helpers.js';

let s: Served;
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'tapedeck-sec-runtime-'));
  s = await serve({
    components: [
      await probeComponent(),
      await example('misbehave-js'),
      await example('env-reader'),
      await hostileWat('abuse', work, 'abuse'),
      await hostileWat('abuse', work, 'other'),
    ],
    // `granted` and `GRANTED_EXTRA` are near-misses of the key granted below.
    deck: { environment: { GRANTED: 'yes', granted: 'case-twin', GRANTED_EXTRA: 'prefix-twin', HOST_SECRET: 'must-not-leak' }, timeoutMs: 20_000 },
  });
  // Short timeouts for the guests that loop (a tapedeck policy extension).
  await s.deck.policies.write('abuse', { version: '1.0', permissions: { resources: { limits: { timeout: '1500ms' } } } } as never);
  await s.deck.policies.write('misbehave-js', { version: '1.0', permissions: { resources: { limits: { timeout: '4s' } } } } as never);
});

after(async () => {
  await s?.close();
  await rm(work, { recursive: true, force: true });
});

function failedWith(result: CallResult, pattern: RegExp): void {
  assert.equal(result.isError, true, JSON.stringify(result));
  assert.match(result.text, pattern);
}

// ------------------------------------------------------------------ environment

test('environment: nothing is visible without a grant (not PATH, HOME, nor the server\'s values)', async () => {
  assert.deepEqual((await s.call('environment')).structured, { result: [] });
  assert.deepEqual((await s.call('list-env')).structured, { result: [] });
  for (const key of ['PATH', 'HOME', 'HOST_SECRET', 'GRANTED', 'NODE_OPTIONS', 'TAPEDECK_SECURITY_FULL']) {
    assert.deepEqual((await s.call('get-env', { key })).structured, { result: null }, key);
  }
  await s.alive();
});

test('environment: exactly the granted keys, with values from server config and the component\'s own secrets', async () => {
  await s.deck.secrets.set('probe', { PROBE_TOKEN: 'probe-secret' });
  await s.deck.secrets.set('env-reader', { READER_TOKEN: 'reader-secret' });
  for (const key of ['GRANTED', 'PROBE_TOKEN', 'READER_TOKEN', 'NOT_SET', 'PATH']) {
    await s.deck.grantPermission('probe', { kind: 'environment-variable', key });
  }
  const seen = (await s.call('environment')).structured as { result: [string, string][] };
  // READER_TOKEN is env-reader's secret: granting the key to probe gives probe nothing.
  // PATH is granted but the server was not given it: the host's own environment never leaks.
  assert.deepEqual(seen.result.sort(), [['GRANTED', 'yes'], ['PROBE_TOKEN', 'probe-secret']]);
  const reader = (await s.call('list-env')).structured as { result: [string, string][] };
  assert.deepEqual(reader.result, []);
  await s.alive();
});

test('environment: keys are exact (case variants, prefixes, wildcards and prototype names of a granted key give nothing more)', async () => {
  const extra = ['*', 'GRANTED*', 'HOST_*', '__proto__', 'constructor', 'granted '];
  await s.deck.grantPermission('env-reader', { kind: 'environment-variable', key: 'GRANTED' });
  for (const key of extra) await s.deck.grantPermission('env-reader', { kind: 'environment-variable', key }).catch(() => undefined);
  assert.deepEqual((await s.call('list-env')).structured, { result: [['GRANTED', 'yes']] });
  for (const key of ['granted', 'GRANTED_EXTRA', 'HOST_SECRET', 'GRANTED ', '__proto__']) {
    assert.deepEqual((await s.call('get-env', { key })).structured, { result: null }, key);
  }
  await s.deck.resetPermissions('env-reader');
  assert.deepEqual((await s.call('list-env')).structured, { result: [] });
  await s.alive();
});

test('environment: arguments are the component id only, and no host working directory leaks', async () => {
  assert.deepEqual((await s.call('args')).structured, { result: ['probe'] });
  const cwd = await s.call('cwd');
  assert.deepEqual(cwd.structured, { result: null }, `initial-cwd leaked: ${cwd.text}`);
  assert.ok(!cwd.text.includes(process.cwd()) && !cwd.text.includes(repoRoot));
  await s.alive();
});

// ------------------------------------------------------------------ stdin, stdout, stderr

test('stdin: a guest reads nothing (HTTP server)', async () => {
  const stolen = await s.call('steal-stdin');
  assert.deepEqual(stolen.structured, { result: { err: '{"tag":"closed"}' } });
  assert.deepEqual((await s.call('read-stdin')).structured, { result: '' });
  await s.alive();
});

for (const stream of ['stdout', 'stderr'] as const) {
  test(`${stream} flood: 64 MiB of output is capped per call and kept off the process's streams`, async () => {
    const heapBefore = await settledHeap();
    const logsBefore = s.logs.length;
    const result = await s.call('flood', { stream, kib: 64 * 1024 });
    assert.deepEqual(result.structured, { result: 16384 });
    const records = s.logs.slice(logsBefore).filter((r) => r.component === 'probe' && r.stream === stream);
    assert.equal(records.length, 1);
    const msg = String(records[0].msg);
    assert.ok(msg.length <= 64 * 1024 + 100, `captured ${msg.length} bytes`);
    assert.match(msg, /\[… \d+ more bytes dropped\]$/);
    const grown = (await settledHeap()) - heapBefore;
    assert.ok(grown < 32 * 1048576, `heap grew by ${mib(grown)}`);
    await s.alive();
  });
}

test('stdout/stderr: the misbehave example prints 1 MiB to both streams; both are capped', async () => {
  const logsBefore = s.logs.length;
  const result = await s.call('print', { text: 'x'.repeat(1024 * 1024) });
  assert.equal(result.isError, false, JSON.stringify(result).slice(0, 500));
  const records = s.logs.slice(logsBefore).filter((r) => r.component === 'misbehave-js' && r.stream);
  assert.deepEqual(records.map((r) => r.stream).sort(), ['stderr', 'stdout']);
  for (const r of records) assert.ok(String(r.msg).length <= 64 * 1024 + 100);
  await s.alive();
});

// ------------------------------------------------------------------ exit, traps, loops, recursion

test('exit: a guest calling exit(1) ends only its call; its state is fresh afterwards', async () => {
  await s.call('remember', { value: 'before exit' });
  assert.deepEqual((await s.call('remember', { value: 'kept' })).structured, { result: 'before exit' });
  failedWith(await s.call('quit', { ok: false }), /exited with code 1 during tool 'quit'/);
  assert.deepEqual((await s.call('remember', { value: 'after' })).structured, { result: '' });
  await s.alive();
});

test('exit: exit(0) is reported too (a tool must return, not exit)', async () => {
  failedWith(await s.call('quit', { ok: true }), /exited with code 0/);
  failedWith(await s.call('exit', { code: 3 }), /component 'misbehave-js' exited with code 1/);
  await s.alive();
});

for (const [tool, args, pattern] of [
  ['abuse-trap', {}, /trapped in tool 'abuse-trap': .*unreachable/],
  ['abuse-divide', { a: 1, b: 0 }, /trapped in tool 'abuse-divide': .*divide by zero/],
  ['abuse-wild', {}, /trapped in tool 'abuse-wild'/],
] as const) {
  test(`trap: ${tool} is reported, the instance replaced, other components untouched`, async () => {
    await s.call('other-count');
    const otherBefore = (await s.call('other-count')).structured as { result: number };
    await s.call('abuse-count');
    failedWith(await s.call(tool, args), pattern);
    assert.deepEqual((await s.call('abuse-count')).structured, { result: 1 }, 'a trapped instance must not be reused');
    assert.deepEqual((await s.call('other-count')).structured, { result: otherBefore.result + 1 }, 'another component lost its state');
    await s.alive();
  });
}

test('infinite loop (WAT): stopped by the timeout while other components keep answering promptly', async () => {
  let spun = false;
  const spinning = s.call('abuse-spin').finally(() => (spun = true));
  // While one worker spins, the canary and another component answer, before the spin is stopped.
  for (let i = 0; i < 10; i++) {
    await s.alive();
    assert.deepEqual((await s.call('other-count')).isError, false);
  }
  assert.equal(spun, false, 'other calls were answered only after the spinning guest was stopped');
  failedWith(await spinning, /did not finish tool 'abuse-spin' within 1500 ms; the call was stopped/);
  assert.deepEqual((await s.call('abuse-count')).structured, { result: 1 });
  await s.alive();
});

test('infinite loop (JS guest): stopped by the timeout', async () => {
  failedWith(await s.call('spin'), /did not finish tool 'spin' within 4000 ms/);
  assert.equal((await s.call('big-result', { length: 3 })).text, 'xxx');
  await s.alive();
});

test('deep recursion: a stack overflow traps the guest, not the host', async () => {
  failedWith(await s.call('abuse-recurse', { depth: 100_000_000 }), /trapped in tool 'abuse-recurse': .*(stack|recursion)/i);
  assert.deepEqual((await s.call('abuse-recurse', { depth: 1000 })).structured, { result: 1000 });
  await s.alive();
});

// ------------------------------------------------------------------ memory

test('memory bomb: linear memory stops at the granted limit; the host stays bounded', async () => {
  await s.deck.grantPermission('abuse', { kind: 'memory', limit: '16Mi' });
  const rssBefore = process.memoryUsage().rss;
  const bomb = await s.call('abuse-bomb');
  assert.equal(bomb.isError, false, JSON.stringify(bomb));
  assert.equal((bomb.structured as { result: number }).result, 256, '16 MiB is 256 pages');
  assert.deepEqual((await s.call('abuse-grow', { pages: 1_000_000 })).structured, { result: -1 });
  const grown = process.memoryUsage().rss - rssBefore;
  assert.ok(grown < 128 * 1048576, `RSS grew by ${mib(grown)}`);
  await s.alive();
});

test('memory bomb (JS guest): running out of memory is reported with the grant that allows more', async () => {
  await s.deck.grantPermission('misbehave-js', { kind: 'memory', limit: '64Mi' });
  const result = await s.call('allocate', { mib: 4096 });
  assert.equal(result.isError, true, JSON.stringify(result).slice(0, 500));
  assert.match(result.text, /ran out of memory \(limit 64Mi\) — grant it with: tapedeck permission grant memory misbehave-js 128Mi/);
  assert.equal((await s.call('big-result', { length: 2 })).text, 'xx');
  await s.alive();
});

test('huge results: a 64 MiB string is dropped in the worker, not sent to the client', async () => {
  await s.deck.grantPermission('abuse', { kind: 'memory', limit: '256Mi' });
  const heapBefore = await settledHeap();
  const result = await s.call('abuse-huge', { length: 64 * 1048576 });
  failedWith(result, /returned a result larger than 16Mi from tool 'abuse-huge'; the result was dropped/);
  assert.ok(result.text.length < 1000);
  const grown = (await settledHeap()) - heapBefore;
  assert.ok(grown < 16 * 1048576, `main-thread heap grew by ${mib(grown)}`);
  await s.alive();
});

test('huge results: a list of 10 million numbers is dropped too', async () => {
  const result = await s.call('abuse-many', { n: 10_000_000 });
  failedWith(result, /returned a result larger than 16Mi|crashed: .*memory limit/);
  await s.alive();
});

test('huge results: the JS example returning a 17 MB string', async () => {
  // StarlingMonkey needs a few seconds to build it: a longer timeout, and the
  // revoke drops the cached policy.
  await s.deck.policies.write('misbehave-js', { version: '1.0', permissions: { resources: { limits: { timeout: '30s' } } } } as never);
  await s.deck.revokePermission('misbehave-js', { kind: 'memory', limit: '64Mi' });
  failedWith(await s.call('big-result', { length: 17_000_000 }), /returned a result larger than 16Mi from tool 'big-result'/);
  await s.alive();
});

test('huge results: a guest refused 5,000 times gets a bounded report, not 5,000 denials', async () => {
  const heapBefore = await settledHeap();
  const result = await s.call('fs', { op: 'deny-many', base: '/', path: 'flood'.repeat(40), arg: '5000' });
  assert.deepEqual(result.structured, { result: { ok: 'refused 5000' } }, JSON.stringify(result).slice(0, 500));
  assert.ok(result.denials.length <= 21, `${result.denials.length} denial items in one result`);
  assert.match(result.denials.at(-1) ?? '', /and \d+ more denied accesses/);
  const grown = (await settledHeap()) - heapBefore;
  assert.ok(grown < 16 * 1048576, `main-thread heap grew by ${mib(grown)}`);
  await s.alive();
});

test('huge results: results under the limit still arrive whole', async () => {
  const result = await s.call('abuse-huge', { length: 1048576 });
  assert.equal(result.isError, false);
  assert.equal(result.text.length, 1048576);
  assert.ok(/^A+$/.test(result.text));
  await s.alive();
});

// ------------------------------------------------------------------ one component against another

test('cross-component: linear memory and globals are per component', async () => {
  const a1 = (await s.call('abuse-count')).structured as { result: number };
  const a2 = (await s.call('abuse-count')).structured as { result: number };
  assert.equal(a2.result, a1.result + 1);
  const o1 = (await s.call('other-count')).structured as { result: number };
  const a3 = (await s.call('abuse-count')).structured as { result: number };
  assert.equal(a3.result, a2.result + 1, 'calls to another component changed this one');
  failedWith(await s.call('other-trap'), /trapped/);
  assert.deepEqual((await s.call('abuse-count')).structured, { result: a3.result + 1 });
  assert.deepEqual((await s.call('other-count')).structured, { result: 1 });
  assert.ok(o1.result >= 1);
  await s.alive();
});

test('cross-component: a guest\'s memory does not survive into another guest (no shared JS state)', async () => {
  await s.call('remember', { value: 'probe-private' });
  for (const tool of ['list-env', 'big-result']) {
    const result = await s.call(tool, tool === 'big-result' ? { length: 5 } : {});
    assert.ok(!result.text.includes('probe-private'));
  }
  assert.deepEqual((await s.call('remember', { value: 'x' })).structured, { result: 'probe-private' });
  await s.alive();
});

test('cross-component: a component cannot shadow a built-in tool or take over another component\'s tool', async () => {
  // Tools named like the built-in management tools load but stay hidden: the built-ins answer.
  await s.deck.loadComponent(await hostileWat('impostor', work, 'impostor'));
  const listed = (await s.client.listTools()).tools.filter((t) => ['grant-storage-permission', 'get-policy', 'impostor-add'].includes(t.name));
  assert.deepEqual(listed.map((t) => t.name).sort(), ['get-policy', 'grant-storage-permission', 'impostor-add']);
  // Built-in tools carry annotations; the impostor's tools have none.
  assert.ok(listed.filter((t) => t.name !== 'impostor-add').every((t) => t.annotations), JSON.stringify(listed));
  for (const name of ['grant-storage-permission', 'get-policy']) {
    const result = await s.call(name, {});
    assert.notEqual(result.text, '666', `${name} reached the impostor`);
    assert.equal(result.isError, true, `${name} with no arguments is refused by the built-in: ${JSON.stringify(result)}`);
  }
  assert.equal((await s.call('impostor-add', { a: 1, b: 2 })).text, '666', 'the impostor runs its own tools');
  await s.deck.unloadComponent('impostor');
  // A tool named like another component's tool is refused at load; nothing changes.
  const before = await snapshot(s.componentDir, (r) => r === '.cache');
  await assert.rejects(s.deck.loadComponent(await hostileWat('impostor', work, '', 'twin')), /tool 'add' of component 'twin' is already provided by component 'minimal'/);
  assert.equal(s.deck.getComponent('twin'), undefined);
  assert.deepEqual(await snapshot(s.componentDir, (r) => r === '.cache'), before);
  await s.alive();
});

test('cross-component: a busy component does not block another one', async () => {
  let spinsDone = 0;
  const spins = [s.call('abuse-spin'), s.call('abuse-spin')].map((p) => p.finally(() => spinsDone++));
  const answers = await Promise.all(Array.from({ length: 20 }, () => s.call('other-count')));
  assert.ok(answers.every((a) => !a.isError));
  assert.ok(spinsDone < 2, 'other calls were answered only after both spinning calls ended');
  for (const r of await Promise.all(spins)) failedWith(r, /did not finish/);
  await s.alive();
});

// ------------------------------------------------------------------ the stdio transport

test('stdio: a guest reading stdin gets nothing, and no MCP message is lost or corrupted', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tapedeck-sec-stdio-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const componentDir = join(dir, 'components');
  const secretsDir = join(dir, 'secrets');
  await provision(componentDir, secretsDir, [await probeComponent(), await example('misbehave-js')]);
  const peer = stdioPeer([join(repoRoot, 'bin/tapedeck'), '--component-dir', componentDir, '--secrets-dir', secretsDir, 'run'], {
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_DATA_HOME: join(dir, 'data'),
  });
  t.after(() => peer.close());
  await peer.initialize();
  // Everything in one write: while the guests read stdin, the later requests sit in the pipe.
  const call = (id: number, name: string, args: unknown) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
  peer.write(
    [
      call(1, 'steal-stdin', {}),
      call(2, 'add', { a: 1, b: 2 }),
      call(3, 'read-stdin', {}),
      call(4, 'add', { a: 3, b: 4 }),
      call(5, 'flood', { stream: 'stdout', kib: 8192 }),
      call(6, 'print', { text: '{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"forged"}]}}' }),
      call(7, 'add', { a: 5, b: 6 }),
      call(8, 'quit', { ok: false }),
      call(9, 'add', { a: 7, b: 8 }),
    ].join('\n') + '\n',
  );
  assert.deepEqual(toolText(await peer.response(1)).structured, { result: { err: '{"tag":"closed"}' } });
  assert.equal(toolText(await peer.response(2)).text, '3');
  assert.deepEqual(toolText(await peer.response(3)).structured, { result: '' });
  assert.equal(toolText(await peer.response(4)).text, '7');
  assert.deepEqual(toolText(await peer.response(5)).structured, { result: 2048 });
  assert.equal(toolText(await peer.response(6)).isError, false);
  assert.equal(toolText(await peer.response(7)).text, '11', 'a guest forged a response on the MCP stream');
  assert.match(toolText(await peer.response(8)).text, /exited with code 1/);
  assert.equal(toolText(await peer.response(9)).text, '15');
  assert.deepEqual(peer.garbage, [], 'non-JSON-RPC output reached stdout');
  assert.ok(peer.lines.every((l) => l.length < 1024 * 1024), 'a flood reached stdout');
  assert.ok(!peer.lines.some((l) => l.includes('forged')) || peer.lines.filter((l) => l.includes('"id":7')).length === 1);
  assert.ok(peer.alive());
});

// ------------------------------------------------------------------ host resources beyond memory

/** The process's soft limit on open files, and how many it has open now (Linux /proc). */
async function descriptors(): Promise<{ limit: number; open: number }> {
  const limits = await readFile('/proc/self/limits', 'utf8');
  const limit = Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1] ?? Number.NaN);
  return { limit, open: (await readdir('/proc/self/fd')).length };
}

// Every descriptor a guest opens is a host file descriptor of the whole
// tapedeck process. Without a bound, a guest with nothing but a read grant
// could keep the process at its open-files limit across calls, and other
// components could not start workers or open files (EMFILE). The WASI host
// caps the descriptors one component holds (MAX_OPEN_DESCRIPTORS) and
// refuses more with a denial.
test('a guest that never closes its files keeps working: its worker is recycled before it reaches the cap', async (t) => {
  // componentize-js guests never drop descriptors: the filesystem example
  // leaks three per call (read, write, list), well past the cap over 150 calls.
  const dir = join(work, 'fd-leak');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'a.txt'), 'hello');
  const { id } = await s.deck.loadComponent(await example('filesystem'));
  t.after(() => s.deck.unloadComponent(id));
  await s.deck.grantPermission(id, { kind: 'storage', uri: `fs://${dir}`, access: ['read', 'write'] });
  // World functions keep their WIT names.
  const [read, write, list] = ['read-file', 'write-file', 'list-directory'];
  const { open } = await descriptors();
  const failures: string[] = [];
  for (let i = 0; i < 150; i++) {
    for (const [name, args] of [
      [read, { path: join(dir, 'a.txt') }],
      [write, { path: join(dir, `f${i % 3}.txt`), content: String(i) }],
      [list, { path: dir }],
    ] as const) {
      const result = await s.call(name!, args);
      if (result.isError) failures.push(`${i} ${name}: ${result.text}`);
    }
  }
  assert.deepEqual(failures.slice(0, 5), []);
  assert.ok((await descriptors()).open < open + MAX_OPEN_DESCRIPTORS, 'descriptors were not released');
  await s.alive();
});

test(
  'descriptor bomb: a guest holding file descriptors up to the process limit does not starve other components',
  async (t) => {
    const dir = join(work, 'fd-bomb');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'f.txt'), 'x');
    await s.deck.grantPermission('probe', { kind: 'storage', uri: `fs://${dir}`, access: ['read'] });
    // However it ends, the bomb's worker is replaced so the descriptors go back.
    t.after(() => s.call('quit', { ok: false }));
    const { limit, open } = await descriptors();
    assert.ok(Number.isFinite(limit), 'no open-files limit in /proc/self/limits');
    // Two rounds (the guest keeps what it holds across calls): most of the
    // room first, then all but a handful of descriptors.
    const first = await s.call('fs', { op: 'hoard', base: dir, path: 'f.txt', arg: String(Math.max(0, limit - open - 200)) });
    const hoard = await s.call('fs', { op: 'hoard', base: dir, path: 'f.txt', arg: String(Math.max(0, limit - (await descriptors()).open - 8)) });
    t.diagnostic(`descriptor bomb: limit ${limit}, open before ${open}, guest: ${first.text.slice(0, 200)}, then ${hoard.text.slice(0, 200)}; open now ${(await descriptors()).open}`);
    // The guest got no more than the cap, was told why, and the process kept its room.
    const held = Number(/held (\d+)/.exec(hoard.text)?.[1] ?? Number.NaN);
    assert.ok(held <= MAX_OPEN_DESCRIPTORS, hoard.text);
    assert.match(hoard.text, /quota/, hoard.text);
    assert.ok(hoard.denials.some((d) => /limit per component/.test(d)), JSON.stringify(hoard.denials));
    assert.ok((await descriptors()).open < open + MAX_OPEN_DESCRIPTORS + 64, 'the process holds far more descriptors than the cap allows');
    // Whatever the guest got, everybody else keeps working: a component
    // whose worker starts now, the canary, a grant (a policy write) and a
    // new HTTP connection.
    await s.deck.loadComponent(await hostileWat('abuse', work, 'fresh'));
    assert.deepEqual((await s.call('fresh-count')).structured, { result: 1 });
    await s.deck.grantPermission('fresh', { kind: 'memory', limit: '32Mi' });
    await s.alive();
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${s.url}/health`, { agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 200);
  },
);
