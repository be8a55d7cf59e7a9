/**
 * The README's walkthrough with the bundled examples: a call is denied, the
 * permission is granted with the CLI, the call succeeds — and environment
 * variables reach a component only when granted, never from tapedeck's own
 * environment.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { bin, example, json, sandbox, show, type Sandbox } from './helpers.js';

let box: Sandbox;
let data: string;
before(async () => {
  box = await sandbox();
  data = join(box.dir, 'demo');
  await mkdir(data);
  await writeFile(join(data, 'notes.txt'), 'hello from the host\n');
});
after(async () => {
  await box.cleanup();
});

interface CallResult {
  isError: boolean;
  structuredContent?: { result: unknown };
  denials?: { kind: string; grant: string }[];
}

test('filesystem: denied, grant read, read works, write denied, grant read,write, write works', async () => {
  let r = await box.run(['component', 'load', await example('filesystem')]);
  assert.equal(r.code, 0, show(r));
  assert.equal(json(r).id, 'filesystem');
  const read = ['tool', 'invoke', 'read-file', '--args', JSON.stringify({ path: join(data, 'notes.txt') })];

  r = await box.run(read);
  assert.equal(r.code, 4, show(r));
  const denied = json<CallResult>(r);
  assert.equal(denied.isError, true);
  assert.equal(denied.denials?.[0]?.kind, 'storage');
  const grant = `tapedeck permission grant storage filesystem fs://${data} --access read`;
  assert.equal(denied.denials?.[0]?.grant, grant);
  assert.ok(r.stderr.includes(`grant it with: ${grant}`), r.stderr);

  r = await box.run(['permission', 'grant', 'storage', 'filesystem', `fs://${data}`, '--access', 'read']);
  assert.equal(r.code, 0, show(r));
  r = await box.run(read);
  assert.equal(r.code, 0, show(r));
  assert.deepEqual(json<CallResult>(r).structuredContent, { result: { ok: 'hello from the host\n' } });
  r = await box.run([...read, '-o', 'table']);
  assert.equal(r.stdout, 'hello from the host\n');

  const write = ['tool', 'invoke', 'write-file', '--args', JSON.stringify({ path: join(data, 'reply.txt'), content: 'hi' })];
  r = await box.run(write);
  assert.equal(r.code, 4, show(r));
  assert.match(r.stderr, /denied: storage write access to .*reply\.txt denied/);

  r = await box.run(['permission', 'grant', 'storage', 'filesystem', `fs://${data}`, '--access', 'read,write']);
  assert.equal(r.code, 0, show(r));
  r = await box.run(write);
  assert.equal(r.code, 0, show(r));
  assert.equal(await readFile(join(data, 'reply.txt'), 'utf8'), 'hi');

  // Outside the grant stays denied.
  r = await box.run(['tool', 'invoke', 'read-file', '--args', '{"path":"/etc/hostname"}']);
  assert.equal(r.code, 4, show(r));

  r = await box.run(['permission', 'revoke', 'storage', 'filesystem', `fs://${data}`]);
  assert.equal(r.code, 0, show(r));
  r = await box.run(read);
  assert.equal(r.code, 4, show(r));
});

test('env-reader: only granted keys with a value from secrets, config, --env or --env-file; never the process environment', async () => {
  let r = await box.run(['component', 'load', await example('env-reader')]);
  assert.equal(r.code, 0, show(r));
  const get = (key: string, ...extra: string[]) => box.run(['tool', 'invoke', 'get-env', '--args', JSON.stringify({ key }), ...extra], { env: { LEAKY: 'from-process' } });
  const value = (res: Awaited<ReturnType<typeof get>>) => json<CallResult>(res).structuredContent?.result;

  await box.run(['secret', 'set', 'env-reader', 'GREETING=hello']);
  r = await get('GREETING');
  assert.equal(r.code, 0, show(r));
  assert.equal(value(r), null, 'a secret is not visible before it is granted');

  await box.run(['permission', 'grant', 'environment-variable', 'env-reader', 'GREETING']);
  assert.equal(value(await get('GREETING')), 'hello');

  await box.run(['permission', 'grant', 'environment-variable', 'env-reader', 'LEAKY']);
  assert.equal(value(await get('LEAKY')), null, "tapedeck's own environment is never handed on");
  assert.equal(value(await get('LEAKY', '--env', 'LEAKY')), 'from-process', '--env KEY passes one variable through');
  assert.equal(value(await get('LEAKY', '--env', 'LEAKY=explicit')), 'explicit');
  await writeFile(join(box.dir, 'vars.env'), 'LEAKY=from-file\n');
  assert.equal(value(await get('LEAKY', '--env-file', 'vars.env')), 'from-file');

  await mkdir(join(box.configHome, 'tapedeck'), { recursive: true });
  await writeFile(join(box.configHome, 'tapedeck', 'config.toml'), '[environment_vars]\nLEAKY = "from-config"\n');
  assert.equal(value(await get('LEAKY')), 'from-config');
  assert.equal(value(await get('LEAKY', '--env', 'LEAKY=flag-wins')), 'flag-wins');
  await writeFile(join(box.configHome, 'tapedeck', 'config.toml'), '');

  r = await box.run(['tool', 'invoke', 'list-env']);
  assert.deepEqual(json<CallResult>(r).structuredContent?.result, [['GREETING', 'hello']]);
  await box.run(['component', 'unload', 'env-reader']);
});

test('run --manifest: value_from passes a named variable to the component (and only what the manifest lists)', async () => {
  const manifest = join(box.dir, 'env.yaml');
  await writeFile(
    manifest,
    `version: 1
components:
  - uri: file://${await example('env-reader')}
    name: reader
    permissions:
      environment:
        allow:
          - key: API_KEY
            value_from: READER_API_KEY
`,
  );
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, 'run', '--manifest', manifest],
    env: { ...box.env, READER_API_KEY: 's3cr3t', OTHER: 'not-listed' },
    cwd: box.dir,
    stderr: 'pipe',
  });
  const client = new Client({ name: 'tapedeck-cli-test', version: '1.0.0' });
  await client.connect(transport);
  const result = (await client.callTool({ name: 'list-env', arguments: {} })) as { structuredContent?: { result: unknown } };
  assert.deepEqual(result.structuredContent?.result, [['API_KEY', 's3cr3t']]);
  await client.close();
});
