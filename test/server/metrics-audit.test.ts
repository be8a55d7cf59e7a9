/**
 * /metrics (Prometheus) counters after real calls, and the audit log: one
 * info record per call without argument values, arguments only at debug.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectHttp, startHttpServer, texts } from './helpers.js';

/** `name{labels} value` lines of a Prometheus text exposition, as a map. */
function samples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    map.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return map;
}

test('/metrics counts tool calls by component, tool and outcome, durations, loaded components and worker restarts', async () => {
  const s = await startHttpServer();
  const client = await connectHttp(s.endpoint);
  try {
    const load = await client.callTool({ name: 'load-component', arguments: { path: s.hostileCore } });
    assert.equal(load.isError ?? false, false);
    for (let i = 0; i < 3; i++) assert.deepEqual((await client.callTool({ name: 'add', arguments: { a: i, b: 1 } })).structuredContent, { result: i + 1 });
    const invalid = await client.callTool({ name: 'add', arguments: { a: -5, b: 1 } });
    assert.equal(invalid.isError, true);
    const trap = await client.callTool({ name: 'trap', arguments: {} });
    assert.equal(trap.isError, true);
    assert.match(texts(trap)[0], /^Error: component 'hostile-core' trapped in tool 'trap'/);
    // The component keeps serving after the trap (its worker was replaced).
    assert.deepEqual((await client.callTool({ name: 'add', arguments: { a: 2, b: 2 } })).structuredContent, { result: 4 });
    const missing = await client.callTool({ name: 'does-not-exist', arguments: {} });
    assert.equal(missing.isError, true);
    await client.callTool({ name: 'grant-network-permission', arguments: { component_id: 'ghost', details: { host: 'a.example' } } });

    const response = await fetch(`${s.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    const m = samples(await response.text());
    assert.equal(m.get('tapedeck_tool_calls_total{component="builtin",tool="load-component",outcome="ok"}'), 1);
    assert.equal(m.get('tapedeck_tool_calls_total{component="hostile-core",tool="add",outcome="ok"}'), 4);
    assert.equal(m.get('tapedeck_tool_calls_total{component="hostile-core",tool="add",outcome="invalid-arguments"}'), 1);
    assert.equal(m.get('tapedeck_tool_calls_total{component="hostile-core",tool="trap",outcome="trap"}'), 1);
    assert.equal(m.get('tapedeck_tool_calls_total{component="(unknown)",tool="(unknown)",outcome="not-found"}'), 1);
    assert.equal(m.get('tapedeck_tool_calls_total{component="builtin",tool="grant-network-permission",outcome="error"}'), 1);
    assert.equal(m.get('tapedeck_tool_call_duration_seconds_count{component="hostile-core",tool="add"}'), 5);
    assert.ok((m.get('tapedeck_tool_call_duration_seconds_sum{component="hostile-core",tool="add"}') ?? 0) > 0);
    assert.equal(m.get('tapedeck_tool_call_duration_seconds_bucket{le="+Inf",component="hostile-core",tool="add"}'), 5);
    assert.equal(m.get('tapedeck_components_loaded'), 1);
    assert.equal(m.get('tapedeck_tools_available'), 6);
    assert.equal(m.get('tapedeck_worker_restarts_total{component="hostile-core"}'), 1);
    assert.ok(m.has('tapedeck_process_cpu_user_seconds_total'), 'default process metrics are exported');
  } finally {
    await client.close();
    await s.stop();
  }
});

test('audit: one info record per call (component, tool, duration, outcome) without argument values; arguments only at debug', async () => {
  const secret = 'sk-live-DO-NOT-LOG-4242';
  for (const level of ['info', 'debug']) {
    const s = await startHttpServer({ logLevel: level });
    const client = await connectHttp(s.endpoint);
    try {
      await s.deck.loadComponent(s.hostileCore);
      assert.deepEqual((await client.callTool({ name: 'add', arguments: { a: 4242, b: 1 } })).structuredContent, { result: 4243 });
      const grant = await client.callTool({ name: 'grant-environment-variable-permission', arguments: { component_id: 'hostile-core', details: { key: secret } } });
      assert.equal(grant.isError ?? false, false);

      const audits = s.serverLogs.filter((r) => r.event === 'tool-call');
      assert.equal(audits.length, 2);
      const [add, env] = audits;
      assert.equal(add.level, 30);
      assert.equal(add.msg, 'tool call');
      assert.equal(add.component, 'hostile-core');
      assert.equal(add.tool, 'add');
      assert.equal(add.outcome, 'ok');
      assert.equal(add.isError, false);
      assert.equal(add.transport, 'streamable-http');
      assert.equal(add.client, '127.0.0.1');
      assert.equal(typeof add.session, 'string');
      assert.ok(typeof add.durationMs === 'number' && add.durationMs >= 0);
      assert.deepEqual(add.denials, []);
      assert.equal(env.component, 'builtin');
      assert.equal(env.tool, 'grant-environment-variable-permission');
      assert.ok(!('arguments' in add) && !('arguments' in env));

      const infoText = JSON.stringify(s.serverLogs.filter((r) => (r.level as number) >= 30));
      assert.ok(!infoText.includes('4242'), 'argument values never appear at info level');
      assert.ok(!infoText.includes(secret));

      const argRecords = s.serverLogs.filter((r) => r.event === 'tool-call-arguments');
      if (level === 'debug') {
        assert.equal(argRecords.length, 2);
        assert.equal(argRecords[0].level, 20);
        assert.deepEqual(argRecords[0].arguments, { a: 4242, b: 1 });
      } else {
        assert.equal(argRecords.length, 0);
      }
    } finally {
      await client.close();
      await s.stop();
    }
  }
});
