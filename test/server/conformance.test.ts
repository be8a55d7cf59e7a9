/**
 * The official MCP conformance suite (server scenarios, active suite; needs
 * Node >= 22, fetched with npx at test time) against `serve --streamable-http`.
 * Only fixture-specific scenarios may fail; they are listed, with why, in
 * conformance-expected-failures.yml.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot, run, startHttpServer } from './helpers.js';

const CONFORMANCE = '@modelcontextprotocol/conformance@0.1.16';
const BASELINE = join(repoRoot, 'test/server/conformance-expected-failures.yml');

/** The scenarios that must pass (everything else in the active suite needs a fixture). */
const MUST_PASS = [
  'server-initialize',
  'logging-set-level',
  'ping',
  'tools-list',
  'tools-call-simple-text',
  'tools-call-error',
  'server-sse-multiple-streams',
  'resources-list',
  'prompts-list',
  'dns-rebinding-protection',
];

test('MCP conformance server scenarios pass, except the fixture-specific ones in the baseline', { timeout: 900_000 }, async () => {
  const s = await startHttpServer({ logLevel: 'warn' });
  try {
    await s.deck.loadComponent(s.hostileCore);
    const out = join(s.dir, 'conformance');
    const result = await run('npx', ['-y', '-p', 'node@22', '-p', CONFORMANCE, 'conformance', 'server', '--url', s.endpoint, '-o', out, '--expected-failures', BASELINE], {
      env: { ...process.env, npm_config_update_notifier: 'false' },
      timeoutMs: 600_000,
    });
    const summary = result.stdout.slice(result.stdout.indexOf('=== SUMMARY ==='));
    assert.equal(result.code, 0, `conformance failed (exit ${result.code}):\n${summary}\n${result.stderr.split('\n').filter((l) => !l.startsWith('npm warn')).join('\n')}`);
    assert.match(summary, /Baseline check passed: all failures are expected/);

    // Read every scenario's checks.
    const baseline = (await readFile(BASELINE, 'utf8'))
      .split('\n')
      .map((l) => /^\s+-\s+([a-z0-9-]+)\s*$/.exec(l)?.[1])
      .filter((x): x is string => Boolean(x));
    const outcomes = new Map<string, { passed: number; failed: number }>();
    for (const dir of await readdir(out)) {
      const scenario = dir.replace(/^server-/, '').replace(/-\d{4}-\d\d-\d\dT.*$/, '');
      const checks = JSON.parse(await readFile(join(out, dir, 'checks.json'), 'utf8')) as { status: string }[];
      outcomes.set(scenario, {
        passed: checks.filter((c) => c.status === 'SUCCESS').length,
        failed: checks.filter((c) => c.status === 'FAILURE').length,
      });
    }
    assert.equal(outcomes.size, 30, `30 scenarios ran: ${[...outcomes.keys()].join(', ')}`);
    for (const name of MUST_PASS) {
      const o = outcomes.get(name);
      assert.ok(o && o.failed === 0 && o.passed >= 1, `${name} passes (${JSON.stringify(o)})`);
    }
    assert.equal(outcomes.get('dns-rebinding-protection')?.passed, 2);
    const failing = [...outcomes].filter(([, o]) => o.failed > 0).map(([n]) => n);
    assert.deepEqual(failing.sort(), [...baseline].sort(), 'exactly the baseline scenarios fail');
    assert.equal(baseline.length, 20);
    assert.equal(outcomes.size - failing.length, MUST_PASS.length);
  } finally {
    await s.stop();
  }
});
