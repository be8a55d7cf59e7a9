/**
 * The example components through MCP: denials come back as extra text items
 * naming the grant, are counted in /metrics and audited; granting through the
 * built-in tools makes the next call succeed; graceful shutdown lets a slow
 * successful call finish.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { example } from '../helpers/deck.js';
import { connectHttp, startHttpServer, texts } from './helpers.js';

let web: Server;
let webUrl: string;

before(async () => {
  web = createServer((req, res) => {
    const delay = req.url?.startsWith('/slow') ? 1500 : 0;
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`hello from ${req.url}`);
    }, delay);
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((r) => web.close(() => r())));

test('fetch: a network denial is an extra text item with the grant; metrics and audit record it; the grant tool fixes it', async () => {
  const s = await startHttpServer();
  const client = await connectHttp(s.endpoint);
  try {
    const loaded = await client.callTool({ name: 'load-component', arguments: { path: await example('fetch') } });
    assert.equal(loaded.isError ?? false, false, texts(loaded).join());
    const id = (loaded.structuredContent as { id: string }).id;
    assert.equal(id, 'fetch');

    const denied = await client.callTool({ name: 'fetch', arguments: { url: `${webUrl}/page` } });
    assert.equal(denied.isError, true);
    const items = texts(denied);
    assert.equal(items.length, 2, items.join(' | '));
    assert.match(items[0], /^\{"err":"fetch http:\/\/127\.0\.0\.1:\d+\/page failed/);
    assert.match(items[1], /127\.0\.0\.1/);
    assert.equal(items[1], `network access to ${new URL(webUrl).host} denied — grant it with: tapedeck permission grant network fetch ${new URL(webUrl).host}`);

    const m = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(m, /tapedeck_denials_total\{component="fetch",kind="network"\} 1/);
    assert.match(m, /tapedeck_tool_calls_total\{component="fetch",tool="fetch",outcome="guest-error"\} 1/);
    const audit = s.serverLogs.find((r) => r.event === 'tool-call' && r.tool === 'fetch')!;
    assert.equal(audit.outcome, 'guest-error');
    assert.equal((audit.denials as { kind: string; target: string }[])[0].kind, 'network');
    assert.match((audit.denials as { kind: string; target: string }[])[0].target, /127\.0\.0\.1/);

    const grant = await client.callTool({ name: 'grant-network-permission', arguments: { component_id: 'fetch', details: { host: new URL(webUrl).host } } });
    assert.equal(grant.isError ?? false, false, texts(grant).join());
    const allowed = await client.callTool({ name: 'fetch', arguments: { url: `${webUrl}/page` } });
    assert.equal(allowed.isError, false, texts(allowed).join());
    assert.deepEqual(texts(allowed), ['{"ok":"200 hello from /page"}']);
    assert.deepEqual(allowed.structuredContent, { result: { ok: '200 hello from /page' } });
  } finally {
    await client.close();
    await s.stop();
  }
});

test('filesystem: a storage denial names the grant; after grant-storage-permission the file is read (SSE)', async () => {
  const s = await startHttpServer({ transport: 'sse' });
  const client = await connectHttp(s.endpoint);
  try {
    const data = join(s.dir, 'data');
    await mkdir(data);
    await writeFile(join(data, 'notes.txt'), 'remember the milk');
    const loaded = await client.callTool({ name: 'load-component', arguments: { path: await example('filesystem') } });
    assert.equal(loaded.isError ?? false, false, texts(loaded).join());

    const denied = await client.callTool({ name: 'read-file', arguments: { path: join(data, 'notes.txt') } });
    assert.equal(denied.isError, true);
    const items = texts(denied);
    assert.ok(items.length >= 2, items.join(' | '));
    assert.ok(items.slice(1).some((t) => /grant it with: tapedeck permission grant storage filesystem /.test(t)), items.join(' | '));

    const grant = await client.callTool({
      name: 'grant-storage-permission',
      arguments: { component_id: 'filesystem', details: { uri: `fs://${data}`, access: ['read'] } },
    });
    assert.equal(grant.isError ?? false, false, texts(grant).join());
    const read = await client.callTool({ name: 'read-file', arguments: { path: join(data, 'notes.txt') } });
    assert.equal(read.isError, false, texts(read).join());
    assert.deepEqual(texts(read), ['{"ok":"remember the milk"}']);
    const m = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(m, /tapedeck_denials_total\{component="filesystem",kind="storage"\} [1-9]/);
  } finally {
    await client.close();
    await s.stop();
  }
});

test('time-server, calculator and minimal over streamable HTTP (2026-07-28): values as text and structuredContent, WIT err as isError', async () => {
  const s = await startHttpServer();
  const client = await connectHttp(s.endpoint, { revision: '2026-07-28' });
  try {
    const tools: Record<string, string[]> = {};
    for (const id of ['time-server', 'calculator', 'minimal']) {
      const loaded = await client.callTool({ name: 'load-component', arguments: { path: await example(id) } });
      assert.equal(loaded.isError ?? false, false, texts(loaded).join());
      tools[id] = (loaded.structuredContent as { tools: string[] }).tools;
    }
    const listed = await client.callTool({ name: 'list-components', arguments: {} });
    assert.deepEqual((listed.structuredContent as { components: { id: string }[] }).components.map((c) => c.id), ['calculator', 'minimal', 'time-server']);

    const timeTool = tools['time-server'].find((t) => /get.current.time$/.test(t))!;
    assert.ok(timeTool, tools['time-server'].join());
    const now = await client.callTool({ name: timeTool, arguments: {} });
    const [text] = texts(now);
    assert.match(text, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.ok(Math.abs(Date.parse(text) - Date.now()) < 60_000);
    assert.deepEqual(now.structuredContent, { result: text });

    const divide = tools.calculator.find((t) => t.endsWith('divide'))!;
    const ok = await client.callTool({ name: divide, arguments: { a: 1, b: 4 } });
    assert.deepEqual(ok.structuredContent, { result: { ok: 0.25 } });
    const byZero = await client.callTool({ name: divide, arguments: { a: 1, b: 0 } });
    assert.equal(byZero.isError, true);
    assert.deepEqual(byZero.structuredContent, { result: { err: (byZero.structuredContent as { result: { err: string } }).result.err } });
    assert.match(texts(byZero)[0], /^\{"err":".+"\}$/);

    const echo = await client.callTool({ name: 'echo', arguments: { text: 'hello tapedeck' } });
    assert.deepEqual(texts(echo), ['hello tapedeck']);
    assert.deepEqual(echo.structuredContent, { result: 'hello tapedeck' });
  } finally {
    await client.close();
    await s.stop();
  }
});

test('graceful shutdown: a slow call that succeeds finishes and is answered before the server stops', async () => {
  const s = await startHttpServer();
  const client = await connectHttp(s.endpoint);
  try {
    const { id } = await s.deck.loadComponent(await example('fetch'));
    await s.deck.grantPermission(id, { kind: 'network', host: new URL(webUrl).host });
    // Warm the worker so the in-flight call is the slow request itself.
    assert.equal((await client.callTool({ name: 'fetch', arguments: { url: `${webUrl}/warm` } })).isError, false);
    const started = Date.now();
    const inFlight = client.callTool({ name: 'fetch', arguments: { url: `${webUrl}/slow` } });
    await new Promise((r) => setTimeout(r, 300));
    await s.running.close();
    const result = await inFlight;
    assert.equal(result.isError, false, texts(result).join());
    assert.deepEqual(result.structuredContent, { result: { ok: '200 hello from /slow' } });
    assert.ok(Date.now() - started >= 1400);
  } finally {
    await client.close().catch(() => undefined);
    await s.stop();
  }
});
