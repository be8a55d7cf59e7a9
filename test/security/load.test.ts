/**
 * Load: 10,000 tool calls at concurrency 64 over streamable HTTP across
 * several components (a WAT component, a JS component, a second WAT
 * component), while a misbehaving component traps or times out on a
 * fraction of its calls. Every call carries a unique JSON-RPC id and
 * arguments whose answer is known, so a lost, duplicated or mismatched
 * response is detected; the healthy components must answer every call
 * correctly; the settled heap after the run must be close to the one after
 * the warm-up.
 *
 * Nothing here depends on how fast the machine is: latencies are reported,
 * never asserted, and a timeout of the misbehaving component (its limit is
 * 300 ms, which a loaded machine can exceed even on its well-behaved calls)
 * is one of that component's allowed outcomes. What must hold whatever the
 * load: every response arrives, once, under its id, and every call to the
 * other components is answered correctly.
 *
 * Runs at full size in CI (about a minute on 2 cores). TAPEDECK_SECURITY_SCALE
 * scales it (e.g. 0.2 for a quick run).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { example, hostileWat, mib, mulberry32Seed, serve, settledHeap, size } from './helpers.js';

const CALLS = size(10_000, 10_000);
const CONCURRENCY = 64;
const FLAKY_TIMEOUT_MS = 300;

type Outcome = 'ok' | 'trap' | 'timeout';

interface Planned {
  component: string;
  tool: string;
  args: Record<string, unknown>;
  /** content[0].text of a correct answer. */
  expect: string;
  /**
   * What this call may end in. Healthy components: only the correct answer.
   * The misbehaving component: its trap, and its 300 ms timeout on any of its
   * calls (under CPU contention a fresh worker, started after a trap, may
   * instantiate too slowly; that is the flaky component's own problem).
   */
  allowed: readonly Outcome[];
}

const HEALTHY: readonly Outcome[] = ['ok'];

/** What a response says happened to a planned call ('wrong' is never allowed). */
function classify(planned: Planned, text: string, isError: boolean): Outcome | 'wrong' {
  if (!isError && text === planned.expect) return 'ok';
  const prefix = `Error: component '${planned.component}' `;
  if (text.startsWith(`${prefix}trapped in tool '${planned.tool}':`)) return 'trap';
  if (text.startsWith(`${prefix}did not finish tool '${planned.tool}' within ${FLAKY_TIMEOUT_MS} ms`)) return 'timeout';
  return 'wrong';
}

test(`load: ${CALLS} calls at concurrency ${CONCURRENCY} over streamable HTTP, one component trapping and timing out`, async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'tapedeck-sec-load-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  const s = await serve({
    components: [await example('calculator'), await hostileWat('abuse', work, 'steady'), await hostileWat('abuse', work, 'flaky')],
    deck: { workersPerComponent: 2, maxQueuedCalls: 256 },
    keepLogs: false,
  });
  t.after(() => s.close());
  await s.deck.policies.write('flaky', { version: '1.0', permissions: { resources: { limits: { timeout: `${FLAKY_TIMEOUT_MS}ms` } } } } as never);

  const rng = mulberry32Seed(4242);
  const plan = (): Planned => {
    const roll = rng();
    const a = Math.floor(rng() * 1_000_000);
    const b = Math.floor(rng() * 1_000_000);
    if (roll < 0.35) return { component: 'minimal', tool: 'add', args: { a, b }, expect: String(a + b), allowed: HEALTHY };
    if (roll < 0.55) {
      const text = `echo-${a}-\u00e9\u{1f600}-${b}`;
      return { component: 'minimal', tool: 'echo', args: { text }, expect: text, allowed: HEALTHY };
    }
    if (roll < 0.75) return { component: 'calculator', tool: 'local_calculator_calculator_add', args: { a: a - 500_000, b }, expect: String(a - 500_000 + b), allowed: HEALTHY };
    if (roll < 0.94) return { component: 'steady', tool: 'steady-divide', args: { a, b: (b % 1000) + 1 }, expect: String(Math.trunc(a / ((b % 1000) + 1))), allowed: HEALTHY };
    if (roll < 0.96) return { component: 'flaky', tool: 'flaky-trap', args: {}, expect: '', allowed: ['trap', 'timeout'] };
    if (roll < 0.965) return { component: 'flaky', tool: 'flaky-spin', args: {}, expect: '', allowed: ['timeout'] };
    return { component: 'flaky', tool: 'flaky-divide', args: { a, b: 7 }, expect: String(Math.trunc(a / 7)), allowed: ['ok', 'timeout'] };
  };

  let nextId = 1;
  const problems: string[] = [];
  const latencies: number[] = [];
  const outcomes = new Map<string, number>();
  const call = async () => {
    const planned = plan();
    const id = nextId++;
    const started = performance.now();
    const response = await fetch(s.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: planned.tool, arguments: planned.args } }),
    });
    const body = await response.text();
    const elapsed = performance.now() - started;
    const messages = body
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => JSON.parse(l.slice(5)) as { id?: unknown; result?: { content: { text: string }[]; isError?: boolean } });
    if (response.status !== 200 || messages.length !== 1) return void problems.push(`id ${id}: HTTP ${response.status}, ${messages.length} messages: ${body.slice(0, 200)}`);
    const [message] = messages;
    if (message.id !== id) return void problems.push(`id ${id}: answered with id ${JSON.stringify(message.id)}`);
    const text = message.result?.content[0]?.text ?? '';
    const outcome = classify(planned, text, message.result?.isError === true);
    const key = `${planned.tool}:${outcome}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    if (outcome === 'wrong' || !planned.allowed.includes(outcome)) {
      problems.push(`id ${id} ${planned.tool}(${JSON.stringify(planned.args)}): ${outcome}: ${text.slice(0, 200)}`);
    }
    if (planned.allowed === HEALTHY) latencies.push(elapsed);
  };
  const run = async (n: number) => {
    let started = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (started < n) {
          started++;
          await call();
        }
      }),
    );
  };

  await run(Math.max(200, Math.floor(CALLS * 0.05)));
  const heapWarm = await settledHeap();
  const rssWarm = process.memoryUsage().rss;
  latencies.length = 0;
  const began = performance.now();
  await run(CALLS);
  const seconds = (performance.now() - began) / 1000;
  await new Promise((r) => setTimeout(r, 500));
  const heapAfter = await settledHeap();
  const rssAfter = process.memoryUsage().rss;

  latencies.sort((x, y) => x - y);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(1);
  const count = (pattern: RegExp) => [...outcomes].filter(([key]) => pattern.test(key)).reduce((n, [, v]) => n + v, 0);
  t.diagnostic(`load: ${CALLS} calls (+warm-up) at concurrency ${CONCURRENCY} in ${seconds.toFixed(1)} s (${(CALLS / seconds).toFixed(0)} calls/s); healthy latency p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${pct(1)} ms`);
  t.diagnostic(`load: outcomes ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
  t.diagnostic(`load: heap after warm-up ${mib(heapWarm)}, after the run ${mib(heapAfter)} (delta ${mib(heapAfter - heapWarm)}); RSS ${mib(rssWarm)} -> ${mib(rssAfter)}; live workers ${s.deck.liveWorkers}`);
  // Every call got exactly one answer, under its own id, and an allowed one:
  // the healthy components answered every call correctly.
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} lost, mismatched or wrong responses`);
  assert.equal(count(/./), nextId - 1, 'a call was not accounted for');
  // The misbehaving component did misbehave meanwhile (every spin ends in its timeout).
  assert.ok(count(/^flaky-/) === 0 || count(/^flaky-.*:(trap|timeout)$/) > 0, 'the flaky component never failed');
  assert.ok(heapAfter - heapWarm < 32 * 1048576, `heap grew by ${mib(heapAfter - heapWarm)}`);
  await s.alive();
});
