import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from '@bytecodealliance/jco-transpile/wasm-tools';
import { ensureTranspiled, compileCoreModules } from '../../src/sandbox/artifacts.js';
import { ComponentRunner, type RunResult } from '../../src/sandbox/component-runner.js';
import type { SandboxGrants } from '../../src/sandbox/protocol.js';
import { sha256Hex } from '../../src/store/component-store.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const grants: SandboxGrants = { revision: 1, mounts: [], env: {}, policy: null, protectedHostPaths: [] };

async function runnerFor(options: { timeoutMs?: number; memoryBytes?: number; maxQueued?: number; idleMs?: number } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'tapedeck-runner-'));
  dirs.push(dir);
  const bytes = await parse(await readFile(join(root, 'test/fixtures/wat/hostile-core.wat'), 'utf8'));
  const artifact = await ensureTranspiled(dir, sha256Hex(bytes), async () => bytes);
  const emptyRoot = join(dir, 'empty');
  await mkdir(emptyRoot);
  const events: string[] = [];
  const runner = new ComponentRunner({
    componentId: 'hostile',
    emptyRoot,
    timeoutMs: options.timeoutMs ?? 10_000,
    workers: 1,
    maxQueued: options.maxQueued ?? 16,
    idleMs: options.idleMs ?? 0,
    maxOutputBytes: 1024,
    prepare: async () => ({ moduleUrl: artifact.moduleUrl, compile: () => compileCoreModules(artifact, options.memoryBytes ?? 4 * 65536) }),
    onWorkerEvent: (event, reason) => events.push(reason ? `${event}: ${reason}` : event),
  });
  return { runner, events };
}

function ok(result: RunResult): unknown {
  assert.equal(result.type, 'result', JSON.stringify(result));
  if (result.type !== 'result') throw new Error('unreachable');
  assert.equal(result.outcome.kind, 'ok', JSON.stringify(result.outcome));
  return (result.outcome as { value: unknown }).value;
}

test('calls run in a worker and keep instance state between calls', async () => {
  const { runner, events } = await runnerFor();
  assert.equal(ok(await runner.run({ name: 'add', args: [2, 40] }, grants)), 42);
  assert.equal(ok(await runner.run({ name: 'count', args: [] }, grants)), 1);
  assert.equal(ok(await runner.run({ name: 'count', args: [] }, grants)), 2);
  assert.deepEqual(events, ['start']);
  assert.equal(runner.liveWorkers, 1);
  await runner.close();
  assert.equal(runner.liveWorkers, 0);
});

test('a new grants revision re-instantiates (fresh guest state)', async () => {
  const { runner } = await runnerFor();
  assert.equal(ok(await runner.run({ name: 'count', args: [] }, grants)), 1);
  assert.equal(ok(await runner.run({ name: 'count', args: [] }, { ...grants, revision: 2 })), 1);
  await runner.close();
});

test('a trap is reported and the worker replaced; the next call works', async () => {
  const { runner, events } = await runnerFor();
  const result = await runner.run({ name: 'trap', args: [] }, grants);
  assert.equal(result.type, 'result');
  if (result.type === 'result') {
    assert.equal(result.outcome.kind, 'trap');
    assert.match((result.outcome as { message: string }).message, /unreachable/);
    assert.equal(result.poisoned, true);
  }
  assert.equal(ok(await runner.run({ name: 'add', args: [1, 1] }, grants)), 2);
  assert.equal(events.filter((e) => e.startsWith('replace')).length, 1);
  assert.equal(events.filter((e) => e === 'start').length, 2);
  await runner.close();
});

test('an infinite loop is ended by the timeout, the worker replaced, later calls succeed', async () => {
  const { runner, events } = await runnerFor({ timeoutMs: 300 });
  const result = await runner.run({ name: 'spin', args: [] }, grants);
  assert.deepEqual(result, { type: 'timeout', timeoutMs: 300 });
  assert.ok(events.some((e) => /replace: call exceeded 300 ms/.test(e)), events.join(','));
  assert.equal(ok(await runner.run({ name: 'add', args: [3, 4] }, grants)), 7);
  await runner.close();
});

test('linear memory cannot grow past the cap', async () => {
  const { runner } = await runnerFor({ memoryBytes: 4 * 65536 });
  assert.equal(ok(await runner.run({ name: 'grow', args: [3] }, grants)), 1);
  assert.equal(ok(await runner.run({ name: 'grow', args: [1] }, grants)), -1);
  await runner.close();
});

test('deep recursion traps with a stack overflow instead of crashing the host', async () => {
  const { runner } = await runnerFor();
  const result = await runner.run({ name: 'recurse', args: [10_000_000] }, grants);
  assert.equal(result.type, 'result');
  if (result.type === 'result') {
    assert.equal(result.outcome.kind, 'trap');
    assert.match((result.outcome as { message: string }).message, /stack/i);
  }
  assert.equal(ok(await runner.run({ name: 'recurse', args: [10] }, grants)), 10);
  await runner.close();
});

test('calls beyond the queue bound are refused as busy while one runs', async () => {
  const { runner } = await runnerFor({ timeoutMs: 500, maxQueued: 1 });
  const spinning = runner.run({ name: 'spin', args: [] }, grants);
  const queued = runner.run({ name: 'add', args: [1, 2] }, grants);
  const refused = await runner.run({ name: 'add', args: [1, 2] }, grants);
  assert.deepEqual(refused, { type: 'busy', queued: 1 });
  assert.equal((await spinning).type, 'timeout');
  assert.equal(ok(await queued), 3);
  await runner.close();
});

test('an idle worker is stopped and restarted on the next call', async () => {
  const { runner, events } = await runnerFor({ idleMs: 50 });
  ok(await runner.run({ name: 'add', args: [1, 1] }, grants));
  for (let i = 0; i < 200 && runner.liveWorkers > 0; i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(runner.liveWorkers, 0);
  assert.ok(events.includes('idle-stop'));
  assert.equal(ok(await runner.run({ name: 'add', args: [2, 2] }, grants)), 4);
  await runner.close();
});

test('the idle clock restarts with every call: calls spaced closer than the idle period keep the same worker', async () => {
  const { runner, events } = await runnerFor({ idleMs: 1000 });
  // 25 calls 100 ms apart span 2.5 idle periods; the instance state (count) shows nothing restarted.
  for (let i = 1; i <= 25; i++) {
    assert.equal(ok(await runner.run({ name: 'count', args: [] }, grants)), i);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(events, ['start']);
  for (let i = 0; i < 200 && runner.liveWorkers > 0; i++) await new Promise((r) => setTimeout(r, 25));
  assert.deepEqual(events, ['start', 'idle-stop']);
  await runner.close();
});

test('calls after close are answered, not hung', async () => {
  const { runner } = await runnerFor();
  await runner.close();
  const result = await runner.run({ name: 'add', args: [1, 1] }, grants);
  assert.equal(result.type, 'crash');
});

test('pipelined calls run once each, in order; calls queued behind a trap or a timeout run on the new worker', async () => {
  const { runner, events } = await runnerFor({ timeoutMs: 500 });
  const values = (results: RunResult[]) => results.map((r) => (r.type === 'result' && r.outcome.kind === 'ok' ? r.outcome.value : r.type === 'result' ? r.outcome.kind : r.type));
  const count = () => runner.run({ name: 'count', args: [] }, grants);
  // Eight calls at once: a worker holds up to four, the rest wait in the runner.
  const first = await Promise.all([count(), count(), runner.run({ name: 'trap', args: [] }, grants), count(), count(), count(), count(), count()]);
  // The trap poisons the instance: nothing behind it ran in that worker (else a count would be skipped or repeated).
  assert.deepEqual(values(first), [1, 2, 'trap', 1, 2, 3, 4, 5]);
  const second = await Promise.all([count(), runner.run({ name: 'spin', args: [] }, grants), count(), count()]);
  assert.deepEqual(values(second), [6, 'timeout', 1, 2]);
  assert.equal(events.filter((e) => e.startsWith('replace')).length, 2, events.join(','));
  await runner.close();
});

test('close answers calls that were running or pipelined', async () => {
  const { runner } = await runnerFor({ timeoutMs: 60_000 });
  const calls = [runner.run({ name: 'spin', args: [] }, grants), runner.run({ name: 'add', args: [1, 2] }, grants)];
  // Let the spin start (its worker answers nothing until terminated).
  for (let i = 0; i < 200 && runner.liveWorkers === 0; i++) await new Promise((r) => setTimeout(r, 10));
  await runner.close();
  const results = await Promise.all(calls);
  assert.deepEqual(results.map((r) => r.type), ['crash', 'crash']);
});
