/**
 * The benchmark harness runs end to end (`--quick` with tiny counts) and
 * produces a well-formed report. No timing assertions: this machine is shared
 * and timed assertions would be flaky; only shapes and numbers are checked.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchReport } from '../../bench/run.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const scratch = await mkdtemp(join(tmpdir(), 'tapedeck-bench-smoke-'));
after(() => rm(scratch, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'dist/bench/run.js'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function isNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

function assertSummary(s: { n: number; median: number; p99: number }, where: string): void {
  assert.ok(s.n > 0, `${where}: no samples`);
  assert.ok(isNumber(s.median) && s.median > 0, `${where}: median ${s.median}`);
  assert.ok(isNumber(s.p99) && s.p99 >= s.median, `${where}: p99 ${s.p99} < median ${s.median}`);
}

test('bench --quick with tiny counts writes a complete, well-formed report', { timeout: 15 * 60_000 }, async () => {
  for (const id of ['minimal', 'calculator']) {
    await access(join(root, 'examples/build/components', `${id}.wasm`)).catch(() => {
      throw new Error(`examples/build/components/${id}.wasm is missing: run npm run build:examples (npm ci does it)`);
    });
  }
  const out = join(scratch, 'benchmarks.md');
  const json = join(scratch, 'report.json');
  const result = await run([
    '--quick',
    '--iterations', '12',
    '--warmup', '5',
    '--duration', '300',
    '--startup-reps', '1',
    // 20: the startup target is defined for 20 cached components.
    '--counts', '20',
    '--memory-components', '3',
    '--memory-busy', '2',
    '--idle-ms', '600',
    '--busy-ms', '300',
    '--js-reps', '1',
    '--out', out,
    '--json', json,
  ]);
  assert.equal(result.code, 0, `bench failed:\n${result.stderr.slice(-4000)}`);

  const report = JSON.parse(await readFile(json, 'utf8')) as BenchReport;
  const markdown = await readFile(out, 'utf8');

  // Machine and run.
  assert.match(report.meta.node, /^v\d+/);
  assert.ok(report.meta.cpu.length > 0);
  assert.ok(report.meta.cores >= 1);
  assert.ok(!Number.isNaN(Date.parse(report.meta.date)));
  assert.equal(report.meta.settings.mode, 'quick');

  // 1. Per call: every server over stdio, both HTTP eras; ratios for all but the baseline.
  for (const transport of ['stdio', 'http', 'http-2026'] as const) {
    for (const server of ['baseline', 'baseline+worker', 'tapedeck front end', 'tapedeck'] as const) {
      const rows = report.perCall.filter((r) => r.transport === transport && r.server === server);
      assert.ok(rows.length > 0, `no per-call rows for ${server} over ${transport}`);
      for (const r of rows) {
        assertSummary(r.latency, `${server} ${r.tool} over ${transport}`);
        assert.equal(r.errors, 0, `${server} ${r.tool} over ${transport} had errors`);
        assert.ok(isNumber(r.cpuUs) && r.cpuUs > 0, `${server} ${r.tool} over ${transport}: cpu ${r.cpuUs}`);
        if (server !== 'baseline') assert.ok(isNumber(r.ratioP50) && isNumber(r.ratioP99), `${server} ${r.tool} over ${transport}: ratio missing`);
      }
    }
  }
  assert.ok(
    report.perCall.some((r) => r.server === 'tapedeck' && r.tool === 'local_calculator_calculator_add'),
    'the JS-engine component was not measured',
  );

  // 2. Throughput at 1, 16, 64 over streamable HTTP.
  for (const concurrency of [1, 16, 64]) {
    for (const server of ['baseline', 'tapedeck'] as const) {
      const r = report.throughput.find((x) => x.transport === 'http' && x.server === server && x.concurrency === concurrency);
      assert.ok(r, `no throughput row for ${server} at ${concurrency}`);
      assert.ok(isNumber(r.rps) && r.rps > 0, `${server} c=${concurrency}: rps ${r.rps}`);
      assert.ok(r.calls > 0);
      if (server === 'tapedeck') assert.ok(isNumber(r.ratio));
    }
  }

  // 3. Startup with 0 and N cached components; first loads of the JS-engine component.
  const startup = (server: string, components: number) => report.startup.find((s) => s.server === server && s.components === components);
  for (const [server, components] of [['baseline', 0], ['tapedeck', 0], ['tapedeck', 20]] as const) {
    const s = startup(server, components);
    assert.ok(s, `no startup row for ${server} with ${components}`);
    assertSummary(s.summary, `startup ${server} ${components}`);
    assertSummary(s.cpu, `startup CPU ${server} ${components}`);
    assert.ok(s.tools >= components, `startup ${server} ${components}: ${s.tools} tools`);
  }
  assert.ok(startup('tapedeck', 20)!.tools >= startup('tapedeck', 0)!.tools + 20, 'cached components did not add their tools');
  for (const key of ['uncached', 'cached', 'registered'] as const) {
    const loads = report.firstLoad.js[key];
    assert.ok(loads.length >= 1, `no ${key} first load`);
    for (const l of loads) for (const v of [l.loadMs, l.firstCallMs, l.totalMs, l.secondCallMs, l.totalCpuMs]) assert.ok(isNumber(v) && v >= 0, `${key}: ${JSON.stringify(l)}`);
  }
  assertSummary(report.firstLoad.wat, 'first WAT loads');

  // 4. Memory.
  const m = report.memory.tapedeck!;
  assert.ok(m, 'memory was not measured');
  for (const v of [m.registeredRss, m.idleRss, m.busyPeakRss, m.busyMeanRss, m.reapedRss, report.memory.baselineIdleRss, report.memory.tapedeckEmptyIdleRss]) {
    assert.ok(isNumber(v) && v > 0, `memory figure ${v}`);
  }
  assert.ok(m.busyCalls > 0 && m.busyErrors === 0);
  assert.ok(report.memory.unbounded && isNumber(report.memory.unbounded.idleRss));

  // 5. Targets: all five, each with a number and a verdict.
  assert.equal(report.targets.length, 5);
  for (const t of report.targets) {
    assert.ok(isNumber(t.value), `target ${t.name}: ${t.value}`);
    assert.equal(typeof t.pass, 'boolean');
  }

  // The markdown carries the machine, every section and the verdicts.
  for (const heading of ['## Machine and run', '### Targets', '### 1. Per-call latency', '### 2. Throughput', '### 3. Startup', '### 4. Memory']) {
    assert.ok(markdown.includes(heading), `markdown lacks ${heading}`);
  }
  assert.ok(markdown.includes(report.meta.node));
  assert.match(markdown, /\| (PASS|FAIL) \|/);
  assert.ok(result.stdout.includes('### Targets'), 'the table was not printed');
});

test('bench rejects bad options before running anything, naming the option', async () => {
  const cases: [string[], RegExp][] = [
    [['--warmup', 'abc'], /--warmup: expected a number, got 'abc'/],
    [['--iterations'], /--iterations: expected a number, got nothing/],
    [['--out'], /--out: expected a value, got nothing/],
    [['--only', '--quick'], /--only: expected a value, got '--quick'/],
    [['--only', 'disk'], /--only: unknown section 'disk' \(use stdio, http, startup, js, memory\)/],
    [['--fast'], /unknown option --fast \(the options are listed at the top of bench\/run\.ts\)/],
  ];
  for (const [args, message] of cases) {
    const result = await run(args);
    assert.equal(result.code, 1, `${args.join(' ')} exited ${result.code}`);
    assert.match(result.stderr, message);
    assert.doesNotMatch(result.stdout, /### Targets/, `${args.join(' ')} ran the benchmark`);
  }
});
