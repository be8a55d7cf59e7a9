/**
 * Every transport with every MCP revision it supports, driven by the official
 * v2 SDK client: the negotiated revision, tools/list, a component tool call,
 * and notifications/tools/list_changed after a load through MCP and after an
 * unload made by another Tapedeck (another process's view) on the same
 * component directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Client } from '@modelcontextprotocol/client';
import { Tapedeck } from '../../src/app/tapedeck.js';
import { connectHttp, connectStdio, startHttpServer, stdioServer, texts, waitFor, type Revision } from './helpers.js';

async function scenario(client: Client, revision: Revision, wasm: string, componentDir: string, secretsDir: string, toolSets: string[][]) {
  assert.equal(client.getNegotiatedProtocolVersion(), revision);
  assert.equal(client.getServerVersion()?.name, 'tapedeck');
  const caps = client.getServerCapabilities();
  assert.deepEqual(caps?.tools, { listChanged: true });

  const before = await client.listTools();
  assert.ok(before.tools.some((t) => t.name === 'load-component'));
  assert.ok(!before.tools.some((t) => t.name === 'add'));

  const load = await client.callTool({ name: 'load-component', arguments: { path: wasm } });
  assert.equal(load.isError ?? false, false, texts(load).join());
  await waitFor(() => toolSets.some((s) => s.includes('add')), 10_000, `list_changed after load (${revision})`);

  const sum = await client.callTool({ name: 'add', arguments: { a: 20, b: 22 } });
  assert.deepEqual(sum.structuredContent, { result: 42 });
  assert.deepEqual(texts(sum), ['42']);

  // Invalid arguments are a tool error, not a protocol error.
  const bad = await client.callTool({ name: 'add', arguments: { a: 'x', b: 1 } });
  assert.equal(bad.isError, true);
  assert.match(texts(bad)[0], /^Error: .*\ba\b/);
  const unknown = await client.callTool({ name: 'no-such-tool', arguments: {} });
  assert.equal(unknown.isError, true);
  assert.match(texts(unknown)[0], /Tool 'no-such-tool' not found/);

  // Another process (here: a second Tapedeck on the same directory) unloads it.
  const other = await Tapedeck.open({ componentDir, secretsDir, logger: pino({ level: 'silent' }) });
  try {
    const seen = toolSets.length;
    await other.unloadComponent('hostile-core');
    await waitFor(() => toolSets.length > seen && !toolSets[toolSets.length - 1].includes('add'), 10_000, `list_changed after external unload (${revision})`);
  } finally {
    await other.close();
  }
  const after = await client.listTools();
  assert.ok(!after.tools.some((t) => t.name === 'add'));
}

for (const revision of ['2026-07-28', '2025-11-25', '2025-06-18'] as Revision[]) {
  test(`streamable HTTP speaks ${revision}`, async () => {
    const s = await startHttpServer();
    const toolSets: string[][] = [];
    const client = await connectHttp(s.endpoint, { revision, onToolsChanged: (n) => toolSets.push(n) });
    try {
      await scenario(client, revision, s.hostileCore, s.componentDir, join(s.dir, 'secrets'), toolSets);
    } finally {
      await client.close();
      await s.stop();
    }
  });

  test(`stdio speaks ${revision}`, async () => {
    const server = await stdioServer();
    const toolSets: string[][] = [];
    const { client } = await connectStdio(server, { revision, onToolsChanged: (n) => toolSets.push(n) });
    try {
      await scenario(client, revision, server.hostileCore, server.componentDir, server.secretsDir, toolSets);
    } finally {
      await client.close();
      await server.cleanup();
    }
  });
}

for (const revision of ['2025-11-25', '2025-06-18'] as Revision[]) {
  test(`legacy SSE speaks ${revision}`, async () => {
    const s = await startHttpServer({ transport: 'sse' });
    const toolSets: string[][] = [];
    const client = await connectHttp(s.endpoint, { revision, onToolsChanged: (n) => toolSets.push(n) });
    try {
      await scenario(client, revision, s.hostileCore, s.componentDir, join(s.dir, 'secrets'), toolSets);
    } finally {
      await client.close();
      await s.stop();
    }
  });
}

test('a 2025-era POST without a session (e.g. curl) is served statelessly; unknown sessions get 404', async () => {
  const s = await startHttpServer();
  try {
    await s.deck.loadComponent(s.hostileCore);
    const response = await fetch(s.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'add', arguments: { a: 2, b: 3 } } }),
    });
    assert.equal(response.status, 200);
    const text = await response.text();
    const json = JSON.parse(text.startsWith('{') ? text : text.split('\n').find((l) => l.startsWith('data: '))!.slice(6));
    assert.equal(json.id, 7);
    assert.deepEqual(json.result.structuredContent, { result: 5 });

    const stale = await fetch(s.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': 'not-a-session' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/list' }),
    });
    assert.equal(stale.status, 404);
    assert.equal((await stale.json()).error.code, -32001);
  } finally {
    await s.stop();
  }
});
