/**
 * --disable-builtin-tools, and graceful shutdown (in-flight calls finish,
 * bounded) over HTTP and over stdio on SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connectHttp, connectStdio, startHttpServer, stdioLauncher, stdioServer, texts, waitFor } from './helpers.js';

const DISABLED = 'Error: Built-in tools are disabled';

test('--disable-builtin-tools over HTTP: hidden from tools/list, calls fail with "Built-in tools are disabled", component tools work', async () => {
  const s = await startHttpServer({ disableBuiltinTools: true });
  const toolSets: string[][] = [];
  const client = await connectHttp(s.endpoint, { onToolsChanged: (n) => toolSets.push(n) });
  try {
    assert.deepEqual((await client.listTools()).tools, []);
    const refused = await client.callTool({ name: 'load-component', arguments: { path: s.hostileCore } });
    assert.equal(refused.isError, true);
    assert.deepEqual(texts(refused), [DISABLED]);
    for (const name of ['list-components', 'grant-network-permission', 'search-components']) {
      assert.deepEqual(texts(await client.callTool({ name, arguments: {} })), [DISABLED]);
    }
    // Components loaded another way (CLI, manifest) are served, and announced.
    await s.deck.loadComponent(s.hostileCore);
    await waitFor(() => toolSets.some((t) => t.includes('add')));
    assert.deepEqual((await client.listTools()).tools.map((t) => t.name).sort(), ['add', 'count', 'grow', 'recurse', 'spin', 'trap']);
    assert.deepEqual((await client.callTool({ name: 'add', arguments: { a: 1, b: 1 } })).structuredContent, { result: 2 });
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, /tapedeck_tool_calls_total\{component="builtin",tool="load-component",outcome="disabled"\} 1/);
  } finally {
    await client.close();
    await s.stop();
  }
});

test('--disable-builtin-tools over stdio', async () => {
  const server = await stdioServer({ disableBuiltinTools: true });
  const { client } = await connectStdio(server);
  try {
    assert.deepEqual((await client.listTools()).tools, []);
    assert.deepEqual(texts(await client.callTool({ name: 'unload-component', arguments: { id: 'x' } })), [DISABLED]);
  } finally {
    await client.close();
    await server.cleanup();
  }
});

function post(url: string, body: string): Promise<number> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve(-1));
    req.end(body);
  });
}

test('graceful shutdown over HTTP: a call in flight finishes and is answered; new work is refused', async () => {
  const s = await startHttpServer({}, { timeoutMs: 1500 });
  const client = await connectHttp(s.endpoint);
  try {
    await s.deck.loadComponent(s.hostileCore);
    const started = Date.now();
    const inFlight = client.callTool({ name: 'spin', arguments: {} });
    await new Promise((r) => setTimeout(r, 300));
    const closing = s.running.close();
    // New connections are refused once the server stops listening.
    assert.equal(await post(s.endpoint, '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'), -1);
    const result = await inFlight;
    assert.equal(result.isError, true);
    assert.match(texts(result)[0], /^Error: component 'hostile-core' did not finish tool 'spin' within 1500 ms/);
    await closing;
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 1400, `close waited for the call (${elapsed} ms)`);
    assert.ok(s.serverLogs.some((r) => r.msg === 'MCP HTTP server stopped' && r.drained === true));
  } finally {
    await client.close().catch(() => undefined);
    await s.stop();
  }
});

test('graceful shutdown is bounded by shutdownTimeoutMs', async () => {
  const s = await startHttpServer({ shutdownTimeoutMs: 300 }, { timeoutMs: 10_000 });
  const client = await connectHttp(s.endpoint);
  try {
    await s.deck.loadComponent(s.hostileCore);
    const inFlight = client.callTool({ name: 'spin', arguments: {} }).then(
      () => 'answered',
      () => 'aborted',
    );
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await s.running.close();
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 2000, `close returned after ${elapsed} ms`);
    assert.equal(await inFlight, 'aborted');
    assert.ok(s.serverLogs.some((r) => r.msg === 'shutdown timeout: abandoning calls still running' && r.activeCalls === 1));
  } finally {
    await client.close().catch(() => undefined);
    await s.stop();
  }
});

for (const launcher of stdioLauncher() === 'cli' ? (['cli', 'fixture'] as const) : (['fixture'] as const)) {
  test(`graceful shutdown over stdio on SIGTERM (${launcher === 'cli' ? 'bin/tapedeck run' : 'startServer handleSignals'}): the call in flight is answered, new calls are refused, the process exits`, async () => {
    const server = await stdioServer({ timeoutMs: 1500 }, launcher);
    const stderr: string[] = [];
    const { client, transport } = await connectStdio(server, {}, stderr);
    try {
      const loaded = await client.callTool({ name: 'load-component', arguments: { path: server.hostileCore } });
      assert.equal(loaded.isError ?? false, false);
      const pid = transport.pid!;
      assert.ok(pid > 0);
      const inFlight = client.callTool({ name: 'spin', arguments: {} });
      await new Promise((r) => setTimeout(r, 300));
      process.kill(pid, 'SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
      const late = await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } });
      assert.equal(late.isError, true);
      assert.match(texts(late)[0], /^Error: tapedeck is shutting down and accepts no new tool calls/);
      const result = await inFlight;
      assert.equal(result.isError, true);
      assert.match(texts(result)[0], /did not finish tool 'spin' within 1500 ms/);
      await waitFor(
        () => {
          try {
            process.kill(pid, 0);
            return false;
          } catch {
            return true;
          }
        },
        10_000,
        'the server process to exit',
      );
      assert.match(stderr.join(''), /MCP stdio server stopped/);
    } finally {
      await client.close().catch(() => undefined);
      await server.cleanup();
    }
  });
}
