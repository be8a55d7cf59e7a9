/**
 * The MCP Inspector CLI (needs Node >= 22.19, fetched with npx at test time)
 * lists and calls tools over streamable HTTP, SSE and stdio.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { run, startHttpServer, stdioServer } from './helpers.js';

const INSPECTOR = '@modelcontextprotocol/inspector@2.12.0';

async function inspector(args: string[], catalogDir: string, expectedCode = 0) {
  const result = await run('npx', ['-y', '-p', 'node@22', '-p', INSPECTOR, 'mcp-inspector', '--cli', ...args], {
    env: { ...process.env, MCP_CATALOG_PATH: join(catalogDir, 'inspector-catalog.json'), npm_config_update_notifier: 'false' },
    timeoutMs: 300_000,
  });
  const problems = result.stderr
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('npm warn') && !l.startsWith('{'))
    .join('\n');
  assert.equal(result.code, expectedCode, `inspector ${args.join(' ')} failed:\n${problems}\n${result.stdout}`);
  return { json: JSON.parse(result.stdout) as Record<string, any>, stderr: problems };
}

test('MCP Inspector CLI over streamable HTTP and SSE: tools/list (--strict, no schema portability problems) and tools/call', { timeout: 900_000 }, async () => {
  for (const transport of ['streamable-http', 'sse'] as const) {
    const s = await startHttpServer({ transport });
    try {
      await s.deck.loadComponent(s.hostileCore);
      const listed = await inspector([s.endpoint, '--method', 'tools/list', '--strict'], s.dir);
      const names = (listed.json.tools as { name: string }[]).map((t) => t.name);
      assert.ok(names.includes('add') && names.includes('load-component') && names.includes('grant-memory-permission'), names.join());
      assert.equal(names.length, 6 + 13);
      assert.doesNotMatch(listed.stderr, /Warning|error/i);

      const called = await inspector([s.endpoint, '--method', 'tools/call', '--tool-name', 'add', '--tool-arg', 'a=40', '--tool-arg', 'b=2'], s.dir);
      assert.deepEqual(called.json.structuredContent, { result: 42 });
      assert.deepEqual(called.json.content, [{ type: 'text', text: '42' }]);
      assert.equal(called.json.isError, false);

      // A tool error: the inspector exits 5 and prints the result.
      const failed = await inspector([s.endpoint, '--method', 'tools/call', '--tool-name', 'get-policy', '--tool-arg', 'component_id=ghost'], s.dir, 5);
      assert.equal(failed.json.isError, true);
      assert.match(failed.json.content[0].text, /^Error: Failed to get the policy of component ghost: Component 'ghost' not found/);
    } finally {
      await s.stop();
    }
  }
});

test('MCP Inspector CLI over stdio: tools/call search-components', { timeout: 600_000 }, async () => {
  const server = await stdioServer();
  try {
    const env = ['XDG_CONFIG_HOME', 'XDG_DATA_HOME'].flatMap((k) => ['-e', `${k}=${server.env[k]}`]);
    const result = await inspector([...env, '--method', 'tools/call', '--tool-name', 'search-components', '--tool-arg', 'query=time', '--', server.command, ...server.args], server.dir);
    assert.deepEqual(result.json.structuredContent, {
      status: 'Component list found',
      components: [
        {
          name: 'Time Server',
          description: 'Tells the current time in UTC as an ISO 8601 string; needs no permissions',
          uri: 'oci://ghcr.io/tapedeck-dev/components/time-server:latest',
        },
      ],
    });
  } finally {
    await server.cleanup();
  }
});
