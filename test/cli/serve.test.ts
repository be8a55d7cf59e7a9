import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { bin, json, sandbox, show, waitForOutput, watComponent, type Sandbox } from './helpers.js';

let box: Sandbox;
before(async () => {
  box = await sandbox();
  await watComponent('adder', box.dir);
});
after(async () => {
  await box.cleanup();
});

function client(onToolsChanged?: (names: string[]) => void): Client {
  return new Client(
    { name: 'tapedeck-cli-test', version: '1.0.0' },
    onToolsChanged
      ? {
          listChanged: {
            tools: {
              debounceMs: 0,
              onChanged: (error: Error | null, tools: { name: string }[] | null) => {
                if (!error && tools) onToolsChanged(tools.map((t) => t.name));
              },
            },
          },
        }
      : {},
  );
}

function textOf(result: unknown): string {
  return ((result as { content: { text: string }[] }).content[0] ?? { text: '' }).text;
}

test('serve prints the URL and a client config, and CLI changes reach the running server with list_changed', async (t) => {
  const child = box.spawn(['serve', '--bind-address', '127.0.0.1:0']);
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const out = await waitForOutput(child.stdout!, /Stop with Ctrl\+C\.\n/);
  const url = /URL: +(http:\/\/127\.0\.0\.1:\d+\/mcp)\n/.exec(out)?.[1];
  assert.ok(url, out);
  assert.match(out, /^tapedeck \d+\.\d+\.\d+\S*: 0 components, 0 tools \(\+\d+ built-in\), MCP over streamable HTTP\n/);
  assert.ok(out.includes(`Claude Code: claude mcp add --transport http tapedeck ${url}\n`), out);
  assert.ok(out.includes(`{"mcpServers":{"tapedeck":{"type":"http","url":"${url}"}}}`), out);
  // Logs are JSON lines on stderr, never on stdout.
  assert.ok(!out.includes('"level"'));

  const changes: string[][] = [];
  const c = client((names) => changes.push(names));
  await c.connect(new StreamableHTTPClientTransport(new URL(url!)));
  const initial = (await c.listTools()).tools.map((x) => x.name);
  assert.ok(initial.includes('load-component'), initial.join(','));
  assert.ok(!initial.includes('add'));

  // Another process (the CLI) loads a component into the same directory.
  let r = await box.run(['component', 'load', 'adder.wasm']);
  assert.equal(r.code, 0, show(r));
  const deadline = Date.now() + 15_000;
  while (!changes.some((names) => names.includes('add')) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  assert.ok(changes.some((names) => names.includes('add')), `no list_changed with the new tool; server stderr:\n${stderr}`);
  const call = await c.callTool({ name: 'add', arguments: { a: 20, b: 22 } });
  assert.equal(textOf(call), '42');

  // A grant made with the CLI is what the server reports next.
  r = await box.run(['permission', 'grant', 'network', 'adder', 'api.example.com']);
  assert.equal(r.code, 0, show(r));
  const policy = await c.callTool({ name: 'get-policy', arguments: { component_id: 'adder' } });
  assert.match(textOf(policy), /policy found/);

  // Unloading with the CLI removes the tools from the running server.
  r = await box.run(['component', 'unload', 'adder']);
  assert.equal(r.code, 0, show(r));
  const deadline2 = Date.now() + 15_000;
  while (!(changes.length > 0 && !changes[changes.length - 1].includes('add')) && Date.now() < deadline2) await new Promise((res) => setTimeout(res, 50));
  assert.ok(!changes[changes.length - 1].includes('add'), JSON.stringify(changes));
  await c.close();

  // SIGTERM stops it cleanly.
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
});

test('serve --sse prints the /sse URL', async (t) => {
  const child = box.spawn(['serve', '--sse', '--bind-address', '127.0.0.1:0']);
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const out = await waitForOutput(child.stdout!, /Stop with Ctrl\+C\.\n/);
  assert.match(out, /MCP over SSE \(legacy\)\n {2}URL: +http:\/\/127\.0\.0\.1:\d+\/sse\n/);
  assert.match(out, /claude mcp add --transport sse tapedeck http:\/\/127\.0\.0\.1:\d+\/sse/);
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  child.kill('SIGINT');
  assert.equal(await exited, 0);
});

test('serve errors: two transports, bad bind address, bad option values', async () => {
  let r = await box.run(['serve', '--sse', '--streamable-http']);
  assert.equal(r.code, 2, show(r));
  assert.equal(r.stderr, 'Error: --sse and --streamable-http cannot be used together: choose one transport\n');

  r = await box.run(['serve', '--bind-address', 'localhost']);
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /^Error: --bind-address: invalid bind address 'localhost'/);

  r = await box.run(['serve'], { env: { TAPEDECK_BIND_ADDRESS: 'bad' } });
  assert.equal(r.code, 2, show(r));
  assert.match(r.stderr, /^Error: TAPEDECK_BIND_ADDRESS: invalid bind address 'bad'/);

  for (const [args, pattern] of [
    [['--rate-limit', 'fast'], /^Error: --rate-limit 'fast': must be a number greater than 0/],
    [['--rate-burst', '5'], /^Error: --rate-burst needs --rate-limit/],
    [['--max-body', 'huge'], /^Error: --max-body 'huge': /],
    [['--oauth-scope', 'x'], /^Error: --oauth-scope needs --oauth-issuer/],
    [['--auth-token-file', 'nope.txt'], /^Error: --auth-token-file nope\.txt: not found/],
    [['--timeout', 'forever'], /^Error: --timeout 'forever': use a duration/],
  ] as [string[], RegExp][]) {
    r = await box.run(['serve', '--bind-address', '127.0.0.1:0', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}\n${show(r)}`);
    assert.match(r.stderr, pattern);
  }
});

test('serve on a port in use fails with exit 1 and says so', async (t) => {
  const { createServer } = await import('node:net');
  const blocker = createServer();
  await new Promise<void>((res) => blocker.listen(0, '127.0.0.1', () => res()));
  t.after(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const r = await box.run(['serve', '--bind-address', `127.0.0.1:${port}`]);
  assert.equal(r.code, 1, show(r));
  assert.match(r.stderr, /Error: .*(EADDRINUSE|in use)/i);
});

test('run: stdio MCP with --manifest provisioning and --env values (nothing but MCP on stdout)', async () => {
  await writeFile(
    join(box.dir, 'run.yaml'),
    'version: 1\ncomponents:\n  - uri: file://./adder.wasm\n    name: calc\n    permissions:\n      environment:\n        allow:\n          - key: API_KEY\n',
  );
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, 'run', '--manifest', join(box.dir, 'run.yaml'), '--env', 'API_KEY=from-flag'],
    env: { ...box.env, TAPEDECK_LOG_LEVEL: 'debug' },
    cwd: box.dir,
    stderr: 'pipe',
  });
  const c = client();
  await c.connect(transport);
  const tools = (await c.listTools()).tools.map((x) => x.name);
  assert.ok(tools.includes('add'), tools.join(','));
  const call = await c.callTool({ name: 'add', arguments: { a: 1, b: 2 } });
  assert.equal(textOf(call), '3');
  await c.close();
  const r = await box.run(['policy', 'get', 'calc']);
  assert.deepEqual(json<{ policy: { permissions: unknown } }>(r).policy.permissions, { environment: { allow: [{ key: 'API_KEY' }] } });
});

test('run --disable-builtin-tools hides the management tools', async () => {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, 'run', '--disable-builtin-tools'],
    env: box.env,
    cwd: box.dir,
    stderr: 'pipe',
  });
  const c = client();
  await c.connect(transport);
  const tools = (await c.listTools()).tools.map((x) => x.name);
  assert.ok(!tools.includes('load-component'), tools.join(','));
  await c.close();
});
