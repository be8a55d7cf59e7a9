/**
 * A real SDK client drives every built-in tool (Wassette names, parameters
 * and result shapes) against a real Tapedeck, over stdio, streamable HTTP
 * (2025-11-25 and 2026-07-28) and legacy SSE.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import {
  builtinValue,
  connectHttp,
  connectStdio,
  startHttpServer,
  stdioLauncher,
  stdioServer,
  texts,
  waitFor,
  type Revision,
} from './helpers.js';

const BUILTIN_NAMES = [
  'load-component',
  'unload-component',
  'list-components',
  'search-components',
  'get-policy',
  'grant-storage-permission',
  'grant-network-permission',
  'grant-environment-variable-permission',
  'grant-memory-permission',
  'revoke-storage-permission',
  'revoke-network-permission',
  'revoke-environment-variable-permission',
  'reset-permission',
];
const HOSTILE_TOOLS = ['add', 'count', 'grow', 'recurse', 'spin', 'trap'];

type Call = (name: string, args?: Record<string, unknown>) => Promise<unknown>;

/** The whole built-in tool surface, step by step, with the exact Wassette result shapes. */
async function exerciseBuiltins(client: Client, wasmPath: string, dataDir: string, toolSets: string[][]): Promise<void> {
  const call: Call = (name, args = {}) => client.callTool({ name, arguments: args });

  const listed = await client.listTools();
  const names = listed.tools.map((t) => t.name);
  for (const name of BUILTIN_NAMES) assert.ok(names.includes(name), `tools/list lacks ${name}`);
  assert.equal(names.length, BUILTIN_NAMES.length, 'only the built-in tools before anything is loaded');
  for (const tool of listed.tools) {
    assert.equal(tool.inputSchema.type, 'object');
    assert.equal(tool.outputSchema?.type, 'object', `${tool.name} has an outputSchema`);
  }

  // search-components: Wassette scoring over the shipped catalog.
  const all = builtinValue(await call('search-components'));
  assert.equal(all.status, 'Component list found');
  assert.equal((all.components as unknown[]).length, 6);
  const time = builtinValue(await call('search-components', { query: 'time' }));
  assert.deepEqual(
    (time.components as { name: string; uri: string }[]).map((c) => [c.name, c.uri]),
    [['Time Server', 'oci://ghcr.io/tapedeck-dev/components/time-server:latest']],
  );

  assert.deepEqual(builtinValue(await call('list-components')), { components: [], total: 0 });

  // load-component, then load again: "reloaded".
  const loaded = builtinValue(await call('load-component', { path: wasmPath }));
  assert.equal(loaded.status, 'component loaded successfully');
  assert.equal(loaded.id, 'hostile-core');
  assert.deepEqual([...(loaded.tools as string[])].sort(), HOSTILE_TOOLS);
  await waitFor(() => toolSets.some((s) => s.includes('add')), 10_000, 'list_changed after load');
  const reloaded = builtinValue(await call('load-component', { path: pathToFileURL(wasmPath).href }));
  assert.equal(reloaded.status, 'component reloaded successfully');

  const components = builtinValue(await call('list-components'));
  assert.equal(components.total, 1);
  const [entry] = components.components as { id: string; tools_count: number; schema: { tools: { name: string }[] }; source_uri: string; digest: string }[];
  assert.equal(entry.id, 'hostile-core');
  assert.equal(entry.tools_count, 6);
  assert.deepEqual(entry.schema.tools.map((t) => t.name).sort(), HOSTILE_TOOLS);
  assert.match(entry.digest, /^sha256:[0-9a-f]{64}$/);

  // A component tool: structuredContent {result} and the same value as text.
  const sum = await client.callTool({ name: 'add', arguments: { a: 40, b: 2 } });
  assert.deepEqual(sum.structuredContent, { result: 42 });
  assert.deepEqual(texts(sum), ['42']);
  assert.equal(sum.isError, false);

  // Policy: none yet; grant each kind; read it back.
  assert.deepEqual(builtinValue(await call('get-policy', { component_id: 'hostile-core' })), { status: 'no policy found', component_id: 'hostile-core' });
  const fsUri = `fs://${dataDir}`;
  assert.deepEqual(
    builtinValue(await call('grant-storage-permission', { component_id: 'hostile-core', details: { uri: fsUri, access: ['read', 'write'] } })),
    { status: 'permission granted successfully', component_id: 'hostile-core', permission_type: 'storage', details: { uri: fsUri, access: ['read', 'write'] } },
  );
  assert.deepEqual(builtinValue(await call('grant-network-permission', { component_id: 'hostile-core', details: { host: 'api.example.com' } })), {
    status: 'permission granted successfully',
    component_id: 'hostile-core',
    permission_type: 'network',
    details: { host: 'api.example.com' },
  });
  assert.deepEqual(builtinValue(await call('grant-environment-variable-permission', { component_id: 'hostile-core', details: { key: 'API_KEY' } })), {
    status: 'permission granted successfully',
    component_id: 'hostile-core',
    permission_type: 'environment variable',
    details: { key: 'API_KEY' },
  });
  assert.deepEqual(builtinValue(await call('grant-memory-permission', { component_id: 'hostile-core', details: { memory: '64Mi' } })), {
    status: 'permission granted successfully',
    component_id: 'hostile-core',
    permission_type: 'memory',
    details: { memory: '64Mi' },
  });
  const policy = builtinValue(await call('get-policy', { component_id: 'hostile-core' }));
  assert.equal(policy.status, 'policy found');
  assert.equal(policy.component_id, 'hostile-core');
  const info = policy.policy_info as { policy_id: string; local_path: string; created_at?: number };
  assert.equal(info.policy_id, 'hostile-core');
  assert.match(info.local_path, /hostile-core\.policy\.yaml$/);
  const permissions = (policy.policy as { permissions: Record<string, any> }).permissions;
  assert.deepEqual(permissions.storage.allow, [{ uri: fsUri, access: ['read', 'write'] }]);
  assert.deepEqual(permissions.network.allow, [{ host: 'api.example.com' }]);
  assert.deepEqual(permissions.environment.allow, [{ key: 'API_KEY' }]);
  assert.equal(permissions.resources.limits.memory, '64Mi');
  // The memory grant applies to the next call.
  assert.deepEqual((await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } })).structuredContent, { result: 3 });

  // Revokes.
  assert.deepEqual(builtinValue(await call('revoke-storage-permission', { component_id: 'hostile-core', details: { uri: fsUri } })), {
    status: 'permission revoked successfully',
    component_id: 'hostile-core',
    uri: fsUri,
    message: 'All access (read and write) to the specified URI has been revoked',
  });
  assert.deepEqual(builtinValue(await call('revoke-network-permission', { component_id: 'hostile-core', details: { host: 'api.example.com' } })), {
    status: 'permission revoked',
    component_id: 'hostile-core',
    permission_type: 'network',
    details: { host: 'api.example.com' },
  });
  assert.deepEqual(builtinValue(await call('revoke-environment-variable-permission', { component_id: 'hostile-core', details: { key: 'API_KEY' } })), {
    status: 'permission revoked',
    component_id: 'hostile-core',
    permission_type: 'environment variable',
    details: { key: 'API_KEY' },
  });
  const after = builtinValue(await call('get-policy', { component_id: 'hostile-core' }));
  const left = (after.policy as { permissions: Record<string, unknown> }).permissions;
  assert.deepEqual(Object.keys(left).sort(), ['resources'], 'only the memory limit is left');

  assert.deepEqual(builtinValue(await call('reset-permission', { component_id: 'hostile-core' })), {
    status: 'permissions reset successfully',
    component_id: 'hostile-core',
  });
  assert.deepEqual(builtinValue(await call('get-policy', { component_id: 'hostile-core' })), { status: 'no policy found', component_id: 'hostile-core' });

  // Failures are tool errors that say what to do; never JSON-RPC errors.
  const unknown = await call('grant-network-permission', { component_id: 'nope', details: { host: 'x.com' } });
  assert.equal((unknown as { isError: boolean }).isError, true);
  assert.match(texts(unknown)[0], /^Error: Failed to grant network permission to component nope: Component 'nope' not found.*list-components/);
  const missing = await call('grant-storage-permission', { details: { uri: fsUri, access: ['read'] } });
  assert.equal((missing as { isError: boolean }).isError, true);
  assert.match(texts(missing)[0], /^Error: missing required argument 'component_id'/);
  const badAccess = await call('grant-storage-permission', { component_id: 'hostile-core', details: { uri: fsUri, access: ['execute'] } });
  assert.match(texts(badAccess)[0], /^Error: details\.access must be a non-empty array of "read" and\/or "write"/);
  const badLoad = await call('load-component', { path: join(dataDir, 'missing.wasm') });
  assert.equal((badLoad as { isError: boolean }).isError, true);
  assert.match(texts(badLoad)[0], /^Error: Failed to load component: .*missing\.wasm/);
  const badUnload = await call('unload-component', { id: 'nope' });
  assert.match(texts(badUnload)[0], /^Error: Failed to unload component nope: Component 'nope' not found/);

  // unload-component: its tools disappear (and list_changed says so).
  const before = toolSets.length;
  assert.deepEqual(builtinValue(await call('unload-component', { id: 'hostile-core' })), { status: 'component unloaded successfully', id: 'hostile-core' });
  await waitFor(() => toolSets.length > before && !toolSets[toolSets.length - 1].includes('add'), 10_000, 'list_changed after unload');
  const gone = await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } });
  assert.equal(gone.isError, true);
  assert.match(texts(gone)[0], /Tool 'add' not found/);
  assert.deepEqual(builtinValue(await call('list-components')), { components: [], total: 0 });
}

for (const revision of ['2025-11-25', '2026-07-28'] as Revision[]) {
  test(`built-in tools over streamable HTTP (${revision})`, async () => {
    const s = await startHttpServer();
    const toolSets: string[][] = [];
    const client = await connectHttp(s.endpoint, { revision, onToolsChanged: (n) => toolSets.push(n) });
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), revision);
      const dataDir = join(s.dir, 'data');
      await mkdir(dataDir);
      await exerciseBuiltins(client, s.hostileCore, dataDir, toolSets);
    } finally {
      await client.close();
      await s.stop();
    }
  });
}

test('built-in tools over legacy SSE (/sse + /message)', async () => {
  const s = await startHttpServer({ transport: 'sse' });
  const toolSets: string[][] = [];
  const client = await connectHttp(s.endpoint, { revision: '2025-11-25', onToolsChanged: (n) => toolSets.push(n) });
  try {
    assert.equal(client.getNegotiatedProtocolVersion(), '2025-11-25');
    const dataDir = join(s.dir, 'data');
    await mkdir(dataDir);
    await exerciseBuiltins(client, s.hostileCore, dataDir, toolSets);
    // Every call was audited with the SSE session.
    const audits = s.serverLogs.filter((r) => r.event === 'tool-call');
    assert.ok(audits.length >= 20);
    assert.ok(audits.every((r) => r.transport === 'sse' && typeof r.session === 'string'));
  } finally {
    await client.close();
    await s.stop();
  }
});

test(`built-in tools over stdio (${stdioLauncher() === 'cli' ? 'bin/tapedeck run' : 'test entry script'})`, async () => {
  const server = await stdioServer();
  const toolSets: string[][] = [];
  const stderr: string[] = [];
  const { client } = await connectStdio(server, { revision: '2025-11-25', onToolsChanged: (n) => toolSets.push(n) }, stderr);
  try {
    const dataDir = join(server.dir, 'data');
    await mkdir(dataDir);
    await exerciseBuiltins(client, server.hostileCore, dataDir, toolSets);
  } finally {
    await client.close();
    await server.cleanup();
  }
  // Logs went to stderr (stdout carried only MCP): the audit records are there.
  const lines = stderr
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(lines.some((r) => r.event === 'tool-call' && r.tool === 'load-component' && r.outcome === 'ok'));
});
