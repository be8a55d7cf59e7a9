/**
 * Profiling aid (not part of the report): where the time of one warm
 * tools/call goes inside the runtime, without MCP or a transport.
 *
 *   node [--cpu-prof] dist/bench/profile-call.js [calls] [tool]
 *
 * Prints the p50/p99 of `Tapedeck.callTool` and of its stages measured
 * separately: argument validation + conversion, `grantsFor` (policy + secrets),
 * and the worker round trip (`ComponentRunner.run`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { prepareArguments } from '../src/component/values.js';
import { Audit } from '../src/server/audit.js';
import { Metrics } from '../src/server/metrics.js';
import { McpFrontEnd } from '../src/server/mcp-server.js';
import { dirsIn, exampleCopy, openDeck } from './fixtures.js';
import { summarize } from './stats.js';

const calls = Number(process.argv[2] ?? 5000);
const which = process.argv[3] ?? 'add';
const root = await mkdtemp(join(tmpdir(), 'tapedeck-profile-'));
try {
  const dirs = dirsIn(root, 'p');
  const deck = await openDeck(dirs);
  await deck.loadComponent(await exampleCopy(root, 'minimal'));
  if (which !== 'add' && which !== 'echo') await deck.loadComponent(await exampleCopy(root, 'calculator'));
  const args = which === 'echo' ? { text: 'hello, tapedeck' } : { a: 20, b: 22 };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const d = deck as any;
  const time = async (label: string, fn: () => unknown) => {
    for (let i = 0; i < Math.min(500, calls / 5); i++) await fn();
    const samples: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      await fn();
      samples.push((performance.now() - t0) * 1000);
    }
    const cpu = process.cpuUsage(cpu0);
    const s = summarize(samples);
    process.stdout.write(
      `${label.padEnd(28)} p50 ${s.median.toFixed(1).padStart(7)} us   p99 ${s.p99.toFixed(1).padStart(8)} us   mean ${s.mean.toFixed(1)} us   process CPU ${((cpu.user + cpu.system) / calls).toFixed(1)} us/call\n`,
    );
  };
  const tool = d.registry.get(which);
  // The MCP front end as `tapedeck run` builds it (audit log at info to a sync fd, here /dev/null).
  const logger = pino({ level: 'info', base: { name: 'tapedeck' } }, pino.destination({ dest: '/dev/null', sync: true }));
  const metrics = new Metrics(deck, { defaultMetrics: false });
  const audit = new Audit(logger.child({ audit: true }));
  const front = new McpFrontEnd({ deck, version: '0', logger, metrics, audit });
  const caller = { transport: 'stdio' as const };
  await time('front.callTool (MCP front)', () => front.callTool(which, args, caller));
  await time('  audit.toolCall', () =>
    audit.toolCall({ caller, component: tool.componentId, tool: which, durationMs: 0.1, outcome: 'ok', isError: false, denials: [] }),
  );
  await time('  metrics.toolCall', () => metrics.toolCall(tool.componentId, which, 'ok', 0.0001, []));
  await time('deck.callTool', () => deck.callTool(which, args));
  await time('validate + convert', () => prepareArguments(tool.fn, args));
  await time('grantsFor', () => d.grantsFor(tool.componentId));
  const { grants } = await d.grantsFor(tool.componentId);
  const runner = d.runners.get(tool.componentId).runner;
  const guestArgs = prepareArguments(tool.fn, args).values;
  await time('runner.run (worker trip)', () => runner.run({ interface: tool.fn.interface, name: tool.fn.name, args: guestArgs }, grants));
  await deck.close();
} finally {
  await rm(root, { recursive: true, force: true });
}
